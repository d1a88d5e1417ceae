package io.ringmq.core.session;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An application message the broker keeps beyond the packet that carried it: QoS 1/2 deliveries that are queued
 * or in flight, retained messages, will messages and $SYS updates. Its content is immutable, so one instance is
 * shared by every session that holds it.
 * <p>
 * The bytes live in one of two places. A message only clean sessions need is held on the heap: topic,
 * forwardable MQTT 5 properties and payload back to back in one array behind {@link #buffer()}:
 * <pre>
 *  +-----------------+----------------------+---------------------+
 *  | topic (UTF-8)   | properties (v5 block) | payload            |
 *  +-----------------+----------------------+---------------------+
 *  0            topicLength        payloadOffset          capacity
 * </pre>
 * A message a persistent session or the retained store needs is written once to the journal and held only as its
 * log position ({@link #inLog()}; {@link #buffer()} is null): queued messages cost disk, not heap, and are read
 * back from the mapped log when they are sent. The journal moves a long-lived record forward when it compacts the
 * log and updates {@link #logPosition(long)}, which every delivery sharing this instance then sees.
 * <p>
 * <b>Threading:</b> created and read only on the Router thread.
 */
public final class Message
{
    private final UnsafeBuffer buffer;
    private final int topicLength;
    private final int propertiesLength;
    private final int payloadLength;
    private final int qos;
    private final boolean retain;
    private final long expiryDeadlineNs;
    private long logPosition = -1;

    /**
     * Copy the parts of a message into one new array.
     *
     * @param topic            topic buffer.
     * @param topicOffset      topic offset.
     * @param topicLength      topic length in bytes.
     * @param properties       forwardable MQTT 5 properties buffer.
     * @param propertiesOffset properties offset.
     * @param propertiesLength properties length, possibly 0.
     * @param payload          payload buffer.
     * @param payloadOffset    payload offset.
     * @param payloadLength    payload length.
     * @param qos              publish QoS.
     * @param retain           retain flag as published.
     * @param expiryDeadlineNs {@link System#nanoTime()} after which the message expires, or -1 for never.
     */
    public Message(
        final DirectBuffer topic,
        final int topicOffset,
        final int topicLength,
        final DirectBuffer properties,
        final int propertiesOffset,
        final int propertiesLength,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final int qos,
        final boolean retain,
        final long expiryDeadlineNs)
    {
        final byte[] data = new byte[topicLength + propertiesLength + payloadLength];
        topic.getBytes(topicOffset, data, 0, topicLength);
        if (propertiesLength > 0)
        {
            properties.getBytes(propertiesOffset, data, topicLength, propertiesLength);
        }
        payload.getBytes(payloadOffset, data, topicLength + propertiesLength, payloadLength);
        this.buffer = new UnsafeBuffer(data);
        this.topicLength = topicLength;
        this.propertiesLength = propertiesLength;
        this.payloadLength = payloadLength;
        this.qos = qos;
        this.retain = retain;
        this.expiryDeadlineNs = expiryDeadlineNs;
    }

    /**
     * Build from arrays (wills, $SYS).
     *
     * @param topic            topic bytes (UTF-8).
     * @param properties       MQTT 5 properties to forward, or null.
     * @param payload          payload bytes, or null.
     * @param qos              publish QoS.
     * @param retain           retain flag as published.
     * @param expiryDeadlineNs nanoTime deadline, or -1.
     */
    public Message(
        final byte[] topic,
        final byte[] properties,
        final byte[] payload,
        final int qos,
        final boolean retain,
        final long expiryDeadlineNs)
    {
        this(new UnsafeBuffer(topic), 0, topic.length,
            new UnsafeBuffer(null == properties ? new byte[0] : properties), 0,
            null == properties ? 0 : properties.length,
            new UnsafeBuffer(null == payload ? new byte[0] : payload), 0, null == payload ? 0 : payload.length,
            qos, retain, expiryDeadlineNs);
    }

    private Message(
        final long logPosition,
        final int topicLength,
        final int propertiesLength,
        final int payloadLength,
        final int qos,
        final boolean retain,
        final long expiryDeadlineNs)
    {
        this.buffer = null;
        this.logPosition = logPosition;
        this.topicLength = topicLength;
        this.propertiesLength = propertiesLength;
        this.payloadLength = payloadLength;
        this.qos = qos;
        this.retain = retain;
        this.expiryDeadlineNs = expiryDeadlineNs;
    }

    /**
     * A message whose bytes are only in the journal.
     *
     * @param logPosition      position of its MESSAGE record.
     * @param topicLength      topic length.
     * @param propertiesLength properties length.
     * @param payloadLength    payload length.
     * @param qos              publish QoS.
     * @param retain           retain flag as published.
     * @param expiryDeadlineNs nanoTime deadline, or -1.
     * @return the message.
     */
    public static Message inLog(
        final long logPosition,
        final int topicLength,
        final int propertiesLength,
        final int payloadLength,
        final int qos,
        final boolean retain,
        final long expiryDeadlineNs)
    {
        return new Message(logPosition, topicLength, propertiesLength, payloadLength, qos, retain,
            expiryDeadlineNs);
    }

    /**
     * The same message with another expiry deadline (a will gets its expiry when it is published).
     *
     * @param expiryDeadlineNs nanoTime deadline, or -1.
     * @return a new heap message sharing nothing mutable with this one; this one must be on the heap.
     */
    public Message withExpiry(final long expiryDeadlineNs)
    {
        return new Message(buffer, 0, topicLength, buffer, topicLength, propertiesLength, buffer, payloadOffset(),
            payloadLength, qos, retain, expiryDeadlineNs);
    }

    /** @return the buffer holding topic, properties and payload, or null when the bytes are only in the log. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return true if the bytes are only in the journal. */
    public boolean inLog()
    {
        return null == buffer;
    }

    /** @return position of the message's MESSAGE record in the journal, or -1 if it was not journaled. */
    public long logPosition()
    {
        return logPosition;
    }

    /** @param position new position of the MESSAGE record (written, or moved by compaction). */
    public void logPosition(final long position)
    {
        this.logPosition = position;
    }

    /** @return topic length; the topic starts at 0 of the data. */
    public int topicLength()
    {
        return topicLength;
    }

    /** @return topic as a String (allocates; not for the per-message path); the message must be on the heap. */
    public String topicName()
    {
        return buffer.getStringWithoutLengthUtf8(0, topicLength);
    }

    /** @return offset of the properties in the data. */
    public int propertiesOffset()
    {
        return topicLength;
    }

    /** @return length of the forwardable properties. */
    public int propertiesLength()
    {
        return propertiesLength;
    }

    /** @return offset of the payload in the data. */
    public int payloadOffset()
    {
        return topicLength + propertiesLength;
    }

    /** @return payload length. */
    public int payloadLength()
    {
        return payloadLength;
    }

    /** @return QoS as published. */
    public int qos()
    {
        return qos;
    }

    /** @return retain flag as published. */
    public boolean retain()
    {
        return retain;
    }

    /** @return expiry deadline in nanoTime, or -1. */
    public long expiryDeadlineNs()
    {
        return expiryDeadlineNs;
    }

    /**
     * @param nowNs current nanoTime.
     * @return true if the message has expired.
     */
    public boolean isExpired(final long nowNs)
    {
        return expiryDeadlineNs >= 0 && nowNs - expiryDeadlineNs >= 0;
    }
}
