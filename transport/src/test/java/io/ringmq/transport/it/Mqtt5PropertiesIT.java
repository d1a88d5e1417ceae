package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.QUIET;
import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.utf8;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import io.ringmq.transport.RingMqBroker;

/**
 * MQTT 5 properties and features: topic aliases, message expiry, flow control, maximum packet size, subscription
 * identifiers, No Local, pass-through of publish properties, request/response and problem information, CONNACK
 * capabilities and server-initiated DISCONNECT.
 */
@Timeout(30)
final class Mqtt5PropertiesIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    @Test
    void shouldResolveTopicAliasFromClientPerMqtt5Section_3_3_2_3_4() throws Exception
    {
        final String t1 = FIXTURE.topic("one");
        final String t2 = FIXTURE.topic("two");
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(FIXTURE.topic("#")).qos(MqttQos.AT_LEAST_ONCE).send();
            final RawMqttClient pub = FIXTURE.raw();
            final RawPacket connAck = pub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub")).build());
            final Long max = connAck.properties().number(RawProperties.TOPIC_ALIAS_MAXIMUM);
            Assumptions.assumeTrue(null != max && max >= 1, "broker accepts no topic aliases");

            pub.send(publishWithAlias(t1, 1, 1, "a"));
            pub.send(publishWithAlias("", 1, 2, "b"));
            pub.send(publishWithAlias(t2, 1, 3, "c")); // re-map alias 1
            pub.send(publishWithAlias("", 1, 4, "d"));
            for (int i = 0; i < 4; i++)
            {
                assertEquals(0, pub.expect(RawPackets.PUBACK).reasonCode() & 0x80, "accepted");
            }
            final Map<String, String> topicByPayload = new HashMap<>();
            for (int i = 0; i < 4; i++)
            {
                final Mqtt5Publish publish = BrokerFixture.receive(publishes, TIMEOUT);
                topicByPayload.put(text(publish), publish.getTopic().toString());
            }
            assertEquals(Map.of("a", t1, "b", t1, "c", t2, "d", t2), topicByPayload);
        }
    }

    @Test
    void shouldCloseOnTopicAliasZeroPerMqtt5_3_3_2_8() throws Exception
    {
        final RawMqttClient pub = FIXTURE.raw();
        pub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub")).build());
        pub.send(publishWithAlias(FIXTURE.topic("t"), 0, 1, "x"));
        // The spec names no reason code for alias 0: Topic Alias invalid, Protocol Error or Malformed (Mosquitto).
        FIXTURE.assertClosed(pub, MQTT_5, RawPackets.DISCONNECT, 0x94, 0x82, 0x81);
        FIXTURE.assertBrokerServes();
    }

    @Test
    void shouldCloseOnTopicAliasAboveMaximumPerMqtt5_3_3_2_9() throws Exception
    {
        final RawMqttClient pub = FIXTURE.raw();
        final RawPacket connAck = pub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub")).build());
        final Long max = connAck.properties().number(RawProperties.TOPIC_ALIAS_MAXIMUM);
        pub.send(publishWithAlias(FIXTURE.topic("t"), (int)(null == max ? 0 : max) + 1, 1, "x"));
        FIXTURE.assertClosed(pub, MQTT_5, RawPackets.DISCONNECT, 0x94);
    }

    @Test
    void shouldCloseOnUnknownTopicAliasWithEmptyTopicPerMqtt5Section_3_3_2_3_4() throws Exception
    {
        final RawMqttClient pub = FIXTURE.raw();
        pub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub")).build());
        pub.send(publishWithAlias("", 1, 1, "x"));
        FIXTURE.assertClosed(pub, MQTT_5, RawPackets.DISCONNECT, 0x82);
    }

    @Test
    void shouldSendTopicAliasesOnlyWithinClientMaximumPerMqtt5_3_3_2_11() throws Exception
    {
        final List<RawPacket.Publish> withAliases = receiveTwiceOnOneTopic(2);
        for (final RawPacket.Publish publish : withAliases)
        {
            final Long alias = publish.properties().number(RawProperties.TOPIC_ALIAS);
            assertTrue(null == alias || (alias >= 1 && alias <= 2), "alias within the client's maximum: " + alias);
        }
        assertFalse(withAliases.get(0).topic().isEmpty(), "the first use of an alias carries the topic");

        for (final RawPacket.Publish publish : receiveTwiceOnOneTopic(0))
        {
            assertFalse(publish.properties().has(RawProperties.TOPIC_ALIAS), "no aliases when the maximum is 0");
            assertFalse(publish.topic().isEmpty());
        }
    }

    @Test
    void shouldUseTopicAliasTowardsClientThatAllowsThem() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 never sends topic aliases to clients (allowed: a MAY)");
        final List<RawPacket.Publish> publishes = receiveTwiceOnOneTopic(2);
        final Long alias = publishes.get(0).properties().number(RawProperties.TOPIC_ALIAS);
        assertNotNull(alias, "first delivery sets up an alias");
        assertFalse(publishes.get(0).topic().isEmpty());
        assertEquals("", publishes.get(1).topic(), "second delivery uses the alias alone");
        assertEquals(alias, publishes.get(1).properties().number(RawProperties.TOPIC_ALIAS));
    }

    @Test
    void shouldExpireQueuedMessageAndDecrementExpiryPerMqtt5_3_3_2_5And_3_3_2_6() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).messageExpiryInterval(1).payload(utf8("short"))
            .send();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).messageExpiryInterval(60).payload(utf8("long"))
            .send();
        // Let the 1 s expiry run out (2.2 s covers brokers that count whole seconds).
        BrokerFixture.quietFor(Duration.ofMillis(2200));

        final Mqtt5BlockingClient again = FIXTURE.mqtt5("sub");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL))
        {
            assertTrue(again.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent());
            final Mqtt5Publish delivered = BrokerFixture.receive(publishes, TIMEOUT);
            assertEquals("long", text(delivered), "the expired message is not delivered");
            final long expiry = delivered.getMessageExpiryInterval().orElseThrow();
            assertTrue(expiry >= 50 && expiry <= 59, "expiry reduced by the time spent waiting: " + expiry);
            assertFalse(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent());
        }
    }

    @Test
    void shouldStopAtClientReceiveMaximumPerMqtt5Section_4_9() throws Exception
    {
        final RawMqttClient sub = subscribeWithReceiveMaximumTwoAndPublishFive();
        final List<RawPacket.Publish> outstanding = new ArrayList<>();
        outstanding.add(sub.expect(RawPackets.PUBLISH).publish(MQTT_5));
        outstanding.add(sub.expect(RawPackets.PUBLISH).publish(MQTT_5));
        assertNull(sub.poll(QUIET), "no third unacknowledged QoS 1 publish");

        final List<String> received = new ArrayList<>();
        while (received.size() < 5)
        {
            final RawPacket.Publish publish = outstanding.isEmpty() ?
                sub.expect(RawPackets.PUBLISH).publish(MQTT_5) : outstanding.remove(0);
            received.add(publish.text());
            sub.send(RawPackets.ack(RawPackets.PUBACK, publish.packetId()));
        }
        assertEquals(List.of("m0", "m1", "m2", "m3", "m4"), received, "all delivered, in order, once acknowledged");
    }

    @Test
    void shouldReleaseOneDeliveryPerAcknowledgementAtReceiveMaximumPerMqtt5Section_4_9() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0.11 sends two more QoS 1 publishes after one PUBACK, exceeding the " +
            "client's Receive Maximum of 2");
        final RawMqttClient sub = subscribeWithReceiveMaximumTwoAndPublishFive();
        final List<RawPacket.Publish> outstanding = new ArrayList<>();
        outstanding.add(sub.expect(RawPackets.PUBLISH).publish(MQTT_5));
        outstanding.add(sub.expect(RawPackets.PUBLISH).publish(MQTT_5));
        assertNull(sub.poll(QUIET), "no third unacknowledged QoS 1 publish");
        for (int i = 2; i < 5; i++)
        {
            sub.send(RawPackets.ack(RawPackets.PUBACK, outstanding.remove(0).packetId()));
            final RawPacket.Publish next = sub.expect(RawPackets.PUBLISH).publish(MQTT_5);
            assertEquals("m" + i, next.text());
            outstanding.add(next);
            assertNull(sub.poll(QUIET), "still at most two outstanding");
        }
    }

    private static RawMqttClient subscribeWithReceiveMaximumTwoAndPublishFive() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final RawMqttClient sub = FIXTURE.raw();
        sub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("sub"))
            .properties(new PacketBuilder().shortProperty(RawProperties.RECEIVE_MAXIMUM, 2)).build());
        sub.send(RawPackets.subscribe(MQTT_5, 1, topic, 1, null));
        sub.expect(RawPackets.SUBACK);

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        for (int i = 0; i < 5; i++)
        {
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("m" + i)).send();
        }
        return sub;
    }

    @Test
    void shouldNotSendPacketLargerThanClientMaximumPerMqtt5_3_1_2_24And_3_1_2_25() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final RawMqttClient sub = FIXTURE.raw();
        sub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("sub"))
            .properties(new PacketBuilder().intProperty(RawProperties.MAXIMUM_PACKET_SIZE, 100))
            .build());
        sub.send(RawPackets.subscribe(MQTT_5, 1, topic, 1, null));
        sub.expect(RawPackets.SUBACK);

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("small")).send();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[300]).send();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("small again")).send();

        final RawPacket.Publish first = sub.expect(RawPackets.PUBLISH).publish(MQTT_5);
        sub.send(RawPackets.ack(RawPackets.PUBACK, first.packetId()));
        final RawPacket.Publish second = sub.expect(RawPackets.PUBLISH).publish(MQTT_5);
        sub.send(RawPackets.ack(RawPackets.PUBACK, second.packetId()));
        assertEquals("small", first.text());
        assertEquals("small again", second.text(), "the oversized message is skipped");
        assertNull(sub.poll(QUIET));
        assertFalse(sub.isClosedByPeer());
    }

    @Test
    void shouldCarrySubscriptionIdentifiersPerMqtt5_3_3_4_3To_3_3_4_5() throws Exception
    {
        final List<RawPacket.Publish> copies = publishToIdentifiedSubscriptions();
        final Set<Long> ids = new TreeSet<>();
        for (final RawPacket.Publish copy : copies)
        {
            ids.addAll(copy.properties().numbers(RawProperties.SUBSCRIPTION_IDENTIFIER));
        }
        assertEquals(Set.of(7L, 9L), ids, "every matching subscription's identifier is delivered: " + copies);
        if (copies.size() == 1)
        {
            assertEquals(2, copies.get(0).properties().count(RawProperties.SUBSCRIPTION_IDENTIFIER));
        }
    }

    @Test
    void shouldSendOneCopyWithBothSubscriptionIdentifiers() throws Exception
    {
        FIXTURE.assumeRingMq("sends one copy per client (Mosquitto sends one per subscription, also allowed)");
        final List<RawPacket.Publish> copies = publishToIdentifiedSubscriptions();
        assertEquals(1, copies.size());
        assertEquals(Set.of(7L, 9L),
            new TreeSet<>(copies.get(0).properties().numbers(RawProperties.SUBSCRIPTION_IDENTIFIER)));
    }

    @Test
    void shouldNotForwardToPublisherWithNoLocalPerMqtt5_3_8_3_3() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final String marker = FIXTURE.topic("marker");
        final Mqtt5BlockingClient client = FIXTURE.mqtt5("self");
        client.connect();
        final Mqtt5BlockingClient other = FIXTURE.mqtt5("other");
        other.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes own = client.publishes(MqttGlobalPublishFilter.ALL);
            Mqtt5BlockingClient.Mqtt5Publishes others = other.publishes(MqttGlobalPublishFilter.ALL))
        {
            client.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).noLocal(true)
                .addSubscription().topicFilter(marker).qos(MqttQos.AT_LEAST_ONCE).applySubscription().send();
            other.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("mine")).send();
            client.publishWith().topic(marker).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("marker")).send();
            assertEquals("mine", text(BrokerFixture.receive(others, TIMEOUT)), "other clients still get it");
            assertEquals("marker", text(BrokerFixture.receive(own, TIMEOUT)), "not my own message on the No Local one");
            assertFalse(own.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent());
        }
    }

    @Test
    void shouldForwardPublishPropertiesUnalteredPerMqtt5_3_3_2_4And_3_3_2_15To_3_3_2_20() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Mqtt5BlockingClient hive = FIXTURE.mqtt5("hive");
        hive.connect();
        final RawMqttClient raw = FIXTURE.raw();
        raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("raw")).build());
        raw.send(RawPackets.subscribe(MQTT_5, 1, topic, 1, null));
        raw.expect(RawPackets.SUBACK);
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = hive.publishes(MqttGlobalPublishFilter.ALL))
        {
            hive.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

            final Paho5Client pub = FIXTURE.paho5("pub").connect(true, 0);
            final MqttProperties props = new MqttProperties();
            props.setUserProperties(List.of(new UserProperty("k", "v1"), new UserProperty("a", "b"),
                new UserProperty("k", "v2")));
            props.setContentType("application/json");
            props.setPayloadFormat(true);
            props.setResponseTopic(FIXTURE.topic("reply"));
            props.setCorrelationData(new byte[]{ 1, 2, 3, (byte)0xFF });
            final MqttMessage message = new MqttMessage(utf8("{\"x\":1}"), 1, false, props);
            pub.client().publish(topic, message);

            final Mqtt5Publish received = BrokerFixture.receive(publishes, TIMEOUT);
            assertEquals("application/json", received.getContentType().orElseThrow().toString());
            assertEquals(Mqtt5PayloadFormatIndicator.UTF_8, received.getPayloadFormatIndicator().orElseThrow());
            assertEquals(FIXTURE.topic("reply"), received.getResponseTopic().orElseThrow().toString());
            final ByteBuffer correlation = received.getCorrelationData().orElseThrow();
            final byte[] correlationBytes = new byte[correlation.remaining()];
            correlation.get(correlationBytes);
            assertArrayEquals(new byte[]{ 1, 2, 3, (byte)0xFF }, correlationBytes);

            final RawPacket.Publish rawPublish = raw.expect(RawPackets.PUBLISH).publish(MQTT_5);
            raw.send(RawPackets.ack(RawPackets.PUBACK, rawPublish.packetId()));
            assertEquals(List.of("k=v1", "a=b", "k=v2"), rawPublish.properties().userProperties(),
                "user properties unaltered and in order [MQTT-3.3.2-17, MQTT-3.3.2-18]");
            assertEquals(1L, rawPublish.properties().number(RawProperties.PAYLOAD_FORMAT_INDICATOR));
            assertEquals("application/json", rawPublish.properties().string(RawProperties.CONTENT_TYPE));
            assertEquals("{\"x\":1}", rawPublish.text());
        }
    }

    @Test
    void shouldReturnResponseInformationOnlyWhenRequestedPerMqtt5_3_1_2_28() throws Exception
    {
        final RawMqttClient plain = FIXTURE.raw();
        final RawPacket plainAck = plain.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("plain")).build());
        assertFalse(plainAck.properties().has(RawProperties.RESPONSE_INFORMATION));

        final RawMqttClient asking = FIXTURE.raw();
        final RawPacket askingAck = asking.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("asking"))
            .properties(new PacketBuilder().byteProperty(RawProperties.REQUEST_RESPONSE_INFORMATION, 1)).build());
        assertEquals(0, askingAck.reasonCode());
        final String info = askingAck.properties().string(RawProperties.RESPONSE_INFORMATION);
        assertTrue(null == info || !info.isEmpty(), "Response Information, if given, is usable: " + info);
    }

    @Test
    void shouldSendNoReasonStringOrUserPropertiesWhenProblemInformationNotRequestedPerMqtt5_3_1_2_29()
        throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("c"))
            .properties(new PacketBuilder().byteProperty(RawProperties.REQUEST_PROBLEM_INFORMATION, 0)).build());
        raw.send(RawPackets.publish(MQTT_5, 1, FIXTURE.topic("nobody"), 1, "x"));
        final RawPacket pubAck = raw.expect(RawPackets.PUBACK);
        assertFalse(pubAck.properties().has(RawProperties.REASON_STRING));
        assertFalse(pubAck.properties().has(RawProperties.USER_PROPERTY));
        raw.send(RawPackets.unsubscribe(MQTT_5, 2, FIXTURE.topic("never")));
        final RawPacket unsubAck = raw.expect(RawPackets.UNSUBACK);
        assertFalse(unsubAck.properties().has(RawProperties.REASON_STRING));
        assertFalse(unsubAck.properties().has(RawProperties.USER_PROPERTY));
    }

    @Test
    void shouldAdvertiseCapabilitiesInConnAckPerMqtt5Section_3_2_2_3() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        final RawProperties props = raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).build())
            .properties();
        for (final int id : new int[]{ RawProperties.WILDCARD_SUBSCRIPTION_AVAILABLE,
            RawProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, RawProperties.SHARED_SUBSCRIPTION_AVAILABLE,
            RawProperties.RETAIN_AVAILABLE })
        {
            final Long value = props.number(id);
            assertTrue(null == value || value == 1L, "absent or 1 (this suite uses the feature): " + props);
        }
        final Long maximumQos = props.number(RawProperties.MAXIMUM_QOS);
        assertTrue(null == maximumQos, "QoS 2 is supported, so Maximum QoS is absent: " + props);
    }

    @Test
    void shouldAdvertiseConfiguredLimitsInConnAck() throws Exception
    {
        FIXTURE.assumeRingMq("checks RingMQ's configured defaults");
        final RawMqttClient raw = FIXTURE.raw();
        final RawProperties props = raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).build())
            .properties();
        assertEquals(64L, props.number(RawProperties.TOPIC_ALIAS_MAXIMUM));
        assertEquals(1024L, props.number(RawProperties.RECEIVE_MAXIMUM));
        assertEquals(1024L * 1024, props.number(RawProperties.MAXIMUM_PACKET_SIZE));
    }

    @Test
    void shouldSendServerShuttingDownOnClosePerMqtt5Section_4_13() throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(config -> config);
        final RawMqttClient raw = FIXTURE.raw(broker.port());
        raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).build());
        broker.close();
        FIXTURE.assertClosed(raw, MQTT_5, RawPackets.DISCONNECT, 0x8B);
    }

    @Test
    void shouldAcknowledgeThePublisherAndDropOnlyForTheFullOfflineSession() throws Exception
    {
        final int quota = 5;
        final RingMqBroker broker = FIXTURE.startBroker(config -> config.maxQueuedMessages(quota).maxInflight(2));
        final String topic = FIXTURE.topic("t");
        final Mqtt5BlockingClient sub = FIXTURE.track(FIXTURE.mqtt5Builder("sub").serverPort(broker.port())
            .buildBlocking());
        sub.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        final RawMqttClient pub = FIXTURE.raw(broker.port());
        pub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub")).build());
        for (int i = 1; i <= 200; i++)
        {
            pub.send(RawPackets.publish(MQTT_5, 1, topic, i, "m" + i));
            final RawPacket pubAck = pub.expect(RawPackets.PUBACK);
            assertEquals(i, pubAck.packetId());
            assertEquals(0, pubAck.reasonCode(), "a full subscriber never makes the publisher's message fail");
        }
        assertEquals(200 - quota, broker.router().counters().droppedQueueFull);

        final Mqtt5BlockingClient again = FIXTURE.track(FIXTURE.mqtt5Builder("sub").serverPort(broker.port())
            .buildBlocking());
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL))
        {
            again.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
            final List<String> delivered = new ArrayList<>();
            for (int i = 0; i < quota; i++)
            {
                delivered.add(text(BrokerFixture.receive(publishes, TIMEOUT)));
            }
            assertEquals(List.of("m1", "m2", "m3", "m4", "m5"), delivered, "drop-new keeps what was queued first");
        }
    }

    private static List<RawPacket.Publish> receiveTwiceOnOneTopic(final int topicAliasMaximum) throws Exception
    {
        final String topic = FIXTURE.topic("alias" + topicAliasMaximum);
        final RawMqttClient sub = FIXTURE.raw();
        final PacketBuilder props = new PacketBuilder();
        if (topicAliasMaximum > 0)
        {
            props.shortProperty(RawProperties.TOPIC_ALIAS_MAXIMUM, topicAliasMaximum);
        }
        sub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("sub" + topicAliasMaximum)).properties(props).build());
        sub.send(RawPackets.subscribe(MQTT_5, 1, topic, 0, null));
        sub.expect(RawPackets.SUBACK);

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub" + topicAliasMaximum);
        pub.connect();
        pub.publishWith().topic(topic).payload(utf8("1")).send();
        pub.publishWith().topic(topic).payload(utf8("2")).send();
        final List<RawPacket.Publish> received = List.of(sub.expect(RawPackets.PUBLISH).publish(MQTT_5),
            sub.expect(RawPackets.PUBLISH).publish(MQTT_5));
        assertEquals("1", received.get(0).text());
        assertEquals("2", received.get(1).text());
        final Long firstAlias = received.get(0).properties().number(RawProperties.TOPIC_ALIAS);
        if (received.get(1).topic().isEmpty())
        {
            assertEquals(firstAlias, received.get(1).properties().number(RawProperties.TOPIC_ALIAS),
                "an empty topic only with an alias set up before");
        }
        pub.disconnect();
        return received;
    }

    private static List<RawPacket.Publish> publishToIdentifiedSubscriptions() throws Exception
    {
        final String base = FIXTURE.topic("s");
        final RawMqttClient sub = FIXTURE.raw();
        sub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("sub")).build());
        sub.send(RawPackets.subscribe(MQTT_5, 1, base + "/+", 1,
            new PacketBuilder().varIntProperty(RawProperties.SUBSCRIPTION_IDENTIFIER, 7)));
        sub.expect(RawPackets.SUBACK);
        sub.send(RawPackets.subscribe(MQTT_5, 2, base + "/#", 1,
            new PacketBuilder().varIntProperty(RawProperties.SUBSCRIPTION_IDENTIFIER, 9)));
        sub.expect(RawPackets.SUBACK);

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(base + "/x").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("x")).send();
        final List<RawPacket.Publish> copies = new ArrayList<>();
        RawPacket packet = sub.read(TIMEOUT);
        while (null != packet)
        {
            final RawPacket.Publish publish = packet.publish(MQTT_5);
            copies.add(publish);
            sub.send(RawPackets.ack(RawPackets.PUBACK, publish.packetId()));
            packet = sub.poll(QUIET);
        }
        return copies;
    }

    private static byte[] publishWithAlias(final String topic, final int alias, final int packetId, final String text)
    {
        return RawPackets.publish(MQTT_5, 1, false, false, topic, packetId, utf8(text),
            new PacketBuilder().shortProperty(RawProperties.TOPIC_ALIAS, alias));
    }

    private static String text(final Mqtt5Publish publish)
    {
        return new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }
}
