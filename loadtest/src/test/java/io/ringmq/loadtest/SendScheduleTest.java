package io.ringmq.loadtest;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class SendScheduleTest
{
    private static final long MS = 1_000_000L;

    @Test
    void shouldPlaceMessagesOnTheIntendedTimeline()
    {
        final SendSchedule schedule = new SendSchedule(1000).start(0, 1000 * MS);
        assertEquals(0, schedule.intendedTimeNs(0, 12345));
        assertEquals(5 * MS, schedule.intendedTimeNs(5, 12345));
        assertEquals(1, schedule.dueCount(0));
        assertEquals(11, schedule.dueCount(10 * MS));
        assertEquals(1000, schedule.dueCount(5000 * MS), "capped at the end of the schedule");
        assertFalse(schedule.finished(999, 5000 * MS));
        assertTrue(schedule.finished(1000, 0));
    }

    @Test
    void shouldMeasureFromTheIntendedTimeSoAStallIsNotHidden()
    {
        // Rate 1000/s; the publisher is stalled for 100 ms, then sends the backlog at once and the broker delivers
        // everything instantly. Coordinated-omission-corrected latency must show the stall.
        final SendSchedule schedule = new SendSchedule(1000).start(0, 200 * MS);
        final Histogram corrected = new Histogram(1, 3_600_000_000_000L, 3);
        final Histogram naive = new Histogram(1, 3_600_000_000_000L, 3);
        long sequence = 0;
        for (long now = 0; now < 200 * MS; now += MS)
        {
            if (now < 100 * MS && now > 0)
            {
                continue;
            }
            final long due = schedule.dueCount(now);
            while (sequence < due)
            {
                final long intended = schedule.intendedTimeNs(sequence, now);
                final long actualSend = now;
                final long received = actualSend + 50_000;
                corrected.recordValue(received - intended);
                naive.recordValue(received - actualSend);
                sequence++;
            }
        }
        assertEquals(200, corrected.getTotalCount());
        assertEquals(50_000, naive.getMaxValue(), 50);
        assertTrue(corrected.getMaxValue() >= 99 * MS, "max " + corrected.getMaxValue());
        assertTrue(corrected.getValueAtPercentile(50) < 1 * MS);
        assertTrue(corrected.getValueAtPercentile(75) > 20 * MS, "p75 " + corrected.getValueAtPercentile(75));
    }

    @Test
    void shouldSendEverythingAtOnceWhenUnlimited()
    {
        final SendSchedule schedule = new SendSchedule(0).start(0, 10 * MS);
        assertTrue(schedule.unlimited());
        assertEquals(Long.MAX_VALUE, schedule.dueCount(5 * MS));
        assertEquals(7 * MS, schedule.intendedTimeNs(123, 7 * MS), "actual send time");
        assertTrue(schedule.finished(0, 10 * MS));
    }
}
