package io.ringmq.core.cluster;

import static io.ringmq.core.cluster.ForwardDescriptor.FLAGS_OFFSET;
import static io.ringmq.core.cluster.ForwardDescriptor.FORWARD_ACK_FLAG;
import static io.ringmq.core.cluster.ForwardDescriptor.GROUP_LENGTH_OFFSET;
import static io.ringmq.core.cluster.ForwardDescriptor.HEADER_LENGTH;
import static io.ringmq.core.cluster.ForwardDescriptor.ORIGIN_NODE_OFFSET;
import static io.ringmq.core.cluster.ForwardDescriptor.ORIGIN_SEQUENCE_OFFSET;
import static io.ringmq.core.cluster.ForwardDescriptor.PAYLOAD_LENGTH_OFFSET;
import static io.ringmq.core.cluster.ForwardDescriptor.PROPERTIES_LENGTH_OFFSET;
import static io.ringmq.core.cluster.ForwardDescriptor.QOS_MASK;
import static io.ringmq.core.cluster.ForwardDescriptor.EXPIRY_OFFSET;
import static io.ringmq.core.cluster.ForwardDescriptor.RETAIN_FLAG;
import static io.ringmq.core.cluster.ForwardDescriptor.ROUTE_APPLIED_FLAG;
import static io.ringmq.core.cluster.ForwardDescriptor.TOPIC_LENGTH_OFFSET;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes and reads a forwarded message ({@link ForwardDescriptor}). A flyweight: {@link #wrap} checks that the
 * lengths fit, then the accessors read in place. Allocates nothing. Not thread-safe: one per thread.
 */
public final class ForwardCodec
{
    private DirectBuffer buffer;
    private int offset;

    /**
     * @param topicLength      bytes of topic.
     * @param propertiesLength bytes of properties.
     * @param payloadLength    bytes of payload.
     * @return the length of a message with these parts.
     */
    public static int length(final int topicLength, final int propertiesLength, final int payloadLength)
    {
        return HEADER_LENGTH + topicLength + propertiesLength + payloadLength;
    }

    /**
     * Writes a message; the destination must have room for {@link #length}.
     *
     * @param destination    where to write.
     * @param offset         where the message starts.
     * @param qos            the QoS it was published with.
     * @param retain         whether it was published retained.
     * @param expirySeconds  message expiry interval left, or -1 for none.
     * @param originNode     this node's id.
     * @param originSequence this node's sequence number of the forward.
     * @param parts          where the topic, properties and payload are.
     * @return its length.
     */
    public static int encode(
        final MutableDirectBuffer destination, final int offset, final int qos, final boolean retain,
        final int expirySeconds, final int originNode, final long originSequence, final MessageParts parts)
    {
        return encode(destination, offset, qos, retain, expirySeconds, originNode, originSequence, parts, null);
    }

    /**
     * Writes a message for one shared group at the destination; the destination must have room for
     * {@link #length} plus the group's length.
     *
     * @param destination    where to write.
     * @param offset         where the message starts.
     * @param qos            the QoS it was published with.
     * @param retain         whether it was published retained.
     * @param expirySeconds  message expiry interval left, or -1 for none.
     * @param originNode     this node's id.
     * @param originSequence this node's sequence number of the forward.
     * @param parts          where the topic, properties and payload are.
     * @param group          the shared group, {@code $share/{name}/{filter}} in UTF-8, or null for none.
     * @return its length.
     */
    public static int encode(
        final MutableDirectBuffer destination, final int offset, final int qos, final boolean retain,
        final int expirySeconds, final int originNode, final long originSequence, final MessageParts parts,
        final byte[] group)
    {
        final int groupLength = null == group ? 0 : group.length;
        destination.putInt(offset + GROUP_LENGTH_OFFSET, groupLength, LITTLE_ENDIAN);
        destination.putInt(offset + FLAGS_OFFSET, (qos & QOS_MASK) | (retain ? RETAIN_FLAG : 0), LITTLE_ENDIAN);
        destination.putInt(offset + TOPIC_LENGTH_OFFSET, parts.topicLength(), LITTLE_ENDIAN);
        destination.putInt(offset + PROPERTIES_LENGTH_OFFSET, parts.propertiesLength(), LITTLE_ENDIAN);
        destination.putInt(offset + PAYLOAD_LENGTH_OFFSET, parts.payloadLength(), LITTLE_ENDIAN);
        destination.putInt(offset + ORIGIN_NODE_OFFSET, originNode, LITTLE_ENDIAN);
        destination.putInt(offset + EXPIRY_OFFSET, expirySeconds, LITTLE_ENDIAN);
        destination.putLong(offset + ORIGIN_SEQUENCE_OFFSET, originSequence, LITTLE_ENDIAN);
        int at = offset + HEADER_LENGTH;
        destination.putBytes(at, parts.topicBuffer(), parts.topicOffset(), parts.topicLength());
        at += parts.topicLength();
        destination.putBytes(at, parts.propertiesBuffer(), parts.propertiesOffset(), parts.propertiesLength());
        at += parts.propertiesLength();
        destination.putBytes(at, parts.payloadBuffer(), parts.payloadOffset(), parts.payloadLength());
        at += parts.payloadLength();
        if (groupLength > 0)
        {
            destination.putBytes(at, group);
        }
        return at + groupLength - offset;
    }

    /**
     * Writes a message without properties (a retained-message clear when the payload is empty).
     *
     * @param destination    where to write, with room for {@code length(topicLength, 0, payloadLength)}.
     * @param offset         where the message starts.
     * @param qos            its QoS.
     * @param retain         whether it is retained.
     * @param expirySeconds  message expiry interval left, or -1 for none.
     * @param originNode     the node that writes it.
     * @param originSequence that node's sequence number of it, or 0.
     * @param topic          the topic's UTF-8 bytes.
     * @param topicOffset    where they start.
     * @param topicLength    their length.
     * @param payload        the payload.
     * @param payloadOffset  where it starts.
     * @param payloadLength  its length.
     * @return its length.
     */
    public static int encode(
        final MutableDirectBuffer destination, final int offset, final int qos, final boolean retain,
        final int expirySeconds, final int originNode, final long originSequence, final DirectBuffer topic,
        final int topicOffset, final int topicLength, final DirectBuffer payload, final int payloadOffset,
        final int payloadLength)
    {
        destination.putInt(offset + FLAGS_OFFSET, (qos & QOS_MASK) | (retain ? RETAIN_FLAG : 0), LITTLE_ENDIAN);
        destination.putInt(offset + TOPIC_LENGTH_OFFSET, topicLength, LITTLE_ENDIAN);
        destination.putInt(offset + PROPERTIES_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        destination.putInt(offset + PAYLOAD_LENGTH_OFFSET, payloadLength, LITTLE_ENDIAN);
        destination.putInt(offset + ORIGIN_NODE_OFFSET, originNode, LITTLE_ENDIAN);
        destination.putInt(offset + EXPIRY_OFFSET, expirySeconds, LITTLE_ENDIAN);
        destination.putLong(offset + ORIGIN_SEQUENCE_OFFSET, originSequence, LITTLE_ENDIAN);
        destination.putInt(offset + GROUP_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        destination.putBytes(offset + HEADER_LENGTH, topic, topicOffset, topicLength);
        if (payloadLength > 0)
        {
            destination.putBytes(offset + HEADER_LENGTH + topicLength, payload, payloadOffset, payloadLength);
        }
        return HEADER_LENGTH + topicLength + payloadLength;
    }

    /**
     * Writes a route acknowledgement ({@link ForwardDescriptor#ROUTE_APPLIED_FLAG}): the filter in the topic field.
     *
     * @param destination where to write, with room for {@code length(filterLength, 0, 0)}.
     * @param offset      where it starts.
     * @param originNode  the node whose Router applied the route.
     * @param filter      the filter's UTF-8 bytes.
     * @param filterLength their length.
     * @return its length.
     */
    public static int encodeRouteApplied(
        final MutableDirectBuffer destination, final int offset, final int originNode, final DirectBuffer filter,
        final int filterLength)
    {
        final int length = encode(destination, offset, 1, false, -1, originNode, 0, filter, 0, filterLength, filter,
            0, 0);
        destination.putInt(offset + FLAGS_OFFSET, 1 | ROUTE_APPLIED_FLAG, LITTLE_ENDIAN);
        return length;
    }

    /**
     * Writes a forward acknowledgement ({@link ForwardDescriptor#FORWARD_ACK_FLAG}).
     *
     * @param destination where to write, with room for {@link ForwardDescriptor#HEADER_LENGTH}.
     * @param offset      where it starts.
     * @param node        the node that acknowledges (the forwards' destination).
     * @param sequence    the receiving node's sequence number up to which every QoS 1/2 forward is taken.
     * @return its length.
     */
    public static int encodeForwardAck(final MutableDirectBuffer destination, final int offset, final int node,
        final long sequence)
    {
        return encodeControl(destination, offset, FORWARD_ACK_FLAG, node, -1, sequence);
    }

    /**
     * Writes a request to hold a publisher ({@link ForwardDescriptor#HOLD_FLAG}).
     *
     * @param destination where to write, with room for {@link ForwardDescriptor#HEADER_LENGTH}.
     * @param offset      where it starts.
     * @param node        the node that asks (the forward's destination).
     * @param sequence    the receiving node's sequence of the forward that found a session backed up.
     * @param holdId      the hold, numbered by the asking node.
     * @return its length.
     */
    public static int encodePublisherHold(final MutableDirectBuffer destination, final int offset, final int node,
        final long sequence, final int holdId)
    {
        return encodeControl(destination, offset, ForwardDescriptor.HOLD_FLAG, node, holdId, sequence);
    }

    /**
     * Writes the end of a hold ({@link ForwardDescriptor#RELEASE_FLAG}).
     *
     * @param destination where to write, with room for {@link ForwardDescriptor#HEADER_LENGTH}.
     * @param offset      where it starts.
     * @param node        the node whose hold ends.
     * @param holdId      the hold.
     * @return its length.
     */
    public static int encodePublisherRelease(final MutableDirectBuffer destination, final int offset, final int node,
        final int holdId)
    {
        return encodeControl(destination, offset, ForwardDescriptor.RELEASE_FLAG, node, holdId, 0);
    }

    private static int encodeControl(final MutableDirectBuffer destination, final int offset, final int flags,
        final int node, final int expiryField, final long sequence)
    {
        destination.putInt(offset + FLAGS_OFFSET, flags, LITTLE_ENDIAN);
        destination.putInt(offset + TOPIC_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        destination.putInt(offset + PROPERTIES_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        destination.putInt(offset + PAYLOAD_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        destination.putInt(offset + ORIGIN_NODE_OFFSET, node, LITTLE_ENDIAN);
        destination.putInt(offset + EXPIRY_OFFSET, expiryField, LITTLE_ENDIAN);
        destination.putLong(offset + ORIGIN_SEQUENCE_OFFSET, sequence, LITTLE_ENDIAN);
        destination.putInt(offset + GROUP_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        return HEADER_LENGTH;
    }

    /**
     * Wraps a received message.
     *
     * @param buffer the message's buffer.
     * @param offset where it starts.
     * @param length its length as received.
     * @return false if its lengths do not add up to {@code length} (the codec is then unusable until the next wrap).
     */
    public boolean wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = null;
        if (length < HEADER_LENGTH)
        {
            return false;
        }
        final long topic = buffer.getInt(offset + TOPIC_LENGTH_OFFSET, LITTLE_ENDIAN);
        final long properties = buffer.getInt(offset + PROPERTIES_LENGTH_OFFSET, LITTLE_ENDIAN);
        final long payload = buffer.getInt(offset + PAYLOAD_LENGTH_OFFSET, LITTLE_ENDIAN);
        final long group = buffer.getInt(offset + GROUP_LENGTH_OFFSET, LITTLE_ENDIAN);
        final boolean ack = (buffer.getInt(offset + FLAGS_OFFSET, LITTLE_ENDIAN) &
            (FORWARD_ACK_FLAG | ForwardDescriptor.HANDOFF_FLAG | ForwardDescriptor.HOLD_FLAG |
            ForwardDescriptor.RELEASE_FLAG)) != 0;
        if (topic < (ack ? 0 : 1) || properties < 0 || payload < 0 || group < 0 ||
            HEADER_LENGTH + topic + properties + payload + group != length)
        {
            return false;
        }
        this.buffer = buffer;
        this.offset = offset;
        return true;
    }

    /** @return the QoS it was published with. */
    public int qos()
    {
        return buffer.getInt(offset + FLAGS_OFFSET, LITTLE_ENDIAN) & QOS_MASK;
    }

    /** @return whether it is a route acknowledgement ({@link ForwardDescriptor#ROUTE_APPLIED_FLAG}), not a message. */
    public boolean routeApplied()
    {
        return (buffer.getInt(offset + FLAGS_OFFSET, LITTLE_ENDIAN) & ROUTE_APPLIED_FLAG) != 0;
    }

    /** @return whether it is a forward acknowledgement ({@link ForwardDescriptor#FORWARD_ACK_FLAG}), not a message. */
    public boolean forwardAck()
    {
        return (buffer.getInt(offset + FLAGS_OFFSET, LITTLE_ENDIAN) & FORWARD_ACK_FLAG) != 0;
    }

    /** @return whether it asks to hold a publisher ({@link ForwardDescriptor#HOLD_FLAG}), not a message. */
    public boolean publisherHold()
    {
        return (buffer.getInt(offset + FLAGS_OFFSET, LITTLE_ENDIAN) & ForwardDescriptor.HOLD_FLAG) != 0;
    }

    /** @return whether it ends a hold ({@link ForwardDescriptor#RELEASE_FLAG}), not a message. */
    public boolean publisherRelease()
    {
        return (buffer.getInt(offset + FLAGS_OFFSET, LITTLE_ENDIAN) & ForwardDescriptor.RELEASE_FLAG) != 0;
    }

    /** @return the hold of a {@link #publisherHold()} or {@link #publisherRelease()} (the expiry field). */
    public int holdId()
    {
        return buffer.getInt(offset + EXPIRY_OFFSET, LITTLE_ENDIAN);
    }

    /** @return whether it is a session hand-off record ({@link ForwardDescriptor#HANDOFF_FLAG}). */
    public boolean handoff()
    {
        return (buffer.getInt(offset + FLAGS_OFFSET, LITTLE_ENDIAN) & ForwardDescriptor.HANDOFF_FLAG) != 0;
    }

    /** @return whether it was published retained. */
    public boolean retain()
    {
        return (buffer.getInt(offset + FLAGS_OFFSET, LITTLE_ENDIAN) & RETAIN_FLAG) != 0;
    }

    /** @return the message expiry interval left when it was forwarded, seconds, or -1 for none. */
    public int expirySeconds()
    {
        return buffer.getInt(offset + EXPIRY_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the node it was published on. */
    public int originNode()
    {
        return buffer.getInt(offset + ORIGIN_NODE_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the origin's sequence number of this forward. */
    public long originSequence()
    {
        return buffer.getLong(offset + ORIGIN_SEQUENCE_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the topic's offset in the wrapped buffer. */
    public int topicOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /** @return the topic's length. */
    public int topicLength()
    {
        return buffer.getInt(offset + TOPIC_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the properties' offset in the wrapped buffer. */
    public int propertiesOffset()
    {
        return topicOffset() + topicLength();
    }

    /** @return the properties' length. */
    public int propertiesLength()
    {
        return buffer.getInt(offset + PROPERTIES_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the payload's offset in the wrapped buffer. */
    public int payloadOffset()
    {
        return propertiesOffset() + propertiesLength();
    }

    /** @return the payload's length. */
    public int payloadLength()
    {
        return buffer.getInt(offset + PAYLOAD_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the shared group's offset ({@code $share/{name}/{filter}}, UTF-8). */
    public int groupOffset()
    {
        return payloadOffset() + payloadLength();
    }

    /** @return the shared group's length, 0 when the message is for the plain subscribers. */
    public int groupLength()
    {
        return buffer.getInt(offset + GROUP_LENGTH_OFFSET, LITTLE_ENDIAN);
    }
}
