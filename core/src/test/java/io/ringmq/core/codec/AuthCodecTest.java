package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(10)
class AuthCodecTest
{
    private static AuthPacket decode(final byte[] frame, final int version)
    {
        return AuthDecoder.decode(at(frame), OFFSET, frame.length, version);
    }

    private static byte[] encode(final AuthPacket packet)
    {
        return encoded(AuthEncoder.encodedLength(packet), (b) -> AuthEncoder.encode(packet, b, OFFSET));
    }

    @Test
    void shouldEncodeAndDecodeSuccessWithoutProperties()
    {
        final byte[] frame = encode(new AuthPacket());
        assertBytes(hex("F0 00"), frame);
        final AuthPacket packet = decode(frame, MqttVersion.MQTT_5);
        assertEquals(ReasonCode.SUCCESS, packet.reasonCode());
        assertNull(packet.authenticationMethod());
    }

    @Test
    void shouldEncodeAndDecodeContinueAuthentication()
    {
        final AuthPacket packet = new AuthPacket().reasonCode(ReasonCode.CONTINUE_AUTHENTICATION)
            .authenticationMethod("SCRAM-SHA-256").authenticationData(new byte[]{ 1, 2, 3 }).reasonString("more")
            .addUserProperty("a", "b");
        final byte[] expected = bytes().u8(0x18).props(bytes()
            .u8(0x15).str("SCRAM-SHA-256")
            .u8(0x16).bin(new byte[]{ 1, 2, 3 })
            .u8(0x1F).str("more")
            .u8(0x26).str("a").str("b")).frame(0xF0);
        assertBytes(expected, encode(packet));

        final AuthPacket decoded = decode(expected, MqttVersion.MQTT_5);
        assertEquals(ReasonCode.CONTINUE_AUTHENTICATION, decoded.reasonCode());
        assertEquals("SCRAM-SHA-256", decoded.authenticationMethod());
        assertArrayEquals(new byte[]{ 1, 2, 3 }, decoded.authenticationData());
        assertEquals("more", decoded.reasonString());
        assertUserProperties(packet.userProperties(), decoded.userProperties());
    }

    @Test
    void shouldRejectInvalidReasonCodePerMqtt_3_15_2_1()
    {
        final byte[] frame = bytes().u8(0x80).props(bytes().u8(0x15).str("m")).frame(0xF0);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.15.2-1", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectMissingAuthenticationMethodAsProtocolError()
    {
        final byte[] frame = bytes().u8(0x19).props(bytes().u8(0x16).bin(new byte[]{ 1 })).frame(0xF0);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.15.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectReservedFlagsPerMqtt_3_15_1_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.15.1-1", () -> decode(hex("F1 00"), MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectAuthBeforeMqtt5()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.2.2-1", () -> decode(hex("F0 00"), 4));
    }

    @Test
    void shouldRejectPropertyNotAllowedInAuth()
    {
        final byte[] frame = bytes().u8(0x18).props(bytes().u8(0x15).str("m").u8(0x11).u32(1)).frame(0xF0);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }
}
