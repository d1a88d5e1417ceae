package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.QUIET;
import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.utf8;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * Shared subscriptions {@code $share/{ShareName}/{filter}} (MQTT 5 section 4.8.2).
 */
@Timeout(30)
final class SharedSubscriptionIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    @Test
    void shouldGiveEachMessageToOneMemberOfEachGroupPerMqtt5_4_8_2() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final int count = 20;
        final Mqtt5BlockingClient a = FIXTURE.mqtt5("a");
        final Mqtt5BlockingClient b = FIXTURE.mqtt5("b");
        a.connect();
        b.connect();
        final Paho5Client other = FIXTURE.paho5("other").connect(true, 0);
        try (Mqtt5BlockingClient.Mqtt5Publishes aIn = a.publishes(MqttGlobalPublishFilter.ALL);
            Mqtt5BlockingClient.Mqtt5Publishes bIn = b.publishes(MqttGlobalPublishFilter.ALL))
        {
            a.subscribeWith().topicFilter("$share/g1/" + topic).qos(MqttQos.AT_LEAST_ONCE).send();
            b.subscribeWith().topicFilter("$share/g1/" + topic).qos(MqttQos.AT_LEAST_ONCE).send();
            other.client().subscribe(new MqttSubscription[]{ new MqttSubscription("$share/g2/" + topic, 1) });

            final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
            pub.connect();
            for (int i = 0; i < count; i++)
            {
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("m" + i)).send();
            }

            final Set<String> group2 = new HashSet<>();
            for (int i = 0; i < count; i++)
            {
                final Paho5Client.Message message = other.inbox().take(TIMEOUT);
                assertEquals(topic, message.topic(), "shared subscribers see the real topic name");
                group2.add(message.text());
            }
            assertEquals(count, group2.size(), "the only member of g2 gets every message");

            final List<String> toA = new ArrayList<>();
            final List<String> toB = new ArrayList<>();
            final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
            while (toA.size() + toB.size() < count && System.nanoTime() < deadlineNs)
            {
                aIn.receive(10, TimeUnit.MILLISECONDS).ifPresent(p -> toA.add(text(p)));
                bIn.receive(10, TimeUnit.MILLISECONDS).ifPresent(p -> toB.add(text(p)));
            }
            assertFalse(aIn.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent(), "no extra copy");
            assertFalse(bIn.receiveNow().isPresent(), "no extra copy");

            final Set<String> union = new HashSet<>(toA);
            union.addAll(toB);
            assertEquals(count, toA.size() + toB.size(), "each message to exactly one member: " + toA + toB);
            assertEquals(group2, union);
            assertFalse(toA.isEmpty(), "messages are split between members");
            assertFalse(toB.isEmpty(), "messages are split between members");
            assertNull(other.inbox().poll(QUIET), "no extra copy for g2");
        }
    }

    @Test
    void shouldSendUnacknowledgedMessageToAnotherMemberWhenSessionEndsPerMqtt5_4_8_2() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto drops a shared QoS 1 message whose member's session ends before the PUBACK " +
            "(the spec says SHOULD send it to another member)");
        final String topic = FIXTURE.topic("t");
        final RawMqttClient leaver = FIXTURE.raw();
        leaver.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("leaver")).build());
        leaver.send(RawPackets.subscribe(MQTT_5, 1, "$share/g/" + topic, 1, null));
        leaver.expect(RawPackets.SUBACK);

        final Mqtt5BlockingClient stayer = FIXTURE.mqtt5("stayer");
        stayer.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes stayerIn = stayer.publishes(MqttGlobalPublishFilter.ALL))
        {
            stayer.subscribeWith().topicFilter("$share/g/" + topic).qos(MqttQos.AT_LEAST_ONCE).send();
            final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
            pub.connect();

            // Publish until the raw member holds one message without acknowledging it.
            final Set<String> stayerGot = new HashSet<>();
            String held = null;
            for (int i = 0; i < 20 && null == held; i++)
            {
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("m" + i)).send();
                final RawPacket packet = leaver.poll(java.time.Duration.ofMillis(200));
                if (null != packet)
                {
                    held = packet.publish(MQTT_5).text();
                }
                stayerIn.receiveNow().ifPresent(p -> stayerGot.add(text(p)));
            }
            assertTrue(null != held, "the raw member was never chosen");
            leaver.close(); // session expiry 0: the session ends with the connection

            final String expected = held;
            final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
            while (!stayerGot.contains(expected) && System.nanoTime() < deadlineNs)
            {
                stayerIn.receive(50, TimeUnit.MILLISECONDS).ifPresent(p -> stayerGot.add(text(p)));
            }
            assertTrue(stayerGot.contains(expected), "the unacknowledged " + expected + " went to the other member");
        }
    }

    @Test
    void shouldNotSendRetainedMessagesOnSharedSubscribePerMqtt5_3_3_1_3() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 sends retained messages when a shared subscription is made; MQTT 5 " +
            "section 3.3.1.3 sends them only for a new non-shared subscription");
        final String topic = FIXTURE.topic("t");
        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("kept")).send();

        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter("$share/g/" + topic).qos(MqttQos.AT_LEAST_ONCE).send();
            assertFalse(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent());
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("live")).send();
            assertEquals("live", text(BrokerFixture.receive(publishes, TIMEOUT)));
        }
        finally
        {
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).send();
        }
    }

    @Test
    void shouldCloseOnNoLocalForSharedSubscriptionPerMqtt5_3_8_3_4() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 accepts No Local on a shared subscription (SUBACK 0x01), a protocol " +
            "error by MQTT-3.8.3-4");
        final RawMqttClient raw = FIXTURE.raw();
        raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).build());
        raw.send(RawPackets.subscribe(MQTT_5, 1, "$share/g/" + FIXTURE.topic("t"), 0x04 | 1, null));
        FIXTURE.assertClosed(raw, MQTT_5, RawPackets.DISCONNECT, 0x82);
        FIXTURE.assertBrokerServes();
    }

    private static String text(final Mqtt5Publish publish)
    {
        return new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }
}
