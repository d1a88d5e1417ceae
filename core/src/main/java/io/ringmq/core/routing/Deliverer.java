package io.ringmq.core.routing;

import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Delivery;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.status.BrokerCounters;

import java.util.Iterator;

/**
 * Sends PUBLISH packets to sessions: QoS 0 straight from the source, QoS 1/2 through the session's inflight
 * window (the smaller of the broker's max inflight and the client's Receive Maximum) and queue.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class Deliverer
{
    static final int SENT = 0;
    static final int DROPPED = 1;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final PacketSender sender;
    private final BrokerCounters counters;
    private final AckHold ackHold;
    // Limits: from the settings at start, replaced by reconfigure() on a reload (Router thread, like every use).
    private int maxInflight;
    private int maxQueued;
    private long maxQueuedBytes;
    private boolean dropOldest;
    private final PublishEncoder encoder = new PublishEncoder();
    private final PublishSource resend;
    private final Journal journal;

    Deliverer(final PacketSender sender, final BrokerCounters counters, final AckHold ackHold,
        final BrokerConfig config)
    {
        this.sender = sender;
        this.journal = sender.journal();
        this.resend = new PublishSource(journal);
        this.counters = counters;
        this.ackHold = ackHold;
        reconfigure(config);
    }

    /**
     * Take the limits from the settings again (a reload changed them): the window and the queue quota apply to
     * the next delivery; nothing already inflight or queued is dropped for it.
     *
     * @param config the broker settings.
     */
    void reconfigure(final BrokerConfig config)
    {
        this.maxInflight = config.maxInflight();
        this.maxQueued = config.maxQueuedMessages();
        this.maxQueuedBytes = config.maxQueuedBytes();
        this.dropOldest = config.dropOldest();
    }

    /**
     * @param session a session.
     * @return true if one more QoS 1/2 delivery does not fit: no room in the window and the queue at its quota
     *         (messages or bytes).
     */
    boolean isFull(final Session session)
    {
        return (session.queuedCount() >= maxQueued || session.queuedBytes() >= maxQueuedBytes) && !hasWindow(session);
    }

    /**
     * The session's overflow policy, applied before a QoS 1/2 delivery to it: with room, or with drop-oldest (the
     * oldest queued delivery makes room when it is sent), the delivery is taken; with drop-new and a full queue it
     * is dropped here and counted for that session alone.
     *
     * @param session the target.
     * @return true if the delivery is to be sent with {@link #sendQos12}.
     */
    boolean admit(final Session session)
    {
        if (!isFull(session) || (dropOldest && session.queuedCount() > 0))
        {
            return true;
        }
        dropQueueFull(session);
        return false;
    }

    private void dropQueueFull(final Session session)
    {
        session.onDroppedQueueFull();
        counters.droppedQueueFull++;
    }

    /**
     * @param session a session.
     * @return true if a QoS 1/2 delivery would go out now: connected, nothing queued, room in the inflight window.
     */
    boolean hasWindow(final Session session)
    {
        final ClientConnection connection = session.connection();
        return null != connection && connection.state() == ClientConnection.CONNECTED &&
            0 == session.queuedCount() &&
            session.inflightCount() < Math.min(maxInflight, connection.receiveMaximum());
    }

    /**
     * Send a QoS 0 copy to a connected session; nothing is kept.
     */
    void sendQos0(final Session session, final PublishSource source, final boolean retain, final int[] subIds,
        final int subIdCount, final long nowNs)
    {
        final ClientConnection connection = session.connection();
        if (null == connection || connection.state() != ClientConnection.CONNECTED)
        {
            session.onDroppedQos0();
            counters.droppedQos0++;
            return;
        }
        if (source.expiryDeadlineNs >= 0 && nowNs - source.expiryDeadlineNs >= 0)
        {
            dropExpired(session);
            return;
        }
        write(connection, source, 0, retain, false, 0, subIds, subIdCount, nowNs, true);
    }

    /**
     * Send a retained QoS 0 message that the caller paces by the client's socket ({@link RetainedMessages}): it is
     * never dropped at the event loop for a full socket, since the pacing bounds what waits there.
     *
     * @return bytes written, or -1 if dropped (offline, expired, too large for the client).
     */
    int sendPacedQos0(final Session session, final PublishSource source, final int[] subIds, final int subIdCount,
        final long nowNs)
    {
        final ClientConnection connection = session.connection();
        if (null == connection || connection.state() != ClientConnection.CONNECTED)
        {
            return -1;
        }
        if (source.expiryDeadlineNs >= 0 && nowNs - source.expiryDeadlineNs >= 0)
        {
            dropExpired(session);
            return -1;
        }
        return SENT == write(connection, source, 0, true, false, 0, subIds, subIdCount, nowNs, false) ?
            encoder.encodedLength() : -1;
    }

    /**
     * Deliver at QoS 1/2: into the inflight window if there is room, else the queue. The caller has checked
     * {@link #isFull}. A persistent session's delivery of a journaled message is journaled here (ENQUEUE), as its
     * progress (OUT_QOS2) and its end (DELIVERED) are below: the delivery's whole life in one place.
     *
     * @return false if the journal refused the ENQUEUE: the delivery goes ahead but would not survive a crash, so the
     *         caller must not acknowledge the publish as accepted.
     */
    boolean sendQos12(final Session session, final Delivery delivery, final long nowNs)
    {
        if (dropOldest && isFull(session))
        {
            final Delivery oldest = session.pollQueued();
            if (null != oldest)
            {
                ended(session, oldest);
                dropQueueFull(session);
            }
        }
        boolean durable = true;
        if (journaled(session, delivery))
        {
            final int[] ids = delivery.subscriptionIds();
            durable = journal.appendEnqueue(session.journalId(), delivery.message().logPosition(), delivery.qos(),
                delivery.retain(), ids, ids.length) >= 0;
        }
        if (hasWindow(session))
        {
            transmit(session, delivery, false, nowNs);
        }
        else
        {
            session.enqueue(delivery);
        }
        return durable;
    }

    /**
     * Fill the inflight window from the queue; drops expired messages on the way.
     */
    void pump(final Session session, final long nowNs)
    {
        final ClientConnection connection = session.connection();
        if (null == connection || connection.state() != ClientConnection.CONNECTED || 0 == session.queuedCount())
        {
            return;
        }
        final int window = Math.min(maxInflight, connection.receiveMaximum());
        while (session.queuedCount() > 0 && session.inflightCount() < window)
        {
            transmit(session, session.pollQueued(), false, nowNs);
        }
        ackHold.onDrained(session);
    }

    /**
     * On reconnect of a persistent session: resend everything in flight with DUP (MQTT-4.4.0-1), PUBREL for
     * QoS 2 messages already PUBREC'd, then pump the queue.
     */
    void resume(final Session session, final long nowNs)
    {
        final ClientConnection connection = session.connection();
        final Iterator<Delivery> it = session.inflight().values().iterator();
        final Delivery[] pending = new Delivery[session.inflight().size()];
        int count = 0;
        while (it.hasNext())
        {
            pending[count++] = it.next();
        }
        java.util.Arrays.sort(pending, 0, count, (a, b) -> Integer.compare(a.packetId(), b.packetId()));
        for (int i = 0; i < count; i++)
        {
            final Delivery delivery = pending[i];
            if (delivery.state() == Delivery.AWAITING_COMP)
            {
                sender.ack(connection, PacketType.PUBREL, delivery.packetId(), 0);
            }
            else if (!transmitAgain(session, connection, delivery, nowNs))
            {
                session.inflight().remove(delivery.packetId());
                ended(session, delivery);
            }
        }
        pump(session, nowNs);
    }

    private boolean transmitAgain(final Session session, final ClientConnection connection, final Delivery delivery,
        final long nowNs)
    {
        if (!resend.from(delivery.message(), null))
        {
            return false;
        }
        final int result = write(connection, resend, delivery.qos(), delivery.retain(), true,
            delivery.packetId(), delivery.subscriptionIds(), delivery.subscriptionIds().length, nowNs, false);
        return SENT == result;
    }

    private void transmit(final Session session, final Delivery delivery, final boolean dup, final long nowNs)
    {
        final Message message = delivery.message();
        if (message.isExpired(nowNs))
        {
            dropExpired(session);
            ended(session, delivery);
            return;
        }
        if (!resend.from(message, null))
        {
            counters.routerErrors++;
            ended(session, delivery);
            return;
        }
        final int packetId = session.nextPacketId();
        if (2 == delivery.qos() && journaled(session, delivery))
        {
            // Exactly once across a broker restart: the packet id must be the one the client saw. Appended before
            // the PUBLISH is claimed, so with sync=batch the PUBLISH is held until this record is forced.
            journal.appendOutQos2(session.journalId(), packetId, JournalDescriptor.OUT_QOS2_SENT,
                delivery.message().logPosition());
        }
        final int result = write(session.connection(), resend, delivery.qos(), delivery.retain(), dup, packetId,
            delivery.subscriptionIds(), delivery.subscriptionIds().length, nowNs, false);
        if (SENT == result)
        {
            delivery.inflight(packetId, Delivery.AWAITING_ACK);
            session.inflight().put(packetId, delivery);
        }
        else
        {
            ended(session, delivery);
        }
    }

    private void dropExpired(final Session session)
    {
        session.onDroppedExpired();
        counters.droppedExpired++;
    }

    private boolean journaled(final Session session, final Delivery delivery)
    {
        return 0 != session.journalId() && delivery.message().logPosition() >= 0;
    }

    /** A delivery of a journaled session ended (acknowledged, refused, expired or dropped). */
    void ended(final Session session, final Delivery delivery)
    {
        if (journaled(session, delivery))
        {
            journal.appendDelivered(session.journalId(), delivery.message().logPosition());
        }
    }

    /**
     * PUBACK (QoS 1) or PUBCOMP (QoS 2) from the client: the delivery is complete.
     *
     * @return true if the packet id was in flight.
     */
    boolean onComplete(final Session session, final int packetId, final long nowNs)
    {
        final Delivery delivery = 0 == session.inflightCount() ? null : session.inflight().remove(packetId);
        if (null != delivery)
        {
            ended(session, delivery);
            pump(session, nowNs);
            return true;
        }
        return false;
    }

    /**
     * PUBREC from the client: answer PUBREL and wait for PUBCOMP; a failure reason ends the delivery.
     *
     * @return true if the packet id was in flight.
     */
    boolean onPubrec(final Session session, final int packetId, final int reasonCode, final long nowNs)
    {
        final Delivery delivery = 0 == session.inflightCount() ? null : session.inflight().get(packetId);
        if (null == delivery)
        {
            sender.ack(session.connection(), PacketType.PUBREL, packetId,
                io.ringmq.core.protocol.ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
            return false;
        }
        if (reasonCode >= 0x80)
        {
            session.inflight().remove(packetId);
            ended(session, delivery);
            pump(session, nowNs);
            return true;
        }
        if (delivery.state() != Delivery.AWAITING_COMP && journaled(session, delivery))
        {
            journal.appendOutQos2(session.journalId(), packetId, JournalDescriptor.OUT_QOS2_RELEASED,
                delivery.message().logPosition());
        }
        delivery.inflight(packetId, Delivery.AWAITING_COMP);
        sender.ack(session.connection(), PacketType.PUBREL, packetId, 0);
        return true;
    }

    /**
     * Encode one PUBLISH for a connection into its event loop's queue.
     *
     * @param droppable a QoS 0 message the event loop may drop when the socket is full (unpaced).
     * @return {@link #SENT} or {@link #DROPPED} (too large for the client, or QoS 0 with the queue full).
     */
    int write(
        final ClientConnection connection,
        final PublishSource source,
        final int qos,
        final boolean retain,
        final boolean dup,
        final int packetId,
        final int[] subIds,
        final int subIdCount,
        final long nowNs,
        final boolean droppable)
    {
        final int version = connection.version();
        encoder.reset().version(version).qos(qos).dup(dup).retain(retain).packetId(packetId)
            .payload(source.payloadBuffer, source.payloadOffset, source.payloadLength);
        int newAlias = 0;
        if (version == MqttVersion.MQTT_5)
        {
            encoder.forwardProperties(source.propertiesBuffer, source.propertiesOffset, source.propertiesLength);
            if (subIdCount > 0)
            {
                encoder.subscriptionIdentifiers(subIds, subIdCount);
            }
            if (source.expiryDeadlineNs >= 0)
            {
                final long remainingNs = source.expiryDeadlineNs - nowNs;
                encoder.messageExpiryInterval(Math.max(1, (remainingNs + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND));
            }
            if (connection.topicAliasMaximum() > 0)
            {
                final int hash = source.topicHash();
                final int alias = connection.outboundAlias(
                    source.topicBuffer, source.topicOffset, source.topicLength, hash);
                if (alias > 0)
                {
                    encoder.topic(source.topicBuffer, source.topicOffset, 0).topicAlias(alias);
                }
                else
                {
                    encoder.topic(source.topicBuffer, source.topicOffset, source.topicLength);
                    if (0 == alias)
                    {
                        newAlias = connection.nextOutboundAlias();
                        encoder.topicAlias(newAlias);
                    }
                }
            }
            else
            {
                encoder.topic(source.topicBuffer, source.topicOffset, source.topicLength);
            }
        }
        else
        {
            encoder.topic(source.topicBuffer, source.topicOffset, source.topicLength);
        }

        final int length = encoder.encodedLength();
        // Drops are counted here, once, per client and broker-wide.
        if (length > connection.maximumPacketSize())
        {
            connection.session().onDroppedTooLarge();
            counters.droppedTooLarge++;
            return DROPPED;
        }
        // A QoS 2 PUBLISH waits for its OUT_QOS2 record: after a power loss it must come back under the packet id
        // the client saw. QoS 0/1 go out at once: at worst a crash makes the publisher send a QoS 1 message again.
        final OutboundQueue queue = sender.queue(connection);
        final int offset = queue.claim(droppable ? OutboundQueue.DROPPABLE_PACKET : OutboundQueue.PACKET,
            connection.connectionId(), length, 2 == qos ? journal.holdUntil() : 0);
        if (offset < 0)
        {
            connection.session().onDroppedQos0();
            counters.droppedQos0++;
            return DROPPED;
        }
        encoder.encode(queue.buffer(), offset);
        queue.commit();
        if (newAlias > 0)
        {
            connection.assignOutboundAlias(newAlias, source.topicBuffer, source.topicOffset, source.topicLength,
                source.topicHash());
        }
        counters.publishSent++;
        counters.publishSentByQos[qos]++;
        return SENT;
    }
}
