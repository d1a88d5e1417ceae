package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight decoder of PUBLISH: the hot path. {@link #wrap(DirectBuffer, int, int, int)} validates the whole frame
 * and records offsets; nothing is copied and nothing is allocated unless the frame is rejected.
 * <pre>
 *   7   6   5   4   3   2   1   0
 * +---------------+---+-------+---+
 * |   3 PUBLISH   |DUP|  QoS  |RET|  Remaining Length (VBI)
 * +---------------+---+-------+---+
 * Topic Name (u16 len + UTF-8) | [Packet Identifier u16 if QoS &gt; 0] | [v5: Property Length VBI + properties]
 * | Payload (rest of the frame)
 * </pre>
 * <b>Threading:</b> not thread-safe; one instance per decoding thread, reused for every frame.
 */
public final class PublishDecoder
{
    private static final String PUBLISH = "PUBLISH";
    private static final long SUBSCRIPTION_IDENTIFIER_BIT = 1L << Property.SUBSCRIPTION_IDENTIFIER;

    private final PropertyReader properties = new PropertyReader();
    private int maxTopicLevels = TopicValidator.DEFAULT_MAX_LEVELS;
    private boolean fromServer;

    private DirectBuffer buffer;
    private int offset;
    private int length;
    private int version;
    private int qos;
    private boolean dup;
    private boolean retain;
    private int topicOffset;
    private int topicLength;
    private int packetId;
    private long messageExpiryInterval;
    private int topicAlias;
    private int payloadFormatIndicator;
    private int subscriptionIdentifierCount;
    private int propertiesOffset;
    private int propertiesLength;
    private int payloadOffset;
    private int payloadLength;

    /**
     * Most levels a Topic Name may have.
     *
     * @param maxTopicLevels limit, at least 1.
     * @return this.
     */
    public PublishDecoder maxTopicLevels(final int maxTopicLevels)
    {
        if (maxTopicLevels < 1)
        {
            throw new IllegalArgumentException("maxTopicLevels must be at least 1: " + maxTopicLevels);
        }
        this.maxTopicLevels = maxTopicLevels;
        return this;
    }

    /**
     * Decode frames sent by a server (client side) instead of by a client: Subscription Identifiers, which a client
     * must not send (MQTT-3.3.4-6), are then accepted and may repeat.
     *
     * @param fromServer true on the client side.
     * @return this.
     */
    public PublishDecoder fromServer(final boolean fromServer)
    {
        this.fromServer = fromServer;
        return this;
    }

    /**
     * Validate a whole PUBLISH frame and point this flyweight at it.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level of the sender.
     * @return this.
     * @throws MqttProtocolException for any rule the frame breaks, with {@code version} set.
     */
    public PublishDecoder wrap(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        try
        {
            decode(buffer, offset, length, version);
            return this;
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }

    private void decode(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.version = version;

        final int typeAndFlags = FixedHeader.typeAndFlags(buffer, offset, length, version);
        if ((typeAndFlags >>> 4) != PacketType.PUBLISH)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.2: expected PUBLISH but got " + PacketType.name(typeAndFlags >>> 4));
        }
        qos = (typeAndFlags >>> 1) & 0x03;
        dup = (typeAndFlags & 0x08) != 0;
        retain = (typeAndFlags & 0x01) != 0;
        if (qos == 3)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, "MQTT-3.3.1-4: QoS 3 is not allowed");
        }
        if (dup && qos == 0)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, "MQTT-3.3.1-2: DUP must be 0 for QoS 0");
        }

        final int limit = offset + length;
        int position = FixedHeader.bodyOffset(buffer, offset, length, version);
        require(position, 2, limit, "Topic Name");
        topicLength = buffer.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        topicOffset = position + 2;
        position = topicOffset + topicLength;
        require(topicOffset, topicLength, limit, "Topic Name");
        final int utf8 = Utf8Validator.check(buffer, topicOffset, topicLength, false);
        if (Utf8Validator.VALID != utf8)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, Utf8Validator.message(utf8));
        }
        TopicValidator.validateTopicName(buffer, topicOffset, topicLength, maxTopicLevels);

        packetId = 0;
        if (qos > 0)
        {
            require(position, 2, limit, "Packet Identifier");
            packetId = buffer.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            position += 2;
            if (packetId == 0)
            {
                throw version == MqttVersion.MQTT_5 ?
                    new MqttProtocolException(ReasonCode.PROTOCOL_ERROR, "MQTT-2.2.1-3: Packet Identifier 0") :
                    new MqttProtocolException(ReasonCode.MALFORMED_PACKET, "MQTT-2.3.1-1: Packet Identifier 0");
            }
        }

        messageExpiryInterval = -1;
        topicAlias = 0;
        payloadFormatIndicator = 0;
        subscriptionIdentifierCount = 0;
        if (version == MqttVersion.MQTT_5)
        {
            position = readProperties(buffer, position, limit);
        }
        else
        {
            propertiesOffset = position;
            propertiesLength = 0;
        }

        if (topicLength == 0)
        {
            if (version != MqttVersion.MQTT_5)
            {
                throw new MqttProtocolException(
                    ReasonCode.MALFORMED_PACKET, "MQTT-4.7.3-1: Topic Name must not be empty");
            }
            if (topicAlias == 0)
            {
                throw new MqttProtocolException(
                    ReasonCode.PROTOCOL_ERROR, "3.3.2.3.4: empty Topic Name without a Topic Alias");
            }
        }

        payloadOffset = position;
        payloadLength = limit - position;
        if (payloadFormatIndicator == 1 && !Utf8Validator.isWellFormed(buffer, payloadOffset, payloadLength))
        {
            throw new MqttProtocolException(ReasonCode.PAYLOAD_FORMAT_INVALID,
                "3.3.2.3.2: payload is not valid UTF-8 but its Payload Format Indicator is 1");
        }
    }

    private int readProperties(final DirectBuffer buffer, final int position, final int limit)
    {
        final long decoded = VariableByteInteger.decode(buffer, position, limit);
        if (VariableByteInteger.INCOMPLETE == decoded)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, "2.1.4: Property Length runs past PUBLISH");
        }
        propertiesOffset = position + VariableByteInteger.length(decoded);
        propertiesLength = VariableByteInteger.value(decoded);
        require(propertiesOffset, propertiesLength, limit, "properties");

        properties.wrap(buffer, propertiesOffset, propertiesLength, PropertyReader.PUBLISH_PROPERTIES, PUBLISH)
            .repeatable(fromServer ? SUBSCRIPTION_IDENTIFIER_BIT : 0);
        while (properties.hasNext())
        {
            switch (properties.next())
            {
                case Property.PAYLOAD_FORMAT_INDICATOR:
                    payloadFormatIndicator = properties.intValue();
                    break;
                case Property.MESSAGE_EXPIRY_INTERVAL:
                    messageExpiryInterval = properties.value();
                    break;
                case Property.TOPIC_ALIAS:
                    topicAlias = properties.intValue();
                    break;
                case Property.SUBSCRIPTION_IDENTIFIER:
                    if (!fromServer)
                    {
                        throw new MqttProtocolException(ReasonCode.PROTOCOL_ERROR,
                            "MQTT-3.3.4-6: a PUBLISH from a client must not contain a Subscription Identifier");
                    }
                    subscriptionIdentifierCount++;
                    break;
                default:
                    break;
            }
        }

        return propertiesOffset + propertiesLength;
    }

    private static void require(final int position, final int length, final int limit, final String field)
    {
        if (position + length > limit)
        {
            throw new MqttProtocolException(
                ReasonCode.MALFORMED_PACKET, "2.1.4: " + field + " runs past the end of PUBLISH");
        }
    }

    /**
     * Copy the Subscription Identifiers of a frame decoded with {@link #fromServer(boolean)} true. Zero allocation.
     *
     * @param ids destination, at least {@link #subscriptionIdentifierCount()} long.
     * @return number copied.
     */
    public int subscriptionIdentifiers(final int[] ids)
    {
        int count = 0;
        properties.wrap(buffer, propertiesOffset, propertiesLength, PropertyReader.PUBLISH_PROPERTIES, PUBLISH)
            .repeatable(SUBSCRIPTION_IDENTIFIER_BIT);
        while (properties.hasNext() && count < ids.length)
        {
            if (properties.next() == Property.SUBSCRIPTION_IDENTIFIER)
            {
                ids[count++] = properties.intValue();
            }
        }
        return count;
    }

    /**
     * Buffer the frame is in.
     *
     * @return the wrapped buffer.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Offset of the frame in {@link #buffer()}.
     *
     * @return index of the fixed header.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * Length of the whole frame.
     *
     * @return bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * Protocol level the frame was decoded with.
     *
     * @return 3, 4 or 5.
     */
    public int version()
    {
        return version;
    }

    /**
     * QoS of the message.
     *
     * @return 0, 1 or 2.
     */
    public int qos()
    {
        return qos;
    }

    /**
     * DUP flag.
     *
     * @return true if this may be a redelivery.
     */
    public boolean dup()
    {
        return dup;
    }

    /**
     * RETAIN flag.
     *
     * @return true if the message is to be retained.
     */
    public boolean retain()
    {
        return retain;
    }

    /**
     * Start of the Topic Name bytes (after its length prefix).
     *
     * @return index in {@link #buffer()}.
     */
    public int topicOffset()
    {
        return topicOffset;
    }

    /**
     * Length of the Topic Name; 0 only in MQTT 5 together with a Topic Alias.
     *
     * @return bytes.
     */
    public int topicLength()
    {
        return topicLength;
    }

    /**
     * Packet Identifier.
     *
     * @return 1 to 65535, or 0 for QoS 0.
     */
    public int packetId()
    {
        return packetId;
    }

    /**
     * Message Expiry Interval.
     *
     * @return seconds, or -1 if absent.
     */
    public long messageExpiryInterval()
    {
        return messageExpiryInterval;
    }

    /**
     * Topic Alias.
     *
     * @return 1 to 65535, or 0 if absent.
     */
    public int topicAlias()
    {
        return topicAlias;
    }

    /**
     * Payload Format Indicator.
     *
     * @return 0 (bytes, also when absent) or 1 (UTF-8).
     */
    public int payloadFormatIndicator()
    {
        return payloadFormatIndicator;
    }

    /**
     * Number of Subscription Identifiers (only non-zero with {@link #fromServer(boolean)} true).
     *
     * @return count.
     */
    public int subscriptionIdentifierCount()
    {
        return subscriptionIdentifierCount;
    }

    /**
     * Start of the raw property bytes, after the Property Length.
     *
     * @return index in {@link #buffer()}.
     */
    public int propertiesOffset()
    {
        return propertiesOffset;
    }

    /**
     * Length of the raw property bytes.
     *
     * @return bytes, 0 for MQTT 3.x.
     */
    public int propertiesLength()
    {
        return propertiesLength;
    }

    /**
     * Start of the payload.
     *
     * @return index in {@link #buffer()}.
     */
    public int payloadOffset()
    {
        return payloadOffset;
    }

    /**
     * Length of the payload.
     *
     * @return bytes, possibly 0.
     */
    public int payloadLength()
    {
        return payloadLength;
    }
}
