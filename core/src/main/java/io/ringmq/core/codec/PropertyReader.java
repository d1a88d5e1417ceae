package io.ringmq.core.codec;

import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static io.ringmq.core.protocol.Property.ASSIGNED_CLIENT_IDENTIFIER;
import static io.ringmq.core.protocol.Property.AUTHENTICATION_DATA;
import static io.ringmq.core.protocol.Property.AUTHENTICATION_METHOD;
import static io.ringmq.core.protocol.Property.CONTENT_TYPE;
import static io.ringmq.core.protocol.Property.CORRELATION_DATA;
import static io.ringmq.core.protocol.Property.MAXIMUM_PACKET_SIZE;
import static io.ringmq.core.protocol.Property.MAXIMUM_QOS;
import static io.ringmq.core.protocol.Property.MESSAGE_EXPIRY_INTERVAL;
import static io.ringmq.core.protocol.Property.PAYLOAD_FORMAT_INDICATOR;
import static io.ringmq.core.protocol.Property.REASON_STRING;
import static io.ringmq.core.protocol.Property.RECEIVE_MAXIMUM;
import static io.ringmq.core.protocol.Property.REQUEST_PROBLEM_INFORMATION;
import static io.ringmq.core.protocol.Property.REQUEST_RESPONSE_INFORMATION;
import static io.ringmq.core.protocol.Property.RESPONSE_INFORMATION;
import static io.ringmq.core.protocol.Property.RESPONSE_TOPIC;
import static io.ringmq.core.protocol.Property.RETAIN_AVAILABLE;
import static io.ringmq.core.protocol.Property.SERVER_KEEP_ALIVE;
import static io.ringmq.core.protocol.Property.SERVER_REFERENCE;
import static io.ringmq.core.protocol.Property.SESSION_EXPIRY_INTERVAL;
import static io.ringmq.core.protocol.Property.SHARED_SUBSCRIPTION_AVAILABLE;
import static io.ringmq.core.protocol.Property.SUBSCRIPTION_IDENTIFIER;
import static io.ringmq.core.protocol.Property.SUBSCRIPTION_IDENTIFIER_AVAILABLE;
import static io.ringmq.core.protocol.Property.TOPIC_ALIAS;
import static io.ringmq.core.protocol.Property.TOPIC_ALIAS_MAXIMUM;
import static io.ringmq.core.protocol.Property.TYPE_BINARY_DATA;
import static io.ringmq.core.protocol.Property.TYPE_BYTE;
import static io.ringmq.core.protocol.Property.TYPE_FOUR_BYTE_INTEGER;
import static io.ringmq.core.protocol.Property.TYPE_TWO_BYTE_INTEGER;
import static io.ringmq.core.protocol.Property.TYPE_UNKNOWN;
import static io.ringmq.core.protocol.Property.TYPE_UTF8_STRING;
import static io.ringmq.core.protocol.Property.TYPE_UTF8_STRING_PAIR;
import static io.ringmq.core.protocol.Property.TYPE_VARIABLE_BYTE_INTEGER;
import static io.ringmq.core.protocol.Property.USER_PROPERTY;
import static io.ringmq.core.protocol.Property.WILDCARD_SUBSCRIPTION_AVAILABLE;
import static io.ringmq.core.protocol.Property.WILL_DELAY_INTERVAL;

/**
 * Flyweight iterator over an MQTT 5 property block (the bytes after the Property Length). Each {@link #next()}
 * reads one property, checks it is defined, allowed in the packet, not repeated (unless repeatable), fits in the
 * block, and that its value is legal (UTF-8, 0/1 flags, non-zero where zero is a Protocol Error).
 * <pre>
 * +------------+--------------------------------------------+
 * | id (VBI)   | value: byte | u16 | u32 | VBI | len+bytes | len+bytes len+bytes (pair)
 * +------------+--------------------------------------------+
 * </pre>
 * Seen identifiers are tracked in a {@code long} bit set (every id is below 64). Zero allocation unless a
 * {@code *String()}/{@link #bytesValue()} accessor is called or a rule is broken.
 * <p>
 * <b>Threading:</b> not thread-safe; reuse one instance per decoding thread.
 */
