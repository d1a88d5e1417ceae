package io.ringmq.core.timer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timers with owners: each owner handed back once when its deadline passed, earliest first, never after a cancel. */
class OwnedTimersTest
{
    private static final long START_NS = 5_000_000_000L;
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final OwnedTimers<String> timers = new OwnedTimers<>();
    private final List<String> fired = new ArrayList<>();

    @Test
    void shouldHandBackEachOwnerOnceWhenItsDeadlinePassed()
    {
        final long b = timers.schedule(START_NS + 500 * MS, "b");
        timers.schedule(START_NS + 10 * MS, "a");
        assertEquals(START_NS + 500 * MS, timers.deadline(b));
        assertEquals(2, timers.scheduled());

        timers.poll(START_NS + 5 * MS, fired::add);
        assertEquals(List.of(), fired);
        timers.poll(START_NS + 10 * MS, fired::add);
        assertEquals(List.of("a"), fired, "due at its deadline");
        timers.poll(START_NS + 600 * MS, fired::add);
        timers.poll(START_NS + 700 * MS, fired::add);
        assertEquals(List.of("a", "b"), fired);
        assertEquals(0, timers.scheduled());
        assertEquals(OwnedTimers.NONE, timers.deadline(b), "fired: no longer armed");
    }

    @Test
    void shouldNeverHandBackACancelledOwnerNorCancelTheTimerThatReusesItsSlot()
    {
        final long a = timers.schedule(START_NS + 10 * MS, "a");
        assertEquals("a", timers.cancel(a));
        final long c = timers.schedule(START_NS + 10 * MS, "c");   // takes the slot a left

        assertNull(timers.cancel(a), "a's id is spent");
        assertNull(timers.cancel(OwnedTimers.NONE));
        assertEquals(START_NS + 10 * MS, timers.deadline(c));
        timers.poll(START_NS + 20 * MS, fired::add);

        assertEquals(List.of("c"), fired);
        assertEquals(0, timers.scheduled());
    }

    @Test
    void shouldFireInDeadlineOrderWhateverWasScheduledAndCancelled()
    {
        final Random random = new Random(42);
        final Map<String, Long> ids = new HashMap<>();
        final Map<String, Long> deadlines = new HashMap<>();
        for (int i = 0; i < 20_000; i++)
        {
            // Bursts of equal deadlines, as a connect storm arms them.
            final long deadline = START_NS + random.nextInt(50) * 100 * MS;
            final String owner = "t" + i;
            ids.put(owner, timers.schedule(deadline, owner));
            deadlines.put(owner, deadline);
            if (i % 3 == 0)
            {
                final String victim = "t" + random.nextInt(i + 1);
                if (null != timers.cancel(ids.get(victim)))
                {
                    deadlines.remove(victim);
                }
            }
        }
        assertEquals(deadlines.size(), timers.scheduled());

        long lastNs = Long.MIN_VALUE;
        for (long now = START_NS; now <= START_NS + 5_000 * MS; now += 250 * MS)
        {
            final int before = fired.size();
            timers.poll(now, fired::add);
            for (int i = before; i < fired.size(); i++)
            {
                final long deadline = deadlines.get(fired.get(i));
                assertTrue(deadline <= now && deadline >= lastNs, "due and in order: " + fired.get(i));
                lastNs = deadline;
            }
        }
        assertEquals(deadlines.keySet(), new HashSet<>(fired), "every armed timer fired once");
        assertEquals(deadlines.size(), fired.size());
        assertEquals(0, timers.scheduled());
    }

    @Test
    void shouldLetTheOwnerScheduleAgainWhileItIsHandedBack()
    {
        timers.schedule(START_NS + MS, "again");
        timers.poll(START_NS + 2 * MS, owner ->
        {
            fired.add(owner);
            if (fired.size() < 3)
            {
                timers.schedule(START_NS + 2 * MS, owner);   // due already: fires in this poll too
            }
        });
        assertEquals(List.of("again", "again", "again"), fired);
        assertEquals(0, timers.scheduled());
    }
}
