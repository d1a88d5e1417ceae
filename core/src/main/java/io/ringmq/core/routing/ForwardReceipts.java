package io.ringmq.core.routing;

import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.cluster.ForwardDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The destination's side of acknowledged forwards ({@link ForwardWindows} is the origin's): for each origin node,
 * the highest sequence of a QoS 1/2 forward this node's Router has routed, acknowledged to the origin at the end of
 * the Router's batch once the journal records it wrote for it are durable (with {@code sync=batch}: forced). One
 * acknowledgement per origin per batch covers every forward before it (each origin's stream arrives in order).
 * <p>
 * Per origin two slots: the sequence waiting for the journal, and the newest one behind it (replaced by newer
 * ones), so an acknowledgement goes out at every force even while forwards keep arriving. One that the data plane
 * cannot queue (the origin's queue is full) is sent again at the next batch's end. No allocation.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class ForwardReceipts
{
    private static final int MAX_NODES = Long.SIZE;

    private final BrokerState state;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[ForwardDescriptor.HEADER_LENGTH]);
    private final long[] waitingSequence = new long[MAX_NODES];
    private final long[] waitingHold = new long[MAX_NODES];
    private final long[] nextSequence = new long[MAX_NODES];
    private final long[] nextHold = new long[MAX_NODES];
    /** Origins with a sequence not yet acknowledged, one bit per node id. */
    private long pending;
    private long sent;
    private long unsent;

    ForwardReceipts(final BrokerState state)
    {
        this.state = state;
    }

    /**
     * A QoS 1/2 forward from {@code origin} was routed (and journaled).
     *
     * @param origin    the origin node.
     * @param sequence  the origin's sequence of it.
     * @param holdUntil the journal position that must be durable before it is acknowledged (0 for none).
     */
    void onRouted(final int origin, final long sequence, final long holdUntil)
    {
        if (origin < 0 || origin >= MAX_NODES)
        {
            return;
        }
        if (0 == waitingSequence[origin])
        {
            waitingSequence[origin] = sequence;
            waitingHold[origin] = holdUntil;
        }
        else
        {
            nextSequence[origin] = sequence;
            nextHold[origin] = holdUntil;
        }
        pending |= 1L << origin;
    }

    /**
     * End of the Router's batch: acknowledge what is durable.
     *
     * @param durablePosition the journal position below which everything is durable.
     */
    void flush(final long durablePosition)
    {
        long remaining = pending;
        while (0 != remaining)
        {
            final int origin = Long.numberOfTrailingZeros(remaining);
            remaining &= remaining - 1;
            flush(origin, durablePosition);
        }
    }

    private void flush(final int origin, final long durablePosition)
    {
        if (waitingHold[origin] > durablePosition)
        {
            return;
        }
        long sequence = waitingSequence[origin];
        final boolean nextDurable = 0 != nextSequence[origin] && nextHold[origin] <= durablePosition;
        if (nextDurable)
        {
            sequence = nextSequence[origin];
        }
        final int length = ForwardCodec.encodeForwardAck(buffer, 0, state.cluster.nodeId(), sequence);
        if (!state.cluster.forward(1L << origin, buffer, 0, length))
        {
            unsent++;  // the origin's queue is full: sent again at the next batch's end
            return;
        }
        sent++;
        if (nextDurable || 0 == nextSequence[origin])
        {
            waitingSequence[origin] = 0;
            waitingHold[origin] = 0;
            pending &= ~(1L << origin);
        }
        else
        {
            waitingSequence[origin] = nextSequence[origin];
            waitingHold[origin] = nextHold[origin];
        }
        nextSequence[origin] = 0;
        nextHold[origin] = 0;
    }

    /** @return true if an acknowledgement waits (for the journal or for room on the data plane). */
    boolean pending()
    {
        return 0 != pending;
    }

    /** @return acknowledgements sent (tests). */
    long sent()
    {
        return sent;
    }

    /** @return acknowledgements the data plane could not queue at once (tests). */
    long unsent()
    {
        return unsent;
    }
}