public final class PropertyReader
{
    /** Properties allowed in CONNECT. */
    public static final long CONNECT_PROPERTIES = bits(SESSION_EXPIRY_INTERVAL, RECEIVE_MAXIMUM, MAXIMUM_PACKET_SIZE,
        TOPIC_ALIAS_MAXIMUM, REQUEST_RESPONSE_INFORMATION, REQUEST_PROBLEM_INFORMATION, USER_PROPERTY,
        AUTHENTICATION_METHOD, AUTHENTICATION_DATA);
    /** Properties allowed in the Will Properties of CONNECT. */
    public static final long WILL_PROPERTIES = bits(WILL_DELAY_INTERVAL, PAYLOAD_FORMAT_INDICATOR,
        MESSAGE_EXPIRY_INTERVAL, CONTENT_TYPE, RESPONSE_TOPIC, CORRELATION_DATA, USER_PROPERTY);
    /** Properties allowed in CONNACK. */
    public static final long CONNACK_PROPERTIES = bits(SESSION_EXPIRY_INTERVAL, ASSIGNED_CLIENT_IDENTIFIER,
        SERVER_KEEP_ALIVE, AUTHENTICATION_METHOD, AUTHENTICATION_DATA, RESPONSE_INFORMATION, SERVER_REFERENCE,
        REASON_STRING, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, MAXIMUM_QOS, RETAIN_AVAILABLE, USER_PROPERTY,
        MAXIMUM_PACKET_SIZE, WILDCARD_SUBSCRIPTION_AVAILABLE, SUBSCRIPTION_IDENTIFIER_AVAILABLE,
        SHARED_SUBSCRIPTION_AVAILABLE);
    /** Properties allowed in PUBLISH. */
    public static final long PUBLISH_PROPERTIES = bits(PAYLOAD_FORMAT_INDICATOR, MESSAGE_EXPIRY_INTERVAL,
        TOPIC_ALIAS, RESPONSE_TOPIC, CORRELATION_DATA, USER_PROPERTY, SUBSCRIPTION_IDENTIFIER, CONTENT_TYPE);
    /** Properties allowed in PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK. */
    public static final long ACK_PROPERTIES = bits(REASON_STRING, USER_PROPERTY);
    /** Properties allowed in SUBSCRIBE. */
    public static final long SUBSCRIBE_PROPERTIES = bits(SUBSCRIPTION_IDENTIFIER, USER_PROPERTY);
    /** Properties allowed in UNSUBSCRIBE. */
    public static final long UNSUBSCRIBE_PROPERTIES = bits(USER_PROPERTY);
    /** Properties allowed in DISCONNECT. */
    public static final long DISCONNECT_PROPERTIES = bits(SESSION_EXPIRY_INTERVAL, REASON_STRING, USER_PROPERTY,
        SERVER_REFERENCE);
    /** Properties allowed in AUTH. */
    public static final long AUTH_PROPERTIES = bits(AUTHENTICATION_METHOD, AUTHENTICATION_DATA, REASON_STRING,
        USER_PROPERTY);

    private static final long DEFAULT_REPEATABLE = bits(USER_PROPERTY);
    private static final long BOOLEAN_PROPERTIES = bits(PAYLOAD_FORMAT_INDICATOR, REQUEST_PROBLEM_INFORMATION,
        REQUEST_RESPONSE_INFORMATION, RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE,
        SUBSCRIPTION_IDENTIFIER_AVAILABLE, SHARED_SUBSCRIPTION_AVAILABLE, MAXIMUM_QOS);
    private static final long NON_ZERO_PROPERTIES = bits(RECEIVE_MAXIMUM, MAXIMUM_PACKET_SIZE, SUBSCRIPTION_IDENTIFIER);

    private DirectBuffer buffer;
    private int position;
    private int limit;
    private long allowed;
    private long repeatable = DEFAULT_REPEATABLE;
    private long seen;
    private String context = "";
    private int id;
    private int entryOffset;
    private long value;
    private int valueOffset;
    private int valueLength;
    private int pairValueOffset;
    private int pairValueLength;

    /**
     * Bit set of property identifiers.
     *
     * @param ids property identifiers, each below 64.
     * @return a bit set with bit {@code id} set for each id.
     */
    public static long bits(final int... ids)
    {
        long bits = 0;
        for (final int id : ids)
        {
            bits |= 1L << id;
        }
        return bits;
    }

    /**
     * Wrap a property block. Only User Property may repeat until {@link #repeatable(long)} says otherwise.
     *
     * @param buffer  holding the block.
     * @param offset  of the first property (after the Property Length).
     * @param length  of the block in bytes.
     * @param allowed bit set of the identifiers allowed in this packet, e.g. {@link #PUBLISH_PROPERTIES}.
     * @param context packet name for error messages; pass a constant to stay allocation free.
     * @return this.
     */
    public PropertyReader wrap(
        final DirectBuffer buffer, final int offset, final int length, final long allowed, final String context)
    {
        this.buffer = buffer;
        this.position = offset;
        this.limit = offset + length;
        this.allowed = allowed;
        this.context = context;
        this.repeatable = DEFAULT_REPEATABLE;
        this.seen = 0;
        this.id = 0;
        return this;
    }

