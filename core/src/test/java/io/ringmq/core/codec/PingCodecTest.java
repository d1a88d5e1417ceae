package io.ringmq.core.codec;

import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.ringmq.core.codec.Bytes.hex;
import static io.ringmq.core.codec.CodecAssertions.OFFSET;
import static io.ringmq.core.codec.CodecAssertions.assertBytes;
import static io.ringmq.core.codec.CodecAssertions.assertRejected;
import static io.ringmq.core.codec.CodecAssertions.at;
import static io.ringmq.core.codec.CodecAssertions.encoded;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class PingCodecTest
{
    @Test
    void shouldEncodeAndDecodePingreq()
    {
        final byte[] frame = encoded(PingEncoder.LENGTH, (b) -> PingEncoder.encodePingreq(b, OFFSET));
        assertBytes(hex("C0 00"), frame);
        assertEquals(PacketType.PINGREQ, PingDecoder.decode(at(frame), OFFSET, 2, 4));
        assertDoesNotThrow(() -> PingDecoder.validatePingreq(at(frame), OFFSET, 2));
    }

    @Test
    void shouldEncodeAndDecodePingresp()
    {
        final byte[] frame = encoded(PingEncoder.LENGTH, (b) -> PingEncoder.encodePingresp(b, OFFSET));
        assertBytes(hex("D0 00"), frame);
        assertEquals(PacketType.PINGRESP, PingDecoder.decode(at(frame), OFFSET, 2));
        assertDoesNotThrow(() -> PingDecoder.validatePingresp(at(frame), OFFSET, 2));
    }

    @Test
    void shouldRejectPingreqFlagsPerMqtt_2_1_3_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.1.3-1",
            () -> PingDecoder.decode(at(hex("C1 00")), OFFSET, 2, 5));
    }

    @Test
    void shouldRejectPingrespFlagsIn311PerMqtt_2_2_2_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.2.2-1",
            () -> PingDecoder.decode(at(hex("D8 00")), OFFSET, 2, 4));
    }

    @Test
    void shouldRejectNonZeroRemainingLength()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4",
            () -> PingDecoder.decode(at(hex("C0 01 00")), OFFSET, 3, 4));
    }

    @Test
    void shouldRejectPingrespWherePingreqExpected()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.2",
            () -> PingDecoder.validatePingreq(at(hex("D0 00")), OFFSET, 2));
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.2",
            () -> PingDecoder.decode(at(hex("E0 00")), OFFSET, 2));
    }
}
