package io.ringmq.transport.it;

import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;

import io.ringmq.transport.RingMqBroker;

/**
 * Retained messages are bounded in count and bytes, and a new subscriber receives every one that matches, paced by
 * what it takes instead of dropped at a full queue (issue #8, item 5).
 */
@Timeout(120)
final class RetainedLimitsIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    @Test
    void shouldDeliverEveryLargeRetainedMessageToANewQos0Subscriber() throws Exception
    {
        final int messages = 2000;
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.persistence("false"));
        final String prefix = FIXTURE.topic("big");
        publishRetained(broker, prefix, messages, 100 * 1024, 0);

        assertEquals(messages, receiveAll(broker, prefix + "/#", MqttQos.AT_MOST_ONCE, messages));
    }

    @Test
    void shouldDeliverMoreRetainedMessagesThanTheQueueQuotaToANewQos1Subscriber() throws Exception
    {
        final int messages = 20_000;
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.persistence("false").maxQueuedMessages(1000));
        final String prefix = FIXTURE.topic("small");
        publishRetained(broker, prefix, messages, 16, 1);

        assertEquals(messages, receiveAll(broker, prefix + "/#", MqttQos.AT_LEAST_ONCE, messages));
        assertEquals(0, broker.router().counters().droppedQueueFull);
    }

    @Test
    void shouldRefuseNewRetainedTopicsPastTheLimit() throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.maxRetainedMessages(5));
        final String prefix = FIXTURE.topic("limit");
        final RawMqttClient v5 = FIXTURE.raw(broker.port());
        v5.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub5")).build());
        for (int i = 1; i <= 6; i++)
        {
            v5.send(RawPackets.publish(MQTT_5, 1, true, false, prefix + "/" + i, i, new byte[] {1}, null));
            // 0x10: accepted, no subscriber yet; 0x97: quota exceeded.
            assertEquals(i <= 5 ? 0x10 : 0x97, v5.expect(RawPackets.PUBACK).reasonCode(), "retained topic " + i);
        }
        v5.send(RawPackets.publish(MQTT_5, 1, true, false, prefix + "/1", 7, new byte[] {2}, null));
        assertEquals(0x10, v5.expect(RawPackets.PUBACK).reasonCode(), "replacing a retained message is allowed");

        final RawMqttClient v3 = FIXTURE.raw(broker.port());
        v3.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("pub3")).build());
        v3.send(RawPackets.publish(MQTT_3_1_1, 1, true, false, prefix + "/7", 1, new byte[] {3}, null));
        assertEquals(1, v3.expect(RawPackets.PUBACK).packetId(), "3.1.1 cannot be told: delivered, not retained");

        assertEquals(5, receiveAll(broker, prefix + "/#", MqttQos.AT_LEAST_ONCE, 5));
        BrokerFixture.quietFor(Duration.ofMillis(300));
        assertEquals(2, broker.router().counters().refusedRetainedFull);
    }

    private static void publishRetained(final RingMqBroker broker, final String prefix, final int messages,
        final int payloadBytes, final int qos) throws Exception
    {
        final RawMqttClient pub = FIXTURE.raw(broker.port());
        pub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub")).build());
        final byte[] payload = new byte[payloadBytes];
        for (int i = 0; i < messages; i++)
        {
            pub.send(RawPackets.publish(MQTT_5, qos, true, false, prefix + "/" + i, i % 65535 + 1, payload, null));
            if (qos > 0)
            {
                pub.expect(RawPackets.PUBACK);
            }
        }
        // A QoS 1 round trip after the QoS 0 ones: everything before it has been routed and retained.
        pub.send(RawPackets.publish(MQTT_5, 1, false, false, prefix + "-done", 1, new byte[0], null));
        pub.expect(RawPackets.PUBACK);
        pub.close();
    }

    /** @return how many retained messages a new subscriber received once they stopped coming. */
    private static int receiveAll(final RingMqBroker broker, final String filter, final MqttQos qos,
        final int expected)
    {
        final AtomicInteger received = new AtomicInteger();
        final Mqtt5BlockingClient sub = FIXTURE.track(FIXTURE.mqtt5Builder("sub-" + qos.getCode())
            .serverPort(broker.port()).buildBlocking());
        sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, publish ->
        {
            if (publish.isRetain())
            {
                received.incrementAndGet();
            }
        });
        sub.connect();
        sub.subscribeWith().topicFilter(filter).qos(qos).send();
        final long deadlineNs = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int last = -1;
        while (System.nanoTime() - deadlineNs < 0 && received.get() != last)
        {
            last = received.get();
            if (last >= expected)
            {
                BrokerFixture.quietFor(Duration.ofMillis(200));
                return received.get();
            }
            BrokerFixture.quietFor(Duration.ofMillis(1000));
        }
        return received.get();
    }
}
