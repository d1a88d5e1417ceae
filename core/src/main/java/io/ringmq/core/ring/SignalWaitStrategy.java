package io.ringmq.core.ring;

import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

/**
 * The wait strategy of a ring that no thread waits on: its consumer polls it (a Disruptor {@code EventPoller}) from a
 * thread that has other work, such as an event loop, and every publish calls the signal that gets the consumer to
 * poll. Nothing spins, parks or takes a lock.
 * <p>
 * <b>Threading:</b> {@link #signal(Runnable)} once, before the first publish the consumer must hear of;
 * {@link #signalAllWhenBlocking()} from every producer thread, so the signal must be thread-safe and cheap when the
 * consumer is already due to poll.
 */
public final class SignalWaitStrategy implements WaitStrategy
{
    /** Set once before publishing starts, read by every producer: volatile for the hand-over. */
    private volatile Runnable signal;

    /**
     * @param signal run after every publish (any producer thread); gets the consumer to poll.
     */
    public void signal(final Runnable signal)
    {
        this.signal = signal;
    }

    /** No thread waits on this ring: an event processor given this strategy is a configuration error. */
    @Override
    public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence,
        final SequenceBarrier barrier)
    {
        throw new IllegalStateException("this ring is polled, not waited on: use an EventPoller");
    }

    @Override
    public void signalAllWhenBlocking()
    {
        final Runnable current = signal;
        if (null != current)
        {
            current.run();
        }
    }
}
