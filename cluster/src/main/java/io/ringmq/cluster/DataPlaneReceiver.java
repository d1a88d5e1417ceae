package io.ringmq.cluster;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.ringmq.core.ring.FrameBufferPool;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's agent. Its receiving side polls this node's data-plane subscription and puts each forwarded
 * message on the broker's ring as a {@link RingEvent#FORWARDED} event, one copy from Aeron's term buffer into the
 * ring slot (or, above the slot's size, into a buffer of a bounded pool that the Router gives back).
 * <p>
 * Back-pressure, never loss, on this side: when the ring or the pool is full the fragment is left in the term
 * buffer (ABORT) and taken on a later poll; Aeron's flow control then holds the sending node, which drops and counts
 * what it cannot send.
 * <p>
 * Its sending side drains the forwards waiting for back-pressured peers ({@link ClusterBridge#drainPending()}).
 * <p>
 * Threading: its own agent thread; the ring is multi-producer.
 */
final class DataPlaneReceiver implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneReceiver.class);
    private static final int FRAGMENTS_PER_POLL = 256;
    private static final int LARGE_BUFFERS = 64;

    private final Subscription subscription;
    private final RingBuffer<RingEvent> ring;
    private final FrameBufferPool largeFrames;
    private final int maxInlineLength;
    /** Sends the forwards waiting for back-pressured peers (the sending side shares this thread). */
    private final IntSupplier drainPending;
    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this::onFragment);
    private final AtomicLong received = new AtomicLong();
    private final RateLimitedLog tooLargeLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));

    DataPlaneReceiver(final Subscription subscription, final RingBuffer<RingEvent> ring, final int maxMessageLength,
        final IntSupplier drainPending)
    {
        this.drainPending = drainPending;
        this.subscription = subscription;
        this.ring = ring;
        this.largeFrames = new FrameBufferPool(maxMessageLength, LARGE_BUFFERS);
        this.maxInlineLength = ring.get(0).maxInlineLength();
    }

    @Override
    public int doWork()
    {
        return subscription.controlledPoll(assembler, FRAGMENTS_PER_POLL) + drainPending.getAsInt();
    }

    private ControlledFragmentHandler.Action onFragment(
        final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final boolean large = length > maxInlineLength;
        UnsafeBuffer pooled = null;
        if (large)
        {
            if (length > largeFrames.bufferLength())
            {
                final long due = tooLargeLog.onEvent(System.nanoTime());
                if (due > 0)
                {
                    LOG.warn("cluster: {} forwarded message(s) longer than max-packet-size dropped ({} bytes)", due,
                        length);
                }
                return ControlledFragmentHandler.Action.CONTINUE;
            }
            pooled = largeFrames.tryAcquire();
            if (null == pooled)
            {
                return ControlledFragmentHandler.Action.ABORT;
            }
        }
        final long sequence;
        try
        {
            sequence = ring.tryNext();
        }
        catch (final InsufficientCapacityException ex)
        {
            if (null != pooled)
            {
                largeFrames.release(pooled);
            }
            return ControlledFragmentHandler.Action.ABORT;
        }
        final RingEvent event = ring.get(sequence);
        final long nowNs = System.nanoTime();
        if (large)
        {
            event.largeClusterFrame(RingEvent.FORWARDED, 0, length, nowNs, largeFrames, pooled)
                .putBytes(0, buffer, offset, length);
        }
        else
        {
            event.frame(RingEvent.FORWARDED, 0, -1, length, nowNs).putBytes(0, buffer, offset, length);
        }
        ring.publish(sequence);
        received.incrementAndGet();
        return ControlledFragmentHandler.Action.CONTINUE;
    }

    long received()
    {
        return received.get();
    }

    @Override
    public String roleName()
    {
        return "ringmq-cluster-data";
    }

    @Override
    public void onClose()
    {
        CloseHelper.quietClose(subscription);
    }
}
