package io.ringmq.core.routing;

import java.nio.charset.StandardCharsets;

import io.ringmq.auth.Decision;
import io.ringmq.core.admin.PublishResult;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.codec.AckDecoder;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Delivery;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.SessionTransit;
import io.ringmq.core.status.LogText;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inbound PUBLISH and PUBREL, and the fan-out of a message to the matching sessions (also for the broker's own
 * messages: $SYS and wills): topic aliases, the $ and authorization rules, the retained-message limits and store,
 * the journal record of an accepted message, the per-session overflow policy, and the publisher's acknowledgement
 * (held by {@link AckHold} while a connected subscriber it feeds is backed up).
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class InboundPublish
{
    private static final Logger LOG = LoggerFactory.getLogger(InboundPublish.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int NO_MATCH = 0;
    private static final int ROUTED = 1;
    private static final int JOURNAL_FULL = 2;
    private static final int FORWARD_NONE = 0;
    private static final int FORWARD_SENT = 1;
    private static final int FORWARD_REFUSED = 2;
    private static final int SCOPE_LOCAL = 0;
    private static final int SCOPE_AFTER_FORWARD = 1;
    private static final int SCOPE_PLAIN = 2;
    private static final int SCOPE_GROUP = 3;
    /** Most shared-group names kept parsed. */
    private static final int MAX_GROUP_NAMES = 10_000;
    /** Marks a collected target whose overflow policy dropped the delivery. */
    private static final int DROPPED = -1;

    private final BrokerState state;
    private final PublishDecoder publishDecoder = new PublishDecoder();
    private final AckDecoder ackDecoder = new AckDecoder();
    private final PublishSource source;
    private final MatchCollector collector;
    private final UnsafeBuffer aliasTopic = new UnsafeBuffer(new byte[0]);
    private final ForwardCodec forwarded = new ForwardCodec();
    /** Scratch for encoding a forward; grown to the largest message forwarded (bounded by max-packet-size). */
    private final UnsafeBuffer forwardBuffer = new UnsafeBuffer(new byte[0]);
    /** Shared groups named in forwards, by the hash of their bytes; cleared past {@link #MAX_GROUP_NAMES}. */
    private final Int2ObjectHashMap<GroupName> groupNames = new Int2ObjectHashMap<>();
    private final RateLimitedLog clusterRetainedLog = new RateLimitedLog(10 * NANOS_PER_SECOND);
    /** Wraps a filter's bytes for a route acknowledgement. */
    private final UnsafeBuffer scratchFilter = new UnsafeBuffer(new byte[0]);
    /** Acknowledges other nodes' QoS 1/2 forwards once routed and journaled here. */
    private final ForwardReceipts receipts;
    /** Forward sequences reserved in the journal at a time (one record per million forwards). */
    private static final long SEQUENCE_RESERVATION = 1L << 20;
    /** Origins with forwards routed in this batch whose sequence is not yet journaled, one bit per node. */
    private long routedInBatch;
    /**
     * While a forward that a crash cut in the middle of its batch is routed again: the journal ids of the sessions
     * that have it already ({@link PartlyRoutedForwards}); null otherwise.
     */
    private int[] sessionsWithIt;
    /**
     * This node's last forward sequence: one per forward, in the order they are sent; it starts from the clock
     * (milliseconds, shifted), or above the journal's last reservation if the clock is behind it, so that it grows
     * across restarts ({@link ForwardWindows}; destinations discard a forward at or below one they routed).
     */
    private long forwardSequence = System.currentTimeMillis() << 20;
    /** The live nodes the message being handled was forwarded to (QoS 1/2), and its last forward sequence. */
    private long forwardedNodes;
    private long forwardedSequence;
    /** The first of the message's forward sequences (consecutive up to {@link #forwardedSequence}). */
    private long forwardedFirstSequence;

    InboundPublish(final BrokerState state)
    {
        this.state = state;
        this.receipts = new ForwardReceipts(state);
        this.source = new PublishSource(state.journal);
        this.collector = new MatchCollector(state.deliverer, state.counters);
        publishDecoder.maxTopicLevels(state.config.maxTopicLevels());
    }

    void onPublish(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final PublishDecoder publish = publishDecoder.wrap(frame, 0, length, connection.version());
        final Session session = connection.session();
        final int qos = publish.qos();
        final int packetId = publish.packetId();
        forwardedNodes = 0;
        DirectBuffer topicBuffer = frame;
        int topicOffset = publish.topicOffset();
        int topicLength = publish.topicLength();

        final int alias = publish.topicAlias();
        if (0 != alias)
        {
            if (alias > connection.inboundAliasMaximum())
            {
                state.disconnector.violation(connection, ReasonCode.TOPIC_ALIAS_INVALID,
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
                    state.disconnector.violation(connection, ReasonCode.PROTOCOL_ERROR,
                        "MQTT-3.3.4: topic alias " + alias + " used before it was set");
                    return;
                }
                aliasTopic.wrap(mapped, 0, connection.inboundAliasLength(alias));
                topicBuffer = aliasTopic;
                topicOffset = 0;
                topicLength = aliasTopic.capacity();
            }
        }
        state.counters.publishReceived++;
        state.counters.publishReceivedByQos[qos]++;
        state.counters.publishBytesReceived += publish.payloadLength();

        if (2 == qos && !admitQos2(connection, session, packetId))
        {
            return;
        }

        if ('$' == topicBuffer.getByte(topicOffset) ||
            Decision.ALLOW != session.permissions().publish(topicBuffer, topicOffset, topicLength))
        {
            state.counters.refusedNotAuthorized++;
            acknowledge(connection, session, qos, packetId, ReasonCode.NOT_AUTHORIZED);
            return;
        }

        fillSource(session, publish, frame, topicBuffer, topicOffset, topicLength);

        if (source.retain && !admitsRetained())
        {
            state.counters.refusedRetainedFull++;
            if (qos > 0 && connection.version() == MqttVersion.MQTT_5)
            {
                state.ackHold.ack(connection, 1 == qos ? PacketType.PUBACK : PacketType.PUBREC, packetId,
                    ReasonCode.QUOTA_EXCEEDED);
                return;
            }
            source.retain = false;  // 3.1.1 and QoS 0 cannot be told: delivered, not retained
        }
        // Other nodes first: a QoS 1/2 message that a node cannot take (its queue is full) is refused before any
        // local subscriber has it, so a publisher that sends it again causes no duplicate here.
        final int forwarded = forward(source);
        if (FORWARD_REFUSED == forwarded && qos > 0)
        {
            onQuotaExceeded(connection, qos, packetId);
            return;
        }
        if (!state.retained.journal(source, state.nowNs) && qos > 0)
        {
            state.counters.refusedJournalFull++;
            onQuotaExceeded(connection, qos, packetId);
            return;
        }
        final int result = route(source, SCOPE_AFTER_FORWARD, null);
        if (JOURNAL_FULL == result)
        {
            state.counters.refusedJournalFull++;
            onQuotaExceeded(connection, qos, packetId);
            return;
        }
        final boolean forwardedAny = FORWARD_NONE != forwarded;
        if (source.retain)
        {
            state.retained.retain(source);
            replicateRetained();
        }
        acknowledge(connection, session, qos, packetId,
            NO_MATCH == result && !forwardedAny ? ReasonCode.NO_MATCHING_SUBSCRIBERS : ReasonCode.SUCCESS);
    }

    /**
     * @return false if the QoS 2 publish is handled already: a duplicate (PUBREC again) or one past Receive Maximum.
     */
    private boolean admitQos2(final ClientConnection connection, final Session session, final int packetId)
    {
        if (session.inboundQos2().contains(packetId))
        {
            state.sender.ack(connection, PacketType.PUBREC, packetId, ReasonCode.SUCCESS);
            return false;
        }
        // MQTT 5 clients are told the limit (Receive Maximum); a 3.1.1 client that leaves more QoS 2 publishes
        // unreleased is closed too, so no client can grow this set without bound.
        if (session.inboundQos2().size() >= state.config.receiveMaximum())
        {
            state.disconnector.violation(connection, ReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
                "MQTT-3.3.4-9: more than Receive Maximum QoS 2 publishes unacknowledged");
            return false;
        }
        return true;
    }

    private void fillSource(final Session session, final PublishDecoder publish, final DirectBuffer frame,
        final DirectBuffer topicBuffer, final int topicOffset, final int topicLength)
    {
        setSource(session, topicBuffer, topicOffset, topicLength, frame, publish.propertiesOffset(),
            publish.propertiesLength(), publish.payloadOffset(), publish.payloadLength(), publish.qos(),
            publish.retain(), publish.messageExpiryInterval());
    }

    private void setSource(final Session publisher, final DirectBuffer topicBuffer, final int topicOffset,
        final int topicLength, final DirectBuffer frame, final int propertiesOffset, final int propertiesLength,
        final int payloadOffset, final int payloadLength, final int qos, final boolean retain,
        final long expirySeconds)
    {
        source.reset();
        source.publisher = publisher;
        source.topicBuffer = topicBuffer;
        source.topicOffset = topicOffset;
        source.topicLength = topicLength;
        source.propertiesBuffer = frame;
        source.propertiesOffset = propertiesOffset;
        source.propertiesLength = propertiesLength;
        source.payloadBuffer = frame;
        source.payloadOffset = payloadOffset;
        source.payloadLength = payloadLength;
        source.qos = qos;
        source.retain = retain;
        source.expiryDeadlineNs = expirySeconds >= 0 ? state.nowNs + expirySeconds * NANOS_PER_SECOND : -1;
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
            state.sender.ack(connection, 1 == qos ? PacketType.PUBACK : PacketType.PUBREC, packetId,
                ReasonCode.QUOTA_EXCEEDED);
        }
        else
        {
            state.disconnector.close(connection, -1, null);
            LOG.debug("publisher disconnected unacknowledged: the journal is full");
        }
    }

    private void acknowledge(final ClientConnection connection, final Session session, final int qos,
        final int packetId, final int reasonCode)
    {
        final boolean v5 = connection.version() == MqttVersion.MQTT_5;
        if (1 == qos)
        {
            ackPublisher(connection, PacketType.PUBACK, packetId, v5 ? reasonCode : 0);
        }
        else if (2 == qos)
        {
            if (!v5 || reasonCode < 0x80)
            {
                if (0 != session.journalId() &&
                    state.journal.appendInQos2(session.journalId(), packetId, source.logPosition()) < 0)
                {
                    // Without the record a crash would forget the PUBREC and deliver the message again.
                    state.counters.refusedJournalFull++;
                    onQuotaExceeded(connection, qos, packetId);
                    return;
                }
                session.inboundQos2().add(packetId);
            }
            ackPublisher(connection, PacketType.PUBREC, packetId, v5 ? reasonCode : 0);
        }
    }

    /** The acknowledgement of an accepted message: after its forwards are taken, if it had any (QoS 1/2). */
    private void ackPublisher(final ClientConnection connection, final int packetType, final int packetId,
        final int reasonCode)
    {
        if (0 != forwardedNodes)
        {
            state.ackHold.ackAfterForward(connection, packetType, packetId, reasonCode, forwardedFirstSequence,
                forwardedSequence, forwardedNodes);
        }
        else
        {
            state.ackHold.ack(connection, packetType, packetId, reasonCode);
        }
    }

    void onPubrel(final ClientConnection connection, final MutableDirectBuffer frame, final int length)
    {
        final AckDecoder pubrel = ackDecoder.wrap(frame, 0, length, connection.version());
        final Session session = connection.session();
        final boolean known = session.inboundQos2().remove(pubrel.packetId());
        if (known && 0 != session.journalId())
        {
            state.journal.appendInQos2Done(session.journalId(), pubrel.packetId());
        }
        state.sender.ack(connection, PacketType.PUBCOMP, pubrel.packetId(),
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
        return route(source, SCOPE_LOCAL, null);
    }

    /**
     * @param scope {@link #SCOPE_LOCAL} (no cluster decision about shared groups), {@link #SCOPE_AFTER_FORWARD} (skip
     *              the shared groups {@link #forward} picked another node for), {@link #SCOPE_PLAIN} (a forward for
     *              the plain subscribers: no shared group) or {@link #SCOPE_GROUP} (a forward for {@code group}).
     * @param group the shared group's name and filter with {@link #SCOPE_GROUP}.
     */
    private int route(final PublishSource source, final int scope, final GroupName group)
    {
        collector.begin(source.publisher, source.qos, source.topicBuffer, source.topicOffset, source.topicLength);
        switch (scope)
        {
            case SCOPE_AFTER_FORWARD -> collector.skipping(state.remoteRoutes);
            case SCOPE_PLAIN -> collector.noSharedGroups();
            case SCOPE_GROUP -> collector.sharedGroupsOnly(group.name, group.filter);
            default ->
            {
                // every local group, as without a cluster
            }
        }
        state.trie.match(source.topicBuffer, source.topicOffset, source.topicLength, collector);
        state.remoteRoutes.clearPicks();
        final int count = collector.count;
        if (0 == count)
        {
            return NO_MATCH;
        }
        if (state.sessionsInTransit > 0)
        {
            skipOtherSideOfCut(source, count);
        }
        if (null != sessionsWithIt)
        {
            skipSessionsWithIt(count, SCOPE_GROUP == scope);
        }
        if (source.qos > 0)
        {
            for (int i = 0; i < count; i++)
            {
                if (Math.min(source.qos, collector.qos[i]) > 0 && !state.deliverer.admit(collector.sessions[i]))
                {
                    collector.qos[i] = DROPPED;
                }
            }
            if (state.journal.enabled() && !source.journaled() && hasJournaledTarget(source, count))
            {
                final long position = appendMessage(source, source.retain ? JournalDescriptor.FLAG_RETAIN : 0);
                if (position < 0)
                {
                    return JOURNAL_FULL;
                }
                source.storedAt(position);
                if (source.originNode >= 0)
                {
                    state.journal.appendForwardOrigin(source.originNode, source.originSequence, position);
                }
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
                state.deliverer.sendQos0(session, source, retainFlag, collector.subscriptionIds[i],
                    collector.subscriptionIdCounts[i], state.nowNs);
            }
            else if (deliveryQos > 0)
            {
                durable &= state.deliverer.sendQos12(session, new Delivery(source.message(), deliveryQos, retainFlag,
                    collector.subscriptionIds[i], collector.subscriptionIdCounts[i], collector.sharedGroups[i]),
                    state.nowNs);
                if (source.originNode < 0)
                {
                    state.ackHold.onQueued(session, source.publisher, state.nowNs);
                }
                else
                {
                    state.ackHold.onQueuedFromNode(session, source.originNode, source.originSequence, state.nowNs);
                }
            }
        }
        return durable ? ROUTED : JOURNAL_FULL;
    }

    /**
     * A session moving between nodes takes a message only on its side of the origin's cut ({@link SessionHandoff}):
     * the other copy of the session takes it.
     */
    private void skipOtherSideOfCut(final PublishSource source, final int count)
    {
        final int origin = source.originNode < 0 ? state.cluster.nodeId() : source.originNode;
        for (int i = 0; i < count; i++)
        {
            final SessionTransit transit = collector.sessions[i].transit();
            if (null != transit && !transit.admits(origin))
            {
                collector.qos[i] = DROPPED;
            }
        }
    }

    /**
     * A forward sent again after a crash cut its batch here: not again to the sessions the journal gave it to. A
     * forward for one shared group went to one member, so the group has it: after the restart the group's turn may
     * fall to another member, and none gets it again.
     */
    private void skipSessionsWithIt(final int count, final boolean forOneGroup)
    {
        for (int i = 0; i < count; i++)
        {
            final int journalId = collector.sessions[i].journalId();
            for (final int had : sessionsWithIt)
            {
                if (forOneGroup || (0 != journalId && journalId == had))
                {
                    collector.qos[i] = DROPPED;
                    break;
                }
            }
        }
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
        return state.journal.appendMessage(source.qos | source.pubrecFlag() | flags, source.topicBuffer,
            source.topicOffset, source.topicLength, source.propertiesBuffer, source.propertiesOffset,
            source.propertiesLength, source.payloadBuffer, source.payloadOffset, source.payloadLength,
            source.expiryDeadlineNs, state.nowNs);
    }

    /** Publish a message made by the broker ($SYS) through the normal routing, retained. */
    void publishInternal(final Message message)
    {
        source.reset();
        source.from(message, null);
        route(source);
        if (message.retain())
        {
            state.retained.retain(source);
        }
        collector.clear();
    }

    void publishWill(final Message will, final long expirySeconds)
    {
        state.counters.willsPublished++;
        publishAsBroker(will, expirySeconds);
        collector.clear();
    }

    /**
     * Publish a message an operator sent, routed and journaled like a client's.
     *
     * @param message the message, on the heap.
     * @param expirySeconds message expiry interval, or -1 for none.
     * @return how it was routed.
     */
    PublishResult publishAdmin(final Message message, final long expirySeconds)
    {
        final int outcome = publishAsBroker(message, expirySeconds);
        final int matched = collector.count;
        collector.clear();
        return new PublishResult(matched, switch (outcome)
        {
            case NO_MATCH -> "no-subscribers";
            case JOURNAL_FULL -> "journal-full";
            default -> "routed";
        });
    }

    /**
     * A message with no publishing client (a will, an operator's): retained within the limits, journaled, routed.
     * A full journal does not stop it: it is counted and the message still goes to the subscribers it can reach.
     *
     * @return {@link #NO_MATCH}, {@link #ROUTED} or {@link #JOURNAL_FULL}; {@code collector} still holds the
     *         matches until the caller clears them.
     */
    private int publishAsBroker(final Message original, final long expirySeconds)
    {
        final Message message = expirySeconds < 0 ? original :
            original.withExpiry(state.nowNs + expirySeconds * NANOS_PER_SECOND);
        source.reset();
        source.from(message, null);
        final boolean journaled = retainAndJournalAsBroker();
        forward(source);
        final int outcome = route(source, SCOPE_AFTER_FORWARD, null);
        if (source.retain)
        {
            state.retained.retain(source);
            replicateRetained();
        }
        return journaled ? outcome : JOURNAL_FULL;
    }

    /**
     * For a message without a publishing client (a will, an operator's): not retained past the limits, and
     * journaled; a full journal is counted (and logged by the journal), and the message is still delivered where it
     * can be.
     *
     * @return false if the journal refused it.
     */
    private boolean retainAndJournalAsBroker()
    {
        if (source.retain && !admitsRetained())
        {
            state.counters.refusedRetainedFull++;
            source.retain = false;
        }
        if (!state.retained.journal(source, state.nowNs))
        {
            state.counters.refusedJournalFull++;
            return false;
        }
        return true;
    }

    /**
     * @return whether the retained message in {@code source} fits the store's limits and, in a cluster, the longest
     *         message the cluster keeps.
     */
    private boolean admitsRetained()
    {
        return state.retained.admits(source) && (0 == source.payloadLength ||
            ForwardCodec.length(source.topicLength, source.propertiesLength, source.payloadLength) <=
            state.cluster.maxRetainedLength());
    }

    /**
     * Tell the cluster (if any) of the retained message in {@code source}, just stored or cleared here: every node
     * stores it, in the cluster's order ({@link #onClusterRetained}).
     */
    private void replicateRetained()
    {
        if (state.cluster.nodeId() < 0 || '$' == source.topicBuffer.getByte(source.topicOffset))
        {
            return;
        }
        final int length;
        if (0 == source.payloadLength)
        {
            // A clear carries only its topic: the publisher's properties (of any size) mean nothing to the others.
            final int clearLength = ForwardCodec.length(source.topicLength, 0, 0);
            if (forwardBuffer.capacity() < clearLength)
            {
                forwardBuffer.wrap(new byte[Math.max(clearLength, 2 * forwardBuffer.capacity())]);
            }
            length = ForwardCodec.encode(forwardBuffer, 0, 0, true, -1, state.cluster.nodeId(), 0,
                source.topicBuffer, source.topicOffset, source.topicLength, source.topicBuffer, 0, 0);
        }
        else
        {
            length = encodeForward(null);   // within the cluster's longest retained message (admitsRetained)
        }
        if (!state.cluster.retain(forwardBuffer, 0, length))
        {
            LOG.debug("a retained message could not be queued for the cluster (counted by the cluster link)");
        }
    }

    /**
     * An operator cleared a topic's retained message here: the cluster (if any) is told, as for a client's clear.
     *
     * @param topic the topic's UTF-8 bytes.
     */
    void replicateRetainedClear(final byte[] topic)
    {
        final UnsafeBuffer topicBuffer = new UnsafeBuffer(topic);
        setSource(null, topicBuffer, 0, topic.length, topicBuffer, 0, 0, 0, 0, 0, true, -1);
        replicateRetained();
        source.reset();
    }

    /**
     * Tell other nodes that this node's Router now routes the filter to them (a route change added them): their
     * SUBACKs wait for it. Sent on the data plane like a forward; one that cannot be sent leaves that node's SUBACK
     * to its timeout.
     *
     * @param filter the filter.
     * @param nodes  the nodes the change added, one bit per node id.
     */
    void acknowledgeRoute(final String filter, final long nodes)
    {
        final byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
        final int length = ForwardCodec.length(bytes.length, 0, 0);
        if (forwardBuffer.capacity() < length)
        {
            forwardBuffer.wrap(new byte[Math.max(length, 2 * forwardBuffer.capacity())]);
        }
        scratchFilter.wrap(bytes);
        ForwardCodec.encodeRouteApplied(forwardBuffer, 0, state.cluster.nodeId(), scratchFilter, bytes.length);
        if (!state.cluster.forward(nodes, forwardBuffer, 0, length))
        {
            LOG.debug("a route acknowledgement found a node's queue full (counted): its SUBACK waits for the timeout");
        }
    }

    /**
     * Send a message to the other nodes with subscribers to it (none without a cluster). The data plane sends it or
     * queues it behind a back-pressured node, within a bound. For QoS 1/2 the live nodes it went to and its last
     * sequence are kept ({@link #forwardedNodes}): its publisher's acknowledgement waits for them to take it.
     *
     * @return {@link #FORWARD_NONE} when no other node has subscribers, {@link #FORWARD_SENT}, or
     *         {@link #FORWARD_REFUSED} when a node's queue was full.
     */
    private int forward(final PublishSource source)
    {
        final RemoteRoutes remote = state.remoteRoutes;
        final long nodes = remote.match(source.topicBuffer, source.topicOffset, source.topicLength);
        final int picked = remote.picked();
        if (0 == nodes && 0 == picked)
        {
            return FORWARD_NONE;
        }
        boolean taken = true;
        if (0 != nodes)
        {
            taken = send(nodes, encodeForward(null));
            onSent(source, nodes);
        }
        for (int i = 0; i < picked; i++)
        {
            // One forward per shared group picked elsewhere: the destination serves that group only.
            final long node = 1L << remote.pickedNode(i);
            taken &= send(node, encodeForward(remote.pickedGroupKey(i)));
            onSent(source, node);
        }
        return taken ? FORWARD_SENT : FORWARD_REFUSED;
    }

    /**
     * QoS 1/2 is kept until each node takes it (and for a node that is down, until it is back); QoS 0 is sent to the
     * live nodes, behind any replay under way.
     */
    private boolean send(final long nodes, final int length)
    {
        return source.qos > 0 ? state.outbox.sendKept(nodes, forwardBuffer, 0, length) :
            state.outbox.sendOrdered(nodes, forwardBuffer, 0, length);
    }

    private void onSent(final PublishSource source, final long nodes)
    {
        if (source.qos > 0)
        {
            final long live = state.forwardWindows.live(nodes);
            state.forwardWindows.onSent(live, forwardSequence, state.nowNs);
            if (0 == forwardedNodes)
            {
                forwardedFirstSequence = forwardSequence;
            }
            forwardedNodes |= live;
            forwardedSequence = forwardSequence;
        }
    }

    /**
     * @return the length of {@code source} encoded into {@code forwardBuffer} ({@link ForwardCodec}).
     */
    private int encodeForward(final byte[] group)
    {
        final int length = ForwardCodec.length(source.topicLength, source.propertiesLength, source.payloadLength) +
            (null == group ? 0 : group.length);
        if (forwardBuffer.capacity() < length)
        {
            forwardBuffer.wrap(new byte[Math.max(length, 2 * forwardBuffer.capacity())]);
        }
        final int expirySeconds = source.expiryDeadlineNs < 0 ? -1 :
            (int)Math.max(0, Math.min(Integer.MAX_VALUE,
            (source.expiryDeadlineNs - state.nowNs + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND));
        if (++forwardSequence > state.forwardSequenceReserved)
        {
            reserveSequences();
        }
        ForwardCodec.encode(forwardBuffer, 0, source.qos, source.retain, expirySeconds, state.cluster.nodeId(),
            forwardSequence, source, group);
        return length;
    }

    /**
     * A message another node forwarded: routed to this node's subscribers only (never forwarded again); its
     * publisher was acknowledged by its own node. Not stored as a retained message here: the cluster's order of
     * retained messages comes as {@link #onClusterRetained} (a forward and a retained message of another node
     * could otherwise be stored in different orders on different nodes). Journaled as routing needs it, for this
     * node's persistent sessions.
     */
    void onForwarded(final DirectBuffer frame, final int length)
    {
        if (forwarded.wrap(frame, 0, length))
        {
            if (forwarded.forwardAck())
            {
                state.ackHold.onForwardsAcked(forwarded.originNode(), forwarded.originSequence(), state.nowNs);
                state.outbox.onAcked(forwarded.originNode(), forwarded.originSequence());
                return;
            }
            if (forwarded.publisherHold())
            {
                state.ackHold.onHoldAsked(forwarded.originNode(), forwarded.originSequence(), forwarded.holdId(),
                    state.nowNs);
                return;
            }
            if (forwarded.publisherRelease())
            {
                state.ackHold.onReleaseAsked(forwarded.originNode(), forwarded.holdId());
                return;
            }
            if (forwarded.routeApplied())
            {
                state.routeConfirmations.onApplied(
                    frame.getStringWithoutLengthUtf8(forwarded.topicOffset(), forwarded.topicLength()),
                    forwarded.originNode());
                return;
            }
            if (forwarded.handoff())
            {
                state.handoff.onRecord(forwarded, frame, length);
                return;
            }
        }
        if (!sourceFromCluster(frame, length, false))
        {
            return;
        }
        final int origin = forwarded.originNode();
        final long sequence = forwarded.originSequence();
        final int qos = source.qos;
        final long[] routedSequence = state.routedForwards;
        if (origin >= 0 && origin < routedSequence.length)
        {
            if (sequence <= routedSequence[origin])
            {
                // Sent again after a lost acknowledgement (ForwardOutbox): routed here already.
                state.counters.forwardDuplicates++;
                if (qos > 0)
                {
                    receipts.onRouted(origin, sequence, state.journal.holdUntil());
                }
                return;
            }
            routedSequence[origin] = sequence;
        }
        source.originNode = origin;
        source.originSequence = sequence;
        sessionsWithIt = state.partlyRouted.isEmpty() ? null : state.partlyRouted.take(origin, sequence);
        if (null != sessionsWithIt)
        {
            state.counters.forwardDuplicates++;     // in part: the sessions that have it do not get it again
        }
        try
        {
            routeForwarded(frame);
        }
        finally
        {
            sessionsWithIt = null;
        }
        if (source.journaled() && origin >= 0 && origin < Long.SIZE)
        {
            // Only what persistent sessions keep needs its sequence journaled: a restarted node has nothing else.
            // (Journaling the others would make every acknowledgement wait for a force.)
            routedInBatch |= 1L << origin;
        }
        if (qos > 0)
        {
            // Taken, or dropped for a reason of this node's (counted): either way the origin must not wait for it.
            receipts.onRouted(origin, sequence, state.journal.holdUntil());
        }
    }

    private void routeForwarded(final DirectBuffer frame)
    {
        state.counters.publishReceived++;
        state.counters.publishReceivedByQos[source.qos]++;
        state.counters.publishBytesReceived += source.payloadLength;
        final int groupLength = forwarded.groupLength();
        final GroupName group = 0 == groupLength ? null : groupName(frame, forwarded.groupOffset(), groupLength);
        if (groupLength > 0 && null == group)
        {
            state.counters.routerErrors++;
            LOG.warn("a forwarded message names a malformed shared group: dropped");
            return;
        }
        if (JOURNAL_FULL == route(source, null == group ? SCOPE_PLAIN : SCOPE_GROUP, group))
        {
            state.counters.refusedJournalFull++;
        }
    }

    /**
     * End of the Router's batch: release the publishers' acknowledgements whose forwards other nodes took, and
     * acknowledge the forwards routed here whose journal records are durable.
     */
    void endOfBatch()
    {
        if (state.outbox.active())
        {
            state.outbox.service(state.nowNs);  // first: it journals what a node gone down had not taken
        }
        state.ackHold.endOfBatch();
        if (0 != routedInBatch)
        {
            journalRoutedForwards();
        }
        if (receipts.pending())
        {
            receipts.flush(state.journal.durablePosition());
        }
    }

    /** Journals the next million forward sequences as used before the first of them goes out. */
    private void reserveSequences()
    {
        state.forwardSequenceReserved = forwardSequence + SEQUENCE_RESERVATION;
        if (state.journal.enabled() && state.journal.appendSequencesReserved(state.forwardSequenceReserved) < 0)
        {
            LOG.warn("cluster: the journal refused a forward-sequence reservation (full): a restart relies on the " +
                "clock to start above sequence {}", state.forwardSequenceReserved);
        }
    }

    /**
     * Recovery: start above every forward sequence a previous run may have used (its clock may have been ahead).
     *
     * @param reserved the journal's last reservation, or 0.
     */
    void sequencesUsedUpTo(final long reserved)
    {
        forwardSequence = Math.max(forwardSequence, reserved);
    }

    /** A restarted node must not deliver again what it routed before (QoS 2 exactly once across its restart). */
    private void journalRoutedForwards()
    {
        long origins = routedInBatch;
        routedInBatch = 0;
        if (!state.journal.enabled())
        {
            return;
        }
        while (0 != origins)
        {
            final int origin = Long.numberOfTrailingZeros(origins);
            origins &= origins - 1;
            state.journal.appendForwardsRouted(origin, state.routedForwards[origin]);
        }
    }

    /** A shared group named in forwards: its {@code $share/{name}/{filter}} bytes, name and filter. */
    private record GroupName(byte[] key, String name, String filter)
    {
    }

    /**
     * @return the shared group named by these bytes ({@code $share/{name}/{filter}}), parsed once and then found by
     *         hash and compared (no allocation), or null if malformed.
     */
    private GroupName groupName(final DirectBuffer buffer, final int offset, final int length)
    {
        int hash = 1;
        for (int i = 0; i < length; i++)
        {
            hash = 31 * hash + buffer.getByte(offset + i);
        }
        final GroupName known = groupNames.get(hash);
        if (null != known && known.key.length == length)
        {
            boolean same = true;
            for (int i = 0; i < length && same; i++)
            {
                same = known.key[i] == buffer.getByte(offset + i);
            }
            if (same)
            {
                return known;
            }
        }
        final byte[] key = new byte[length];
        buffer.getBytes(offset, key);
        final String text = new String(key, StandardCharsets.UTF_8);
        final int prefix = TopicTrie.SHARED_SUBSCRIPTION_PREFIX.length();
        final int separator = text.indexOf('/', prefix);
        if (!text.startsWith(TopicTrie.SHARED_SUBSCRIPTION_PREFIX) || separator <= prefix ||
            separator == text.length() - 1)
        {
            return null;
        }
        if (groupNames.size() >= MAX_GROUP_NAMES)
        {
            groupNames.clear();
        }
        final GroupName parsed = new GroupName(key, text.substring(prefix, separator), text.substring(separator + 1));
        groupNames.put(hash, parsed);
        return parsed;
    }

    /**
     * A topic's retained message in the cluster's order ({@link ForwardCodec} layout; an empty payload clears the
     * topic), published on any node, this one included: stored and journaled as this node's retained message, within
     * its limits, and not delivered (the subscribers it matched had it forwarded when it was published).
     */
    void onClusterRetained(final DirectBuffer frame, final int length)
    {
        if (!sourceFromCluster(frame, length, true))
        {
            return;
        }
        if (!state.retained.admits(source))
        {
            state.counters.refusedRetainedFull++;
            final long due = clusterRetainedLog.onEvent(state.nowNs);
            if (due > 0)
            {
                LOG.warn("{} retained message(s) from the cluster past this node's --max-retained-* limits: not kept " +
                    "here (the last on '{}')", due, LogText.escape(source.topicName()));
            }
        }
        else
        {
            if (!state.retained.journal(source, state.nowNs))
            {
                state.counters.refusedJournalFull++;
            }
            state.retained.retain(source);
        }
        source.reset();
    }

    /**
     * Point {@code source} at a message from the cluster ({@link ForwardCodec} layout).
     *
     * @param retained whether it is the cluster's retained message of its topic (else a forward).
     * @return false if it is malformed (counted and logged, dropped).
     */
    private boolean sourceFromCluster(final DirectBuffer frame, final int length, final boolean retained)
    {
        if (!forwarded.wrap(frame, 0, length))
        {
            state.counters.routerErrors++;
            LOG.warn("a {} of {} bytes from another node is malformed: dropped",
                retained ? "retained message" : "forwarded message", length);
            return false;
        }
        setSource(null, frame, forwarded.topicOffset(), forwarded.topicLength(), frame, forwarded.propertiesOffset(),
            forwarded.propertiesLength(), forwarded.payloadOffset(), forwarded.payloadLength(), forwarded.qos(),
            retained || forwarded.retain(), forwarded.expirySeconds());
        return true;
    }

    /**
     * The message of a delivery another node handed over with its session ({@link SessionHandoff}), stored: in the
     * journal for a persistent session, on the heap otherwise.
     *
     * @param journaled whether the session is persistent here.
     * @return the message, or null if it is malformed or the journal is full (counted and logged).
     */
    Message handedOverMessage(final DirectBuffer frame, final int length, final boolean journaled)
    {
        if (!sourceFromCluster(frame, length, false))
        {
            return null;
        }
        if (journaled && state.journal.enabled())
        {
            final long position = appendMessage(source, source.retain ? JournalDescriptor.FLAG_RETAIN : 0);
            if (position < 0)
            {
                state.counters.refusedJournalFull++;
                LOG.warn("a message of a session handed over by node {} could not be journaled (journal full)",
                    forwarded.originNode());
                return null;
            }
            source.storedAt(position);
        }
        return source.message();
    }

    /** Drop the references of the last fan-out (also after an exception), so sessions can be collected. */
    void clearMatches()
    {
        collector.clear();
    }
}
