package io.ringmq.transport.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client side of MQTT over WebSocket for the raw test client: the HTTP upgrade (subprotocol {@code mqtt}), then
 * an output stream that sends every write as one masked binary frame and an input stream that yields the payload of
 * the server's binary frames as one byte stream. A Close frame from the server reads as end of stream, as a FIN does
 * over TCP; Ping is answered with Pong. Small on purpose: what the black-box tests need, checked strictly.
 * <p>
 * <b>Threading:</b> one reader thread and one writer thread at most (the Pong is written under the output's lock).
 */
final class WebSocketClientStreams
{
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int BINARY = 0x2;
    private static final int CONTINUATION = 0x0;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;

    private final InputStream in;
    private final OutputStream out;

    private WebSocketClientStreams(final InputStream in, final OutputStream out)
    {
        this.in = in;
        this.out = out;
    }

    /**
     * Upgrade the connection.
     *
     * @param socket    connected socket (plain or TLS).
     * @param hostPort  value of the Host header.
     * @param path      request path, e.g. {@code /mqtt}.
     * @return the streams, after a 101 with the right accept key and subprotocol.
     * @throws IOException if the server refused the upgrade.
     */
    static WebSocketClientStreams upgrade(final Socket socket, final String hostPort, final String path)
        throws IOException
    {
        final byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        final String key = Base64.getEncoder().encodeToString(nonce);
        final OutputStream raw = socket.getOutputStream();
        raw.write(("GET " + path + " HTTP/1.1\r\nHost: " + hostPort + "\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" +
            "Sec-WebSocket-Protocol: mqtt\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        raw.flush();
        final InputStream input = socket.getInputStream();
        final String head = readHead(input);
        final String lower = head.toLowerCase(Locale.ROOT);
        if (!head.startsWith("HTTP/1.1 101") || !lower.contains("sec-websocket-protocol: mqtt") ||
            !lower.contains("sec-websocket-accept: " + accept(key).toLowerCase(Locale.ROOT)))
        {
            throw new IOException("WebSocket upgrade refused: " + head);
        }
        final WebSocketClientStreams streams = new WebSocketClientStreams(input, raw);
        return streams;
    }

    private static String readHead(final InputStream input) throws IOException
    {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4)
        {
            final int b = input.read();
            if (b < 0)
            {
                throw new EOFException("connection closed during the WebSocket upgrade: " + head);
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ?
                matched + 1 : 0;
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static String accept(final String key)
    {
        try
        {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return the MQTT byte stream carried in the server's binary frames. */
    InputStream input()
    {
        return new FrameInput();
    }

    /** @return a stream that sends each write as one masked binary frame. */
    OutputStream output()
    {
        return new FrameOutput();
    }

    private void writeFrame(final int opcode, final byte[] payload, final int offset, final int length)
        throws IOException
    {
        final byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        final ByteArrayOutputStream frame = new ByteArrayOutputStream(length + 14);
        frame.write(0x80 | opcode);
        if (length < 126)
        {
            frame.write(0x80 | length);
        }
        else if (length < 65536)
        {
            frame.write(0x80 | 126);
            frame.write(length >>> 8);
            frame.write(length);
        }
        else
        {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                frame.write((int)((long)length >>> shift));
            }
        }
        frame.write(mask, 0, 4);
        for (int i = 0; i < length; i++)
        {
            frame.write(payload[offset + i] ^ mask[i & 3]);
        }
        synchronized (out)
        {
            frame.writeTo(out);
            out.flush();
        }
    }

    private final class FrameOutput extends OutputStream
    {
        @Override
        public void write(final int b) throws IOException
        {
            write(new byte[] {(byte)b}, 0, 1);
        }

        @Override
        public void write(final byte[] bytes, final int offset, final int length) throws IOException
        {
            if (length > 0)
            {
                writeFrame(BINARY, bytes, offset, length);
            }
        }
    }

    private final class FrameInput extends InputStream
    {
        private byte[] payload = new byte[0];
        private int position;
        private boolean closed;

        @Override
        public int read() throws IOException
        {
            while (position >= payload.length)
            {
                if (closed || !nextFrame())
                {
                    closed = true;
                    return -1;
                }
            }
            return payload[position++] & 0xFF;
        }

        /** What one frame holds, at most: never waits for a second frame once it has bytes to return. */
        @Override
        public int read(final byte[] bytes, final int offset, final int length) throws IOException
        {
            if (0 == length)
            {
                return 0;
            }
            final int first = read();
            if (first < 0)
            {
                return -1;
            }
            bytes[offset] = (byte)first;
            final int more = Math.min(length - 1, payload.length - position);
            System.arraycopy(payload, position, bytes, offset + 1, more);
            position += more;
            return 1 + more;
        }

        /** Read frames until one with data; false at a Close frame or end of stream. */
        private boolean nextFrame() throws IOException
        {
            final int first = in.read();
            if (first < 0)
            {
                return false;
            }
            final int opcode = first & 0x0F;
            final int second = readByte();
            if ((second & 0x80) != 0)
            {
                throw new IOException("the server masked a frame (RFC 6455 5.1)");
            }
            long length = second & 0x7F;
            if (126 == length)
            {
                length = (readByte() << 8) | readByte();
            }
            else if (127 == length)
            {
                length = 0;
                for (int i = 0; i < 8; i++)
                {
                    length = (length << 8) | readByte();
                }
            }
            final byte[] data = in.readNBytes((int)length);
            if (data.length < length)
            {
                throw new EOFException("frame cut short");
            }
            switch (opcode)
            {
                case BINARY, CONTINUATION ->
                {
                    payload = data;
                    position = 0;
                    return true;
                }
                case PING ->
                {
                    writeFrame(PONG, data, 0, data.length);
                    return true;
                }
                case PONG ->
                {
                    return true;
                }
                case CLOSE ->
                {
                    return false;
                }
                default -> throw new IOException("unexpected WebSocket opcode " + opcode);
            }
        }

        private int readByte() throws IOException
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new EOFException("frame cut short");
            }
            return b;
        }
    }
}
