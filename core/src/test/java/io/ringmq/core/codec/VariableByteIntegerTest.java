package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.ringmq.core.codec.Bytes.hex;
import static io.ringmq.core.codec.CodecAssertions.assertBytes;
import static io.ringmq.core.codec.CodecAssertions.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class VariableByteIntegerTest
{
    @ParameterizedTest
    @CsvSource({
        "0, 00",
        "127, 7F",
        "128, 8001",
        "16383, FF7F",
        "16384, 808001",
        "2097151, FFFF7F",
        "2097152, 80808001",
        "268435455, FFFFFF7F" })
    void shouldEncodeAndDecodeBoundaries(final int value, final String expectedHex)
    {
        final byte[] expected = hex(expectedHex);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);

        assertEquals(expected.length, VariableByteInteger.sizeOf(value));
        assertEquals(expected.length, VariableByteInteger.encode(buffer, 1, value));
        final byte[] written = new byte[expected.length];
        buffer.getBytes(1, written);
        assertBytes(expected, written);

        final long decoded = VariableByteInteger.decode(new UnsafeBuffer(expected), 0, expected.length);
        assertEquals(value, VariableByteInteger.value(decoded));
        assertEquals(expected.length, VariableByteInteger.length(decoded));
    }

    @Test
    void shouldDecodeWithTrailingBytes()
    {
        final long decoded = VariableByteInteger.decode(new UnsafeBuffer(hex("AA 8001 FFFF")), 1, 5);
        assertEquals(128, VariableByteInteger.value(decoded));
        assertEquals(2, VariableByteInteger.length(decoded));
    }

    @Test
    void shouldRejectFifthBytePerMqtt_1_5_5_1()
    {
        final byte[] bytes = hex("FFFFFFFF7F");
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.5-1",
            () -> VariableByteInteger.decode(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    @Test
    void shouldRejectFourContinuationBytesEvenWithoutFifthPerMqtt_1_5_5_1()
    {
        final byte[] bytes = hex("80808080");
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.5-1",
            () -> VariableByteInteger.decode(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    @Test
    void shouldRejectNonMinimalEncodingPerMqtt_1_5_5_1()
    {
        final byte[] bytes = hex("8000");
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.5-1",
            () -> VariableByteInteger.decode(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    @Test
    void shouldReturnIncompleteWhenMoreBytesAreNeeded()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(hex("FFFF7F"));
        assertEquals(-1, VariableByteInteger.decode(buffer, 0, 0));
        assertEquals(-1, VariableByteInteger.decode(buffer, 0, 1));
        assertEquals(-1, VariableByteInteger.decode(buffer, 0, 2));
        assertEquals(VariableByteInteger.INCOMPLETE, VariableByteInteger.decode(buffer, 1, 2));
        assertEquals(2_097_151, VariableByteInteger.value(VariableByteInteger.decode(buffer, 0, 3)));
    }

    @Test
    void shouldRefuseToEncodeOutOfRangeValues()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
        assertThrows(IllegalArgumentException.class, () -> VariableByteInteger.encode(buffer, 0, 268_435_456));
        assertThrows(IllegalArgumentException.class, () -> VariableByteInteger.encode(buffer, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> VariableByteInteger.sizeOf(268_435_456));
    }
}
