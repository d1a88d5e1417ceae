package io.ringmq.core.routing;

import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.store.log.LogRecord;
import io.ringmq.core.cluster.MessageParts;
import org.agrona.DirectBuffer;

/**
 * The message being routed, seen either in the inbound frame (no copy: the QoS 0 path) or in a stored
 * {@link Message}. A stored copy is made at most once per publish, when a QoS 1/2 delivery or a retained message
 * needs it.
 * <p>
 * <b>Threading:</b> a single reusable instance owned by the Router thread.
 */
final class PublishSource implements MessageParts
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
    /** The node a forwarded message was published on, -1 for this node's own. */
    int originNode = -1;
    /** The origin's sequence of a forwarded message (meaningful while {@link #originNode} is set). */
    long originSequence;
    private final Journal journal;
    private Message message;
    private boolean hashed;
    private int topicHash;

    PublishSource(final Journal journal)
    {
        this.journal = journal;
    }

    void reset()
    {
        message = null;
        hashed = false;
        publisher = null;
        originNode = -1;
    }

    /**
     * Point at a stored message: on the heap, or read back from the journal's mapped log (no copy).
     *
     * @return false if the message is in the log but its record cannot be read (never expected: records are
     *         kept while referenced).
     */
    boolean from(final Message message, final Session publisher)
    {
        this.message = message;
        this.hashed = false;
        this.publisher = publisher;
        final DirectBuffer buffer;
        final int base;
        if (message.inLog())
        {
            final LogRecord record = journal.readMessage(message.logPosition());
            if (null == record)
            {
                return false;
            }
            buffer = record.buffer();
            base = record.bodyOffset() + JournalDescriptor.MESSAGE_DATA_OFFSET;
        }
        else
        {
            buffer = message.buffer();
            base = 0;
        }
        topicBuffer = buffer;
        topicOffset = base;
        topicLength = message.topicLength();
        propertiesBuffer = buffer;
        propertiesOffset = base + message.propertiesOffset();
        propertiesLength = message.propertiesLength();
        payloadBuffer = buffer;
        payloadOffset = base + message.payloadOffset();
        payloadLength = message.payloadLength();
        qos = message.qos();
        retain = message.retain();
        expiryDeadlineNs = message.expiryDeadlineNs();
        return true;
    }

    /**
     * @return {@link JournalDescriptor#FLAG_AWAITS_PUBREC} for a QoS 2 publish of a persistent session, whose PUBREC
     *         is journaled as an IN_QOS2 record naming the MESSAGE record; 0 otherwise (wills and broker messages
     *         have no publisher here).
     */
    int pubrecFlag()
    {
        return 2 == qos && null != publisher && 0 != publisher.journalId() ? JournalDescriptor.FLAG_AWAITS_PUBREC : 0;
    }

    /** @return the position of the MESSAGE record, or -1 while the message is not in the journal. */
    long logPosition()
    {
        return journaled() ? message.logPosition() : -1;
    }

    /** @return true once the message is in the journal. */
    boolean journaled()
    {
        return null != message && message.logPosition() >= 0;
    }

    /**
     * The message was written to the journal at {@code position}. Without a stored copy yet, the log record
     * becomes the stored copy (nothing on the heap); a heap copy (a will) just learns its position.
     *
     * @param position position of the MESSAGE record.
     */
    void storedAt(final long position)
    {
        if (null == message)
        {
            message = Message.inLog(position, topicLength, propertiesLength, payloadLength, qos, retain,
                expiryDeadlineNs);
        }
        else
        {
            message.logPosition(position);
        }
    }

    /** @return the stored copy, made on the heap on first call unless the journal holds it. */
    Message message()
    {
        if (null == message)
        {
            message = new Message(topicBuffer, topicOffset, topicLength, propertiesBuffer, propertiesOffset,
                propertiesLength, payloadBuffer, payloadOffset, payloadLength, qos, retain, expiryDeadlineNs);
        }
        return message;
    }

    /** @return the topic as a String (allocates; not for the per-message path). */
    String topicName()
    {
        return topicBuffer.getStringWithoutLengthUtf8(topicOffset, topicLength);
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
    @Override
    public DirectBuffer topicBuffer()
    {
        return topicBuffer;
    }

    @Override
    public int topicOffset()
    {
        return topicOffset;
    }

    @Override
    public int topicLength()
    {
        return topicLength;
    }

    @Override
    public DirectBuffer propertiesBuffer()
    {
        return propertiesBuffer;
    }

    @Override
    public int propertiesOffset()
    {
        return propertiesOffset;
    }

    @Override
    public int propertiesLength()
    {
        return propertiesLength;
    }

    @Override
    public DirectBuffer payloadBuffer()
    {
        return payloadBuffer;
    }

    @Override
    public int payloadOffset()
    {
        return payloadOffset;
    }

    @Override
    public int payloadLength()
    {
        return payloadLength;
    }
}
