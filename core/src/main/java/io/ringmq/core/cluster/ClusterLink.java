package io.ringmq.core.cluster;

import org.agrona.DirectBuffer;

/**
 * What the Router needs from the cluster, implemented by the cluster module; {@link #NONE} for a single node.
 * <p>
 * <b>Threading:</b> every method is called on the routing thread and must not block it: a command for the control
 * plane is queued, a forward is offered to the data plane or queued behind it, within a bound.
 */
public interface ClusterLink
{
    /** A single node: nothing is told or forwarded. */
    ClusterLink NONE = new ClusterLink()
    {
        @Override
        public int nodeId()
        {
            return -1;
        }

        @Override
        public void onLocalFilterAdded(final String filter)
        {
        }

        @Override
        public void onLocalFilterRemoved(final String filter)
        {
        }

        @Override
        public boolean forward(final long nodes, final DirectBuffer message, final int offset, final int length)
        {
            return true;
        }

        @Override
        public long peers()
        {
            return 0;
        }

        @Override
        public void claimSession(final String clientId)
        {
        }

        @Override
        public void releaseSession(final String clientId, final long epoch)
        {
        }

        @Override
        public int maxRetainedLength()
        {
            return Integer.MAX_VALUE;
        }

        @Override
        public boolean retain(final DirectBuffer message, final int offset, final int length)
        {
            return true;
        }
    };

    /**
     * @return this node's id, or -1 without a cluster.
     */
    int nodeId();

    /**
     * This node's first subscriber to a filter arrived: the other nodes should forward matching messages here.
     *
     * @param filter the topic filter.
     */
    void onLocalFilterAdded(String filter);

    /**
     * This node's last subscriber to a filter left.
     *
     * @param filter the topic filter.
     */
    void onLocalFilterRemoved(String filter);

    /**
     * Send a forwarded message ({@link ForwardDescriptor}) to every node in {@code nodes}.
     *
     * @param nodes   one bit per destination node id.
     * @param message the encoded message.
     * @param offset  its offset.
     * @param length  its length.
     * @return false if a node could not take it or queue it (back-pressure past its bound): the Router then
     *         refuses a QoS 1/2 message to its publisher. A node without a connection does not get it, without a
     *         refusal. Every drop and refusal is counted and logged by the implementation.
     */
    boolean forward(long nodes, DirectBuffer message, int offset, int length);

    /**
     * @return the other nodes this node has a data-plane link to (the live ones), one bit per node id; 0 without a
     *         cluster.
     */
    long peers();

    /**
     * A client connected here with this id: take ownership in the session directory; the decision comes back as
     * {@code RingEvent.CLUSTER_SESSION}. A claim that cannot be queued is counted and logged by the implementation.
     *
     * @param clientId the client id.
     */
    void claimSession(String clientId);

    /**
     * The session with this id ended here.
     *
     * @param clientId the client id.
     * @param epoch    the epoch this node owned it under, or -1 for whatever epoch this node owns it under.
     */
    void releaseSession(String clientId, long epoch);

    /**
     * @return the longest retained message ({@link ForwardDescriptor} layout) the cluster keeps; a longer one is
     *         refused as a retained message, like one past the store's limits.
     */
    int maxRetainedLength();

    /**
     * A retained message this node accepted (a client's, a will, an operator's; an empty payload clears the topic):
     * the cluster keeps it and tells every node, this one too, in one order, as {@code RingEvent.CLUSTER_RETAINED}.
     *
     * @param message the message, {@link ForwardDescriptor} layout, at most {@link #maxRetainedLength()}.
     * @param offset  its offset.
     * @param length  its length.
     * @return false if it could not be queued for the cluster (counted and logged by the implementation): it is
     *         then retained on this node only.
     */
    boolean retain(DirectBuffer message, int offset, int length);

    /**
     * Periodic (the Router's tick, 10 times a second): commands kept while the control plane's queue was full are
     * sent again.
     */
    default void onTick()
    {
    }

    /**
     * @return false while this node has lost its session with the control plane (its lease: cut off from the
     *         majority) and not connected again: it cannot know who owns a client id, so it takes no new connection
     *         except for the ids it owns already. True without a cluster, and while a node starts (it claims the ids
     *         of the clients it took once it has joined). Any thread.
     */
    default boolean controlPlaneReachable()
    {
        return true;
    }
}
