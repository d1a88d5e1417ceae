package io.ringmq.core.routing;

import io.ringmq.core.admin.AdminView;
import io.ringmq.core.admin.ClientDetail;
import io.ringmq.core.admin.ClientSummary;
import io.ringmq.core.admin.Drops;
import io.ringmq.core.admin.Page;
import io.ringmq.core.admin.PageBuilder;
import io.ringmq.core.admin.PageQuery;
import io.ringmq.core.admin.PublishRequest;
import io.ringmq.core.admin.PublishResult;
import io.ringmq.core.admin.RetainedSummary;
import io.ringmq.core.admin.SessionSummary;
import io.ringmq.core.admin.SubscriptionRequest;
import io.ringmq.core.admin.SubscriptionSummary;
import io.ringmq.core.codec.MqttProtocolException;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.codec.TopicValidator;
import io.ringmq.core.codec.Utf8Validator;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.session.TransportIdentity;
import io.ringmq.core.status.LogText;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The admin API's view of the routing state ({@link AdminView}): listings walk the sessions or the retained
 * messages once and keep one bounded page ({@link PageBuilder}); commands go through the same handlers as a
 * client's packets (the disconnector, {@link Subscriptions}, {@link InboundPublish}, the session lifecycle), so they
 * are journaled and counted as those are. Each command is logged: an operator's action is never silent.
 * <p>
 * <b>Threading:</b> Router thread only (it runs {@link io.ringmq.core.admin.AdminRequest}s from ADMIN ring events).
 */
