package io.ringmq.core.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Assertions shared by the codec tests.
 */
final class CodecAssertions
{
    /** Frames are placed and encoded at this offset so that offset handling is tested too. */
    static final int OFFSET = 7;

    private CodecAssertions()
    {
    }

    static MqttProtocolException assertRejected(
        final int reasonCode, final String statement, final Executable executable)
    {
        final MqttProtocolException ex = assertThrows(MqttProtocolException.class, executable);
        assertEquals(reasonCode, ex.reasonCode(), "reason code for: " + ex.getMessage());
        assertTrue(ex.getMessage().startsWith(statement), "message should start with " + statement + ": " +
            ex.getMessage());
        return ex;
    }

    static UnsafeBuffer buffer(final byte[] bytes)
    {
        return new UnsafeBuffer(bytes);
    }

    /** Run an encoder into a buffer with a non-zero offset and return exactly the bytes it wrote. */
    static byte[] encoded(final int expectedLength, final ToIntFunction<UnsafeBuffer> encoder)
    {
        final int offset = OFFSET;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + expectedLength + 16]);
        final int written = encoder.applyAsInt(buffer);
        assertEquals(expectedLength, written, "encodedLength must match the bytes written");
        final byte[] bytes = new byte[written];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    /** A buffer holding the frame at {@link #OFFSET}, with slack after it. */
    static UnsafeBuffer at(final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + frame.length + 9]);
        buffer.putBytes(OFFSET, frame);
        return buffer;
    }

    static void assertBytes(final byte[] expected, final byte[] actual)
    {
        assertEquals(HexFormat.ofDelimiter(" ").formatHex(expected), HexFormat.ofDelimiter(" ").formatHex(actual));
    }

    static void assertUserProperties(final List<String[]> expected, final List<String[]> actual)
    {
        assertEquals(expected.size(), actual.size(), "user property count");
        for (int i = 0; i < expected.size(); i++)
        {
            assertEquals(Arrays.asList(expected.get(i)), Arrays.asList(actual.get(i)));
        }
    }
}
