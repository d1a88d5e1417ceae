package io.ringmq.core.codec;

import io.ringmq.core.protocol.Property;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.List;

/**
 * Write helpers for the encoders: big-endian integers, length-prefixed strings and binary data, MQTT 5 properties
 * and the fixed header. Each {@code put*} returns the number of bytes written; each {@code sizeOf*} the number it
 * would write.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
final class WireWriter
{
    private WireWriter()
    {
    }

    static int frameLength(final int remainingLength)
    {
        return 1 + VariableByteInteger.sizeOf(remainingLength) + remainingLength;
    }

    static int putFixedHeader(
        final MutableDirectBuffer buffer, final int offset, final int typeAndFlags, final int remainingLength)
    {
        buffer.putByte(offset, (byte)typeAndFlags);
        return 1 + VariableByteInteger.encode(buffer, offset + 1, remainingLength);
    }

    static int putU16(final MutableDirectBuffer buffer, final int offset, final int value)
    {
        buffer.putShort(offset, (short)value, ByteOrder.BIG_ENDIAN);
        return 2;
    }

    static int putU32(final MutableDirectBuffer buffer, final int offset, final long value)
    {
        buffer.putInt(offset, (int)value, ByteOrder.BIG_ENDIAN);
        return 4;
    }

    /**
     * Bytes a Java string takes in UTF-8, counted the way {@link String#getBytes} encodes it (an unpaired surrogate
     * becomes one '?').
     *
     * @param value string.
     * @return length in bytes.
     */
    static int utf8Length(final String value)
    {
        int length = 0;
        for (int i = 0, n = value.length(); i < n; i++)
        {
            final char c = value.charAt(i);
            if (c < 0x80)
            {
                length += 1;
            }
            else if (c < 0x800)
            {
                length += 2;
            }
            else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1)))
            {
                length += 4;
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                length += 1;
            }
            else
            {
                length += 3;
            }
        }
        return length;
    }

    static int sizeOfString(final String value)
    {
        return 2 + utf8Length(value);
    }

    static int putString(final MutableDirectBuffer buffer, final int offset, final String value)
    {
        final int length = value.isEmpty() ? 0 : buffer.putStringWithoutLengthUtf8(offset + 2, value);
        if (length > 0xFFFF)
        {
            throw new IllegalArgumentException("string longer than 65535 bytes: " + length);
        }
        putU16(buffer, offset, length);
        return 2 + length;
    }

    static int sizeOfBinary(final byte[] value)
    {
        return 2 + value.length;
    }

    static int putBinary(final MutableDirectBuffer buffer, final int offset, final byte[] value)
    {
        if (value.length > 0xFFFF)
        {
            throw new IllegalArgumentException("binary data longer than 65535 bytes: " + value.length);
        }
        putU16(buffer, offset, value.length);
        buffer.putBytes(offset + 2, value);
        return 2 + value.length;
    }

    static int putByteProperty(final MutableDirectBuffer buffer, final int offset, final int id, final int value)
    {
        buffer.putByte(offset, (byte)id);
        buffer.putByte(offset + 1, (byte)value);
        return 2;
    }

    static int putU16Property(final MutableDirectBuffer buffer, final int offset, final int id, final int value)
    {
        buffer.putByte(offset, (byte)id);
        return 1 + putU16(buffer, offset + 1, value);
    }

    static int putU32Property(final MutableDirectBuffer buffer, final int offset, final int id, final long value)
    {
        buffer.putByte(offset, (byte)id);
        return 1 + putU32(buffer, offset + 1, value);
    }

    static int sizeOfVbiProperty(final int value)
    {
        return 1 + VariableByteInteger.sizeOf(value);
    }

    static int putVbiProperty(final MutableDirectBuffer buffer, final int offset, final int id, final int value)
    {
        buffer.putByte(offset, (byte)id);
        return 1 + VariableByteInteger.encode(buffer, offset + 1, value);
    }

    static int sizeOfStringProperty(final String value)
    {
        return null == value ? 0 : 1 + sizeOfString(value);
    }

    static int putStringProperty(final MutableDirectBuffer buffer, final int offset, final int id, final String value)
    {
        if (null == value)
        {
            return 0;
        }
        buffer.putByte(offset, (byte)id);
        return 1 + putString(buffer, offset + 1, value);
    }

    static int sizeOfBinaryProperty(final byte[] value)
    {
        return null == value ? 0 : 1 + sizeOfBinary(value);
    }

    static int putBinaryProperty(final MutableDirectBuffer buffer, final int offset, final int id, final byte[] value)
    {
        if (null == value)
        {
            return 0;
        }
        buffer.putByte(offset, (byte)id);
        return 1 + putBinary(buffer, offset + 1, value);
    }

    static int sizeOfUserProperties(final List<String[]> userProperties)
    {
        int size = 0;
        if (null != userProperties)
        {
            for (int i = 0, n = userProperties.size(); i < n; i++)
            {
                final String[] pair = userProperties.get(i);
                size += 1 + sizeOfString(pair[0]) + sizeOfString(pair[1]);
            }
        }
        return size;
    }

    static int putUserProperties(
        final MutableDirectBuffer buffer, final int offset, final List<String[]> userProperties)
    {
        int position = offset;
        if (null != userProperties)
        {
            for (int i = 0, n = userProperties.size(); i < n; i++)
            {
                final String[] pair = userProperties.get(i);
                buffer.putByte(position++, (byte)Property.USER_PROPERTY);
                position += putString(buffer, position, pair[0]);
                position += putString(buffer, position, pair[1]);
            }
        }
        return position - offset;
    }

    /**
     * Bytes a property block takes with its Property Length prefix.
     *
     * @param propertiesLength length of the properties.
     * @return prefix plus properties.
     */
    static int sizeOfPropertyBlock(final int propertiesLength)
    {
        return VariableByteInteger.sizeOf(propertiesLength) + propertiesLength;
    }
}
