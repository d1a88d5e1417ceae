package io.ringmq.core.ring;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The {@link OutboundQueue} wake-up across the end of the ring: the Router commits two records that wrap (a padding
 * record at the end, then both records from index 0) and signals, while the event loop runs a drain that was
 * scheduled before and finds the ring's head at that padding record.
 * <p>
 * Starting state, reached through the queue itself: five records filled the ring up to 8 bytes before its end and
 * were read, and their signal left one drain scheduled (the state right after a drain read records committed after
 * it cleared the flag). The Router actor does claim/commit/signal as {@code Router} does; the event-loop actor does
 * what {@code EventLoopContext.drain} does: drain up to a limit, then reschedule when it read something and records
 * remain. The wake-up runnable only counts: each count is a drain the event loop will run.
 * <p>
 * Result: records committed by the Router actor and not drained, and drains still scheduled after both actors.
 * Records left with no drain scheduled wait for a wake-up that never comes once the Router is idle: the lost wake-up
 * fixed in 1590b1b (one Agrona ring read stops at the end of the buffer), which this test reports if reintroduced.
 * <p>
 * Lives in the subject's package to reach {@link OutboundQueue#ring()} for the starting state.
 */
@JCStressTest
@Description("OutboundQueue: a committed record is drained or a drain is scheduled, also across the ring's wrap")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The scheduled drain read both records; nothing pending.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The drain read both records; an extra drain finds none.")
@Outcome(id = "[12], 1", expect = ACCEPTABLE, desc = "Records committed after the drain read: a drain is scheduled.")
@Outcome(id = "[12], 0", expect = FORBIDDEN, desc = "Lost wake-up: records left and no drain scheduled.")
@Outcome(expect = FORBIDDEN, desc = "More drains scheduled than the flag allows, or records drained twice.")
@State
public class OutboundQueueWakeupStress implements MessageHandler
{
    /** Smallest ring whose records do not divide it: every fifth record wraps behind a padding record. */
    private static final int CAPACITY = 128;
    private static final int BODY_LENGTH = 8;
    private static final int RECORDS_BEFORE = 5;
    private static final int RECORDS = 2;
    private static final int DRAIN_LIMIT = 16;

    private final AtomicInteger wakeups = new AtomicInteger();
    private final OutboundQueue queue = new OutboundQueue(CAPACITY, wakeups::incrementAndGet);
    /** Event-loop thread only, read by the arbiter. */
    private int drained;

    /** Puts the head and the tail 8 bytes before the end, with one drain scheduled. */
    public OutboundQueueWakeupStress()
    {
        for (int i = 0; i < RECORDS_BEFORE; i++)
        {
            commit(i);
        }
        queue.signal();
        queue.ring().read((msgTypeId, buffer, index, length) -> {}, RECORDS_BEFORE);
    }

    /** The Router: two records (both behind the wrap), one signal for the batch. */
    @Actor
    public void router()
    {
        commit(RECORDS_BEFORE);
        commit(RECORDS_BEFORE + 1);
        queue.signal();
    }

    /** The event loop running the scheduled drain. */
    @Actor
    public void eventLoop()
    {
        final int read = queue.drain(this, DRAIN_LIMIT);
        if (read > 0)
        {
            queue.rescheduleIfPending();
        }
    }

    /**
     * Records left and drains scheduled (the starting state's drain was the one the event loop ran).
     *
     * @param result records left, drains pending.
     */
    @Arbiter
    public void arbiter(final II_Result result)
    {
        result.r1 = RECORDS - drained;
        result.r2 = wakeups.get() - 1;
    }

    /** {@inheritDoc} */
    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        drained++;
    }

    private void commit(final long sequence)
    {
        final int offset = queue.claim(OutboundQueue.PACKET, 1L, BODY_LENGTH);
        queue.buffer().putLong(offset, sequence);
        queue.commit();
    }
}
