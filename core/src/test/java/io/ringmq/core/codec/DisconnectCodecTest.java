package io.ringmq.core.codec;

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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(10)
class DisconnectCodecTest
{
    private final DisconnectEncoder encoder = new DisconnectEncoder();
    private final DisconnectDecoder decoder = new DisconnectDecoder();

    private byte[] encode()
    {
        return encoded(encoder.encodedLength(), (b) -> encoder.encode(b, OFFSET));
    }

    private DisconnectDecoder decode(final byte[] frame, final int version)
    {
        return decoder.wrap(at(frame), OFFSET, frame.length, version);
    }

    @Test
    void shouldEncodeAndDecodeMqtt311Disconnect()
    {
        encoder.reset().version(MqttVersion.MQTT_3_1_1).reasonCode(ReasonCode.SERVER_SHUTTING_DOWN)
            .reasonString("ignored");
        final byte[] frame = encode();
        assertBytes(hex("E0 00"), frame);
        assertBytes(hex("E0 00"), encoded(DisconnectEncoder.encodedLength(0x8B, 4),
            (b) -> DisconnectEncoder.encode(b, OFFSET, 0x8B, 4)));
        assertEquals(ReasonCode.NORMAL_DISCONNECTION, decode(frame, MqttVersion.MQTT_3_1_1).reasonCode());
        assertEquals(-1, decoder.sessionExpiryInterval());
    }

    @Test
    void shouldEncodeAndDecodeMqtt5NormalDisconnectionAsTwoBytes()
    {
        encoder.reset();
        final byte[] frame = encode();
        assertBytes(hex("E0 00"), frame);
        assertEquals(ReasonCode.NORMAL_DISCONNECTION, decode(frame, MqttVersion.MQTT_5).reasonCode());
        assertNull(decoder.reasonString());
    }

    @Test
    void shouldEncodeAndDecodeMqtt5ReasonCodeOnly()
    {
        final byte[] frame = encoded(DisconnectEncoder.encodedLength(0x04, 5),
            (b) -> DisconnectEncoder.encode(b, OFFSET, ReasonCode.DISCONNECT_WITH_WILL_MESSAGE, 5));
        assertBytes(hex("E0 01 04"), frame);
        assertEquals(ReasonCode.DISCONNECT_WITH_WILL_MESSAGE, decode(frame, MqttVersion.MQTT_5).reasonCode());
    }

    @Test
    void shouldEncodeAndDecodeMqtt5DisconnectWithProperties()
    {
        encoder.reset().reasonCode(ReasonCode.USE_ANOTHER_SERVER).sessionExpiryInterval(60).reasonString("move")
            .serverReference("b:1883").addUserProperty("why", "maintenance");
        final byte[] expected = bytes().u8(0x9C).props(bytes()
            .u8(0x11).u32(60)
            .u8(0x1F).str("move")
            .u8(0x1C).str("b:1883")
            .u8(0x26).str("why").str("maintenance")).frame(0xE0);
        assertBytes(expected, encode());

        final DisconnectDecoder disconnect = decode(expected, MqttVersion.MQTT_5);
        assertEquals(ReasonCode.USE_ANOTHER_SERVER, disconnect.reasonCode());
        assertEquals(60, disconnect.sessionExpiryInterval());
        assertEquals("move", disconnect.reasonString());
        assertEquals("b:1883", disconnect.serverReference());

        final DisconnectPacket packet = DisconnectDecoder.decode(at(expected), OFFSET, expected.length, 5);
        assertEquals(60, packet.sessionExpiryInterval());
        assertEquals("move", packet.reasonString());
        assertUserProperties(List.<String[]>of(new String[]{ "why", "maintenance" }), packet.userProperties());
    }

    @Test
    void shouldDecodeReasonCodeWithEmptyPropertyBlock()
    {
        assertEquals(ReasonCode.SERVER_BUSY, decode(hex("E0 02 89 00"), 5).reasonCode());
    }

    @Test
    void shouldRejectNonZeroRemainingLengthIn311()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(hex("E0 01 00"), 4));
    }

    @Test
    void shouldRejectReservedFlagsPerMqtt_3_14_1_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.14.1-1", () -> decode(hex("E1 00"), 4));
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.14.1-1", () -> decode(hex("E2 00"), 5));
    }

    @Test
    void shouldRejectInvalidReasonCodePerMqtt_3_14_2_1()
    {
        final MqttProtocolException ex =
            assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.14.2-1", () -> decode(hex("E0 01 10"), 5));
        assertEquals(MqttVersion.MQTT_5, ex.protocolVersion());
    }

    @Test
    void shouldRejectPropertyNotAllowedInDisconnect()
    {
        final byte[] frame = bytes().u8(0).props(bytes().u8(0x12).str("id")).frame(0xE0);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, 5));
    }

    @Test
    void shouldRejectPropertyLengthNotMatchingRemainingLength()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(hex("E0 03 00 05 00"), 5));
    }
}
