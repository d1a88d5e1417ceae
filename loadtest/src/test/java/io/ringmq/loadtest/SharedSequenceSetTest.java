package io.ringmq.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class SharedSequenceSetTest
{
    @Test
    void shouldReportFirstArrivalOnly()
    {
        final SharedSequenceSet set = new SharedSequenceSet();
        assertTrue(set.add(0));
        assertTrue(set.add(1 << 20));
        assertFalse(set.add(0));
        assertFalse(set.add(1 << 20));
        assertTrue(set.add(5_000_000));
    }

    @Test
    void shouldCountEachSequenceOnceAcrossThreads() throws InterruptedException
    {
        final SharedSequenceSet set = new SharedSequenceSet();
        final AtomicLong firsts = new AtomicLong();
        final int count = 300_000;
        final Runnable member = () ->
        {
            long local = 0;
            for (int i = 0; i < count; i++)
            {
                local += set.add(i) ? 1 : 0;
            }
            firsts.addAndGet(local);
        };
        final Thread a = new Thread(member);
        final Thread b = new Thread(member);
        a.start();
        b.start();
        a.join();
        b.join();
        assertEquals(count, firsts.get());
    }
}
