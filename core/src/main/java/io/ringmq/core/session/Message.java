package io.ringmq.core.session;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * An application message the broker keeps beyond the packet that carried it: QoS 1/2 deliveries that are queued
 * or in flight, retained messages, will messages and $SYS updates. Immutable once built, so one instance is
 * shared by every session that holds it.
 * <p>
 * <b>Threading:</b> created and read only on the Router thread.
 */
public final class Message
{
    private static final byte[] EMPTY = new byte[0];

    private final UnsafeBuffer topic;
    private final UnsafeBuffer properties;
    private final UnsafeBuffer payload;
    private final String topicName;
    private final int qos;
    private final boolean retain;
    private final long expiryDeadlineNs;

    /**
     * @param topic            topic name bytes (UTF-8), copied by the caller.
     * @param properties       MQTT 5 properties to forward, possibly empty.
     * @param payload          payload bytes.
     * @param qos              publish QoS.
     * @param retain           retain flag as published.
     * @param expiryDeadlineNs {@link System#nanoTime()} after which the message expires, or -1 for never.
     */
    public Message(
        final byte[] topic,
        final byte[] properties,
        final byte[] payload,
        final int qos,
        final boolean retain,
        final long expiryDeadlineNs)
    {
        this.topic = new UnsafeBuffer(topic);
        this.properties = new UnsafeBuffer(null == properties ? EMPTY : properties);
        this.payload = new UnsafeBuffer(null == payload ? EMPTY : payload);
        this.topicName = new String(topic, StandardCharsets.UTF_8);
        this.qos = qos;
        this.retain = retain;
        this.expiryDeadlineNs = expiryDeadlineNs;
    }

    /** @return topic bytes. */
    public UnsafeBuffer topic()
    {
        return topic;
    }

    /** @return topic as a String. */
    public String topicName()
    {
        return topicName;
    }

    /** @return forwardable MQTT 5 properties. */
    public UnsafeBuffer properties()
    {
        return properties;
    }

    /** @return payload bytes. */
    public UnsafeBuffer payload()
    {
        return payload;
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
