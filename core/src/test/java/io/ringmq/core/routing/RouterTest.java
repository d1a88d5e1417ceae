package io.ringmq.core.routing;

import io.ringmq.core.SuppressForbidden;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.session.Session;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class RouterTest
{
    private static final long PUB = 1;
    private static final long SUB = 2;

    private final RouterHarness harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0)
        .maxQueuedMessages(2).maxInflight(2));

    @Test
    @SuppressForbidden(reason = "com.sun.management.ThreadMXBean gives per-thread allocated bytes; HotSpot-only test")
    void shouldNotAllocateOnWarmedUpQos0PublishPath()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 7, new TopicSubscription("sensors/+/temp", 0),
            new TopicSubscription("sensors/#", 0));
        harness.drain();
        final int length = harness.encodePublish(MqttVersion.MQTT_5, "sensors/42/temp", new byte[64], 0, 0, false);
        final long[] delivered = new long[1];
        final MessageHandler counter = (type, buffer, index, len) -> delivered[0]++;
        for (int i = 0; i < 50_000; i++)
        {
            harness.frame(PUB, harness.scratch, length);
            harness.queue.drain(counter, Integer.MAX_VALUE);
        }

        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        delivered[0] = 0;
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < 100_000; i++)
        {
            harness.frame(PUB, harness.scratch, length);
            harness.queue.drain(counter, Integer.MAX_VALUE);
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;

        assertEquals(100_000, delivered[0], "one merged delivery per publish");
        // One object per message would be at least 1.6 MB; the JIT's own compile-time allocations show up as a
        // few KiB once, independent of the message count.
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes over 100k publishes");
    }

    @Test
    void shouldDeliverOneCopyAtHighestQosWithEveryIdentifier()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 3, new TopicSubscription("a/+", 0));
        harness.subscribe(SUB, MqttVersion.MQTT_5, 2, 4, new TopicSubscription("a/#", 1));
        harness.drain();

        harness.publish(PUB, MqttVersion.MQTT_5, "a/b", "x", 1, 10);
        final List<RouterHarness.Out> publishes = harness.drain(SUB, PacketType.PUBLISH);

        assertEquals(1, publishes.size());
        final byte[] body = publishes.get(0).body();
        final PublishDecoder decoder = new PublishDecoder().fromServer(true)
            .wrap(new UnsafeBuffer(body), 0, body.length, MqttVersion.MQTT_5);
        assertEquals(1, decoder.qos());
        final int[] ids = new int[4];
        final int count = decoder.subscriptionIdentifiers(ids);
        assertEquals(2, count);
        assertEquals(7, ids[0] + ids[1]);
    }

    @Test
    void shouldAcknowledgeEveryPublishAndDropNewForTheFullOfflineSessionOnly()
    {
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, false, 600);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("q", 1));
        harness.closed(SUB);
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.drain();

        for (int i = 1; i <= 3; i++)
        {
            harness.publish(PUB, MqttVersion.MQTT_5, "q", "m" + i, 1, i);
        }
        final List<RouterHarness.Out> acks = harness.drain(PUB, PacketType.PUBACK);

        assertEquals(3, acks.size());
        for (final RouterHarness.Out ack : acks)
        {
            assertEquals(ReasonCode.SUCCESS, reasonOf(ack), "one full subscriber never refuses the publisher");
        }
        assertEquals(1, harness.router.session("sub").droppedQueueFull());

        harness.connect(SUB + 10, "sub", MqttVersion.MQTT_5, false, 600);
        final List<RouterHarness.Out> delivered = harness.drain(SUB + 10, PacketType.PUBLISH);
        assertEquals(2, delivered.size(), "the two that fit, the oldest ones (drop-new)");
        assertTrue(new String(delivered.get(1).body(), java.nio.charset.StandardCharsets.UTF_8).endsWith("m2"));
    }

    @Test
    void shouldCloseAtOnceAfterTheClientsDisconnectButHalfCloseOnTheBrokersDecision()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.drain();

        harness.raw(PUB, 0xE0, 0x00);   // the client's DISCONNECT: it sends nothing more
        harness.connect(SUB + 1, "sub", MqttVersion.MQTT_5, true, 0);   // takes "sub" over: the broker's decision
        final List<RouterHarness.Out> out = harness.drain();

        assertTrue(out.stream().anyMatch(o -> o.type() == OutboundQueue.CLOSE_NOW && o.connectionId() == PUB),
            "after DISCONNECT: closed at once " + out);
        assertFalse(out.stream().anyMatch(o -> o.type() == OutboundQueue.CLOSE && o.connectionId() == PUB));
        assertTrue(out.stream().anyMatch(o -> o.type() == OutboundQueue.CLOSE && o.connectionId() == SUB),
            "taken over: half-closed after its DISCONNECT 0x8E " + out);
        assertFalse(out.stream().anyMatch(o -> o.type() == OutboundQueue.CLOSE_NOW && o.connectionId() == SUB));
        assertEquals(1, harness.router.counters().disconnectsByReasonCode[ReasonCode.SUCCESS],
            "the client's DISCONNECT is counted as a normal one");
    }

    @Test
    void shouldKeepMqtt311PublisherConnectedWhenASubscriberQueueIsFull()
    {
        harness.connect(SUB, "sub", MqttVersion.MQTT_3_1_1, false, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_3_1_1, 1, 0, new TopicSubscription("q", 1));
        harness.closed(SUB);
        harness.connect(PUB, "pub", MqttVersion.MQTT_3_1_1, true, 0);
        harness.drain();

        for (int i = 1; i <= 3; i++)
        {
            harness.publish(PUB, MqttVersion.MQTT_3_1_1, "q", "m" + i, 1, i);
        }
        final List<RouterHarness.Out> out = harness.drain();
        final long acks = out.stream().filter(o -> o.body().length > 0 && o.packetType() == PacketType.PUBACK).count();
        final boolean closed = out.stream().anyMatch(o -> o.type() == OutboundQueue.CLOSE && o.connectionId() == PUB);

        assertEquals(3, acks);
        assertFalse(closed);
        assertEquals(1, harness.router.counters().droppedQueueFull);
    }

    @Test
    void shouldResendUnacknowledgedWithDupAfterReconnect()
    {
        harness.connect(SUB, "sub", MqttVersion.MQTT_3_1_1, false, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_3_1_1, 1, 0, new TopicSubscription("t", 1));
        harness.connect(PUB, "pub", MqttVersion.MQTT_3_1_1, true, 0);
        harness.publish(PUB, MqttVersion.MQTT_3_1_1, "t", "hello", 1, 5);
        final List<RouterHarness.Out> first = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(1, first.size());
        assertEquals(0, first.get(0).flags() & 0x08);

        harness.closed(SUB);
        harness.connect(SUB + 10, "sub", MqttVersion.MQTT_3_1_1, false, 0);
        final List<RouterHarness.Out> again = harness.drain(SUB + 10, PacketType.PUBLISH);

        assertEquals(1, again.size());
        assertEquals(0x08, again.get(0).flags() & 0x08, "DUP set on redelivery (MQTT-3.3.1-1)");
    }

    @Test
    void shouldRouteRetransmittedQos2PublishOnlyOnce()
    {
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t", 2));
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.publish(PUB, MqttVersion.MQTT_5, "t", "once", 2, 9);
        final int length = harness.encodePublish(MqttVersion.MQTT_5, "t", "once".getBytes(
            java.nio.charset.StandardCharsets.UTF_8), 2, 9, true);
        harness.frame(PUB, harness.scratch, length);
        final List<RouterHarness.Out> out = harness.drain();

        assertEquals(1, out.stream().filter(o -> o.connectionId() == SUB && o.body().length > 0 &&
            o.packetType() == PacketType.PUBLISH).count());
        assertEquals(2, out.stream().filter(o -> o.connectionId() == PUB && o.body().length > 0 &&
            o.packetType() == PacketType.PUBREC).count());
    }

    @Test
    void shouldHoldPublisherAcksWhileOnlineSubscriberIsBackedUpAndReleaseThemInOrderWhenItDrains()
    {
        final RouterHarness flow = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0)
            .maxQueuedMessages(8).maxInflight(2));
        flow.connect(SUB, "sub", MqttVersion.MQTT_3_1_1, true, 0);
        flow.subscribe(SUB, MqttVersion.MQTT_3_1_1, 1, 0, new TopicSubscription("f", 1));
        flow.connect(PUB, "pub", MqttVersion.MQTT_3_1_1, true, 0);
        flow.drain();

        for (int i = 1; i <= 7; i++)
        {
            flow.publish(PUB, MqttVersion.MQTT_3_1_1, "f", "m" + i, 1, i);
        }
        flow.publish(PUB, MqttVersion.MQTT_3_1_1, "other", "x", 0, 0);
        flow.raw(PUB, 0xC0, 0x00);  // PINGREQ
        final List<RouterHarness.Out> out = flow.drain();
        final List<RouterHarness.Out> publishes = out.stream().filter(o -> o.connectionId() == SUB &&
            o.body().length > 0 && o.packetType() == PacketType.PUBLISH).toList();
        assertEquals(2, publishes.size(), "inflight window of 2");
        assertEquals(List.of(1, 2, 3, 4, 5), ackIds(out, PUB),
            "acknowledged until the queue reached half of max-queued-messages, then held");
        assertEquals(1, out.stream().filter(o -> o.connectionId() == PUB && o.body().length > 0 &&
            o.packetType() == PacketType.PINGRESP).count(), "the publisher is still read: its PINGREQ is answered");
        assertEquals(0, out.stream().filter(o -> o.type() != OutboundQueue.PACKET &&
            o.type() != OutboundQueue.DROPPABLE_PACKET && o.type() != OutboundQueue.CONNECTED).count(),
            "nothing stops reading the publisher");

        final List<RouterHarness.Out> after = new java.util.ArrayList<>();
        List<RouterHarness.Out> sent = publishes;
        while (!sent.isEmpty())
        {
            for (final RouterHarness.Out publish : sent)
            {
                final int packetId = ((publish.body()[5] & 0xFF) << 8) | (publish.body()[6] & 0xFF);
                flow.raw(SUB, 0x40, 0x02, packetId >> 8, packetId & 0xFF);
            }
            final List<RouterHarness.Out> next = flow.drain();
            after.addAll(next);
            sent = next.stream().filter(o -> o.connectionId() == SUB && o.body().length > 0 &&
                o.packetType() == PacketType.PUBLISH).toList();
        }
        assertEquals(List.of(6, 7), ackIds(after, PUB), "released in order once the queue drained to a quarter");
        assertEquals(0, flow.router.counters().droppedQueueFull, "nothing lost");
    }

    @Test
    void shouldStopHoldingAfterTheMaximumDelayAndDropOnlyForTheFullSession()
    {
        final RouterHarness flow = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0)
            .maxQueuedMessages(4).maxInflight(1).maxAckDelayMs(1));
        flow.connect(SUB, "stalled", MqttVersion.MQTT_5, true, 0);
        flow.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("#", 1));
        final long healthy = 3;
        flow.connect(healthy, "healthy", MqttVersion.MQTT_5, true, 0);
        flow.subscribe(healthy, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("f", 0));
        flow.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        flow.drain();

        for (int i = 1; i <= 4; i++)
        {
            flow.publish(PUB, MqttVersion.MQTT_5, "f", "m" + i, 1, i);
        }
        assertEquals(List.of(1, 2), ackIds(flow.drain(), PUB), "held once the stalled queue reached 2");
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        flow.tick();
        assertEquals(List.of(3, 4), ackIds(flow.drain(), PUB), "released after max-ack-delay");
        assertEquals(1, flow.router.counters().slowSessionsStalled);

        for (int i = 5; i <= 20; i++)
        {
            flow.publish(PUB, MqttVersion.MQTT_5, "f", "m" + i, 1, i);
            assertEquals(List.of(i), ackIds(flow.drain(), PUB), "a stalled session holds nobody");
        }
        final Session stalled = flow.router.session("stalled");
        assertEquals(4, stalled.queuedCount(), "queue at its quota");
        assertEquals(20 - 1 - 4, stalled.droppedQueueFull(), "the rest is dropped for the stalled session alone");
        assertEquals(stalled.droppedQueueFull(), flow.router.counters().droppedQueueFull);
        assertEquals(0, flow.router.session("healthy").droppedQueueFull());
        assertEquals(0, flow.router.session("healthy").droppedQos0(), "the healthy subscriber got every message");
    }

    @Test
    void shouldDropTheOldestWithDropOldestPolicy()
    {
        final RouterHarness flow = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0)
            .maxQueuedMessages(3).maxInflight(1).maxAckDelayMs(0).queueOverflow("drop-oldest"));
        flow.connect(SUB, "sub", MqttVersion.MQTT_5, false, 3600);
        flow.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("f", 1));
        flow.closed(SUB);
        flow.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        for (int i = 1; i <= 10; i++)
        {
            flow.publish(PUB, MqttVersion.MQTT_5, "f", "m" + i, 1, i);
        }
        assertEquals(10, ackIds(flow.drain(), PUB).size(), "the publisher is never refused");
        final Session session = flow.router.session("sub");
        assertEquals(7, session.droppedQueueFull());
        final List<String> kept = new java.util.ArrayList<>();
        for (final io.ringmq.core.session.Delivery delivery : session.queue())
        {
            kept.add(new String(payload(delivery.message()), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertEquals(List.of("m8", "m9", "m10"), kept, "the newest are kept");
    }

    @Test
    void shouldKeepOneTimerPerOfflineSessionThroughReconnectChurn()
    {
        final int reconnects = 100_000;
        long maxTimers = 0;
        for (int i = 0; i < reconnects; i++)
        {
            final long connectionId = 1000 + i;
            harness.connect(connectionId, "device-" + (i % 10), MqttVersion.MQTT_5, false, 86_400);
            harness.closed(connectionId);
            maxTimers = Math.max(maxTimers, harness.router.scheduledTimers());
            if (0 == i % 1000)
            {
                harness.drain();
            }
        }
        harness.drain();
        assertEquals(10, harness.router.scheduledTimers(), "one expiry timer per offline session");
        assertEquals(10, maxTimers, "reconnecting cancels the previous expiry timer");
    }

    private static byte[] payload(final io.ringmq.core.session.Message message)
    {
        final byte[] bytes = new byte[message.payloadLength()];
        message.buffer().getBytes(message.payloadOffset(), bytes);
        return bytes;
    }

    private static List<Integer> ackIds(final List<RouterHarness.Out> out, final long connectionId)
    {
        return out.stream().filter(o -> o.connectionId() == connectionId && o.body().length > 0 &&
            (o.packetType() == PacketType.PUBACK || o.packetType() == PacketType.PUBREC))
            .map(o -> ((o.body()[2] & 0xFF) << 8) | (o.body()[3] & 0xFF)).toList();
    }

    @Test
    void shouldCloseClientThatLeavesMoreQos2PublishesUnreleasedThanReceiveMaximum()
    {
        final RouterHarness limited = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0).receiveMaximum(2));
        limited.connect(PUB, "pub", MqttVersion.MQTT_3_1_1, true, 0);
        limited.drain();
        for (int i = 1; i <= 3; i++)
        {
            limited.publish(PUB, MqttVersion.MQTT_3_1_1, "t", "m" + i, 2, i);
        }
        final List<RouterHarness.Out> out = limited.drain();

        assertEquals(2, out.stream().filter(o -> o.body().length > 0 && o.packetType() == PacketType.PUBREC)
            .count(), "the first two are received");
        assertTrue(out.stream().anyMatch(o -> o.type() == OutboundQueue.CLOSE && o.connectionId() == PUB),
            "the third exceeds the limit and the connection is closed");
    }

    private static int reasonOf(final RouterHarness.Out ack)
    {
        return ack.body().length > 4 ? ack.body()[4] & 0xFF : ReasonCode.SUCCESS;
    }
}
