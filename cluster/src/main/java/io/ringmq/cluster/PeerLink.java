package io.ringmq.cluster;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.aeron.Publication;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The data-plane link to one peer: its Aeron publication and the bounded queue of forwards waiting behind it.
 * <p>
 * Threading: the Router writes the queue (single producer) and offers to the publication while the queue is empty;
 * the data-plane agent drains the queue (single consumer) into the publication. Order holds: the Router offers
 * directly only when nothing waits, so every earlier forward was offered before.
 */
final class PeerLink
{
    /** Aeron term length of a data-plane publication: a message may be up to an eighth of it. */
    static final int TERM_LENGTH = 16 * 1024 * 1024;
    /**
     * Bytes a data-plane publication takes ahead of what its peer has received ({@code pub-wnd}; Aeron's default
     * is half the term, 8 MiB): past it an offer is back-pressured and the forward waits in this link's queue, where
     * QoS 0 is dropped early. The publication is a queue like any other: at 8 MiB, QoS 0 forwards at saturation
     * waited more than a second. It must hold the longest message (an eighth of the term).
     */
    static final int PUBLICATION_WINDOW = TERM_LENGTH / 8;
    /** Bytes of forwards that may wait for one peer. */
    static final int QUEUE_BYTES = 4 * 1024 * 1024;
    /** Beyond this many bytes waiting, QoS 0 forwards are dropped (counted) instead of queued. */
    static final int QOS0_QUEUE_BYTES = QUEUE_BYTES / 8;
    /**
     * How long a new link (its node just came up) waits for its publication to connect: forwards meanwhile wait in
     * the queue, as behind back-pressure, instead of being dropped; past it, a link still not connected drops them.
     */
    static final long CONNECT_GRACE_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int MESSAGE_TYPE = 1;

    final Publication publication;
    final OneToOneRingBuffer queue;
    private final long createdNs;

    PeerLink(final Publication publication, final long createdNs)
    {
        this.publication = publication;
        this.createdNs = createdNs;
        this.queue = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(QUEUE_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /**
     * @return the publication's result; a message too long for it counts as closed (it can never be sent).
     */
    long offer(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length > publication.maxMessageLength())
        {
            return Publication.MAX_POSITION_EXCEEDED;
        }
        return publication.offer(buffer, offset, length);
    }

    /**
     * @param result an offer's result.
     * @return true if a forward that got it should wait (in the queue) and be offered again: back-pressure, or a
     *         publication not connected yet within {@link #CONNECT_GRACE_NS} of its creation.
     */
    boolean shouldWait(final long result, final long nowNs)
    {
        return Publication.BACK_PRESSURED == result || Publication.ADMIN_ACTION == result ||
            Publication.NOT_CONNECTED == result && nowNs - createdNs < CONNECT_GRACE_NS;
    }

    /**
     * @return false if the queue cannot take it.
     */
    boolean enqueue(final DirectBuffer buffer, final int offset, final int length)
    {
        return length <= queue.maxMsgLength() && queue.write(MESSAGE_TYPE, buffer, offset, length);
    }

    static String errorString(final long result)
    {
        return Publication.MAX_POSITION_EXCEEDED == result ? "longer than the data plane's largest message" :
            Publication.errorString(result);
    }
}