    /**
     * Set which identifiers may appear more than once (User Property always may).
     *
     * @param repeatable bit set of identifiers.
     * @return this.
     */
    public PropertyReader repeatable(final long repeatable)
    {
        this.repeatable = repeatable | DEFAULT_REPEATABLE;
        return this;
    }

    /**
     * Are there more properties.
     *
     * @return true if another property starts before the end of the block.
     */
    public boolean hasNext()
    {
        return position < limit;
    }

    /**
     * Read and validate the next property.
     *
     * @return its identifier.
     * @throws MqttProtocolException MALFORMED_PACKET for an unknown identifier, a value overrunning the block or bad
     *                               UTF-8; PROTOCOL_ERROR for a property not allowed here, a duplicate or an illegal
     *                               value; TOPIC_ALIAS_INVALID for Topic Alias 0 (MQTT-3.3.2-8).
     */
    public int next()
    {
        entryOffset = position;
        final int identifier = buffer.getByte(position) & 0xFF;
        final int type = identifier < 0x80 ? Property.type(identifier) : TYPE_UNKNOWN;
        if (TYPE_UNKNOWN == type)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.2.2.2: unknown property identifier 0x" + Integer.toHexString(identifier) + " in " + context);
        }

        final long bit = 1L << identifier;
        if ((allowed & bit) == 0)
        {
            throw new MqttProtocolException(ReasonCode.PROTOCOL_ERROR,
                "2.2.2.2: " + Property.name(identifier) + " is not allowed in " + context);
        }
        if ((seen & bit) != 0 && (repeatable & bit) == 0)
        {
            throw new MqttProtocolException(ReasonCode.PROTOCOL_ERROR,
                "2.2.2.2: " + Property.name(identifier) + " included more than once in " + context);
        }
        seen |= bit;
        id = identifier;
        position++;

