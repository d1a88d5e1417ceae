package io.ringmq.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class WebSocketFramingTest
{
    private final Random random = new Random(42);

    @Test
    void shouldEncodeMaskedClientFramesOfEveryLengthForm()
    {
        for (final int length : new int[]{ 0, 1, 5, 125, 126, 1000, 65535, 65536, 70000 })
        {
            final byte[] payload = randomBytes(length);
            final int mask = 0x37FA213D;
            final byte[] frame = new byte[WebSocketFraming.clientHeaderLength(length) + length];
            final int n = WebSocketFraming.encodeClientFrame(
                WebSocketFraming.OPCODE_BINARY, payload, 0, length, mask, frame, 0);
            assertEquals(frame.length, n);
            assertEquals(0x82, frame[0] & 0xFF, "FIN + binary");
            assertTrue((frame[1] & 0x80) != 0, "MASK bit set: mandatory for a client (RFC 6455 5.1)");
            final int lengthCode = frame[1] & 0x7F;
            final int header;
            if (length < 126)
            {
                assertEquals(length, lengthCode);
                header = 2;
            }
            else if (length <= 0xFFFF)
            {
                assertEquals(126, lengthCode);
                assertEquals(length, ((frame[2] & 0xFF) << 8) | (frame[3] & 0xFF));
                header = 4;
            }
            else
            {
                assertEquals(127, lengthCode);
                long value = 0;
                for (int i = 0; i < 8; i++)
                {
                    value = (value << 8) | (frame[2 + i] & 0xFF);
                }
                assertEquals(length, value);
                header = 10;
            }
            final byte[] key = Arrays.copyOfRange(frame, header, header + 4);
            assertArrayEquals(new byte[]{ 0x37, (byte)0xFA, 0x21, 0x3D }, key);
            final byte[] body = Arrays.copyOfRange(frame, header + 4, frame.length);
            for (int i = 0; i < length; i++)
            {
                final int octet = (mask >>> (24 - 8 * (i & 3))) & 0xFF;
                assertEquals(payload[i], (byte)(body[i] ^ octet), "byte " + i + " of " + length);
            }
        }
    }

    @Test
    void shouldUnmaskWhatMaskEncoded()
    {
        final byte[] payload = randomBytes(1031);
        final byte[] copy = payload.clone();
        WebSocketFraming.mask(copy, 0, copy.length, 0xDEADBEEF);
        assertFalse(Arrays.equals(payload, copy));
        WebSocketFraming.mask(copy, 0, copy.length, 0xDEADBEEF);
        assertArrayEquals(payload, copy);
    }

    @Test
    void shouldJoinAFragmentedMessageWithAPingInsideWhateverTheReadBoundaries()
    {
        final byte[] a = randomBytes(300);
        final byte[] b = randomBytes(70_000);
        final byte[] c = randomBytes(3);
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        serverFrame(stream, false, WebSocketFraming.OPCODE_BINARY, a);
        serverFrame(stream, true, WebSocketFraming.OPCODE_PING, new byte[]{ 'h', 'i' });
        serverFrame(stream, false, WebSocketFraming.OPCODE_CONTINUATION, b);
        serverFrame(stream, true, WebSocketFraming.OPCODE_CONTINUATION, c);
        serverFrame(stream, true, WebSocketFraming.OPCODE_BINARY, new byte[0]);
        serverFrame(stream, true, WebSocketFraming.OPCODE_BINARY, a);
        final byte[] wire = stream.toByteArray();
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(a);
        expected.writeBytes(b);
        expected.writeBytes(c);
        expected.writeBytes(a);

        for (final int chunk : new int[]{ 1, 2, 3, 7, 126, 4096, wire.length })
        {
            final WebSocketFraming decoder = new WebSocketFraming();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final byte[] bytes = wire.clone();
            for (int offset = 0; offset < bytes.length; offset += chunk)
            {
                final int length = Math.min(chunk, bytes.length - offset);
                final int n = decoder.decode(bytes, offset, length);
                assertTrue(n >= 0 && n <= length, "chunk " + chunk + ": " + decoder.error());
                out.write(bytes, offset, n);
            }
            assertArrayEquals(expected.toByteArray(), out.toByteArray(), "chunk " + chunk);
            assertTrue(decoder.pingReceived());
            assertArrayEquals(new byte[]{ 'h', 'i' }, Arrays.copyOf(decoder.pongPayload(), decoder.pongLength()));
            assertEquals(-1, decoder.closeCode());
        }
    }

    @Test
    void shouldOweOnePongPerPingWithItsPayload()
    {
        final WebSocketFraming decoder = new WebSocketFraming();
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        serverFrame(stream, true, WebSocketFraming.OPCODE_PING, new byte[0]);
        final byte[] wire = stream.toByteArray();
        assertEquals(0, decoder.decode(wire, 0, wire.length));
        assertTrue(decoder.pingReceived());
        assertEquals(0, decoder.pongLength());
        decoder.pongSent();
        assertFalse(decoder.pingReceived());

        final ByteArrayOutputStream pong = new ByteArrayOutputStream();
        serverFrame(pong, true, WebSocketFraming.OPCODE_PONG, new byte[]{ 1, 2, 3 });
        final byte[] pongWire = pong.toByteArray();
        assertEquals(0, decoder.decode(pongWire, 0, pongWire.length));
        assertFalse(decoder.pingReceived(), "an unsolicited Pong needs no answer");
    }

    @Test
    void shouldReadTheStatusCodeOfAClose()
    {
        final WebSocketFraming decoder = new WebSocketFraming();
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        serverFrame(stream, true, WebSocketFraming.OPCODE_BINARY, new byte[]{ (byte)0xE0, 0 });
        serverFrame(stream, true, WebSocketFraming.OPCODE_CLOSE, new byte[]{ 0x03, (byte)0xE8, 'b', 'y', 'e' });
        final byte[] wire = stream.toByteArray();
        assertEquals(2, decoder.decode(wire, 0, wire.length), "the data before the Close is delivered");
        assertEquals(1000, decoder.closeCode());

        final WebSocketFraming empty = new WebSocketFraming();
        final ByteArrayOutputStream bare = new ByteArrayOutputStream();
        serverFrame(bare, true, WebSocketFraming.OPCODE_CLOSE, new byte[0]);
        final byte[] bareWire = bare.toByteArray();
        assertEquals(0, empty.decode(bareWire, 0, bareWire.length));
        assertEquals(WebSocketFraming.CLOSE_NORMAL, empty.closeCode());
    }

    @Test
    void shouldRefuseTextFramesMaskedServerFramesAndBrokenFragmentation()
    {
        assertRefused(frame(true, WebSocketFraming.OPCODE_TEXT, new byte[]{ 'x' }), "text");
        assertRefused(frame(true, WebSocketFraming.OPCODE_CONTINUATION, new byte[]{ 1 }), "continuation");
        assertRefused(frame(false, WebSocketFraming.OPCODE_PING, new byte[0]), "fragmented control");
        assertRefused(frame(true, 0x3, new byte[0]), "reserved opcode");
        final ByteArrayOutputStream twoStarts = new ByteArrayOutputStream();
        serverFrame(twoStarts, false, WebSocketFraming.OPCODE_BINARY, new byte[]{ 1 });
        serverFrame(twoStarts, true, WebSocketFraming.OPCODE_BINARY, new byte[]{ 2 });
        assertRefused(twoStarts.toByteArray(), "new data frame inside");

        final byte[] masked = new byte[WebSocketFraming.clientHeaderLength(1) + 1];
        WebSocketFraming.encodeClientFrame(WebSocketFraming.OPCODE_BINARY, new byte[]{ 9 }, 0, 1, 7, masked, 0);
        assertRefused(masked, "masked frame from the server");

        assertRefused(new byte[]{ (byte)0xC2, 0 }, "RSV");
        assertRefused(new byte[]{ (byte)0x89, 126, 0, (byte)200 }, "control frame payload over 125");
    }

    private static void assertRefused(final byte[] wire, final String reason)
    {
        final WebSocketFraming decoder = new WebSocketFraming();
        assertEquals(WebSocketFraming.PROTOCOL_ERROR, decoder.decode(wire.clone(), 0, wire.length));
        assertTrue(decoder.error().contains(reason), decoder.error() + " should mention " + reason);
    }

    private static byte[] frame(final boolean fin, final int opcode, final byte[] payload)
    {
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        serverFrame(stream, fin, opcode, payload);
        return stream.toByteArray();
    }

    /**
     * A frame as a server sends it: never masked.
     */
    static void serverFrame(final ByteArrayOutputStream out, final boolean fin, final int opcode, final byte[] payload)
    {
        out.write((fin ? 0x80 : 0) | opcode);
        final int length = payload.length;
        if (length < 126)
        {
            out.write(length);
        }
        else if (length <= 0xFFFF)
        {
            out.write(126);
            out.write(length >>> 8);
            out.write(length & 0xFF);
        }
        else
        {
            out.write(127);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                out.write((int)(((long)length >>> shift) & 0xFF));
            }
        }
        out.writeBytes(payload);
    }

    private byte[] randomBytes(final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
