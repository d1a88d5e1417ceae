package io.ringmq.loadtest;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * The layers of one connection between its MQTT byte stream and its socket: TLS ({@link SSLEngine}, handshake driven
 * by the selector loop), WebSocket (RFC 6455 client: upgrade, masked binary frames out, frames in), or WebSocket over
 * TLS. Plain TCP connections have none ({@link Connection#transport} is null) and pay nothing.
 * <p>
 * The calls mirror a socket's: {@link #read} fills the caller's buffer with MQTT bytes, {@link #write} takes MQTT bytes
 * and returns how many it took (the channel is a {@link ByteChannel}, so tests can drive it in memory). Encoding
 * happens in the loop's shared {@link TransportBuffers}; a connection keeps bytes of its own only for a TLS record
 * split across reads ({@code netCarry}), decoded bytes the MQTT read buffer had no room for ({@code plainCarry}) and
 * encoded bytes the socket refused ({@code pending}).
 * Arrays above {@link #MAX_KEPT_BUFFER} are dropped once empty, so an idle connection keeps at most small ones.
 * <p>
 * <b>Threading:</b> not thread-safe; owned by the connection's {@link IoLoop}.
 */
final class ClientTransport
{
    static final int PHASE_TLS_HANDSHAKE = 1;
    static final int PHASE_WS_UPGRADE = 2;
    static final int PHASE_OPEN = 3;

    private static final int MAX_KEPT_BUFFER = 4096;
    private static final int MAX_UPGRADE_RESPONSE = 8192;
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final TransportSettings settings;
    private final TransportBuffers buffers;
    private final SSLEngine engine;
    private final WebSocketFraming ws;
    private int phase;
    private boolean peerClosed;
    private boolean closeSent;
    private boolean moreInput;
    private byte[] netCarry;
    private int netCarryLength;
    private byte[] plainCarry;
    private int plainCarryLength;
    private byte[] pending;
    private int pendingLength;
    private String expectedAccept;
    private byte[] upgradeResponse;
    private int upgradeLength;

    /**
     * Layers for a new connection.
     *
     * @param settings the run's transport; TLS, WebSocket or both.
     * @param buffers  the loop's scratch buffers.
     */
    ClientTransport(final TransportSettings settings, final TransportBuffers buffers)
    {
        this.settings = settings;
        this.buffers = buffers;
        this.engine = settings.tls ? settings.newEngine() : null;
        this.ws = settings.webSocket ? new WebSocketFraming() : null;
    }

    /**
     * The TCP connection is up: send the ClientHello or the upgrade request.
     *
     * @param channel the connected socket.
     * @throws IOException on a socket or TLS failure.
     */
    void start(final ByteChannel channel) throws IOException
    {
        if (null != engine)
        {
            phase = PHASE_TLS_HANDSHAKE;
            engine.beginHandshake();
            pump(channel);
        }
        else
        {
            sendUpgrade(channel);
        }
    }

    /**
     * True once the TLS handshake and the WebSocket upgrade are done: MQTT may flow.
     *
     * @return true when open.
     */
    boolean isOpen()
    {
        return phase == PHASE_OPEN;
    }

    int phase()
    {
        return phase;
    }

    /**
     * True when encoded bytes wait for the socket (OP_WRITE needed).
     *
     * @return true while some are pending.
     */
    boolean hasPendingOutput()
    {
        return pendingLength > 0;
    }

    /**
     * True when the last {@link #read} stopped because the caller's buffer was full, not because the socket was
     * drained: call it again after consuming what it delivered.
     *
     * @return true when more input is buffered here.
     */
    boolean hasBufferedInput()
    {
        return moreInput;
    }

    /**
     * Read from the socket and decode into {@code dst}.
     *
     * @param channel socket.
     * @param dst     the MQTT read buffer, positioned where the bytes go.
     * @return MQTT bytes added to dst, or -1 at the end of the stream (socket, close_notify or WebSocket Close).
     * @throws IOException on a socket failure, a TLS failure or a WebSocket protocol violation.
     */
    int read(final ByteChannel channel, final ByteBuffer dst) throws IOException
    {
        moreInput = false;
        int delivered = 0;
        if (plainCarryLength > 0)
        {
            final int n = Math.min(plainCarryLength, dst.remaining());
            dst.put(plainCarry, 0, n);
            consume(n);
            delivered = n;
            if (plainCarryLength > 0)
            {
                moreInput = true;
                return delivered;
            }
        }
        if (peerClosed)
        {
            return delivered > 0 ? delivered : -1;
        }
        final int read = null == engine ? readWebSocket(channel, dst) : readTls(channel, dst);
        if (read < 0)
        {
            return delivered > 0 ? delivered : -1;
        }
        delivered += read;
        return delivered == 0 && peerClosed ? -1 : delivered;
    }

    private int readWebSocket(final ByteChannel channel, final ByteBuffer dst) throws IOException
    {
        final ByteBuffer plain = buffers.plain;
        plain.clear().limit(Math.min(plain.capacity(), dst.remaining()));
        final int n = channel.read(plain);
        if (n <= 0)
        {
            return n;
        }
        final int k = decodePlain(channel, plain.array(), 0, n);
        dst.put(plain.array(), 0, k);
        return k;
    }

    private int readTls(final ByteChannel channel, final ByteBuffer dst) throws IOException
    {
        final ByteBuffer net = buffers.netIn;
        net.clear();
        if (netCarryLength > 0)
        {
            net.put(netCarry, 0, netCarryLength);
            netCarryLength = 0;
            if (netCarry.length > MAX_KEPT_BUFFER)
            {
                netCarry = null;
            }
        }
        boolean eof = false;
        if (net.hasRemaining() && channel.read(net) < 0)
        {
            eof = true;
        }
        net.flip();
        int delivered = 0;
        try
        {
            while (net.hasRemaining() && !peerClosed)
            {
                if (plainCarryLength > 0)
                {
                    moreInput = true;
                    break;
                }
                final ByteBuffer plain = buffers.plain;
                plain.clear();
                final SSLEngineResult result = engine.unwrap(net, plain);
                final SSLEngineResult.Status status = result.getStatus();
                if (status == SSLEngineResult.Status.BUFFER_UNDERFLOW)
                {
                    break;
                }
                if (status == SSLEngineResult.Status.BUFFER_OVERFLOW)
                {
                    throw new SSLException("record larger than the application buffer: " + plain.capacity());
                }
                if (status == SSLEngineResult.Status.CLOSED)
                {
                    peerClosed = true;
                }
                final int produced = result.bytesProduced();
                if (produced > 0)
                {
                    final int k = decodePlain(channel, plain.array(), 0, produced);
                    delivered += deliver(dst, plain.array(), k);
                }
                pump(channel);
                if (result.bytesConsumed() == 0 && produced == 0 && status == SSLEngineResult.Status.OK)
                {
                    break;
                }
            }
        }
        finally
        {
            if (net.hasRemaining())
            {
                keepNet(net);
            }
        }
        return delivered == 0 && eof && !moreInput ? -1 : delivered;
    }

    private int deliver(final ByteBuffer dst, final byte[] bytes, final int length)
    {
        final int n = Math.min(length, dst.remaining());
        dst.put(bytes, 0, n);
        final int rest = length - n;
        if (rest > 0)
        {
            if (null == plainCarry || plainCarry.length < rest)
            {
                plainCarry = new byte[rest];
            }
            System.arraycopy(bytes, n, plainCarry, 0, rest);
            plainCarryLength = rest;
        }
        return n;
    }

    private void consume(final int n)
    {
        plainCarryLength -= n;
        if (plainCarryLength > 0)
        {
            System.arraycopy(plainCarry, n, plainCarry, 0, plainCarryLength);
        }
        else if (plainCarry.length > MAX_KEPT_BUFFER)
        {
            plainCarry = null;
        }
    }

    private void keepNet(final ByteBuffer net)
    {
        final int n = net.remaining();
        if (null == netCarry || netCarry.length < n)
        {
            netCarry = new byte[Math.max(n, 256)];
        }
        net.get(netCarry, 0, n);
        netCarryLength = n;
    }

    /**
     * Stream bytes after TLS: the upgrade response while upgrading, then WebSocket frames (or MQTT directly).
     *
     * @return MQTT bytes now at {@code bytes[offset, offset + result)}.
     */
    private int decodePlain(final ByteChannel channel, final byte[] bytes, final int offset, final int length)
        throws IOException
    {
        int from = offset;
        int n = length;
        if (phase == PHASE_WS_UPGRADE)
        {
            final int used = onUpgradeResponse(bytes, offset, length);
            from += used;
            n -= used;
            if (phase != PHASE_OPEN)
            {
                return 0;
            }
        }
        if (null == ws)
        {
            return n;
        }
        final int k = ws.decode(bytes, from, n);
        if (k == WebSocketFraming.PROTOCOL_ERROR)
        {
            sendClose(channel, WebSocketFraming.CLOSE_PROTOCOL_ERROR);
            throw new IOException("websocket: " + ws.error());
        }
        if (from != offset && k > 0)
        {
            System.arraycopy(bytes, from, bytes, offset, k);
        }
        if (ws.pingReceived())
        {
            ws.pongSent();
            sendControl(channel, WebSocketFraming.OPCODE_PONG, ws.pongPayload(), ws.pongLength());
        }
        if (ws.closeCode() >= 0 && !peerClosed)
        {
            peerClosed = true;
            sendClose(channel, ws.closeCode() == 1005 ? WebSocketFraming.CLOSE_NORMAL : ws.closeCode());
        }
        return k;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // WebSocket upgrade

    private void sendUpgrade(final ByteChannel channel) throws IOException
    {
        phase = PHASE_WS_UPGRADE;
        final String key = Base64.getEncoder().encodeToString(buffers.nonce());
        buffers.sha1.reset();
        expectedAccept = Base64.getEncoder().encodeToString(
            buffers.sha1.digest((key + WS_GUID).getBytes(StandardCharsets.US_ASCII)));
        final String host = settings.host.indexOf(':') >= 0 ? "[" + settings.host + "]" : settings.host;
        final String request = "GET " + settings.webSocketPath + " HTTP/1.1\r\n" +
            "Host: " + host + ":" + settings.port + "\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + key + "\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            "Sec-WebSocket-Protocol: mqtt\r\n\r\n";
        final byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer frame = buffers.frame;
        frame.clear();
        frame.put(bytes).flip();
        sendSealed(channel, frame);
    }

    /**
     * Collect the upgrade response until its blank line, then check it.
     *
     * @return bytes of the response used (the rest are WebSocket frames).
     */
    private int onUpgradeResponse(final byte[] bytes, final int offset, final int length) throws IOException
    {
        if (null == upgradeResponse)
        {
            upgradeResponse = new byte[512];
        }
        for (int i = 0; i < length; i++)
        {
            if (upgradeLength == upgradeResponse.length)
            {
                if (upgradeLength >= MAX_UPGRADE_RESPONSE)
                {
                    throw new IOException("websocket upgrade response over " + MAX_UPGRADE_RESPONSE + " bytes");
                }
                upgradeResponse = Arrays.copyOf(upgradeResponse, upgradeLength * 2);
            }
            upgradeResponse[upgradeLength++] = bytes[offset + i];
            if (upgradeLength >= 4 && upgradeResponse[upgradeLength - 1] == '\n' &&
                upgradeResponse[upgradeLength - 2] == '\r' && upgradeResponse[upgradeLength - 3] == '\n' &&
                upgradeResponse[upgradeLength - 4] == '\r')
            {
                checkUpgrade(new String(upgradeResponse, 0, upgradeLength, StandardCharsets.ISO_8859_1));
                upgradeResponse = null;
                expectedAccept = null;
                phase = PHASE_OPEN;
                return i + 1;
            }
        }
        return length;
    }

    private void checkUpgrade(final String response) throws IOException
    {
        final String[] lines = response.split("\r\n");
        final String status = lines[0];
        if (!status.startsWith("HTTP/1.1 101"))
        {
            throw new IOException("websocket upgrade refused: " + status);
        }
        String upgrade = null;
        String connection = null;
        String accept = null;
        String protocol = null;
        for (int i = 1; i < lines.length; i++)
        {
            final int colon = lines[i].indexOf(':');
            if (colon <= 0)
            {
                continue;
            }
            final String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            final String value = lines[i].substring(colon + 1).trim();
            switch (name)
            {
                case "upgrade" -> upgrade = value;
                case "connection" -> connection = value;
                case "sec-websocket-accept" -> accept = value;
                case "sec-websocket-protocol" -> protocol = value;
                default ->
                {
                }
            }
        }
        if (!"websocket".equalsIgnoreCase(upgrade) || null == connection ||
            !connection.toLowerCase(Locale.ROOT).contains("upgrade"))
        {
            throw new IOException("websocket upgrade: 101 without Upgrade: websocket / Connection: Upgrade");
        }
        if (!expectedAccept.equals(accept))
        {
            throw new IOException("websocket upgrade: Sec-WebSocket-Accept " + accept + ", expected " +
                expectedAccept);
        }
        if (!"mqtt".equals(protocol))
        {
            throw new IOException("websocket upgrade: subprotocol " + protocol + ", expected mqtt");
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Output

    /**
     * Encode MQTT bytes and write them; what the socket refuses is kept here (see {@link #hasPendingOutput()}).
     *
     * @param channel socket.
     * @param src     MQTT bytes; its position advances by the bytes taken.
     * @return MQTT bytes taken: all of them, or fewer (0) when earlier output is still pending.
     * @throws IOException on a socket or TLS failure.
     */
    int write(final ByteChannel channel, final ByteBuffer src) throws IOException
    {
        if (pendingLength > 0 && !flushPending(channel))
        {
            return 0;
        }
        final int start = src.position();
        final ByteBuffer net = buffers.netOut;
        while (src.hasRemaining() && pendingLength == 0)
        {
            net.clear();
            while (src.hasRemaining() && net.remaining() >= buffers.sealRoom)
            {
                if (null != ws)
                {
                    final int n = Math.min(src.remaining(), TransportBuffers.WS_CHUNK);
                    final ByteBuffer frame = buffers.frame;
                    final byte[] array = frame.array();
                    final int mask = buffers.nextMask();
                    final int header = WebSocketFraming.encodeClientHeader(
                        WebSocketFraming.OPCODE_BINARY, n, mask, array, 0);
                    src.get(array, header, n);
                    WebSocketFraming.mask(array, header, n, mask);
                    frame.clear().limit(header + n);
                    // The frame's bytes are taken from src: all of it is sealed, even if the socket is full.
                    while (frame.hasRemaining())
                    {
                        if (net.remaining() < buffers.sealRoom)
                        {
                            net.flip();
                            send(channel, net);
                            net.clear();
                        }
                        seal(frame, net);
                    }
                }
                else
                {
                    seal(src, net);
                }
            }
            net.flip();
            send(channel, net);
        }
        return src.position() - start;
    }

    /**
     * Write what the socket refused before.
     *
     * @param channel socket.
     * @return true when nothing is pending any more.
     * @throws IOException on a socket failure.
     */
    boolean flushPending(final ByteChannel channel) throws IOException
    {
        final ByteBuffer net = buffers.netOut;
        while (pendingLength > 0)
        {
            final int chunk = Math.min(pendingLength, net.capacity());
            net.clear();
            net.put(pending, 0, chunk).flip();
            final int written = channel.write(net);
            pendingLength -= written;
            if (pendingLength > 0)
            {
                System.arraycopy(pending, written, pending, 0, pendingLength);
            }
            if (written < chunk)
            {
                return false;
            }
        }
        if (null != pending && pending.length > MAX_KEPT_BUFFER)
        {
            pending = null;
        }
        return true;
    }

    /**
     * Best-effort goodbye when the connection is closed by us: a WebSocket Close 1000 and a TLS close_notify, each
     * written once without waiting. Then the buffers are dropped.
     *
     * @param channel socket, still open.
     */
    void close(final ByteChannel channel)
    {
        try
        {
            if (null != ws && phase == PHASE_OPEN && !closeSent && pendingLength == 0)
            {
                sendClose(channel, WebSocketFraming.CLOSE_NORMAL);
            }
            if (null != engine && !engine.isOutboundDone())
            {
                engine.closeOutbound();
                if (pendingLength == 0)
                {
                    final ByteBuffer net = buffers.netOut;
                    net.clear();
                    engine.wrap(EMPTY, net);
                    net.flip();
                    channel.write(net);
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // closing anyway
        }
        netCarry = null;
        plainCarry = null;
        pending = null;
        netCarryLength = 0;
        plainCarryLength = 0;
        pendingLength = 0;
    }

    private void sendClose(final ByteChannel channel, final int code) throws IOException
    {
        if (closeSent)
        {
            return;
        }
        closeSent = true;
        final byte[] payload = { (byte)(code >>> 8), (byte)code };
        sendControl(channel, WebSocketFraming.OPCODE_CLOSE, payload, 2);
    }

    private void sendControl(final ByteChannel channel, final int opcode, final byte[] payload, final int length)
        throws IOException
    {
        final ByteBuffer frame = buffers.frame;
        final int n = WebSocketFraming.encodeClientFrame(
            opcode, payload, 0, length, buffers.nextMask(), frame.array(), 0);
        frame.clear().limit(n);
        sendSealed(channel, frame);
    }

    /**
     * Write bytes that are already framed (upgrade request, control frame): through TLS if any, else as they are.
     */
    private void sendSealed(final ByteChannel channel, final ByteBuffer src) throws IOException
    {
        if (pendingLength > 0)
        {
            flushPending(channel);
        }
        final ByteBuffer net = buffers.netOut;
        net.clear();
        while (src.hasRemaining())
        {
            seal(src, net);
        }
        net.flip();
        send(channel, net);
    }

    /**
     * Move bytes from {@code src} into {@code net}: one TLS record (wrap, at most 16 KiB of plaintext), or a plain copy
     * of all of them. The caller leaves {@link TransportBuffers#sealRoom} free in {@code net}.
     */
    private void seal(final ByteBuffer src, final ByteBuffer net) throws IOException
    {
        if (null == engine)
        {
            net.put(src);
            return;
        }
        final int before = src.remaining();
        final int free = net.remaining();
        final SSLEngineResult result = engine.wrap(src, net);
        if (result.getStatus() != SSLEngineResult.Status.OK || (result.bytesConsumed() == 0 && before > 0 &&
            result.bytesProduced() == 0))
        {
            throw new SSLException("wrap: " + result.getStatus() + " with " + before + " bytes to seal, " + free +
                " bytes free, handshake " + result.getHandshakeStatus());
        }
    }

    /**
     * Write {@code net} (flipped), keeping what the socket does not take; pending bytes always go first.
     *
     * @return true when nothing is pending.
     */
    private boolean send(final ByteChannel channel, final ByteBuffer net) throws IOException
    {
        if (pendingLength == 0)
        {
            channel.write(net);
        }
        final int rest = net.remaining();
        if (rest == 0)
        {
            return pendingLength == 0;
        }
        final int required = pendingLength + rest;
        if (null == pending || pending.length < required)
        {
            final byte[] grown = new byte[Math.max(required, null == pending ? 256 : pending.length * 2)];
            if (pendingLength > 0)
            {
                System.arraycopy(pending, 0, grown, 0, pendingLength);
            }
            pending = grown;
        }
        net.get(pending, pendingLength, rest);
        pendingLength = required;
        return false;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // TLS handshake

    /**
     * Drive the engine as far as it goes without input: run delegated tasks inline (the loop has nothing better to
     * do with this connection), wrap what it wants to send, and notice the end of the handshake.
     */
    private void pump(final ByteChannel channel) throws IOException
    {
        while (true)
        {
            switch (engine.getHandshakeStatus())
            {
                case NEED_TASK ->
                {
                    Runnable task;
                    while (null != (task = engine.getDelegatedTask()))
                    {
                        task.run();
                    }
                }
                case NEED_WRAP ->
                {
                    final ByteBuffer net = buffers.netOut;
                    net.clear();
                    final SSLEngineResult result = engine.wrap(EMPTY, net);
                    net.flip();
                    send(channel, net);
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED)
                    {
                        peerClosed = true;
                        return;
                    }
                }
                case NOT_HANDSHAKING, FINISHED ->
                {
                    if (phase == PHASE_TLS_HANDSHAKE)
                    {
                        onTlsHandshakeDone(channel);
                    }
                    return;
                }
                default ->
                {
                    return;
                }
            }
        }
    }

    private void onTlsHandshakeDone(final ByteChannel channel) throws IOException
    {
        if (null != ws)
        {
            sendUpgrade(channel);
        }
        else
        {
            phase = PHASE_OPEN;
        }
    }
}
