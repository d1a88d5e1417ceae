package io.ringmq.core.routing;

import io.ringmq.auth.TopicPermissions;
import com.lmax.disruptor.EventHandler;
import io.ringmq.core.admin.AdminRequest;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.codec.AckDecoder;
import io.ringmq.core.codec.MqttProtocolException;
import io.ringmq.core.codec.PingDecoder;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.ConnectionDirectory;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.status.BrokerCounters;
import io.ringmq.core.status.FatalErrorHandler;
import io.ringmq.core.status.LatencyHistogram;
import io.ringmq.core.status.RouterSnapshot;
import io.ringmq.core.status.TransportStats;
import org.agrona.MutableDirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The routing stage: consumes the inbound ring and dispatches each event to the handler for it, within the routing
 * thread's error boundary. The state (connections as the broker sees them, sessions, subscriptions, retained
 * messages, timers) is in {@link BrokerState}; the handlers are {@link SessionLifecycle} (CONNECT to connection end,
 * session expiry, wills), {@link InboundPublish} (PUBLISH, PUBREL, fan-out), {@link Subscriptions} and, below them,
 * {@link Deliverer}, {@link AckHold}, {@link RetainedMessages} and {@link Snapshots}. Every packet that changes state
 * arrives here in ring order, so per-connection order holds without locks. Packets for clients are encoded into the
 * owning event loop's {@link OutboundQueue}; the Router never touches a socket.
 * <p>
 * <b>Threading:</b> not thread-safe; runs on the single ring-consumer thread. Other threads reach it only
 * through ring events.
 */
