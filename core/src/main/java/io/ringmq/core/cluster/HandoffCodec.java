package io.ringmq.core.cluster;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Records of a session moving from one node to another (a client resumed its session on another node), sent on the
 * data plane as {@link ForwardDescriptor} messages with the {@link ForwardDescriptor#HANDOFF_FLAG}: the record sits
 * in the shared-group field, and a {@link #DELIVERY} carries its message in the topic, properties and payload. All
 * little-endian.
 * <pre>
 * record      0 int kind, 4 int node (the sender), 8 long epoch (of the new ownership), 16 int client id length C,
 *             20 int a, 24 int b, 28 int c, 32 client id (UTF-8, C), then the body (the rest)
 * SUBSCRIPTIONS  (previous owner -> new owner, first) a: count N; body: N times 0 int filter length L,
 *             4 int subscription identifier, 8 int options (bits 0-1 QoS, 2 No Local, 3 Retain As Published,
 *             4-5 Retain Handling), 12 filter (L)
 * MARKER      (every node -> both owners) the sender's data-plane streams are cut: what it sent before goes to the
 *             previous owner's copy of the session, what it sends after to the new owner's
 * DELIVERY    (previous owner -> new owner) a: state (queued, awaiting PUBACK/PUBREC, awaiting PUBCOMP), b: packet
 *             id, c: QoS of the delivery (bits 0-1), retain flag to send (bit 2); body: subscription identifiers
 * END         (previous owner -> new owner) a: next packet id (-1: the previous owner had no such session), b: the
 *             number of DELIVERY records, c: inbound QoS 2 packet ids M; body: 0 long session expiry interval,
 *             8 M ints
 * DONE        (new owner -> previous owner) the session is journaled on the new owner: the previous one drops it
 * </pre>
 * Not for the per-message path: a hand-off is once per moving session; encoding allocates the client id's bytes.
 */
public final class HandoffCodec
{
    /** The session's subscriptions: the new owner announces its routes for them. */
    public static final int SUBSCRIPTIONS = 1;
    /** A node's streams are cut for the session. */
    public static final int MARKER = 2;
    /** One delivery of the session, in flight or queued. */
    public static final int DELIVERY = 3;
    /** The last record of the session. */
    public static final int END = 4;
    /** The new owner has the session. */
    public static final int DONE = 5;

    static final int KIND_OFFSET = 0;
    static final int NODE_OFFSET = 4;
    static final int EPOCH_OFFSET = 8;
    static final int ID_LENGTH_OFFSET = 16;
    static final int A_OFFSET = 20;
    static final int B_OFFSET = 24;
    static final int C_OFFSET = 28;
    /** Bytes of a record before its client id. */
    public static final int RECORD_HEADER_LENGTH = 32;
    /** Bytes of a subscription entry before its filter. */
    public static final int SUBSCRIPTION_ENTRY_LENGTH = 12;

    private DirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * @param clientIdLength UTF-8 bytes of the client id.
     * @param bodyLength     bytes of the body.
     * @return the length of a record without a message.
     */
    public static int length(final int clientIdLength, final int bodyLength)
    {
        return ForwardDescriptor.HEADER_LENGTH + RECORD_HEADER_LENGTH + clientIdLength + bodyLength;
    }

    /**
     * Writes a record without a message.
     *
     * @param destination where to write, with room for {@link #length}.
     * @param offset      where it starts.
     * @param kind        the record kind.
     * @param node        the sending node.
     * @param epoch       the epoch of the new ownership.
     * @param clientId    the client id's UTF-8 bytes.
     * @param a           first field.
     * @param b           second field.
     * @param c           third field.
     * @param body        the body, or null.
     * @param bodyLength  its length.
     * @return the record's length.
     */
    public static int encode(final MutableDirectBuffer destination, final int offset, final int kind, final int node,
        final long epoch, final byte[] clientId, final int a, final int b, final int c, final DirectBuffer body,
        final int bodyLength)
    {
        destination.putInt(offset + ForwardDescriptor.FLAGS_OFFSET, 1 | ForwardDescriptor.HANDOFF_FLAG, LITTLE_ENDIAN);
        destination.putInt(offset + ForwardDescriptor.TOPIC_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        destination.putInt(offset + ForwardDescriptor.PROPERTIES_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        destination.putInt(offset + ForwardDescriptor.PAYLOAD_LENGTH_OFFSET, 0, LITTLE_ENDIAN);
        destination.putInt(offset + ForwardDescriptor.ORIGIN_NODE_OFFSET, node, LITTLE_ENDIAN);
        destination.putInt(offset + ForwardDescriptor.EXPIRY_OFFSET, -1, LITTLE_ENDIAN);
        destination.putLong(offset + ForwardDescriptor.ORIGIN_SEQUENCE_OFFSET, 0, LITTLE_ENDIAN);
        final int recordLength = RECORD_HEADER_LENGTH + clientId.length + bodyLength;
        destination.putInt(offset + ForwardDescriptor.GROUP_LENGTH_OFFSET, recordLength, LITTLE_ENDIAN);
        putRecord(destination, offset + ForwardDescriptor.HEADER_LENGTH, kind, node, epoch, clientId, a, b, c, body,
            bodyLength);
        return ForwardDescriptor.HEADER_LENGTH + recordLength;
    }

    /**
     * Writes a {@link #DELIVERY}: the message as a forward would carry it, the record after it.
     *
     * @param destination   where to write, with room for the message and the record.
     * @param offset        where it starts.
     * @param node          the sending node.
     * @param epoch         the epoch of the new ownership.
     * @param clientId      the client id's UTF-8 bytes.
     * @param parts         the message's topic, properties and payload.
     * @param qos           the QoS it was published with.
     * @param retain        whether it was published retained.
     * @param expirySeconds its expiry interval left, or -1 for none.
     * @param state         the delivery's state.
     * @param packetId      its packet id, 0 while queued.
     * @param deliveryQos   its QoS.
     * @param retainFlag    the retain flag it is sent with.
     * @param subscriptionIds its subscription identifiers.
     * @return the record's length.
     */
    public static int encodeDelivery(final MutableDirectBuffer destination, final int offset, final int node,
        final long epoch, final byte[] clientId, final MessageParts parts, final int qos, final boolean retain,
        final int expirySeconds, final int state, final int packetId, final int deliveryQos, final boolean retainFlag,
        final int[] subscriptionIds)
    {
        final int messageLength = ForwardCodec.encode(destination, offset, qos, retain, expirySeconds, node, 0, parts);
        final int flags = destination.getInt(offset + ForwardDescriptor.FLAGS_OFFSET, LITTLE_ENDIAN);
        destination.putInt(offset + ForwardDescriptor.FLAGS_OFFSET, flags | ForwardDescriptor.HANDOFF_FLAG,
            LITTLE_ENDIAN);
        final int recordOffset = offset + messageLength;
        final int bodyOffset = recordOffset + RECORD_HEADER_LENGTH + clientId.length;
        for (int i = 0; i < subscriptionIds.length; i++)
        {
            destination.putInt(bodyOffset + i * Integer.BYTES, subscriptionIds[i], LITTLE_ENDIAN);
        }
        final int bodyLength = subscriptionIds.length * Integer.BYTES;
        putRecord(destination, recordOffset, DELIVERY, node, epoch, clientId, state, packetId,
            (deliveryQos & 0b11) | (retainFlag ? 0b100 : 0), null, bodyLength);
        final int recordLength = RECORD_HEADER_LENGTH + clientId.length + bodyLength;
        destination.putInt(offset + ForwardDescriptor.GROUP_LENGTH_OFFSET, recordLength, LITTLE_ENDIAN);
        return messageLength + recordLength;
    }

    /**
     * @param parts          the message's parts.
     * @param clientIdLength UTF-8 bytes of the client id.
     * @param subscriptionIds the number of subscription identifiers.
     * @return the length of a {@link #DELIVERY}.
     */
    public static int deliveryLength(final MessageParts parts, final int clientIdLength, final int subscriptionIds)
    {
        return ForwardCodec.length(parts.topicLength(), parts.propertiesLength(), parts.payloadLength()) +
            RECORD_HEADER_LENGTH + clientIdLength + subscriptionIds * Integer.BYTES;
    }

    private static void putRecord(final MutableDirectBuffer destination, final int at, final int kind, final int node,
        final long epoch, final byte[] clientId, final int a, final int b, final int c, final DirectBuffer body,
        final int bodyLength)
    {
        destination.putInt(at + KIND_OFFSET, kind, LITTLE_ENDIAN);
        destination.putInt(at + NODE_OFFSET, node, LITTLE_ENDIAN);
        destination.putLong(at + EPOCH_OFFSET, epoch, LITTLE_ENDIAN);
        destination.putInt(at + ID_LENGTH_OFFSET, clientId.length, LITTLE_ENDIAN);
        destination.putInt(at + A_OFFSET, a, LITTLE_ENDIAN);
        destination.putInt(at + B_OFFSET, b, LITTLE_ENDIAN);
        destination.putInt(at + C_OFFSET, c, LITTLE_ENDIAN);
        destination.putBytes(at + RECORD_HEADER_LENGTH, clientId);
        if (null != body && bodyLength > 0)
        {
            destination.putBytes(at + RECORD_HEADER_LENGTH + clientId.length, body, 0, bodyLength);
        }
    }

    /**
     * Wraps the record of a hand-off message.
     *
     * @param message the message, already wrapped (its lengths checked).
     * @param buffer  its buffer.
     * @return false if the record is malformed.
     */
    public boolean wrap(final ForwardCodec message, final DirectBuffer buffer)
    {
        this.buffer = null;
        final int at = message.groupOffset();
        final int recordLength = message.groupLength();
        if (recordLength < RECORD_HEADER_LENGTH)
        {
            return false;
        }
        final int idLength = buffer.getInt(at + ID_LENGTH_OFFSET, LITTLE_ENDIAN);
        if (idLength < 0 || idLength > recordLength - RECORD_HEADER_LENGTH)
        {
            return false;
        }
        this.buffer = buffer;
        this.offset = at;
        this.length = recordLength;
        return true;
    }

    /** @return the record kind. */
    public int kind()
    {
        return buffer.getInt(offset + KIND_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the sending node. */
    public int node()
    {
        return buffer.getInt(offset + NODE_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the epoch of the new ownership. */
    public long epoch()
    {
        return buffer.getLong(offset + EPOCH_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the client id (allocates). */
    public String clientId()
    {
        return buffer.getStringWithoutLengthUtf8(offset + RECORD_HEADER_LENGTH,
            buffer.getInt(offset + ID_LENGTH_OFFSET, LITTLE_ENDIAN));
    }

    /** @return the first field. */
    public int a()
    {
        return buffer.getInt(offset + A_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the second field. */
    public int b()
    {
        return buffer.getInt(offset + B_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the third field. */
    public int c()
    {
        return buffer.getInt(offset + C_OFFSET, LITTLE_ENDIAN);
    }

    /** @return where the body starts in the buffer. */
    public int bodyOffset()
    {
        return offset + RECORD_HEADER_LENGTH + buffer.getInt(offset + ID_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    /** @return the body's length. */
    public int bodyLength()
    {
        return offset + length - bodyOffset();
    }

    /** @return the buffer the record is in. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @param clientId a client id.
     * @return its UTF-8 bytes.
     */
    public static byte[] utf8(final String clientId)
    {
        return clientId.getBytes(StandardCharsets.UTF_8);
    }
}
