package io.ringmq.transport.netty;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.codec.ConnectEncoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.ring.FrameBufferPool;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.PolledRouter;
import io.ringmq.core.routing.Router;
import io.ringmq.core.session.ConnectionDirectory;
import io.ringmq.core.status.TransportStats;
import io.ringmq.transport.config.ListenerConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class MqttConnectionHandlerTest
{
    /** A plain listener, as a bare broker has. */
    private static final Listener LISTENER = plainListener();

    private static final byte[] PINGREQ = {(byte)0xC0, 0x00};
    private static final byte[] PUBLISH = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'};
    private static final byte[] PROTOCOL_ERROR_DISCONNECT = {(byte)0xE0, 0x01, (byte)ReasonCode.PROTOCOL_ERROR};

    /** Largest frame a test ring slot takes: a longer one, framed under a larger maximum packet size, fails. */
    private static final int MAX_SLOT_FRAME = 64;

    private final RingBuffer<RingEvent> ring =
        RingBuffer.createMultiProducer(() -> new RingEvent(MAX_SLOT_FRAME), 8);
    private final Sequence consumed = new Sequence();
    private final List<ByteBuf> inputs = new ArrayList<>();
    private EmbeddedChannel channel;
    private EventLoopContext loop;
    private FrameBufferPool largeFrames;
    private final AtomicInteger connections = new AtomicInteger(1);

    private EmbeddedChannel channel(final int maxPacketSize)
    {
        return channel(maxPacketSize, new EmbeddedChannel());
    }

    private HalfClosableEmbeddedChannel halfClosableChannel()
    {
        final HalfClosableEmbeddedChannel halfClosable = new HalfClosableEmbeddedChannel();
        channel(1024, halfClosable);
        return halfClosable;
    }

    /**
     * The loop copies every frame into the slots' own buffers (as if misconfigured), so a frame longer than
     * {@link #MAX_SLOT_FRAME} fails its copy: the failure injected by the no-op tests.
     */
    private EmbeddedChannel channel(final int maxPacketSize, final EmbeddedChannel embedded)
    {
        return channel(maxPacketSize, embedded, maxPacketSize, 2);
    }

    /** Frames longer than {@link #MAX_SLOT_FRAME} go in a pool of {@code buffers} buffers, as in the broker. */
    private EmbeddedChannel pooledChannel(final int maxPacketSize, final int buffers)
    {
        return channel(maxPacketSize, new EmbeddedChannel(), MAX_SLOT_FRAME, buffers);
    }

    private EmbeddedChannel channel(final int maxPacketSize, final EmbeddedChannel embedded,
        final int maxInlineLength, final int buffers)
    {
        ring.addGatingSequences(consumed);
        channel = embedded;
        largeFrames = new FrameBufferPool(maxPacketSize, buffers);
        loop = new EventLoopContext(0, channel.eventLoop(), ring, 1 << 16, maxPacketSize, connections, largeFrames,
            maxInlineLength);
        channel.pipeline().addLast(new MqttConnectionHandler(loop, LISTENER));
        return channel;
    }

    @AfterEach
    void tearDown()
    {
        if (null != channel)
        {
            channel.finishAndReleaseAll();
        }
        for (final ByteBuf input : inputs)
        {
            assertEquals(0, input.refCnt(), "every inbound buffer released");
        }
    }

    private void write(final byte[] bytes)
    {
        final ByteBuf buf = channel.alloc().directBuffer(bytes.length).writeBytes(bytes);
        inputs.add(buf);
        channel.writeInbound(buf);
    }

    private List<byte[]> takeFrames()
    {
        final List<byte[]> frames = new ArrayList<>();
        final long published = ring.getCursor();
        for (long sequence = consumed.get() + 1; sequence <= published; sequence++)
        {
            final RingEvent event = ring.get(sequence);
            final byte[] frame = new byte[event.frameLength()];
            if (event.type() == RingEvent.FRAME)
            {
                event.frame().getBytes(0, frame);
                event.releaseFrame();   // as the Router does once the event is handled
            }
            else
            {
                frames.add(new byte[] {(byte)-event.type(), (byte)event.reason()});
                continue;
            }
            frames.add(frame);
        }
        consumed.set(published);
        return frames;
    }

    @Test
    void shouldHandTheRouterPolledFromItsLoopTheFramesInPlaceAndLargeOnesThroughTheRing()
    {
        pooledChannel(4096, 2);
        final Router router = new Router(new BrokerConfig(), new OutboundQueue[] {loop.outbound()},
            TopicPermissions.ALLOW_ALL, TransportStats.NONE);
        final PolledRouter polled = new PolledRouter(router, ring, channel.eventLoop(), (stage, cause) ->
        {
            throw new AssertionError(stage, cause);
        });
        loop.directRouter(polled);
        final ConnectPacket connect = new ConnectPacket().protocolName("MQTT").protocolVersion(4).clientId("direct")
            .cleanStart(true).keepAliveSeconds(60);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[ConnectEncoder.encodedLength(connect)]);
        ConnectEncoder.encode(connect, frame, 0);

        write(frame.byteArray());
        channel.runPendingTasks();

        assertEquals(1, polled.routedDirectly(), "the CONNECT went to the Router in place");
        assertTrue(takeFrames().isEmpty(), "and not into the ring");
        final ByteBuf connack = channel.readOutbound();
        assertEquals(0x20, connack.getByte(0) & 0xFF, "the Router answered it");
        connack.release();

        final byte[] large = publishOfLength(1000);    // over the slots' 64 bytes: a pool buffer, so the ring
        write(large);
        assertEquals(1, polled.routedDirectly());
        final List<byte[]> frames = takeFrames();
        assertEquals(1, frames.size());
        assertArrayEquals(large, frames.get(0));
    }

    @Test
    void shouldPublishEachCompleteFrameOnceAcrossSplitReads()
    {
        channel(1024);
        final byte[] both = new byte[PINGREQ.length + PUBLISH.length];
        System.arraycopy(PINGREQ, 0, both, 0, PINGREQ.length);
        System.arraycopy(PUBLISH, 0, both, PINGREQ.length, PUBLISH.length);
        for (final byte b : both)
        {
            write(new byte[] {b});
        }
        final List<byte[]> frames = takeFrames();
        assertEquals(2, frames.size());
        assertArrayEquals(PINGREQ, frames.get(0));
        assertArrayEquals(PUBLISH, frames.get(1));
    }

    @Test
    void shouldFrameAStreamWhoseReadsEndAnywhereInAFrame()
    {
        pooledChannel(4096, 8);
        // Fewer frames than the test ring has slots; the large ones go in pool buffers, as in the broker.
        final byte[][] frames = {PUBLISH, publishOfLength(2900), PINGREQ, publishOfLength(140), publishOfLength(1500),
            PUBLISH};
        final byte[] stream = concat(frames);
        // Reads of 997 bytes keep a partial frame that often fits by moving it to the front; reads of 97 bytes build
        // frames of up to 3 KB over many reads, in new buffers that grow with the kept part.
        for (final int readLength : new int[] {997, 97})
        {
            for (int offset = 0; offset < stream.length; offset += readLength)
            {
                write(Arrays.copyOfRange(stream, offset, Math.min(stream.length, offset + readLength)));
            }
            final List<byte[]> taken = takeFrames();
            assertEquals(frames.length, taken.size(), "reads of " + readLength);
            for (int i = 0; i < frames.length; i++)
            {
                assertArrayEquals(frames[i], taken.get(i), "frame " + i + " with reads of " + readLength);
            }
        }
    }

    @Test
    void shouldReportFiveByteRemainingLengthAsMalformedPerMqtt_1_5_5_1()
    {
        channel(1 << 20);
        write(new byte[] {0x30, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, 0x01});
        write(PINGREQ);
        final List<byte[]> events = takeFrames();
        assertEquals(1, events.size(), "violation reported, later input discarded");
        assertArrayEquals(new byte[] {(byte)-RingEvent.PROTOCOL_VIOLATION, (byte)ReasonCode.MALFORMED_PACKET},
            events.get(0));
    }

    @Test
    void shouldRejectOversizePacketRightAfterFixedHeader()
    {
        channel(100);
        write(new byte[] {0x30, (byte)0x80, 0x01});
        final List<byte[]> events = takeFrames();
        assertEquals(1, events.size(), "rejected before any of the 128-byte body arrived");
        assertArrayEquals(new byte[] {(byte)-RingEvent.PROTOCOL_VIOLATION, (byte)ReasonCode.PACKET_TOO_LARGE},
            events.get(0));
    }

    @Test
    void shouldStopReadingWhenRingIsFullAndResumeWithoutLoss()
    {
        channel(1024);
        final byte[] many = new byte[PINGREQ.length * 12];
        for (int i = 0; i < 12; i++)
        {
            System.arraycopy(PINGREQ, 0, many, i * 2, 2);
        }
        write(many);
        assertFalse(channel.config().isAutoRead(), "back-pressure: reading paused");
        assertEquals(8, takeFrames().size());

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertTrue(channel.config().isAutoRead());
        assertEquals(4, takeFrames().size(), "the rest framed after resuming");
    }

    @Test
    void shouldResumeEveryConnectionPausedOnAFullRingFromOneWaiterList()
    {
        channel(1024);
        final EmbeddedChannel other = new EmbeddedChannel(new MqttConnectionHandler(loop, LISTENER));
        try
        {
            final byte[] six = new byte[PINGREQ.length * 6];
            for (int i = 0; i < 6; i++)
            {
                System.arraycopy(PINGREQ, 0, six, i * 2, 2);
            }
            write(six);
            write(six);     // two of these fit: this connection waits with four frames held back
            final ByteBuf in = other.alloc().directBuffer().writeBytes(six);
            inputs.add(in);
            other.writeInbound(in);     // the ring is full: this one waits with all six
            assertFalse(channel.config().isAutoRead());
            assertFalse(other.config().isAutoRead());
            assertEquals(2, loop.waiting(), "both in the loop's list, each once");

            assertEquals(8, takeFrames().size());
            channel.advanceTimeBy(EventLoopContext.RESUME_DELAY_US, TimeUnit.MICROSECONDS);
            channel.runScheduledPendingTasks();     // the one retry task of the loop
            assertTrue(channel.config().isAutoRead(), "the first paused resumed first");
            assertFalse(other.config().isAutoRead(), "the other took the rest of the room and waits again");
            assertEquals(1, loop.waiting());

            assertEquals(8, takeFrames().size());
            channel.advanceTimeBy(EventLoopContext.RESUME_DELAY_US, TimeUnit.MICROSECONDS);
            channel.runScheduledPendingTasks();
            assertTrue(other.config().isAutoRead());
            assertEquals(0, loop.waiting());
            assertEquals(2, takeFrames().size(), "18 frames in all, none lost");
        }
        finally
        {
            other.finishAndReleaseAll();
        }
    }

    @Test
    void shouldWriteQueuedPacketsOnceAndReleaseThem()
    {
        channel(1024);
        final OutboundQueue queue = loop.outbound();
        final long id = connectionIdOf();
        int offset = queue.claim(OutboundQueue.PACKET, id, PUBLISH.length);
        queue.buffer().putBytes(offset, PUBLISH);
        queue.commit();
        offset = queue.claim(OutboundQueue.PACKET, id, PINGREQ.length);
        queue.buffer().putBytes(offset, PINGREQ);
        queue.commit();
        queue.signal();
        channel.runPendingTasks();

        final ByteBuf written = channel.readOutbound();
        try
        {
            final byte[] bytes = new byte[written.readableBytes()];
            written.readBytes(bytes);
            final byte[] expected = new byte[PUBLISH.length + PINGREQ.length];
            System.arraycopy(PUBLISH, 0, expected, 0, PUBLISH.length);
            System.arraycopy(PINGREQ, 0, expected, PUBLISH.length, PINGREQ.length);
            assertArrayEquals(expected, bytes, "both packets in one write");
        }
        finally
        {
            written.release();
        }
        assertEquals(0, written.refCnt());
        assertNull(channel.readOutbound());
    }

    @Test
    void shouldLeaveAConnectTheRouterHasToTheRouterPastTheHandshakeTimeout()
    {
        channel(1024);
        final MqttConnectionHandler handler = channel.pipeline().get(MqttConnectionHandler.class);
        final long handshakeNs = LISTENER.handshakeTimeoutNs();
        final long beforeNs = System.nanoTime();
        assertEquals(CloseReason.CONNECT_TIMEOUT, handler.checkTimeouts(beforeNs + handshakeNs + 1),
            "nothing sent: the handshake timeout applies");

        write(new byte[] {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'x'});
        final long handedNs = System.nanoTime();
        assertEquals(1, takeFrames().size(), "the CONNECT went to the ring");
        // The Router may hold it on purpose (a cluster resume) longer than the handshake timeout, and answers it.
        assertEquals(-1, handler.checkTimeouts(handedNs + handshakeNs + 1));
        assertEquals(-1, handler.checkTimeouts(beforeNs + Router.LONGEST_CONNACK_WAIT_NS));
        assertEquals(CloseReason.CONNECT_TIMEOUT,
            handler.checkTimeouts(handedNs + Router.LONGEST_CONNACK_WAIT_NS + TimeUnit.SECONDS.toNanos(6)),
            "a backstop remains if the Router never answers");
    }

    @Test
    void shouldArmItsTimeoutCheckAtTheDeadlineItsCheckUses()
    {
        channel(1024);
        final MqttConnectionHandler handler = channel.pipeline().get(MqttConnectionHandler.class);
        assertEquals(1, loop.deadlinesArmed(), "armed from the start: the handshake timeout");
        long nextNs = handler.nextCheckNs(System.nanoTime());
        assertEquals(-1, handler.checkTimeouts(nextNs - 1));
        assertEquals(CloseReason.CONNECT_TIMEOUT, handler.checkTimeouts(nextNs));

        write(new byte[] {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'x'});
        assertEquals(1, takeFrames().size());
        nextNs = handler.nextCheckNs(System.nanoTime());
        assertEquals(-1, handler.checkTimeouts(nextNs - 1), "the Router has the CONNECT: its backstop");
        assertEquals(CloseReason.CONNECT_TIMEOUT, handler.checkTimeouts(nextNs));

        handler.onConnected(4, 60_000);
        nextNs = handler.nextCheckNs(System.nanoTime());
        assertEquals(-1, handler.checkTimeouts(nextNs - 1));
        assertEquals(CloseReason.KEEP_ALIVE_TIMEOUT, handler.checkTimeouts(nextNs), "1.5 times the keep-alive");
        assertEquals(1, loop.deadlinesArmed());

        channel.close();
        assertEquals(0, loop.deadlinesArmed(), "a closed connection leaves no timer");
        assertEquals(Long.MAX_VALUE, handler.nextCheckNs(System.nanoTime()));
        assertFalse(handler.check(nextNs), "no further checks: nothing arms it again");
    }

    @Test
    void shouldReportConnectionClosedOnceWhenChannelCloses()
    {
        channel(1024);
        channel.close();
        final List<byte[]> events = takeFrames();
        assertEquals(1, events.size());
        assertEquals(-RingEvent.CONNECTION_CLOSED, (int)events.get(0)[0]);
        assertEquals(0, connections.get());
    }

    @Test
    void shouldFlushReasonThenHalfCloseAndDiscardInputWhenBrokerCloses()
    {
        final HalfClosableEmbeddedChannel channel = halfClosableChannel();
        final long id = connectionIdOf();
        write(new byte[] {PUBLISH[0], PUBLISH[1], PUBLISH[2]}); // a partial frame waits in the cumulation
        queue(OutboundQueue.PACKET, id, PROTOCOL_ERROR_DISCONNECT);
        queue(OutboundQueue.CLOSE, id, new byte[0]);
        drain();

        assertEquals(channel.outboundMessages().size(), channel.writtenBeforeOutputShutdown(),
            "output shut down after every write: the FIN follows the reason");
        assertArrayEquals(PROTOCOL_ERROR_DISCONNECT, takeOutbound(), "the reason was flushed");
        assertTrue(channel.isOutputShutdown());
        assertTrue(channel.isOpen(), "open until the peer closes or the linger ends");
        assertTrue(channel.config().isAutoRead(), "reading on, to see the peer's FIN");
        assertCloseEvents(CloseReason.CLOSED_BY_BROKER, takeFrames());
        assertEquals(1, connections.get(), "the socket still counts until it is closed");

        for (int i = 0; i < 100; i++)
        {
            write(PUBLISH);
            write(PINGREQ);
            assertEquals(0, inputs.get(inputs.size() - 1).refCnt(), "discarded input released at once");
        }
        assertEquals(0, takeFrames().size(), "nothing framed or published after the close started");

        queue(OutboundQueue.PACKET, id, PINGREQ);
        queue(OutboundQueue.CLOSE, id, new byte[0]);
        drain();
        assertEquals(0, takeOutbound().length, "the connection takes no records once closing");

        channel.advanceTimeBy(MqttConnectionHandler.CLOSE_LINGER_MS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen(), "closed when the linger ended");
        assertEquals(0, takeFrames().size(), "the close was reported once, when it started");
        assertEquals(0, connections.get());
    }

    @Test
    void shouldFlushThenCloseAtOnceWithoutHalfClosingAfterTheClientsDisconnect()
    {
        final HalfClosableEmbeddedChannel channel = halfClosableChannel();
        final long id = connectionIdOf();
        queue(OutboundQueue.PACKET, id, PINGREQ);   // something written before the close goes out first
        queue(OutboundQueue.CLOSE_NOW, id, new byte[0]);
        drain();

        assertArrayEquals(PINGREQ, takeOutbound(), "what was written before was flushed");
        assertFalse(channel.isOutputShutdown(), "no half-close: the client sends nothing more");
        assertFalse(channel.isOpen(), "closed at once, no linger");
        assertCloseEvents(CloseReason.CLOSED_BY_BROKER, takeFrames());
        assertEquals(0, connections.get());

        queue(OutboundQueue.CLOSE_NOW, id, new byte[0]);
        queue(OutboundQueue.CLOSE, id, new byte[0]);
        drain();
        assertEquals(0, takeFrames().size(), "the close was reported once");
    }

    @Test
    void shouldCloseWithoutLingeringWhenPeerClosesFirst()
    {
        final HalfClosableEmbeddedChannel channel = halfClosableChannel();
        final long id = connectionIdOf();
        queue(OutboundQueue.CLOSE, id, new byte[0]);
        drain();
        assertTrue(channel.isOutputShutdown());
        assertCloseEvents(CloseReason.CLOSED_BY_BROKER, takeFrames());

        channel.close(); // what Netty does when the peer's FIN arrives (ALLOW_HALF_CLOSURE off)
        assertEquals(0, takeFrames().size(), "the close was reported once");
        assertEquals(0, connections.get());
        assertEquals(-1, channel.runScheduledPendingTasks(), "linger timer cancelled");
    }

    @Test
    void shouldCloseAtOnceWhenChannelCannotHalfClose()
    {
        channel(1024);
        final long id = connectionIdOf();
        queue(OutboundQueue.PACKET, id, PROTOCOL_ERROR_DISCONNECT);
        queue(OutboundQueue.CLOSE, id, new byte[0]);
        drain();
        assertArrayEquals(PROTOCOL_ERROR_DISCONNECT, takeOutbound());
        assertFalse(channel.isOpen());
        assertCloseEvents(CloseReason.CLOSED_BY_BROKER, takeFrames());
        assertEquals(0, connections.get());
    }

    @Test
    void shouldPublishFailedCopyAndRestOfClaimAsNoopsNeverAsStaleFrames() throws Exception
    {
        channel(1024);
        final byte[] eight = new byte[PUBLISH.length * 8];
        for (int i = 0; i < 8; i++)
        {
            System.arraycopy(PUBLISH, 0, eight, i * PUBLISH.length, PUBLISH.length);
        }
        write(eight);
        assertEquals(8, takeFrames().size(), "every slot of the ring now holds a frame of this connection");

        final EmbeddedChannel other = new EmbeddedChannel(new MqttConnectionHandler(loop, LISTENER));
        try
        {
            final ByteBuf in = other.alloc().directBuffer().writeBytes(PUBLISH).writeBytes(tooLargeForSlot())
                .writeBytes(PINGREQ);
            inputs.add(in);
            other.writeInbound(in);

            final long cursor = ring.getCursor();
            assertEquals(cursor, highestPublished(consumed.get() + 1),
                "every claimed sequence published");
            final RingEvent first = ring.get(8);
            assertEquals(RingEvent.FRAME, first.type());
            assertEquals(PUBLISH.length, first.frameLength(), "the frame before the failure went through");
            final long otherId = first.connectionId();
            assertEquals(RingEvent.NOOP, ring.get(9).type(), "the slot whose copy failed");
            assertEquals(RingEvent.NOOP, ring.get(10).type(), "the rest of the claim, not a stale frame");
            assertFalse(other.isOpen(), "the failure closed the connection");
            assertEquals(11, cursor, "then its close, and nothing else");
            assertEquals(RingEvent.CONNECTION_CLOSED, ring.get(11).type());
            assertEquals(otherId, ring.get(11).connectionId());
            consumed.set(cursor);
        }
        finally
        {
            other.finishAndReleaseAll();
        }
    }

    @Test
    void shouldPublishEveryClaimedSlotWhenCopyFailsOneByOneOnANearlyFullRing() throws Exception
    {
        channel(1024);
        final byte[] six = new byte[PINGREQ.length * 6];
        for (int i = 0; i < 6; i++)
        {
            System.arraycopy(PINGREQ, 0, six, i * 2, 2);
        }
        write(six);  // not consumed: two free slots are left, less than the three frames below

        final EmbeddedChannel other = new EmbeddedChannel(new MqttConnectionHandler(loop, LISTENER));
        try
        {
            final ByteBuf in = other.alloc().directBuffer().writeBytes(PUBLISH).writeBytes(tooLargeForSlot())
                .writeBytes(PINGREQ);
            inputs.add(in);
            other.writeInbound(in);

            final long cursor = ring.getCursor();
            assertEquals(7, cursor, "two slots claimed one by one");
            assertEquals(cursor, highestPublished(0), "both published: the ring goes on");
            assertEquals(RingEvent.FRAME, ring.get(6).type());
            assertEquals(PUBLISH.length, ring.get(6).frameLength());
            assertEquals(RingEvent.NOOP, ring.get(7).type(), "the slot whose copy failed");
            assertFalse(other.isOpen(), "the failure closed the connection");
        }
        finally
        {
            other.finishAndReleaseAll();
        }
    }

    /** @return the sequence up to which, from {@code from} on, every sequence is published, as a consumer sees it. */
    private long highestPublished(final long from) throws Exception
    {
        final EventPoller<RingEvent> poller = ring.newPoller();
        poller.getSequence().set(from - 1);
        final long[] last = {from - 1};
        poller.poll((event, sequence, endOfBatch) ->
        {
            last[0] = sequence;
            return true;
        });
        return last[0];
    }

    @Test
    void shouldPutFramesLargerThanASlotInPoolBuffersAndPauseReadingWhenNoneIsFree()
    {
        pooledChannel(1024, 2);
        final byte[] large = publishOfLength(200);
        write(concat(large, large, large, PINGREQ));
        assertFalse(channel.config().isAutoRead(), "no buffer for the third large frame: reading paused");
        assertEquals(2, largeFrames.allocated());
        assertEquals(0, largeFrames.available(), "both in the ring");

        List<byte[]> frames = takeFrames();
        assertEquals(2, frames.size());
        assertArrayEquals(large, frames.get(0));
        assertArrayEquals(large, frames.get(1));
        assertEquals(2, largeFrames.available(), "given back by the consumer");

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.config().isAutoRead());
        frames = takeFrames();
        assertEquals(2, frames.size(), "the rest framed once a buffer came back");
        assertArrayEquals(large, frames.get(0));
        assertArrayEquals(PINGREQ, frames.get(1));

        final byte[] largest = publishOfLength(1024);
        for (int i = 0; i < 100; i++)
        {
            write(concat(largest, PUBLISH, large));
            frames = takeFrames();
            assertEquals(3, frames.size());
            assertArrayEquals(largest, frames.get(0));
            assertArrayEquals(PUBLISH, frames.get(1));
            assertArrayEquals(large, frames.get(2));
        }
        assertEquals(2, largeFrames.allocated(), "buffers reused, never more than the pool");
        assertEquals(2, largeFrames.available());
        for (int i = 0; i < ring.getBufferSize(); i++)
        {
            assertTrue(ring.get(i).slotCapacity() <= MAX_SLOT_FRAME, "slot " + i + " kept no large frame");
        }
    }

    @Test
    void shouldGiveBackPoolBuffersOfFramesTheFullRingDidNotTake()
    {
        pooledChannel(1024, 2);
        final byte[] seven = new byte[PINGREQ.length * 7];
        for (int i = 0; i < 7; i++)
        {
            System.arraycopy(PINGREQ, 0, seven, i * 2, 2);
        }
        write(seven);
        final byte[] large = publishOfLength(300);
        write(concat(large, large));
        assertFalse(channel.config().isAutoRead(), "ring full: reading paused");
        assertEquals(1, largeFrames.available(), "the frame that found no slot gave its buffer back");

        List<byte[]> frames = takeFrames();
        assertEquals(8, frames.size());
        assertArrayEquals(large, frames.get(7));
        assertEquals(2, largeFrames.available());

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        frames = takeFrames();
        assertEquals(1, frames.size());
        assertArrayEquals(large, frames.get(0));
        assertEquals(2, largeFrames.available());
        assertEquals(2, largeFrames.allocated());
    }

    /** A PUBLISH to "a/b" of exactly {@code length} bytes (Remaining Length in two bytes). */
    private static byte[] publishOfLength(final int length)
    {
        final byte[] frame = new byte[length];
        final int remaining = length - 3;
        frame[0] = 0x30;
        frame[1] = (byte)(0x80 | (remaining & 0x7F));
        frame[2] = (byte)(remaining >> 7);
        frame[4] = 3;
        frame[5] = 'a';
        frame[6] = '/';
        frame[7] = 'b';
        for (int i = 8; i < length; i++)
        {
            frame[i] = (byte)i;
        }
        return frame;
    }

    private static byte[] concat(final byte[]... parts)
    {
        int length = 0;
        for (final byte[] part : parts)
        {
            length += part.length;
        }
        final byte[] all = new byte[length];
        int offset = 0;
        for (final byte[] part : parts)
        {
            System.arraycopy(part, 0, all, offset, part.length);
            offset += part.length;
        }
        return all;
    }

    /** A well-formed PUBLISH within the maximum packet size, but longer than a test ring slot takes. */
    private static byte[] tooLargeForSlot()
    {
        final byte[] frame = new byte[MAX_SLOT_FRAME + 6];
        frame[0] = 0x30;
        frame[1] = (byte)(frame.length - 2);
        frame[3] = 3;
        frame[4] = 'a';
        frame[5] = '/';
        frame[6] = 'b';
        return frame;
    }

    private static void assertCloseEvents(final int reason, final List<byte[]> events)
    {
        assertEquals(1, events.size(), "one close event");
        assertArrayEquals(new byte[] {(byte)-RingEvent.CONNECTION_CLOSED, (byte)reason}, events.get(0));
    }

    private void queue(final int type, final long id, final byte[] body)
    {
        final OutboundQueue queue = loop.outbound();
        final int offset = queue.claim(type, id, body.length);
        queue.buffer().putBytes(offset, body);
        queue.commit();
    }

    private void drain()
    {
        loop.outbound().signal();
        channel.runPendingTasks();
    }

    /** @return the bytes of every outbound message, concatenated; each message is released. */
    private byte[] takeOutbound()
    {
        final ByteBuf all = channel.alloc().heapBuffer();
        try
        {
            ByteBuf written;
            while (null != (written = channel.readOutbound()))
            {
                all.writeBytes(written);
                written.release();
                if (written.capacity() > 0) // the shared empty buffer is not reference counted
                {
                    assertEquals(0, written.refCnt());
                }
            }
            final byte[] bytes = new byte[all.readableBytes()];
            all.readBytes(bytes);
            return bytes;
        }
        finally
        {
            all.release();
        }
    }

    private long connectionIdOf()
    {
        write(PINGREQ);
        final long sequence = ring.getCursor();
        final long id = ring.get(sequence).connectionId();
        takeFrames();
        return id;
    }

    private static Listener plainListener()
    {
        final Listener listener = new Listener(new ListenerConfig().name("test").conclude("127.0.0.1"), null);
        listener.directory(new ConnectionDirectory());
        return listener;
    }
}
