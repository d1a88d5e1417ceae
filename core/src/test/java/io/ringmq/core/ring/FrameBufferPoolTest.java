package io.ringmq.core.ring;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class FrameBufferPoolTest
{
    @Test
    void shouldAllocateLazilyUpToTheBoundAndReuse()
    {
        final FrameBufferPool pool = new FrameBufferPool(1024, 2);
        assertEquals(0, pool.allocated());
        final UnsafeBuffer first = pool.tryAcquire();
        final UnsafeBuffer second = pool.tryAcquire();
        assertNotNull(first);
        assertNotNull(second);
        assertEquals(1024, first.capacity());
        assertNull(pool.tryAcquire(), "bounded: no third buffer");

        pool.release(first);
        assertSame(first, pool.tryAcquire(), "reused");
        assertEquals(2, pool.allocated());
    }

    @Test
    void shouldRefuseMoreReleasesThanAcquisitions()
    {
        final FrameBufferPool pool = new FrameBufferPool(64, 2);
        final UnsafeBuffer buffer = pool.tryAcquire();
        pool.release(buffer);
        pool.release(new UnsafeBuffer(new byte[64]));
        assertThrows(IllegalStateException.class, () -> pool.release(new UnsafeBuffer(new byte[64])));
    }

    @Test
    void shouldHandTheBufferBackThroughTheSlotOnce()
    {
        final FrameBufferPool pool = new FrameBufferPool(1024, 1);
        final RingEvent event = new RingEvent(64);
        final UnsafeBuffer buffer = pool.tryAcquire();
        event.largeFrame(1, 0, 1000, 1, pool, buffer).putByte(999, (byte)7);
        assertSame(buffer, event.frame());
        assertEquals(64, event.slotCapacity(), "the slot's own buffer did not grow");

        event.releaseFrame();
        event.releaseFrame();
        assertEquals(1, pool.available(), "given back once");
        assertSame(buffer, pool.tryAcquire());
    }

    @Test
    void shouldLeaveTheBufferWithTheProducerWhenTheSlotBecomesANoop()
    {
        final FrameBufferPool pool = new FrameBufferPool(1024, 1);
        final RingEvent event = new RingEvent(64);
        event.largeFrame(1, 0, 1000, 1, pool, pool.tryAcquire());
        event.noop(2);
        event.releaseFrame();
        assertEquals(0, pool.available(), "a no-op hands nothing to the consumer");
    }
}
