package io.ringmq.store.log;

import org.agrona.IoUtil;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Background thread ({@value #THREAD_NAME}) that creates the next segment of a {@link MessageLog} off the
 * appender's path: zero-fills it by writing, forces it, maps it and touches its pages (see
 * {@link Segment#create}). One request at a time.
 * <p>
 * <b>Threading:</b> the appender calls {@link #request}, {@link #state}, {@link #await}, {@link #take},
 * {@link #takeFailure} and {@link #close}; the allocator thread runs the request. Requests and results pass under
 * this object's monitor; {@link #state} is also volatile so that the appender can poll it on its hot path
 * without locking. Transitions: IDLE -request-> PENDING -allocator-> READY or FAILED -take-> IDLE.
 */
final class SegmentAllocator
{
    /** Name of the allocator thread. */
    static final String THREAD_NAME = "ringmq-log-allocator";
    /** No request outstanding and no result to take. */
    static final int IDLE = 0;
    /** The allocator thread is creating the requested segment. */
    static final int PENDING = 1;
    /** The segment is ready: {@link #take()} it. */
    static final int READY = 2;
    /** Creating the segment failed: {@link #takeFailure()}. */
    static final int FAILED = 3;

    private final Path directory;
    private final int segmentLength;
    private final Thread thread;
    /** Written under the monitor by both threads; read without it by the appender's poll. */
    private volatile int state = IDLE;
    /** Guarded by this. */
    private long requestedBase = -1;
    /** Guarded by this. */
    private Segment ready;
    /** Guarded by this. */
    private Throwable failure;
    /** Guarded by this. */
    private boolean running = true;

    /**
     * @param directory     folder of the segment files.
     * @param segmentLength bytes per segment.
     */
    SegmentAllocator(final Path directory, final int segmentLength)
    {
        this.directory = directory;
        this.segmentLength = segmentLength;
        this.thread = new Thread(this::run, THREAD_NAME);
        this.thread.setDaemon(true);
    }

    /** Start the thread. */
    void start()
    {
        thread.start();
    }

    /** @return IDLE, PENDING, READY or FAILED (volatile read). */
    int state()
    {
        return state;
    }

    /**
     * Ask for the segment at {@code basePosition}. Only when {@link #state()} is IDLE.
     *
     * @param basePosition position of its first byte.
     */
    synchronized void request(final long basePosition)
    {
        if (IDLE != state || !running)
        {
            throw new IllegalStateException("allocator not idle: state=" + state + " running=" + running);
        }
        requestedBase = basePosition;
        state = PENDING;
        notifyAll();
    }

    /**
     * Wait while the request is pending.
     *
     * @return the state once it is no longer PENDING.
     * @throws InterruptedException if the waiting thread is interrupted.
     */
    synchronized int await() throws InterruptedException
    {
        while (PENDING == state)
        {
            wait();
        }
        return state;
    }

    /** @return the created segment (state READY), which the caller now owns; the state becomes IDLE. */
    synchronized Segment take()
    {
        if (READY != state)
        {
            throw new IllegalStateException("no segment ready: state=" + state);
        }
        final Segment segment = ready;
        ready = null;
        state = IDLE;
        return segment;
    }

    /** @return why the request failed (state FAILED); the state becomes IDLE. */
    synchronized Throwable takeFailure()
    {
        if (FAILED != state)
        {
            throw new IllegalStateException("no failure: state=" + state);
        }
        final Throwable cause = failure;
        failure = null;
        state = IDLE;
        return cause;
    }

    /**
     * Stop the thread (an allocation in progress is abandoned and its temporary file deleted) and wait for it.
     *
     * @return a created segment nobody took, or null; the caller unmaps and deletes it.
     */
    Segment close()
    {
        synchronized (this)
        {
            running = false;
            notifyAll();
        }
        thread.interrupt();
        boolean interrupted = false;
        while (thread.isAlive())
        {
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        synchronized (this)
        {
            final Segment segment = ready;
            ready = null;
            state = FAILED == state ? FAILED : IDLE;
            return segment;
        }
    }

    private void run()
    {
        final ByteBuffer zeros = ByteBuffer.allocateDirect(Segment.ZERO_CHUNK_LENGTH);
        try
        {
            while (true)
            {
                final long basePosition;
                synchronized (this)
                {
                    while (running && requestedBase < 0)
                    {
                        wait();
                    }
                    if (!running)
                    {
                        return;
                    }
                    basePosition = requestedBase;
                }
                allocate(basePosition, zeros);
            }
        }
        catch (final InterruptedException ex)
        {
            // close(): fall through and stop.
        }
        finally
        {
            IoUtil.unmap(zeros);
            synchronized (this)
            {
                if (PENDING == state)
                {
                    failure = new IllegalStateException("segment allocator stopped");
                    state = FAILED;
                    notifyAll();
                }
            }
        }
    }

    private void allocate(final long basePosition, final ByteBuffer zeros)
    {
        Segment segment = null;
        Throwable cause = null;
        try
        {
            segment = Segment.create(directory, basePosition, segmentLength, zeros);
        }
        catch (final Throwable ex)
        {
            // Any failure (ENOSPC, a failed map, even an Error) must reach the appender waiting for this segment.
            cause = ex;
        }
        synchronized (this)
        {
            requestedBase = -1;
            if (null != segment)
            {
                ready = segment;
                state = READY;
            }
            else
            {
                failure = cause;
                state = FAILED;
            }
            notifyAll();
        }
    }
}
