package io.ringmq.transport.it;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds MQTT bytes by hand, independently of the broker's codec, so that tests can send exactly what they mean,
 * including malformed packets. Also serves as an MQTT 5 property list builder ({@link #byteProperty} etc.).
 * <p>
 * <b>Threading:</b> not thread-safe; one builder per packet.
 */
public final class PacketBuilder
{
    /** MQTT 3.1 (protocol name MQIsdp). */
    public static final int MQTT_3_1 = 3;
    /** MQTT 3.1.1. */
    public static final int MQTT_3_1_1 = 4;
    /** MQTT 5.0. */
    public static final int MQTT_5 = 5;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    /**
     * @param value one byte.
     * @return this.
     */
    public PacketBuilder u8(final int value)
    {
        bytes.write(value);
        return this;
    }

    /**
     * @param value two-byte integer, big endian.
     * @return this.
     */
    public PacketBuilder u16(final int value)
    {
        bytes.write(value >>> 8);
        bytes.write(value);
        return this;
    }

    /**
     * @param value four-byte integer, big endian.
     * @return this.
     */
    public PacketBuilder u32(final long value)
    {
        u16((int)(value >>> 16));
        return u16((int)value);
    }

    /**
     * @param value variable byte integer.
     * @return this.
     */
    public PacketBuilder varInt(final int value)
    {
        return raw(varIntBytes(value));
    }

    /**
     * @param value string, written as a two-byte length and its UTF-8 bytes.
     * @return this.
     */
    public PacketBuilder utf8(final String value)
    {
        return binary(value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param value bytes written with a two-byte length prefix (binary data, or a deliberately ill-formed string).
     * @return this.
     */
    public PacketBuilder binary(final byte[] value)
    {
        u16(value.length);
        return raw(value);
    }

    /**
     * @param value bytes written as they are.
     * @return this.
     */
    public PacketBuilder raw(final byte[] value)
    {
        bytes.write(value, 0, value.length);
        return this;
    }

    /**
     * Append an MQTT 5 property list: its variable byte length, then its bytes.
     *
     * @param properties the properties, or null for an empty list.
     * @return this.
     */
    public PacketBuilder properties(final PacketBuilder properties)
    {
        final byte[] body = null == properties ? new byte[0] : properties.toByteArray();
        varInt(body.length);
        return raw(body);
    }

    /**
     * @param id    property identifier.
     * @param value one-byte value.
     * @return this.
     */
    public PacketBuilder byteProperty(final int id, final int value)
    {
        return u8(id).u8(value);
    }

    /**
     * @param id    property identifier.
     * @param value two-byte value.
     * @return this.
     */
    public PacketBuilder shortProperty(final int id, final int value)
    {
        return u8(id).u16(value);
    }

    /**
     * @param id    property identifier.
     * @param value four-byte value.
     * @return this.
     */
    public PacketBuilder intProperty(final int id, final long value)
    {
        return u8(id).u32(value);
    }

    /**
     * @param id    property identifier.
     * @param value variable byte integer value.
     * @return this.
     */
    public PacketBuilder varIntProperty(final int id, final int value)
    {
        return u8(id).varInt(value);
    }

    /**
     * @param id    property identifier.
     * @param value string value.
     * @return this.
     */
    public PacketBuilder stringProperty(final int id, final String value)
    {
        return u8(id).utf8(value);
    }

    /**
     * @param id    property identifier.
     * @param value binary value.
     * @return this.
     */
    public PacketBuilder binaryProperty(final int id, final byte[] value)
    {
        return u8(id).binary(value);
    }

    /**
     * @param name  user property name.
     * @param value user property value.
     * @return this.
     */
    public PacketBuilder userProperty(final String name, final String value)
    {
        return u8(RawProperties.USER_PROPERTY).utf8(name).utf8(value);
    }

    /** @return the bytes written so far. */
    public byte[] toByteArray()
    {
        return bytes.toByteArray();
    }

    /**
     * Frame the bytes written so far as a packet body.
     *
     * @param firstByte packet type in the high nibble, flags in the low nibble.
     * @return fixed header followed by the body.
     */
    public byte[] packet(final int firstByte)
    {
        final byte[] body = toByteArray();
        return new PacketBuilder().u8(firstByte).varInt(body.length).raw(body).toByteArray();
    }

    /**
     * @param value 0..268,435,455.
     * @return the shortest variable byte integer encoding.
     */
    public static byte[] varIntBytes(final int value)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(4);
        int remaining = value;
        do
        {
            int digit = remaining % 128;
            remaining /= 128;
            if (remaining > 0)
            {
                digit |= 0x80;
            }
            out.write(digit);
        }
        while (remaining > 0);
        return out.toByteArray();
    }
}
