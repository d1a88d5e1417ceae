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
            reasonCodes[i] = entry.valid() ? subscribe(session, entry.filter(), entry.qos(), entry.noLocal(),
                entry.retainAsPublished(), entry.retainHandling(), subscribe.subscriptionIdentifier(), v5,
                sendRetained) : (v5 ? ReasonCode.TOPIC_FILTER_INVALID : 0x80);
        }
        if (state.routeConfirmations.hold(connection, subscribe.packetId(), reasonCodes, entries.size(), entries,
            sendRetained))
        {
            return;     // in a cluster: answered once the other nodes have the new routes
        }
        state.sender.ackList(connection, PacketType.SUBACK, subscribe.packetId(), reasonCodes, entries.size());
        for (final Subscription subscription : sendRetained)
        {
            state.retained.onSubscribe(session, subscription, state.nowNs);
        }
    }

    /**
     * Add or replace one subscription of a session (a SUBSCRIBE's entry, or an operator's): checked against the
     * session's permissions, journaled for a persistent session, put in the trie.
     *
     * @param session        the subscriber.
     * @param filter         a valid topic filter.
     * @param qos            maximum QoS.
     * @param noLocal        No Local.
     * @param rap            Retain As Published.
     * @param retainHandling Retain Handling.
     * @param subscriptionId subscription identifier, 0 for none.
     * @param v5             answer MQTT 5 reason codes (else 0x80 for every failure).
     * @param sendRetained   receives the subscription when retained messages are due for it.
     * @return the SUBACK reason code: the granted QoS, or a failure.
     */
    int subscribe(final Session session, final String filter, final int qos, final boolean noLocal,
        final boolean rap, final int retainHandling, final int subscriptionId, final boolean v5,
        final List<Subscription> sendRetained)
    {
        final FilterAccess access = readAccess(session.permissions(), filter);
        if (FilterAccess.ALL != access && FilterAccess.SOME != access)
        {
            state.counters.refusedNotAuthorized++;
            return v5 ? ReasonCode.NOT_AUTHORIZED : 0x80;
        }
        if (0 != session.journalId() && state.journal.appendSubscribe(session.journalId(), filter,
            JournalDescriptor.subscriptionOptions(qos, noLocal, rap, retainHandling), subscriptionId) < 0)
        {
            state.counters.refusedJournalFull++;
            return v5 ? ReasonCode.QUOTA_EXCEEDED : 0x80;
        }
        Subscription subscription = session.subscriptions().get(filter);
        final boolean isNew = null == subscription;
        if (isNew)
        {
            subscription = new Subscription(session, filter, TopicValidator.isShared(filter));
            session.subscriptions().put(filter, subscription);
            state.subscribe(filter, subscription);
        }
        subscription.options(qos, noLocal, rap, retainHandling, subscriptionId)
            .checkRead(FilterAccess.SOME == access);
        if (!subscription.shared() && (0 == retainHandling || (1 == retainHandling && isNew)))
        {
            sendRetained.add(subscription);
        }
        return qos;
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
            reasonCodes[i] = unsubscribe(session, filters.get(i)) ? ReasonCode.SUCCESS :
                ReasonCode.NO_SUBSCRIPTION_EXISTED;
        }
        state.sender.ackList(connection, PacketType.UNSUBACK, unsubscribe.packetId(), reasonCodes, filters.size());
    }

    /**
     * Remove one subscription of a session (an UNSUBSCRIBE's entry, or an operator's), journaled for a persistent
     * session.
     *
     * @param session the subscriber.
     * @param filter  the filter as subscribed.
     * @return whether the session had it.
     */
    boolean unsubscribe(final Session session, final String filter)
    {
        final Subscription subscription = session.subscriptions().remove(filter);
        if (null == subscription)
        {
            return false;
        }
        state.unsubscribe(subscription.filter(), subscription);
        if (0 != session.journalId())
        {
            state.journal.appendUnsubscribe(session.journalId(), subscription.filter());
        }
        return true;
    }
}
