package io.ringmq.core.status;

import io.ringmq.core.session.SessionTally;

/**
 * The Router's figures at one tick, immutable, for readers on other threads (the metrics endpoint, health checks):
 * the {@link BrokerCounters} the Router writes as plain fields, and the sizes of the state it owns (sessions,
 * subscriptions, retained messages, the journal). Made by the Router on each tick and published through a volatile
 * reference, so that a reader sees every field of one tick and never reads a Router-owned field racily; the figures
 * are at most one tick old. One small object per tick, nothing per message.
 * <p>
 * <b>Threading:</b> immutable; safe to read from any thread once obtained through the volatile reference.
 */
public final class RouterSnapshot
{
    /** Before the first tick: every figure 0, the journal not full. */
    public static final RouterSnapshot EMPTY = new RouterSnapshot(new BrokerCounters(), new SessionTally(), 0, 0, 0,
        false, 0, 0, false, 0, 0);

    private final long publishReceived;
    private final long publishSent;
    private final long publishBytesReceived;
    private final long droppedQos0;
    private final long droppedQueueFull;
    private final long droppedTooLarge;
    private final long droppedExpired;
    private final long acksHeld;
    private final long acksAwaitingForward;
    private final long forwardAckTimeouts;
    private final long publishersHeldForNodes;
    private final long publisherHoldTimeouts;
    private final long publisherHoldsRefused;
    private final long forwardsKept;
    private final long forwardsReplayed;
    private final long forwardsNotKept;
    private final long forwardsExpiredKept;
    private final long forwardDuplicates;
    private final long acksBeforeForwardTaken;
    private final long refusedClusterUnreachable;
    private final long sessionsHandedOut;
    private final long sessionsHandedIn;
    private final long handoffsFailed;
    private final long sessionsExpiredWhileDown;
    private final long slowSessionsStalled;
    private final long refusedJournalFull;
    private final long refusedRetainedFull;
    private final long refusedNotAuthorized;
    private final long deliveriesNotAuthorized;
    private final long authenticationRefused;
    private final long reauthenticationFailed;
    private final long protocolViolations;
    private final long clientsConnected;
    private final long connectsAccepted;
    private final long willsPublished;
    private final long routerErrors;
    private final SessionTally tally;
    private final long adminDisconnects;
    private final long adminPublishes;
    private final long[] publishReceivedByQos;
    private final long[] publishSentByQos;
    private final long[] clientsByVersion;
    private final long[] disconnectsByReasonCode;
    private final long[] connectionsClosedByTransport;
    private final long sessions;
    private final long subscriptions;
    private final long retained;
    private final boolean journalEnabled;
    private final long journalBytesUsed;
    private final long journalBytesOnDisk;
    private final boolean journalFull;
    private final long journalRefusedRecords;
    private final long tickNs;

