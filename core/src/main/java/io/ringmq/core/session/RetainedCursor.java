package io.ringmq.core.session;

import java.util.ArrayDeque;

/**
 * Retained messages still to be sent to a session after its SUBSCRIBE, in order, paced by what the client takes:
 * QoS 1/2 ones as its inflight window frees, QoS 0 ones a credit of bytes at a time, renewed each time the client's
 * socket can take more. Created when a subscription matches retained messages, dropped when emptied.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
public final class RetainedCursor
{
    /** One retained message to send at a QoS, with the subscription identifier (0 for none). */
    public record Entry(Message message, int qos, int subscriptionId)
    {
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long credit;
    private boolean awaitingWritable;

    /** @return the pending entries, oldest first. */
    public ArrayDeque<Entry> entries()
    {
        return entries;
    }

    /** @return bytes of QoS 0 messages that may still be written before waiting for the socket. */
    public long credit()
    {
        return credit;
    }

    /** @param credit bytes of QoS 0 messages that may be written before waiting for the socket. */
    public void credit(final long credit)
    {
        this.credit = credit;
    }

    /** @return true while a writability notice was asked for and has not come. */
    public boolean awaitingWritable()
    {
        return awaitingWritable;
    }

    /** @param awaiting whether a writability notice is outstanding. */
    public void awaitingWritable(final boolean awaiting)
    {
        this.awaitingWritable = awaiting;
    }
}
