package io.ringmq.core.routing;

import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backed-up subscriber on one node holds the publishers on another node that feed it, and only those, as a local
 * backed-up subscriber does ({@link AckHold}): two Routers as two nodes, the data plane a queue each way.
 */
class ClusterBackPressureTest
{
    private static final int A = 1;
    private static final int B = 2;
    private static final long SUB = 10;
    private static final long HEALTHY = 12;
    private static final long PUB = 20;
    private static final long OTHER = 21;
    /** Queue quota of B's subscriber: it holds its publishers from 4 queued messages and releases them at 2. */
    private static final int MAX_QUEUED = 8;

    private final ClusterTestNode a = new ClusterTestNode(A, config(), Journal.disabled());
    private final ClusterTestNode b = new ClusterTestNode(B, config(), Journal.disabled());

    private static BrokerConfig config()
    {
        return new BrokerConfig().sysIntervalSeconds(0).maxQueuedMessages(MAX_QUEUED).maxInflight(2);
    }

    /**
     * On B, "sub" takes f (QoS 1, two in flight, reads nothing yet) and "healthy" takes g; on A, "pub" publishes to f
     * and "other" to g.
     */
    @BeforeEach
    void subscribersOnBPublishersOnA()
    {
        a.peers = 1L << B;
        b.peers = 1L << A;
        b.harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        b.harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("f", 1));
        b.harness.connect(HEALTHY, "healthy", MqttVersion.MQTT_5, true, 0);
        b.harness.subscribe(HEALTHY, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("g", 1));
        a.route("f", 1L << B);
        a.route("g", 1L << B);
        a.harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        a.harness.connect(OTHER, "other", MqttVersion.MQTT_5, true, 0);
        a.harness.drain();
        b.harness.drain();
        b.toPeer.clear();
    }

    /** "pub" publishes m1..m7 to f and "other" one message to g; B routes them and answers. */
    private List<RouterHarness.Out> publishUntilHeld()
    {
        for (int i = 1; i <= 7; i++)
        {
            a.harness.publish(PUB, MqttVersion.MQTT_5, "f", "m" + i, 1, i);
        }
        a.harness.publish(OTHER, MqttVersion.MQTT_5, "g", "g1", 1, 1);
        a.flushTo(b);
        b.flushTo(a, true);
        return b.harness.drain();
    }

    @Test
    void shouldHoldOnlyThePublisherFeedingABackedUpSubscriberOnAnotherNodeUntilItDrains()
    {
        List<RouterHarness.Out> sent = publishUntilHeld();
        final List<RouterHarness.Out> acks = a.harness.drain();
        assertEquals(List.of(1, 2, 3, 4, 5), ackIds(acks, PUB),
            "acknowledged until the subscriber's queue on B reached half its quota, then held");
        assertEquals(List.of(1), ackIds(acks, OTHER), "a publisher to g, which another subscriber takes, is not held");
        assertEquals(1, a.harness.router.counters().publishersHeldForNodes);

        // The subscriber reads: its queue drains, B tells A, and A releases the held acknowledgements in order.
        final List<Integer> released = new ArrayList<>();
        List<RouterHarness.Out> publishes = publishesTo(sent, SUB);
        assertEquals(2, publishes.size(), "two in flight");
        while (!publishes.isEmpty())
        {
            for (final RouterHarness.Out publish : publishes)
            {
                final int packetId = ((publish.body()[5] & 0xFF) << 8) | (publish.body()[6] & 0xFF);
                b.harness.raw(SUB, 0x40, 0x02, packetId >> 8, packetId & 0xFF);
            }
            sent = b.harness.drain();
            publishes = publishesTo(sent, SUB);
            b.flushTo(a, true);
            released.addAll(ackIds(a.harness.drain(PUB, PacketType.PUBACK)));
        }
        assertEquals(List.of(6, 7), released, "released in order once the queue drained to a quarter");
        assertEquals(0, b.harness.router.counters().droppedQueueFull, "nothing dropped on B");
        assertEquals(0, a.harness.router.counters().publisherHoldTimeouts);
        assertEquals(0, a.harness.router.counters().routerErrors + b.harness.router.counters().routerErrors);
    }

    @Test
    void shouldHoldFromTheForwardThatFoundTheQueueFullWhenTheDestinationRoutedThemAllInOneBatch()
    {
        for (int i = 1; i <= 7; i++)
        {
            a.harness.publish(PUB, MqttVersion.MQTT_5, "f", "m" + i, 1, i);
        }
        a.flushTo(b, false, true);      // B's Router takes all seven in one batch: the hold request, then one ack
        b.flushTo(a, true);
        assertEquals(List.of(1, 2, 3, 4, 5), ackIds(a.harness.drain(PUB, PacketType.PUBACK)),
            "the acknowledgements before the forward that found the queue full are not held");
    }

    @Test
    void shouldReleaseAHoldWhoseReleaseIsLostAfterTheDelayAndOneOfANodeThatLeftAtOnce()
    {
        publishUntilHeld();
        assertEquals(List.of(1, 2, 3, 4, 5), ackIds(a.harness.drain(PUB, PacketType.PUBACK)));
        final long now = System.nanoTime();
        a.harness.tick(now + 500_000_000L);
        assertTrue(a.harness.drain(PUB, PacketType.PUBACK).isEmpty(), "held within the delay");
        a.harness.tick(now + 1_000_000_000L + AckHold.REMOTE_RELEASE_MARGIN_NS + 100_000_000L);
        assertEquals(List.of(6, 7), ackIds(a.harness.drain(PUB, PacketType.PUBACK)),
            "B's release never came: released after the maximum delay and the margin");
        assertEquals(1, a.harness.router.counters().publisherHoldTimeouts);

        // Held again (B's session still holds: its release of that hold was never sent), then B leaves.
        for (int i = 8; i <= 9; i++)
        {
            a.harness.publish(PUB, MqttVersion.MQTT_5, "f", "m" + i, 1, i);
        }
        a.flushTo(b);
        b.flushTo(a, true);
        assertTrue(a.harness.drain(PUB, PacketType.PUBACK).isEmpty(), "held again by B's session");
        a.peers = 0;
        a.harness.tick();
        assertEquals(List.of(8, 9), ackIds(a.harness.drain(PUB, PacketType.PUBACK)), "a node that left holds nobody");
        assertEquals(1, a.harness.router.counters().publisherHoldTimeouts, "not a timeout");
    }

    private static List<RouterHarness.Out> publishesTo(final List<RouterHarness.Out> out, final long connectionId)
    {
        return out.stream().filter(o -> o.connectionId() == connectionId && o.body().length > 0 &&
            o.packetType() == PacketType.PUBLISH).toList();
    }

    private static List<Integer> ackIds(final List<RouterHarness.Out> out)
    {
        return out.stream().filter(o -> o.body().length > 0)
            .map(o -> ((o.body()[2] & 0xFF) << 8) | (o.body()[3] & 0xFF)).toList();
    }

    private static List<Integer> ackIds(final List<RouterHarness.Out> out, final long connectionId)
    {
        return ackIds(out.stream().filter(o -> o.connectionId() == connectionId && o.body().length > 0 &&
            o.packetType() == PacketType.PUBACK).toList());
    }
}
