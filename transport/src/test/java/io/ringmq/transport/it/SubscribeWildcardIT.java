package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.QUIET;
import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.utf8;
import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

/**
 * SUBSCRIBE, UNSUBSCRIBE and topic filter matching (MQTT 3.1.1 sections 3.8-3.11 and 4.7, MQTT 5 the same).
 */
@Timeout(30)
final class SubscribeWildcardIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    @Test
    void shouldMatchSingleLevelWildcardPerMqtt_4_7_1_3() throws Exception
    {
        final String base = FIXTURE.topic("s");
        final Set<String> received = subscribeAndPublish(base + "/+/c",
            List.of(base + "/x/c", base + "//c", base + "/x/y/c", base + "/c", base + "/x/c/d"));
        assertEquals(new TreeSet<>(List.of(base + "/x/c", base + "//c")), received);
    }

    @Test
    void shouldMatchMultiLevelWildcardIncludingParentPerMqtt_4_7_1_2() throws Exception
    {
        final String base = FIXTURE.topic("m");
        final Set<String> received = subscribeAndPublish(base + "/#",
            List.of(base, base + "/a", base + "/a/b/c", base + "x", FIXTURE.topic("other")));
        assertEquals(new TreeSet<>(List.of(base, base + "/a", base + "/a/b/c")), received);
    }

    @Test
    void shouldMatchMixedWildcardsWithPaho() throws Exception
    {
        final String base = FIXTURE.topic("x");
        final Paho3Client sub = FIXTURE.paho3("sub").connect(true);
        sub.client().subscribe(base + "/+/temp/#", 1);
        final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
        pub.connect();
        for (final String topic : List.of(base + "/k/temp", base + "/k/temp/1/2", base + "/k/hum", base + "/temp"))
        {
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8(topic)).send();
        }
        pub.publishWith().topic(base + "/end/temp").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("end")).send();
        final List<String> topics = new ArrayList<>();
        Paho3Client.Message message;
        do
        {
            message = sub.inbox().take(TIMEOUT);
            topics.add(message.topic());
        }
        while (!"end".equals(message.text()));
        assertEquals(List.of(base + "/k/temp", base + "/k/temp/1/2", base + "/end/temp"), topics);
    }

    @Test
    void shouldNotMatchDollarTopicsWithLeadingWildcardPerMqtt_4_7_2_1() throws Exception
    {
        final Mqtt5BlockingClient all = FIXTURE.mqtt5("all");
        all.connect();
        final Mqtt5BlockingClient sys = FIXTURE.mqtt5("sys");
        sys.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes allPublishes = all.publishes(MqttGlobalPublishFilter.ALL);
            Mqtt5BlockingClient.Mqtt5Publishes sysPublishes = sys.publishes(MqttGlobalPublishFilter.ALL))
        {
            all.subscribeWith().topicFilter("#").qos(MqttQos.AT_MOST_ONCE)
                .addSubscription().topicFilter("+/broker/#").qos(MqttQos.AT_MOST_ONCE).applySubscription().send();
            sys.subscribeWith().topicFilter("$SYS/#").qos(MqttQos.AT_MOST_ONCE).send();

            // Retained $SYS messages arrive at once with RETAIN 1; one with RETAIN 0 is a live publication made
            // while the wildcard subscriptions were active. $SYS is republished every sys interval.
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
            boolean live = false;
            while (!live)
            {
                assertTrue(System.nanoTime() < deadlineNs, "no live $SYS publication seen");
                live = sysPublishes.receive(1, TimeUnit.SECONDS).map(p -> !p.isRetain()).orElse(false);
            }

            Optional<Mqtt5Publish> publish = allPublishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS);
            while (publish.isPresent())
            {
                assertFalse(publish.get().getTopic().toString().startsWith("$"), "received " + publish.get());
                publish = allPublishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @Test
    void shouldDeliverSysTopicsToExplicitSysSubscriber() throws Exception
    {
        final Mqtt3BlockingClient sys = FIXTURE.mqtt3("sys");
        sys.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = sys.publishes(MqttGlobalPublishFilter.ALL))
        {
            sys.subscribeWith().topicFilter("$SYS/#").qos(MqttQos.AT_MOST_ONCE).send();
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
            boolean seen = false;
            while (!seen && System.nanoTime() < deadlineNs)
            {
                final String topic = publishes.receive(1, TimeUnit.SECONDS)
                    .map(p -> p.getTopic().toString()).orElse("");
                seen = topic.equals("$SYS/broker/uptime") || topic.equals("$SYS/broker/clients/connected");
            }
            assertTrue(seen, "$SYS/broker/uptime or $SYS/broker/clients/connected");
        }
    }

    @Test
    void shouldNotDeliverClientPublishToSysTopic() throws Exception
    {
        final String sysTopic = "$SYS/" + FIXTURE.topic("fake");
        final String normal = FIXTURE.topic("normal");
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(sysTopic).qos(MqttQos.AT_LEAST_ONCE)
                .addSubscription().topicFilter(normal).qos(MqttQos.AT_LEAST_ONCE).applySubscription().send();
            final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
            pub.connect();
            try
            {
                pub.publishWith().topic(sysTopic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("forged")).send();
            }
            catch (final Mqtt5PubAckException ex)
            {
                // refusing it with a PUBACK error code (e.g. 0x87 Not authorized, as Mosquitto does) is fine too
                assertTrue(ex.getMqttMessage().getReasonCode().isError());
            }
            pub.publishWith().topic(normal).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("real")).send();

            final Mqtt5Publish first = BrokerFixture.receive(publishes, TIMEOUT);
            assertEquals(normal, first.getTopic().toString(), "the $SYS publish must not be delivered");
            assertFalse(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldStopDeliveringAfterUnsubscribePerMqtt_3_10_4_2(final int version) throws Exception
    {
        final String gone = FIXTURE.topic("gone");
        final String kept = FIXTURE.topic("kept");
        final RawMqttClient sub = FIXTURE.raw();
        sub.connect(RawPackets.connect(version, FIXTURE.clientId("sub")).build());
        sub.send(RawPackets.subscribe(version, 1, gone, 0, null));
        sub.expect(RawPackets.SUBACK);
        sub.send(RawPackets.subscribe(version, 2, kept, 0, null));
        sub.expect(RawPackets.SUBACK);
        sub.send(RawPackets.unsubscribe(version, 3, gone));
        final RawPacket unsubAck = sub.expect(RawPackets.UNSUBACK);
        assertEquals(3, unsubAck.packetId(), "UNSUBACK echoes the packet identifier [MQTT-3.10.4-4]");
        if (version == MQTT_5)
        {
            assertEquals(0x00, unsubAck.body()[3], "v5 UNSUBACK reason code: Success");
        }

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(gone).payload(utf8("gone")).send();
        pub.publishWith().topic(kept).payload(utf8("kept")).send();
        assertEquals(kept, sub.expect(RawPackets.PUBLISH).publish(version).topic());
        assertNull(sub.poll(QUIET));
    }

    @Test
    void shouldAnswerUnsubscribeOfUnknownFilterPerMqtt5Section_3_11_3() throws Exception
    {
        final RawMqttClient sub = FIXTURE.raw();
        sub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("sub")).build());
        sub.send(RawPackets.unsubscribe(MQTT_5, 9, FIXTURE.topic("never")));
        final RawPacket unsubAck = sub.expect(RawPackets.UNSUBACK);
        assertEquals(9, unsubAck.packetId());
        final int reason = unsubAck.body()[unsubAck.body().length - 1] & 0xFF;
        assertTrue(reason == 0x00 || reason == 0x11, "Success or 0x11 No subscription existed: " + reason);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldAnswerEachFilterInOrderPerMqtt_3_9_3_1(final int version) throws Exception
    {
        final RawMqttClient sub = FIXTURE.raw();
        sub.connect(RawPackets.connect(version, FIXTURE.clientId("sub")).build());
        final PacketBuilder body = new PacketBuilder().u16(5);
        if (version == MQTT_5)
        {
            body.properties(null);
        }
        body.utf8(FIXTURE.topic("q2")).u8(2).utf8(FIXTURE.topic("q0")).u8(0).utf8(FIXTURE.topic("q1/#")).u8(1);
        sub.send(body.packet(0x82));
        final RawPacket subAck = sub.expect(RawPackets.SUBACK);
        assertEquals(5, subAck.packetId());
        assertEquals(List.of(2, 0, 1), subAck.subAckCodes(version));
    }

    @Test
    void shouldReplaceSubscriptionWithSameFilterPerMqtt_3_8_4_3() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_MOST_ONCE).send();
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
            final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
            pub.connect();
            pub.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).payload(utf8("x")).send();
            assertEquals(MqttQos.EXACTLY_ONCE, BrokerFixture.receive(publishes, TIMEOUT).getQos());
            assertFalse(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent(), "one subscription");
        }
    }

    private static Set<String> subscribeAndPublish(final String filter, final List<String> topics) throws Exception
    {
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
            final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
            pub.connect();
            for (final String topic : topics)
            {
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8(topic)).send();
            }
            final Set<String> received = new TreeSet<>();
            Optional<Mqtt5Publish> publish = publishes.receive(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            while (publish.isPresent())
            {
                received.add(publish.get().getTopic().toString());
                publish = publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS);
            }
            return received;
        }
    }
}
