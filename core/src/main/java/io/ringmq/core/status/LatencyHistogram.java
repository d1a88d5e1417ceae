package io.ringmq.core.status;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durations in power-of-two buckets, for the broker's internal latencies (ring hand-off, journal force): recorded by
 * one thread without allocation or locks, read by any thread (the metrics endpoint) at any time. Bucket {@code i}
 * counts durations up to {@link #upperBoundNs(int) 2^(i+10)} ns (about 1 us, 2 us, 4 us ... 137 s), the last one
 * everything above.
 * <p>
 * <b>Threading:</b> single writer ({@link #record}), which publishes each count with a release store; any number of
 * readers. A reader may see a count and a sum of slightly different moments, never a torn value.
 */
public final class LatencyHistogram
{
    /** Buckets, the last one unbounded. */
    public static final int BUCKETS = 29;
    private static final int FIRST_SHIFT = 10;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLong sumNs = new AtomicLong();

    /**
     * Writer: count one duration.
     *
     * @param durationNs the duration; negative counts as 0.
     */
    public void record(final long durationNs)
    {
        final long ns = Math.max(0, durationNs);
        final int bucket = bucket(ns);
        counts.lazySet(bucket, counts.get(bucket) + 1);
        sumNs.lazySet(sumNs.get() + ns);
    }

    /**
     * @param ns a duration.
     * @return the bucket that counts it.
     */
    static int bucket(final long ns)
    {
        if (ns <= 1L << FIRST_SHIFT)
        {
            return 0;
        }
        final int bits = 64 - Long.numberOfLeadingZeros(ns - 1);   // ns <= 2^bits
        return Math.min(BUCKETS - 1, bits - FIRST_SHIFT);
    }

    /**
     * @param bucket a bucket index.
     * @return its inclusive upper bound in nanoseconds, {@link Long#MAX_VALUE} for the last.
     */
    public static long upperBoundNs(final int bucket)
    {
        return bucket >= BUCKETS - 1 ? Long.MAX_VALUE : 1L << (bucket + FIRST_SHIFT);
    }

    /**
     * @param into receives the count of each bucket (not cumulative); length at least {@link #BUCKETS}.
     * @return the total count.
     */
    public long counts(final long[] into)
    {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++)
        {
            into[i] = counts.get(i);
            total += into[i];
        }
        return total;
    }

    /** @return the sum of the recorded durations in nanoseconds. */
    public long sumNs()
    {
        return sumNs.get();
    }
}
