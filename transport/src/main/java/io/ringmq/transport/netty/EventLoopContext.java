package io.ringmq.transport.netty;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.ring.FrameBufferPool;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.PolledRouter;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything one event loop owns: its connections by id, its outbound queue from the Router, the drain that
 * writes Router output to sockets (one write per connection and one flush per drain), the connections' timeout
 * deadlines (keep-alive, handshake, credential expiry: {@link ConnectionDeadlines}), and
 * control events that could not enter a full ring yet.
 * <p>
 * <b>Threading:</b> all methods run on this event loop's thread except {@link #wakeup()} (Router thread, via
 * the outbound queue) and the statistics getters (any thread; single-writer volatile fields).
 */
final class EventLoopContext implements MessageHandler
{
    private static final int DRAIN_LIMIT = 4096;
    /** How often due connection deadlines are checked: a timeout is noticed at most this much late. */
    private static final long DEADLINE_POLL_MS = 250;
    private static final int MIN_WRITE_BUFFER = 512;
    private static final int MAX_FRAMES_PER_CLAIM = 256;
    /** How often connections paused on a full ring (or an empty large-frame pool) try again. */
    static final long RESUME_DELAY_US = 200;

    private final int loopIndex;
    private final int maxPacketSize;
    /** Connections of the whole server (all loops), for max-connections. */
    private final AtomicInteger connectionCount;
    private final EventLoop eventLoop;
    private final RingBuffer<RingEvent> ring;
    private final OutboundQueue outbound;
    private final Long2ObjectHashMap<MqttConnectionHandler> connections = new Long2ObjectHashMap<>();
    /** Keep-alive (MQTT-3.1.2-24: 1.5 times the keep-alive), connect timeout and credential expiry of those. */
    private final ConnectionDeadlines deadlines = new ConnectionDeadlines();
    private final List<MqttConnectionHandler> touched = new ArrayList<>();
    private final ArrayDeque<long[]> pendingControl = new ArrayDeque<>();
    private final Runnable drainTask = this::drain;
    /** Framing scratch shared by this loop's connections: a view over the cumulation and frame boundaries. */
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer writeView = new UnsafeBuffer(0, 0);
    private final int[] frameStarts = new int[MAX_FRAMES_PER_CLAIM];
    private final int[] frameLengths = new int[MAX_FRAMES_PER_CLAIM];
    /**
     * Pool buffers acquired for the large frames of the batch being framed (null for a frame the slot keeps). Owned
     * by this loop from acquisition until the frame is published in its slot; any not published by the end of the
     * batch are given back to the pool by the connection that acquired them.
     */
    private final UnsafeBuffer[] largeBuffers = new UnsafeBuffer[MAX_FRAMES_PER_CLAIM];
    /** Shared by all loops and the Router; thread-safe. */
    private final FrameBufferPool largeFrames;
    /**
     * Largest frame copied into a ring slot's own buffer, larger ones go in {@link #largeFrames}: the slots'
     * {@link RingEvent#maxInlineLength()} (a larger value makes the slots refuse frames, a smaller one wastes pool).
     */
    private final int maxInlineLength;
    /**
     * The Router polled from this loop, which then routes this loop's frames in place ({@link PolledRouter#routeNow}),
     * or null (another loop, or a routing thread). Set once, before the server binds; read by this loop.
     */
    private PolledRouter directRouter;
    private byte[] heapCopy = new byte[0];
    private final Runnable retryControlTask = this::retryControl;
    private boolean retryScheduled;
    /**
     * Connections whose reading is paused on a full ring or an empty large-frame pool, in the order they paused; one
     * task ({@link #resumeWaiters()}) retries them all every {@link #RESUME_DELAY_US} while any waits. Loop-owned.
     * Invariant: a connection is here at most once (only while its PAUSED flag is set), and the task is scheduled
     * whenever the list is not empty.
     */
    private final ArrayDeque<MqttConnectionHandler> waiters = new ArrayDeque<>();
    private final Runnable resumeWaitersTask = this::resumeWaiters;
    private boolean resumeScheduled;

    /** Bytes written to sockets; written only by this loop's thread. */
    private volatile long bytesSent;
    /** Bytes of complete frames read; written only by this loop's thread. */
    private volatile long bytesReceived;
    /** QoS 0 publishes dropped because the channel was not writable; written only by this loop's thread. */
    private volatile long droppedNotWritable;

