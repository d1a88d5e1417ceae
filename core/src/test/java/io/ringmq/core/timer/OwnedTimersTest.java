package io.ringmq.core.timer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Timers with owners: each owner handed back once when its deadline passed, never after a cancel. */
class OwnedTimersTest
{
    private static final long START_NS = 5_000_000_000L;
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final OwnedTimers<String> timers = new OwnedTimers<>(START_NS, 1L << 20, 64);
    private final List<String> fired = new ArrayList<>();

    @Test
    void shouldHandBackEachOwnerOnceWhenItsDeadlinePassed()
    {
        timers.schedule(START_NS + 10 * MS, "a");
        final long b = timers.schedule(START_NS + 500 * MS, "b");
        assertEquals(START_NS + 500 * MS, timers.deadline(b));
        assertEquals(2, timers.scheduled());

        timers.poll(START_NS + 5 * MS, fired::add);
        assertEquals(List.of(), fired);
        timers.poll(START_NS + 20 * MS, fired::add);
        assertEquals(List.of("a"), fired);
        // Far past the wheel's turn (64 ticks of about 1 ms): the poll catches up with every tick.
        timers.poll(START_NS + 600 * MS, fired::add);
        timers.poll(START_NS + 700 * MS, fired::add);
        assertEquals(List.of("a", "b"), fired);
        assertEquals(0, timers.scheduled());
        assertEquals(OwnedTimers.NONE, timers.deadline(b), "fired: no longer armed");
    }

    @Test
    void shouldNeverHandBackACancelledOwner()
    {
        final long a = timers.schedule(START_NS + 10 * MS, "a");
        assertEquals("a", timers.cancel(a));
        assertNull(timers.cancel(a), "cancelled once");
        assertNull(timers.cancel(OwnedTimers.NONE));

        timers.poll(START_NS + 20 * MS, fired::add);

        assertEquals(List.of(), fired);
        assertEquals(0, timers.scheduled());
    }
}
