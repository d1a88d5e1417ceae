package io.ringmq.core.status;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides when a log line about a recurring event is due, so that an event a client can cause at will cannot flood
 * the log: the first occurrence is reported at once, later ones are counted and reported together, in at most one
 * line per interval. It only counts; the caller writes the line, with any logger and text. Counting allocates nothing.
 * <pre>{@code
 * final long refused = refusals.onEvent(System.nanoTime());
 * if (refused > 0)
 * {
 *     LOG.warn("{} connections refused since the last report: max-connections reached", refused);
 * }
 * }</pre>
 * An owner with a periodic task also calls {@link #pollDue(long)} there, so that the tail of a burst (occurrences
 * counted after the last line, with no occurrence after them to report them) reaches the log within an interval.
 * <p>
 * <b>Threading:</b> thread-safe and lock-free: any thread may call any method; times are {@link System#nanoTime()}
 * values from the same JVM.
 */
public final class RateLimitedLog
{
    private final long intervalNs;
    /** Every occurrence since construction; incremented by any thread, never reset. */
    private final AtomicLong total = new AtomicLong();
    /**
     * Occurrences not yet returned for a line. Any thread increments it; only the thread that owns a line (see
     * {@link #nextLineNs}) takes it whole, with getAndSet(0). Invariant: every occurrence is either still counted here
     * or was returned exactly once.
     */
    private final AtomicLong unreported = new AtomicLong();
    /**
     * Earliest time of the next line. A thread owns a line by moving this forward by one interval from its own
     * {@code nowNs} with compareAndSet, so at most one line is due per interval, whatever the number of threads.
     */
    private final AtomicLong nextLineNs;

    /**
     * A limiter whose first line is due at once.
     *
     * @param intervalNs least time between two lines, &gt; 0.
     */
    public RateLimitedLog(final long intervalNs)
    {
        this(intervalNs, System.nanoTime());
    }

    /**
     * @param intervalNs  least time between two lines, &gt; 0.
     * @param firstLineNs time from which the first line is due (for a caller with its own clock).
     */
    public RateLimitedLog(final long intervalNs, final long firstLineNs)
    {
        if (intervalNs <= 0)
        {
            throw new IllegalArgumentException("intervalNs must be > 0: " + intervalNs);
        }
        this.intervalNs = intervalNs;
        this.nextLineNs = new AtomicLong(firstLineNs);
    }

    /**
     * Count one occurrence and say whether a line is due.
     *
     * @param nowNs current time.
     * @return the occurrences to report in a line now (this one included, and those counted since the last line),
     *     or 0 when this one is only counted and no line is due.
     */
    public long onEvent(final long nowNs)
    {
        total.incrementAndGet();
        unreported.incrementAndGet();
        return pollDue(nowNs);
    }

    /**
     * For a periodic task: claim a line for occurrences counted since the last one, if there are any and a line is
     * due.
     *
     * @param nowNs current time.
     * @return the occurrences to report in a line now, or 0 when there is nothing to report or no line is due.
     */
    public long pollDue(final long nowNs)
    {
        final long next = nextLineNs.get();
        if (nowNs - next < 0 || 0 == unreported.get() || !nextLineNs.compareAndSet(next, nowNs + intervalNs))
        {
            return 0;
        }
        return unreported.getAndSet(0);
    }

    /** @return occurrences since construction, reported or not. */
    public long total()
    {
        return total.get();
    }

    /** @return least time between two lines. */
    public long intervalNs()
    {
        return intervalNs;
    }
}
