package io.ringmq.core.status;

import io.ringmq.core.ring.CloseReason;

/**
 * Broker-wide message counters kept by the routing stage.
 * <p>
 * <b>Threading:</b> written only by the Router thread with plain increments and published to other readers
 * (metrics, tests) as plain fields; torn reads of a single long cannot happen on 64-bit JVMs and a
 * slightly stale value is acceptable for monitoring.
 */
public final class BrokerCounters
{
    /** PUBLISH packets received from clients. */
    public long publishReceived;
    /** PUBLISH packets queued for clients. */
    public long publishSent;
    /** Payload bytes received in PUBLISH packets. */
    public long publishBytesReceived;
    /** Deliveries dropped: QoS 0 to a full outbound queue or offline session. */
    public long droppedQos0;
    /** QoS 1/2 deliveries dropped because the session's queue quota was full (new or oldest, by policy). */
    public long droppedQueueFull;
    /** Publisher acknowledgements held back because a connected subscriber they feed was backed up. */
    public long acksHeld;
    /** Backed-up sessions that held their publishers for the maximum delay without draining. */
    public long slowSessionsStalled;
    /** Publisher acknowledgements that waited for other nodes to take the message's forwards (cluster). */
    public long acksAwaitingForward;
    /**
     * Acknowledgements released before another node took the message's forward: the publisher left more than its
     * held-acknowledgement bound unacknowledged (cluster).
     */
    public long acksBeforeForwardTaken;
    /** Waits for a live node's forward acknowledgements that timed out, their publishers released (cluster). */
    public long forwardAckTimeouts;
    /** Local publishers held for a backed-up session on another node, once per hold (cluster). */
    public long publishersHeldForNodes;
    /** Holds asked by other nodes that ended here without their release (lost, or the node slow) (cluster). */
    public long publisherHoldTimeouts;
    /** Requests of other nodes to hold a publisher refused: the bound of holds was reached (cluster). */
    public long publisherHoldsRefused;
    /** QoS 1/2 forwards kept for a node that was down, to be replayed when it is back (cluster). */
    public long forwardsKept;
    /** Kept QoS 1/2 forwards sent again: replayed to a node back up, or after its link was opened again (cluster). */
    public long forwardsReplayed;
    /**
     * Forwards not kept for a node: QoS 1/2 for a down node whose box was full or that stayed down past the hold,
     * QoS 1/2 refused to its publisher because a live node's box was full, QoS 0 behind a long replay, or kept in
     * memory only because the journal refused it (cluster).
     */
    public long forwardsNotKept;
    /** Kept forwards whose message expired before they could be sent (cluster). */
    public long forwardsExpiredKept;
    /** Forwards this node had routed already (sent again after a lost acknowledgement): discarded (cluster). */
    public long forwardDuplicates;
    /** Sessions this node handed over to another node whose client resumed them there (cluster). */
    public long sessionsHandedOut;
    /** Sessions this node took over from another node (cluster). */
    public long sessionsHandedIn;
    /**
     * Session hand-offs that failed or were refused: a resume refused (0x88) because the session's node is down or did
     * not answer, a hand-off cut short by a node going down or a timeout (cluster).
     */
    public long handoffsFailed;
    /**
     * Sessions recovered from the journal that expired in the cluster while this node was down, dropped at its
     * first sync (cluster).
     */
    public long sessionsExpiredWhileDown;
    /** Connections refused (0x88) while the node could not reach the cluster's control plane (cluster). */
    public long refusedClusterUnreachable;
    /** Connects, publishes and subscriptions refused because the journal was full (v5 0x97). */
    public long refusedJournalFull;
    /** Deliveries dropped as larger than the client's maximum packet size. */
    public long droppedTooLarge;
    /** Deliveries dropped because the message expired. */
    public long droppedExpired;
    /** Retained publishes not retained (MQTT 5 QoS 1/2: refused with 0x97) past the retained limits. */
    public long refusedRetainedFull;
    /** Publishes and subscriptions refused by the client's permissions, and publishes to a $ topic. */
    public long refusedNotAuthorized;
    /** Deliveries (and retained messages) withheld from a subscriber its permissions do not let read the topic. */
    public long deliveriesNotAuthorized;
    /** Connections refused by authentication (CONNACK 0x86, 0x87, 0x8A, 0x8C, 0x88 from the chain). */
    public long authenticationRefused;
    /** Re-authentications that failed (the client was disconnected). */
    public long reauthenticationFailed;
    /** Connections closed for protocol violations. */
    public long protocolViolations;
    /** Clients currently connected. */
    public long clientsConnected;
    /** Connections accepted since start. */
    public long connectsAccepted;
    /** Will messages published. */
    public long willsPublished;
    /** Clients an operator disconnected (admin API). */
    public long adminDisconnects;
    /** Messages an operator published (admin API). */
    public long adminPublishes;
    /** PUBLISH packets received from clients, by QoS (index 0 to 2). */
    public final long[] publishReceivedByQos = new long[3];
    /** PUBLISH packets queued for clients, by the QoS they were sent with. */
    public final long[] publishSentByQos = new long[3];
    /** Clients connected, by protocol version (index 3, 4 and 5). */
    public final long[] clientsByVersion = new long[6];
    /**
     * Connections of accepted clients the broker ended, by the MQTT 5 reason code it closed them with (also for
     * 3.1.1 clients, which get no DISCONNECT): 0x00 for the client's own DISCONNECT, 0x8E takeover, 0x8B shutdown,
     * 0x98 an operator, protocol errors by their code.
     */
    public final long[] disconnectsByReasonCode = new long[256];
    /** Connections of accepted clients that ended in the transport, by {@code CloseReason} (connection lost...). */
    public final long[] connectionsClosedByTransport = new long[CloseReason.COUNT];
    /** Events whose processing failed unexpectedly (logged once per distinct message). */
    public long routerErrors;
}
