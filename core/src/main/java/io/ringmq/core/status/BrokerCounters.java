package io.ringmq.core.status;

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
    /** Events whose processing failed unexpectedly (logged once per distinct message). */
    public long routerErrors;
}
