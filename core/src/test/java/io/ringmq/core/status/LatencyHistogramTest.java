package io.ringmq.core.status;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyHistogramTest
{
    @Test
    void shouldCountEachDurationInTheFirstBucketWhoseBoundHoldsIt()
    {
        for (int bucket = 0; bucket < LatencyHistogram.BUCKETS - 1; bucket++)
        {
            final long bound = LatencyHistogram.upperBoundNs(bucket);
            assertEquals(bucket, LatencyHistogram.bucket(bound), "the bound itself");
            assertEquals(bucket + 1, LatencyHistogram.bucket(bound + 1), "just above it");
            if (bucket > 0)
            {
                assertTrue(LatencyHistogram.upperBoundNs(bucket - 1) < bound);
            }
        }
        assertEquals(0, LatencyHistogram.bucket(0));
        assertEquals(LatencyHistogram.BUCKETS - 1, LatencyHistogram.bucket(Long.MAX_VALUE));
    }

    @Test
    void shouldKeepCountsAndSum()
    {
        final LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(500);
        histogram.record(3_000);
        histogram.record(3_500);
        histogram.record(-7);
        final long[] counts = new long[LatencyHistogram.BUCKETS];
        assertEquals(4, histogram.counts(counts));
        assertEquals(2, counts[0]);
        assertEquals(2, counts[2], "3 us and 3.5 us are both above 2048 ns and at most 4096 ns");
        assertEquals(7_000, histogram.sumNs());
    }
}
