package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

/**
 * Validates MQTT UTF-8 Encoded Strings (section 1.5.4 of MQTT 5.0, 1.5.3 of MQTT 3.1.1): well-formed UTF-8 as in
 * RFC 3629 (no overlong forms, nothing above U+10FFFF), no surrogate code points U+D800..U+DFFF (MQTT-1.5.4-1) and
 * no U+0000 (MQTT-1.5.4-2).
 * <p>
 * Zero allocation. ASCII text, the common case for topics and identifiers, is checked eight bytes at a time.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class Utf8Validator
{
    /** {@link #check(DirectBuffer, int, int, boolean)} result: valid. */
    public static final int VALID = 0;
    /** {@link #check(DirectBuffer, int, int, boolean)} result: not well-formed UTF-8. */
    public static final int ILL_FORMED = 1;
    /** {@link #check(DirectBuffer, int, int, boolean)} result: encodes a surrogate code point. */
    public static final int SURROGATE = 2;
    /** {@link #check(DirectBuffer, int, int, boolean)} result: contains U+0000. */
    public static final int NULL_CHARACTER = 3;

    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long LOW_BITS = 0x0101_0101_0101_0101L;

    private Utf8Validator()
    {
    }

    /**
     * Validate an MQTT UTF-8 Encoded String.
     *
     * @param buffer holding the string.
     * @param offset of the first byte (after the two-byte length prefix).
     * @param length in bytes.
     * @throws MqttProtocolException MALFORMED_PACKET if the bytes break MQTT-1.5.4-1 or MQTT-1.5.4-2.
     */
    public static void validate(final DirectBuffer buffer, final int offset, final int length)
    {
        final int result = check(buffer, offset, length, false);
        if (VALID != result)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, message(result));
        }
    }

    /**
     * Validate a Java string about to be encoded: no unpaired surrogate and no U+0000.
     *
     * @param value to check.
     * @throws MqttProtocolException MALFORMED_PACKET if the string cannot be an MQTT UTF-8 Encoded String.
     */
    public static void validate(final String value)
    {
        final int length = value.length();
        for (int i = 0; i < length; i++)
        {
            final char c = value.charAt(i);
            if (c == 0)
            {
                throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, message(NULL_CHARACTER));
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, message(SURROGATE));
            }
        }
    }

    /**
     * Is the range well-formed UTF-8 without surrogates, U+0000 allowed: the check for a payload whose Payload Format
     * Indicator is 1.
     *
     * @param buffer holding the bytes.
     * @param offset of the first byte.
     * @param length in bytes.
     * @return true if valid.
     */
    public static boolean isWellFormed(final DirectBuffer buffer, final int offset, final int length)
    {
        return VALID == check(buffer, offset, length, true);
    }

    /**
     * Check a range without throwing.
     *
     * @param buffer    holding the bytes.
     * @param offset    of the first byte.
     * @param length    in bytes.
     * @param allowNull true to accept U+0000.
     * @return {@link #VALID}, {@link #ILL_FORMED}, {@link #SURROGATE} or {@link #NULL_CHARACTER}.
     */
    public static int check(final DirectBuffer buffer, final int offset, final int length, final boolean allowNull)
    {
        final int limit = offset + length;
        int i = offset;
        while (i < limit)
        {
            if (limit - i >= 8)
            {
                final long word = buffer.getLong(i);
                final boolean ascii = (word & HIGH_BITS) == 0;
                if (ascii && (allowNull || ((word - LOW_BITS) & ~word & HIGH_BITS) == 0))
                {
                    i += 8;
                    continue;
                }
            }

            final int b0 = buffer.getByte(i) & 0xFF;
            if (b0 < 0x80)
            {
                if (b0 == 0 && !allowNull)
                {
                    return NULL_CHARACTER;
                }
                i++;
                continue;
            }

            final int sequenceLength;
            int lower = 0x80;
            int upper = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF)
            {
                sequenceLength = 2;
            }
            else if (b0 >= 0xE0 && b0 <= 0xEF)
            {
                sequenceLength = 3;
                if (b0 == 0xE0)
                {
                    lower = 0xA0;
                }
                else if (b0 == 0xED)
                {
                    upper = 0x9F;
                }
            }
            else if (b0 >= 0xF0 && b0 <= 0xF4)
            {
                sequenceLength = 4;
                if (b0 == 0xF0)
                {
                    lower = 0x90;
                }
                else if (b0 == 0xF4)
                {
                    upper = 0x8F;
                }
            }
            else
            {
                return ILL_FORMED;
            }

            if (i + sequenceLength > limit)
            {
                return ILL_FORMED;
            }

            final int b1 = buffer.getByte(i + 1) & 0xFF;
            if (b1 < lower || b1 > upper)
            {
                return b0 == 0xED && b1 >= 0xA0 && b1 <= 0xBF ? SURROGATE : ILL_FORMED;
            }
            for (int j = 2; j < sequenceLength; j++)
            {
                final int b = buffer.getByte(i + j) & 0xFF;
                if (b < 0x80 || b > 0xBF)
                {
                    return ILL_FORMED;
                }
            }
            i += sequenceLength;
        }

        return VALID;
    }

    static String message(final int result)
    {
        switch (result)
        {
            case SURROGATE:
                return "MQTT-1.5.4-1: UTF-8 string encodes a surrogate code point (U+D800..U+DFFF)";
            case NULL_CHARACTER:
                return "MQTT-1.5.4-2: UTF-8 string contains U+0000";
            default:
                return "MQTT-1.5.4-1: UTF-8 string is not well-formed";
        }
    }
}