final class RouterAdmin implements AdminView
{
    private static final Logger LOG = LoggerFactory.getLogger(RouterAdmin.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final BrokerState state;
    private final SessionLifecycle lifecycle;
    private final Subscriptions subscriptions;
    private final InboundPublish publishes;

    RouterAdmin(final BrokerState state, final SessionLifecycle lifecycle, final Subscriptions subscriptions,
        final InboundPublish publishes)
    {
        this.state = state;
        this.lifecycle = lifecycle;
        this.subscriptions = subscriptions;
        this.publishes = publishes;
    }

    @Override
    public Page<ClientSummary> clients(final PageQuery query)
    {
        final PageBuilder<ClientSummary> page = new PageBuilder<>(query, ClientSummary::clientId);
        for (final Session session : state.sessions.values())
        {
            final ClientConnection connection = connected(session);
            if (null != connection && query.matches(session.clientId(), connection.username(), address(connection)) &&
                page.offer(session.clientId()))
            {
                page.add(client(connection, session));
            }
        }
        return page.page();
    }

    @Override
    public Page<SessionSummary> sessions(final PageQuery query, final Boolean connected)
    {
        final PageBuilder<SessionSummary> page = new PageBuilder<>(query, SessionSummary::clientId);
        for (final Session session : state.sessions.values())
        {
            if ((null == connected || connected == (null != connected(session))) &&
                query.matches(session.clientId()) && page.offer(session.clientId()))
            {
                page.add(session(session));
            }
        }
        return page.page();
    }

    @Override
    public ClientDetail client(final String clientId)
    {
        final Session session = state.sessions.get(clientId);
        if (null == session)
        {
            return null;
        }
        final ClientConnection connection = connected(session);
        final Message will = null == connection ? null : connection.will();
        return new ClientDetail(null == connection ? null : client(connection, session), session(session),
            subscriptionsOf(session), null == will ? null : will.topicName());
    }

    @Override
    public boolean disconnect(final String clientId)
    {
        final Session session = state.sessions.get(clientId);
        final ClientConnection connection = null == session ? null : connected(session);
        if (null == connection)
        {
            return false;
        }
        LOG.info("admin: disconnecting client '{}'", LogText.escape(clientId));
        state.counters.adminDisconnects++;
        state.disconnector.close(connection, ReasonCode.ADMINISTRATIVE_ACTION, "disconnected by an administrator");
        return true;
    }

    @Override
    public boolean deleteSession(final String clientId)
    {
        final Session session = state.sessions.get(clientId);
        if (null == session)
        {
            return false;
        }
        LOG.info("admin: deleting the session of client '{}'", LogText.escape(clientId));
        final ClientConnection connection = connected(session);
        if (null != connection)
        {
            state.counters.adminDisconnects++;
            state.disconnector.close(connection, ReasonCode.ADMINISTRATIVE_ACTION,
                "session deleted by an administrator");
        }
        // Closing may have ended the session already (expiry 0); a kept one ends now.
        if (state.sessions.get(clientId) == session)
        {
            lifecycle.destroySession(session);
        }
        return true;
    }

    @Override
    public List<SubscriptionSummary> subscriptions(final String clientId)
    {
        final Session session = state.sessions.get(clientId);
        return null == session ? null : subscriptionsOf(session);
    }

    @Override
    public int subscribe(final String clientId, final SubscriptionRequest request)
    {
        final String error = TopicValidator.topicFilterError(request.filter(), state.config.maxTopicLevels());
        if (null != error)
        {
            throw new IllegalArgumentException("invalid topic filter: " + error);
        }
        if (request.noLocal() && TopicValidator.isShared(request.filter()))
        {
            throw new IllegalArgumentException("noLocal is not allowed on a shared subscription (MQTT-3.8.3-4)");
        }
        final Session session = state.sessions.get(clientId);
        if (null == session)
        {
            return -1;
        }
        LOG.info("admin: subscribing client '{}' to '{}' (QoS {})", LogText.escape(clientId),
            LogText.escape(request.filter()), request.qos());
        final List<Subscription> sendRetained = new ArrayList<>(1);
        final int reasonCode = subscriptions.subscribe(session, request.filter(), request.qos(), request.noLocal(),
            request.retainAsPublished(), request.retainHandling(), 0, true, sendRetained);
        for (final Subscription subscription : sendRetained)
        {
            state.retained.onSubscribe(session, subscription, state.nowNs);
        }
        return reasonCode;
    }

    @Override
    public boolean unsubscribe(final String clientId, final String filter)
    {
        final Session session = state.sessions.get(clientId);
        if (null == session || null == filter || !subscriptions.unsubscribe(session, filter))
        {
            return false;
        }
        LOG.info("admin: unsubscribed client '{}' from '{}'", LogText.escape(clientId), LogText.escape(filter));
        return true;
    }

    @Override
    public Page<RetainedSummary> retained(final PageQuery query, final String filter)
    {
        final String error = TopicValidator.topicFilterError(filter, state.config.maxTopicLevels());
        if (null != error || TopicValidator.isShared(filter))
        {
            throw new IllegalArgumentException("invalid topic filter: " + (null == error ? "shared" : error));
        }
        final PageBuilder<RetainedSummary> page = new PageBuilder<>(query, RetainedSummary::topic);
        state.retained.forEachMatching(filter, message ->
        {
            final RetainedSummary summary = state.retained.describe(message, false, state.nowNs);
            if (null != summary && query.matches(summary.topic()) && page.offer(summary.topic()))
            {
                page.add(summary);
            }
        });
        return page.page();
    }

    @Override
    public RetainedSummary retainedMessage(final String topic)
    {
        final Message message = null == topic ? null : state.retained.get(topic);
        return null == message ? null : state.retained.describe(message, true, state.nowNs);
    }

    @Override
    public boolean deleteRetained(final String topic)
    {
        if (null == topic || null == state.retained.get(topic))
        {
            return false;
        }
        LOG.info("admin: clearing the retained message of '{}'", LogText.escape(topic));
        final byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
        final boolean cleared = state.retained.clear(topic, new UnsafeBuffer(bytes), 0, bytes.length);
        publishes.replicateRetainedClear(bytes);
        return cleared;
    }

    @Override
    public PublishResult publish(final PublishRequest request)
    {
        final byte[] topic = request.topic().getBytes(StandardCharsets.UTF_8);
        if (topic.length > 65535)
        {
            throw new IllegalArgumentException("invalid topic: longer than 65535 bytes");
        }
        try
        {
            Utf8Validator.validate(request.topic());
            TopicValidator.validateTopicName(new UnsafeBuffer(topic), 0, topic.length,
                state.config.maxTopicLevels());
        }
        catch (final MqttProtocolException ex)
        {
            throw new IllegalArgumentException("invalid topic: " + ex.getMessage(), ex);
        }
        LOG.info("admin: publishing to '{}' (QoS {}, {} bytes{})", LogText.escape(request.topic()), request.qos(),
            request.payload().length, request.retain() ? ", retained" : "");
        state.counters.adminPublishes++;
        return publishes.publishAdmin(new Message(topic, null, request.payload(), request.qos(), request.retain(),
            -1), request.messageExpirySeconds());
    }

    @Override
    public void reconfigure(final String setting, final String value)
    {
        if (!BrokerConfig.isReloadable(setting))
        {
            throw new IllegalArgumentException(setting + " cannot change while the broker runs");
        }
        state.config.set(setting, value);
        state.reconfigured();
        LOG.info("reload: {} is now {}", setting, value);
    }

    // ---------------------------------------------------------------- copies for other threads

    private static ClientConnection connected(final Session session)
    {
        final ClientConnection connection = session.connection();
        return null != connection && connection.state() == ClientConnection.CONNECTED ? connection : null;
    }

    private static String address(final ClientConnection connection)
    {
        final TransportIdentity identity = connection.identity();
        return null == identity ? null : identity.clientAddress();
    }

    private static ClientSummary client(final ClientConnection connection, final Session session)
    {
        final TransportIdentity identity = connection.identity();
        return new ClientSummary(session.clientId(), connection.username(), address(connection),
            null == identity ? null : identity.listener(), connection.version(), connection.keepAliveSeconds(),
            connection.connectedAtMs(), session.inflightCount(), session.queuedCount(), session.queuedBytes(),
            session.subscriptions().size(), drops(session));
    }

    private SessionSummary session(final Session session)
    {
        final boolean connected = null != connected(session);
        final long expiresIn = connected || session.expiryDeadlineNs() < 0 ? -1 :
            Math.max(0, (session.expiryDeadlineNs() - state.nowNs) / NANOS_PER_SECOND);
        return new SessionSummary(session.clientId(), connected, 0 != session.journalId(),
            session.expiryIntervalSeconds(), expiresIn, session.subscriptions().size(), session.inflightCount(),
            session.queuedCount(), session.queuedBytes(), drops(session));
    }

    private static Drops drops(final Session session)
    {
        return new Drops(session.droppedQos0(), session.droppedQueueFull(), session.droppedTooLarge(),
            session.droppedExpired());
    }

    private static List<SubscriptionSummary> subscriptionsOf(final Session session)
    {
        final List<SubscriptionSummary> list = new ArrayList<>(session.subscriptions().size());
        for (final Subscription subscription : session.subscriptions().values())
        {
            list.add(new SubscriptionSummary(subscription.filter(), subscription.qos(), subscription.noLocal(),
                subscription.retainAsPublished(), subscription.retainHandling(), subscription.subscriptionId(),
                subscription.shared(), subscription.checkRead()));
        }
        list.sort(Comparator.comparing(SubscriptionSummary::filter));
        return list;
    }
}
