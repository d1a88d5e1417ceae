package io.ringmq.core.routing;

import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.admin.AdminRequest;
import io.ringmq.core.admin.AdminView;
import io.ringmq.core.codec.ConnectEncoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.codec.SubscribeEncoder;
import io.ringmq.core.codec.SubscribePacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.codec.UnsubscribeEncoder;
import io.ringmq.core.codec.UnsubscribePacket;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.status.TransportStats;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Drives a {@link Router} directly, as the ring would, and reads what it queues for the event loop.
 */
final class RouterHarness
{
    final OutboundQueue queue;
    final Router router;
    final RingEvent event = new RingEvent();
    final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(1024);
    final PublishEncoder publishEncoder = new PublishEncoder();
    long sequence;

    RouterHarness(final BrokerConfig config)
    {
        this(config, Journal.disabled());
    }

    RouterHarness(final BrokerConfig config, final Journal journal)
    {
        this(config, journal, TopicPermissions.ALLOW_ALL, () -> {});
    }

    /**
     * @param config     broker settings.
     * @param journal    the journal, or {@link Journal#disabled()}.
     * @param permissions permissions of every client (fault-injection tests throw from them).
     * @param wakeup     what the outbound queue calls to wake its event loop (fault-injection tests throw from it).
     */
    RouterHarness(final BrokerConfig config, final Journal journal, final TopicPermissions permissions,
        final Runnable wakeup)
    {
        queue = new OutboundQueue(1 << 22, wakeup);
        router = new Router(config, new OutboundQueue[] {queue}, permissions, TransportStats.NONE, journal);
    }

    void tick()
    {
        tick(System.nanoTime());
    }

    /** A TICK event stamped {@code nowNs} (a later time makes timeouts due). */
    void tick(final long nowNs)
    {
        event.control(RingEvent.TICK, 0, -1, 0, nowNs);
        router.onEvent(event, sequence++, true);
    }

    /**
     * A {@code CLUSTER_SESSION} event, as the cluster link puts it on the ring: a directory decision, a cut, or what
     * the control plane knows of this node's wills ({@link io.ringmq.core.cluster.ClusterLink} kinds).
     */
    void clusterSession(final int kind, final String clientId, final int owner, final int other, final long epoch)
    {
        final byte[] bytes = clientId.getBytes(StandardCharsets.UTF_8);
        final org.agrona.MutableDirectBuffer frame = event.frame(RingEvent.CLUSTER_SESSION, epoch, -1,
            io.ringmq.core.cluster.ClusterLink.SESSION_FRAME_HEADER + bytes.length, System.nanoTime());
        frame.putInt(0, owner, java.nio.ByteOrder.LITTLE_ENDIAN);
        frame.putInt(4, other, java.nio.ByteOrder.LITTLE_ENDIAN);
        frame.putInt(8, kind, java.nio.ByteOrder.LITTLE_ENDIAN);
        frame.putBytes(io.ringmq.core.cluster.ClusterLink.SESSION_FRAME_HEADER, bytes);
        router.onEvent(event, sequence++, true);
    }

    /** A JOURNAL_SYNCED event, as the journaller publishes after a force: releases held packets. */
    void synced()
    {
        event.control(RingEvent.JOURNAL_SYNCED, 0, -1, 0, System.nanoTime());
        router.onEvent(event, sequence++, true);
    }

    void frame(final long connectionId, final ExpandableArrayBuffer buffer, final int length)
    {
        event.frame(connectionId, 0, length, System.nanoTime()).putBytes(0, buffer, 0, length);
        router.onEvent(event, sequence++, true);
    }

    /** Run an admin operation as an ADMIN ring event and return its answer (or throw its failure). */
    <T> T admin(final Function<AdminView, T> operation)
    {
        final AdminRequest<T> request = new AdminRequest<>(operation);
        event.admin(request, System.nanoTime());
        router.onEvent(event, sequence++, true);
        assertNull(event.takeAdminRequest(), "the Router takes the request out of the slot");
        return request.result().join();
    }

    void closed(final long connectionId)
    {
        event.control(RingEvent.CONNECTION_CLOSED, connectionId, 0, CloseReason.PEER_CLOSED, System.nanoTime());
        router.onEvent(event, sequence++, true);
    }

