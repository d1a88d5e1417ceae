package io.ringmq.core.journal;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.store.log.MessageLog;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The journal stage for {@code sync=batch}: a consumer of the inbound ring gated on the Router, so when it sees a
 * sequence the Router has already appended that event's records. At the end of each of its batches it forces the
 * log once up to what the Router has published (group commit: one {@code msync} covers every record of every
 * event since the last one), then publishes a {@link RingEvent#JOURNAL_SYNCED} event so the Router releases the
 * acknowledgements it held for those records.
 * <p>
 * The Router does the appending because only it knows which sessions a message is for; this stage makes the
 * appends durable without stopping the Router, which keeps routing the next batch while the device syncs.
 * <p>
 * <b>Threading:</b> runs on its own consumer thread; the only caller of {@link MessageLog#force(long)}.
 */
public final class Journaller implements EventHandler<RingEvent>
{
    private final Journal journal;
    private final RingBuffer<RingEvent> ring;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private long syncs;

    /**
     * @param journal the journal, with {@code sync=batch}.
     * @param ring    the inbound ring, to wake the Router.
     */
    public Journaller(final Journal journal, final RingBuffer<RingEvent> ring)
    {
        this.journal = journal;
        this.ring = ring;
    }

    @Override
    public void onShutdown()
    {
        stopped.countDown();
    }

    /**
     * @param timeoutMs maximum wait.
     * @return true once the journaller's thread has left the ring.
     * @throws InterruptedException if interrupted.
     */
    public boolean awaitStopped(final long timeoutMs) throws InterruptedException
    {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onEvent(final RingEvent event, final long sequence, final boolean endOfBatch)
    {
        if (endOfBatch)
        {
            sync();
        }
    }

    private void sync()
    {
        final MessageLog log = journal.log();
        final long target = journal.appendedPosition();
        if (target <= log.forcedPosition())
        {
            return;
        }
        log.force(target);
        syncs++;
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

    /** @return forces done; written by the journaller thread, approximate when read elsewhere. */
    public long syncs()
    {
        return syncs;
    }
}
