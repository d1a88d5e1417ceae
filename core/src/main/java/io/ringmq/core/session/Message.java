package io.ringmq.core.session;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An application message the broker keeps beyond the packet that carried it: QoS 1/2 deliveries that are queued
 * or in flight, retained messages, will messages and $SYS updates. Immutable once built, so one instance is
 * shared by every session that holds it.
 * <p>
 * Topic, forwardable MQTT 5 properties and payload are stored back to back in one array behind one buffer:
 * <pre>
 *  +-----------------+----------------------+---------------------+
 *  | topic (UTF-8)   | properties (v5 block) | payload            |
 *  +-----------------+----------------------+---------------------+
 *  0            topicLength        payloadOffset          capacity
 * </pre>
 * <b>Threading:</b> created and read only on the Router thread.
 */
public final class Message
{
    private final UnsafeBuffer buffer;
    private final int topicLength;
    private final int payloadOffset;
    private final int qos;
    private final boolean retain;
    private final long expiryDeadlineNs;

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
        this.payloadOffset = topicLength + propertiesLength;
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

    /**
     * The same message with another expiry deadline (a will gets its expiry when it is published).
     *
     * @param expiryDeadlineNs nanoTime deadline, or -1.
     * @return a new message sharing nothing mutable with this one.
     */
    public Message withExpiry(final long expiryDeadlineNs)
    {
        return new Message(buffer, 0, topicLength, buffer, topicLength, propertiesLength(), buffer, payloadOffset,
            payloadLength(), qos, retain, expiryDeadlineNs);
    }

    /** @return the buffer holding topic, properties and payload. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return topic length; the topic starts at 0. */
    public int topicLength()
    {
        return topicLength;
    }

    /** @return topic as a String (allocates; not for the per-message path). */
    public String topicName()
    {
        return buffer.getStringWithoutLengthUtf8(0, topicLength);
    }

    /** @return offset of the properties. */
    public int propertiesOffset()
    {
        return topicLength;
    }

    /** @return length of the forwardable properties. */
    public int propertiesLength()
    {
        return payloadOffset - topicLength;
    }

    /** @return offset of the payload. */
    public int payloadOffset()
    {
        return payloadOffset;
    }

    /** @return payload length. */
    public int payloadLength()
    {
        return buffer.capacity() - payloadOffset;
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
