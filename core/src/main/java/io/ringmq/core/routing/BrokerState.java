package io.ringmq.core.routing;

import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.ConnectionDirectory;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.SessionTally;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.status.BrokerCounters;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.collections.Object2ObjectHashMap;

import java.util.Collection;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The broker's routing state and the collaborators every handler shares: connections as the broker sees them,
 * sessions by client id, the subscription trie, retained messages, session timers, the outbound side (sender,
 * deliverer, acknowledgement hold, disconnector), the journal and its snapshots, the counters, and the time of the
 * event being handled. The handlers ({@link SessionLifecycle}, {@link InboundPublish}, {@link Subscriptions}) and
 * {@link Snapshots} work on it; the {@link Router} dispatches ring events to them.
 * <p>
 * <b>Threading:</b> Router thread only: every field is read and written by the ring's single consumer.
 */
final class BrokerState
{
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    final BrokerConfig config;
    final Journal journal;
    final BrokerCounters counters = new BrokerCounters();
    final Long2ObjectHashMap<ClientConnection> connections = new Long2ObjectHashMap<>();
    /** Identities the event loops recorded for connections not yet at CONNECT; only the Router removes. */
    final ConnectionDirectory directory = new ConnectionDirectory();
    final Map<String, Session> sessions = new Object2ObjectHashMap<>();
    /** Sums over the sessions (queued messages and bytes, persistent sessions), kept by the sessions. */
    final SessionTally tally = new SessionTally();
    final TopicTrie<Subscription> trie = new TopicTrie<>();
    /**
     * Local subscriptions per filter (a shared one as {@code $share/{name}/{filter}}), so the cluster hears of a
     * filter's first subscriber and its last; empty entries are removed. Bounded by the subscriptions.
     */
    final Object2IntHashMap<String> localFilters = new Object2IntHashMap<>(0);
    /** The cluster, or {@link ClusterLink#NONE}; set before recovery, fixed afterwards. */
    ClusterLink cluster = ClusterLink.NONE;
    /** Where other nodes have subscribers; empty without a cluster. */
    RemoteRoutes remoteRoutes = new RemoteRoutes(-1);
    /** SUBACKs waiting for the cluster to commit their routes; nothing waits without a cluster. */
    final RouteConfirmations routeConfirmations = new RouteConfirmations(this);
    /** Which client ids this node owns in the cluster's session directory; nothing without a cluster. */
    final ClusterSessions clusterSessions = new ClusterSessions(this);
    /** Sessions moving between nodes (cluster): routing checks each matched session's side of the cut only then. */
    int sessionsInTransit;
    /** Moves sessions between nodes; set by {@link SessionLifecycle}. */
    SessionHandoff handoff;
    /** Set once by {@link SessionLifecycle}'s constructor. */
    ClusterWills clusterWills;
    final SessionTimers timers = new SessionTimers();
    /** Which of this node's forwards the other nodes have taken; nothing without a cluster. */
    final ForwardWindows forwardWindows = new ForwardWindows(this);
    /**
     * Per origin node, the sequence of the last forward routed here: each origin's stream arrives in order, so one
     * at or below it was sent again (after a lost acknowledgement) and is discarded. Journaled
     * ({@code FORWARDS_ROUTED}), so it survives a restart.
     */
    final long[] routedForwards = new long[Long.SIZE];
    /** Forwards a crash cut in the middle of their batch, from recovery (cluster). Router thread. */
    final PartlyRoutedForwards partlyRouted = new PartlyRoutedForwards();
    /**
     * This node's forward sequences are journaled as reserved up to here ({@code SEQUENCES_RESERVED}): the next
     * forward past it reserves more first, so that a restart starts above every sequence used, whatever the clock.
     */
    long forwardSequenceReserved;
    /** What this node sends other nodes in order, kept until they take it; nothing without a cluster. */
    final ForwardOutbox outbox = new ForwardOutbox(this);
    final PacketSender sender;
    final AckHold ackHold;
    final Deliverer deliverer;
    final RetainedMessages retained;
    final Disconnector disconnector;
    final Snapshots snapshots;
    /** Time of the ring event being handled (its timestamp). */
    long nowNs;
    /** Next journal id for a persistent session; ids are never reused within one log. */
    int nextJournalId = 1;
    /**
     * The transport authenticates every CONNECT before it enters the ring (an authentication chain is configured):
     * a CONNECT that arrives without an outcome is refused. Set before the Router starts.
     */
    boolean authenticationRequired;
    /** Permissions of a client connecting without an authentication outcome (no chain configured). */
    TopicPermissions defaultPermissions = TopicPermissions.ALLOW_ALL;

