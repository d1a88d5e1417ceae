package io.ringmq.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class SequenceTrackerTest
{
    @Test
    void shouldCountInOrderSequencesAsDistinct()
    {
        final SequenceTracker tracker = new SequenceTracker();
        for (int i = 0; i < 1000; i++)
        {
            assertTrue(tracker.onSequence(i));
        }
        assertEquals(1000, tracker.distinct());
        assertEquals(0, tracker.duplicates());
        assertEquals(1000, tracker.contiguous());
    }

    @Test
    void shouldCountRepeatsAsDuplicates()
    {
        final SequenceTracker tracker = new SequenceTracker();
        tracker.onSequence(0);
        tracker.onSequence(1);
        assertFalse(tracker.onSequence(1));
        assertFalse(tracker.onSequence(0));
        tracker.onSequence(5);
        assertFalse(tracker.onSequence(5));
        assertEquals(3, tracker.distinct());
        assertEquals(3, tracker.duplicates());
    }

    @Test
    void shouldAcceptOutOfOrderArrivalsAndCloseTheGap()
    {
        final SequenceTracker tracker = new SequenceTracker();
        tracker.onSequence(0);
        tracker.onSequence(3);
        tracker.onSequence(2);
        assertEquals(1, tracker.contiguous());
        tracker.onSequence(1);
        assertEquals(4, tracker.contiguous());
        assertEquals(4, tracker.distinct());
        assertEquals(0, tracker.duplicates());
    }

    @Test
    void shouldLeaveGapsOfLostMessagesOutOfDistinct()
    {
        final SequenceTracker tracker = new SequenceTracker();
        for (int i = 0; i < 100; i++)
        {
            if (i % 10 != 7)
            {
                tracker.onSequence(i);
            }
        }
        assertEquals(90, tracker.distinct(), "100 expected, 10 lost");
        assertEquals(7, tracker.contiguous());
    }

    @Test
    void shouldGrowTheWindowForLargeReorderings()
    {
        final SequenceTracker tracker = new SequenceTracker();
        for (int i = 50_000; i >= 0; i--)
        {
            assertTrue(tracker.onSequence(i));
        }
        assertEquals(50_001, tracker.distinct());
        assertEquals(50_001, tracker.contiguous());
        assertFalse(tracker.onSequence(42));
    }

    @Test
    void shouldEvictGapsOlderThanTheMaximumWindow()
    {
        final SequenceTracker tracker = new SequenceTracker();
        tracker.onSequence(1);
        final long far = 1 + SequenceTracker.MAX_WINDOW_BITS + 10;
        assertTrue(tracker.onSequence(far));
        assertEquals(2, tracker.distinct());
        assertTrue(tracker.evicted() > 0);
        assertTrue(tracker.contiguous() > 1);
    }
}