    EventLoopContext(final int loopIndex, final EventLoop eventLoop, final RingBuffer<RingEvent> ring,
        final int outboundQueueBytes, final int maxPacketSize, final AtomicInteger connectionCount,
        final FrameBufferPool largeFrames, final int maxInlineLength)
    {
        if (largeFrames.bufferLength() < maxPacketSize)
        {
            throw new IllegalArgumentException("large frame buffers of " + largeFrames.bufferLength() +
                " bytes cannot take packets of up to " + maxPacketSize);
        }
        this.largeFrames = largeFrames;
        this.maxInlineLength = maxInlineLength;
        this.maxPacketSize = maxPacketSize;
        this.connectionCount = connectionCount;
        this.loopIndex = loopIndex;
        this.eventLoop = eventLoop;
        this.ring = ring;
        this.outbound = new OutboundQueue(outboundQueueBytes, this::wakeup);
    }

    /** @return the periodic deadline check, for its server to cancel when it stops on loops it does not own. */
    ScheduledFuture<?> start()
    {
        return eventLoop.scheduleAtFixedRate(() -> deadlines.poll(System.nanoTime()), DEADLINE_POLL_MS,
            DEADLINE_POLL_MS, TimeUnit.MILLISECONDS);
    }

    UnsafeBuffer view()
    {
        return view;
    }

    int[] frameStarts()
    {
        return frameStarts;
    }

    int[] frameLengths()
    {
        return frameLengths;
    }

    UnsafeBuffer[] largeBuffers()
    {
        return largeBuffers;
    }

    FrameBufferPool largeFrames()
    {
        return largeFrames;
    }

    int maxInlineLength()
    {
        return maxInlineLength;
    }

    /** @return the Router that routes this loop's frames in place, or null. */
    PolledRouter directRouter()
    {
        return directRouter;
    }

    /** @param router the Router polled from this loop; before the server binds. */
    void directRouter(final PolledRouter router)
    {
        this.directRouter = router;
    }

    /** Copy a buffer without a memory address (heap or composite) into loop-owned scratch. */
    byte[] heapCopy(final ByteBuf in, final int length)
    {
        if (heapCopy.length < length)
        {
            heapCopy = new byte[Math.max(length, heapCopy.length * 2)];
        }
        in.getBytes(in.readerIndex(), heapCopy, 0, length);
        return heapCopy;
    }

    int maxPacketSize()
    {
        return maxPacketSize;
    }

    AtomicInteger serverConnections()
    {
        return connectionCount;
    }

    int loopIndex()
    {
        return loopIndex;
    }

    EventLoop eventLoop()
    {
        return eventLoop;
    }

    RingBuffer<RingEvent> ring()
    {
        return ring;
    }

    OutboundQueue outbound()
    {
        return outbound;
    }

    void register(final MqttConnectionHandler connection)
    {
        connections.put(connection.connectionId(), connection);
        deadlines.arm(connection, System.nanoTime());
    }

    void unregister(final MqttConnectionHandler connection)
    {
        connections.remove(connection.connectionId());
        deadlines.disarm(connection);
    }

    /**
     * A registered connection's next timeout deadline may have moved earlier (its CONNECT went to the Router, its
     * CONNACK set a keep-alive, a credential with an expiry was accepted); a connection that left the loop is ignored.
     *
     * @param connection the connection.
     */
    void deadlineMoved(final MqttConnectionHandler connection)
    {
        if (connections.get(connection.connectionId()) == connection)
        {
            deadlines.advance(connection, System.nanoTime());
        }
    }

    /** @return connection timeout timers armed on this loop (tests). */
    long deadlinesArmed()
    {
        return deadlines.armed();
    }

    void onFrameBytes(final int length)
    {
        bytesReceived = bytesReceived + length;
    }

    long bytesSent()
    {
        return bytesSent;
    }

    long bytesReceived()
    {
        return bytesReceived;
    }

    long droppedNotWritable()
    {
        return droppedNotWritable;
    }

    /** Router thread: schedule a drain. */
    private void wakeup()
    {
        eventLoop.execute(drainTask);
    }

    private void drain()
    {
        final int read = outbound.drain(this, DRAIN_LIMIT);
        long written = 0;
        for (int i = 0, size = touched.size(); i < size; i++)
        {
            written += touched.get(i).flushPending();
        }
        touched.clear();
        bytesSent = bytesSent + written;
        if (read > 0)
        {
            // Records left (limit reached, or committed while this drain ran) get a drain of their own.
            outbound.rescheduleIfPending();
        }
    }

