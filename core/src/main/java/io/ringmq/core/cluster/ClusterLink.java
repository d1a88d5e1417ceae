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
    /**
     * Kinds of {@code RingEvent.CLUSTER_SESSION} events, whose frame is: 0 int owner, 4 int the other node (the
     * previous owner; for {@link #SESSION_OWNER_DOWN} the claimant), 8 int kind, 12 client id (UTF-8, rest), with the
     * epoch as the event's value. The directory decided who owns the id.
     */
    int SESSION_OWNER = 0;
    /** A resumed session moves from the previous owner, which is up and hands it over on the data plane. */
    int SESSION_HANDOFF = 1;
    /**
     * This node's resume was refused: the owner is down, or, with the epoch {@link #OWNER_MOVING}, the session is
     * moving to the owner right now (another resume of the client id came first).
     */
    int SESSION_OWNER_DOWN = 2;
    /** The epoch of a {@link #SESSION_OWNER_DOWN} whose session is moving, its owner up. */
    long OWNER_MOVING = 1;
    /** The cut of a moving session (every node): from here on its forwards for it go to the new owner only. */
    int SESSION_CUT = 3;
    /**
     * The control plane took over the will of this node's client (the frame's client id) when this node went down;
     * the other node is 1 if it published it already, 0 if it will when it is due. A sync's record.
     */
    int WILL_TAKEN = 4;
    /** This node's replica is synced (an empty client id): every {@link #WILL_TAKEN} of the sync came before. */
    int SYNCED = 5;
    /**
     * This node's session expired in the cluster while the node was down (a sync's record, before its
     * {@link #SYNCED}): a copy recovered from the journal that no client claimed since is dropped; then
     * {@link #sessionExpiredSeen}.
     */
    int SESSION_EXPIRED = 6;
    /**
     * The answer to {@link #querySession}: the session's directory entry now (owner -1: none), the other node being
     * the node its epoch took the id from (or -1), plus {@link #QUERIED_HANDED_OVER} if the session moved from it.
     */
    int SESSION_QUERIED = 7;
    /** Added to a {@link #SESSION_QUERIED}'s other node when its epoch moved the session from that node. */
    int QUERIED_HANDED_OVER = 1 << 8;
    /**
     * A {@link #SESSION_OWNER}'s other node when nobody had the id because this node's own session expired in the
     * cluster while this node was down: a copy it recovered from its journal is stale, and goes before a resume.
     */
    int PREVIOUS_EXPIRED = -2;
    /**
     * How long a node that went down keeps its plain routes in the control plane, and the other nodes keep the QoS
     * 1/2 messages forwarded for it, to replay them when it is back: one hour.
     */
    long REPLAY_HOLD_NS = java.util.concurrent.TimeUnit.HOURS.toNanos(1);

    /** Bytes of a {@code CLUSTER_SESSION} frame before the client id. */
    int SESSION_FRAME_HEADER = 3 * Integer.BYTES;

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
     * @return whether this node has the control plane's whole state since it last joined, and so knows which nodes
     *         are up (a node just restarted learns the others from its first sync). Any thread.
     */
    default boolean synced()
    {
        return true;
    }

    /**
     * @param node a node id.
     * @return a number that changes each time this node's data-plane link to {@code node} is opened or closed
     *         (what was sent on a closed link may be lost: the Router sends again what it had not acknowledged).
     *         Read by the Router thread, written by whoever opens and closes links.
     */
    default long linkGeneration(final int node)
    {
        return 0;
    }

    /**
     * A client connected here with this id: take ownership in the session directory; the decision comes back as
     * {@code RingEvent.CLUSTER_SESSION}. A claim that cannot be queued is counted and logged by the implementation.
     *
     * @param clientId the client id.
     */
    void claimSession(String clientId);

    /**
     * A client connected here with this id: take ownership in the session directory. A resume from another node that
     * is up is answered {@link #SESSION_HANDOFF}; from one that is down, {@link #SESSION_OWNER_DOWN}.
     *
     * @param clientId the client id.
     * @param resume   true if the client resumes its session (clean start 0).
     */
    default void claimSession(final String clientId, final boolean resume)
    {
        claimSession(clientId);
    }

    /**
     * As {@link #claimSession(String, boolean)}, for a client whose session's expiry interval is known: the directory
     * keeps it, as after {@link #sessionExpiry} with the client connected.
     *
     * @param expirySeconds the session's expiry interval in seconds ({@code Session.NEVER_EXPIRES}: never).
     */
    default void claimSession(final String clientId, final boolean resume, final long expirySeconds)
    {
        claimSession(clientId, resume);
    }

    /**
     * A session this node owns: its expiry interval, and whether its connection ended (its expiry runs from now) or
     * its client is connected. If this node goes down, the cluster ends the session's directory entry when the
     * session would have expired here, so that its client may start afresh on another node.
     *
     * @param clientId      the client id.
     * @param expirySeconds the session's expiry interval in seconds ({@code Session.NEVER_EXPIRES}: never).
     * @param offline       true if the session's connection ended.
     */
    default void sessionExpiry(final String clientId, final long expirySeconds, final boolean offline)
    {
    }

    /**
     * This node handled a {@link #SESSION_EXPIRED}: the cluster need not tell it again.
     *
     * @param clientId the client id.
     */
    default void sessionExpiredSeen(final String clientId)
    {
    }

    /**
     * Who owns the session now? For a claim still unanswered when a sync ends (the answer may have been lost with
     * the control plane's leader); answered with {@link #SESSION_QUERIED}.
     *
     * @param clientId the client id.
     */
    default void querySession(final String clientId)
    {
    }

    /**
     * This node, new owner of a moving session, has announced its routes for it: every node is to cut its streams
     * ({@link #SESSION_CUT}).
     *
     * @param clientId      the client id.
     * @param previousOwner the node handing the session over.
     * @param epoch         the epoch this node owns it under.
     */
    default void sessionCut(final String clientId, final int previousOwner, final long epoch)
    {
    }

    /**
     * A hand-off to this node did not complete: ownership goes back to the node that holds the session.
     *
     * @param clientId the client id.
     * @param to       that node.
     * @param epoch    the epoch this node owns it under.
     */
    default void giveBackSession(final String clientId, final int to, final long epoch)
    {
    }

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
     * A client of this node connected with a will (or the node registers it again after a sync): the cluster keeps
     * it, and publishes it through another node if this one goes down before {@link #clearWill}.
     *
     * @param clientId     the client id.
     * @param will         the will, {@link ForwardDescriptor} layout with its message expiry interval; one longer
     *                     than {@link #maxRetainedLength()} is not kept by the cluster (counted and logged by the
     *                     implementation), and is published only by this node.
     * @param offset       where it starts.
     * @param length       its length.
     * @param delaySeconds its delay, bounded by the session expiry (what is left of it if it runs).
     * @param running      whether its delay already runs (the connection ended): it counts from now, not from
     *                     this node's going down.
     */
    default void registerWill(final String clientId, final DirectBuffer will, final int offset, final int length,
        final long delaySeconds, final boolean running)
    {
    }

    /**
     * This node registers every will it keeps right after ({@link #registerWill}): the cluster forgets its others,
     * except those it took over when this node went down.
     */
    default void resetWills()
    {
    }

    /**
     * This node published or dropped its client's will.
     *
     * @param clientId the client id.
     */
    default void clearWill(final String clientId)
    {
    }

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
