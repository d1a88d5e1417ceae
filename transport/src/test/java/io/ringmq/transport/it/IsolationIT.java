package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;

import io.ringmq.transport.RingMqBroker;

/**
 * One client never hurts another: a subscriber that is full, abandoned or stalled loses messages by its own overflow
 * policy, counted, while every other client is acknowledged, delivered to and kept alive (issue #8, item 1).
 */
@Timeout(120)
final class IsolationIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    private static final int QUEUE = 50;
    private static final int MESSAGES = 400;

    @Test
    void shouldNotLetAnAbandonedPersistentSessionRefuseAnyPublisher() throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.maxQueuedMessages(QUEUE));
        // MQTT 3.1.1, clean session 0: never expires; subscribed to everything at QoS 1, then gone for good.
        final RawMqttClient abandoned = FIXTURE.raw(broker.port());
        abandoned.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("abandoned")).clean(false).build());
        abandoned.send(RawPackets.subscribe(MQTT_3_1_1, 1, "#", 1, null));
        abandoned.expect(RawPackets.SUBACK);
        abandoned.close();

        final String topic = FIXTURE.topic("data");
        final Mqtt5BlockingClient healthy = FIXTURE.track(FIXTURE.mqtt5Builder("healthy").serverPort(broker.port())
            .buildBlocking());
        final AtomicInteger received = new AtomicInteger();
        healthy.toAsync().publishes(MqttGlobalPublishFilter.ALL, publish -> received.incrementAndGet());
        healthy.connect();
        healthy.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        final RawMqttClient v5 = FIXTURE.raw(broker.port());
        v5.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub5")).build());
        final RawMqttClient v3 = FIXTURE.raw(broker.port());
        v3.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("pub3")).build());
        for (int i = 1; i <= MESSAGES / 2; i++)
        {
            v5.send(RawPackets.publish(MQTT_5, 1, topic, i, "a" + i));
            final RawPacket ack5 = v5.expect(RawPackets.PUBACK);
            assertEquals(i, ack5.packetId());
            assertEquals(0, ack5.reasonCode(), "Success, never 0x97 because another client is full");
            v3.send(RawPackets.publish(MQTT_3_1_1, 1, topic, i, "b" + i));
            assertEquals(i, v3.expect(RawPackets.PUBACK).packetId(), "the 3.1.1 publisher stays connected");
        }
        BrokerFixture.await("the healthy subscriber gets every message", () -> MESSAGES == received.get(),
            TIMEOUT);
        assertFalse(v3.isClosedByPeer());
        final long dropped = broker.router().counters().droppedQueueFull;
        assertEquals(MESSAGES - QUEUE, dropped, "what did not fit the abandoned session's quota, counted for it");

        final RawMqttClient back = FIXTURE.raw(broker.port());
        back.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("abandoned")).clean(false).build());
        final List<String> kept = new ArrayList<>();
        for (int i = 0; i < QUEUE; i++)
        {
            final RawPacket.Publish publish = back.expect(RawPackets.PUBLISH).publish(MQTT_3_1_1);
            kept.add(new String(publish.payload(), StandardCharsets.UTF_8));
            back.send(RawPackets.ack(RawPackets.PUBACK, publish.packetId()));
        }
        assertEquals("a1", kept.get(0), "drop-new keeps the oldest");
        assertTrue(back.poll(Duration.ofMillis(300)) == null, "exactly the quota was kept");
    }

    @Test
    void shouldKeepPublishersReadAndAliveWhileAConnectedSubscriberNeverAcknowledges() throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.maxQueuedMessages(QUEUE).maxInflight(8)
            .maxAckDelayMs(500).persistence("false"));
        final RawMqttClient stalled = FIXTURE.raw(broker.port());
        stalled.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("stalled")).build());
        stalled.send(RawPackets.subscribe(MQTT_5, 1, "#", 1, null));
        stalled.expect(RawPackets.SUBACK);
        // From here on the stalled subscriber reads nothing and acknowledges nothing.

        final String topic = FIXTURE.topic("data");
        final Mqtt5BlockingClient healthy = FIXTURE.track(FIXTURE.mqtt5Builder("healthy").serverPort(broker.port())
            .buildBlocking());
        final AtomicInteger received = new AtomicInteger();
        healthy.toAsync().publishes(MqttGlobalPublishFilter.ALL, publish -> received.incrementAndGet());
        healthy.connectWith().keepAlive(1).send();
        healthy.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        final Mqtt5BlockingClient publisher = FIXTURE.track(FIXTURE.mqtt5Builder("pub").serverPort(broker.port())
            .buildBlocking());
        publisher.connectWith().keepAlive(1).send();
        final long startNs = System.nanoTime();
        for (int i = 0; i < MESSAGES; i++)
        {
            final Mqtt5PublishResult result = publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload(("m" + i).getBytes(StandardCharsets.UTF_8)).send();
            assertEquals(Mqtt5PubAckReasonCode.SUCCESS,
                ((Mqtt5PublishResult.Mqtt5Qos1Result)result).getPubAck().getReasonCode());
        }
        BrokerFixture.await("the healthy subscriber gets every message", () -> MESSAGES == received.get(),
            TIMEOUT);
        // Keep-alive 1 s on both: past 1.5 s of unanswered PINGREQs the client would have given up.
        BrokerFixture.quietFor(Duration.ofMillis(2500));
        assertTrue(publisher.getState().isConnected(), "the publisher's PINGREQs are answered");
        assertTrue(healthy.getState().isConnected());
        assertTrue(System.nanoTime() - startNs < Duration.ofSeconds(60).toNanos());
        assertEquals(1, broker.router().counters().slowSessionsStalled, "held once, for at most max-ack-delay");
        assertTrue(broker.router().counters().droppedQueueFull >= MESSAGES - QUEUE - 8 - 64,
            "the stalled subscriber's overflow is dropped and counted: " + broker.router().counters().droppedQueueFull);
    }
}
