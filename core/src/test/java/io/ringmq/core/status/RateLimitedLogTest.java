package io.ringmq.core.status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class RateLimitedLogTest
{
    private static final long INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long START_NS = 1_000;

    private final RateLimitedLog log = new RateLimitedLog(INTERVAL_NS, START_NS);

    @Test
    void shouldReportFirstEventAtOnce()
    {
        assertEquals(1, log.onEvent(START_NS));
        assertEquals(1, log.total());
    }

    @Test
    void shouldCountEventsWithinTheIntervalAndReportThemWithTheNextDueEvent()
    {
        assertEquals(1, log.onEvent(START_NS));
        for (int i = 1; i <= 99; i++)
        {
            assertEquals(0, log.onEvent(START_NS + i), "within the interval: only counted");
        }
        assertEquals(0, log.onEvent(START_NS + INTERVAL_NS - 1));
        assertEquals(101, log.onEvent(START_NS + INTERVAL_NS), "100 counted since the first line, plus this one");
        assertEquals(102, log.total());
    }

    @Test
    void shouldAllowAtMostOneLinePerInterval()
    {
        long lines = 0;
        long reported = 0;
        for (long nowNs = START_NS; nowNs < START_NS + 10 * INTERVAL_NS; nowNs += INTERVAL_NS / 1000)
        {
            final long due = log.onEvent(nowNs);
            if (due > 0)
            {
                lines++;
                reported += due;
            }
        }
        assertEquals(10, lines, "one line per interval over ten intervals");
        assertEquals(log.total(), reported + log.pollDue(START_NS + 20 * INTERVAL_NS), "every event reported once");
    }

    @Test
    void shouldReportTheTailOfABurstWhenPolled()
    {
        assertEquals(1, log.onEvent(START_NS));
        log.onEvent(START_NS + 1);
        log.onEvent(START_NS + 2);
        assertEquals(0, log.pollDue(START_NS + INTERVAL_NS - 1), "not due yet");
        assertEquals(2, log.pollDue(START_NS + INTERVAL_NS));
        assertEquals(0, log.pollDue(START_NS + 5 * INTERVAL_NS), "nothing left to report");
    }

    @Test
    void shouldNotSpendALineOnAPollWithNothingToReport()
    {
        assertEquals(1, log.onEvent(START_NS));
        assertEquals(0, log.pollDue(START_NS + INTERVAL_NS));
        assertEquals(1, log.onEvent(START_NS + INTERVAL_NS + 1), "the next event is reported at once");
    }

    @Test
    void shouldWorkAcrossNanoTimeOverflow()
    {
        final RateLimitedLog wrapping = new RateLimitedLog(INTERVAL_NS, Long.MAX_VALUE - 5);
        assertEquals(1, wrapping.onEvent(Long.MAX_VALUE - 5));
        assertEquals(0, wrapping.onEvent(Long.MAX_VALUE));
        assertEquals(0, wrapping.onEvent(Long.MIN_VALUE + 10), "past the overflow, still within the interval");
        assertEquals(3, wrapping.onEvent(Long.MAX_VALUE - 5 + INTERVAL_NS));
    }

    @Test
    void shouldRejectANonPositiveInterval()
    {
        assertThrows(IllegalArgumentException.class, () -> new RateLimitedLog(0));
    }

    @Test
    void shouldReportEveryEventExactlyOnceAcrossThreads() throws InterruptedException
    {
        final int threads = 4;
        final int eventsPerThread = 100_000;
        final RateLimitedLog shared = new RateLimitedLog(1_000, 0);
        final AtomicLong clock = new AtomicLong();
        final AtomicLong reported = new AtomicLong();
        final AtomicLong lines = new AtomicLong();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() ->
            {
                awaitUninterruptibly(start);
                for (int i = 0; i < eventsPerThread; i++)
                {
                    final long due = shared.onEvent(clock.incrementAndGet());
                    if (due > 0)
                    {
                        reported.addAndGet(due);
                        lines.incrementAndGet();
                    }
                }
            });
            workers[t].start();
        }
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join();
        }
        final long events = (long)threads * eventsPerThread;
        assertEquals(events, shared.total());
        assertEquals(events, reported.get() + shared.pollDue(clock.get() + 1_000), "each event in exactly one line");
        assertTrue(lines.get() <= events / 1_000 + 1, "at most one line per interval: " + lines.get());
    }

    private static void awaitUninterruptibly(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
