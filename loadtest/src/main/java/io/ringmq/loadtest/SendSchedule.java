package io.ringmq.loadtest;

/**
 * When each message of one publisher is meant to be sent. With a rate, message {@code k} is due at
 * {@code startNs + k * intervalNs} whatever happened before it: that intended time is what goes into the payload, so a
 * publisher held back by a full window, a full socket or a late wake-up still measures the wait (coordinated
 * omission correction, as in wrk2). Without a rate every message is due at once and carries its actual send time.
 * <p>
 * <b>Threading:</b> not thread-safe; owned by the publisher's {@link IoLoop}.
 */
final class SendSchedule
{
    private final double intervalNs;
    private long startNs;
    private long endNs;
    private long lastSequenceExclusive;

    /**
     * Schedule for a rate.
     *
     * @param ratePerSecond messages per second, 0 for unlimited.
     */
    SendSchedule(final double ratePerSecond)
    {
        if (ratePerSecond < 0 || Double.isNaN(ratePerSecond))
        {
            throw new IllegalArgumentException("rate must be >= 0: " + ratePerSecond);
        }
        this.intervalNs = ratePerSecond == 0 ? 0 : 1e9 / ratePerSecond;
    }

    /**
     * Start the schedule.
     *
     * @param startNs time the first message is due.
     * @param endNs   no message intended at or after this time is sent.
     * @return this.
     */
    SendSchedule start(final long startNs, final long endNs)
    {
        this.startNs = startNs;
        this.endNs = endNs;
        this.lastSequenceExclusive = unlimited() ? Long.MAX_VALUE :
            (long)Math.ceil((endNs - startNs) / intervalNs);
        return this;
    }

    /**
     * True when the publisher sends as fast as it can.
     *
     * @return true without a rate.
     */
    boolean unlimited()
    {
        return intervalNs == 0;
    }

    /**
     * Intended send time of a message.
     *
     * @param sequence of the message, from 0.
     * @param nowNs    current time, used when unlimited.
     * @return nanoTime the message should have been sent at.
     */
    long intendedTimeNs(final long sequence, final long nowNs)
    {
        return unlimited() ? nowNs : startNs + (long)(sequence * intervalNs);
    }

    /**
     * Number of messages due by now, counting from sequence 0 and capped by the end of the schedule.
     *
     * @param nowNs current time.
     * @return messages whose intended time is at or before now.
     */
    long dueCount(final long nowNs)
    {
        if (unlimited())
        {
            return nowNs < endNs ? Long.MAX_VALUE : 0;
        }
        if (nowNs < startNs)
        {
            return 0;
        }
        return Math.min(lastSequenceExclusive, (long)((nowNs - startNs) / intervalNs) + 1);
    }

    /**
     * True once every message of the schedule is due (rate) or the end has passed (unlimited).
     *
     * @param sequence next sequence to send.
     * @param nowNs    current time.
     * @return true when the publisher is done.
     */
    boolean finished(final long sequence, final long nowNs)
    {
        return unlimited() ? nowNs >= endNs : sequence >= lastSequenceExclusive;
    }

    /**
     * Time the next message is due.
     *
     * @param sequence next sequence to send.
     * @param nowNs    current time.
     * @return nanoTime, {@code nowNs} when unlimited.
     */
    long nextDueNs(final long sequence, final long nowNs)
    {
        return intendedTimeNs(sequence, nowNs);
    }
}