    @Override
    public void onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
        final int length)
    {
        final long connectionId = buffer.getLong(index);
        final MqttConnectionHandler connection = connections.get(connectionId);
        if (null == connection)
        {
            return;
        }
        final int bodyIndex = index + OutboundQueue.HEADER_LENGTH;
        final int bodyLength = length - OutboundQueue.HEADER_LENGTH;
        switch (msgTypeId)
        {
            case OutboundQueue.DROPPABLE_PACKET ->
            {
                if (!connection.isWritable())
                {
                    droppedNotWritable = droppedNotWritable + 1;
                    return;
                }
                append(connection, buffer, bodyIndex, bodyLength);
            }
            case OutboundQueue.PACKET -> append(connection, buffer, bodyIndex, bodyLength);
            case OutboundQueue.CONNECTED ->
                connection.onConnected(buffer.getInt(bodyIndex), buffer.getInt(bodyIndex + 4));
            case OutboundQueue.WRITABLE_REQUEST -> connection.requestWritable();
            case OutboundQueue.CLOSE ->
            {
                bytesSent = bytesSent + connection.flushPending();
                connection.closeByBroker(CloseReason.CLOSED_BY_BROKER);
            }
            case OutboundQueue.CLOSE_NOW ->
            {
                bytesSent = bytesSent + connection.flushPending();
                connection.closeAfterClientDisconnect();
            }
            default -> throw new IllegalStateException("unknown outbound record type " + msgTypeId);
        }
    }

    private void append(final MqttConnectionHandler connection, final DirectBuffer buffer, final int index,
        final int length)
    {
        final ByteBuf pending = connection.pendingBuffer(Math.max(length, MIN_WRITE_BUFFER));
        if (!connection.touched())
        {
            connection.touched(true);
            touched.add(connection);
        }
        final int writerIndex = pending.writerIndex();
        pending.ensureWritable(length);
        if (pending.hasMemoryAddress())
        {
            writeView.wrap(pending.memoryAddress(), pending.capacity());
            writeView.putBytes(writerIndex, buffer, index, length);
        }
        else
        {
            buffer.getBytes(index, pending.internalNioBuffer(writerIndex, length), length);
        }
        pending.writerIndex(writerIndex + length);
    }

    /**
     * A connection stopped reading for lack of room (ring or large-frame pool): retry it with the others.
     *
     * @param connection the paused connection, not already waiting.
     */
    void waitForRoom(final MqttConnectionHandler connection)
    {
        waiters.addLast(connection);
        if (!resumeScheduled)
        {
            resumeScheduled = true;
            eventLoop.schedule(resumeWaitersTask, RESUME_DELAY_US, TimeUnit.MICROSECONDS);
        }
    }

    /** @return connections waiting for room now (tests). */
    int waiting()
    {
        return waiters.size();
    }

    /** Give every waiting connection one try, in order; one paused again waits for the next round. */
    private void resumeWaiters()
    {
        resumeScheduled = false;
        for (int i = waiters.size(); i > 0; i--)
        {
            waiters.pollFirst().resume();
        }
    }

    /**
     * Publish a control event (connection closed, violation). Control events are never lost: when the ring is
     * full they wait here, in order, and are retried shortly.
     */
    void publishControl(final int type, final long connectionId, final int reason)
    {
        if (!pendingControl.isEmpty() || !tryPublishControl(type, connectionId, reason))
        {
            pendingControl.addLast(new long[] {type, connectionId, reason});
            scheduleRetry();
        }
    }

    private boolean tryPublishControl(final int type, final long connectionId, final int reason)
    {
        try
        {
            final long sequence = ring.tryNext();
            ring.get(sequence).control(type, connectionId, loopIndex, reason, System.nanoTime());
            ring.publish(sequence);
            return true;
        }
        catch (final InsufficientCapacityException ex)
        {
            return false;
        }
    }

    private void scheduleRetry()
    {
        if (!retryScheduled)
        {
            retryScheduled = true;
            eventLoop.schedule(retryControlTask, 1, TimeUnit.MILLISECONDS);
        }
    }

    private void retryControl()
    {
        retryScheduled = false;
        long[] control;
        while (null != (control = pendingControl.peekFirst()))
        {
            if (!tryPublishControl((int)control[0], control[1], (int)control[2]))
            {
                scheduleRetry();
                return;
            }
            pendingControl.pollFirst();
        }
    }
}
