package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.QUIET;
import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.utf8;
import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

/**
 * Will messages (MQTT 3.1.1 section 3.1.2.5, MQTT 5 sections 3.1.2.5 and 3.1.3.2 with the Will Delay Interval).
 */
@Timeout(30)
final class WillIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    private static final PacketBuilder SESSION_60 =
        new PacketBuilder().intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 60);

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldRefuseWillOnBrokerTopicLikeAPublish(final int version) throws Exception
    {
        FIXTURE.assumeRingMq("the broker's own $SYS topics");
        final String sysTopic = "$SYS/broker/version";
        final Mqtt5BlockingClient reader = FIXTURE.mqtt5("reader");
        reader.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = reader.publishes(MqttGlobalPublishFilter.ALL))
        {
            reader.subscribeWith().topicFilter(sysTopic).send();
            final String version0 = text(BrokerFixture.receive(observer, TIMEOUT));

            final RawMqttClient raw = FIXTURE.raw();
            final RawPacket connack = raw.connect(RawPackets.connect(version, FIXTURE.clientId("forger"))
                .will(sysTopic, "forged", 1, true, null).build());
            assertEquals(version == MQTT_5 ? 0x87 : 5, connack.reasonCode(), "refused as not authorized");
            raw.readUntilClosed(TIMEOUT);
            assertTrue(raw.isClosedByPeer());

            final Mqtt5BlockingClient late = FIXTURE.mqtt5("late");
            late.connect();
            try (Mqtt5BlockingClient.Mqtt5Publishes retained = late.publishes(MqttGlobalPublishFilter.ALL))
            {
                late.subscribeWith().topicFilter(sysTopic).send();
                assertEquals(version0, text(BrokerFixture.receive(retained, TIMEOUT)), "$SYS is not overwritten");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldPublishWillOnAbruptClosePerMqtt_3_1_2_8(final int version) throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final RawMqttClient raw = FIXTURE.raw();
            raw.connect(RawPackets.connect(version, FIXTURE.clientId("c")).will(willTopic, "gone", 1, false, null)
                .build());
            raw.close();
            assertEquals("gone", text(BrokerFixture.receive(observer, TIMEOUT)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldNotPublishWillAfterDisconnectPerMqtt_3_1_2_10(final int version) throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final RawMqttClient raw = FIXTURE.raw();
            raw.connect(RawPackets.connect(version, FIXTURE.clientId("c")).will(willTopic, "gone", 1, false, null)
                .build());
            raw.send(RawPackets.disconnect());
            raw.readUntilClosed(TIMEOUT);

            final Mqtt5BlockingClient marker = FIXTURE.mqtt5("marker");
            marker.connect();
            marker.publishWith().topic(willTopic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("marker")).send();
            assertEquals("marker", text(BrokerFixture.receive(observer, TIMEOUT)), "no will before the marker");
            assertFalse(observer.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent(), "no will at all");
        }
    }

    @Test
    void shouldPublishWillOnDisconnectWithWillMessagePerMqtt5_3_14_2_1() throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final Mqtt5BlockingClient client = FIXTURE.mqtt5("c");
            client.connectWith().willPublish().topic(willTopic).payload(utf8("asked")).applyWillPublish().send();
            client.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
            assertEquals("asked", text(BrokerFixture.receive(observer, TIMEOUT)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldPublishWillWithItsQosAndRetainPerMqtt_3_1_2_14To_3_1_2_17(final int version) throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final RawMqttClient raw = FIXTURE.raw();
            raw.connect(RawPackets.connect(version, FIXTURE.clientId("c")).will(willTopic, "kept", 1, true, null)
                .build());
            raw.close();

            final Mqtt5Publish live = BrokerFixture.receive(observer, TIMEOUT);
            assertEquals(MqttQos.AT_LEAST_ONCE, live.getQos(), "will QoS 1, subscription QoS 2");
            assertEquals("kept", text(live));

            final Paho3Client late = FIXTURE.paho3("late").connect(true);
            late.client().subscribe(willTopic, 2);
            final Paho3Client.Message retained = late.inbox().take(TIMEOUT);
            assertEquals("kept", retained.text());
            assertTrue(retained.message().isRetained(), "will retain 1 makes it a retained message");
            assertEquals(1, retained.message().getQos());
        }
        finally
        {
            final Mqtt5BlockingClient cleaner = FIXTURE.mqtt5("cleaner");
            cleaner.connect();
            cleaner.publishWith().topic(willTopic).retain(true).qos(MqttQos.AT_LEAST_ONCE).send();
        }
    }

    @Test
    void shouldPublishWillWhenClosedForProtocolErrorPerMqtt_3_1_2_8() throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final RawMqttClient raw = FIXTURE.raw();
            raw.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("c")).will(willTopic, "bad", 0, false, null)
                .build());
            raw.send(new PacketBuilder().utf8(FIXTURE.topic("x")).u16(1).packet(0x36)); // QoS 3
            raw.readUntilClosed(TIMEOUT);
            assertEquals("bad", text(BrokerFixture.receive(observer, TIMEOUT)));
        }
    }

    @Test
    void shouldDelayWillPerMqtt5_3_1_3_9() throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final RawMqttClient raw = FIXTURE.raw();
            raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).clean(true).properties(SESSION_60)
                .will(willTopic, "late", 0, false, willDelay(2)).build());
            final long closedNs = System.nanoTime();
            raw.close();
            final Mqtt5Publish will = BrokerFixture.receive(observer, Duration.ofSeconds(6));
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedNs);
            assertEquals("late", text(will));
            // 2 s delay; brokers with whole-second timers (Mosquitto) may fire up to 1 s early.
            assertTrue(elapsedMs >= 1000, "will delay observed, arrived after " + elapsedMs + " ms");
        }
    }

    @Test
    void shouldNotPublishDelayedWillWhenClientReconnectsInTimePerMqtt5_3_1_3_9() throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final byte[] connect = RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).clean(false)
                .properties(SESSION_60).will(willTopic, "late", 0, false, willDelay(1)).build();
            final RawMqttClient first = FIXTURE.raw();
            first.connect(connect);
            first.close();
            final RawMqttClient second = FIXTURE.raw();
            assertTrue(second.connect(connect).sessionPresent());
            // Longer than the 1 s delay plus whole-second timer slack.
            assertFalse(observer.receive(2500, TimeUnit.MILLISECONDS).isPresent(), "will cancelled by reconnect");
            second.send(RawPackets.disconnect());
        }
    }

    @Test
    void shouldPublishWillWhenSessionEndsBeforeWillDelayPerMqtt5_3_1_2_8() throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final RawMqttClient raw = FIXTURE.raw();
            raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).clean(true)
                .properties(new PacketBuilder().intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 1))
                .will(willTopic, "session over", 0, false, willDelay(60)).build());
            raw.close();
            assertEquals("session over", text(BrokerFixture.receive(observer, Duration.ofSeconds(5))),
                "will published when the 1 s session expires, long before the 60 s will delay");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldPublishWillOfTakenOverConnectionPerMqtt_3_1_4_3(final int version) throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final String clientId = FIXTURE.clientId("c");
            final RawMqttClient old = FIXTURE.raw();
            old.connect(RawPackets.connect(version, clientId).will(willTopic, "taken", 0, false, null).build());
            final RawMqttClient taker = FIXTURE.raw();
            assertEquals(0, taker.connect(RawPackets.connect(version, clientId).build()).reasonCode());
            FIXTURE.assertClosed(old, version, RawPackets.DISCONNECT, 0x8E);
            assertEquals("taken", text(BrokerFixture.receive(observer, TIMEOUT)));
        }
    }

    @Test
    void shouldNotPublishDelayedWillWhenTakeoverResumesSessionPerMqtt5_3_1_3_9() throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final String clientId = FIXTURE.clientId("c");
            final RawMqttClient old = FIXTURE.raw();
            old.connect(RawPackets.connect(MQTT_5, clientId).clean(false).properties(SESSION_60)
                .will(willTopic, "taken", 0, false, willDelay(1)).build());
            final RawMqttClient taker = FIXTURE.raw();
            final RawPacket ack = taker.connect(RawPackets.connect(MQTT_5, clientId).clean(false)
                .properties(SESSION_60).build());
            assertTrue(ack.sessionPresent());
            FIXTURE.assertClosed(old, MQTT_5, RawPackets.DISCONNECT, 0x8E);
            assertFalse(observer.receive(2500, TimeUnit.MILLISECONDS).isPresent(),
                "a new connection for the session within the will delay cancels the will");
            taker.send(RawPackets.disconnect());
        }
    }

    @Test
    void shouldPublishDelayedWillWhenTakeoverWithCleanStartEndsSessionPerMqtt5_3_1_2_8() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 does not publish the delayed will when a clean-start takeover ends the " +
            "session (MQTT 5 3.1.3.2.2: published when the delay passes or the session ends, whichever is first)");
        final String willTopic = FIXTURE.topic("will");
        try (Mqtt5BlockingClient.Mqtt5Publishes observer = observe(willTopic))
        {
            final String clientId = FIXTURE.clientId("c");
            final RawMqttClient old = FIXTURE.raw();
            old.connect(RawPackets.connect(MQTT_5, clientId).clean(false).properties(SESSION_60)
                .will(willTopic, "ended", 0, false, willDelay(30)).build());
            final RawMqttClient taker = FIXTURE.raw();
            assertFalse(taker.connect(RawPackets.connect(MQTT_5, clientId).clean(true).build()).sessionPresent());
            FIXTURE.assertClosed(old, MQTT_5, RawPackets.DISCONNECT, 0x8E);
            assertEquals("ended", text(BrokerFixture.receive(observer, TIMEOUT)),
                "clean start ends the old session, which publishes the will before its 30 s delay");
        }
    }

    private static PacketBuilder willDelay(final int seconds)
    {
        return new PacketBuilder().intProperty(RawProperties.WILL_DELAY_INTERVAL, seconds);
    }

    private static Mqtt5BlockingClient.Mqtt5Publishes observe(final String topic)
    {
        final Mqtt5BlockingClient observer = FIXTURE.mqtt5("observer");
        observer.connect();
        final Mqtt5BlockingClient.Mqtt5Publishes publishes = observer.publishes(MqttGlobalPublishFilter.ALL);
        observer.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
        return publishes;
    }

    private static String text(final Mqtt5Publish publish)
    {
        return new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }
}