public final class Router implements EventHandler<RingEvent>
{
    /**
     * Longest a CONNECT the Router has may wait for its CONNACK on purpose: a resume of a session that lives on
     * another node of a cluster waits for the session directory and then for the hand-off ({@link SessionHandoff},
     * each at most {@code SessionHandoff.WAIT_NS}), and is refused with 0x88 past that. The transport's own
     * handshake timeout must not cut such a CONNECT short without an answer.
     */
    public static final long LONGEST_CONNACK_WAIT_NS = 2 * SessionHandoff.WAIT_NS;
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final BrokerState state;
    private final InboundPublish publishes;
    private final Subscriptions subscriptions;
    private final SessionLifecycle sessionLifecycle;
    private final RouterAdmin admin;
    private final SysTopics sysTopics;
    private final AckDecoder ackDecoder = new AckDecoder();
    private final Set<String> loggedErrors = new HashSet<>();
    private final CountDownLatch shutdownLatch = new CountDownLatch(1);
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);
    private FatalErrorHandler fatalHandler = (stage, cause) -> LOG.error("{} failed", stage, cause);
    /**
     * The figures of the last tick, for other threads: written only by the Router thread (a fresh immutable object
     * each tick), read by any thread; the volatile write publishes every field of the object.
     */
    private volatile RouterSnapshot snapshot = RouterSnapshot.EMPTY;
    /** One event in this many (a power of two) has its ring hand-off time measured: a clock read costs ~20 ns. */
    private static final long HANDOFF_SAMPLE_MASK = 63;
    /**
     * Time from an event's producer (its timestamp) to the Router taking it, sampled: written by the Router thread
     * only, read by the metrics endpoint.
     */
    private final LatencyHistogram handoffLatency = new LatencyHistogram();

    /**
     * @param config         broker settings.
     * @param queues         one outbound queue per event loop, indexed by loop.
     * @param permissions    permissions of clients that connect without an authentication outcome.
     * @param transportStats figures from the transport for $SYS.
     */
    public Router(
        final BrokerConfig config,
        final OutboundQueue[] queues,
        final TopicPermissions permissions,
        final TransportStats transportStats)
    {
        this(config, queues, permissions, transportStats, Journal.disabled());
    }

    /**
     * @param config         broker settings.
     * @param queues         one outbound queue per event loop, indexed by loop.
     * @param permissions    permissions of clients that connect without an authentication outcome (allow-all when
     *                       the broker does not authenticate; see {@link #requireAuthentication()}).
     * @param transportStats figures from the transport for $SYS.
     * @param journal        where durable state goes; recovered with {@link #recover(long)} before the ring starts.
     */
    public Router(
        final BrokerConfig config,
        final OutboundQueue[] queues,
        final TopicPermissions permissions,
        final TransportStats transportStats,
        final Journal journal)
    {
        this.state = new BrokerState(config, queues, journal, this::endConnection);
        state.defaultPermissions = permissions;
        this.publishes = new InboundPublish(state);
        this.subscriptions = new Subscriptions(state);
        this.sessionLifecycle = new SessionLifecycle(state, publishes);
        state.handoff.frameHandler(this::onFrame);
        this.admin = new RouterAdmin(state, sessionLifecycle, subscriptions, publishes);
        this.sysTopics = new SysTopics(config.sysIntervalSeconds(), state.counters, transportStats,
            publishes::publishInternal, state.sessions::size, state.retained::size, state.trie::subscriptionCount,
            journal);
    }

    /** The Disconnector's way back to the session lifecycle (created after the state it belongs to). */
    private void endConnection(final ClientConnection connection)
    {
        sessionLifecycle.endConnection(connection);
    }

    /**
     * The transport authenticates every CONNECT (an authentication chain is configured): a CONNECT that reaches the
     * Router without an outcome is refused, never let in. Call before the ring starts.
     */
    public void requireAuthentication()
    {
        state.authenticationRequired = true;
    }

    /** @return where the event loops leave what they learned about a connection (TLS identity, PROXY address). */
    public ConnectionDirectory connectionDirectory()
    {
        return state.directory;
    }

    /** @return counters, written by the Router thread. */
    public BrokerCounters counters()
    {
        return state.counters;
    }

    /**
     * The Router's counters and state sizes as of its last tick, safe to read from any thread (unlike
     * {@link #counters()}, whose fields the Router writes as it goes).
     *
     * @return the last published snapshot, {@link RouterSnapshot#EMPTY} before the first tick.
     */
    public RouterSnapshot snapshot()
    {
        return snapshot;
    }

    /** @return sampled times from an event's producer to the Router taking it; thread-safe to read. */
    public LatencyHistogram handoffLatency()
    {
        return handoffLatency;
    }

    /**
     * Wait until the Router has processed {@link RingEvent#SHUTDOWN}.
     *
     * @param timeoutMs maximum wait.
     * @return true if it did.
     * @throws InterruptedException if interrupted.
     */
    public boolean awaitShutdown(final long timeoutMs) throws InterruptedException
    {
        return shutdownLatch.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Wait until the Router's thread has left the ring (after the Disruptor was halted).
     *
     * @param timeoutMs maximum wait.
     * @return true if it did.
     * @throws InterruptedException if interrupted.
     */
    public boolean awaitStopped(final long timeoutMs) throws InterruptedException
    {
        return stoppedLatch.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void onShutdown()
    {
        stoppedLatch.countDown();
    }

    /**
     * Join the cluster: the Router tells it of the node's first and last subscriber to each filter, and forwards
     * accepted messages to the nodes with subscribers ({@link RingEvent#CLUSTER_ROUTE} events keep its replica of
     * where they are). Call before {@link #recover}, so that recovered subscriptions are announced too, and before
     * the ring starts.
     *
     * @param link the cluster.
     */
    public void clusterLink(final ClusterLink link)
    {
        state.cluster = link;
        state.remoteRoutes = new RemoteRoutes(link.nodeId());
    }

    /**
     * @param handler receives an {@link Error} met while routing; the Router goes on with the next event (so a clean
     *                stop can still disconnect every client), the handler stops the broker.
     */
    public void fatalHandler(final FatalErrorHandler handler)
    {
        this.fatalHandler = handler;
    }

    /**
     * Error boundary of the routing thread: nothing thrown while handling one event, including the end-of-batch
     * hand-off to the event loops, escapes to the Disruptor (whose default handler would end the thread and leave
     * the ring to fill). A protocol error closes its connection, any other exception is counted, logged once per
     * distinct message and closes the connection it came from, and an {@link Error} goes to the fatal handler.
     */
    @Override
    public void onEvent(final RingEvent event, final long sequence, final boolean endOfBatch)
    {
        if (0 == (sequence & HANDOFF_SAMPLE_MASK))
        {
            handoffLatency.record(System.nanoTime() - event.timestampNs());
        }
        try
        {
            dispatch(event);
            if (endOfBatch)
            {
                publishes.endOfBatch();
                state.sender.endOfBatch();
            }
        }
        catch (final RuntimeException ex)
        {
            onUnexpected(null, ex);
        }
        catch (final Error ex)
        {
            state.counters.routerErrors++;
            fatalHandler.onFatal("router", ex);
        }
    }

    private void dispatch(final RingEvent event)
    {
        state.nowNs = event.timestampNs();
        ClientConnection connection = null;
        try
        {
            switch (event.type())
            {
                case RingEvent.FRAME ->
                {
                    connection = connectionFor(event);
                    onFrame(connection, event.frame(), event.frameLength());
                    final Session session = connection.session();
                    if (null != session && null != session.retainedCursor())
                    {
                        state.retained.pump(session, state.nowNs);  // an acknowledgement may have made room
                    }
                }
                case RingEvent.WRITABLE ->
                {
                    connection = state.connections.get(event.connectionId());
                    if (null != connection && null != connection.session() &&
                        connection.state() == ClientConnection.CONNECTED)
                    {
                        state.retained.onWritable(connection.session(), state.nowNs);
                    }
                }
                case RingEvent.CONNECTION_CLOSED ->
                    sessionLifecycle.onConnectionClosed(event.connectionId(), event.reason());
                case RingEvent.PROTOCOL_VIOLATION ->
                {
                    connection = connectionFor(event);
                    state.disconnector.violation(connection, event.reason(), transportViolation(event.reason()));
                }
                case RingEvent.TICK -> onTick();
                case RingEvent.PERMISSIONS_RELOADED -> sessionLifecycle.onPermissionsReloaded();
                case RingEvent.ADMIN ->
                {
                    final AdminRequest<?> request = event.takeAdminRequest();
                    if (null != request)
                    {
                        request.run(admin);
                    }
                }
                case RingEvent.JOURNAL_SYNCED ->
                {
                    // Nothing to route: the end of this batch releases the packets held for the forced records.
                }
                case RingEvent.SHUTDOWN -> onShutdownEvent();
                case RingEvent.CLUSTER_ROUTE -> onClusterRoute(
                    event.frame().getStringWithoutLengthUtf8(0, event.frameLength()), event.connectionId());
                case RingEvent.FORWARDED -> publishes.onForwarded(event.frame(), event.frameLength());
                case RingEvent.CLUSTER_RETAINED -> publishes.onClusterRetained(event.frame(), event.frameLength());
                case RingEvent.CLUSTER_SESSION -> sessionLifecycle.onClusterOwner(event.frame(), event.frameLength(),
                    event.connectionId());
                case RingEvent.CLUSTER_WILL -> state.clusterWills.onPublish(event.frame(), event.frameLength(),
                    (int)event.connectionId());
                case RingEvent.NOOP ->
                {
                    // A slot its producer could not fill, published so the ring moves on: nothing to route.
                }
                default -> throw new IllegalStateException("unknown ring event type " + event.type());
            }
        }
        catch (final MqttProtocolException ex)
        {
            if (null != connection)
            {
                state.disconnector.violation(connection, ex.reasonCode(), ex.getMessage());
            }
        }
        catch (final RuntimeException ex)
        {
            onUnexpected(connection, ex);
        }
        finally
        {
            publishes.clearMatches();
            event.releaseFrame();   // a large frame's pool buffer goes back once the event is handled
        }
    }

    private ClientConnection connectionFor(final RingEvent event)
    {
        ClientConnection connection = state.connections.get(event.connectionId());
        if (null == connection)
        {
            connection = new ClientConnection(event.connectionId(), event.loopIndex());
            state.connections.put(event.connectionId(), connection);
        }
        return connection;
    }

    private void onUnexpected(final ClientConnection connection, final RuntimeException ex)
    {
        state.counters.routerErrors++;
        final String key = ex.getClass().getName() + ": " + ex.getMessage();
        if (loggedErrors.size() < 1000 && loggedErrors.add(key))
        {
            LOG.error("routing failed (first occurrence of this error)", ex);
        }
        if (null != connection)
        {
            state.disconnector.violation(connection, ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "internal error");
        }
    }

    private static String transportViolation(final int reasonCode)
    {
        return switch (reasonCode)
        {
            case ReasonCode.PACKET_TOO_LARGE -> "MQTT-3.2.2-15: packet exceeds the maximum packet size";
            case ReasonCode.MALFORMED_PACKET -> "MQTT-1.5.5-1: malformed Remaining Length";
            default -> "transport violation";
        };
    }

    private void onFrame(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        if (connection.state() == ClientConnection.CLOSING)
        {
            return;
        }
        if (connection.state() == ClientConnection.NEW && state.handoff.keepEarlyFrame(connection, frame, length))
        {
            return;     // its CONNACK waits for the cluster's session directory: handled after it
        }
        final int type = (frame.getByte(0) >> 4) & 0x0F;
        if (connection.state() == ClientConnection.NEW && type != PacketType.CONNECT)
        {
            state.disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                "MQTT-3.1.0-1: first packet must be CONNECT, got " + PacketType.name(type));
            return;
        }
        switch (type)
        {
            case PacketType.CONNECT -> sessionLifecycle.onConnect(connection, frame, length);
            case PacketType.PUBLISH -> publishes.onPublish(connection, frame, length);
            case PacketType.PUBACK, PacketType.PUBCOMP ->
            {
                ackDecoder.wrap(frame, 0, length, connection.version());
                state.deliverer.onComplete(connection.session(), ackDecoder.packetId(), state.nowNs);
            }
            case PacketType.PUBREC ->
            {
                ackDecoder.wrap(frame, 0, length, connection.version());
                state.deliverer.onPubrec(connection.session(), ackDecoder.packetId(), ackDecoder.reasonCode(),
                    state.nowNs);
            }
            case PacketType.PUBREL -> publishes.onPubrel(connection, frame, length);
            case PacketType.SUBSCRIBE -> subscriptions.onSubscribe(connection, frame, length);
            case PacketType.UNSUBSCRIBE -> subscriptions.onUnsubscribe(connection, frame, length);
            case PacketType.PINGREQ ->
            {
                PingDecoder.validatePingreq(frame, 0, length);
                state.sender.pingresp(connection);
            }
            case PacketType.DISCONNECT -> sessionLifecycle.onDisconnect(connection, frame, length);
            case PacketType.AUTH -> sessionLifecycle.onAuth(connection);
            default -> state.disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                "MQTT-2.1.2: packet type " + PacketType.name(type) + " is not sent by clients");
        }
    }

    // ---------------------------------------------------------------- CONNECT

    // ---------------------------------------------------------------- PUBLISH

    // ---------------------------------------------------------------- SUBSCRIBE

    // ---------------------------------------------------------------- DISCONNECT and connection end

    // ---------------------------------------------------------------- timers, $SYS, shutdown

    /**
     * A route change from the control plane: applied to the replica; a node it adds is told that this node now routes
     * the filter to it (so its SUBACK can go out, {@link RouteConfirmations}); one naming this node confirms this
     * node's own announcement.
     */
    private void onClusterRoute(final String filter, final long nodes)
    {
        final long added = state.remoteRoutes.apply(filter, nodes);
        if (added != 0)
        {
            publishes.acknowledgeRoute(filter, added);
        }
        if (state.cluster.nodeId() >= 0 && (nodes & (1L << state.cluster.nodeId())) != 0)
        {
            state.routeConfirmations.onConfirmed(filter);
        }
    }

    /** @return bytes the outbox keeps for a node (tests). */
    long outboxHeldBytes(final int node)
    {
        return state.outbox.heldBytes(node);
    }

    private void onTick()
    {
        state.timers.poll(state.nowNs, sessionLifecycle);
        state.routeConfirmations.onTick(state.nowNs);
        state.cluster.onTick();
        state.handoff.onTick();
        state.outbox.service(state.nowNs);  // before the acknowledgements a node gone down no longer holds
        state.ackHold.onTick(state.nowNs);
        sysTopics.onTick(state.nowNs);
        state.snapshots.onTick(state.nowNs);
        publishSnapshot();
    }

    /** Copy the figures other threads may read (metrics, readiness) into a new snapshot and publish it. */
    private void publishSnapshot()
    {
        final Journal journal = state.journal;
        final boolean persistent = journal.enabled();
        snapshot = new RouterSnapshot(state.counters, state.tally, state.sessions.size(),
            state.trie.subscriptionCount(),
            state.retained.size(), persistent,
            persistent ? journal.log().position() - journal.log().startPosition() : 0,
            persistent ? journal.log().bytesOnDisk() : 0,
            persistent && journal.log().isFull(),
            journal.refusedRecords(), state.nowNs);
    }

    // ---------------------------------------------------------------- journal: recovery and snapshots

    /**
     * Rebuild sessions, subscriptions, queued and inflight deliveries, QoS 2 state, retained messages and wills
     * from the journal, then write a fresh snapshot. Call once, before the ring starts (the Router thread then
     * sees the result after the thread start).
     *
     * @param nowNs current nanoTime.
     * @return what was recovered, or null when the journal is disabled.
     * @throws io.ringmq.store.log.LogCorruptedException if valid records follow damage in the log and the journal
     *         was not opened to allow cutting them; the journal must then be closed.
     */
    public RecoveryResult recover(final long nowNs)
    {
        if (!state.journal.enabled())
        {
            return null;
        }
        state.nowNs = nowNs;
        final JournalRecovery recovery = new JournalRecovery(state.journal, nowNs);
        final RecoveryResult result = recovery.run();
        final JournalRecovery.State recovered = recovery.state();
        System.arraycopy(recovery.routedForwards(), 0, state.routedForwards, 0, state.routedForwards.length);
        recovery.partlyRoutedForwards(state.partlyRouted);
        if (!state.partlyRouted.isEmpty())
        {
            LOG.info("cluster: {} forward(s) routed here in part before the restart (the crash cut their batch): " +
                "when sent again they reach only the sessions that do not have them", state.partlyRouted.size());
        }
        publishes.sequencesUsedUpTo(recovery.sequencesReserved());
        for (int node = 0; node < state.routedForwards.length; node++)
        {
            state.outbox.restore(node, recovery.kept(node));
        }
        for (final Session session : recovered.sessions.values())
        {
            if (0 == session.expiryIntervalSeconds())
            {
                state.journal.appendSessionEnd(session.journalId());  // its connection is gone: the session ended
                continue;
            }
            state.sessions.put(session.clientId(), session);
            state.clusterSessions.onRecovered(session.clientId());
            session.countIn(state.tally);
            for (final Subscription subscription : session.subscriptions().values())
            {
                state.subscribe(subscription.filter(), subscription);
            }
            if (session.expiryIntervalSeconds() != Session.NEVER_EXPIRES)
            {
                state.timers.scheduleExpiry(session, nowNs + session.expiryIntervalSeconds() * NANOS_PER_SECOND);
            }
        }
        state.nextJournalId = recovered.maxSessionId + 1;
        for (final Map.Entry<String, Message> entry : recovered.retained.entrySet())
        {
            state.retained.put(entry.getKey(), entry.getValue());  // recovered as stored: limits apply to new ones
        }
        for (final Map.Entry<String, JournalRecovery.Will> entry : recovered.wills.entrySet())
        {
            // The broker stopped without ending these connections normally: their wills are due (in a cluster,
            // once the control plane has said which it took over).
            state.clusterWills.onRecovered(entry.getKey(), entry.getValue());
        }
        publishes.clearMatches();
        state.snapshots.recovered(state.journal.checkpoint().recoveryPosition());
        state.snapshots.writeAll();
        return result;
    }

    /**
     * @param clientId client identifier.
     * @return its session, or null (tests).
     */
    Session session(final String clientId)
    {
        return state.sessions.get(clientId);
    }

    /** @return timers scheduled now: session expiries and will delays (tests). */
    long scheduledTimers()
    {
        return state.timers.scheduled();
    }

    /** @return the snapshot writer (tests). */
    Snapshots snapshots()
    {
        return state.snapshots;
    }

    private void onShutdownEvent()
    {
        final List<ClientConnection> all = new ArrayList<>(state.connections.values());
        for (final ClientConnection connection : all)
        {
            if (connection.state() == ClientConnection.CONNECTED)
            {
                if (null != connection.will())
                {
                    // A clean stop does not publish wills, now or after the restart.
                    sessionLifecycle.clearWill(connection.clientId());
                }
                connection.will(null, 0, -1);
                state.disconnector.close(connection, ReasonCode.SERVER_SHUTTING_DOWN, "server shutting down");
            }
        }
        state.sender.endOfBatch();
        shutdownLatch.countDown();
    }
}