    /**
     * @param config  broker settings.
     * @param queues  one outbound queue per event loop.
     * @param journal the journal, or {@link Journal#disabled()}.
     * @param onEnd   detaches a connection from its session when the broker closes it.
     */
    /**
     * Subscribe in the trie, and tell the cluster when this is the node's first subscriber to a filter (a shared
     * group's first member here makes this node a candidate for the group's messages).
     *
     * @return whether the trie added it.
     */
    boolean subscribe(final String filter, final Subscription subscription)
    {
        final boolean added = trie.subscribe(filter, subscription);
        if (added)
        {
            final int count = localFilters.getValue(filter) + 1;
            localFilters.put(filter, count);
            if (1 == count && ClusterLink.NONE != cluster)
            {
                if (subscription.shared())
                {
                    remoteRoutes.addLocalShared(filter);
                }
                routeConfirmations.onAnnounced(filter);
                cluster.onLocalFilterAdded(filter);
            }
        }
        return added;
    }

    /**
     * Unsubscribe from the trie, and tell the cluster when this was the node's last subscriber to a filter.
     *
     * @return whether the trie had it.
     */
    boolean unsubscribe(final String filter, final Subscription subscription)
    {
        final boolean removed = trie.unsubscribe(filter, subscription);
        if (removed)
        {
            final int left = localFilters.getValue(filter) - 1;
            if (left <= 0)
            {
                localFilters.removeKey(filter);
                if (subscription.shared())
                {
                    remoteRoutes.removeLocalShared(filter);
                }
                routeConfirmations.onWithdrawn(filter);
                cluster.onLocalFilterRemoved(filter);
            }
            else
            {
                localFilters.put(filter, left);
            }
        }
        return removed;
    }

    BrokerState(final BrokerConfig config, final OutboundQueue[] queues, final Journal journal,
        final Consumer<ClientConnection> onEnd)
    {
        this.config = config;
        this.journal = journal;
        this.sender = new PacketSender(queues, journal);
        this.ackHold = new AckHold(sender, counters, config.maxAckDelayMs(), config.maxQueuedMessages(),
            config.receiveMaximum(), forwardWindows, () -> cluster);
        this.deliverer = new Deliverer(sender, counters, ackHold, config);
        this.retained = new RetainedMessages(config, journal, counters, deliverer, sender);
        this.disconnector = new Disconnector(sender, counters, onEnd);
        this.snapshots = new Snapshots(journal, this);
    }

    /** A reload changed settings in {@link #config}: the handlers that keep limits take them again. */
    void reconfigured()
    {
        deliverer.reconfigure(config);
        ackHold.reconfigure(config.maxAckDelayMs(), config.maxQueuedMessages());
        retained.reconfigure(config);
    }

    /** @return the highest journal id given to a session so far. */
    int lastJournalId()
    {
        return nextJournalId - 1;
    }

    /** @return every session, for a snapshot. */
    Collection<Session> allSessions()
    {
        return sessions.values();
    }

    /** @param consumer receives every retained message, for a snapshot. */
    void forEachRetained(final Consumer<Message> consumer)
    {
        retained.forEach(consumer);
    }

    /**
     * Every will not yet published: of connected clients and pending (delayed), for a snapshot.
     *
     * @param visitor receives client id, will, delay and expiry seconds.
     */
    void forEachWill(final WillVisitor visitor)
    {
        for (final ClientConnection connection : connections.values())
        {
            if (connection.state() == ClientConnection.CONNECTED && null != connection.will())
            {
                visitor.onWill(connection.clientId(), connection.will(), connection.willDelaySeconds(),
                    connection.willExpirySeconds());
            }
        }
        for (final SessionTimers.PendingWill pending : timers.pendingWills())
        {
            visitor.onWill(pending.clientId, pending.will,
                Math.max(0, (pending.deadlineNs - nowNs) / NANOS_PER_SECOND), pending.willExpirySeconds);
        }
    }

    /** Receives wills for a snapshot. */
    @FunctionalInterface
    interface WillVisitor
    {
        void onWill(String clientId, Message will, long delaySeconds, long expirySeconds);
    }
}
