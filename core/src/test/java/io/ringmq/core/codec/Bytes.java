package io.ringmq.core.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds expected wire bytes by hand, independently of the codec under test (its own Variable Byte Integer and
 * big-endian writers), so a test compares the codec with the specification rather than with itself.
 */
final class Bytes
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Bytes bytes()
    {
        return new Bytes();
    }

    Bytes u8(final int... values)
    {
        for (final int value : values)
        {
            out.write(value & 0xFF);
        }
        return this;
    }

    Bytes u16(final int value)
    {
        return u8(value >>> 8, value);
    }

    Bytes u32(final long value)
    {
        return u8((int)(value >>> 24), (int)(value >>> 16), (int)(value >>> 8), (int)value);
    }

    Bytes vbi(final int value)
    {
        int remaining = value;
        do
        {
            int b = remaining % 128;
            remaining /= 128;
            if (remaining > 0)
            {
                b |= 0x80;
            }
            out.write(b);
        }
        while (remaining > 0);
        return this;
    }

    Bytes str(final String value)
    {
        return bin(value.getBytes(StandardCharsets.UTF_8));
    }

    Bytes bin(final byte[] value)
    {
        u16(value.length);
        return raw(value);
    }

    Bytes raw(final byte[] value)
    {
        out.write(value, 0, value.length);
        return this;
    }

    Bytes raw(final Bytes other)
    {
        return raw(other.toArray());
    }

    /** Property block: Property Length VBI, then the properties. */
    Bytes props(final Bytes properties)
    {
        final byte[] block = properties.toArray();
        vbi(block.length);
        return raw(block);
    }

    byte[] toArray()
    {
        return out.toByteArray();
    }

    int length()
    {
        return out.size();
    }

    /** Whole frame: first byte, Remaining Length, then these bytes as the body. */
    byte[] frame(final int firstByte)
    {
        final byte[] body = toArray();
        return bytes().u8(firstByte).vbi(body.length).raw(body).toArray();
    }

    static byte[] hex(final String hex)
    {
        final String clean = hex.replace(" ", "");
        final byte[] bytes = new byte[clean.length() / 2];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)Integer.parseInt(clean.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
