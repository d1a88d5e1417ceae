package io.ringmq.core.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class RingEventTest
{
    @Test
    void shouldLeaveANoopNotTheEarlierFrameWhenAFrameIsRefused()
    {
        final RingEvent event = new RingEvent(16);
        event.frame(7, 0, 16, 1).putByte(0, (byte)0x30);
        assertEquals(RingEvent.FRAME, event.type());

        assertThrows(IllegalArgumentException.class, () -> event.frame(8, 0, 17, 2));
        assertEquals(RingEvent.NOOP, event.type(), "no stale frame of connection 7 left in the slot");
    }

    @Test
    void shouldClearEverythingButTheTimeOnNoop()
    {
        final RingEvent event = new RingEvent();
        event.frame(7, 1, 2, 1);
        event.noop(5);
        assertEquals(RingEvent.NOOP, event.type());
        assertEquals(0, event.connectionId());
        assertEquals(-1, event.loopIndex());
        assertEquals(0, event.frameLength());
        assertEquals(5, event.timestampNs());
    }
}
