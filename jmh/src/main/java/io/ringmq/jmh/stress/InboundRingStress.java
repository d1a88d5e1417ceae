package io.ringmq.jmh.stress;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;
import io.ringmq.core.ring.RingEvent;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The inbound ring's hand-off (multi-producer Disruptor ring of {@link RingEvent}): two event loops claim slots and
 * publish frames as {@code MqttConnectionHandler.publishFrames} does (loop A claims two slots with
 * {@code tryNext(2)}, copies both frames, then publishes the range; loop B claims one with {@code tryNext()}), and
 * the Router reads what the barrier says is available, as a {@code BatchEventProcessor} does but without waiting.
 * <p>
 * jcstress runs no more actors than there are CPUs, and this machine has two: so the second actor is loop B and
 * then the Router. Its read races with loop A's claim, copy and publish, and the barrier's answer depends on both
 * producers (the multi-producer availability check stops at the first slot not yet published).
 * <p>
 * The ring (4 slots) was used once before, so the slots the producers get still hold stale events: a consumer that
 * saw a slot before its producer finished writing would find the wrong type, connection, length or bytes.
 * <p>
 * Result: events the Router found published, and how many of those were torn (not exactly what the producer
 * wrote). The count of events varies with timing; a torn event is forbidden.
 */
@JCStressTest
@Description("Inbound ring: the Router sees only fully written frames, published by two producers")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "Loop A claimed first and has not published yet.")
@Outcome(id = "[123], 0", expect = ACCEPTABLE, desc = "Every event seen is complete (A's range may be half seen).")
@Outcome(expect = FORBIDDEN, desc = "A torn event: the consumer saw a slot before its frame was written.")
@State
public class InboundRingStress
{
    private static final int RING_SIZE = 4;
    private static final int STALE_EVENTS = 3;
    private static final int LOOP_A = 0;
    private static final int LOOP_B = 1;
    private static final int FRAME_LENGTH_A = 24;
    private static final int FRAME_LENGTH_B = 40;
    private static final byte FILL_A = 0x0A;
    private static final byte FILL_B = 0x0B;
    private static final long CONNECTION_A = 101;
    private static final long CONNECTION_B = 202;

    private final RingBuffer<RingEvent> ring = RingBuffer.createMultiProducer(RingEvent::new, RING_SIZE,
        new NoWaitStrategy());
    private final Sequence consumed = new Sequence();
    private final SequenceBarrier barrier;
    private final UnsafeBuffer sourceA = frameSource(FRAME_LENGTH_A, FILL_A);
    private final UnsafeBuffer sourceB = frameSource(FRAME_LENGTH_B, FILL_B);

    /** Publishes and consumes stale events so that the producers reuse slots that hold other data. */
    public InboundRingStress()
    {
        ring.addGatingSequences(consumed);
        barrier = ring.newBarrier();
        for (int i = 0; i < STALE_EVENTS; i++)
        {
            final long sequence = ring.next();
            ring.get(sequence).control(RingEvent.TICK, 0, -1, 0, 0);
            ring.publish(sequence);
        }
        consumed.set(STALE_EVENTS - 1);
    }

    /** Event loop A: two frames in one claim, published as a range. */
    @Actor
    public void loopA()
    {
        try
        {
            final long high = ring.tryNext(2);
            final long low = high - 1;
            try
            {
                copy(low, CONNECTION_A, LOOP_A, sourceA);
                copy(high, CONNECTION_A, LOOP_A, sourceA);
            }
            finally
            {
                ring.publish(low, high);
            }
        }
        catch (final InsufficientCapacityException ex)
        {
            throw new IllegalStateException("the ring has room for both producers", ex);
        }
    }

    /**
     * Event loop B: one frame, one slot; then the Router: everything the barrier says is published, in order.
     *
     * @param result events seen, torn events among them.
     */
    @Actor
    public void loopBThenRouter(final II_Result result)
    {
        try
        {
            final long sequence = ring.tryNext();
            copy(sequence, CONNECTION_B, LOOP_B, sourceB);
            ring.publish(sequence);
        }
        catch (final InsufficientCapacityException ex)
        {
            throw new IllegalStateException("the ring has room for both producers", ex);
        }
        final long next = consumed.get() + 1;
        final long available;
        try
        {
            available = barrier.waitFor(next);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
        int seen = 0;
        int torn = 0;
        for (long sequence = next; sequence <= available; sequence++)
        {
            seen++;
            torn += complete(ring.get(sequence)) ? 0 : 1;
        }
        result.r1 = seen;
        result.r2 = torn;
    }

    private void copy(final long sequence, final long connectionId, final int loopIndex, final UnsafeBuffer source)
    {
        final MutableDirectBuffer frame = ring.get(sequence).frame(connectionId, loopIndex, source.capacity(),
            sequence);
        frame.putBytes(0, source, 0, source.capacity());
    }

    private static boolean complete(final RingEvent event)
    {
        if (RingEvent.FRAME != event.type())
        {
            return false;
        }
        final boolean isA = CONNECTION_A == event.connectionId() && LOOP_A == event.loopIndex();
        final boolean isB = CONNECTION_B == event.connectionId() && LOOP_B == event.loopIndex();
        if (!isA && !isB)
        {
            return false;
        }
        final int length = isA ? FRAME_LENGTH_A : FRAME_LENGTH_B;
        if (length != event.frameLength())
        {
            return false;
        }
        final byte fill = isA ? FILL_A : FILL_B;
        final MutableDirectBuffer frame = event.frame();
        for (int i = 0; i < length; i++)
        {
            if (fill != frame.getByte(i))
            {
                return false;
            }
        }
        return true;
    }

    private static UnsafeBuffer frameSource(final int length, final byte fill)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        buffer.setMemory(0, length, fill);
        return buffer;
    }

    /**
     * A wait strategy that does not wait: the barrier returns the cursor at once and then, as for any consumer,
     * the highest sequence below it that every producer has published (the availability check under test).
     */
    private static final class NoWaitStrategy implements WaitStrategy
    {
        @Override
        public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence,
            final SequenceBarrier barrier)
        {
            return dependentSequence.get();
        }

        @Override
        public void signalAllWhenBlocking()
        {
        }
    }
}
