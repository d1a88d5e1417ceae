package io.ringmq.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.ring.RingEvent;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Router in a cluster: it announces a filter's first local subscriber and its last, forwards accepted messages
 * to the nodes its route replica names (once per node), and routes a forwarded message to local subscribers only.
 */
class RouterClusterTest
{
    private static final int SELF = 1;
    private static final long PUB = 1;
    private static final long SUB = 2;
    private static final long SUB2 = 3;

    private final List<String> announced = new ArrayList<>();
    private final List<byte[]> forwards = new ArrayList<>();
    private boolean refuse;
    private final List<Long> forwardNodes = new ArrayList<>();
    private final RouterHarness harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0));

    @BeforeEach
    void join()
    {
        harness.router.clusterLink(new ClusterLink()
        {
            @Override
            public int nodeId()
            {
                return SELF;
            }

            @Override
            public void onLocalFilterAdded(final String filter)
            {
                announced.add("+" + filter);
            }

            @Override
            public void onLocalFilterRemoved(final String filter)
            {
                announced.add("-" + filter);
            }

            @Override
            public boolean forward(final long nodes, final DirectBuffer message, final int offset, final int length)
            {
                final byte[] copy = new byte[length];
                message.getBytes(offset, copy);
                forwards.add(copy);
                forwardNodes.add(nodes);
                return !refuse;
            }
        });
    }

    private void route(final String filter, final long nodes)
    {
        final byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
        harness.event.frame(RingEvent.CLUSTER_ROUTE, nodes, -1, bytes.length, System.nanoTime()).putBytes(0, bytes);
        harness.router.onEvent(harness.event, harness.sequence++, true);
    }

    @Test
    void shouldAnnounceAFiltersFirstLocalSubscriberAndItsLastButNoSharedOnes()
    {
        harness.connect(SUB, "a", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB2, "b", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("x/+", 1));
        harness.subscribe(SUB2, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("x/+", 0),
            new TopicSubscription("$share/g/y", 1));
        assertEquals(List.of("+x/+"), announced);

        harness.frame(SUB, harness.scratch, harness.encodeUnsubscribe(MqttVersion.MQTT_5, 2, "x/+"));
        assertEquals(List.of("+x/+"), announced, "another local subscriber is left");
        harness.closed(SUB2);
        assertEquals(List.of("+x/+", "-x/+"), announced, "the last one's session ended");
    }

    @Test
    void shouldAnswerASubscribeOnceTheClusterHasCommittedItsRoute()
    {
        harness.connect(SUB, "a", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB2, "b", MqttVersion.MQTT_5, true, 0);
        harness.drain();
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("c/+", 1));
        harness.subscribe(SUB2, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("c/+", 0));
        assertEquals(0, subacks(harness.drain()), "both wait for the route, the second subscriber too");

        route("c/+", 0b1);              // another node's route: not this one's
        assertEquals(0, subacks(harness.drain()));
        route("c/+", 0b1 | 1L << SELF);
        final List<RouterHarness.Out> out = harness.drain();
        assertEquals(2, subacks(out));
        assertTrue(out.stream().anyMatch(o -> o.connectionId() == SUB2 && o.packetType() == PacketType.SUBACK));

        harness.subscribe(SUB, MqttVersion.MQTT_5, 2, 0, new TopicSubscription("c/+", 0),
            new TopicSubscription("$share/g/c/d", 1));
        assertEquals(1, harness.drain(SUB, PacketType.SUBACK).size(), "confirmed and shared filters: at once");

        harness.subscribe(SUB, MqttVersion.MQTT_5, 3, 0, new TopicSubscription("d/+", 1),
            new TopicSubscription("d/+", 0), new TopicSubscription("e", 1));
        route("d/+", 1L << SELF);
        assertEquals(0, subacks(harness.drain()), "e is still unconfirmed");
        route("e", 1L << SELF);
        assertEquals(1, subacks(harness.drain()), "one filter twice in a SUBSCRIBE waits for one route");
    }

    private static long subacks(final List<RouterHarness.Out> out)
    {
        return out.stream().filter(o -> o.body().length > 0 && o.packetType() == PacketType.SUBACK).count();
    }

    @Test
    void shouldSendAWaitingSubackWhenTheControlPlaneDoesNotAnswerInTime()
    {
        harness.connect(SUB, "a", MqttVersion.MQTT_5, true, 0);
        harness.drain();
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("slow/#", 1));
        harness.event.control(RingEvent.TICK, 0, -1, 0, System.nanoTime() + RouteConfirmations.TIMEOUT_NS / 2);
        harness.router.onEvent(harness.event, harness.sequence++, true);
        assertTrue(harness.drain(SUB, PacketType.SUBACK).isEmpty());
        harness.event.control(RingEvent.TICK, 0, -1, 0, System.nanoTime() + RouteConfirmations.TIMEOUT_NS * 2);
        harness.router.onEvent(harness.event, harness.sequence++, true);
        assertEquals(1, harness.drain(SUB, PacketType.SUBACK).size(), "sent anyway, counted and logged");
    }

    @Test
    void shouldForwardOncePerNodeWithSubscribersAndAcknowledgeAsRouted()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        route("s/#", 0b0101);           // nodes 0 and 2
        route("s/+/t", 0b0110);         // node 2 again, and this node (ignored: served locally)
        route("other", 0b1000);
        harness.drain();

        harness.publish(PUB, MqttVersion.MQTT_5, "s/a/t", "hello", 1, 7);
        assertEquals(List.of(0b0101L), forwardNodes, "one forward, to nodes 0 and 2");
        final ForwardCodec codec = new ForwardCodec();
        final byte[] message = forwards.get(0);
        assertTrue(codec.wrap(new UnsafeBuffer(message), 0, message.length));
        assertEquals(1, codec.qos());
        assertEquals(SELF, codec.originNode());
        assertEquals("s/a/t", new String(message, codec.topicOffset(), codec.topicLength(), StandardCharsets.UTF_8));
        assertEquals("hello", new String(message, codec.payloadOffset(), codec.payloadLength(),
            StandardCharsets.UTF_8));
        final List<RouterHarness.Out> acks = harness.drain(PUB, PacketType.PUBACK);
        assertEquals(1, acks.size());
        final byte[] routed = acks.get(0).body();
        assertTrue(routed.length == 4 || 0 == routed[4], "PUBACK success: subscribers on other nodes");
        harness.publish(PUB, MqttVersion.MQTT_5, "nobody/here", "x", 1, 9);
        final byte[] unmatched = harness.drain(PUB, PacketType.PUBACK).get(0).body();
        assertEquals(0x10, unmatched[4], "no matching subscribers anywhere");

        route("s/#", 0);
        route("s/+/t", 0b0010);
        harness.publish(PUB, MqttVersion.MQTT_5, "s/a/t", "again", 1, 8);
        assertEquals(1, forwards.size(), "no other node has subscribers any more");
    }

    @Test
    void shouldRefuseAQos1MessageANodeCannotQueueBeforeAnyLocalSubscriberHasIt()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("q/#", 1));
        route("q/#", 0b1);
        harness.drain();
        refuse = true;

        harness.publish(PUB, MqttVersion.MQTT_5, "q/1", "busy", 1, 5);
        assertEquals(0x97, harness.drain(PUB, PacketType.PUBACK).get(0).body()[4] & 0xFF, "quota exceeded");
        assertTrue(harness.drain(SUB, PacketType.PUBLISH).isEmpty(), "not delivered here either");

        harness.publish(PUB, MqttVersion.MQTT_5, "q/0", "qos 0 goes where it can", 0, 0);
        assertEquals(1, harness.drain(SUB, PacketType.PUBLISH).size());
    }

    @Test
    void shouldDeliverAForwardedMessageLocallyAndNeverForwardItAgain()
    {
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("f/+", 1));
        route("f/#", 0b1);
        harness.drain();

        final UnsafeBuffer topic = new UnsafeBuffer("f/z".getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer payload = new UnsafeBuffer("from node 0".getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer none = new UnsafeBuffer(new byte[0]);
        final int length = ForwardCodec.length(3, 0, payload.capacity());
        final io.ringmq.core.cluster.MessageParts parts = new io.ringmq.core.cluster.MessageParts()
        {
            public DirectBuffer topicBuffer()
            {
                return topic;
            }

            public int topicOffset()
            {
                return 0;
            }

            public int topicLength()
            {
                return 3;
            }

            public DirectBuffer propertiesBuffer()
            {
                return none;
            }

            public int propertiesOffset()
            {
                return 0;
            }

            public int propertiesLength()
            {
                return 0;
            }

            public DirectBuffer payloadBuffer()
            {
                return payload;
            }

            public int payloadOffset()
            {
                return 0;
            }

            public int payloadLength()
            {
                return payload.capacity();
            }
        };
        ForwardCodec.encode(harness.event.frame(RingEvent.FORWARDED, 0, -1, length, System.nanoTime()), 0, 1, false,
            -1, 0, 42, parts);
        harness.router.onEvent(harness.event, harness.sequence++, true);

        final List<RouterHarness.Out> publishes = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(1, publishes.size());
        final byte[] body = publishes.get(0).body();
        final PublishDecoder decoder = new PublishDecoder().fromServer(true)
            .wrap(new UnsafeBuffer(body), 0, body.length, MqttVersion.MQTT_5);
        assertEquals(1, decoder.qos());
        assertEquals("from node 0", new String(body, decoder.payloadOffset(), decoder.payloadLength(),
            StandardCharsets.UTF_8));
        assertTrue(forwards.isEmpty(), "a forwarded message is not forwarded again");
    }
}
