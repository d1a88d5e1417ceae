package io.ringmq.loadtest;

import io.ringmq.core.codec.AckEncoder;
import io.ringmq.core.codec.PingEncoder;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class FrameReaderTest
{
    private static final int VERSION = 5;

    private final List<int[]> frames = new ArrayList<>();
    private final List<Long> sequences = new ArrayList<>();
    private final PublishDecoder decoder = new PublishDecoder().fromServer(true);
    private final FrameReader.FrameHandler handler = (connection, buffer, offset, length) ->
    {
        final int type = (buffer.getByte(offset) & 0xFF) >>> 4;
        frames.add(new int[]{ type, length });
        if (type == PacketType.PUBLISH)
        {
            decoder.wrap(buffer, offset, length, VERSION);
            sequences.add(buffer.getLong(decoder.payloadOffset() + 8));
        }
    };

    @Test
    void shouldDeliverSeveralPacketsFromOneRead()
    {
        final Stream stream = stream(20);
        final Connection c = connection();
        final FrameReader reader = new FrameReader(64 * 1024);
        feed(reader, c, stream.bytes, 0, stream.bytes.length);
        assertEquals(stream.types, types());
        assertEquals(stream.lengths, lengths());
        assertEquals(0, c.carryLength());
    }

    @Test
    void shouldReassemblePacketsSplitAcrossReadsAtEveryByte()
    {
        final Stream stream = stream(12);
        final Connection c = connection();
        final FrameReader reader = new FrameReader(4096);
        for (int i = 0; i < stream.bytes.length; i++)
        {
            feed(reader, c, stream.bytes, i, 1);
        }
        assertEquals(stream.types, types());
        assertEquals(stream.lengths, lengths());
        assertEquals(stream.sequences, sequences);
        assertEquals(0, c.carryLength());
    }

    @Test
    void shouldReassembleRandomChunks()
    {
        final Random random = new Random(42);
        for (int round = 0; round < 50; round++)
        {
            frames.clear();
            sequences.clear();
            final Stream stream = stream(40);
            final Connection c = connection();
            final FrameReader reader = new FrameReader(1024);
            int offset = 0;
            while (offset < stream.bytes.length)
            {
                final int chunk = Math.min(stream.bytes.length - offset, 1 + random.nextInt(700));
                feed(reader, c, stream.bytes, offset, chunk);
                offset += chunk;
            }
            assertEquals(stream.types, types());
            assertEquals(stream.sequences, sequences);
        }
    }

    @Test
    void shouldRejectARemainingLengthLongerThanFourBytes()
    {
        final Connection c = connection();
        final FrameReader reader = new FrameReader(1024);
        final byte[] bad = { 0x30, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, 0x01 };
        final ByteBuffer buffer = reader.beginRead(c);
        buffer.put(bad);
        assertEquals(FrameReader.MALFORMED, reader.endRead(c, handler));
    }

    @Test
    void shouldRejectAFrameLargerThanTheReadBuffer()
    {
        final Connection c = connection();
        final FrameReader reader = new FrameReader(1024);
        final ByteBuffer buffer = reader.beginRead(c);
        buffer.put(new byte[]{ 0x30, (byte)0x80, 0x10 });
        assertEquals(FrameReader.MALFORMED, reader.endRead(c, handler));
    }

    @Test
    void shouldComputeFrameLengthsFromTheFixedHeader()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[]{ 0x30, (byte)0xC8, 0x01 });
        assertEquals(FrameReader.INCOMPLETE, FrameReader.frameLength(buffer, 0, 3));
        assertEquals(3 + 200, FrameReader.declaredLength(buffer, 0, 3));
        assertEquals(FrameReader.INCOMPLETE, FrameReader.declaredLength(buffer, 0, 2));
    }

    private void feed(final FrameReader reader, final Connection c, final byte[] bytes, final int offset,
        final int length)
    {
        final ByteBuffer buffer = reader.beginRead(c);
        buffer.put(bytes, offset, length);
        assertTrue(reader.endRead(c, handler) >= 0);
    }

    private List<Integer> types()
    {
        final List<Integer> types = new ArrayList<>();
        frames.forEach(f -> types.add(f[0]));
        return types;
    }

    private List<Integer> lengths()
    {
        final List<Integer> lengths = new ArrayList<>();
        frames.forEach(f -> lengths.add(f[1]));
        return lengths;
    }

    private static Connection connection()
    {
        return new Connection(Connection.ROLE_SUBSCRIBER, 0, "c", null, null);
    }

    private static final class Stream
    {
        byte[] bytes;
        final List<Integer> types = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();
        final List<Long> sequences = new ArrayList<>();
    }

    /**
     * A mix of PUBLISH (short and with a two-byte Remaining Length), PUBACK and PINGRESP frames.
     */
    private static Stream stream(final int count)
    {
        final Stream stream = new Stream();
        final UnsafeBuffer out = new UnsafeBuffer(new byte[64 * 1024]);
        final PublishEncoder encoder = new PublishEncoder();
        final AckEncoder ack = new AckEncoder();
        final byte[] topic = "lt/x/in/1".getBytes(StandardCharsets.UTF_8);
        int position = 0;
        for (int i = 0; i < count; i++)
        {
            final int length;
            final int type;
            switch (i % 4)
            {
                case 0, 1 ->
                {
                    final byte[] payload = new byte[i % 8 == 0 ? 300 : 16];
                    final UnsafeBuffer p = new UnsafeBuffer(payload);
                    p.putLong(0, System.nanoTime());
                    p.putLong(8, Publisher.packId(3, i));
                    length = encoder.reset().version(VERSION).qos(1).packetId(i + 1)
                        .topic(new UnsafeBuffer(topic), 0, topic.length).payload(p, 0, payload.length)
                        .encode(out, position);
                    type = PacketType.PUBLISH;
                    stream.sequences.add(Publisher.packId(3, i));
                }
                case 2 ->
                {
                    length = ack.encode(out, position, PacketType.PUBACK, i + 1, ReasonCode.SUCCESS, VERSION);
                    type = PacketType.PUBACK;
                }
                default ->
                {
                    length = PingEncoder.encodePingresp(out, position);
                    type = PacketType.PINGRESP;
                }
            }
            stream.types.add(type);
            stream.lengths.add(length);
            position += length;
        }
        stream.bytes = new byte[position];
        out.getBytes(0, stream.bytes);
        assertArrayEquals(stream.bytes, copy(out, position));
        return stream;
    }

    private static byte[] copy(final DirectBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }
}
