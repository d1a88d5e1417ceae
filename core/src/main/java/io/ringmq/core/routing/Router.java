package io.ringmq.core.routing;

import com.lmax.disruptor.EventHandler;
import io.ringmq.core.codec.AckDecoder;
import io.ringmq.core.codec.ConnackPacket;
import io.ringmq.core.codec.ConnectDecoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.codec.DisconnectDecoder;
import io.ringmq.core.codec.MqttProtocolException;
import io.ringmq.core.codec.PingDecoder;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.SubscribeDecoder;
import io.ringmq.core.codec.SubscribePacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.codec.TopicValidator;
import io.ringmq.core.codec.UnsubscribeDecoder;
import io.ringmq.core.codec.UnsubscribePacket;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.security.Authenticator;
import io.ringmq.core.security.Authorizer;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Delivery;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.status.BrokerCounters;
import io.ringmq.core.status.FatalErrorHandler;
import io.ringmq.core.status.TransportStats;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The routing stage: consumes the inbound ring and owns all MQTT state — connections as the broker sees them,
 * sessions, subscriptions, retained messages, inflight windows and packet identifiers. Every packet that changes
 * state arrives here in ring order, so per-connection order holds without locks. Packets for clients are encoded
 * into the owning event loop's {@link OutboundQueue}; the Router never touches a socket.
 * <p>
 * <b>Threading:</b> not thread-safe; runs on the single ring-consumer thread. Other threads reach it only
 * through ring events.
 */
public final class Router implements EventHandler<RingEvent>
{
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int NO_MATCH = 0;
    private static final int ROUTED = 1;
    private static final int JOURNAL_FULL = 2;
    /** Marks a collected target whose overflow policy dropped the delivery. */
    private static final int DROPPED = -1;