    /**
     * Copy the counters; call on the thread that writes them (the Router).
     *
     * @param counters              the Router's counters, copied field by field.
     * @param tally                 the sums over the sessions, copied.
     * @param sessions              sessions the broker keeps (connected or not).
     * @param subscriptions         subscriptions in the topic trie.
     * @param retained              retained messages.
     * @param journalEnabled        whether persistence is on (the journal figures are 0 when off).
     * @param journalBytesUsed      bytes of the log between its start and its tail.
     * @param journalBytesOnDisk    bytes of segment files on disk.
     * @param journalFull           whether the next segment cannot be allocated (writes are refused).
     * @param journalRefusedRecords records the log refused (full or too large).
     * @param tickNs                nanoTime of the tick that made it.
     */
    public RouterSnapshot(final BrokerCounters counters, final SessionTally tally, final long sessions,
        final long subscriptions,
        final long retained, final boolean journalEnabled, final long journalBytesUsed, final long journalBytesOnDisk,
        final boolean journalFull, final long journalRefusedRecords, final long tickNs)
    {
        this.publishReceived = counters.publishReceived;
        this.publishSent = counters.publishSent;
        this.publishBytesReceived = counters.publishBytesReceived;
        this.droppedQos0 = counters.droppedQos0;
        this.droppedQueueFull = counters.droppedQueueFull;
        this.droppedTooLarge = counters.droppedTooLarge;
        this.droppedExpired = counters.droppedExpired;
        this.acksHeld = counters.acksHeld;
        this.acksAwaitingForward = counters.acksAwaitingForward;
        this.forwardAckTimeouts = counters.forwardAckTimeouts;
        this.publishersHeldForNodes = counters.publishersHeldForNodes;
        this.publisherHoldTimeouts = counters.publisherHoldTimeouts;
        this.publisherHoldsRefused = counters.publisherHoldsRefused;
        this.forwardsKept = counters.forwardsKept;
        this.forwardsReplayed = counters.forwardsReplayed;
        this.forwardsNotKept = counters.forwardsNotKept;
        this.forwardsExpiredKept = counters.forwardsExpiredKept;
        this.forwardDuplicates = counters.forwardDuplicates;
        this.acksBeforeForwardTaken = counters.acksBeforeForwardTaken;
        this.refusedClusterUnreachable = counters.refusedClusterUnreachable;
        this.sessionsHandedOut = counters.sessionsHandedOut;
        this.sessionsHandedIn = counters.sessionsHandedIn;
        this.handoffsFailed = counters.handoffsFailed;
        this.sessionsExpiredWhileDown = counters.sessionsExpiredWhileDown;
        this.slowSessionsStalled = counters.slowSessionsStalled;
        this.refusedJournalFull = counters.refusedJournalFull;
        this.refusedRetainedFull = counters.refusedRetainedFull;
        this.refusedNotAuthorized = counters.refusedNotAuthorized;
        this.deliveriesNotAuthorized = counters.deliveriesNotAuthorized;
        this.authenticationRefused = counters.authenticationRefused;
        this.reauthenticationFailed = counters.reauthenticationFailed;
        this.protocolViolations = counters.protocolViolations;
        this.clientsConnected = counters.clientsConnected;
        this.connectsAccepted = counters.connectsAccepted;
        this.willsPublished = counters.willsPublished;
        this.routerErrors = counters.routerErrors;
        this.tally = tally.copy();
        this.adminDisconnects = counters.adminDisconnects;
        this.adminPublishes = counters.adminPublishes;
        this.publishReceivedByQos = counters.publishReceivedByQos.clone();
        this.publishSentByQos = counters.publishSentByQos.clone();
        this.clientsByVersion = counters.clientsByVersion.clone();
        this.disconnectsByReasonCode = counters.disconnectsByReasonCode.clone();
        this.connectionsClosedByTransport = counters.connectionsClosedByTransport.clone();
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.retained = retained;
        this.journalEnabled = journalEnabled;
        this.journalBytesUsed = journalBytesUsed;
        this.journalBytesOnDisk = journalBytesOnDisk;
        this.journalFull = journalFull;
        this.journalRefusedRecords = journalRefusedRecords;
        this.tickNs = tickNs;
    }

    /** @return PUBLISH packets received from clients. */
    public long publishReceived()
    {
        return publishReceived;
    }

    /** @return PUBLISH packets queued for clients. */
    public long publishSent()
    {
        return publishSent;
    }

    /** @return payload bytes received in PUBLISH packets. */
    public long publishBytesReceived()
    {
        return publishBytesReceived;
    }

    /** @return QoS 0 deliveries dropped (full outbound queue or offline session). */
    public long droppedQos0()
    {
        return droppedQos0;
    }

    /** @return QoS 1/2 deliveries dropped because the session's queue was full. */
    public long droppedQueueFull()
    {
        return droppedQueueFull;
    }

    /** @return deliveries dropped as larger than the client's maximum packet size. */
    public long droppedTooLarge()
    {
        return droppedTooLarge;
    }

    /** @return deliveries dropped because the message expired. */
    public long droppedExpired()
    {
        return droppedExpired;
    }

    /** @return publisher acknowledgements held back for a backed-up subscriber. */
    public long acksHeld()
    {
        return acksHeld;
    }

    /** @return publisher acknowledgements that waited for other nodes to take the message's forwards. */
    public long acksAwaitingForward()
    {
        return acksAwaitingForward;
    }

    /** @return acknowledgements released before another node took the message's forward. */
    public long acksBeforeForwardTaken()
    {
        return acksBeforeForwardTaken;
    }

    /** @return waits for a live node's forward acknowledgements that timed out. */
    public long forwardAckTimeouts()
    {
        return forwardAckTimeouts;
    }

    /** @return local publishers held for a backed-up session on another node, once per hold. */
    public long publishersHeldForNodes()
    {
        return publishersHeldForNodes;
    }

    /** @return holds asked by other nodes that ended here without their release. */
    public long publisherHoldTimeouts()
    {
        return publisherHoldTimeouts;
    }

    /** @return requests of other nodes to hold a publisher refused at the bound of holds. */
    public long publisherHoldsRefused()
    {
        return publisherHoldsRefused;
    }

    /** @return QoS 1/2 forwards kept for a node that was down. */
    public long forwardsKept()
    {
        return forwardsKept;
    }

    /** @return kept forwards sent again. */
    public long forwardsReplayed()
    {
        return forwardsReplayed;
    }

    /** @return forwards not kept for a node (box full, past the hold, QoS 0 behind a replay). */
    public long forwardsNotKept()
    {
        return forwardsNotKept;
    }

    /** @return kept forwards that expired before they could be sent. */
    public long forwardsExpiredKept()
    {
        return forwardsExpiredKept;
    }

    /** @return forwards discarded because this node had routed them already. */
    public long forwardDuplicates()
    {
        return forwardDuplicates;
    }

