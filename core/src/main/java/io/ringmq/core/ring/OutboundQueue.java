package io.ringmq.core.ring;

import org.agrona.BitUtil;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
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
 * loop drops it when the channel is not writable), {@link #CLOSE} (flush, then close), {@link #CLOSE_NOW} (the
 * same after the client's DISCONNECT, without the half-close), {@link #CONNECTED} (connection accepted: int protocol
 * version, int keep-alive ms), {@link #WRITABLE_REQUEST} (answer with a {@link RingEvent#WRITABLE} event once the
 * socket takes more).
 * <p>
 * <b>Threading:</b> the Router thread is the only producer ({@link #claim}, {@link #commit}, {@link #release},
 * {@link #signal}); the owning event loop is the only consumer ({@link #drain}).
 * <p>
 * <b>Backlog.</b> A record the ring cannot take yet waits in a Router-owned on-heap backlog. Two things put records
 * there: a full ring (droppable packets are dropped instead), and a record claimed with a {@code holdUntil} log
 * position that is not yet durable, such as the PUBACK of a message the journal has not forced yet. Order is kept
 * per connection, which is what MQTT needs: once a connection has a record in the backlog, its later records queue
 * behind it, while other connections' records go straight to the ring. {@link #release} moves, in order, every
 * record whose position is durable and which no earlier record of its connection still waits for, so an
 * acknowledgement never reaches the network before what it acknowledges is on the device.
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
    /** Publish a {@link RingEvent#WRITABLE} event once the connection's socket takes more (retained pacing). */
    public static final int WRITABLE_REQUEST = 5;
    /**
     * The client ended the connection with DISCONNECT: flush what was written, then close at once. It sends nothing
     * more (MQTT-3.14.4-1), so the half-close and linger of {@link #CLOSE}, which keep a reason from being lost to a
     * reset while a client still sends, have nothing to protect.
     */
    public static final int CLOSE_NOW = 6;
    /** Bytes of the connection id that precede every body. */
    public static final int HEADER_LENGTH = BitUtil.SIZE_OF_LONG;
    /** A backlog entry: int type, int length (connection id + body), long hold-until position, then the record. */
    private static final int BACKLOG_TYPE_OFFSET = 0;
    private static final int BACKLOG_LENGTH_OFFSET = 4;
    private static final int BACKLOG_HOLD_OFFSET = 8;
    private static final int BACKLOG_HEADER_LENGTH = 16;

    private final OneToOneRingBuffer ring;
    private final Runnable wakeup;
    /**
     * True while a drain is scheduled or running on the event loop. The Router sets it with getAndSet after
     * committing records and only then wakes the loop; the loop clears it before reading, so a record committed
     * after the clear is seen by the next scheduled drain, and one committed before it by this drain.
     */
    private final AtomicBoolean scheduled = new AtomicBoolean();

    // Router-owned producer state. The backlog holds entries in [0, backlogTail), in claim order.
    private final ExpandableArrayBuffer backlog = new ExpandableArrayBuffer(1024);
    /** Records waiting in the backlog, per connection id (absent: none). */
    private final Long2LongHashMap backlogCounts = new Long2LongHashMap(0);
    /** Connections met during one {@link #release} scan with a record that stays: their later records stay too. */
    private final LongHashSet blocked = new LongHashSet();
    private int backlogTail;
    /**
     * Smallest hold-until position among the first backlog record of each connection: {@link #release} has nothing
     * to move below it, so the common case (acknowledgements waiting for the next force) costs one comparison.
     */
    private long headHoldMin = Long.MAX_VALUE;
    private long claimHoldUntil;
    private MutableDirectBuffer claimBuffer;
    private int claimIndex;
    private long claimConnectionId;
    private boolean claimInBacklog;
    private long releasedPosition;
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

    /** @return bytes of records in the ring not yet drained by the event loop; any thread (a racy, sane figure). */
    public int usedBytes()
    {
        return ring.size();
    }

    /** @return the ring's capacity in bytes. */
    public int capacityBytes()
    {
        return ring.capacity();
    }

    /**
     * Claim space for one record that may go out at once. Write the body at the returned offset of
     * {@link #buffer()}, then {@link #commit()}.
     *
     * @param type         record type.
     * @param connectionId target connection.
     * @param bodyLength   bytes after the connection id.
     * @return offset in {@link #buffer()} where the body starts, or -1 when a droppable record was dropped.
     */
    public int claim(final int type, final long connectionId, final int bodyLength)
    {
        return claim(type, connectionId, bodyLength, 0);
    }

    /**
     * Claim space for one record that must not reach the event loop before the journal has forced everything
     * below {@code holdUntil}.
     *
     * @param type         record type.
     * @param connectionId target connection.
     * @param bodyLength   bytes after the connection id.
     * @param holdUntil    log position that must be durable first; 0 or less for none.
     * @return offset in {@link #buffer()} where the body starts, or -1 when a droppable record was dropped.
     */
    public int claim(final int type, final long connectionId, final int bodyLength, final long holdUntil)
    {
        final int length = HEADER_LENGTH + bodyLength;
        if (holdUntil <= releasedPosition && 0 == backlogCounts.get(connectionId) && length <= ring.maxMsgLength())
        {
            final int index = ring.tryClaim(type, length);
            if (index > 0)
            {
                claimBuffer = ring.buffer();
                claimIndex = index;
                claimInBacklog = false;
                claimBuffer.putLong(index, connectionId);
                return index + HEADER_LENGTH;
            }
            if (DROPPABLE_PACKET == type)
            {
                return -1;  // the ring is full: the loop cannot keep up, QoS 0 is dropped rather than buffered
            }
        }
        final int entry = backlogTail;
        backlog.putInt(entry + BACKLOG_TYPE_OFFSET, type);
        backlog.putInt(entry + BACKLOG_LENGTH_OFFSET, length);
        backlog.putLong(entry + BACKLOG_HOLD_OFFSET, holdUntil);
        backlog.putLong(entry + BACKLOG_HEADER_LENGTH, connectionId);
        backlog.checkLimit(entry + BACKLOG_HEADER_LENGTH + length);
        claimBuffer = backlog;
        claimIndex = entry;
        claimConnectionId = connectionId;
        claimHoldUntil = holdUntil;
        claimInBacklog = true;
        return entry + BACKLOG_HEADER_LENGTH + HEADER_LENGTH;
    }

    /** @return buffer of the current claim. */
    public MutableDirectBuffer buffer()
    {
        return claimBuffer;
    }

    /** Publish the claimed record. */
    public void commit()
    {
        if (claimInBacklog)
        {
            final int length = backlog.getInt(claimIndex + BACKLOG_LENGTH_OFFSET);
            backlogTail = BitUtil.align(claimIndex + BACKLOG_HEADER_LENGTH + length, BitUtil.SIZE_OF_LONG);
            final long count = backlogCounts.get(claimConnectionId);
            if (0 == count)
            {
                headHoldMin = Math.min(headHoldMin, claimHoldUntil);
            }
            backlogCounts.put(claimConnectionId, count + 1);
        }
        else
        {
            ring.commit(claimIndex);
            pendingSignal = true;
        }
    }

    /**
     * Move backlog records into the ring while they fit: each one whose log position is durable and which no
     * earlier record of its connection still waits for. Router thread.
     *
     * @param durablePosition the journal has forced everything below this log position.
     * @return number moved.
     */
    public int release(final long durablePosition)
    {
        if (durablePosition > releasedPosition)
        {
            releasedPosition = durablePosition;
        }
        if (0 == backlogTail || releasedPosition < headHoldMin)
        {
            return 0;
        }
        long nextHeadHoldMin = Long.MAX_VALUE;
        int moved = 0;
        int kept = 0;
        boolean ringFull = false;
        blocked.clear();
        for (int entry = 0; entry < backlogTail; )
        {
            final int length = backlog.getInt(entry + BACKLOG_LENGTH_OFFSET);
            final int next = BitUtil.align(entry + BACKLOG_HEADER_LENGTH + length, BitUtil.SIZE_OF_LONG);
            final long connectionId = backlog.getLong(entry + BACKLOG_HEADER_LENGTH);
            int index = -1;
            if (!ringFull && backlog.getLong(entry + BACKLOG_HOLD_OFFSET) <= releasedPosition &&
                !blocked.contains(connectionId))
            {
                index = ring.tryClaim(backlog.getInt(entry + BACKLOG_TYPE_OFFSET), length);
                ringFull = index <= 0;
            }
            if (index > 0)
            {
                ring.buffer().putBytes(index, backlog, entry + BACKLOG_HEADER_LENGTH, length);
                ring.commit(index);
                moved++;
                final long remaining = backlogCounts.get(connectionId) - 1;
                if (0 == remaining)
                {
                    backlogCounts.remove(connectionId);
                }
                else
                {
                    backlogCounts.put(connectionId, remaining);
                }
            }
            else
            {
                if (blocked.add(connectionId))
                {
                    // The first record of its connection left waiting; a full ring makes it due now.
                    nextHeadHoldMin = Math.min(nextHeadHoldMin,
                        ringFull ? 0 : backlog.getLong(entry + BACKLOG_HOLD_OFFSET));
                }
                if (kept != entry)
                {
                    backlog.putBytes(kept, backlog, entry, next - entry);
                }
                kept += next - entry;
            }
            entry = next;
        }
        backlogTail = kept;
        headHoldMin = nextHeadHoldMin;
        pendingSignal |= moved > 0;
        return moved;
    }

    /** @return true when records wait in the backlog. */
    public boolean hasBacklog()
    {
        return 0 != backlogTail;
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
        // One read stops at the end of the buffer even when records continue after the wrap; read on from the
        // start, or records committed before this drain would wait for a wake-up that may never come.
        final int read = ring.read(handler, limit);
        return read < limit ? read + ring.read(handler, limit - read) : read;
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
