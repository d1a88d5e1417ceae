package io.ringmq.core.codec;

import io.ringmq.core.protocol.ConnectReturnCode;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static io.ringmq.core.codec.Bytes.bytes;
import static io.ringmq.core.codec.Bytes.hex;
import static io.ringmq.core.codec.CodecAssertions.OFFSET;
import static io.ringmq.core.codec.CodecAssertions.assertBytes;
import static io.ringmq.core.codec.CodecAssertions.assertRejected;
import static io.ringmq.core.codec.CodecAssertions.assertUserProperties;
import static io.ringmq.core.codec.CodecAssertions.at;
import static io.ringmq.core.codec.CodecAssertions.encoded;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ConnackCodecTest
{
    private final ConnackPacket encoder = new ConnackPacket();

    private byte[] encode()
    {
        return encoded(ConnackEncoder.encodedLength(encoder), (b) -> ConnackEncoder.encode(encoder, b, OFFSET));
    }

    private static ConnackPacket decode(final byte[] frame, final int version)
    {
        return ConnackDecoder.decode(at(frame), OFFSET, frame.length, version);
    }

    @Test
    void shouldEncodeAndDecodeMqtt311Accepted()
    {
        encoder.reset().version(MqttVersion.MQTT_3_1_1).sessionPresent(true).reasonCode(ReasonCode.SUCCESS);
        final byte[] frame = encode();
        assertBytes(hex("20 02 01 00"), frame);

        final ConnackPacket packet = decode(frame, MqttVersion.MQTT_3_1_1);
        assertTrue(packet.sessionPresent());
        assertEquals(ConnectReturnCode.ACCEPTED, packet.reasonCode());
    }

    @Test
    void shouldMapReasonCodeToReturnCodeAndClearSessionPresentOnFailurePerMqtt_3_2_2_4()
    {
        encoder.reset().version(MqttVersion.MQTT_3_1_1).sessionPresent(true).reasonCode(ReasonCode.NOT_AUTHORIZED);
        assertBytes(hex("20 02 00 05"), encode());
        encoder.reasonCode(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertBytes(hex("20 02 00 04"), encode());
        encoder.reasonCode(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION);
        assertBytes(hex("20 02 00 01"), encode());
        encoder.reasonCode(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        assertBytes(hex("20 02 00 02"), encode());
        encoder.reasonCode(ReasonCode.SERVER_BUSY);
        assertBytes(hex("20 02 00 03"), encode());
        assertEquals(ConnectReturnCode.NOT_AUTHORIZED, decode(hex("20 02 00 05"), MqttVersion.MQTT_3_1_1).reasonCode());
    }

    @Test
    void shouldNotWriteSessionPresentForMqtt31()
    {
        encoder.reset().version(MqttVersion.MQTT_3_1).sessionPresent(true);
        assertBytes(hex("20 02 00 00"), encode());
    }

    @Test
    void shouldEncodeAndDecodeMinimalMqtt5Connack()
    {
        encoder.reset().version(MqttVersion.MQTT_5).sessionPresent(true);
        final byte[] frame = encode();
        assertBytes(hex("20 03 01 00 00"), frame);

        final ConnackPacket packet = decode(frame, MqttVersion.MQTT_5);
        assertTrue(packet.sessionPresent());
        assertEquals(-1, packet.sessionExpiryInterval());
        assertEquals(65535, packet.receiveMaximum());
        assertEquals(2, packet.maximumQos());
        assertTrue(packet.retainAvailable());
        assertTrue(packet.wildcardSubscriptionAvailable());
        assertTrue(packet.subscriptionIdentifiersAvailable());
        assertTrue(packet.sharedSubscriptionAvailable());
        assertEquals(-1, packet.serverKeepAlive());
        assertNull(packet.assignedClientIdentifier());
    }

    @Test
    void shouldEncodeAndDecodeMqtt5ConnackWithEveryProperty()
    {
        encoder.reset().version(MqttVersion.MQTT_5).sessionPresent(false).reasonCode(ReasonCode.SUCCESS)
            .sessionExpiryInterval(300).receiveMaximum(1024).maximumQos(1).retainAvailable(false)
            .maximumPacketSize(1_048_576).assignedClientIdentifier("auto-1").topicAliasMaximum(64)
            .reasonString("welcome").wildcardSubscriptionAvailable(false).subscriptionIdentifiersAvailable(false)
            .sharedSubscriptionAvailable(false).serverKeepAlive(45).responseInformation("resp/")
            .serverReference("other:1883").authenticationMethod("m").authenticationData(new byte[]{ 5, 6 })
            .addUserProperty("node", "a");
        final byte[] expected = bytes().u8(0x00, 0x00).props(bytes()
            .u8(0x11).u32(300)
            .u8(0x21).u16(1024)
            .u8(0x24, 1)
            .u8(0x25, 0)
            .u8(0x27).u32(1_048_576)
            .u8(0x12).str("auto-1")
            .u8(0x22).u16(64)
            .u8(0x1F).str("welcome")
            .u8(0x28, 0)
            .u8(0x29, 0)
            .u8(0x2A, 0)
            .u8(0x13).u16(45)
            .u8(0x1A).str("resp/")
            .u8(0x1C).str("other:1883")
            .u8(0x15).str("m")
            .u8(0x16).bin(new byte[]{ 5, 6 })
            .u8(0x26).str("node").str("a")).frame(0x20);

        assertBytes(expected, encode());

        final ConnackPacket packet = decode(expected, MqttVersion.MQTT_5);
        assertEquals(300, packet.sessionExpiryInterval());
        assertEquals(1024, packet.receiveMaximum());
        assertEquals(1, packet.maximumQos());
        assertFalse(packet.retainAvailable());
        assertEquals(1_048_576, packet.maximumPacketSize());
        assertEquals("auto-1", packet.assignedClientIdentifier());
        assertEquals(64, packet.topicAliasMaximum());
        assertEquals("welcome", packet.reasonString());
        assertFalse(packet.wildcardSubscriptionAvailable());
        assertFalse(packet.subscriptionIdentifiersAvailable());
        assertFalse(packet.sharedSubscriptionAvailable());
        assertEquals(45, packet.serverKeepAlive());
        assertEquals("resp/", packet.responseInformation());
        assertEquals("other:1883", packet.serverReference());
        assertEquals("m", packet.authenticationMethod());
        assertArrayEquals(new byte[]{ 5, 6 }, packet.authenticationData());
        assertUserProperties(List.<String[]>of(new String[]{ "node", "a" }), packet.userProperties());
    }

    @Test
    void shouldOmitDefaultValuedProperties()
    {
        encoder.reset().version(MqttVersion.MQTT_5).receiveMaximum(65535).maximumQos(2).retainAvailable(true)
            .topicAliasMaximum(0).maximumPacketSize(0).serverKeepAlive(-1).sessionExpiryInterval(-1);
        assertBytes(hex("20 03 00 00 00"), encode());
        encoder.receiveMaximum(0);
        assertBytes(hex("20 03 00 00 00"), encode());
    }

    @Test
    void shouldWriteFailureReasonCodeWithoutSessionPresentPerMqtt_3_2_2_6()
    {
        encoder.reset().version(MqttVersion.MQTT_5).sessionPresent(true).reasonCode(ReasonCode.BANNED);
        final byte[] frame = encode();
        assertBytes(hex("20 03 00 8A 00"), frame);
        assertEquals(ReasonCode.BANNED, decode(frame, MqttVersion.MQTT_5).reasonCode());
    }

    @Test
    void shouldForgetFieldsOnReset()
    {
        encoder.reset().version(MqttVersion.MQTT_5).reasonString("x").addUserProperty("a", "b").serverKeepAlive(5);
        encoder.reset();
        assertBytes(hex("20 03 00 00 00"), encode());
    }

    @Test
    void shouldRejectReservedAcknowledgeFlagsPerMqtt_3_2_2_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.2.2-1",
            () -> decode(hex("20 03 02 00 00"), MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectInvalidMqtt5ReasonCode()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.2.2.2",
            () -> decode(hex("20 03 00 10 00"), MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectInvalidMqtt311ReturnCode()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "3.2.2.3",
            () -> decode(hex("20 02 00 06"), MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectMaximumQosOtherThan0Or1()
    {
        final byte[] frame = bytes().u8(0, 0).props(bytes().u8(0x24, 2)).frame(0x20);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectPropertyNotAllowedInConnack()
    {
        final byte[] frame = bytes().u8(0, 0).props(bytes().u8(0x17, 1)).frame(0x20);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }
}
