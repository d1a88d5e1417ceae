package io.ringmq.core.ring;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool of off-heap buffers for frames larger than a ring slot's own buffer, so that slots stay small and
 * the direct memory for large frames is bounded by {@code maxBuffers * bufferLength} whatever the traffic. Buffers
 * are allocated lazily, up to {@code maxBuffers}, and reused.
 * <p>
 * <b>Ownership</b> (one owner at a time): a free buffer belongs to the pool; {@link #tryAcquire()} gives it to the
 * event loop that frames a large packet; publishing it attached to a {@link RingEvent#FRAME} slot gives it to the
 * ring's consumer, which hands it back with {@link RingEvent#releaseFrame()} once the event is handled. A buffer
 * acquired but not published in a frame (ring full, copy failed) is given back by the event loop.
 * <p>
 * <b>Threading:</b> thread-safe and lock-free: event loops acquire, the Router and event loops release, through an
 * Agrona {@link ManyToManyConcurrentArrayQueue} (the queue's release/acquire ordering hands over the bytes).
 * {@link #allocated} only grows, by compare-and-set, and never above {@code maxBuffers}.
 */
public final class FrameBufferPool
{
    private final int bufferLength;
    private final int maxBuffers;
    private final ManyToManyConcurrentArrayQueue<UnsafeBuffer> free;
    private final AtomicInteger allocated = new AtomicInteger();

    /**
     * @param bufferLength bytes of each buffer: the largest frame it takes.
     * @param maxBuffers   most buffers ever allocated.
     */
    public FrameBufferPool(final int bufferLength, final int maxBuffers)
    {
        if (bufferLength < 1)
        {
            throw new IllegalArgumentException("bufferLength must be positive: " + bufferLength);
        }
        if (maxBuffers < 1)
        {
            throw new IllegalArgumentException("maxBuffers must be positive: " + maxBuffers);
        }
        this.bufferLength = bufferLength;
        this.maxBuffers = maxBuffers;
        this.free = new ManyToManyConcurrentArrayQueue<>(Math.max(2, maxBuffers));   // the queue needs 2 or more
    }

    /**
     * Take a buffer: a free one, else a new one while fewer than {@code maxBuffers} exist.
     *
     * @return a buffer of {@link #bufferLength()} bytes now owned by the caller, or null when all are in use.
     */
    public UnsafeBuffer tryAcquire()
    {
        final UnsafeBuffer buffer = free.poll();
        if (null != buffer)
        {
            return buffer;
        }
        while (true)
        {
            final int count = allocated.get();
            if (count >= maxBuffers)
            {
                return null;
            }
            if (allocated.compareAndSet(count, count + 1))
            {
                return new UnsafeBuffer(BufferUtil.allocateDirectAligned(bufferLength, BitUtil.CACHE_LINE_LENGTH));
            }
        }
    }

    /**
     * Give back a buffer taken with {@link #tryAcquire()}; the caller must not use it afterwards.
     *
     * @param buffer the buffer.
     */
    public void release(final UnsafeBuffer buffer)
    {
        if (!free.offer(buffer))
        {
            throw new IllegalStateException("more buffers released than acquired: " + maxBuffers);
        }
    }

    /** @return bytes of each buffer, the largest frame it takes. */
    public int bufferLength()
    {
        return bufferLength;
    }

    /** @return buffers allocated so far, in use or free; at most {@code maxBuffers}. */
    public int allocated()
    {
        return allocated.get();
    }

    /** @return buffers allocated and free now. */
    public int available()
    {
        return free.size();
    }

    /** @return the most buffers this pool allocates. */
    public int maxBuffers()
    {
        return maxBuffers;
    }
}
