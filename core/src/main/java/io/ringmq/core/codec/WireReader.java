package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.List;

/**
 * Cursor over a packet body for the decoders off the hot path (CONNECT, SUBSCRIBE, acknowledgements with lists...):
 * every read is checked against the frame limit, strings are UTF-8 validated before they become {@link String}s.
 * <p>
 * <b>Threading:</b> not thread-safe, one instance per decode call.
 */
final class WireReader
{
    private final DirectBuffer buffer;
    private final int limit;
    private final int version;
    private int position;

    WireReader(final DirectBuffer buffer, final int position, final int limit, final int version)
    {
        this.buffer = buffer;
        this.position = position;
        this.limit = limit;
        this.version = version;
    }

    DirectBuffer buffer()
    {
        return buffer;
    }

    int position()
    {
        return position;
    }

    void position(final int position)
    {
        this.position = position;
    }

    int limit()
    {
        return limit;
    }

    int remaining()
    {
        return limit - position;
    }

    boolean hasRemaining()
    {
        return position < limit;
    }

    int version()
    {
        return version;
    }

    void require(final int length, final String field)
    {
        if (length < 0 || position + length > limit)
        {
            throw malformed("2.1.4: " + field + " runs past the end of the packet");
        }
    }

    int u8(final String field)
    {
        require(1, field);
        return buffer.getByte(position++) & 0xFF;
    }

    int u16(final String field)
    {
        require(2, field);
        final int value = buffer.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        position += 2;
        return value;
    }

    long u32(final String field)
    {
        require(4, field);
        final long value = buffer.getInt(position, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        position += 4;
        return value;
    }

    int vbi(final String field)
    {
        final long decoded = VariableByteInteger.decode(buffer, position, limit);
        if (VariableByteInteger.INCOMPLETE == decoded)
        {
            throw malformed("2.1.4: " + field + " runs past the end of the packet");
        }
        position += VariableByteInteger.length(decoded);
        return VariableByteInteger.value(decoded);
    }

    String utf8(final String field)
    {
        final int length = u16(field);
        require(length, field);
        final int result = Utf8Validator.check(buffer, position, length, false);
        if (Utf8Validator.VALID != result)
        {
            throw malformed(Utf8Validator.message(result) + " in " + field);
        }
        final String value = length == 0 ? "" : buffer.getStringWithoutLengthUtf8(position, length);
        position += length;
        return value;
    }

    byte[] binary(final String field)
    {
        final int length = u16(field);
        return bytes(length, field);
    }

    byte[] bytes(final int length, final String field)
    {
        require(length, field);
        final byte[] bytes = new byte[length];
        buffer.getBytes(position, bytes);
        position += length;
        return bytes;
    }

    /**
     * Read an MQTT 5 property block: the Property Length, then wrap the reader over the properties.
     *
     * @param reader  to wrap.
     * @param allowed bit set of the property ids allowed.
     * @param context packet name for messages.
     * @return the reader, positioned on the first property.
     */
    PropertyReader properties(final PropertyReader reader, final long allowed, final String context)
    {
        final int length = vbi("Property Length");
        require(length, "properties");
        reader.wrap(buffer, position, length, allowed, context);
        position += length;
        return reader;
    }

    void expectEnd(final String what)
    {
        if (position != limit)
        {
            throw malformed("2.1.4: " + (limit - position) + " unexpected bytes after the " + what);
        }
    }

    MqttProtocolException malformed(final String message)
    {
        return new MqttProtocolException(ReasonCode.MALFORMED_PACKET, message, version);
    }

    MqttProtocolException protocolError(final String message)
    {
        return new MqttProtocolException(ReasonCode.PROTOCOL_ERROR, message, version);
    }

    /**
     * The reason code for a broken rule that MQTT 5 calls a Protocol Error and MQTT 3.1.1 a malformed packet.
     *
     * @return PROTOCOL_ERROR for MQTT 5, MALFORMED_PACKET otherwise.
     */
    int protocolErrorCode()
    {
        return version == MqttVersion.MQTT_5 ? ReasonCode.PROTOCOL_ERROR : ReasonCode.MALFORMED_PACKET;
    }

    static void addUserProperty(final List<String[]> userProperties, final PropertyReader reader)
    {
        userProperties.add(new String[]{ reader.stringValue(), reader.pairValueString() });
    }
}
