package io.ringmq.core.journal;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.status.FatalErrorHandler;
import io.ringmq.core.status.LatencyHistogram;
import io.ringmq.store.log.MessageLog;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * The journal's sync stage: the only thread that forces the log ({@code msync}), so the Router never waits for the
 * device.
 * <p>
 * With {@code sync=batch} it is gated on the Router: at the end of each ring batch the Router publishes how far it
 * has appended ({@link Journal#appendedPosition()}) and wakes this thread, which forces everything up to there in
 * one call (group commit: one {@code msync} covers every record of every event since the last one) and then
 * publishes a {@link RingEvent#JOURNAL_SYNCED} event, on which the Router releases the acknowledgements it held for
 * those records. While it forces, the Router keeps routing the next batch.
 * <p>
 * With {@code sync=none} nothing waits for it: it forces what was appended about once per {@code flushIntervalMs}
 * in the background (bounding what a power loss can take) and whenever the Router asks for a position to be durable
 * (a snapshot before its checkpoint).
 * <p>
 * It is a thread of its own rather than a second consumer of the ring because a Disruptor consumer gated on another
 * spins while that one works; on a two-core server that spin takes the core the Router needs.
 * <p>
 * <b>Threading:</b> {@link #wake()} and {@link #requestForce(long)} from the Router thread; the rest on the
 * journaller's own thread.
 */
public final class Journaller implements AutoCloseable
{
    /**
     * Longest sleep with sync=batch when there is nothing to force. The Router wakes the journaller through the
     * {@link SleepGate} whenever it publishes a position (a handshake {@code JournallerWakeupStress} races), and a
     * force request or a close unparks it, so this is only a safety net: an idle broker's journaller wakes once a
     * second (it used to poll every millisecond, then every 100 ms).
     */
    private static final long IDLE_PARK_NS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Group commit window under load: a force that follows another within this time waits out the rest of it, so
     * each {@code msync} covers more records (every force write-protects the pages it cleans, and the next append
     * to them faults; fewer, larger forces cost the Router and the kernel less). An isolated publish is forced at
     * once.
     */
    private static final long MIN_SYNC_INTERVAL_NS = TimeUnit.MICROSECONDS.toNanos(200);

    private final Journal journal;
    private final RingBuffer<RingEvent> ring;
    /** Forces the log up to a position: {@link MessageLog#force} (a test injects failures here). */
    private final LongConsumer forcer;
    private final FatalErrorHandler fatalHandler;
    private final long flushIntervalNs;
    private final Thread thread;
    /** Set by the journaller before it parks; the Router unparks it when set (after publishing a position). */
    private final SleepGate sleepGate = new SleepGate();
    private volatile boolean running = true;
    /** A position the Router wants durable (sync=none); written by the Router, read by the journaller. */
    private volatile long requested;
    private long nextFlushNs;
    private long lastForceNs;
    /** How long each force took: written by this thread only, read by the metrics endpoint. */
    private final LatencyHistogram forceLatency = new LatencyHistogram();

    /**
     * @param journal         the journal to force.
     * @param ring            the inbound ring, to wake the Router after a force (sync=batch).
     * @param flushIntervalMs with sync=none, background force interval.
     * @param fatalHandler    told when a force fails: the journal can no longer make acknowledgements durable.
     */
    public Journaller(final Journal journal, final RingBuffer<RingEvent> ring, final long flushIntervalMs,
        final FatalErrorHandler fatalHandler)
    {
        this(journal, ring, flushIntervalMs, fatalHandler, journal.log()::force);
    }

    Journaller(final Journal journal, final RingBuffer<RingEvent> ring, final long flushIntervalMs,
        final FatalErrorHandler fatalHandler, final LongConsumer forcer)
    {
        this.journal = journal;
        this.ring = ring;
        this.fatalHandler = fatalHandler;
        this.forcer = forcer;
        this.flushIntervalNs = TimeUnit.MILLISECONDS.toNanos(flushIntervalMs);
        this.thread = new Thread(this::run, "ringmq-journaller");
        this.thread.setDaemon(true);
        journal.journaller(this);
    }

    /** Start the thread. */
    public void start()
    {
        thread.start();
    }

    /** Router thread: new records were published for forcing (sync=batch); cheap when the journaller is busy. */
    void wake()
    {
        if (sleepGate.wake())
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Router thread: make everything below {@code position} durable soon (sync=none; with sync=batch everything
     * published is forced anyway).
     *
     * @param position exclusive end.
     */
    void requestForce(final long position)
    {
        if (position > requested)
        {
            requested = position;
            sleepGate.awake();
            LockSupport.unpark(thread);
        }
    }

    /**
     * Error boundary of the journaller thread. A failed force is fatal, by choice: the records it should have made
     * durable may not be on the device, so with {@code sync=batch} no acknowledgement may go out again and with
     * {@code sync=none} the promised bound on what a power loss takes no longer holds. Degrading silently would
     * leave clients waiting on a broker that acknowledges nothing; the broker stops instead, and clients reconnect
     * to a healthy one. Recovery at the next start keeps every record that did reach the device.
     */
    private void run()
    {
        try
        {
            forceLoop();
        }
        catch (final Throwable ex)
        {
            fatalHandler.onFatal("journaller", ex);
        }
    }

    private void forceLoop()
    {
        final MessageLog log = journal.log();
        nextFlushNs = System.nanoTime() + flushIntervalNs;
        while (running)
        {
            final long sinceLastNs = System.nanoTime() - lastForceNs;
            if (sinceLastNs < MIN_SYNC_INTERVAL_NS && journal.batchSync())
            {
                LockSupport.parkNanos(MIN_SYNC_INTERVAL_NS - sinceLastNs);
            }
            final long target = target();
            if (target > log.forcedPosition())
            {
                final long startNs = System.nanoTime();
                forcer.accept(target);
                lastForceNs = System.nanoTime();
                forceLatency.record(lastForceNs - startNs);
                if (journal.batchSync())
                {
                    publishSynced();
                }
                continue;
            }
            sleepGate.prepareToSleep();
            if (target() <= log.forcedPosition() && running)
            {
                LockSupport.parkNanos(this, journal.batchSync() ? IDLE_PARK_NS : flushIntervalNs);
            }
            sleepGate.awake();
        }
    }

    /** What to force now: everything published (batch), or what was asked for or is due (none). */
    private long target()
    {
        if (journal.batchSync())
        {
            return Math.max(journal.appendedPosition(), requested);
        }
        final long nowNs = System.nanoTime();
        if (nowNs - nextFlushNs >= 0)
        {
            nextFlushNs = nowNs + flushIntervalNs;
            return journal.appendedPosition();
        }
        return requested;
    }

    private void publishSynced()
    {
        try
        {
            final long next = ring.tryNext();
            ring.get(next).control(RingEvent.JOURNAL_SYNCED, 0, -1, 0, System.nanoTime());
            ring.publish(next);
        }
        catch (final InsufficientCapacityException ex)
        {
            // The ring is full of events the Router has yet to process; it releases held packets at the end of
            // each of its batches, so it will see the new forced position without this event.
        }
    }

    /** Stop the thread and wait for it (before the log is closed). */
    @Override
    public void close()
    {
        running = false;
        LockSupport.unpark(thread);
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** @return how long each force ({@code msync}) took; thread-safe to read. */
    public LatencyHistogram forceLatency()
    {
        return forceLatency;
    }
}
