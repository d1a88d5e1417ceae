package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.utf8;
import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ringmq.transport.RingMqBroker;

/**
 * Malformed packets and protocol errors sent with {@link RawMqttClient}. Each test is named after the normative
 * statement it checks. MQTT 3.1.1 expects the connection closed; MQTT 5 also expects the DISCONNECT (or CONNACK)
 * reason code, required from RingMQ and checked if present for other brokers (see
 * {@link BrokerFixture#assertClosed}). Every test then shows that other clients are unaffected.
 */
@Timeout(30)
final class MalformedPacketIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    private static final int MALFORMED = 0x81;
    private static final int PROTOCOL_ERROR = 0x82;

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnQos3PerMqtt_3_3_1_4(final int version) throws Exception
    {
        final byte[] publish = RawPackets.publish(version, 1, FIXTURE.topic("t"), 1, "x");
        publish[0] = 0x36; // QoS bits 11
        violate(version, publish, MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnReservedFixedHeaderFlagsPerMqtt_2_2_2_2(final int version) throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 answers a PINGREQ with reserved flags 0001 instead of closing");
        violate(version, new byte[]{ (byte)0xC1, 0 }, MALFORMED); // PINGREQ flags must be 0000
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnPubrelWithWrongFlagsPerMqtt_3_6_1_1(final int version) throws Exception
    {
        violate(version, new PacketBuilder().u16(1).packet(0x60), MALFORMED); // PUBREL flags must be 0010
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnSubscribeWithWrongFlagsPerMqtt_3_8_1_1(final int version) throws Exception
    {
        final byte[] subscribe = RawPackets.subscribe(version, 1, FIXTURE.topic("t"), 0, null);
        subscribe[0] = (byte)0x80; // SUBSCRIBE flags must be 0010
        violate(version, subscribe, MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnUnsubscribeWithWrongFlagsPerMqtt_3_10_1_1(final int version) throws Exception
    {
        final byte[] unsubscribe = RawPackets.unsubscribe(version, 1, FIXTURE.topic("t"));
        unsubscribe[0] = (byte)0xA0; // UNSUBSCRIBE flags must be 0010
        violate(version, unsubscribe, MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnPublishPacketIdZeroPerMqtt_2_3_1_1(final int version) throws Exception
    {
        // MQTT 5 names no reason code for this one: Malformed Packet or Protocol Error.
        violate(version, RawPackets.publish(version, 1, FIXTURE.topic("t"), 0, "x"), MALFORMED, PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnSubscribePacketIdZeroPerMqtt_2_3_1_1(final int version) throws Exception
    {
        violate(version, RawPackets.subscribe(version, 0, FIXTURE.topic("t"), 0, null), MALFORMED, PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnFiveByteRemainingLengthPerMqttSection_2_2_3(final int version) throws Exception
    {
        violate(version, new byte[]{ 0x30, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, 0x01 }, MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnIllFormedUtf8InTopicPerMqtt_1_5_3_1(final int version) throws Exception
    {
        violate(version, publishWithRawTopic(version, new byte[]{ 'a', '/', (byte)0xC3, 0x28 }), MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnUtf16SurrogateInTopicPerMqtt_1_5_3_1(final int version) throws Exception
    {
        violate(version, publishWithRawTopic(version, new byte[]{ 'a', (byte)0xED, (byte)0xA0, (byte)0x80 }),
            MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnNullCharacterInTopicPerMqtt_1_5_3_2(final int version) throws Exception
    {
        violate(version, publishWithRawTopic(version, new byte[]{ 'a', 0, 'b' }), MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnWildcardInPublishTopicPerMqtt_3_3_2_2(final int version) throws Exception
    {
        // 0x90 Topic Name invalid fits best; Protocol Error is also seen.
        violate(version, RawPackets.publish(version, 0, FIXTURE.topic("+/x"), 0, "x"), 0x90, PROTOCOL_ERROR,
            MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnSubscribeWithoutTopicFilterPerMqtt_3_8_3_3(final int version) throws Exception
    {
        final PacketBuilder body = new PacketBuilder().u16(1);
        if (version == MQTT_5)
        {
            body.properties(null);
        }
        violate(version, body.packet(0x82), PROTOCOL_ERROR, MALFORMED);
    }

    @Test
    void shouldCloseOnRequestedQos3PerMqtt_3_8_3_4() throws Exception
    {
        violate(MQTT_3_1_1, RawPackets.subscribe(MQTT_3_1_1, 1, FIXTURE.topic("t"), 3, null));
    }

    @Test
    void shouldSendProtocolErrorOnRequestedQos3PerMqtt5Section_3_8_3_1() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 answers 0x81 Malformed Packet; MQTT 5 section 3.8.3.1 makes Maximum " +
            "QoS 3 a Protocol Error (0x82)");
        violate(MQTT_5, RawPackets.subscribe(MQTT_5, 1, FIXTURE.topic("t"), 3, null), PROTOCOL_ERROR);
    }

    @Test
    void shouldCloseOnReservedSubscriptionOptionBitsPerMqtt5_3_8_3_5() throws Exception
    {
        violate(MQTT_5, RawPackets.subscribe(MQTT_5, 1, FIXTURE.topic("t"), 0xC1, null), MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnReservedPacketTypeZeroPerMqttSection_2_2_1(final int version) throws Exception
    {
        violate(version, new byte[]{ 0x00, 0x00 }, MALFORMED, PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnTopicLengthBeyondRemainingLengthPerMqttSection_1_5_3(final int version) throws Exception
    {
        violate(version, new PacketBuilder().u16(200).raw(utf8("short")).packet(0x30), MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnInvalidTopicFilterOrRefuseItPerMqtt_4_7_1_2(final int version) throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.connect(RawPackets.connect(version, FIXTURE.clientId("bad")).build());
        raw.send(RawPackets.subscribe(version, 1, FIXTURE.topic("a/#/b"), 0, null));
        final RawPacket first = raw.poll(BrokerFixture.TIMEOUT);
        if (null != first && first.type() == RawPackets.SUBACK)
        {
            final int code = first.subAckCodes(version).get(0);
            assertTrue(code == 0x80 || code == 0x8F, "SUBACK refuses the filter: 0x" + Integer.toHexString(code));
        }
        else
        {
            if (null != first && version == MQTT_5)
            {
                assertEquals(RawPackets.DISCONNECT, first.type());
            }
            raw.readUntilClosed(BrokerFixture.TIMEOUT);
        }
        FIXTURE.assertBrokerServes();
    }

    @Test
    void shouldCloseOnSubscriptionIdentifierFromClientPerMqtt5_3_3_4_6() throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 accepts a client PUBLISH carrying a Subscription Identifier");
        violate(MQTT_5, RawPackets.publish(MQTT_5, 1, false, false, FIXTURE.topic("t"), 1, utf8("x"),
            new PacketBuilder().varIntProperty(RawProperties.SUBSCRIPTION_IDENTIFIER, 5)), PROTOCOL_ERROR);
    }

    @Test
    void shouldCloseOnDuplicatedPublishPropertyPerMqtt5Section_3_3_2_3_2() throws Exception
    {
        violate(MQTT_5, RawPackets.publish(MQTT_5, 1, false, false, FIXTURE.topic("t"), 1, utf8("x"),
            new PacketBuilder().byteProperty(RawProperties.PAYLOAD_FORMAT_INDICATOR, 1)
                .byteProperty(RawProperties.PAYLOAD_FORMAT_INDICATOR, 1)), PROTOCOL_ERROR);
    }

    @Test
    void shouldRefuseDuplicatedConnectPropertyPerMqtt5Section_3_1_2_11_2() throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        raw.send(RawPackets.connect(MQTT_5, FIXTURE.clientId("bad")).properties(new PacketBuilder()
            .intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 10)
            .intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 20)).build());
        final List<RawPacket> packets = FIXTURE.assertClosed(raw, MQTT_5, RawPackets.CONNACK, PROTOCOL_ERROR);
        for (final RawPacket packet : packets)
        {
            assertFalse(packet.type() == RawPackets.CONNACK && packet.reasonCode() == 0, "accepted: " + packet);
        }
        FIXTURE.assertBrokerServes();
    }

    @Test
    void shouldCloseOnPropertyLengthBeyondPacketPerMqtt5Section_2_2_2_1() throws Exception
    {
        final byte[] publish = new PacketBuilder().utf8(FIXTURE.topic("t")).u16(1).varInt(50)
            .byteProperty(RawProperties.PAYLOAD_FORMAT_INDICATOR, 1).packet(0x32);
        violate(MQTT_5, publish, MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseOnPacketLargerThanMaximumPacketSizePerMqtt5Section_3_2_2_3_6(final int version) throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(config -> config.maxPacketSize(1024));
        final RawMqttClient raw = FIXTURE.raw(broker.port());
        final RawPacket connAck = raw.connect(RawPackets.connect(version, FIXTURE.clientId("big")).build());
        if (version == MQTT_5)
        {
            assertEquals(1024L, connAck.properties().number(RawProperties.MAXIMUM_PACKET_SIZE));
        }
        // Larger than the maximum, yet within one WebSocket frame's limit (maximum + 1 KiB): over WebSocket a bigger
        // frame is refused by the WebSocket layer itself (Close 1009) before MQTT sees it.
        final byte[] payload = new byte[1500];
        raw.send(RawPackets.publish(version, 1, false, false, FIXTURE.topic("t"), 1, payload, null));
        FIXTURE.assertClosed(raw, version, RawPackets.DISCONNECT, 0x95);

        final RawMqttClient other = FIXTURE.raw(broker.port());
        other.connect(RawPackets.connect(version, FIXTURE.clientId("other")).build());
        other.send(RawPackets.pingReq());
        other.expect(RawPackets.PINGRESP);
    }

    private static byte[] publishWithRawTopic(final int version, final byte[] topic)
    {
        final PacketBuilder body = new PacketBuilder().binary(topic).u16(1);
        if (version == MQTT_5)
        {
            body.properties(null);
        }
        return body.raw(utf8("x")).packet(0x32);
    }

    private static void violate(final int version, final byte[] bytes, final int... reasonCodes) throws Exception
    {
        final RawMqttClient raw = FIXTURE.raw();
        assertEquals(0, raw.connect(RawPackets.connect(version, FIXTURE.clientId("bad")).build()).reasonCode());
        raw.send(bytes);
        final List<RawPacket> packets = FIXTURE.assertClosed(raw, version, RawPackets.DISCONNECT, reasonCodes);
        for (final RawPacket packet : packets)
        {
            assertTrue(packet.type() == RawPackets.DISCONNECT, "only a DISCONNECT may precede the close: " + packet);
        }
        FIXTURE.assertBrokerServes();
    }
}