    private final BrokerConfig config;
    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final BrokerCounters counters = new BrokerCounters();
    private final Long2ObjectHashMap<ClientConnection> connections = new Long2ObjectHashMap<>();
    private final Map<String, Session> sessions = new Object2ObjectHashMap<>();
    private final TopicTrie<Subscription> trie = new TopicTrie<>();
    private final RetainedMessages retained;
    private final SessionTimers timers = new SessionTimers(System.nanoTime());
    private final SessionTimers.Handler onTimer = new SessionTimers.Handler()
    {
        @Override
        public void onSessionExpired(final Session session)
        {
            if (null == session.connection() && sessions.get(session.clientId()) == session)
            {
                destroySession(session);
            }
        }

        @Override
        public void onWillDue(final SessionTimers.PendingWill will)
        {
            publishWill(will.will, will.willExpirySeconds);
            journalWillClear(will.clientId);
        }
    };
    private final PacketSender sender;
    private final Deliverer deliverer;
    private final AckHold ackHold;
    private final MatchCollector collector;
    private final Disconnector disconnector;
    private final SysTopics sysTopics;
    private final PublishDecoder publishDecoder = new PublishDecoder();
    private final AckDecoder ackDecoder = new AckDecoder();
    private final ConnackPacket connack = new ConnackPacket();
    private final PublishSource source;
    private final Journal journal;
    private final UnsafeBuffer aliasTopic = new UnsafeBuffer(new byte[0]);
    private final Set<String> loggedErrors = new HashSet<>();
    private final ClientEventLog takeovers = new ClientEventLog(LOG, "takeover");
    private final ClientEventLog keepAliveTimeouts = new ClientEventLog(LOG, "connection closed");
    private final CountDownLatch shutdownLatch = new CountDownLatch(1);
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);
    private int[] reasonCodes = new int[16];
    private long nowNs;
    /** Next journal id for a persistent session; ids are never reused within one log. */
    private int nextJournalId = 1;
    private final Snapshots snapshots;
    private FatalErrorHandler fatalHandler = (stage, cause) -> LOG.error("{} failed", stage, cause);

    /**
     * @param config         broker settings.
     * @param queues         one outbound queue per event loop, indexed by loop.
     * @param authenticator  CONNECT check.
     * @param authorizer     PUBLISH and SUBSCRIBE check.
     * @param transportStats figures from the transport for $SYS.
     */
    public Router(
        final BrokerConfig config,
        final OutboundQueue[] queues,
        final Authenticator authenticator,
        final Authorizer authorizer,
        final TransportStats transportStats)
    {
        this(config, queues, authenticator, authorizer, transportStats, Journal.disabled());
    }

    /**
     * @param config         broker settings.
     * @param queues         one outbound queue per event loop, indexed by loop.
     * @param authenticator  CONNECT check.
     * @param authorizer     PUBLISH and SUBSCRIBE check.
     * @param transportStats figures from the transport for $SYS.
     * @param journal        where durable state goes; recovered with {@link #recover()} before the ring starts.
     */
    public Router(
        final BrokerConfig config,
        final OutboundQueue[] queues,
        final Authenticator authenticator,
        final Authorizer authorizer,
        final TransportStats transportStats,
        final Journal journal)
    {
        this.config = config;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.journal = journal;
        this.source = new PublishSource(journal);
        this.sender = new PacketSender(queues, journal);
        this.snapshots = new Snapshots(journal, this);
        this.ackHold = new AckHold(sender, counters, config.maxAckDelayMs(), config.maxQueuedMessages(),
            config.receiveMaximum());
        this.deliverer = new Deliverer(sender, counters, ackHold, config);
        this.collector = new MatchCollector(deliverer);
        this.retained = new RetainedMessages(config, journal, counters, deliverer, sender);
        this.disconnector = new Disconnector(sender, counters, this::endConnection);
        this.sysTopics = new SysTopics(config.sysIntervalSeconds(), counters, transportStats, this::publishInternal,
            this::sessionCount, retained::size, trie::subscriptionCount, journal);
        publishDecoder.maxTopicLevels(config.maxTopicLevels());
    }

    /** @return counters, written by the Router thread. */
    public BrokerCounters counters()
    {
        return counters;
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
        try
        {
            dispatch(event);
            if (endOfBatch)
            {
                sender.endOfBatch();
            }
        }
        catch (final RuntimeException ex)
        {
            onUnexpected(null, ex);
        }
        catch (final Error ex)
        {
            counters.routerErrors++;
            fatalHandler.onFatal("router", ex);
        }
    }

    private void dispatch(final RingEvent event)
    {
        nowNs = event.timestampNs();
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
                        retained.pump(session, nowNs);  // an acknowledgement may have made room
                    }
                }
                case RingEvent.WRITABLE ->
                {
                    connection = connections.get(event.connectionId());
                    if (null != connection && null != connection.session() &&
                        connection.state() == ClientConnection.CONNECTED)
                    {
                        retained.onWritable(connection.session(), nowNs);
                    }
                }
                case RingEvent.CONNECTION_CLOSED -> onConnectionClosed(event.connectionId(), event.reason());
                case RingEvent.PROTOCOL_VIOLATION ->
                {
                    connection = connectionFor(event);
                    disconnector.violation(connection, event.reason(), transportViolation(event.reason()));
                }
                case RingEvent.TICK -> onTick();
                case RingEvent.JOURNAL_SYNCED ->
                {
                    // Nothing to route: the end of this batch releases the packets held for the forced records.
                }
                case RingEvent.SHUTDOWN -> onShutdownEvent();
                default -> throw new IllegalStateException("unknown ring event type " + event.type());
            }
        }
        catch (final MqttProtocolException ex)
        {
            if (null != connection)
            {
                disconnector.violation(connection, ex.reasonCode(), ex.getMessage());
            }
        }
        catch (final RuntimeException ex)
        {
            onUnexpected(connection, ex);
        }
        finally
        {
            collector.clear();
        }
    }

    private ClientConnection connectionFor(final RingEvent event)
    {
        ClientConnection connection = connections.get(event.connectionId());
        if (null == connection)
        {
            connection = new ClientConnection(event.connectionId(), event.loopIndex());
            connections.put(event.connectionId(), connection);
        }
        return connection;
    }

    private void onUnexpected(final ClientConnection connection, final RuntimeException ex)
    {
        counters.routerErrors++;
        final String key = ex.getClass().getName() + ": " + ex.getMessage();
        if (loggedErrors.size() < 1000 && loggedErrors.add(key))
        {
            LOG.error("routing failed (first occurrence of this error)", ex);
        }
        if (null != connection)
        {
            disconnector.violation(connection, ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "internal error");
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
        final int type = (frame.getByte(0) >> 4) & 0x0F;
        if (connection.state() == ClientConnection.NEW && type != PacketType.CONNECT)
        {
            disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                "MQTT-3.1.0-1: first packet must be CONNECT, got " + PacketType.name(type));
            return;
        }
        switch (type)
        {
            case PacketType.CONNECT -> onConnect(connection, frame, length);
            case PacketType.PUBLISH -> onPublish(connection, frame, length);
            case PacketType.PUBACK, PacketType.PUBCOMP ->
            {
                ackDecoder.wrap(frame, 0, length, connection.version());
                deliverer.onComplete(connection.session(), ackDecoder.packetId(), nowNs);
            }
            case PacketType.PUBREC ->
            {
                ackDecoder.wrap(frame, 0, length, connection.version());
                deliverer.onPubrec(connection.session(), ackDecoder.packetId(), ackDecoder.reasonCode(), nowNs);
            }
            case PacketType.PUBREL -> onPubrel(connection, frame, length);
            case PacketType.SUBSCRIBE -> onSubscribe(connection, frame, length);
            case PacketType.UNSUBSCRIBE -> onUnsubscribe(connection, frame, length);
            case PacketType.PINGREQ ->
            {
                PingDecoder.validatePingreq(frame, 0, length);
                sender.pingresp(connection);
            }
            case PacketType.DISCONNECT -> onDisconnect(connection, frame, length);
            case PacketType.AUTH -> disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                "MQTT-4.12.0-1: AUTH without an authentication method in CONNECT");
            default -> disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                "MQTT-2.1.2: packet type " + PacketType.name(type) + " is not sent by clients");
        }
    }

    // ---------------------------------------------------------------- CONNECT

    private void onConnect(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        if (connection.state() != ClientConnection.NEW)
        {
            disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR, "MQTT-3.1.0-2: second CONNECT");
            return;
        }
        final ConnectPacket connect;
        try
        {
            connect = ConnectDecoder.decode(frame, 0, length);
        }
        catch (final MqttProtocolException ex)
        {
            // An unknown level above 5 is answered in the MQTT 5 form (0x84), anything older in the 3.1.1 form
            // (return code 1), as MQTT-3.1.2-2 allows both.
            final int level = ex.protocolVersion();
            connection.version(level > MqttVersion.MQTT_5 ? MqttVersion.MQTT_5 :
                (level == MqttVersion.MQTT_5 || level == MqttVersion.MQTT_3_1 ? level : MqttVersion.MQTT_3_1_1));
            counters.protocolViolations++;
            if (ex.reasonCode() == ReasonCode.UNSUPPORTED_PROTOCOL_VERSION || connection.version() == 5)
            {
                disconnector.refuseConnect(connection, ex.reasonCode(), ex.getMessage());
            }
            else
            {
                disconnector.violation(connection, ex.reasonCode(), ex.getMessage());
            }
            return;
        }
        final int version = connect.protocolVersion();
        connection.version(version);
        connection.requestProblemInformation(connect.requestProblemInformation());

        String clientId = connect.clientId();
        String assignedId = null;
        if (clientId.isEmpty())
        {
            if (version == MqttVersion.MQTT_5 || (version == MqttVersion.MQTT_3_1_1 && connect.cleanStart()))
            {
                clientId = "ringmq-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
                assignedId = version == MqttVersion.MQTT_5 ? clientId : null;
            }
            else
            {
                disconnector.refuseConnect(connection, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "MQTT-3.1.3-8: empty client id requires clean session");
                return;
            }
        }
        connection.clientId(clientId);
        connection.username(connect.username());

        if (null != connect.authenticationMethod())
        {
            disconnector.refuseConnect(connection, ReasonCode.BAD_AUTHENTICATION_METHOD,
                "authentication method not supported: " + connect.authenticationMethod());
            return;
        }
        final int auth = authenticator.authenticate(connect);
        if (auth != ReasonCode.SUCCESS)
        {
            disconnector.refuseConnect(connection, auth, "authentication failed");
            return;
        }
        if (connect.willFlag())
        {
            final byte[] willTopic = connect.willTopic().getBytes(StandardCharsets.UTF_8);
            final UnsafeBuffer willTopicBuffer = new UnsafeBuffer(willTopic);
            TopicValidator.validateTopicName(willTopicBuffer, 0, willTopic.length, config.maxTopicLevels());
            // A will is a PUBLISH the broker makes later on the client's behalf: the same rules apply, checked now,
            // while the client can still be told (MQTT-3.1.2-9 lets the server refuse the CONNECT).
            if ('$' == willTopicBuffer.getByte(0) ||
                !authorizer.canPublish(clientId, connect.username(), willTopicBuffer, 0, willTopic.length))
            {
                counters.refusedNotAuthorized++;
                disconnector.refuseConnect(connection, ReasonCode.NOT_AUTHORIZED,
                    "will topic not authorized: " + connect.willTopic());
                return;
            }
            connection.will(new Message(willTopic, connect.willForwardProperties(), connect.willPayload(),
                connect.willQos(), connect.willRetain(), -1), connect.willDelayIntervalSeconds(),
                connect.willMessageExpirySeconds());
        }
        acceptConnect(connection, connect, clientId, assignedId);
    }

    /**
     * Second half of CONNECT, after the packet, client id, authentication and will were accepted: take over or
     * create the session, negotiate the limits and answer with CONNACK.
     */
    private void acceptConnect(
        final ClientConnection connection, final ConnectPacket connect, final String clientId, final String assignedId)
    {
        final int version = connect.protocolVersion();

        // Takeover (MQTT-3.1.4-3): close the existing connection; its will follows the usual rules.
        Session session = sessions.get(clientId);
        if (null != session && null != session.connection())
        {
            final ClientConnection old = session.connection();
            takeovers.onEvent(nowNs, clientId, connection.connectionId(), "session taken over by a new connection");
            disconnector.close(old, ReasonCode.SESSION_TAKEN_OVER, "another connection used this client id");
            session = sessions.get(clientId);
        }
        resolvePendingWill(clientId, connect.cleanStart());

        final boolean sessionPresent;
        if (null == session || connect.cleanStart())
        {
            if (null != session)
            {
                destroySession(session);
            }
            session = new Session(clientId);
            sessions.put(clientId, session);
            sessionPresent = false;
        }
        else
        {
            sessionPresent = true;
        }
        final long requestedExpiry = version == MqttVersion.MQTT_5 ? connect.sessionExpiryIntervalSeconds() :
            (connect.cleanStart() ? 0 : Session.NEVER_EXPIRES);
        final long grantedExpiry = Math.min(requestedExpiry, config.maxSessionExpirySeconds());
        if (!journalConnect(connection, session, sessionPresent, grantedExpiry))
        {
            if (!sessionPresent)
            {
                sessions.remove(clientId, session);
            }
            counters.refusedJournalFull++;
            disconnector.refuseConnect(connection, ReasonCode.QUOTA_EXCEEDED,
                "the journal is full: the session cannot be stored");
            return;
        }
        session.expiryIntervalSeconds(grantedExpiry);
        timers.cancelExpiry(session);
        session.connection(connection);
        connection.session(session);

        connection.receiveMaximum(connect.receiveMaximum());
        connection.maximumPacketSize(0 == connect.maximumPacketSize() ? Integer.MAX_VALUE :
            connect.maximumPacketSize());
        int keepAlive = connect.keepAliveSeconds();
        int serverKeepAlive = -1;
        if (version == MqttVersion.MQTT_5)
        {
            // The broker may use fewer aliases than the client allows; capping keeps a client that announces
            // 65535 from making the broker allocate an alias table that large.
            connection.topicAliasMaximum(Math.min(connect.topicAliasMaximum(), config.topicAliasMaximum()));
            connection.inboundAliasMaximum(config.topicAliasMaximum());
            if (keepAlive > config.maxKeepAliveSeconds() || 0 == keepAlive)
            {
                keepAlive = config.maxKeepAliveSeconds();
                serverKeepAlive = keepAlive;
            }
        }
        connection.state(ClientConnection.CONNECTED);
        counters.clientsConnected++;
        counters.connectsAccepted++;

        connack.reset().version(version).sessionPresent(sessionPresent).reasonCode(ReasonCode.SUCCESS);
        if (version == MqttVersion.MQTT_5)
        {
            connack.receiveMaximum(config.receiveMaximum())
                .maximumPacketSize(config.maxPacketSize())
                .topicAliasMaximum(config.topicAliasMaximum())
                .assignedClientIdentifier(assignedId)
                .serverKeepAlive(serverKeepAlive);
            if (grantedExpiry != requestedExpiry)
            {
                connack.sessionExpiryInterval(grantedExpiry);
            }
            if (connect.requestResponseInformation())
            {
                connack.responseInformation("response/" + clientId + "/");
            }
        }
        sender.connected(connection, keepAlive);
        sender.connack(connection, connack);
        if (sessionPresent)
        {
            deliverer.resume(session, nowNs);
            retained.onResume(session, nowNs);
        }
    }

    /**
     * Journal a persistent session (created, or its expiry changed) and the connection's will before CONNACK.
     *
     * @return false if the journal refused (full).
     */
    private boolean journalConnect(final ClientConnection connection, final Session session,
        final boolean sessionPresent, final long grantedExpiry)
    {
        if (!journal.enabled())
        {
            return true;
        }
        if (grantedExpiry > 0 || 0 != session.journalId())
        {
            final boolean isNew = 0 == session.journalId();
            if (isNew)
            {
                session.journalId(nextJournalId++);
            }
            if ((isNew || !sessionPresent || session.expiryIntervalSeconds() != grantedExpiry) &&
                journal.appendSession(session.journalId(), grantedExpiry, session.clientId()) < 0)
            {
                if (isNew)
                {
                    session.journalId(0);
                }
                return false;
            }
        }
        final Message will = connection.will();
        return null == will || journal.appendWill(session.clientId(), will, connection.willDelaySeconds(),
            connection.willExpirySeconds()) >= 0;
    }

    /** A client came back within its will delay: the will is dropped, or published first if the session ends. */
    private void resolvePendingWill(final String clientId, final boolean cleanStart)
    {
        final SessionTimers.PendingWill pendingWill = timers.removeWill(clientId);
        if (null != pendingWill)
        {
            if (cleanStart)
            {
                publishWill(pendingWill.will, pendingWill.willExpirySeconds);
            }
            journalWillClear(clientId);
        }
    }

    private void journalWillClear(final String clientId)
    {
        if (journal.enabled())
        {
            journal.appendWillClear(clientId);
        }
    }

    // ---------------------------------------------------------------- PUBLISH

    private void onPublish(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final PublishDecoder publish = publishDecoder.wrap(frame, 0, length, connection.version());
        final Session session = connection.session();
        final int qos = publish.qos();
        final int packetId = publish.packetId();
        DirectBuffer topicBuffer = frame;
        int topicOffset = publish.topicOffset();
        int topicLength = publish.topicLength();

        final int alias = publish.topicAlias();
        if (0 != alias)
        {
            if (alias > connection.inboundAliasMaximum())
            {
                disconnector.violation(connection, ReasonCode.TOPIC_ALIAS_INVALID,
                    "MQTT-3.3.2-9: topic alias " + alias + " exceeds the maximum");
                return;
            }
            if (topicLength > 0)
            {
                connection.inboundAlias(alias, frame, topicOffset, topicLength);
            }
            else
            {
                final byte[] mapped = connection.inboundAliasTopic(alias);
                if (null == mapped)
                {
                    disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                        "MQTT-3.3.4: topic alias " + alias + " used before it was set");
                    return;
                }
                aliasTopic.wrap(mapped, 0, connection.inboundAliasLength(alias));
                topicBuffer = aliasTopic;
                topicOffset = 0;
                topicLength = aliasTopic.capacity();
            }
        }
        counters.publishReceived++;
        counters.publishBytesReceived += publish.payloadLength();

        if (2 == qos)
        {
            if (session.inboundQos2().contains(packetId))
            {
                sender.ack(connection, PacketType.PUBREC, packetId, ReasonCode.SUCCESS);
                return;
            }
            // MQTT 5 clients are told the limit (Receive Maximum); a 3.1.1 client that leaves more QoS 2 publishes
            // unreleased is closed too, so no client can grow this set without bound.
            if (session.inboundQos2().size() >= config.receiveMaximum())
            {
                disconnector.violation(connection, ReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
                    "MQTT-3.3.4-9: more than Receive Maximum QoS 2 publishes unacknowledged");
                return;
            }
        }

        if ('$' == topicBuffer.getByte(topicOffset) ||
            !authorizer.canPublish(connection.clientId(), connection.username(), topicBuffer, topicOffset,
            topicLength))
        {
            counters.refusedNotAuthorized++;
            acknowledge(connection, session, qos, packetId, ReasonCode.NOT_AUTHORIZED);
            return;
        }

        fillSource(session, publish, frame, topicBuffer, topicOffset, topicLength);

        if (source.retain && !retained.admits(source))
        {
            counters.refusedRetainedFull++;
            if (qos > 0 && connection.version() == MqttVersion.MQTT_5)
            {
                ackHold.ack(connection, 1 == qos ? PacketType.PUBACK : PacketType.PUBREC, packetId,
                    ReasonCode.QUOTA_EXCEEDED);
                return;
            }
            source.retain = false;  // 3.1.1 and QoS 0 cannot be told: delivered, not retained
        }
        if (!retained.journal(source, nowNs) && qos > 0)
        {
            counters.refusedJournalFull++;
            onQuotaExceeded(connection, qos, packetId);
            return;
        }
        final int result = route(source);
        if (JOURNAL_FULL == result)
        {
            counters.refusedJournalFull++;
            onQuotaExceeded(connection, qos, packetId);
            return;
        }
        if (source.retain)
        {
            retained.retain(source);
        }
        acknowledge(connection, session, qos, packetId,
            NO_MATCH == result ? ReasonCode.NO_MATCHING_SUBSCRIBERS : ReasonCode.SUCCESS);
    }

    private void fillSource(final Session session, final PublishDecoder publish, final DirectBuffer frame,
        final DirectBuffer topicBuffer, final int topicOffset, final int topicLength)
    {
        source.reset();
        source.publisher = session;
        source.topicBuffer = topicBuffer;
        source.topicOffset = topicOffset;
        source.topicLength = topicLength;
        source.propertiesBuffer = frame;
        source.propertiesOffset = publish.propertiesOffset();
        source.propertiesLength = publish.propertiesLength();
        source.payloadBuffer = frame;
        source.payloadOffset = publish.payloadOffset();
        source.payloadLength = publish.payloadLength();
        source.qos = publish.qos();
        source.retain = publish.retain();
        final long expiry = publish.messageExpiryInterval();
        source.expiryDeadlineNs = expiry >= 0 ? nowNs + expiry * NANOS_PER_SECOND : -1;
    }

    /**
     * The broker cannot take the message (the journal is full): MQTT 5 gets a QUOTA_EXCEEDED acknowledgement,
     * MQTT 3.1.1 (which has no negative acknowledgement for PUBLISH) gets the connection closed without one. Never
     * because of one subscriber: a full session queue drops by that session's overflow policy instead.
     */
    private void onQuotaExceeded(final ClientConnection connection, final int qos, final int packetId)
    {
        if (connection.version() == MqttVersion.MQTT_5)
        {
            sender.ack(connection, 1 == qos ? PacketType.PUBACK : PacketType.PUBREC, packetId,
                ReasonCode.QUOTA_EXCEEDED);
        }
        else
        {
            disconnector.close(connection, -1, null);
            LOG.debug("publisher disconnected unacknowledged: the journal is full");
        }
    }

    private void acknowledge(final ClientConnection connection, final Session session, final int qos,
        final int packetId, final int reasonCode)
    {
        final boolean v5 = connection.version() == MqttVersion.MQTT_5;
        if (1 == qos)
        {
            ackHold.ack(connection, PacketType.PUBACK, packetId, v5 ? reasonCode : 0);
        }
        else if (2 == qos)
        {
            if (!v5 || reasonCode < 0x80)
            {
                if (0 != session.journalId() && journal.appendInQos2(session.journalId(), packetId) < 0)
                {
                    // Without the record a crash would forget the PUBREC and deliver the message again.
                    counters.refusedJournalFull++;
                    onQuotaExceeded(connection, qos, packetId);
                    return;
                }
                session.inboundQos2().add(packetId);
            }
            ackHold.ack(connection, PacketType.PUBREC, packetId, v5 ? reasonCode : 0);
        }
    }

    private void onPubrel(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final AckDecoder pubrel = ackDecoder.wrap(frame, 0, length, connection.version());
        final Session session = connection.session();
        final boolean known = session.inboundQos2().remove(pubrel.packetId());
        if (known && 0 != session.journalId())
        {
            journal.appendInQos2Done(session.journalId(), pubrel.packetId());
        }
        sender.ack(connection, PacketType.PUBCOMP, pubrel.packetId(),
            known || connection.version() != MqttVersion.MQTT_5 ? ReasonCode.SUCCESS :
            ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
    }

    /**
     * Fan a message out to every matching session. A session whose queue is full loses the delivery by its own
     * overflow policy (counted for it); nobody else is refused or slowed, except that a connected session backed up
     * past its high-water mark holds the publisher's acknowledgement for a bounded time ({@link AckHold}). Only a
     * broker-wide reason, a full journal, refuses the message as a whole: its MESSAGE record, or an ENQUEUE record of
     * a persistent session, refused (the deliveries that went ahead are then at least once: the publisher is told
     * the message failed and may send it again).
     *
     * @return {@link #NO_MATCH}, {@link #ROUTED} or {@link #JOURNAL_FULL}.
     */
    private int route(final PublishSource source)
    {
        collector.begin(source.publisher, source.qos);
        trie.match(source.topicBuffer, source.topicOffset, source.topicLength, collector);
        final int count = collector.count;
        if (0 == count)
        {
            return NO_MATCH;
        }
        if (source.qos > 0)
        {
            for (int i = 0; i < count; i++)
            {
                if (Math.min(source.qos, collector.qos[i]) > 0 && !deliverer.admit(collector.sessions[i]))
                {
                    collector.qos[i] = DROPPED;
                }
            }
            if (journal.enabled() && !source.journaled() && hasJournaledTarget(source, count))
            {
                final long position = appendMessage(source, source.retain ? JournalDescriptor.FLAG_RETAIN : 0);
                if (position < 0)
                {
                    return JOURNAL_FULL;
                }
                source.storedAt(position);
            }
        }
        boolean durable = true;
        for (int i = 0; i < count; i++)
        {
            final Session session = collector.sessions[i];
            final int deliveryQos = Math.min(source.qos, collector.qos[i]);
            final boolean retainFlag = collector.retainAsPublished[i] && source.retain;
            if (0 == deliveryQos)
            {
                deliverer.sendQos0(session, source, retainFlag, collector.subscriptionIds[i],
                    collector.subscriptionIdCounts[i], nowNs);
            }
            else if (deliveryQos > 0)
            {
                durable &= deliverer.sendQos12(session, new Delivery(source.message(), deliveryQos, retainFlag,
                    collector.subscriptionIds[i], collector.subscriptionIdCounts[i], collector.sharedGroups[i]),
                    nowNs);
                ackHold.onQueued(session, source.publisher, nowNs);
            }
        }
        return durable ? ROUTED : JOURNAL_FULL;
    }

    private boolean hasJournaledTarget(final PublishSource source, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (0 != collector.sessions[i].journalId() && collector.qos[i] > 0)
            {
                return true;
            }
        }
        return false;
    }

    private long appendMessage(final PublishSource source, final int flags)
    {
        return journal.appendMessage(source.qos | flags, source.topicBuffer, source.topicOffset, source.topicLength,
            source.propertiesBuffer, source.propertiesOffset, source.propertiesLength, source.payloadBuffer,
            source.payloadOffset, source.payloadLength, source.expiryDeadlineNs, nowNs);
    }

    /** Publish a message made by the broker ($SYS) through the normal routing, retained. */
    private void publishInternal(final Message message)
    {
        source.reset();
        source.from(message, null);
        route(source);
        if (message.retain())
        {
            retained.retain(source);
        }
        collector.clear();
    }

    // ---------------------------------------------------------------- SUBSCRIBE

    private void onSubscribe(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final SubscribePacket subscribe = SubscribeDecoder.decode(frame, 0, length, connection.version(),
            config.maxTopicLevels());
        final Session session = connection.session();
        final boolean v5 = connection.version() == MqttVersion.MQTT_5;
        final List<TopicSubscription> entries = subscribe.subscriptions();
        if (reasonCodes.length < entries.size())
        {
            reasonCodes = new int[entries.size()];
        }
        final List<Subscription> sendRetained = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++)
        {
            final TopicSubscription entry = entries.get(i);
            final String filter = entry.filter();
            if (!entry.valid())
            {
                reasonCodes[i] = v5 ? ReasonCode.TOPIC_FILTER_INVALID : 0x80;
                continue;
            }
            if (!authorizer.canSubscribe(connection.clientId(), connection.username(), filter))
            {
                reasonCodes[i] = v5 ? ReasonCode.NOT_AUTHORIZED : 0x80;
                continue;
            }
            if (0 != session.journalId() && journal.appendSubscribe(session.journalId(), filter,
                JournalDescriptor.subscriptionOptions(entry.qos(), entry.noLocal(), entry.retainAsPublished(),
                entry.retainHandling()), subscribe.subscriptionIdentifier()) < 0)
            {
                counters.refusedJournalFull++;
                reasonCodes[i] = v5 ? ReasonCode.QUOTA_EXCEEDED : 0x80;
                continue;
            }
            Subscription subscription = session.subscriptions().get(filter);
            final boolean isNew = null == subscription;
            if (isNew)
            {
                subscription = new Subscription(session, filter, TopicValidator.isShared(filter));
                session.subscriptions().put(filter, subscription);
                trie.subscribe(filter, subscription);
            }
            subscription.options(entry.qos(), entry.noLocal(), entry.retainAsPublished(), entry.retainHandling(),
                subscribe.subscriptionIdentifier());
            reasonCodes[i] = entry.qos();
            if (!subscription.shared() && (0 == entry.retainHandling() || (1 == entry.retainHandling() && isNew)))
            {
                sendRetained.add(subscription);
            }
        }
        sender.ackList(connection, PacketType.SUBACK, subscribe.packetId(), reasonCodes, entries.size());
        for (final Subscription subscription : sendRetained)
        {
            retained.onSubscribe(session, subscription, nowNs);
        }
    }

    private void onUnsubscribe(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final UnsubscribePacket unsubscribe = UnsubscribeDecoder.decode(frame, 0, length, connection.version());
        final Session session = connection.session();
        final List<String> filters = unsubscribe.filters();
        if (reasonCodes.length < filters.size())
        {
            reasonCodes = new int[filters.size()];
        }
        for (int i = 0; i < filters.size(); i++)
        {
            final Subscription subscription = session.subscriptions().remove(filters.get(i));
            if (null != subscription)
            {
                trie.unsubscribe(subscription.filter(), subscription);
                if (0 != session.journalId())
                {
                    journal.appendUnsubscribe(session.journalId(), subscription.filter());
                }
                reasonCodes[i] = ReasonCode.SUCCESS;
            }
            else
            {
                reasonCodes[i] = ReasonCode.NO_SUBSCRIPTION_EXISTED;
            }
        }
        sender.ackList(connection, PacketType.UNSUBACK, unsubscribe.packetId(), reasonCodes, filters.size());
    }

    // ---------------------------------------------------------------- DISCONNECT and connection end

    private void onDisconnect(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final DisconnectDecoder disconnect = new DisconnectDecoder().wrap(frame, 0, length, connection.version());
        final Session session = connection.session();
        final long expiry = disconnect.sessionExpiryInterval();
        if (expiry >= 0)
        {
            if (0 == session.expiryIntervalSeconds() && expiry != 0)
            {
                disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                    "MQTT-3.14.2-2: session expiry set on DISCONNECT after 0 on CONNECT");
                return;
            }
            final long granted = Math.min(expiry, config.maxSessionExpirySeconds());
            if (0 != session.journalId() && granted != session.expiryIntervalSeconds())
            {
                journal.appendSession(session.journalId(), granted, session.clientId());
            }
            session.expiryIntervalSeconds(granted);
        }
        if (disconnect.reasonCode() != ReasonCode.DISCONNECT_WITH_WILL_MESSAGE && null != connection.will())
        {
            connection.will(null, 0, -1);
            journalWillClear(connection.clientId());
        }
        disconnector.close(connection, -1, null);
    }

    private void onConnectionClosed(final long connectionId, final int reason)
    {
        final ClientConnection connection = connections.remove(connectionId);
        if (null != connection && connection.state() != ClientConnection.CLOSING)
        {
            if (reason == CloseReason.KEEP_ALIVE_TIMEOUT)
            {
                keepAliveTimeouts.onEvent(nowNs, connection.clientId(), connectionId, "keep-alive timeout");
            }
            endConnection(connection);
            connection.state(ClientConnection.CLOSING);
        }
    }

    /** Detach a connection from its session: will, shared deliveries, session expiry. Called once. */
    private void endConnection(final ClientConnection connection)
    {
        final Session session = connection.session();
        if (null == session || session.connection() != connection)
        {
            return;
        }
        session.connection(null);
        counters.clientsConnected--;
        ackHold.onDrained(session);
        final Message will = connection.will();
        if (null != will)
        {
            final long delay = Math.min(connection.willDelaySeconds(), session.expiryIntervalSeconds());
            if (0 == delay)
            {
                publishWill(will, connection.willExpirySeconds());
                journalWillClear(session.clientId());
            }
            else
            {
                timers.scheduleWill(session.clientId(), will, connection.willExpirySeconds(),
                    nowNs + delay * NANOS_PER_SECOND);
            }
        }
        redistributeShared(session);
        final long expiry = session.expiryIntervalSeconds();
        if (0 == expiry)
        {
            destroySession(session);
        }
        else if (expiry != Session.NEVER_EXPIRES)
        {
            timers.scheduleExpiry(session, nowNs + expiry * NANOS_PER_SECOND);
        }
    }

    /** Deliveries that came through a shared subscription go to another member once their session is gone. */
    private void redistributeShared(final Session session)
    {
        if (0 == session.inflightCount() && 0 == session.queuedCount())
        {
            return;
        }
        final List<Delivery> moved = new ArrayList<>();
        session.inflight().values().removeIf(d -> null != d.sharedGroup() && moved.add(d));
        session.removeQueuedIf(d -> null != d.sharedGroup() && moved.add(d));
        for (final Delivery delivery : moved)
        {
            @SuppressWarnings("unchecked")
            final SharedGroup<Subscription> group = (SharedGroup<Subscription>)delivery.sharedGroup();
            Session target = null;
            for (int i = 0, size = group.size(); i < size && null == target; i++)
            {
                final Session candidate = group.member((group.nextIndex() % size + size) % size).session();
                if (candidate != session && null != candidate.connection() && !deliverer.isFull(candidate))
                {
                    target = candidate;
                }
            }
            if (null == target)
            {
                session.enqueue(delivery);
                continue;
            }
            deliverer.ended(session, delivery);
            final Subscription subscription = target.subscriptions().get(
                TopicTrie.SHARED_SUBSCRIPTION_PREFIX + group.name() + "/" + group.filter());
            final int qos = null == subscription ? delivery.qos() : Math.min(delivery.message().qos(),
                subscription.qos());
            if (0 == qos)
            {
                source.reset();
                source.from(delivery.message(), null);
                deliverer.sendQos0(target, source, delivery.retain(), delivery.subscriptionIds(),
                    delivery.subscriptionIds().length, nowNs);
            }
            else
            {
                snapshots.keepReferenced(delivery.message());
                deliverer.sendQos12(target, new Delivery(delivery.message(), qos, delivery.retain(),
                    delivery.subscriptionIds(), delivery.subscriptionIds().length, group), nowNs);
            }
        }
    }

    private void destroySession(final Session session)
    {
        for (final Subscription subscription : session.subscriptions().values())
        {
            trie.unsubscribe(subscription.filter(), subscription);
        }
        session.subscriptions().clear();
        redistributeShared(session);
        if (session.inflightCount() > 0)
        {
            session.inflight().clear();
        }
        session.clearQueue();
        sessions.remove(session.clientId(), session);
        if (0 != session.journalId())
        {
            journal.appendSessionEnd(session.journalId());
            session.journalId(0);
        }
        timers.cancelExpiry(session);
        final SessionTimers.PendingWill pendingWill = timers.removeWill(session.clientId());
        if (null != pendingWill)
        {
            publishWill(pendingWill.will, pendingWill.willExpirySeconds);
            journalWillClear(session.clientId());
        }
    }

    private void publishWill(final Message will, final long expirySeconds)
    {
        counters.willsPublished++;
        final Message message = expirySeconds < 0 ? will : will.withExpiry(nowNs + expirySeconds * NANOS_PER_SECOND);
        source.reset();
        source.from(message, null);
        if (message.retain() && !retained.admits(source))
        {
            counters.refusedRetainedFull++;
            source.retain = false;
        }
        if (!retained.journal(source, nowNs))
        {
            counters.refusedJournalFull++;  // counted and logged by the journal; the will is still delivered
        }
        route(source);
        if (source.retain)
        {
            retained.retain(source);
        }
        collector.clear();
    }

    // ---------------------------------------------------------------- timers, $SYS, shutdown

    private void onTick()
    {
        timers.poll(nowNs, onTimer);
        ackHold.onTick(nowNs);
        sysTopics.onTick(nowNs);
        snapshots.onTick(nowNs);
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
        if (!journal.enabled())
        {
            return null;
        }
        this.nowNs = nowNs;
        final JournalRecovery recovery = new JournalRecovery(journal, nowNs);
        final RecoveryResult result = recovery.run();
        final JournalRecovery.State state = recovery.state();
        for (final Session session : state.sessions.values())
        {
            if (0 == session.expiryIntervalSeconds())
            {
                journal.appendSessionEnd(session.journalId());  // its connection is gone: the session ended
                continue;
            }
            sessions.put(session.clientId(), session);
            for (final Subscription subscription : session.subscriptions().values())
            {
                trie.subscribe(subscription.filter(), subscription);
            }
            if (session.expiryIntervalSeconds() != Session.NEVER_EXPIRES)
            {
                timers.scheduleExpiry(session, nowNs + session.expiryIntervalSeconds() * NANOS_PER_SECOND);
            }
        }
        nextJournalId = state.maxSessionId + 1;
        for (final Map.Entry<String, Message> entry : state.retained.entrySet())
        {
            retained.put(entry.getKey(), entry.getValue());  // recovered as stored: limits apply to new ones
        }
        for (final Map.Entry<String, JournalRecovery.Will> entry : state.wills.entrySet())
        {
            // The broker stopped without ending these connections normally: their wills are due.
            final JournalRecovery.Will will = entry.getValue();
            final Session session = sessions.get(entry.getKey());
            final long delay = null == session ? 0 : Math.min(will.delaySeconds(), session.expiryIntervalSeconds());
            if (0 == delay)
            {
                publishWill(will.message(), will.expirySeconds());
                journalWillClear(entry.getKey());
            }
            else
            {
                timers.scheduleWill(entry.getKey(), will.message(), will.expirySeconds(),
                    nowNs + delay * NANOS_PER_SECOND);
            }
        }
        collector.clear();
        snapshots.recovered(journal.checkpoint().recoveryPosition());
        snapshots.writeAll();
        return result;
    }

    /**
     * @param clientId client identifier.
     * @return its session, or null (tests).
     */
    Session session(final String clientId)
    {
        return sessions.get(clientId);
    }

    /** @return timers scheduled now: session expiries and will delays (tests). */
    long scheduledTimers()
    {
        return timers.scheduled();
    }

    /** @return the snapshot writer (tests). */
    Snapshots snapshots()
    {
        return snapshots;
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
    void forEachRetained(final java.util.function.Consumer<Message> consumer)
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

    private int sessionCount()
    {
        return sessions.size();
    }

    private void onShutdownEvent()
    {
        final List<ClientConnection> all = new ArrayList<>(connections.values());
        for (final ClientConnection connection : all)
        {
            if (connection.state() == ClientConnection.CONNECTED)
            {
                if (null != connection.will())
                {
                    // A clean stop does not publish wills, now or after the restart.
                    journalWillClear(connection.clientId());
                }
                connection.will(null, 0, -1);
                disconnector.close(connection, ReasonCode.SERVER_SHUTTING_DOWN, "server shutting down");
            }
        }
        sender.endOfBatch();
        shutdownLatch.countDown();
    }
}
