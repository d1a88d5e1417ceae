package io.ringmq.core.ring;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboundQueueTest
{
    private static final int CAPACITY = 64 * 1024;

    private final OutboundQueue queue = new OutboundQueue(CAPACITY, () -> {});

    private void put(final int type, final long connectionId, final int value, final long holdUntil)
    {
        final int offset = queue.claim(type, connectionId, 4, holdUntil);
        if (offset >= 0)
        {
            queue.buffer().putInt(offset, value);
            queue.commit();
        }
    }

    private List<Integer> drainAll()
    {
        final List<Integer> values = new ArrayList<>();
        queue.drain((type, buffer, index, length) -> values.add(buffer.getInt(index + OutboundQueue.HEADER_LENGTH)),
            Integer.MAX_VALUE);
        return values;
    }

    @Test
    void shouldDrainRecordsThatWrapAroundTheEndOfTheRingInOneDrain()
    {
        int next = 0;
        // Advance the ring's head close to the end of the buffer, so the next records wrap.
        while (next < (CAPACITY / 24) - 3)
        {
            put(OutboundQueue.PACKET, 1, next++, 0);
            drainAll();
        }
        final List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            expected.add(next);
            put(OutboundQueue.PACKET, 1, next++, 0);
        }
        assertEquals(expected, drainAll(), "records before and after the wrap, in one drain");
        assertFalse(queue.rescheduleIfPending(), "nothing left behind");
    }

    @Test
    void shouldHoldRecordsUntilTheirLogPositionIsDurableAndKeepOrderPerConnection()
    {
        put(OutboundQueue.PACKET, 1, 1, 0);
        put(OutboundQueue.PACKET, 1, 2, 100);
        put(OutboundQueue.PACKET, 1, 3, 0);
        put(OutboundQueue.DROPPABLE_PACKET, 2, 4, 0);
        put(OutboundQueue.PACKET, 3, 5, 200);
        put(OutboundQueue.PACKET, 3, 6, 0);
        put(OutboundQueue.DROPPABLE_PACKET, 1, 7, 0);
        assertEquals(List.of(1, 4), drainAll(), "other connections are not delayed; nothing of 1 overtakes 2");
        assertTrue(queue.hasBacklog());

        queue.release(150);
        assertEquals(List.of(2, 3, 7), drainAll(), "connection 3 still waits for position 200");
        queue.release(200);
        assertEquals(List.of(5, 6), drainAll());
        assertFalse(queue.hasBacklog());

        put(OutboundQueue.PACKET, 1, 6, 0);
        assertEquals(List.of(6), drainAll(), "straight to the ring once the backlog is empty");
    }

    @Test
    void shouldKeepEveryPacketButDropQos0WhenTheRingIsFull()
    {
        int accepted = 0;
        while (true)
        {
            queue.claim(OutboundQueue.PACKET, 1, 1000, 0);
            queue.commit();
            if (queue.hasBacklog())
            {
                break;  // a packet that does not fit waits in the backlog
            }
            accepted++;
        }
        assertEquals(-1, queue.claim(OutboundQueue.DROPPABLE_PACKET, 2, 1000, 0), "QoS 0 is dropped instead");
        put(OutboundQueue.PACKET, 1, 42, 0);

        final int[] drained = new int[1];
        queue.drain((type, buffer, index, length) -> drained[0]++, Integer.MAX_VALUE);
        assertEquals(accepted, drained[0]);
        queue.release(0);
        final List<Integer> rest = drainAll();
        assertEquals(2, rest.size(), "the waiting packets follow in order");
        assertEquals(42, rest.get(1));
    }
}
