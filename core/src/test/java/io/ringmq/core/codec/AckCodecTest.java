package io.ringmq.core.codec;

import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static io.ringmq.core.codec.Bytes.bytes;
import static io.ringmq.core.codec.Bytes.hex;
import static io.ringmq.core.codec.CodecAssertions.OFFSET;
import static io.ringmq.core.codec.CodecAssertions.assertBytes;
import static io.ringmq.core.codec.CodecAssertions.assertRejected;
import static io.ringmq.core.codec.CodecAssertions.at;
import static io.ringmq.core.codec.CodecAssertions.encoded;
import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class AckCodecTest
{
    private final AckDecoder decoder = new AckDecoder();
    private final AckEncoder encoder = new AckEncoder();

    private AckDecoder decode(final byte[] frame, final int version)
    {
        return decoder.wrap(at(frame), OFFSET, frame.length, version);
    }

    @ParameterizedTest
    @CsvSource({
        "4, 4, 40", "5, 4, 50", "6, 4, 62", "7, 4, 70",
        "4, 5, 40", "5, 5, 50", "6, 5, 62", "7, 5, 70",
        "4, 3, 40", "6, 3, 62" })
    void shouldEncodeAndDecodeSuccessAsTwoBytePacketId(final int type, final int version, final String firstByte)
    {
        final byte[] expected = hex(firstByte + " 02 12 34");
        final byte[] frame = encoded(AckEncoder.encodedLength(type, ReasonCode.SUCCESS, version),
            (b) -> encoder.encode(b, OFFSET, type, 0x1234, ReasonCode.SUCCESS, version));
        assertBytes(expected, frame);

        final AckDecoder ack = decode(frame, version);
        assertEquals(type, ack.packetType());
        assertEquals(0x1234, ack.packetId());
        assertEquals(ReasonCode.SUCCESS, ack.reasonCode());
        assertEquals(0, ack.reasonStringLength());
    }

    @Test
    void shouldIgnoreReasonCodeForMqtt311()
    {
        final byte[] frame = encoded(AckEncoder.encodedLength(PacketType.PUBACK, ReasonCode.NOT_AUTHORIZED, 4),
            (b) -> encoder.encode(b, OFFSET, PacketType.PUBACK, 1, ReasonCode.NOT_AUTHORIZED, 4));
        assertBytes(hex("40 02 00 01"), frame);
    }

    @Test
    void shouldEncodeAndDecodeMqtt5ReasonCodeWithoutProperties()
    {
        final byte[] frame = encoded(AckEncoder.encodedLength(PacketType.PUBREC, 0x10, 5),
            (b) -> encoder.encode(b, OFFSET, PacketType.PUBREC, 9, ReasonCode.NO_MATCHING_SUBSCRIBERS, 5));
        assertBytes(hex("50 03 00 09 10"), frame);
        assertEquals(ReasonCode.NO_MATCHING_SUBSCRIBERS, decode(frame, 5).reasonCode());
    }

    @Test
    void shouldEncodeAndDecodeMqtt5ReasonString()
    {
        final byte[] expected = bytes().u16(3).u8(0x87).props(bytes().u8(0x1F).str("denied")).frame(0x40);
        final byte[] frame = encoded(AckEncoder.encodedLength(PacketType.PUBACK, 0x87, "denied", 5),
            (b) -> encoder.encode(b, OFFSET, PacketType.PUBACK, 3, ReasonCode.NOT_AUTHORIZED, "denied", 5));
        assertBytes(expected, frame);

        final AckDecoder ack = decode(frame, 5);
        assertEquals(ReasonCode.NOT_AUTHORIZED, ack.reasonCode());
        final byte[] reason = new byte[ack.reasonStringLength()];
        ack.buffer().getBytes(ack.reasonStringOffset(), reason);
        assertEquals("denied", new String(reason, StandardCharsets.UTF_8));
    }

    @Test
    void shouldDecodeReasonCodeWithEmptyPropertiesAndUserProperties()
    {
        assertEquals(ReasonCode.SUCCESS, decode(hex("70 04 00 01 00 00"), 5).reasonCode());
        final byte[] frame = bytes().u16(1).u8(0x92).props(bytes().u8(0x26).str("a").str("b")).frame(0x70);
        assertEquals(ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, decode(frame, 5).reasonCode());
    }

    @Test
    void shouldRejectPubrelWithoutReservedFlagPerMqtt_3_6_1_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.6.1-1", () -> decode(hex("60 02 00 01"), 4));
    }

    @Test
    void shouldRejectPubackWithFlagsPerMqtt_2_1_3_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.1.3-1", () -> decode(hex("42 02 00 01"), 5));
    }

    @Test
    void shouldRejectPubcompWithFlagsIn311PerMqtt_2_2_2_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.2.2-1", () -> decode(hex("71 02 00 01"), 4));
    }

    @Test
    void shouldRejectPacketIdZeroPerMqtt_2_2_1_3()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-2.2.1-3", () -> decode(hex("40 02 00 00"), 5));
    }

    @Test
    void shouldRejectPacketIdZeroIn311PerMqtt_2_3_1_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.3.1-1", () -> decode(hex("50 02 00 00"), 4));
    }

    @Test
    void shouldRejectInvalidPubackReasonCodePerMqtt_3_4_2_1()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.4.2-1", () -> decode(hex("40 03 00 01 92"), 5));
    }

    @Test
    void shouldRejectInvalidPubrecReasonCodePerMqtt_3_5_2_1()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.5.2-1", () -> decode(hex("50 03 00 01 81"), 5));
    }

    @Test
    void shouldRejectInvalidPubrelReasonCodePerMqtt_3_6_2_1()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.6.2-1", () -> decode(hex("62 03 00 01 10"), 5));
    }

    @Test
    void shouldRejectInvalidPubcompReasonCodePerMqtt_3_7_2_1()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.7.2-1", () -> decode(hex("70 03 00 01 80"), 5));
    }

    @Test
    void shouldRejectLongerRemainingLengthIn311()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(hex("40 03 00 01 00"), 4));
    }

    @Test
    void shouldRejectTooShortRemainingLength()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(hex("40 01 00"), 5));
    }

    @Test
    void shouldRejectPropertyLengthNotMatchingRemainingLength()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(hex("40 05 00 01 00 05 00"), 5));
    }

    @Test
    void shouldRejectPropertyNotAllowedInAcknowledgement()
    {
        final byte[] frame = bytes().u16(1).u8(0).props(bytes().u8(0x23).u16(1)).frame(0x40);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, 5));
    }

    @Test
    void shouldRejectDuplicateReasonString()
    {
        final byte[] frame = bytes().u16(1).u8(0x80).props(bytes().u8(0x1F).str("a").u8(0x1F).str("b"))
            .frame(0x40);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, 5));
    }

    @Test
    void shouldRejectNonAcknowledgementType()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.2", () -> decode(hex("30 02 00 01"), 5));
    }
}
