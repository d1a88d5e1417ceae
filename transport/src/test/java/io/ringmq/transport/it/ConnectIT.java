package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;

import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * CONNECT and CONNACK (MQTT 3.1.1 section 3.1/3.2, MQTT 5 section 3.1/3.2) with real clients of every version.
 */
@Timeout(30)
final class ConnectIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    @Test
    void shouldAcceptMqtt311ConnectFromEveryClient() throws Exception
    {
        final Mqtt3BlockingClient hive = FIXTURE.mqtt3("hive");
        final Mqtt3ConnAck ack = hive.connect();
        assertEquals(Mqtt3ConnAckReturnCode.SUCCESS, ack.getReturnCode());
        assertFalse(ack.isSessionPresent());

        final Paho3Client paho = FIXTURE.paho3("paho").connect(true);
        assertTrue(paho.client().isConnected());

        final RawMqttClient raw = FIXTURE.raw();
        final RawPacket connAck = raw.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("raw")).build());
        assertArrayEquals(new byte[]{ 0, 0 }, connAck.body(), "3.1.1 CONNACK is 2 bytes: flags 0, return code 0");
    }

    @Test
    void shouldAcceptMqtt5ConnectFromEveryClient() throws Exception
    {
        final Mqtt5BlockingClient hive = FIXTURE.mqtt5("hive");
        final Mqtt5ConnAck ack = hive.connect();
        assertEquals(Mqtt5ConnAckReasonCode.SUCCESS, ack.getReasonCode());
        assertFalse(ack.isSessionPresent());

        final Paho5Client paho = FIXTURE.paho5("paho").connect(true, 0);
        assertTrue(paho.client().isConnected());

        final RawMqttClient raw = FIXTURE.raw();
        final RawPacket connAck = raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("raw")).build());
        assertEquals(0, connAck.reasonCode());
        assertFalse(connAck.sessionPresent());
        assertNotNull(connAck.properties(), "MQTT 5 CONNACK carries a well-formed property list");
    }

    @Test
    void shouldAcceptMqtt31MqisdpConnectAndDeliver() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        // MQTT 3.1 limits client identifiers to 23 characters.
        final String clientId = "it31-" + Long.toHexString(System.nanoTime());
        final RawPacket connAck = raw.connect(RawPackets.connect(MQTT_3_1, clientId).build());
        assertEquals(0, connAck.reasonCode());

        final String topic = FIXTURE.topic("t");
        raw.send(RawPackets.subscribe(MQTT_3_1, 1, topic, 1, null));
        assertEquals(List.of(1), raw.expect(RawPackets.SUBACK).subAckCodes(MQTT_3_1));

        final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(BrokerFixture.utf8("to 3.1")).send();

        final RawPacket.Publish publish = raw.expect(RawPackets.PUBLISH).publish(MQTT_3_1);
        assertEquals(topic, publish.topic());
        assertEquals(1, publish.qos());
        assertEquals("to 3.1", publish.text());
        raw.send(RawPackets.ack(RawPackets.PUBACK, publish.packetId()));
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldReportSessionPresentPerMqtt_3_2_2_1And_3_2_2_2(final int version) throws Exception
    {
        final String clientId = FIXTURE.clientId("c");
        final PacketBuilder expiry = new PacketBuilder().intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 60);

        final RawPacket first = connect(version, clientId, false, expiry);
        assertFalse(first.sessionPresent(), "no session existed yet");

        final RawPacket second = connect(version, clientId, false, expiry);
        assertTrue(second.sessionPresent(), "session resumed");

        final RawPacket clean = connect(version, clientId, true, null);
        assertFalse(clean.sessionPresent(), "clean session/start always reports no session");
    }

    @Test
    void shouldAssignClientIdentifierForEmptyIdPerMqtt5_3_1_3_7() throws Exception
    {
        final RawMqttClient first = FIXTURE.raw();
        final RawPacket firstAck = first.connect(RawPackets.connect(MQTT_5, "").build());
        assertEquals(0, firstAck.reasonCode());
        final String assigned = firstAck.properties().string(RawProperties.ASSIGNED_CLIENT_IDENTIFIER);
        assertNotNull(assigned, "CONNACK must carry an Assigned Client Identifier");
        assertFalse(assigned.isEmpty());

        final RawMqttClient second = FIXTURE.raw();
        final RawPacket secondAck = second.connect(RawPackets.connect(MQTT_5, "").build());
        assertNotEquals(assigned, secondAck.properties().string(RawProperties.ASSIGNED_CLIENT_IDENTIFIER));

        final Mqtt5BlockingClient hive = FIXTURE.track(FIXTURE.transport().apply(MqttClient.builder().useMqttVersion5()
            .serverHost(BrokerFixture.HOST).serverPort(FIXTURE.port())).buildBlocking());
        final Mqtt5ConnAck ack = hive.connect();
        assertTrue(ack.getAssignedClientIdentifier().isPresent());
        assertTrue(hive.getConfig().getClientIdentifier().isPresent());
    }

    @Test
    void shouldAcceptEmptyClientIdWithCleanSessionPerMqtt_3_1_3_6() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        final RawPacket ack = raw.connect(RawPackets.connect(MQTT_3_1_1, "").clean(true).build());
        assertEquals(0, ack.reasonCode());

        raw.send(RawPackets.pingReq());
        raw.expect(RawPackets.PINGRESP);
    }

    @Test
    void shouldRejectEmptyClientIdWithoutCleanSessionPerMqtt_3_1_3_8() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        final RawPacket ack = raw.connect(RawPackets.connect(MQTT_3_1_1, "").clean(false).build());
        assertEquals(2, ack.reasonCode(), "0x02 Identifier rejected");
        raw.readUntilClosed(TIMEOUT);
    }

    @Test
    void shouldRefuseUnsupportedProtocolLevelPerMqtt_3_1_2_2() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("c")).protocol("MQTT", 2).build());
        final List<RawPacket> packets = raw.readUntilClosed(TIMEOUT);
        assertEquals(1, packets.size(), "one CONNACK, then close: " + packets);
        assertArrayEquals(new byte[]{ 0, 1 }, packets.get(0).body(), "0x01 unacceptable protocol version");
    }

    @Test
    void shouldCloseAfterRefusingNewerProtocolLevelPerMqtt5_3_1_2_2() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).protocol("MQTT", 6).build());
        for (final RawPacket packet : raw.readUntilClosed(TIMEOUT))
        {
            assertEquals(RawPackets.CONNACK, packet.type());
            final int code = packet.reasonCode();
            assertTrue(code == 0x01 || code == 0x84, "refused with 0x01 (3.1.1 form) or 0x84 (5 form): " + packet);
        }
    }

    @Test
    void shouldRefuseNewerProtocolLevelWithUnsupportedProtocolVersion0x84() throws Exception
    {
        FIXTURE.assumeRingMq("answers an unknown level above 5 in MQTT 5 form (Mosquitto answers 3.1.1 form 0x01)");
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).protocol("MQTT", 6).build());
        final List<RawPacket> packets = raw.readUntilClosed(TIMEOUT);
        assertEquals(1, packets.size(), "one CONNACK, then close: " + packets);
        assertEquals(0x84, packets.get(0).reasonCode());
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnSecondConnectPerMqtt_3_1_0_2(final int version) throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        final byte[] connect = RawPackets.connect(version, FIXTURE.clientId("c")).build();
        assertEquals(0, raw.connect(connect).reasonCode());
        raw.send(connect);
        FIXTURE.assertClosed(raw, version, RawPackets.DISCONNECT, 0x82);
        FIXTURE.assertBrokerServes();
    }

    @Test
    void shouldCloseWhenFirstPacketIsNotConnectPerMqtt_3_1_0_1() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(RawPackets.pingReq());
        final List<RawPacket> packets = raw.readUntilClosed(TIMEOUT);
        for (final RawPacket packet : packets)
        {
            assertNotEquals(RawPackets.PINGRESP, packet.type(), "PINGREQ before CONNECT must not be answered");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnReservedConnectFlagPerMqtt_3_1_2_3(final int version) throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(RawPackets.connect(version, FIXTURE.clientId("c")).reservedFlag().build());
        assertNoSuccessfulConnAck(FIXTURE.assertClosed(raw, version, RawPackets.CONNACK, 0x81));
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnWillQos3PerMqtt_3_1_2_14(final int version) throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(RawPackets.connect(version, FIXTURE.clientId("c")).will(FIXTURE.topic("will"), "w", 3, false, null)
            .build());
        assertNoSuccessfulConnAck(FIXTURE.assertClosed(raw, version, RawPackets.CONNACK, 0x81));
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnWillQosWithoutWillFlagPerMqtt_3_1_2_13(final int version) throws Exception
    {
        final byte[] connect = RawPackets.connect(version, FIXTURE.clientId("c")).build();
        connect[9] |= 0x08; // connect flags: Will QoS 1 while the Will Flag is 0
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(connect);
        assertNoSuccessfulConnAck(FIXTURE.assertClosed(raw, version, RawPackets.CONNACK, 0x81));
    }

    @Test
    void shouldCloseOnPasswordWithoutUserNamePerMqtt_3_1_2_22() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("c")).credentials(null, "secret").build());
        assertNoSuccessfulConnAck(raw.readUntilClosed(TIMEOUT));
    }

    @Test
    void shouldDeliverBetweenAllClientLibraries() throws Exception
    {
        final String topic = FIXTURE.topic("mix");
        final Paho3Client paho3 = FIXTURE.paho3("paho3").connect(true);
        paho3.client().subscribe(topic, 1);
        final Paho5Client paho5 = FIXTURE.paho5("paho5").connect(true, 0);
        paho5.client().subscribe(new MqttSubscription[]{
            new MqttSubscription(topic, 1) });
        final Mqtt5BlockingClient hive5 = FIXTURE.mqtt5("hive5");
        hive5.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = hive5.publishes(MqttGlobalPublishFilter.ALL))
        {
            hive5.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

            final Mqtt3BlockingClient hive3 = FIXTURE.mqtt3("hive3");
            hive3.connect();
            hive3.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(BrokerFixture.utf8("m1")).send();

            assertEquals("m1", paho3.inbox().take(TIMEOUT).text());
            assertEquals("m1", paho5.inbox().take(TIMEOUT).text());
            assertArrayEquals(BrokerFixture.utf8("m1"), BrokerFixture.receive(publishes, TIMEOUT).getPayloadAsBytes());
        }
    }

    private static RawPacket connect(
        final int version, final String clientId, final boolean clean, final PacketBuilder props) throws Exception
    {
        try (RawMqttClient raw = FIXTURE.raw())
        {
            final RawPacket ack = raw.connect(RawPackets.connect(version, clientId).clean(clean).properties(props)
                .build());
            assertEquals(0, ack.reasonCode());
            raw.send(RawPackets.disconnect());
            raw.readUntilClosed(TIMEOUT);
            return ack;
        }
    }

    private static void assertNoSuccessfulConnAck(final List<RawPacket> packets)
    {
        for (final RawPacket packet : packets)
        {
            assertFalse(packet.type() == RawPackets.CONNACK && packet.reasonCode() == 0, "accepted: " + packet);
        }
    }

    @Test
    void shouldRefuseConnectionsBeyondMaxConnections() throws Exception
    {
        FIXTURE.assumeRingMq("the max-connections limit is RingMQ configuration");
        final io.ringmq.transport.RingMqBroker broker = FIXTURE.startBroker(config -> config.maxConnections(2));
        final RawMqttClient first = FIXTURE.raw(broker.port());
        assertEquals(0, first.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("a")).build()).reasonCode());
        final RawMqttClient second = FIXTURE.raw(broker.port());
        assertEquals(0, second.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("b")).build()).reasonCode());

        try
        {
            final RawMqttClient third = FIXTURE.raw(broker.port());
            third.send(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("c")).build());
            assertTrue(third.readUntilClosed(TIMEOUT).isEmpty(), "third connection closed without CONNACK");
        }
        catch (final java.io.IOException ex)
        {
            // Over TLS or WebSocket the refusal (a close at accept) already ends the handshake or the upgrade.
            assertTrue(FIXTURE.transport() != ItTransport.TCP, "over TCP the connection opens, then closes: " + ex);
        }
        assertEquals(1, broker.transportStats().connectionsRefused(), "the refusal is counted");

        first.send(RawPackets.disconnect());
        assertTrue(first.readUntilClosed(TIMEOUT).isEmpty());
        BrokerFixture.await("a slot is free again", () ->
        {
            try
            {
                final RawMqttClient fourth = FIXTURE.raw(broker.port());
                return 0 == fourth.connect(RawPackets.connect(MQTT_3_1_1, FIXTURE.clientId("d")).build())
                    .reasonCode();
            }
            catch (final Exception | AssertionError ex)
            {
                // Refused while the broker has not yet seen the first connection go: try again.
                return false;
            }
        }, TIMEOUT);
    }
}
