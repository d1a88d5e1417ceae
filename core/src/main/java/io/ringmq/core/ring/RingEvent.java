package io.ringmq.core.ring;

import io.ringmq.core.admin.AdminRequest;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * One slot of the inbound ring. Preallocated by the ring; a producer (an event-loop thread) fills it between
 * {@code next()} and {@code publish()}, then only the ring's consumers read it until the slot is reused.
 * <p>
 * <b>Threading:</b> written by exactly one producer while it holds the claimed sequence; read by the consumers
 * after the Disruptor's publish/barrier ordering. Never read by a producer after publishing.
 * <p>
 * <b>Claimed means published.</b> A claimed sequence that is never published stalls the whole ring, so a producer
 * publishes every sequence it claimed, also when filling a slot failed; such a slot is published as {@link #NOOP}
 * (see {@link #noop(long)}), never with what an earlier event left in it.
 * <p>
 * <b>Bounded slots.</b> A slot's own buffer grows to at most {@code maxInlineLength} bytes; a larger frame goes in a
 * buffer of a {@link FrameBufferPool}, attached to the slot ({@link #largeFrame}) and handed back by the consumer
 * ({@link #releaseFrame()}), so the ring's direct memory does not grow to ring size times the largest frame.
 */
public final class RingEvent
{
    /**
     * Nothing to handle: a claimed slot its producer could not fill, published so the ring moves on. Consumers skip
     * it. Also the type of a slot never filled.
     */
    public static final int NOOP = 0;
    /** A complete MQTT control packet, fixed header included, in {@link #frame()}. */
    public static final int FRAME = 1;
    /** The network connection closed; {@link #reason()} says why (a {@code CloseReason}). */
    public static final int CONNECTION_CLOSED = 2;
    /** The transport found a violation before the packet could be framed; {@link #reason()} is a reason code. */
    public static final int PROTOCOL_VIOLATION = 3;
    /** Periodic timer tick for will delays, session expiry and $SYS topics. */
    public static final int TICK = 4;
    /** The broker is stopping: disconnect every client. */
    public static final int SHUTDOWN = 5;
    /** The journaller forced the log further: held acknowledgements may go out ({@code sync=batch}). */
    public static final int JOURNAL_SYNCED = 6;
    /** The event loop: a connection's socket takes more, as the Router asked with a writability request. */
    public static final int WRITABLE = 7;
    /** The authorizers reloaded their rules: subscriptions are judged again under them. */
    public static final int PERMISSIONS_RELOADED = 8;
    /** An operator's query or command for the Router, in {@link #takeAdminRequest()}. */
    public static final int ADMIN = 9;

    /**
     * The cluster's route table changed: the nodes in {@link #connectionId()} (one bit per node id, 0 for none) have
     * subscribers to the topic filter in {@link #frame()} (UTF-8).
     */
    public static final int CLUSTER_ROUTE = 10;
    /** A message another node forwarded ({@code ForwardDescriptor}) in {@link #frame()}, for local subscribers. */
    public static final int FORWARDED = 11;
    /**
     * A topic's retained message as the cluster ordered it ({@code ForwardDescriptor} layout, an empty payload for a
     * clear) in {@link #frame()}: stored, not delivered (its subscribers had it forwarded).
     */
    public static final int CLUSTER_RETAINED = 12;
    /**
     * The cluster's session directory decided who owns a client id: {@link #connectionId()} the epoch, and
     * {@link #frame()} the new owner (int), the previous owner (int, -1 for none) and the client id (UTF-8), all
     * little-endian.
     */
    public static final int CLUSTER_SESSION = 13;
    /**
     * A will the control plane took over from a node that went down, for this node to publish
     * ({@code ForwardDescriptor} layout) in {@link #frame()}; {@link #connectionId()} the node its client was on.
     */
    public static final int CLUSTER_WILL = 14;

    /** Largest frame a slot keeps in its own buffer by default; larger ones go in a {@link FrameBufferPool}. */
    public static final int DEFAULT_MAX_INLINE_LENGTH = 4096;

    private static final int INITIAL_FRAME_CAPACITY = 256;

    /**
     * The slot's own buffer: grows by powers of two, never beyond {@link #maxInlineLength}; producer-written. In a
     * {@link #direct()} event it wraps the producer's bytes instead.
     */
    private final UnsafeBuffer frame;
    /** Made by {@link #direct()}: handed to the consumer without the ring, never a ring slot. */
    private final boolean direct;
    /** Largest frame this slot's own buffer takes (so its capacity stays near it); a longer one throws. */
    private final int maxInlineLength;
    /**
     * A pool buffer holding this slot's frame, or null when the frame is in the slot's own buffer. Set by the
     * producer with the claimed sequence ({@link #largeFrame}), cleared by the consumer ({@link #releaseFrame()})
     * before its sequence passes the slot, or by the producer ({@link #noop(long)}) before publishing. Ordered by the
     * Disruptor's publish and gating sequences. Invariant: non-null only between a producer's attach and the
     * consumer's release, and then owned by whoever owns the slot.
     */
    private UnsafeBuffer largeFrame;
    /** The pool {@link #largeFrame} goes back to; same writers as it. */
    private FrameBufferPool largeFramePool;
    /**
     * The request of an {@link #ADMIN} event: set by the producer with the claimed sequence, taken (and cleared) by
     * the consumer, so a slot never keeps a request alive after it ran. Ordered like {@link #largeFrame}.
     */
    private AdminRequest<?> adminRequest;
    private int type;
    private long connectionId;
    private int loopIndex;
    private int frameLength;
    private int reason;
    private long timestampNs;

    /**
     * A slot whose own buffer takes frames of any length (tests and benchmarks).
     */
    public RingEvent()
    {
        this(Integer.MAX_VALUE);
    }

    /**
     * @param maxInlineLength largest frame the slot's own buffer takes, in bytes.
     */
    public RingEvent(final int maxInlineLength)
    {
        if (maxInlineLength < 1)
        {
            throw new IllegalArgumentException("maxInlineLength must be positive: " + maxInlineLength);
        }
        this.maxInlineLength = maxInlineLength;
        this.frame = new UnsafeBuffer(allocate(Math.min(INITIAL_FRAME_CAPACITY, maxInlineLength)));
        this.direct = false;
    }

    private RingEvent(final boolean direct)
    {
        this.maxInlineLength = Integer.MAX_VALUE;
        this.frame = new UnsafeBuffer(0, 0);
        this.direct = direct;
    }

    /**
     * An event that is never a ring slot: its producer hands it straight to the consumer on the consumer's own thread
     * ({@code PolledRouter.routeNow}), its frame left where the producer read it ({@link #wrapFrame}).
     *
     * @return a new direct event.
     */
    public static RingEvent direct()
    {
        return new RingEvent(true);
    }

    /**
     * Fill a {@link #direct()} event as a {@link #FRAME} whose bytes stay in {@code buffer}: nothing is copied, so the
     * consumer must be done with {@link #frame()} before the producer reuses those bytes, which holds when the
     * consumer handles the event inside the producer's call.
     *
     * @param connectionId connection the packet came from.
     * @param loopIndex    event loop that owns the connection.
     * @param buffer       holds the frame.
     * @param offset       of the frame in {@code buffer}.
     * @param length       frame length in bytes.
     * @param nowNs        receive time.
     * @throws IllegalStateException if this event is a ring slot.
     */
    public void wrapFrame(final long connectionId, final int loopIndex, final DirectBuffer buffer, final int offset,
        final int length, final long nowNs)
    {
        if (!direct)
        {
            throw new IllegalStateException("only a direct event wraps a frame in place; a ring slot copies it");
        }
        fill(connectionId, loopIndex, length, nowNs);
        frame.wrap(buffer, offset, length);
        this.type = FRAME;
    }

    /**
     * Fill as a packet event: the caller then copies {@code length} bytes into {@link #frame()} from index 0.
     *
     * @param connectionId connection the packet came from.
     * @param loopIndex    event loop that owns the connection.
     * @param length       frame length in bytes; the frame buffer is grown to fit.
     * @param nowNs        receive time.
     * @return the frame buffer to copy into.
     * @throws IllegalArgumentException if {@code length} is negative or above the slot's maximum; the slot is then a
     *                                  {@link #NOOP}.
     */
    public MutableDirectBuffer frame(
        final long connectionId, final int loopIndex, final int length, final long nowNs)
    {
        return frame(FRAME, connectionId, loopIndex, length, nowNs);
    }

    /**
     * Fill as an event of a type whose content is a frame ({@link #FRAME}, {@link #CLUSTER_ROUTE},
     * {@link #FORWARDED}, {@link #CLUSTER_RETAINED}): the caller then copies {@code length} bytes into the returned
     * buffer from index 0.
     *
     * @param type         the event type.
     * @param connectionId connection the packet came from, or the type's value.
     * @param loopIndex    event loop that owns the connection, or -1.
     * @param length       frame length in bytes; the frame buffer is grown to fit.
     * @param nowNs        receive time.
     * @return the frame buffer to copy into.
     * @throws IllegalArgumentException if {@code length} is negative or above the slot's maximum; the slot is then a
     *                                  {@link #NOOP}.
     */
    public MutableDirectBuffer frame(
        final int type, final long connectionId, final int loopIndex, final int length, final long nowNs)
    {
        this.type = NOOP;   // first, so a failure below leaves no stale event of another connection behind
        if (length < 0 || length > maxInlineLength)
        {
            throw new IllegalArgumentException(
                "frame length " + length + " outside the slot's range 0.." + maxInlineLength);
        }
        fill(connectionId, loopIndex, length, nowNs);
        if (frame.capacity() < length)
        {
            frame.wrap(allocate((int)Math.min(maxInlineLength, BitUtil.findNextPositivePowerOfTwo((long)length))));
        }
        this.type = type;
        return frame;
    }

    private static ByteBuffer allocate(final int capacity)
    {
        return BufferUtil.allocateDirectAligned(capacity, BitUtil.CACHE_LINE_LENGTH);
    }

    /**
     * Fill as a packet event whose frame is in a pool buffer: the caller then copies {@code length} bytes into the
     * returned buffer from index 0. Publishing the slot gives the buffer to the consumer, which gives it back to
     * {@code pool} with {@link #releaseFrame()}.
     *
     * @param connectionId connection the packet came from.
     * @param loopIndex    event loop that owns the connection.
     * @param length       frame length in bytes, at most the buffer's capacity.
     * @param nowNs        receive time.
     * @param pool         pool the buffer came from.
     * @param buffer       buffer acquired from {@code pool} by the caller.
     * @return {@code buffer}.
     * @throws IllegalArgumentException if {@code length} does not fit; the slot is then a {@link #NOOP} without the
     *                                  buffer, which the caller still owns.
     */
    public MutableDirectBuffer largeFrame(final long connectionId, final int loopIndex, final int length,
        final long nowNs, final FrameBufferPool pool, final UnsafeBuffer buffer)
    {
        this.type = NOOP;
        if (length < 0 || length > buffer.capacity())
        {
            throw new IllegalArgumentException(
                "frame length " + length + " outside the buffer's range 0.." + buffer.capacity());
        }
        fill(connectionId, loopIndex, length, nowNs);
        this.largeFramePool = pool;
        this.largeFrame = buffer;
        this.type = FRAME;
        return buffer;
    }

    /**
     * Like {@link #largeFrame(long, int, int, long, FrameBufferPool, UnsafeBuffer)}, for a {@link #FORWARDED} message,
     * a {@link #CLUSTER_ROUTE}, a {@link #CLUSTER_RETAINED} or a {@link #CLUSTER_WILL} too long for the slot's own
     * buffer.
     *
     * @param type   {@link #FORWARDED}, {@link #CLUSTER_ROUTE}, {@link #CLUSTER_RETAINED} or {@link #CLUSTER_WILL}.
     * @param value  the type's value (a route's node set).
     * @param length frame length in bytes, at most the buffer's capacity.
     * @param nowNs  receive time.
     * @param pool   pool the buffer came from.
     * @param buffer buffer acquired from {@code pool} by the caller.
     * @return {@code buffer}.
     */
    public MutableDirectBuffer largeClusterFrame(final int type, final long value, final int length, final long nowNs,
        final FrameBufferPool pool, final UnsafeBuffer buffer)
    {
        largeFrame(value, -1, length, nowNs, pool, buffer);
        this.type = type;
        return buffer;
    }

    private void fill(final long connectionId, final int loopIndex, final int length, final long nowNs)
    {
        this.connectionId = connectionId;
        this.loopIndex = loopIndex;
        this.frameLength = length;
        this.reason = 0;
        this.timestampNs = nowNs;
    }

    /**
     * Consumer: give the frame's pool buffer, if any, back to its pool once the event is handled; nothing may read
     * {@link #frame()} afterwards. Does nothing for a frame in the slot's own buffer or a control event.
     */
    public void releaseFrame()
    {
        final UnsafeBuffer buffer = largeFrame;
        if (null != buffer)
        {
            largeFrame = null;
            final FrameBufferPool pool = largeFramePool;
            largeFramePool = null;
            pool.release(buffer);
        }
    }

    /**
     * Fill as a {@link #NOOP}: a claimed slot that could not be filled, published so the ring is not stalled.
     * Never throws.
     *
     * @param nowNs time of the event (the consumer's clock follows the events it reads).
     */
    public void noop(final long nowNs)
    {
        this.type = NOOP;
        this.largeFrame = null;     // not handed over: the producer keeps (and gives back) the buffer it acquired
        this.largeFramePool = null;
        this.connectionId = 0;
        this.loopIndex = -1;
        this.frameLength = 0;
        this.reason = 0;
        this.timestampNs = nowNs;
    }

    /**
     * Fill as a control event that carries no frame. The slot must hold no pool buffer (the consumer released it).
     *
     * @param type         one of the type constants.
     * @param connectionId connection concerned, or 0.
     * @param loopIndex    event loop of the connection, or -1.
     * @param reason       reason value for the type.
     * @param nowNs        time of the event.
     */
    public void control(final int type, final long connectionId, final int loopIndex, final int reason,
        final long nowNs)
    {
        this.type = type;
        this.connectionId = connectionId;
        this.loopIndex = loopIndex;
        this.frameLength = 0;
        this.reason = reason;
        this.timestampNs = nowNs;
    }

    /**
     * Fill as an {@link #ADMIN} event. The slot must hold no pool buffer (the consumer released it).
     *
     * @param request the query or command; the consumer runs it.
     * @param nowNs   time of the event.
     */
    public void admin(final AdminRequest<?> request, final long nowNs)
    {
        control(ADMIN, 0, -1, 0, nowNs);
        this.adminRequest = request;
    }

    /**
     * Consumer: the request of an {@link #ADMIN} event, taken out of the slot.
     *
     * @return the request, or null if it was taken already.
     */
    public AdminRequest<?> takeAdminRequest()
    {
        final AdminRequest<?> request = adminRequest;
        adminRequest = null;
        return request;
    }

    /** @return the event type constant. */
    public int type()
    {
        return type;
    }

    /** @return the connection id. */
    public long connectionId()
    {
        return connectionId;
    }

    /** @return the event loop index of the connection. */
    public int loopIndex()
    {
        return loopIndex;
    }

    /** @return off-heap frame bytes, valid from 0 to {@link #frameLength()}, until {@link #releaseFrame()}. */
    public MutableDirectBuffer frame()
    {
        return null != largeFrame ? largeFrame : frame;
    }

    /** @return largest frame the slot's own buffer takes; larger ones go in a {@link FrameBufferPool} buffer. */
    public int maxInlineLength()
    {
        return maxInlineLength;
    }

    /** @return capacity of the slot's own buffer, at most about {@code maxInlineLength} whatever frames it held. */
    public int slotCapacity()
    {
        return frame.capacity();
    }

    /** @return frame length in bytes. */
    public int frameLength()
    {
        return frameLength;
    }

    /** @return reason value for control events. */
    public int reason()
    {
        return reason;
    }

    /** @return time the event was produced, {@link System#nanoTime()}. */
    public long timestampNs()
    {
        return timestampNs;
    }
}
