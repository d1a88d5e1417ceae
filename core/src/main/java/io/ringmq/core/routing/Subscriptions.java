package io.ringmq.core.routing;

import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.codec.SubscribeDecoder;
import io.ringmq.core.codec.SubscribePacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.codec.TopicValidator;
import io.ringmq.core.codec.UnsubscribeDecoder;
import io.ringmq.core.codec.UnsubscribePacket;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.Subscription;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * SUBSCRIBE and UNSUBSCRIBE: validation, authorization, the journal records of a persistent session's subscriptions,
 * the topic trie, and the retained messages a new subscription receives ({@link RetainedMessages}).
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class Subscriptions
{
    private final BrokerState state;
    private int[] reasonCodes = new int[16];

    Subscriptions(final BrokerState state)
    {
        this.state = state;
    }

    void onSubscribe(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final SubscribePacket subscribe = SubscribeDecoder.decode(frame, 0, length, connection.version(),
            state.config.maxTopicLevels());
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
            final FilterAccess access = readAccess(session.permissions(), filter);
            if (FilterAccess.ALL != access && FilterAccess.SOME != access)
            {
                state.counters.refusedNotAuthorized++;
                reasonCodes[i] = v5 ? ReasonCode.NOT_AUTHORIZED : 0x80;
                continue;
            }
            if (0 != session.journalId() && state.journal.appendSubscribe(session.journalId(), filter,
                JournalDescriptor.subscriptionOptions(entry.qos(), entry.noLocal(), entry.retainAsPublished(),
                entry.retainHandling()), subscribe.subscriptionIdentifier()) < 0)
            {
                state.counters.refusedJournalFull++;
                reasonCodes[i] = v5 ? ReasonCode.QUOTA_EXCEEDED : 0x80;
                continue;
            }
            Subscription subscription = session.subscriptions().get(filter);
            final boolean isNew = null == subscription;
            if (isNew)
            {
                subscription = new Subscription(session, filter, TopicValidator.isShared(filter));
                session.subscriptions().put(filter, subscription);
                state.trie.subscribe(filter, subscription);
            }
            subscription.options(entry.qos(), entry.noLocal(), entry.retainAsPublished(), entry.retainHandling(),
                subscribe.subscriptionIdentifier()).checkRead(FilterAccess.SOME == access);
            reasonCodes[i] = entry.qos();
            if (!subscription.shared() && (0 == entry.retainHandling() || (1 == entry.retainHandling() && isNew)))
            {
                sendRetained.add(subscription);
            }
        }
        state.sender.ackList(connection, PacketType.SUBACK, subscribe.packetId(), reasonCodes, entries.size());
        for (final Subscription subscription : sendRetained)
        {
            state.retained.onSubscribe(session, subscription, state.nowNs);
        }
    }

    /**
     * What the permissions let a client receive through {@code filter} (a shared subscription is judged by its topic
     * filter). An authorizer that abstains counts as a refusal: the chain resolves abstentions before this.
     */
    static FilterAccess readAccess(final TopicPermissions permissions, final String filter)
    {
        final FilterAccess access = permissions.subscribe(TopicValidator.topicFilter(filter));
        return FilterAccess.IGNORE == access ? FilterAccess.NONE : access;
    }

    /**
     * The session's permissions changed (a new connection, a re-authentication, reloaded rules): judge each of its
     * subscriptions again. A filter the client may no longer read at all keeps its place (the session asked for it)
     * but delivers nothing: every delivery through it is checked and refused.
     *
     * @param session the session.
     */
    static void recheck(final Session session)
    {
        if (!session.hasSubscriptions())
        {
            return;
        }
        final TopicPermissions permissions = session.permissions();
        for (final Subscription subscription : session.subscriptions().values())
        {
            subscription.checkRead(FilterAccess.ALL != readAccess(permissions, subscription.filter()));
        }
    }

    void onUnsubscribe(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
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
                state.trie.unsubscribe(subscription.filter(), subscription);
                if (0 != session.journalId())
                {
                    state.journal.appendUnsubscribe(session.journalId(), subscription.filter());
                }
                reasonCodes[i] = ReasonCode.SUCCESS;
            }
            else
            {
                reasonCodes[i] = ReasonCode.NO_SUBSCRIPTION_EXISTED;
            }
        }
        state.sender.ackList(connection, PacketType.UNSUBACK, unsubscribe.packetId(), reasonCodes, filters.size());
    }

}
