package io.ringmq.core.ring;

import org.agrona.ExpandableDirectByteBuffer;

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

    private static final int INITIAL_FRAME_CAPACITY = 256;

    private final ExpandableDirectByteBuffer frame = new ExpandableDirectByteBuffer(INITIAL_FRAME_CAPACITY);
    /** Largest frame this slot accepts; a longer one is a producer's bug and throws. */
    private final int maxFrameLength;
    private int type;
    private long connectionId;
    private int loopIndex;
    private int frameLength;
    private int reason;
    private long timestampNs;

    /**
     * A slot for frames of any length up to {@link Integer#MAX_VALUE}.
     */
    public RingEvent()
    {
        this(Integer.MAX_VALUE);
    }

    /**
     * @param maxFrameLength largest frame the slot accepts, in bytes.
     */
    public RingEvent(final int maxFrameLength)
    {
        if (maxFrameLength < 1)
        {
            throw new IllegalArgumentException("maxFrameLength must be positive: " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
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
    public ExpandableDirectByteBuffer frame(
        final long connectionId, final int loopIndex, final int length, final long nowNs)
    {
        this.type = NOOP;   // first, so a failure below leaves no stale event of another connection behind
        if (length < 0 || length > maxFrameLength)
        {
            throw new IllegalArgumentException(
                "frame length " + length + " outside the slot's range 0.." + maxFrameLength);
        }
        this.connectionId = connectionId;
        this.loopIndex = loopIndex;
        this.frameLength = length;
        this.reason = 0;
        this.timestampNs = nowNs;
        frame.checkLimit(length);
        this.type = FRAME;
        return frame;
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
        this.connectionId = 0;
        this.loopIndex = -1;
        this.frameLength = 0;
        this.reason = 0;
        this.timestampNs = nowNs;
    }

    /**
     * Fill as a control event that carries no frame.
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

    /** @return off-heap frame bytes, valid from 0 to {@link #frameLength()}. */
    public ExpandableDirectByteBuffer frame()
    {
        return frame;
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
