package io.ringmq.core.routing;

import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import org.agrona.DirectBuffer;

/**
 * The message being routed, seen either in the inbound frame (no copy: the QoS 0 path) or in a stored
 * {@link Message}. A stored copy is made at most once per publish, when a QoS 1/2 delivery or a retained message
 * needs it.
 * <p>
 * <b>Threading:</b> a single reusable instance owned by the Router thread.
 */
final class PublishSource
{
    DirectBuffer topicBuffer;
    int topicOffset;
    int topicLength;
    DirectBuffer propertiesBuffer;
    int propertiesOffset;
    int propertiesLength;
    DirectBuffer payloadBuffer;
    int payloadOffset;
    int payloadLength;
    int qos;
    boolean retain;
    long expiryDeadlineNs;
    Session publisher;
    private Message message;
    private boolean hashed;
    private int topicHash;

    void reset()
    {
        message = null;
        hashed = false;
        publisher = null;
    }

    void from(final Message message, final Session publisher)
    {
        this.message = message;
        this.hashed = false;
        this.publisher = publisher;
        topicBuffer = message.buffer();
        topicOffset = 0;
        topicLength = message.topicLength();
        propertiesBuffer = message.buffer();
        propertiesOffset = message.propertiesOffset();
        propertiesLength = message.propertiesLength();
        payloadBuffer = message.buffer();
        payloadOffset = message.payloadOffset();
        payloadLength = message.payloadLength();
        qos = message.qos();
        retain = message.retain();
        expiryDeadlineNs = message.expiryDeadlineNs();
    }

    /** @return the stored copy, made on first call. */
    Message message()
    {
        if (null == message)
        {
            message = new Message(topicBuffer, topicOffset, topicLength, propertiesBuffer, propertiesOffset,
                propertiesLength, payloadBuffer, payloadOffset, payloadLength, qos, retain, expiryDeadlineNs);
        }
        return message;
    }

    int topicHash()
    {
        if (!hashed)
        {
            topicHash = hash(topicBuffer, topicOffset, topicLength);
            hashed = true;
        }
        return topicHash;
    }

    static int hash(final DirectBuffer buffer, final int offset, final int length)
    {
        int h = 0x811C9DC5;
        for (int i = 0; i < length; i++)
        {
            h = (h ^ buffer.getByte(offset + i)) * 0x01000193;
        }
        return 0 == h ? 1 : h;
    }
}