    /** @return connections refused while the node could not reach the cluster's control plane. */
    public long refusedClusterUnreachable()
    {
        return refusedClusterUnreachable;
    }

    /** @return sessions handed over to another node whose client resumed them there. */
    public long sessionsHandedOut()
    {
        return sessionsHandedOut;
    }

    /** @return sessions taken over from another node. */
    public long sessionsHandedIn()
    {
        return sessionsHandedIn;
    }

    /** @return session hand-offs refused or cut short. */
    public long handoffsFailed()
    {
        return handoffsFailed;
    }

    /** @return sessions recovered from the journal dropped because they expired in the cluster meanwhile. */
    public long sessionsExpiredWhileDown()
    {
        return sessionsExpiredWhileDown;
    }

    /** @return backed-up sessions that held their publishers for the maximum delay. */
    public long slowSessionsStalled()
    {
        return slowSessionsStalled;
    }

    /** @return connects, publishes and subscriptions refused because the journal was full. */
    public long refusedJournalFull()
    {
        return refusedJournalFull;
    }

    /** @return retained publishes not retained past the retained limits. */
    public long refusedRetainedFull()
    {
        return refusedRetainedFull;
    }

    /** @return publishes and subscriptions refused by the client's permissions. */
    public long refusedNotAuthorized()
    {
        return refusedNotAuthorized;
    }

    /** @return deliveries withheld from subscribers not allowed to read the topic. */
    public long deliveriesNotAuthorized()
    {
        return deliveriesNotAuthorized;
    }

    /** @return connections refused by authentication. */
    public long authenticationRefused()
    {
        return authenticationRefused;
    }

    /** @return re-authentications that failed. */
    public long reauthenticationFailed()
    {
        return reauthenticationFailed;
    }

    /** @return connections closed for protocol violations. */
    public long protocolViolations()
    {
        return protocolViolations;
    }

    /** @return clients connected at the tick. */
    public long clientsConnected()
    {
        return clientsConnected;
    }

    /** @return connections accepted (CONNACK success) since start. */
    public long connectsAccepted()
    {
        return connectsAccepted;
    }

    /** @return will messages published. */
    public long willsPublished()
    {
        return willsPublished;
    }

    /** @return events whose routing failed unexpectedly. */
    public long routerErrors()
    {
        return routerErrors;
    }

    /** @return the sums over the sessions at the tick (queued messages and bytes, persistent sessions); a copy. */
    public SessionTally sessionTally()
    {
        return tally;
    }

    /** @return clients an operator disconnected. */
    public long adminDisconnects()
    {
        return adminDisconnects;
    }

    /** @return messages an operator published. */
    public long adminPublishes()
    {
        return adminPublishes;
    }

    /**
     * @param qos 0, 1 or 2.
     * @return PUBLISH packets received at that QoS.
     */
    public long publishReceived(final int qos)
    {
        return publishReceivedByQos[qos];
    }

    /**
     * @param qos 0, 1 or 2.
     * @return PUBLISH packets queued for clients at that QoS.
     */
    public long publishSent(final int qos)
    {
        return publishSentByQos[qos];
    }

    /**
     * @param version protocol version 3, 4 or 5.
     * @return clients connected with it.
     */
    public long clientsConnected(final int version)
    {
        return clientsByVersion[version];
    }

    /**
     * @param reasonCode an MQTT 5 reason code, 0 to 255.
     * @return accepted clients the broker disconnected with it (0: the client's own DISCONNECT).
     */
    public long disconnects(final int reasonCode)
    {
        return disconnectsByReasonCode[reasonCode];
    }

    /**
     * @param closeReason a {@code CloseReason}.
     * @return accepted clients whose connection ended in the transport for it.
     */
    public long connectionsClosed(final int closeReason)
    {
        return connectionsClosedByTransport[closeReason];
    }

    /** @return sessions the broker keeps. */
    public long sessions()
    {
        return sessions;
    }

    /** @return subscriptions. */
    public long subscriptions()
    {
        return subscriptions;
    }

    /** @return retained messages. */
    public long retained()
    {
        return retained;
    }

    /** @return whether persistence is on. */
    public boolean journalEnabled()
    {
        return journalEnabled;
    }

    /** @return bytes of the log in use. */
    public long journalBytesUsed()
    {
        return journalBytesUsed;
    }

    /** @return bytes of segment files on disk. */
    public long journalBytesOnDisk()
    {
        return journalBytesOnDisk;
    }

    /** @return whether the journal was full at the tick. */
    public boolean journalFull()
    {
        return journalFull;
    }

    /** @return records the log refused. */
    public long journalRefusedRecords()
    {
        return journalRefusedRecords;
    }

    /** @return nanoTime of the tick that made this snapshot (0 for {@link #EMPTY}). */
    public long tickNs()
    {
        return tickNs;
    }
}
