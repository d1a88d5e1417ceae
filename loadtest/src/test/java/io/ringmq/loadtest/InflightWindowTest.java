package io.ringmq.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class InflightWindowTest
{
    @Test
    void shouldHandOutDistinctIdsUntilFull()
    {
        final InflightWindow window = new InflightWindow(100);
        final Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < 100; i++)
        {
            final int id = window.acquire();
            assertTrue(id >= 1 && id <= 100, "id " + id);
            assertTrue(ids.add(id));
        }
        assertEquals(0, window.acquire(), "full");
        assertTrue(window.release(37));
        assertFalse(window.release(37), "repeated PUBACK");
        assertEquals(37, window.acquire());
    }

    @Test
    void shouldShrinkToTheBrokersReceiveMaximum()
    {
        final InflightWindow window = new InflightWindow(64);
        window.limit(2);
        assertTrue(window.acquire() > 0);
        assertTrue(window.acquire() > 0);
        assertEquals(0, window.acquire());
    }

    @Test
    void shouldTrackTheQos2HalfWay()
    {
        final InflightWindow window = new InflightWindow(4);
        final int id = window.acquire();
        assertFalse(window.pubrecReceived(id));
        assertTrue(window.onPubrec(id));
        assertFalse(window.onPubrec(id), "repeated PUBREC");
        assertTrue(window.pubrecReceived(id));
        assertTrue(window.release(id));
        assertFalse(window.pubrecReceived(id));
        assertFalse(window.onPubrec(99));
    }
}
