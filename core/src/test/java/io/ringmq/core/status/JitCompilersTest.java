package io.ringmq.core.status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class JitCompilersTest
{
    @Test
    void shouldCountTheTimeSpentCompilingWhichNeverGoesBack()
    {
        final long before = JitCompilers.totalMillis();
        assertTrue(before >= 0, "HotSpot reports its compile time");
        long sum = 0;
        for (int i = 0; i < 200_000; i++)
        {
            sum += work(i);
        }
        assertTrue(sum != 0);
        assertTrue(JitCompilers.totalMillis() >= before);
    }

    @Test
    void shouldNotWaitPastTheDeadline()
    {
        final long startNs = System.nanoTime();
        assertFalse(JitCompilers.awaitIdle(50, startNs), "no time left: not known to be idle");
        assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void shouldFindTheCompilersIdleOnceNothingNewRuns()
    {
        assertTrue(JitCompilers.awaitIdle(100, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)));
        final long idleMs = JitCompilers.totalMillis();
        assertTrue(JitCompilers.awaitIdle(100, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)));
        assertTrue(JitCompilers.totalMillis() - idleMs < 1_000, "idle means next to nothing compiled since");
    }

    @Test
    void shouldKeepTheInterruptAndGiveUp()
    {
        Thread.currentThread().interrupt();
        try
        {
            assertFalse(JitCompilers.awaitIdle(100, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)));
            assertTrue(Thread.currentThread().isInterrupted());
        }
        finally
        {
            Thread.interrupted();
        }
    }

    private static long work(final int i)
    {
        return (long)i * i ^ (i >>> 3);
    }
}
