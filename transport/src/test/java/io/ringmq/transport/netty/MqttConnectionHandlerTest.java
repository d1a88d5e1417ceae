package io.ringmq.transport.netty;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
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
    private static final byte[] PINGREQ = {(byte)0xC0, 0x00};
    private static final byte[] PUBLISH = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'};

    private final RingBuffer<RingEvent> ring = RingBuffer.createMultiProducer(RingEvent::new, 8);
    private final Sequence consumed = new Sequence();
    private final List<ByteBuf> inputs = new ArrayList<>();
    private EmbeddedChannel channel;
    private EventLoopContext loop;
    private final AtomicInteger connections = new AtomicInteger(1);

    private EmbeddedChannel channel(final int maxPacketSize)
    {
        ring.addGatingSequences(consumed);
        channel = new EmbeddedChannel();
        loop = new EventLoopContext(0, channel.eventLoop(), ring, 1 << 16, maxPacketSize, connections);
        channel.pipeline().addLast(new MqttConnectionHandler(loop));
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
    void shouldReportConnectionClosedOnceWhenChannelCloses()
    {
        channel(1024);
        channel.close();
        final List<byte[]> events = takeFrames();
        assertEquals(1, events.size());
        assertEquals(-RingEvent.CONNECTION_CLOSED, (int)events.get(0)[0]);
        assertEquals(0, connections.get());
    }

    private long connectionIdOf()
    {
        write(PINGREQ);
        final long sequence = ring.getCursor();
        final long id = ring.get(sequence).connectionId();
        takeFrames();
        return id;
    }
}
