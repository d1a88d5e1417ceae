package io.ringmq.cluster.control;

import org.agrona.DirectBuffer;

/**
 * What a node learns from the control plane. Called on the control-plane client's thread, in the order the control
 * plane decided; an implementation hands the changes to the thread that owns the state they affect.
 */
public interface ClusterListener
{
    /**
     * A node is up, or its data-plane endpoint changed.
     *
     * @param node         its id.
     * @param dataEndpoint its data-plane endpoint, {@code host:port}.
     */
    void onNodeUp(int node, String dataEndpoint);

    /**
     * A node's lease ended: it is gone from every route.
     *
     * @param node its id.
     */
    void onNodeDown(int node);

    /**
     * The set of nodes with subscribers to a filter changed.
     *
     * @param filter the topic filter.
     * @param nodes  one bit per node id, 0 when no node has it any more.
     */
    void onRouteChanged(String filter, long nodes);

    /**
     * A session changed owner; sent to the new owner and to the previous one.
     *
     * @param clientId      the session's client id.
     * @param owner         the node that owns it now.
     * @param previousOwner the node that owned it before, or -1.
     * @param epoch         the ownership's epoch, increasing cluster-wide.
     */
    void onSessionOwner(String clientId, int owner, int previousOwner, long epoch);

    /**
     * A resumed session moves from {@code previousOwner}, which is up, to {@code owner}; sent to both. The previous
     * owner hands the session over on the data plane.
     *
     * @param clientId      the session's client id.
     * @param owner         the node that owns it now.
     * @param previousOwner the node that holds it.
     * @param epoch         the ownership's epoch.
     */
    void onSessionHandoff(String clientId, int owner, int previousOwner, long epoch);

    /**
     * This node's claim to resume a session was refused: the session's owner is down (it comes back with it), or the
     * session is moving to its owner right now (another resume of the same client id came first).
     *
     * @param clientId the session's client id.
     * @param owner    the node that owns it.
     * @param moving   true if the session is moving, false if its owner is down.
     */
    void onSessionOwnerDown(String clientId, int owner, boolean moving);

    /**
     * The cut of a moving session, told to every node in log order after the new owner's routes for it: from here on
     * this node's forwards for it go to the new owner only.
     *
     * @param clientId      the session's client id.
     * @param owner         the new owner.
     * @param previousOwner the node handing it over.
     * @param epoch         the ownership's epoch.
     */
    void onSessionCut(String clientId, int owner, int previousOwner, long epoch);

    /**
     * This node's release of a session was applied.
     *
     * @param clientId the session's client id.
     * @param epoch    the epoch it was owned under.
     */
    void onSessionReleased(String clientId, long epoch);

    /**
     * A command of this node was refused.
     *
     * @param reason a {@code ControlMessageDescriptor.REFUSED_*} code.
     * @param about  what it was about.
     */
    void onRefused(int reason, String about);

    /**
     * A topic's retained message, set on some node (this one too: every node applies the control plane's order).
     *
     * @param topic   the topic.
     * @param message the message in the data plane's layout ({@code ForwardDescriptor}), an empty payload for a
     *                clear; valid during the call only.
     * @param offset  where it starts.
     * @param length  its length.
     */
    void onRetained(String topic, DirectBuffer message, int offset, int length);

    /**
     * A topic's retained message is no longer in the control plane (this node missed its clear, or it expired).
     *
     * @param topic the topic.
     */
    void onRetainedGone(String topic);

    /**
     * The replica holds the control plane's whole state (after joining, a new leader, or lost events). Every
     * {@link #onWillTaken} of the sync came before.
     */
    void onSynced();

    /**
     * A sync's record: the control plane took over the will of this node's client when the node went down (it
     * restarted, or was cut off): this node does not publish that will itself.
     *
     * @param clientId  the client id.
     * @param published whether the control plane published it already (else it will, when due).
     */
    default void onWillTaken(final String clientId, final boolean published)
    {
    }

    /**
     * A sync's record: this node's session expired in the cluster while the node was down (its directory entry is
     * gone): a copy recovered from the journal that no client claimed since is dropped, and the control plane told
     * ({@code ControlPlaneClient.expiredSeen}).
     *
     * @param clientId the client id.
     */
    default void onSessionExpiredWhileDown(final String clientId)
    {
    }

    /**
     * The answer to {@link ControlPlaneClient#query}: the session's directory entry as it is now.
     *
     * @param clientId the client id.
     * @param owner    its owner, or -1 if the directory has no entry for it.
     * @param previous the node its epoch took the id from (or -1), plus
     *                 {@link ControlMessageDescriptor#QUERIED_HANDED_OVER} if the session moved from it.
     * @param epoch    its epoch.
     */
    default void onSessionQueried(final String clientId, final int owner, final int previous, final long epoch)
    {
    }

    /**
     * This node is to publish the will of a client of another node, which went down.
     *
     * @param clientId the client id.
     * @param origin   the node the client was on.
     * @param will     the will, {@code ForwardDescriptor} layout; valid during the call only.
     * @param offset   where it starts.
     * @param length   its length.
     */
    default void onWillPublish(final String clientId, final int origin, final DirectBuffer will, final int offset,
        final int length)
    {
    }
}
