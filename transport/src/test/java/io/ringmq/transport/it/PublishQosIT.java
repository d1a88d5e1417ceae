package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.QUIET;
import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.utf8;
import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;

import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * PUBLISH and the QoS 0/1/2 flows in both directions (MQTT 3.1.1 sections 3.3-3.7 and 4.3-4.6, MQTT 5 the same).
 */
@Timeout(30)
final class PublishQosIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    @ParameterizedTest(name = "publish QoS {0}, subscribe QoS {1}")
    @CsvSource({ "0,0", "0,1", "0,2", "1,0", "1,1", "1,2", "2,0", "2,1", "2,2" })
    void shouldDeliverAtMinimumOfPublishedAndGrantedQosPerMqtt_3_8_4_6(final int pubQos, final int subQos)
        throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Paho3Client sub3 = FIXTURE.paho3("sub3").connect(true);
        sub3.client().subscribe(topic, subQos);
        final Mqtt5BlockingClient sub5 = FIXTURE.mqtt5("sub5");
        sub5.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub5.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub5.subscribeWith().topicFilter(topic).qos(MqttQos.fromCode(subQos)).send();

            final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
            pub.connect();
            pub.publishWith().topic(topic).qos(MqttQos.fromCode(pubQos)).payload(utf8("q")).send();

            final int expected = Math.min(pubQos, subQos);
            assertEquals(expected, sub3.inbox().take(TIMEOUT).message().getQos(), "3.1.1 subscriber");
            assertEquals(expected, BrokerFixture.receive(publishes, TIMEOUT).getQos().getCode(), "5 subscriber");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldRunQosFlowsWithPublisherPerMqttSection_4_3(final int version) throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
            final RawMqttClient pub = FIXTURE.raw();
            assertEquals(0, pub.connect(RawPackets.connect(version, FIXTURE.clientId("pub")).build()).reasonCode());

            pub.send(RawPackets.publish(version, 0, topic, 0, "qos0"));
            assertEquals("qos0", text(BrokerFixture.receive(publishes, TIMEOUT)));

            pub.send(RawPackets.publish(version, 1, topic, 11, "qos1"));
            final RawPacket pubAck = pub.expect(RawPackets.PUBACK);
            assertEquals(11, pubAck.packetId());
            assertEquals(0, pubAck.reasonCode());
            assertEquals("qos1", text(BrokerFixture.receive(publishes, TIMEOUT)));

            pub.send(RawPackets.publish(version, 2, topic, 12, "qos2"));
            final RawPacket pubRec = pub.expect(RawPackets.PUBREC);
            assertEquals(12, pubRec.packetId());
            assertEquals(0, pubRec.reasonCode());
            pub.send(RawPackets.ack(RawPackets.PUBREL, 12));
            assertEquals(12, pub.expect(RawPackets.PUBCOMP).packetId());
            assertEquals("qos2", text(BrokerFixture.receive(publishes, TIMEOUT)));
            assertNull(pub.poll(QUIET), "nothing else for the publisher");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldRunQosFlowsWithSubscriberPerMqttSection_4_3(final int version) throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final RawMqttClient sub = FIXTURE.raw();
        sub.connect(RawPackets.connect(version, FIXTURE.clientId("sub")).build());
        sub.send(RawPackets.subscribe(version, 1, topic, 2, null));
        assertEquals(List.of(2), sub.expect(RawPackets.SUBACK).subAckCodes(version));

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();

        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("one")).send();
        final RawPacket.Publish one = sub.expect(RawPackets.PUBLISH).publish(version);
        assertEquals(1, one.qos());
        assertFalse(one.dup());
        assertTrue(one.packetId() != 0, "QoS 1 needs a non-zero packet identifier [MQTT-2.3.1-1]");
        sub.send(RawPackets.ack(RawPackets.PUBACK, one.packetId()));

        pub.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).payload(utf8("two")).send();
        final RawPacket.Publish two = sub.expect(RawPackets.PUBLISH).publish(version);
        assertEquals(2, two.qos());
        assertEquals("two", two.text());
        sub.send(RawPackets.ack(RawPackets.PUBREC, two.packetId()));
        final RawPacket pubRel = sub.expect(RawPackets.PUBREL);
        assertEquals(0x02, pubRel.flags(), "PUBREL fixed header flags are 0010 [MQTT-3.6.1-1]");
        assertEquals(two.packetId(), pubRel.packetId());
        sub.send(RawPackets.ack(RawPackets.PUBCOMP, two.packetId()));
        assertNull(sub.poll(QUIET), "no redelivery once acknowledged");
    }

    @Test
    void shouldDeliverQos2ExactlyOncePerMqttSection_4_3_3() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final int count = 200;
        final Paho5Client sub = FIXTURE.paho5("sub").connect(true, 0);
        sub.client().subscribe(new MqttSubscription[]{ new MqttSubscription(topic, 2) });

        final Mqtt5AsyncClient pub = FIXTURE.mqtt5("pub").toAsync();
        pub.connect().get(5, TimeUnit.SECONDS);
        final List<CompletableFuture<Mqtt5PublishResult>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            sent.add(pub.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).payload(utf8("m" + i)).send());
        }
        CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);

        final Map<String, Integer> copies = new HashMap<>();
        for (int i = 0; i < count; i++)
        {
            final Paho5Client.Message message = sub.inbox().take(TIMEOUT);
            assertEquals(2, message.message().getQos());
            copies.merge(message.text(), 1, Integer::sum);
        }
        assertNull(sub.inbox().poll(QUIET), "no extra copy");
        assertEquals(count, copies.size());
        copies.forEach((payload, n) -> assertEquals(1, n, "copies of " + payload));
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldDeliverQos2OnceWhenPublisherResendsPerMqttSection_4_3_3(final int version) throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();

            final byte[] connect = RawPackets.connect(version, FIXTURE.clientId("pub")).clean(false)
                .properties(new PacketBuilder().intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 60)).build();
            final RawMqttClient first = FIXTURE.raw();
            first.connect(connect);
            first.send(RawPackets.publish(version, 2, false, false, topic, 42, utf8("once"), null));
            assertEquals(42, first.expect(RawPackets.PUBREC).packetId());
            first.close();

            final RawMqttClient second = FIXTURE.raw();
            final RawPacket connAck = second.connect(connect);
            assertTrue(connAck.sessionPresent(), "session with the unfinished QoS 2 flow is kept");
            second.send(RawPackets.publish(version, 2, false, true, topic, 42, utf8("once"), null));
            assertEquals(42, second.expect(RawPackets.PUBREC).packetId());
            second.send(RawPackets.ack(RawPackets.PUBREL, 42));
            assertEquals(42, second.expect(RawPackets.PUBCOMP).packetId());

            assertEquals("once", text(BrokerFixture.receive(publishes, TIMEOUT)));
            assertFalse(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent(), "exactly one copy");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldSetDupWhenRedeliveringUnacknowledgedQos1PerMqtt_3_3_1_1(final int version) throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final byte[] connect = RawPackets.connect(version, FIXTURE.clientId("sub")).clean(false)
            .properties(new PacketBuilder().intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 60)).build();
        final RawMqttClient first = FIXTURE.raw();
        first.connect(connect);
        first.send(RawPackets.subscribe(version, 1, topic, 1, null));
        first.expect(RawPackets.SUBACK);

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("again")).send();
        final RawPacket.Publish original = first.expect(RawPackets.PUBLISH).publish(version);
        assertFalse(original.dup());
        first.close(); // no PUBACK

        final RawMqttClient second = FIXTURE.raw();
        assertTrue(second.connect(connect).sessionPresent());
        final RawPacket.Publish redelivered = second.expect(RawPackets.PUBLISH).publish(version);
        assertEquals(original.packetId(), redelivered.packetId(), "original packet identifier [MQTT-4.4.0-1]");
        assertTrue(redelivered.dup(), "DUP set on re-delivery [MQTT-3.3.1-1]");
        assertEquals(1, redelivered.qos());
        assertEquals("again", redelivered.text());
        second.send(RawPackets.ack(RawPackets.PUBACK, redelivered.packetId()));
        assertNull(second.poll(QUIET), "acknowledged: not sent again");
    }

    @Test
    void shouldKeepOrderOf1000Qos1MessagesPerMqtt_4_6_0_6() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final int count = 1000;
        final Mqtt3BlockingClient sub = FIXTURE.mqtt3("sub");
        sub.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

            final Mqtt5AsyncClient pub = FIXTURE.mqtt5("pub").toAsync();
            pub.connect().get(5, TimeUnit.SECONDS);
            final List<CompletableFuture<Mqtt5PublishResult>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                sent.add(pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8(Integer.toString(i)))
                    .send());
            }
            for (int i = 0; i < count; i++)
            {
                final Mqtt3Publish publish = publishes.receive(5, TimeUnit.SECONDS)
                    .orElseThrow(() -> new AssertionError("missing message"));
                assertEquals(Integer.toString(i), new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8),
                    "order");
                assertEquals(MqttQos.AT_LEAST_ONCE, publish.getQos());
            }
            CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldDeliverAtHighestQosOfOverlappingSubscriptionsPerMqtt5_3_3_4_2() throws Exception
    {
        final List<RawPacket.Publish> copies = publishToOverlappingSubscriptions(MQTT_5);
        assertTrue(copies.stream().anyMatch(p -> p.qos() == 2), "a copy at the highest granted QoS: " + copies);
    }

    @Test
    void shouldDeliverAtHighestQosOfOverlappingSubscriptionsPerMqtt_3_3_5_1() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 sends a 3.1.1 client one copy at the QoS of the first matching " +
            "subscription, violating MQTT-3.3.5-1");
        final List<RawPacket.Publish> copies = publishToOverlappingSubscriptions(MQTT_3_1_1);
        assertTrue(copies.stream().anyMatch(p -> p.qos() == 2), "a copy at the highest granted QoS: " + copies);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldDeliverOneCopyForOverlappingSubscriptions(final int version) throws Exception
    {
        FIXTURE.assumeRingMq("sends one copy per client (the spec also allows one copy per subscription)");
        final List<RawPacket.Publish> copies = publishToOverlappingSubscriptions(version);
        assertEquals(1, copies.size(), "one copy: " + copies);
        assertEquals(2, copies.get(0).qos());
    }

    private static List<RawPacket.Publish> publishToOverlappingSubscriptions(final int version) throws Exception
    {
        final String base = FIXTURE.topic("a");
        final RawMqttClient sub = FIXTURE.raw();
        sub.connect(RawPackets.connect(version, FIXTURE.clientId("sub")).build());
        sub.send(RawPackets.subscribe(version, 1, base + "/+/c", 0, null));
        sub.expect(RawPackets.SUBACK);
        sub.send(RawPackets.subscribe(version, 2, base + "/#", 2, null));
        sub.expect(RawPackets.SUBACK);

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(base + "/b/c").qos(MqttQos.EXACTLY_ONCE).payload(utf8("x")).send();

        final List<RawPacket.Publish> copies = new ArrayList<>();
        RawPacket packet = sub.read(TIMEOUT);
        while (null != packet)
        {
            if (packet.type() == RawPackets.PUBLISH)
            {
                final RawPacket.Publish publish = packet.publish(version);
                copies.add(publish);
                if (publish.qos() == 1)
                {
                    sub.send(RawPackets.ack(RawPackets.PUBACK, publish.packetId()));
                }
                else if (publish.qos() == 2)
                {
                    sub.send(RawPackets.ack(RawPackets.PUBREC, publish.packetId()));
                }
            }
            else if (packet.type() == RawPackets.PUBREL)
            {
                sub.send(RawPackets.ack(RawPackets.PUBCOMP, packet.packetId()));
            }
            packet = sub.poll(QUIET);
        }
        for (final RawPacket.Publish copy : copies)
        {
            assertArrayEquals(utf8("x"), copy.payload());
        }
        return copies;
    }

    private static String text(final Mqtt5Publish publish)
    {
        return new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }
}