        readValue(type);
        checkValue(bit);
        return identifier;
    }

    private void readValue(final int type)
    {
        value = 0;
        valueOffset = position;
        valueLength = 0;
        switch (type)
        {
            case TYPE_BYTE:
                require(1);
                value = buffer.getByte(position) & 0xFF;
                position += 1;
                break;

            case TYPE_TWO_BYTE_INTEGER:
                require(2);
                value = buffer.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                position += 2;
                break;

            case TYPE_FOUR_BYTE_INTEGER:
                require(4);
                value = buffer.getInt(position, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
                position += 4;
                break;

            case TYPE_VARIABLE_BYTE_INTEGER:
            {
                final long decoded = VariableByteInteger.decode(buffer, position, limit);
                if (VariableByteInteger.INCOMPLETE == decoded)
                {
                    throw overrun();
                }
                value = VariableByteInteger.value(decoded);
                position += VariableByteInteger.length(decoded);
                break;
            }

            case TYPE_UTF8_STRING:
                readString(true);
                break;

            case TYPE_BINARY_DATA:
                readString(false);
                break;

            default:
                readString(true);
                final int nameOffset = valueOffset;
                final int nameLength = valueLength;
                readString(true);
                pairValueOffset = valueOffset;
                pairValueLength = valueLength;
                valueOffset = nameOffset;
                valueLength = nameLength;
                break;
        }
    }

    private void readString(final boolean utf8)
    {
        require(2);
        final int length = buffer.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        position += 2;
        require(length);
        if (utf8)
        {
            final int result = Utf8Validator.check(buffer, position, length, false);
            if (Utf8Validator.VALID != result)
            {
                throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                    Utf8Validator.message(result) + " in " + Property.name(id) + " of " + context);
            }
        }
        valueOffset = position;
        valueLength = length;
        position += length;
    }

    private void checkValue(final long bit)
    {
        if ((BOOLEAN_PROPERTIES & bit) != 0 && value > 1)
        {
            throw new MqttProtocolException(ReasonCode.PROTOCOL_ERROR,
                "2.2.2.2: " + Property.name(id) + " must be 0 or 1, got " + value + " in " + context);
        }
        if ((NON_ZERO_PROPERTIES & bit) != 0 && value == 0)
        {
            throw new MqttProtocolException(ReasonCode.PROTOCOL_ERROR,
                "2.2.2.2: " + Property.name(id) + " of 0 is a Protocol Error in " + context);
        }
        if (id == TOPIC_ALIAS && value == 0)
        {
            throw new MqttProtocolException(
                ReasonCode.TOPIC_ALIAS_INVALID, "MQTT-3.3.2-8: Topic Alias 0 is not permitted");
        }
        if (id == RESPONSE_TOPIC && TopicValidator.hasWildcard(buffer, valueOffset, valueLength))
        {
            throw new MqttProtocolException(
                ReasonCode.PROTOCOL_ERROR, "MQTT-3.3.2-14: Response Topic contains a wildcard in " + context);
        }
    }

    private void require(final int length)
    {
        if (position + length > limit)
        {
            throw overrun();
        }
    }

    private MqttProtocolException overrun()
    {
        return new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
            "2.2.2.2: " + Property.name(id) + " runs past the end of the properties of " + context);
    }

    /**
     * Identifier of the property last returned by {@link #next()}.
     *
     * @return property identifier.
     */
    public int id()
    {
        return id;
    }

    /**
     * Numeric value of the current property (Byte, Two/Four Byte Integer, Variable Byte Integer).
     *
     * @return the unsigned value.
     */
    public long value()
    {
        return value;
    }

    /**
     * Numeric value of the current property as an int (for Byte, Two Byte Integer and Variable Byte Integer).
     *
     * @return the value.
     */
    public int intValue()
    {
        return (int)value;
    }

    /**
     * Start of the current string/binary value, or of the name of a User Property.
     *
     * @return index in the buffer, after the two-byte length.
     */
    public int valueOffset()
    {
        return valueOffset;
    }

    /**
     * Length of the current string/binary value, or of the name of a User Property.
     *
     * @return length in bytes.
     */
    public int valueLength()
    {
        return valueLength;
    }

    /**
     * Start of the value of the current User Property.
     *
     * @return index in the buffer, after the two-byte length.
     */
    public int pairValueOffset()
    {
        return pairValueOffset;
    }

    /**
     * Length of the value of the current User Property.
     *
     * @return length in bytes.
     */
    public int pairValueLength()
    {
        return pairValueLength;
    }

    /**
     * Index of the identifier byte of the current property, to copy the whole entry.
     *
     * @return index in the buffer.
     */
    public int entryOffset()
    {
        return entryOffset;
    }

    /**
     * Index one past the end of the current property.
     *
     * @return index in the buffer.
     */
    public int entryEnd()
    {
        return position;
    }

    /**
     * Has the identifier been read so far.
     *
     * @param id property identifier.
     * @return true if seen since {@link #wrap}.
     */
    public boolean seen(final int id)
    {
        return (seen & (1L << id)) != 0;
    }

    /**
     * Current string value or User Property name as a String. Allocates: not for the hot path.
     *
     * @return the decoded string.
     */
    public String stringValue()
    {
        return valueLength == 0 ? "" : buffer.getStringWithoutLengthUtf8(valueOffset, valueLength);
    }

    /**
     * Current User Property value as a String. Allocates: not for the hot path.
     *
     * @return the decoded string.
     */
    public String pairValueString()
    {
        return pairValueLength == 0 ? "" : buffer.getStringWithoutLengthUtf8(pairValueOffset, pairValueLength);
    }

    /**
     * Current binary value copied out. Allocates: not for the hot path.
     *
     * @return a new array.
     */
    public byte[] bytesValue()
    {
        final byte[] bytes = new byte[valueLength];
        buffer.getBytes(valueOffset, bytes);
        return bytes;
    }

    /**
     * Index one past a property entry, without validating its value: for copying a block that was validated when it
     * was received.
     *
     * @param buffer holding the block.
     * @param offset of the entry's identifier.
     * @param limit  end of the block.
     * @return index one past the entry.
     * @throws MqttProtocolException MALFORMED_PACKET for an unknown identifier or an entry overrunning {@code limit}.
     */
    public static int entryEnd(final DirectBuffer buffer, final int offset, final int limit)
    {
        final int identifier = buffer.getByte(offset) & 0xFF;
        final int type = identifier < 0x80 ? Property.type(identifier) : TYPE_UNKNOWN;
        int position = offset + 1;
        switch (type)
        {
            case TYPE_BYTE:
                position += 1;
                break;

            case TYPE_TWO_BYTE_INTEGER:
                position += 2;
                break;

            case TYPE_FOUR_BYTE_INTEGER:
                position += 4;
                break;

            case TYPE_VARIABLE_BYTE_INTEGER:
            {
                final long decoded = VariableByteInteger.decode(buffer, position, limit);
                position = VariableByteInteger.INCOMPLETE == decoded ?
                    limit + 1 : position + VariableByteInteger.length(decoded);
                break;
            }

            case TYPE_UTF8_STRING:
            case TYPE_BINARY_DATA:
                position = skipString(buffer, position, limit);
                break;

            case TYPE_UTF8_STRING_PAIR:
                position = skipString(buffer, skipString(buffer, position, limit), limit);
                break;

            default:
                throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                    "2.2.2.2: unknown property identifier 0x" + Integer.toHexString(identifier));
        }

        if (position > limit)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.2.2.2: " + Property.name(identifier) + " runs past the end of the properties");
        }
        return position;
    }

    private static int skipString(final DirectBuffer buffer, final int position, final int limit)
    {
        if (position + 2 > limit)
        {
            return limit + 1;
        }
        return position + 2 + (buffer.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }
}
