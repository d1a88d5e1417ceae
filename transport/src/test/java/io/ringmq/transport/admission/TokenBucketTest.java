package io.ringmq.transport.admission;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class TokenBucketTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private static int takeAll(final TokenBucket bucket, final long nowNs)
    {
        int taken = 0;
        while (taken < 1_000_000 && bucket.tryTake(nowNs))
        {
            taken++;
        }
        return taken;
    }

    @Test
    void shouldStartFullAndAllowBurst()
    {
        final long start = 123_456_789L;
        final TokenBucket bucket = new TokenBucket(10, 5, start);

        assertEquals(5, bucket.available(start));
        assertEquals(5, takeAll(bucket, start));
        assertEquals(0, bucket.available(start));
    }

    @Test
    void shouldRefillOneTokenPerInterval()
    {
        final long start = 0;
        final TokenBucket bucket = new TokenBucket(10, 5, start);
        assertEquals(5, takeAll(bucket, start));

        assertFalse(bucket.tryTake(start + 99 * MS), "a token every 100 ms");
        assertTrue(bucket.tryTake(start + 100 * MS));
        assertFalse(bucket.tryTake(start + 100 * MS));
        assertEquals(2, takeAll(bucket, start + 300 * MS));
        assertEquals(0, bucket.available(start + 300 * MS));
    }

    @Test
    void shouldRefillNoMoreThanBurst()
    {
        final long start = 1_000;
        final TokenBucket bucket = new TokenBucket(10, 5, start);
        assertEquals(5, takeAll(bucket, start));

        final long later = start + TimeUnit.SECONDS.toNanos(10);
        assertEquals(5, bucket.available(later));
        assertEquals(5, takeAll(bucket, later), "ten seconds of rate refill only the burst");
    }

    @Test
    void shouldHandleFractionalRate()
    {
        final long start = 0;
        final TokenBucket bucket = new TokenBucket(0.5, 1, start);
        assertTrue(bucket.tryTake(start));

        assertFalse(bucket.tryTake(start + 1_999 * MS));
        assertTrue(bucket.tryTake(start + 2_000 * MS));
    }

    @Test
    void shouldCompareTimesByDifferenceAcrossNanoTimeWrap()
    {
        final long start = Long.MAX_VALUE - 50 * MS;
        final TokenBucket bucket = new TokenBucket(10, 2, start);
        assertEquals(2, takeAll(bucket, start));

        assertEquals(1, takeAll(bucket, start + 100 * MS), "100 ms later, past the wrap, one token is back");
        assertEquals(2, takeAll(bucket, start + 10_000 * MS));
    }

    @Test
    void shouldAcceptNegativeNanoTime()
    {
        final long start = -5_000 * MS;
        final TokenBucket bucket = new TokenBucket(1, 3, start);
        assertEquals(3, takeAll(bucket, start));
        assertEquals(1, takeAll(bucket, start + 1_000 * MS));
    }

    @Test
    void shouldRejectInvalidSettings()
    {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(Double.NaN, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0, 0));
    }

    @Test
    void shouldNotOverflowWithTinyRateAndHugeBurst()
    {
        final TokenBucket bucket = new TokenBucket(1e-9, Integer.MAX_VALUE, 0);
        assertTrue(bucket.tryTake(0));
        assertTrue(bucket.tryTake(Long.MAX_VALUE / 2));
    }
}
