package io.ringmq.core.routing;

import io.ringmq.auth.Decision;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.codec.AuthPacket;
import io.ringmq.core.codec.ConnackPacket;
import io.ringmq.core.codec.ConnectDecoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.codec.DisconnectDecoder;
import io.ringmq.core.codec.MqttProtocolException;
import io.ringmq.core.codec.TopicValidator;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.session.AuthOutcome;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Delivery;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.session.TransportIdentity;
import io.ringmq.core.status.LogText;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Connections and sessions from CONNECT to their end: client identifiers, authentication, the will, takeover, the
 * session created or resumed and journaled, CONNACK; DISCONNECT and connection loss; session expiry and will delays
 * ({@link SessionTimers}); the end of a session, its shared-subscription deliveries moved to other members.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class SessionLifecycle implements SessionTimers.Handler
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionLifecycle.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final BrokerState state;
    private final InboundPublish publishes;
    private final ConnackPacket connack = new ConnackPacket();
    private final AuthPacket authPacket = new AuthPacket();
    /** Reused for every DISCONNECT (Router thread only): a flyweight, so a disconnect storm allocates nothing here. */
    private final DisconnectDecoder disconnectDecoder = new DisconnectDecoder();
    private final PublishSource source;
    private final ClientEventLog takeovers = new ClientEventLog(LOG, "takeover");
    private final RateLimitedLog expiredWhileDownLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private final ClientEventLog keepAliveTimeouts = new ClientEventLog(LOG, "connection closed");

    SessionLifecycle(final BrokerState state, final InboundPublish publishes)
    {
        this.state = state;
        this.publishes = publishes;
        this.source = new PublishSource(state.journal);
        state.handoff = new SessionHandoff(state, this, publishes);
        state.clusterWills = new ClusterWills(state, this, publishes);
    }

    @Override
    public void onSessionExpired(final Session session)
    {
        if (null == session.connection() && state.sessions.get(session.clientId()) == session)
        {
            destroySession(session);
        }
    }

    @Override
    public void onWillDue(final SessionTimers.PendingWill will)
    {
        publishes.publishWill(will.will, will.willExpirySeconds);
        clearWill(will.clientId);
    }

    void onConnect(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        if (connection.state() != ClientConnection.NEW)
        {
            state.disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR, "MQTT-3.1.0-2: second CONNECT");
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
            state.counters.protocolViolations++;
            if (ex.reasonCode() == ReasonCode.UNSUPPORTED_PROTOCOL_VERSION || connection.version() == 5)
            {
                state.disconnector.refuseConnect(connection, ex.reasonCode(), ex.getMessage());
            }
            else
            {
                state.disconnector.violation(connection, ex.reasonCode(), ex.getMessage());
            }
            return;
        }
        final int version = connect.protocolVersion();
        connection.version(version);
        connection.requestProblemInformation(connect.requestProblemInformation());

        // What the transport learned (TLS identity, PROXY address) and, when the broker authenticates, what the
        // authentication pool decided: both arrive with the connection's first frame (ConnectionDirectory).
        final TransportIdentity identity = state.directory.remove(connection.connectionId());
        final AuthOutcome auth = null == identity ? null : identity.auth();
        String clientId = connect.clientId();
        String assignedId = null;
        if (clientId.isEmpty())
        {
            if (version == MqttVersion.MQTT_5 || (version == MqttVersion.MQTT_3_1_1 && connect.cleanStart()))
            {
                clientId = null != auth && null != auth.assignedClientId() ? auth.assignedClientId() :
                    "ringmq-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
                assignedId = version == MqttVersion.MQTT_5 ? clientId : null;
            }
            else
            {
                state.disconnector.refuseConnect(connection, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "MQTT-3.1.3-8: empty client id requires clean session");
                return;
            }
        }
        connection.clientId(clientId);
        if (null != identity)
        {
            connection.identity(identity);
            if (null != identity.username())
            {
                // The listener takes the username from the verified client certificate (use-identity-as-username).
                connect.username(identity.username());
            }
        }
        connection.username(connect.username());

        final TopicPermissions permissions = permissionsFor(connection, connect, auth);
        if (null == permissions)
        {
            return;
        }
        if (connect.willFlag())
        {
            final byte[] willTopic = connect.willTopic().getBytes(StandardCharsets.UTF_8);
            final UnsafeBuffer willTopicBuffer = new UnsafeBuffer(willTopic);
            TopicValidator.validateTopicName(willTopicBuffer, 0, willTopic.length, state.config.maxTopicLevels());
            // A will is a PUBLISH the broker makes later on the client's behalf: the same rules apply, checked now,
            // while the client can still be told (MQTT-3.1.2-9 lets the server refuse the CONNECT).
            if ('$' == willTopicBuffer.getByte(0) ||
                Decision.ALLOW != permissions.publish(willTopicBuffer, 0, willTopic.length))
            {
                state.counters.refusedNotAuthorized++;
                state.disconnector.refuseConnect(connection, ReasonCode.NOT_AUTHORIZED,
                    "will topic not authorized: " + connect.willTopic());
                return;
            }
            connection.will(new Message(willTopic, connect.willForwardProperties(), connect.willPayload(),
                connect.willQos(), connect.willRetain(), -1), connect.willDelayIntervalSeconds(),
                connect.willMessageExpirySeconds());
        }
        if (!refusedWhileCutOff(connection, clientId) &&
            !state.handoff.defer(connection, connect, clientId, assignedId, permissions, auth))
        {
            acceptConnect(connection, connect, clientId, assignedId, permissions, auth);
        }
    }

    /**
     * Cut off from the cluster's majority (its lease lost): another node may own this client id, and a connection
     * here could not take it over, so only the ids this node owns are served (the clients it has, reconnecting).
     *
     * @return true if the CONNECT was refused (0x88, server unavailable).
     */
    private boolean refusedWhileCutOff(final ClientConnection connection, final String clientId)
    {
        if (state.cluster.controlPlaneReachable() || state.clusterSessions.owns(clientId))
        {
            return false;
        }
        state.counters.refusedClusterUnreachable++;
        state.disconnector.refuseConnect(connection, ReasonCode.SERVER_UNAVAILABLE,
            "this node cannot reach the cluster's control plane, so it cannot tell who owns the client id");
        return true;
    }

    /**
     * Apply what authentication decided for this CONNECT. The decision was made before the CONNECT entered the ring
     * (password hashing, token checks and HTTP calls never run here); without one, the broker either does not
     * authenticate (the default permissions apply) or something went wrong, and the client is refused (fail closed).
     *
     * @return the client's permissions, or null if the CONNECT was refused.
     */
    private TopicPermissions permissionsFor(final ClientConnection connection, final ConnectPacket connect,
        final AuthOutcome auth)
    {
        if (null == auth)
        {
            if (state.authenticationRequired)
            {
                state.counters.authenticationRefused++;
                state.disconnector.refuseConnect(connection, ReasonCode.NOT_AUTHORIZED, "not authenticated");
                return null;
            }
            if (null != connect.authenticationMethod())
            {
                state.counters.authenticationRefused++;
                state.disconnector.refuseConnect(connection, ReasonCode.BAD_AUTHENTICATION_METHOD,
                    "authentication method not supported: " + connect.authenticationMethod());
                return null;
            }
            return state.defaultPermissions;
        }
        if (!auth.accepted())
        {
            state.counters.authenticationRefused++;
            state.disconnector.refuseConnect(connection, auth.reasonCode(), "authentication failed: " + auth.reason());
            return null;
        }
        return auth.permissions();
    }

    /**
     * The AUTH packet that ended an MQTT 5 re-authentication (MQTT-4.12.1): the transport decided it on the
     * authentication pool and left the outcome in the directory before it let this packet into the ring. Success
     * replaces the session's permissions and answers AUTH 0x00; failure disconnects with 0x87.
     */
    void onAuth(final ClientConnection connection)
    {
        final TransportIdentity identity = state.directory.remove(connection.connectionId());
        final AuthOutcome auth = null == identity ? null : identity.auth();
        if (null == auth || connection.state() != ClientConnection.CONNECTED)
        {
            state.disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                "MQTT-4.12.0-1: AUTH without an authentication method in CONNECT");
            return;
        }
        if (!auth.accepted())
        {
            state.counters.reauthenticationFailed++;
            state.disconnector.close(connection, auth.reasonCode(), "re-authentication failed: " + auth.reason());
            return;
        }
        final Session session = connection.session();
        session.permissions(auth.permissions());
        Subscriptions.recheck(session);
        authPacket.reasonCode(ReasonCode.SUCCESS).authenticationMethod(auth.authMethod())
            .authenticationData(auth.authData());
        state.sender.auth(connection, authPacket);
    }

    /** The authorizers reloaded their rules: every session's subscriptions are judged again under them. */
    void onPermissionsReloaded()
    {
        for (final Session session : state.sessions.values())
        {
            Subscriptions.recheck(session);
        }
    }

    /**
     * Second half of CONNECT, after the packet, client id, authentication and will were accepted: take over or
     * create the session, negotiate the limits and answer with CONNACK.
     */
    void acceptConnect(
        final ClientConnection connection, final ConnectPacket connect, final String clientId, final String assignedId,
        final TopicPermissions permissions, final AuthOutcome auth)
    {
        final int version = connect.protocolVersion();

        // Takeover (MQTT-3.1.4-3): close the existing connection; its will follows the usual rules.
        Session session = state.sessions.get(clientId);
        if (null != session && null != session.connection())
        {
            final ClientConnection old = session.connection();
            takeovers.onEvent(state.nowNs, connection, "session taken over by a new connection");
            state.disconnector.close(old, ReasonCode.SESSION_TAKEN_OVER, "another connection used this client id");
            session = state.sessions.get(clientId);
        }
        resolvePendingWill(clientId, connect.cleanStart());

        final boolean sessionPresent;
        if (null == session || connect.cleanStart())
        {
            if (null != session)
            {
                destroySession(session);
            }
            session = new Session(clientId, state.tally);
            state.sessions.put(clientId, session);
            sessionPresent = false;
        }
        else
        {
            sessionPresent = true;
        }
        final long requestedExpiry = version == MqttVersion.MQTT_5 ? connect.sessionExpiryIntervalSeconds() :
            (connect.cleanStart() ? 0 : Session.NEVER_EXPIRES);
        final long grantedExpiry = Math.min(requestedExpiry, state.config.maxSessionExpirySeconds());
        if (!journalConnect(connection, session, sessionPresent, grantedExpiry))
        {
            if (!sessionPresent)
            {
                state.sessions.remove(clientId, session);
            }
            state.counters.refusedJournalFull++;
            state.disconnector.refuseConnect(connection, ReasonCode.QUOTA_EXCEEDED,
                "the journal is full: the session cannot be stored");
            return;
        }
        session.expiryIntervalSeconds(grantedExpiry);
        state.timers.cancelExpiry(session);
        session.connection(connection);
        connection.session(session);
        state.clusterWills.onConnected(connection);
        session.permissions(permissions);
        Subscriptions.recheck(session);     // a resumed session's filters, judged under this client's permissions
        connection.receiveMaximum(connect.receiveMaximum());
        connection.maximumPacketSize(0 == connect.maximumPacketSize() ? Integer.MAX_VALUE :
            connect.maximumPacketSize());
        int keepAlive = connect.keepAliveSeconds();
        int serverKeepAlive = -1;
        if (version == MqttVersion.MQTT_5)
        {
            // The broker may use fewer aliases than the client allows; capping keeps a client that announces
            // 65535 from making the broker allocate an alias table that large.
            connection.topicAliasMaximum(Math.min(connect.topicAliasMaximum(), state.config.topicAliasMaximum()));
            connection.inboundAliasMaximum(state.config.topicAliasMaximum());
            if (keepAlive > state.config.maxKeepAliveSeconds() || 0 == keepAlive)
            {
                keepAlive = state.config.maxKeepAliveSeconds();
                serverKeepAlive = keepAlive;
            }
        }
        connection.accepted(keepAlive, System.currentTimeMillis());   // CONNECTED from here
        countAccepted(version);
        state.clusterSessions.onConnected(clientId, session.expiryIntervalSeconds());

        connack.reset().version(version).sessionPresent(sessionPresent).reasonCode(ReasonCode.SUCCESS);
        if (version == MqttVersion.MQTT_5)
        {
            connack.receiveMaximum(state.config.receiveMaximum())
                .maximumPacketSize(state.config.maxPacketSize())
                .topicAliasMaximum(state.config.topicAliasMaximum())
                .assignedClientIdentifier(assignedId)
                .serverKeepAlive(serverKeepAlive);
            if (null != auth && null != auth.authMethod())
            {
                connack.authenticationMethod(auth.authMethod()).authenticationData(auth.authData());
            }
            if (grantedExpiry != requestedExpiry)
            {
                connack.sessionExpiryInterval(grantedExpiry);
            }
            if (connect.requestResponseInformation())
            {
                connack.responseInformation("response/" + clientId + "/");
            }
        }
        state.sender.connected(connection);
        state.sender.connack(connection, connack);
        if (sessionPresent)
        {
            state.deliverer.resume(session, state.nowNs);
            state.retained.onResume(session, state.nowNs);
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
        if (!state.journal.enabled())
        {
            return true;
        }
        if (grantedExpiry > 0 || 0 != session.journalId())
        {
            final boolean isNew = 0 == session.journalId();
            if (isNew)
            {
                session.journalId(state.nextJournalId++);
            }
            if ((isNew || !sessionPresent || session.expiryIntervalSeconds() != grantedExpiry) &&
                state.journal.appendSession(session.journalId(), grantedExpiry, session.clientId()) < 0)
            {
                if (isNew)
                {
                    session.journalId(0);
                }
                return false;
            }
        }
        final Message will = connection.will();
        return null == will || state.journal.appendWill(session.clientId(), will, connection.willDelaySeconds(),
            connection.willExpirySeconds()) >= 0;
    }

    /** A client came back within its will delay: the will is dropped, or published first if the session ends. */
    void resolvePendingWill(final String clientId, final boolean cleanStart)
    {
        final SessionTimers.PendingWill pendingWill = state.timers.removeWill(clientId);
        if (null != pendingWill)
        {
            if (cleanStart)
            {
                publishes.publishWill(pendingWill.will, pendingWill.willExpirySeconds);
            }
            clearWill(clientId);
        }
    }

    /** The client's will was published or dropped: journaled, and the cluster (if any) forgets its copy. */
    void clearWill(final String clientId)
    {
        journalWillClear(clientId);
        state.cluster.clearWill(clientId);
    }

    /** The client's will is gone from this node (the cluster's copy, if any, is left as it is). */
    void journalWillClear(final String clientId)
    {
        if (state.journal.enabled())
        {
            state.journal.appendWillClear(clientId);
        }
    }

    void onDisconnect(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final DisconnectDecoder disconnect = disconnectDecoder.wrap(frame, 0, length, connection.version());
        final Session session = connection.session();
        final long expiry = disconnect.sessionExpiryInterval();
        if (expiry >= 0)
        {
            if (0 == session.expiryIntervalSeconds() && expiry != 0)
            {
                state.disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                    "MQTT-3.14.2-2: session expiry set on DISCONNECT after 0 on CONNECT");
                return;
            }
            final long granted = Math.min(expiry, state.config.maxSessionExpirySeconds());
            if (0 != session.journalId() && granted != session.expiryIntervalSeconds())
            {
                state.journal.appendSession(session.journalId(), granted, session.clientId());
            }
            session.expiryIntervalSeconds(granted);
        }
        if (disconnect.reasonCode() != ReasonCode.DISCONNECT_WITH_WILL_MESSAGE && null != connection.will())
        {
            connection.will(null, 0, -1);
            clearWill(connection.clientId());
        }
        state.disconnector.closeAfterClientDisconnect(connection);
    }

    void onConnectionClosed(final long connectionId, final int reason)
    {
        state.directory.remove(connectionId);  // closed before CONNECT: nobody else removes it
        state.handoff.onConnectionClosed(connectionId);
        final ClientConnection connection = state.connections.remove(connectionId);
        if (null != connection && connection.state() != ClientConnection.CLOSING)
        {
            if (connection.state() == ClientConnection.CONNECTED && reason >= 0 && reason < CloseReason.COUNT)
            {
                state.counters.connectionsClosedByTransport[reason]++;
            }
            if (reason == CloseReason.KEEP_ALIVE_TIMEOUT)
            {
                keepAliveTimeouts.onEvent(state.nowNs, connection, "keep-alive timeout");
            }
            endConnection(connection);
            connection.state(ClientConnection.CLOSING);
        }
    }

    /** Detach a connection from its session: will, shared deliveries, session expiry. Called once. */
    void endConnection(final ClientConnection connection)
    {
        final Session session = connection.session();
        if (null == session || session.connection() != connection)
        {
            return;
        }
        session.connection(null);
        state.counters.clientsConnected--;
        state.counters.clientsByVersion[connection.version()]--;
        state.ackHold.onDrained(session);
        final Message will = connection.will();
        if (null != will)
        {
            final long delay = Math.min(connection.willDelaySeconds(), session.expiryIntervalSeconds());
            if (0 == delay)
            {
                publishes.publishWill(will, connection.willExpirySeconds());
                clearWill(session.clientId());
            }
            else
            {
                state.timers.scheduleWill(session.clientId(), will, connection.willExpirySeconds(),
                    state.nowNs + delay * NANOS_PER_SECOND);
                // Its delay runs from now: if this node goes down first, the cluster publishes it when it ends.
                state.clusterWills.register(session.clientId(), will, connection.willExpirySeconds(), delay, true);
            }
        }
        redistributeShared(session);
        final long expiry = session.expiryIntervalSeconds();
        state.clusterSessions.onDisconnected(session.clientId(), expiry);
        if (0 == expiry)
        {
            destroySession(session);
        }
        else if (expiry != Session.NEVER_EXPIRES)
        {
            state.timers.scheduleExpiry(session, state.nowNs + expiry * NANOS_PER_SECOND);
        }
    }

    private void countAccepted(final int version)
    {
        state.counters.clientsConnected++;
        state.counters.connectsAccepted++;
        state.counters.clientsByVersion[version]++;
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
                if (candidate != session && null != candidate.connection() && !state.deliverer.isFull(candidate))
                {
                    target = candidate;
                }
            }
            if (null == target)
            {
                session.enqueue(delivery);
                continue;
            }
            state.deliverer.ended(session, delivery);
            final Subscription subscription = target.subscriptions().get(
                TopicTrie.SHARED_SUBSCRIPTION_PREFIX + group.name() + "/" + group.filter());
            final int qos = null == subscription ? delivery.qos() : Math.min(delivery.message().qos(),
                subscription.qos());
            if (0 == qos)
            {
                source.reset();
                source.from(delivery.message(), null);
                state.deliverer.sendQos0(target, source, delivery.retain(), delivery.subscriptionIds(),
                    delivery.subscriptionIds().length, state.nowNs);
            }
            else
            {
                state.snapshots.keepReferenced(delivery.message());
                state.deliverer.sendQos12(target, new Delivery(delivery.message(), qos, delivery.retain(),
                    delivery.subscriptionIds(), delivery.subscriptionIds().length, group), state.nowNs);
            }
        }
    }

    /**
     * The cluster's session directory decided who owns a client id, or a moving session's cut (a
     * {@code CLUSTER_SESSION} ring event; {@link SessionHandoff}), or what the control plane knows of this node's
     * wills ({@link ClusterWills}).
     */
    void onClusterOwner(final DirectBuffer frame, final int length, final long epoch)
    {
        if (length < ClusterLink.SESSION_FRAME_HEADER)
        {
            state.counters.routerErrors++;
            return;
        }
        final int owner = frame.getInt(0, ByteOrder.LITTLE_ENDIAN);
        final int other = frame.getInt(Integer.BYTES, ByteOrder.LITTLE_ENDIAN);
        final int kind = frame.getInt(2 * Integer.BYTES, ByteOrder.LITTLE_ENDIAN);
        final String clientId = frame.getStringWithoutLengthUtf8(ClusterLink.SESSION_FRAME_HEADER,
            length - ClusterLink.SESSION_FRAME_HEADER);
        if (ClusterLink.WILL_TAKEN == kind || ClusterLink.SYNCED == kind)
        {
            state.clusterWills.onEvent(kind, clientId, other);
            if (ClusterLink.SYNCED == kind)
            {
                state.clusterSessions.onSynced();
            }
        }
        else if (ClusterLink.SESSION_EXPIRED == kind)
        {
            onExpiredWhileDown(clientId);
        }
        else
        {
            state.handoff.onSessionEvent(kind, clientId, owner, other, epoch);
        }
    }

    /**
     * The cluster ended this node's session at its expiry while the node was down (its directory entry is gone, and
     * the control plane published its will if one was due): a copy recovered from the journal that no client claimed
     * since is dropped, as its expiry here would have, only sooner. The control plane is told either way.
     */
    private void onExpiredWhileDown(final String clientId)
    {
        if (state.clusterSessions.expiredWhileDown(clientId))
        {
            dropExpiredCopy(clientId);
        }
        state.cluster.sessionExpiredSeen(clientId);
    }

    /**
     * Drops this node's copy of a session that expired in the cluster while the node was down (its sync named it, or
     * the directory said so in answer to a resume here), unless a connection or a hand-off holds it.
     */
    void dropExpiredCopy(final String clientId)
    {
        final Session session = state.sessions.get(clientId);
        if (null != session && null == session.connection() && null == session.transit())
        {
            state.counters.sessionsExpiredWhileDown++;
            final long due = expiredWhileDownLog.onEvent(state.nowNs);
            if (due > 0)
            {
                LOG.info("cluster: {} session(s) recovered from the journal expired in the cluster while this node " +
                    "was down and are dropped, the last '{}'", due, LogText.escape(clientId));
            }
            dropSession(session, false, false);
        }
    }

    /**
     * A session ends on this node but not for the cluster: a clean start on another node ended it (its will is
     * published), or it moved to another node ({@code moved}: no will, its shared deliveries go with it).
     */
    void endSession(final Session session, final boolean moved)
    {
        dropSession(session, false, moved);
    }

    /**
     * A session arriving from another node, empty so far, in place of any stale copy here (one recovered from the
     * journal after the client moved away).
     *
     * @return the session, or null if it cannot be stored (journal full, or a live connection holds the id here).
     */
    Session freshSession(final String clientId, final long expirySeconds)
    {
        final Session stale = state.sessions.get(clientId);
        if (null != stale)
        {
            if (null != stale.connection())
            {
                return null;
            }
            dropSession(stale, false, true);
        }
        final Session session = new Session(clientId, state.tally);
        session.expiryIntervalSeconds(expirySeconds);
        if (state.journal.enabled() && expirySeconds > 0)
        {
            session.journalId(state.nextJournalId++);
            if (state.journal.appendSession(session.journalId(), expirySeconds, clientId) < 0)
            {
                session.journalId(0);
                state.counters.refusedJournalFull++;
                return null;
            }
        }
        state.sessions.put(clientId, session);
        return session;
    }

    /** A session without a connection (one that arrived from another node, or stayed here): its expiry runs. */
    void offline(final Session session)
    {
        final long expiry = session.expiryIntervalSeconds();
        if (null == session.connection() && expiry != Session.NEVER_EXPIRES)
        {
            state.timers.scheduleExpiry(session, state.nowNs + expiry * NANOS_PER_SECOND);
        }
    }

    void destroySession(final Session session)
    {
        dropSession(session, true, false);
    }

    /**
     * @param release release the session in the cluster's directory (it ends cluster-wide).
     * @param moved   it continues on another node: no will, its shared-subscription deliveries go with it.
     */
    private void dropSession(final Session session, final boolean release, final boolean moved)
    {
        for (final Subscription subscription : session.subscriptions().values())
        {
            state.unsubscribe(subscription.filter(), subscription);
        }
        session.subscriptions().clear();
        if (!moved)
        {
            redistributeShared(session);
        }
        if (session.inflightCount() > 0)
        {
            session.inflight().clear();
        }
        session.clearQueue();
        state.sessions.remove(session.clientId(), session);
        if (release)
        {
            state.clusterSessions.onSessionEnded(session.clientId());
        }
        if (0 != session.journalId())
        {
            state.journal.appendSessionEnd(session.journalId());
            session.journalId(0);
        }
        state.timers.cancelExpiry(session);
        final SessionTimers.PendingWill pendingWill = state.timers.removeWill(session.clientId());
        if (null != pendingWill)
        {
            if (!moved)
            {
                publishes.publishWill(pendingWill.will, pendingWill.willExpirySeconds);
            }
            clearWill(session.clientId());
        }
    }
}
