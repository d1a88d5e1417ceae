package io.ringmq.cluster;

/**
 * A node's cluster figures, for metrics. Every method may be called from any thread.
 */
public interface ClusterStats
{
    /** @return this node's id. */
    int nodeId();

    /** @return nodes with a live data-plane link from this node, this one included. */
    int nodesUp();

    /** @return forwards handed to another node's data plane. */
    long forwardsSent();

    /** @return forwards that waited behind a back-pressured node (most are sent later). */
    long forwardsQueued();

    /** @return forwards refused because a node's queue was full (QoS 1/2: refused to the publisher too). */
    long forwardsRefused();

    /** @return forwards dropped: no connection to the node, or QoS 0 behind a backed-up node. */
    long forwardsDropped();

    /** @return forwards this node received from others. */
    long forwardsReceived();

    /** @return control-plane commands not sent: the command queue was full (a route change, a retained message). */
    long commandsDropped();

    /** @return commands of this node the control plane refused (a bound reached: routes, directory, retained). */
    long commandsRefused();

    /**
     * @return commands sent again to a new control-plane leader because they were not confirmed (the control plane
     *         applies each once).
     */
    default long commandsResent()
    {
        return 0;
    }

    /**
     * @return commands unconfirmed when this node lost its lease and joined again: the control plane may not have
     *         applied them.
     */
    default long commandsUnconfirmedAtJoin()
    {
        return 0;
    }

    /**
     * @return wills of clients of nodes that went down that this member's control plane sent to be published (the
     *         leader's sends; every voting member counts the same decisions), 0 on a node that is no voting member.
     */
    default long controlPlaneWillsPublished()
    {
        return 0;
    }

    /**
     * @return node egress backlogs this member's control plane, as leader, dropped at their bound (those nodes were
     *         synced again), 0 on a node that is no voting member.
     */
    default long controlPlaneBacklogsDropped()
    {
        return 0;
    }

    /** @return of those, wills this member as leader could not send (the node's egress back-pressured): lost. */
    default long controlPlaneWillsLost()
    {
        return 0;
    }

    /**
     * @return directory entries of sessions of nodes that were down that this member's control plane ended at their
     *         expiry (every voting member counts the same decisions), 0 on a node that is no voting member.
     */
    default long controlPlaneSessionsExpired()
    {
        return 0;
    }

    /**
     * @return questions of nodes whose claims were still unanswered when a sync ended (answers that may have been
     *         lost with a leader), as this member's control plane applied them, 0 on a node that is no voting member.
     */
    default long controlPlaneSessionQueries()
    {
        return 0;
    }

    /**
     * @return session expiries this member's control plane could not keep for the syncs of nodes that were down (past
     *         its bound), 0 on a node that is no voting member.
     */
    default long controlPlaneExpiriesNotKept()
    {
        return 0;
    }

    /**
     * @return retained topic clears this member's control plane could not keep for the syncs of nodes that were down
     *         (past its bound), 0 on a node that is no voting member.
     */
    default long controlPlaneClearsNotKept()
    {
        return 0;
    }
}
