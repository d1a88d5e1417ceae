package io.ringmq.core.ring;

import org.agrona.BitUtil;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hand-off of encoded packets from the routing stage to one event loop: an off-heap one-to-one ring.
 * <p>
 * Record layout (the Agrona ring's record body):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Connection Id (long)                    |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Encoded MQTT packet or control body          ...
 *  +---------------------------------------------------------------+
 * </pre>
 * The record's message type says what the body is: {@link #PACKET}, {@link #DROPPABLE_PACKET} (QoS 0: the event
 * loop drops it when the channel is not writable), {@link #CLOSE} (flush, then close), {@link #CONNECTED}
 * (connection accepted: int protocol version, int keep-alive ms), {@link #PAUSE_READ} or {@link #RESUME_READ}
 * (publisher flow control).
 * <p>
 * <b>Threading:</b> the Router thread is the only producer ({@link #claim}, {@link #commit}, {@link #signal});
 * the owning event loop is the only consumer ({@link #drain}). When the ring is full, records other than
 * droppable packets go to an on-heap overflow list (Router-owned) and keep their order: once anything is in
 * overflow every later record goes there too until {@link #flushOverflow()} has moved it all into the ring.
 */
public final class OutboundQueue
{
    /** A packet that must be written. */
    public static final int PACKET = 1;
    /** A QoS 0 publish that may be dropped when the channel is not writable. */
    public static final int DROPPABLE_PACKET = 2;
    /** Flush what was written, then close the connection. */
    public static final int CLOSE = 3;
    /** The broker accepted the connection: protocol version and keep-alive follow the connection id. */
    public static final int CONNECTED = 4;
    /** Stop reading from the connection: a session it publishes to is backing up (flow control). */
    public static final int PAUSE_READ = 5;
    /** Read from the connection again. */
    public static final int RESUME_READ = 6;
    /** Bytes of the connection id that precede every body. */
    public static final int HEADER_LENGTH = BitUtil.SIZE_OF_LONG;
    /** An overflowed record keeps its type in one leading byte. */
    private static final int OVERFLOW_HEADER_LENGTH = 1;

    private final OneToOneRingBuffer ring;
    private final Runnable wakeup;
    /**
     * True while a drain is scheduled or running on the event loop. The Router sets it with getAndSet after
     * committing records and only then wakes the loop; the loop clears it before reading, so a record committed
     * after the clear is seen by the next scheduled drain, and one committed before it by this drain.
     */
    private final AtomicBoolean scheduled = new AtomicBoolean();

    // Router-owned producer state.
    private final ArrayDeque<byte[]> overflow = new ArrayDeque<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(1024);
    private MutableDirectBuffer claimBuffer;
    private int claimIndex;
    private int claimType;
    private int claimLength;
    private boolean pendingSignal;

    /**
     * @param capacityInBytes ring capacity, a power of two.
     * @param wakeup          schedules {@link #drain} on the owning event loop; called by the Router thread.
     */
    public OutboundQueue(final int capacityInBytes, final Runnable wakeup)
    {
        if (!BitUtil.isPowerOfTwo(capacityInBytes))
        {
            throw new IllegalArgumentException("capacityInBytes must be a power of 2: " + capacityInBytes);
        }
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacityInBytes + RingBufferDescriptor.TRAILER_LENGTH)));
        this.wakeup = wakeup;
    }

    /**
     * Claim space for one record. Write the body at the returned offset of {@link #buffer()}, then
     * {@link #commit()}.
     *
     * @param type         record type.
     * @param connectionId target connection.
     * @param bodyLength   bytes after the connection id.
     * @return offset in {@link #buffer()} where the body starts, or -1 when a droppable record was dropped.
     */
    public int claim(final int type, final long connectionId, final int bodyLength)
    {
        final int length = HEADER_LENGTH + bodyLength;
        if (overflow.isEmpty() && length <= ring.maxMsgLength())
        {
            final int index = ring.tryClaim(type, length);
            if (index > 0)
            {
                claimBuffer = ring.buffer();
                claimIndex = index;
                claimType = -1;
                claimBuffer.putLong(index, connectionId);
                return index + HEADER_LENGTH;
            }
        }
        if (DROPPABLE_PACKET == type)
        {
            return -1;
        }
        scratch.putByte(0, (byte)type);
        scratch.putLong(OVERFLOW_HEADER_LENGTH, connectionId);
        scratch.checkLimit(OVERFLOW_HEADER_LENGTH + length);
        claimBuffer = scratch;
        claimIndex = OVERFLOW_HEADER_LENGTH;
        claimType = type;
        claimLength = length;
        return claimIndex + HEADER_LENGTH;
    }

    /** @return buffer of the current claim. */
    public MutableDirectBuffer buffer()
    {
        return claimBuffer;
    }

    /** Publish the claimed record. */
    public void commit()
    {
        if (claimType < 0)
        {
            ring.commit(claimIndex);
        }
        else
        {
            final byte[] record = new byte[OVERFLOW_HEADER_LENGTH + claimLength];
            scratch.getBytes(0, record);
            overflow.addLast(record);
        }
        pendingSignal = true;
    }

    /**
     * Move overflowed records into the ring while they fit. Router thread.
     *
     * @return number moved.
     */
    public int flushOverflow()
    {
        int moved = 0;
        byte[] record;
        while (null != (record = overflow.peekFirst()))
        {
            final int length = record.length - OVERFLOW_HEADER_LENGTH;
            final int index = ring.tryClaim(record[0], length);
            if (index <= 0)
            {
                break;
            }
            ring.buffer().putBytes(index, record, OVERFLOW_HEADER_LENGTH, length);
            ring.commit(index);
            overflow.pollFirst();
            moved++;
            pendingSignal = true;
        }
        return moved;
    }

    /** @return true when records wait in the overflow list. */
    public boolean hasOverflow()
    {
        return !overflow.isEmpty();
    }

    /** Wake the event loop if records were committed since the last signal. Router thread, once per batch. */
    public void signal()
    {
        if (pendingSignal)
        {
            pendingSignal = false;
            if (!scheduled.getAndSet(true))
            {
                wakeup.run();
            }
        }
    }

    /**
     * Read up to {@code limit} records. Event-loop thread only.
     *
     * @param handler receives each record: type, buffer, index of the connection id, length including it.
     * @param limit   maximum records to read.
     * @return records read.
     */
    public int drain(final MessageHandler handler, final int limit)
    {
        scheduled.set(false);
        return ring.read(handler, limit);
    }

    /**
     * Reschedule a drain that stopped at its limit with records left. Event-loop thread.
     *
     * @return true if records remain and a drain was scheduled.
     */
    public boolean rescheduleIfPending()
    {
        if (ring.size() > 0 && !scheduled.getAndSet(true))
        {
            wakeup.run();
            return true;
        }
        return false;
    }

    /** @return the underlying ring, for tests. */
    RingBuffer ring()
    {
        return ring;
    }
}