    void connect(final long connectionId, final String clientId, final int version, final boolean cleanStart,
        final long sessionExpiry)
    {
        final ConnectPacket connect = new ConnectPacket().protocolName(version == 3 ? "MQIsdp" : "MQTT")
            .protocolVersion(version).clientId(clientId).cleanStart(cleanStart).keepAliveSeconds(60)
            .sessionExpiryIntervalSeconds(sessionExpiry);
        final int length = ConnectEncoder.encode(connect, scratch, 0);
        frame(connectionId, scratch, length);
    }

    void subscribe(final long connectionId, final int version, final int packetId, final int subscriptionId,
        final TopicSubscription... subscriptions)
    {
        final SubscribePacket subscribe = new SubscribePacket().packetId(packetId)
            .subscriptionIdentifier(subscriptionId);
        for (final TopicSubscription subscription : subscriptions)
        {
            subscribe.addSubscription(subscription);
        }
        final int length = SubscribeEncoder.encode(subscribe, scratch, 0, version);
        frame(connectionId, scratch, length);
    }

    int encodePublish(final int version, final String topic, final byte[] payload, final int qos,
        final int packetId, final boolean dup)
    {
        final UnsafeBuffer topicBuffer = new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer payloadBuffer = new UnsafeBuffer(payload);
        publishEncoder.reset().version(version).qos(qos).dup(dup).packetId(packetId)
            .topic(topicBuffer, 0, topicBuffer.capacity()).payload(payloadBuffer, 0, payloadBuffer.capacity());
        return publishEncoder.encode(scratch, 0);
    }

    int encodePublishRetained(final int version, final String topic, final String payload, final int qos,
        final int packetId)
    {
        final UnsafeBuffer topicBuffer = new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer payloadBuffer = new UnsafeBuffer(payload.getBytes(StandardCharsets.UTF_8));
        publishEncoder.reset().version(version).qos(qos).retain(true).packetId(packetId)
            .topic(topicBuffer, 0, topicBuffer.capacity()).payload(payloadBuffer, 0, payloadBuffer.capacity());
        return publishEncoder.encode(scratch, 0);
    }

    int encodeUnsubscribe(final int version, final int packetId, final String filter)
    {
        final UnsubscribePacket unsubscribe = new UnsubscribePacket().packetId(packetId).addFilter(filter);
        return UnsubscribeEncoder.encode(unsubscribe, scratch, 0, version);
    }

    void connectWithWill(final long connectionId, final String clientId, final int version, final String willTopic,
        final String willPayload, final int willQos)
    {
        final ConnectPacket connect = new ConnectPacket().protocolName("MQTT").protocolVersion(version)
            .clientId(clientId).cleanStart(true).keepAliveSeconds(60)
            .will(willTopic, willPayload.getBytes(StandardCharsets.UTF_8), willQos, false);
        final int length = ConnectEncoder.encode(connect, scratch, 0);
        frame(connectionId, scratch, length);
    }

    void publish(final long connectionId, final int version, final String topic, final String payload,
        final int qos, final int packetId)
    {
        final int length = encodePublish(version, topic, payload.getBytes(StandardCharsets.UTF_8), qos, packetId,
            false);
        frame(connectionId, scratch, length);
    }

    void raw(final long connectionId, final int... bytes)
    {
        for (int i = 0; i < bytes.length; i++)
        {
            scratch.putByte(i, (byte)bytes[i]);
        }
        frame(connectionId, scratch, bytes.length);
    }

    /** One record the Router queued for the event loop. */
    record Out(int type, long connectionId, byte[] body)
    {
        int packetType()
        {
            return (body[0] & 0xF0) >> 4;
        }

        int flags()
        {
            return body[0] & 0x0F;
        }
    }

    List<Out> drain()
    {
        final List<Out> out = new ArrayList<>();
        queue.drain((type, buffer, index, length) ->
        {
            final byte[] body = new byte[length - OutboundQueue.HEADER_LENGTH];
            buffer.getBytes(index + OutboundQueue.HEADER_LENGTH, body);
            out.add(new Out(type, buffer.getLong(index), body));
        }, Integer.MAX_VALUE);
        return out;
    }

    List<Out> drain(final long connectionId, final int packetType)
    {
        final List<Out> out = new ArrayList<>();
        for (final Out record : drain())
        {
            if (record.connectionId() == connectionId && record.body().length > 0 &&
                record.packetType() == packetType)
            {
                out.add(record);
            }
        }
        return out;
    }
}
