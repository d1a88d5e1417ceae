package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * MQTT Variable Byte Integer (section 1.5.5 of MQTT 5.0, 2.2.3 of MQTT 3.1.1): seven value bits per byte, least
 * significant group first, bit 7 set when another byte follows; at most four bytes, so at most 268,435,455.
 * <p>
 * {@link #decode(DirectBuffer, int, int)} packs the value and the number of bytes used into one {@code long} so that
 * the hot path needs no result object.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class VariableByteInteger
{
    /** Largest value that fits in four bytes. */
    public static final int MAX_VALUE = 268_435_455;
    /** Most bytes a Variable Byte Integer may take. */
    public static final int MAX_LENGTH = 4;
    /** Returned by {@link #decode(DirectBuffer, int, int)} when the integer continues past {@code limit}. */
    public static final long INCOMPLETE = -1;

    private VariableByteInteger()
    {
    }

    /**
     * Decode a Variable Byte Integer.
     *
     * @param buffer holding the bytes.
     * @param offset of the first byte.
     * @param limit  index one past the last byte that may be read.
     * @return {@link #INCOMPLETE} (-1) if more bytes are needed, else {@code (value << 32) | bytesUsed}.
     * @throws MqttProtocolException MALFORMED_PACKET for a fourth byte with the continuation bit set or for an
     *                               encoding longer than necessary (MQTT-1.5.5-1).
     */
    public static long decode(final DirectBuffer buffer, final int offset, final int limit)
    {
        int value = 0;
        for (int i = 0; i < MAX_LENGTH; i++)
        {
            if (offset + i >= limit)
            {
                return INCOMPLETE;
            }

            final int b = buffer.getByte(offset + i) & 0xFF;
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw new MqttProtocolException(
                        ReasonCode.MALFORMED_PACKET, "MQTT-1.5.5-1: Variable Byte Integer not in its shortest form");
                }
                return ((long)value << 32) | (i + 1);
            }
        }

        throw new MqttProtocolException(
            ReasonCode.MALFORMED_PACKET, "MQTT-1.5.5-1: Variable Byte Integer longer than 4 bytes");
    }

    /**
     * Value part of a {@link #decode(DirectBuffer, int, int)} result.
     *
     * @param decoded result of decode, not {@link #INCOMPLETE}.
     * @return the integer value.
     */
    public static int value(final long decoded)
    {
        return (int)(decoded >>> 32);
    }

    /**
     * Length part of a {@link #decode(DirectBuffer, int, int)} result.
     *
     * @param decoded result of decode, not {@link #INCOMPLETE}.
     * @return number of bytes the integer took, 1 to 4.
     */
    public static int length(final long decoded)
    {
        return (int)decoded;
    }

    /**
     * Encode a value in the fewest bytes.
     *
     * @param buffer to write to.
     * @param offset of the first byte.
     * @param value  0 to {@link #MAX_VALUE}.
     * @return number of bytes written.
     */
    public static int encode(final MutableDirectBuffer buffer, final int offset, final int value)
    {
        checkRange(value);
        int remaining = value;
        int i = 0;
        do
        {
            int b = remaining & 0x7F;
            remaining >>>= 7;
            if (remaining > 0)
            {
                b |= 0x80;
            }
            buffer.putByte(offset + i++, (byte)b);
        }
        while (remaining > 0);

        return i;
    }

    /**
     * Number of bytes {@link #encode(MutableDirectBuffer, int, int)} writes for a value.
     *
     * @param value 0 to {@link #MAX_VALUE}.
     * @return 1 to 4.
     */
    public static int sizeOf(final int value)
    {
        checkRange(value);
        if (value < 128)
        {
            return 1;
        }
        if (value < 16_384)
        {
            return 2;
        }
        if (value < 2_097_152)
        {
            return 3;
        }
        return 4;
    }

    private static void checkRange(final int value)
    {
        if (value < 0 || value > MAX_VALUE)
        {
            throw new IllegalArgumentException("value out of Variable Byte Integer range: " + value);
        }
    }
}
