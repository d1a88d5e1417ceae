package io.ringmq.transport.admission;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket of {@code burst} tokens refilled at {@code perSecond}, kept as one long so that it can be taken
 * lock-free: the theoretical arrival time ({@code tat}) of the generic cell rate algorithm. A bucket whose
 * {@code tat} is in the past is full; taking a token moves {@code tat} one interval ({@code 1 / perSecond}) later;
 * a token is there while {@code tat + interval - now <= burst * interval}. This is the same as counting tokens
 * ({@code burst} at most, one more every interval) without a separate count and time to keep consistent.
 * <p>
 * The static methods hold the arithmetic, shared with the per-address buckets of {@link AddressBuckets}.
 * All times are {@link System#nanoTime()} values, compared by difference (they may be negative).
 * <p>
 * <b>Threading:</b> thread-safe and lock-free; {@link #tryTake(long)} is a compare-and-set loop.
 */
final class TokenBucket
{
    /** Kept well below overflow: {@code tat + interval - now} of any reachable state stays representable. */
    private static final long MAX_TOLERANCE_NS = Long.MAX_VALUE / 4;

    private final double perSecond;
    private final int burst;
    private final long intervalNs;
    private final long toleranceNs;
    /** Theoretical arrival time; any thread advances it with compareAndSet. */
    private final AtomicLong tat;

    /**
     * @param perSecond tokens added per second, &gt; 0.
     * @param burst     tokens the bucket holds, &gt;= 1; it starts full.
     * @param nowNs     current time.
     */
    TokenBucket(final double perSecond, final int burst, final long nowNs)
    {
        this.perSecond = perSecond;
        this.burst = burst;
        this.intervalNs = intervalNs(perSecond);
        this.toleranceNs = toleranceNs(intervalNs, burst);
        this.tat = new AtomicLong(nowNs);
    }

    /**
     * @param nowNs current time.
     * @return whether a token was taken.
     */
    boolean tryTake(final long nowNs)
    {
        while (true)
        {
            final long current = tat.get();
            final long next = next(current, nowNs, intervalNs);
            if (!conforms(next, nowNs, toleranceNs))
            {
                return false;
            }
            if (tat.compareAndSet(current, next))
            {
                return true;
            }
        }
    }

    /**
     * @param nowNs current time.
     * @return tokens in the bucket now (rounded down), for tests and metrics.
     */
    long available(final long nowNs)
    {
        return available(tat.get(), nowNs, intervalNs, toleranceNs);
    }

    /**
     * @param perSecond tokens per second, &gt; 0.
     * @return nanoseconds between two tokens, at least 1.
     */
    static long intervalNs(final double perSecond)
    {
        if (!(perSecond > 0) || Double.isInfinite(perSecond))
        {
            throw new IllegalArgumentException("rate must be > 0 and finite: " + perSecond);
        }
        return Math.max(1L, Math.round(1e9 / perSecond));
    }

    /**
     * @param intervalNs nanoseconds between two tokens.
     * @param burst      tokens the bucket holds, &gt;= 1.
     * @return the tolerance, {@code burst * intervalNs}, capped far from overflow.
     */
    static long toleranceNs(final long intervalNs, final int burst)
    {
        if (burst < 1)
        {
            throw new IllegalArgumentException("burst must be >= 1: " + burst);
        }
        return burst > MAX_TOLERANCE_NS / intervalNs ? MAX_TOLERANCE_NS : burst * intervalNs;
    }

    /**
     * @param tat        the bucket's theoretical arrival time.
     * @param nowNs      current time.
     * @param intervalNs nanoseconds between two tokens.
     * @return the theoretical arrival time after one more token is taken.
     */
    static long next(final long tat, final long nowNs, final long intervalNs)
    {
        return (tat - nowNs < 0 ? nowNs : tat) + intervalNs;
    }

    /**
     * @param next        the result of {@link #next(long, long, long)}.
     * @param nowNs       current time.
     * @param toleranceNs {@code burst * interval}.
     * @return whether the token may be taken.
     */
    static boolean conforms(final long next, final long nowNs, final long toleranceNs)
    {
        return next - nowNs <= toleranceNs;
    }

    /**
     * @param tat         the bucket's theoretical arrival time.
     * @param nowNs       current time.
     * @return whether the bucket is full, so that forgetting it changes nothing.
     */
    static boolean isFull(final long tat, final long nowNs)
    {
        return tat - nowNs <= 0;
    }

    private static long available(final long tat, final long nowNs, final long intervalNs, final long toleranceNs)
    {
        final long used = tat - nowNs;
        return used <= 0 ? toleranceNs / intervalNs : (toleranceNs - used) / intervalNs;
    }

    /** @return tokens added per second, as configured. */
    double rate()
    {
        return perSecond;
    }

    /** @return tokens the bucket holds, as configured. */
    int burst()
    {
        return burst;
    }
}
