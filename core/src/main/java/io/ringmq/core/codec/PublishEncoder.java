package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Reusable PUBLISH encoder: the hot path, zero allocation. Set the fields with the chained setters (after
 * {@link #reset()}), then {@link #encodedLength()} and {@link #encode(MutableDirectBuffer, int)}.
 * <p>
 * MQTT 5 properties are written in this order: Topic Alias, Message Expiry Interval, Subscription Identifiers, then
 * the forwarded block minus any Topic Alias, Message Expiry Interval and Subscription Identifier entries, so a broker
 * can pass a received PUBLISH's properties straight through and substitute its own. MQTT 3.x frames carry no
 * properties. The topic, forwarded properties and payload are copied from the given buffers at encode time.
 * <p>
 * <b>Threading:</b> not thread-safe; one instance per encoding thread.
 */
public final class PublishEncoder
{
    private int version;
    private int qos;
    private boolean dup;
    private boolean retain;
    private int packetId;
    private DirectBuffer topicBuffer;
    private int topicOffset;
    private int topicLength;
    private int topicAlias;
    private long messageExpiryInterval;
    private DirectBuffer forwardBuffer;
    private int forwardOffset;
    private int forwardLength;
    private int[] subscriptionIdentifiers;
    private int subscriptionIdentifierCount;
    private DirectBuffer payloadBuffer;
    private int payloadOffset;
    private int payloadLength;

    /**
     * Encoder for MQTT 5 with every field cleared.
     */
    public PublishEncoder()
    {
        reset();
    }

    /**
     * Clear every field: MQTT 5, QoS 0, no flags, no topic, alias, expiry, properties or payload.
     *
     * @return this.
     */
    public PublishEncoder reset()
    {
        version = MqttVersion.MQTT_5;
        qos = 0;
        dup = false;
        retain = false;
        packetId = 0;
        topicBuffer = null;
        topicOffset = 0;
        topicLength = 0;
        topicAlias = 0;
        messageExpiryInterval = -1;
        forwardBuffer = null;
        forwardOffset = 0;
        forwardLength = 0;
        subscriptionIdentifiers = null;
        subscriptionIdentifierCount = 0;
        payloadBuffer = null;
        payloadOffset = 0;
        payloadLength = 0;
        return this;
    }

    /**
     * Protocol level of the receiver.
     *
     * @param version 3, 4 or 5.
     * @return this.
     */
    public PublishEncoder version(final int version)
    {
        this.version = version;
        return this;
    }

    /**
     * QoS.
     *
     * @param qos 0, 1 or 2.
     * @return this.
     */
    public PublishEncoder qos(final int qos)
    {
        this.qos = qos;
        return this;
    }

    /**
     * DUP flag (only meaningful with QoS &gt; 0).
     *
     * @param dup true for a redelivery.
     * @return this.
     */
    public PublishEncoder dup(final boolean dup)
    {
        this.dup = dup;
        return this;
    }

    /**
     * RETAIN flag.
     *
     * @param retain flag value.
     * @return this.
     */
    public PublishEncoder retain(final boolean retain)
    {
        this.retain = retain;
        return this;
    }

    /**
     * Packet Identifier, written only for QoS &gt; 0.
     *
     * @param packetId 1 to 65535.
     * @return this.
     */
    public PublishEncoder packetId(final int packetId)
    {
        this.packetId = packetId;
        return this;
    }

    /**
     * Topic Name bytes (UTF-8, already validated).
     *
     * @param buffer holding the topic.
     * @param offset of the first byte.
     * @param length in bytes; 0 when a Topic Alias already mapped to the topic is sent.
     * @return this.
     */
    public PublishEncoder topic(final DirectBuffer buffer, final int offset, final int length)
    {
        this.topicBuffer = buffer;
        this.topicOffset = offset;
        this.topicLength = length;
        return this;
    }

    /**
     * Topic Alias to send (MQTT 5).
     *
     * @param topicAlias 1 to 65535, or 0 for none.
     * @return this.
     */
    public PublishEncoder topicAlias(final int topicAlias)
    {
        this.topicAlias = topicAlias;
        return this;
    }

    /**
     * Message Expiry Interval to send (MQTT 5): the remaining lifetime of the message.
     *
     * @param messageExpiryInterval seconds, or -1 for none.
     * @return this.
     */
    public PublishEncoder messageExpiryInterval(final long messageExpiryInterval)
    {
        this.messageExpiryInterval = messageExpiryInterval;
        return this;
    }

    /**
     * Property block to copy (MQTT 5), e.g. {@link PublishDecoder#propertiesOffset()} of a received PUBLISH. Topic
     * Alias, Message Expiry Interval and Subscription Identifier entries are dropped from it.
     *
     * @param buffer holding the block.
     * @param offset of the first property (after the Property Length).
     * @param length of the block.
     * @return this.
     */
    public PublishEncoder forwardProperties(final DirectBuffer buffer, final int offset, final int length)
    {
        this.forwardBuffer = buffer;
        this.forwardOffset = offset;
        this.forwardLength = length;
        return this;
    }

    /**
     * Subscription Identifiers of the matching subscriptions (MQTT 5). The array is read at encode time.
     *
     * @param ids   identifiers, each 1 to 268,435,455.
     * @param count how many of {@code ids} to send.
     * @return this.
     */
    public PublishEncoder subscriptionIdentifiers(final int[] ids, final int count)
    {
        this.subscriptionIdentifiers = ids;
        this.subscriptionIdentifierCount = count;
        return this;
    }

    /**
     * Application payload.
     *
     * @param buffer holding the payload.
     * @param offset of the first byte.
     * @param length in bytes, possibly 0.
     * @return this.
     */
    public PublishEncoder payload(final DirectBuffer buffer, final int offset, final int length)
    {
        this.payloadBuffer = buffer;
        this.payloadOffset = offset;
        this.payloadLength = length;
        return this;
    }

    /**
     * Bytes {@link #encode(MutableDirectBuffer, int)} will write.
     *
     * @return length of the whole frame.
     */
    public int encodedLength()
    {
        return WireWriter.frameLength(remainingLength(propertiesLength()));
    }

    /**
     * Encode the PUBLISH frame.
     *
     * @param buffer to write to.
     * @param offset of the first byte.
     * @return bytes written.
     */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        final int propertiesLength = propertiesLength();
        final int typeAndFlags = (PacketType.PUBLISH << 4) | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
        int position = offset + WireWriter.putFixedHeader(
            buffer, offset, typeAndFlags, remainingLength(propertiesLength));

        position += WireWriter.putU16(buffer, position, topicLength);
        if (topicLength > 0)
        {
            buffer.putBytes(position, topicBuffer, topicOffset, topicLength);
            position += topicLength;
        }
        if (qos > 0)
        {
            position += WireWriter.putU16(buffer, position, packetId);
        }

        if (version == MqttVersion.MQTT_5)
        {
            position += VariableByteInteger.encode(buffer, position, propertiesLength);
            if (topicAlias != 0)
            {
                position += WireWriter.putU16Property(buffer, position, Property.TOPIC_ALIAS, topicAlias);
            }
            if (messageExpiryInterval >= 0)
            {
                position += WireWriter.putU32Property(
                    buffer, position, Property.MESSAGE_EXPIRY_INTERVAL, messageExpiryInterval);
            }
            for (int i = 0; i < subscriptionIdentifierCount; i++)
            {
                position += WireWriter.putVbiProperty(
                    buffer, position, Property.SUBSCRIPTION_IDENTIFIER, subscriptionIdentifiers[i]);
            }
            position += copyForwardProperties(buffer, position);
        }

        if (payloadLength > 0)
        {
            buffer.putBytes(position, payloadBuffer, payloadOffset, payloadLength);
            position += payloadLength;
        }

        return position - offset;
    }

    /**
     * Length of a property block once Topic Alias, Message Expiry Interval and Subscription Identifier entries are
     * dropped. Zero allocation.
     *
     * @param buffer holding the block.
     * @param offset of the first property.
     * @param length of the block.
     * @return bytes kept.
     */
    public static int forwardPropertiesLength(final DirectBuffer buffer, final int offset, final int length)
    {
        final int limit = offset + length;
        int kept = 0;
        int position = offset;
        while (position < limit)
        {
            final int end = PropertyReader.entryEnd(buffer, position, limit);
            if (!isDropped(buffer.getByte(position)))
            {
                kept += end - position;
            }
            position = end;
        }
        return kept;
    }

    private static boolean isDropped(final byte id)
    {
        return id == Property.TOPIC_ALIAS || id == Property.MESSAGE_EXPIRY_INTERVAL ||
            id == Property.SUBSCRIPTION_IDENTIFIER;
    }

    private int copyForwardProperties(final MutableDirectBuffer buffer, final int offset)
    {
        final int limit = forwardOffset + forwardLength;
        int written = 0;
        int position = forwardOffset;
        while (position < limit)
        {
            final int end = PropertyReader.entryEnd(forwardBuffer, position, limit);
            if (!isDropped(forwardBuffer.getByte(position)))
            {
                buffer.putBytes(offset + written, forwardBuffer, position, end - position);
                written += end - position;
            }
            position = end;
        }
        return written;
    }

    private int propertiesLength()
    {
        if (version != MqttVersion.MQTT_5)
        {
            return 0;
        }
        int length = topicAlias != 0 ? 3 : 0;
        length += messageExpiryInterval >= 0 ? 5 : 0;
        for (int i = 0; i < subscriptionIdentifierCount; i++)
        {
            length += WireWriter.sizeOfVbiProperty(subscriptionIdentifiers[i]);
        }
        if (forwardLength > 0)
        {
            length += forwardPropertiesLength(forwardBuffer, forwardOffset, forwardLength);
        }
        return length;
    }

    private int remainingLength(final int propertiesLength)
    {
        int length = 2 + topicLength + (qos > 0 ? 2 : 0) + payloadLength;
        if (version == MqttVersion.MQTT_5)
        {
            length += WireWriter.sizeOfPropertyBlock(propertiesLength);
        }
        return length;
    }
}
