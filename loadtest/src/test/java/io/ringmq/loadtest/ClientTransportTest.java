package io.ringmq.loadtest;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TLS and WebSocket layers of one connection over an in-memory channel, the other end played by a server
 * {@link SSLEngine} and by hand-written HTTP/WebSocket server bytes.
 */
@Timeout(60)
class ClientTransportTest
{
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    @TempDir
    static Path dir;
    private static TestCertificates certificates;
    private static SSLContext serverContext;

    private final MemoryChannel channel = new MemoryChannel();
    private final ByteBuffer serverIn = ByteBuffer.allocate(1 << 21);
    private final ByteBuffer serverApp = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer serverOut = ByteBuffer.allocate(1 << 17);
    private final ByteArrayOutputStream serverReceived = new ByteArrayOutputStream();
    private final ByteArrayOutputStream clientReceived = new ByteArrayOutputStream();
    private final Random random = new Random(7);
    private boolean serverClosed;

    @BeforeAll
    static void makeCertificates() throws Exception
    {
        certificates = TestCertificates.generate(dir);
    }

    @Test
    void shouldHandshakeThenCarryMqttBytesBothWaysThroughSmallBuffersAndRefusedWrites() throws Exception
    {
        final SSLEngine server = serverEngine(false);
        final ClientTransport client = tlsClient("localhost", "--cafile", certificates.caCert.toString());
        handshake(client, server);
        assertTrue(client.isOpen());

        // Client to server: 200 KB, the socket taking 100 bytes per write.
        channel.writeLimit = 100;
        final byte[] up = randomBytes(200_000);
        sendAll(client, server, up);
        assertArrayEquals(up, serverReceived.toByteArray());

        // Server to client: 150 KB read through a 1000-byte MQTT buffer, so decoded bytes wait in the transport.
        channel.writeLimit = Integer.MAX_VALUE;
        final byte[] down = randomBytes(150_000);
        serverSend(server, down);
        final ByteBuffer dst = ByteBuffer.allocate(1000);
        int guard = 0;
        while (clientReceived.size() < down.length && guard++ < 10_000)
        {
            readInto(client, dst);
        }
        assertArrayEquals(down, clientReceived.toByteArray());
        assertFalse(client.hasBufferedInput());
    }

    @Test
    void shouldPresentTheClientCertificateForMutualTls() throws Exception
    {
        final SSLEngine server = serverEngine(true);
        final ClientTransport client = tlsClient("localhost", "--cafile", certificates.caCert.toString(),
            "--certfile", certificates.clientCert.toString(), "--keyfile", certificates.clientKey.toString());
        handshake(client, server);
        final X509Certificate peer = (X509Certificate)server.getSession().getPeerCertificates()[0];
        assertTrue(peer.getSubjectX500Principal().getName().contains("CN=device-1"), peer.toString());
    }

    @Test
    void shouldMakeAFullHandshakeForEveryConnection() throws Exception
    {
        // A resumed handshake carries no certificate: the server's flight would shrink by about the certificate.
        final LoadOptions options = LoadOptions.parse(Scenario.of("fan-in"),
            List.of("--tls", "--host", "localhost", "--port", "8883", "--cafile", certificates.caCert.toString()));
        final TransportBuffers buffers = new TransportBuffers(options.transport);
        final long[] serverBytes = new long[3];
        for (int i = 0; i < serverBytes.length; i++)
        {
            resetServer();
            final long before = channel.fed;
            handshake(new ClientTransport(options.transport, buffers), serverEngine(false));
            serverBytes[i] = channel.fed - before;
        }
        final long certificate = Files.size(certificates.serverCert) * 3 / 4;
        for (int i = 1; i < serverBytes.length; i++)
        {
            assertTrue(serverBytes[i] > serverBytes[0] - certificate / 2,
                "handshake " + i + " sent " + serverBytes[i] + " bytes, the first " + serverBytes[0] + ": resumed?");
        }
    }

    @Test
    void shouldFailTheHandshakeWithoutTheBrokersCa() throws Exception
    {
        final SSLEngine server = serverEngine(false);
        final ClientTransport client = tlsClient("localhost", "--cafile", certificates.otherCaCert.toString());
        assertThrows(SSLHandshakeException.class, () -> handshake(client, server));
    }

    @Test
    void shouldCheckTheHostNameUnlessInsecure() throws Exception
    {
        final ClientTransport wrongName = tlsClient("127.0.0.2", "--cafile", certificates.caCert.toString());
        assertThrows(SSLHandshakeException.class, () -> handshake(wrongName, serverEngine(false)));

        resetServer();
        final ClientTransport insecure = tlsClient("127.0.0.2", "--insecure");
        handshake(insecure, serverEngine(false));
        assertTrue(insecure.isOpen());
    }

    @Test
    void shouldEndTheStreamOnCloseNotifyAndSendOneOnClose() throws Exception
    {
        final SSLEngine server = serverEngine(false);
        final ClientTransport client = tlsClient("localhost", "--cafile", certificates.caCert.toString());
        handshake(client, server);
        client.close(channel);
        serverPump(server);
        assertTrue(serverClosed, "close_notify received");

        resetServer();
        final SSLEngine server2 = serverEngine(false);
        final ClientTransport client2 = tlsClient("localhost", "--cafile", certificates.caCert.toString());
        handshake(client2, server2);
        serverSend(server2, new byte[]{ 0x20, 0x02, 0, 0 });
        server2.closeOutbound();
        serverPump(server2);
        final ByteBuffer dst = ByteBuffer.allocate(1000);
        assertEquals(4, client2.read(channel, dst), "data before the close_notify");
        assertEquals(-1, client2.read(channel, dst));
    }

    @Test
    void shouldUpgradeToWebSocketThenFrameBothWaysAnswerPingAndClose() throws Exception
    {
        final ClientTransport client = webSocketClient();
        client.start(channel);
        assertFalse(client.isOpen());
        final String request = new String(channel.take(), StandardCharsets.ISO_8859_1);
        assertTrue(request.startsWith("GET /mqtt HTTP/1.1\r\n"), request);
        assertTrue(request.contains("\r\nSec-WebSocket-Protocol: mqtt\r\n"), request);
        assertTrue(request.contains("\r\nSec-WebSocket-Version: 13\r\n"), request);
        assertTrue(request.contains("\r\nUpgrade: websocket\r\n"), request);

        // The 101 and the first frame in one read.
        final ByteArrayOutputStream response = new ByteArrayOutputStream();
        response.writeBytes(upgradeResponse(accept(request)).getBytes(StandardCharsets.ISO_8859_1));
        WebSocketFramingTest.serverFrame(response, true, WebSocketFraming.OPCODE_BINARY, new byte[]{ 0x20, 2, 0, 0 });
        channel.feed(response.toByteArray());
        final ByteBuffer dst = ByteBuffer.allocate(64 * 1024);
        assertEquals(4, client.read(channel, dst));
        assertTrue(client.isOpen());

        // Outbound: masked binary frames carrying the bytes in order.
        final byte[] up = randomBytes(40_000);
        assertEquals(up.length, client.write(channel, ByteBuffer.wrap(up)));
        final List<int[]> opcodes = new ArrayList<>();
        assertArrayEquals(up, unmaskClientFrames(channel.take(), opcodes));
        assertTrue(opcodes.size() >= 3, "split into frames of at most 16 KiB");
        for (final int[] op : opcodes)
        {
            assertEquals(WebSocketFraming.OPCODE_BINARY, op[0]);
        }

        // Ping -> Pong with the same payload.
        channel.feed(frame(WebSocketFraming.OPCODE_PING, new byte[]{ 'p', 'i', 'n', 'g' }));
        assertEquals(0, client.read(channel, dst.clear()));
        opcodes.clear();
        assertArrayEquals(new byte[]{ 'p', 'i', 'n', 'g' }, unmaskClientFrames(channel.take(), opcodes));
        assertEquals(WebSocketFraming.OPCODE_PONG, opcodes.get(0)[0]);

        // Close 1000 -> Close 1000 back, end of stream.
        channel.feed(frame(WebSocketFraming.OPCODE_CLOSE, new byte[]{ 0x03, (byte)0xE8 }));
        assertEquals(-1, client.read(channel, dst.clear()));
        opcodes.clear();
        assertArrayEquals(new byte[]{ 0x03, (byte)0xE8 }, unmaskClientFrames(channel.take(), opcodes));
        assertEquals(WebSocketFraming.OPCODE_CLOSE, opcodes.get(0)[0]);
    }

    @Test
    void shouldUpgradeOverTlsAndSealWholeFramesInRecordsWhateverTheRecordLimit() throws Exception
    {
        final SSLEngine server = serverEngine(false);
        final ClientTransport client = tlsClient("localhost", "--websocket", "--cafile",
            certificates.caCert.toString());
        handshake(client, server);
        assertFalse(client.isOpen(), "TLS is up, the upgrade is not");
        serverPump(server);
        final String request = new String(serverReceived.toByteArray(), StandardCharsets.ISO_8859_1);
        serverReceived.reset();
        assertTrue(request.startsWith("GET /mqtt HTTP/1.1\r\n"), request);
        serverSend(server, upgradeResponse(accept(request)).getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(0, client.read(channel, ByteBuffer.allocate(1024)));
        assertTrue(client.isOpen());

        // 200 KB: more than one frame per TLS record would overflow the record limit (16,367 bytes in TLS 1.3).
        channel.writeLimit = 1000;
        final byte[] up = randomBytes(200_000);
        sendAll(client, server, up);
        assertArrayEquals(up, unmaskClientFrames(serverReceived.toByteArray(), new ArrayList<>()));

        // Inbound frames split across records and reads.
        channel.writeLimit = Integer.MAX_VALUE;
        final byte[] down = randomBytes(50_000);
        final ByteArrayOutputStream frames = new ByteArrayOutputStream();
        WebSocketFramingTest.serverFrame(frames, false, WebSocketFraming.OPCODE_BINARY,
            Arrays.copyOfRange(down, 0, 20_000));
        WebSocketFramingTest.serverFrame(frames, true, WebSocketFraming.OPCODE_CONTINUATION,
            Arrays.copyOfRange(down, 20_000, down.length));
        serverSend(server, frames.toByteArray());
        final ByteBuffer dst = ByteBuffer.allocate(3000);
        int guard = 0;
        while (clientReceived.size() < down.length && guard++ < 10_000)
        {
            readInto(client, dst);
        }
        assertArrayEquals(down, clientReceived.toByteArray());
    }

    @Test
    void shouldRefuseAnUpgradeWithoutTheRightAcceptOrStatus() throws Exception
    {
        final ClientTransport wrongAccept = webSocketClient();
        wrongAccept.start(channel);
        channel.take();
        channel.feed(upgradeResponse("bm90IHRoZSByaWdodCBoYXNoIQ==").getBytes(StandardCharsets.ISO_8859_1));
        final IOException accept = assertThrows(IOException.class,
            () -> wrongAccept.read(channel, ByteBuffer.allocate(1024)));
        assertTrue(accept.getMessage().contains("Sec-WebSocket-Accept"), accept.getMessage());

        channel.reset();
        final ClientTransport notFound = webSocketClient();
        notFound.start(channel);
        channel.take();
        channel.feed("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        final IOException status = assertThrows(IOException.class,
            () -> notFound.read(channel, ByteBuffer.allocate(1024)));
        assertTrue(status.getMessage().contains("404"), status.getMessage());
    }

    // ----------------------------------------------------------------------------------------------------------------

    private ClientTransport tlsClient(final String host, final String... trust)
    {
        final List<String> args = new ArrayList<>(List.of("--tls", "--host", host, "--port", "8883"));
        args.addAll(Arrays.asList(trust));
        final LoadOptions options = LoadOptions.parse(Scenario.of("fan-in"), args);
        return new ClientTransport(options.transport, new TransportBuffers(options.transport));
    }

    private static ClientTransport webSocketClient()
    {
        final LoadOptions options = LoadOptions.parse(Scenario.of("fan-in"), List.of("--websocket", "--port", "8083"));
        return new ClientTransport(options.transport, new TransportBuffers(options.transport));
    }

    private void handshake(final ClientTransport client, final SSLEngine server) throws IOException
    {
        server.beginHandshake();
        client.start(channel);
        final ByteBuffer dst = ByteBuffer.allocate(1024);
        for (int i = 0; i < 100; i++)
        {
            serverPump(server);
            assertTrue(client.read(channel, dst) >= 0);
            final boolean serverDone =
                server.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
            if (client.phase() != ClientTransport.PHASE_TLS_HANDSHAKE && serverDone && channel.written.size() == 0)
            {
                return;
            }
        }
        throw new AssertionError("handshake did not finish");
    }

    private void resetServer()
    {
        channel.reset();
        serverIn.clear();
        serverReceived.reset();
        serverClosed = false;
    }

    private void readInto(final ClientTransport client, final ByteBuffer dst) throws IOException
    {
        do
        {
            dst.clear();
            final int n = client.read(channel, dst);
            assertTrue(n >= 0);
            clientReceived.write(dst.array(), 0, dst.position());
        }
        while (client.hasBufferedInput());
    }

    /** Run the server engine on everything the client wrote; its output goes to the client. */
    private void serverPump(final SSLEngine server) throws SSLException
    {
        serverIn.put(channel.take());
        serverIn.flip();
        boolean progress = true;
        while (progress)
        {
            progress = false;
            final SSLEngineResult.HandshakeStatus status = server.getHandshakeStatus();
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK)
            {
                Runnable task;
                while (null != (task = server.getDelegatedTask()))
                {
                    task.run();
                }
                progress = true;
            }
            else if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP)
            {
                serverOut.clear();
                final SSLEngineResult result = server.wrap(EMPTY, serverOut);
                serverOut.flip();
                channel.feed(serverOut);
                progress = result.getStatus() != SSLEngineResult.Status.CLOSED;
            }
            else if (serverIn.hasRemaining() && !serverClosed)
            {
                serverApp.clear();
                final SSLEngineResult result = server.unwrap(serverIn, serverApp);
                serverApp.flip();
                serverReceived.write(serverApp.array(), 0, serverApp.limit());
                if (result.getStatus() == SSLEngineResult.Status.CLOSED)
                {
                    serverClosed = true;
                }
                progress = result.getStatus() == SSLEngineResult.Status.OK && result.bytesConsumed() > 0;
            }
        }
        serverIn.compact();
    }

    private void serverSend(final SSLEngine server, final byte[] bytes) throws SSLException
    {
        final ByteBuffer src = ByteBuffer.wrap(bytes);
        while (src.hasRemaining())
        {
            serverOut.clear();
            server.wrap(src, serverOut);
            serverOut.flip();
            channel.feed(serverOut);
        }
    }

    private static SSLEngine serverEngine(final boolean needClientAuth) throws Exception
    {
        final SSLEngine engine = serverContext().createSSLEngine();
        engine.setUseClientMode(false);
        engine.setNeedClientAuth(needClientAuth);
        return engine;
    }

    /** One server context for the class, so its session cache would let a client resume if the client tried. */
    private static synchronized SSLContext serverContext() throws Exception
    {
        if (null != serverContext)
        {
            return serverContext;
        }
        final Certificate[] chain;
        try (InputStream in = Files.newInputStream(certificates.serverCert))
        {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
        }
        final char[] password = "test".toCharArray();
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", TransportSettings.privateKey(certificates.serverKey), password, chain);
        final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificates.caCert))
        {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        serverContext = context;
        return context;
    }

    private static String accept(final String request) throws Exception
    {
        final Matcher m = Pattern.compile("Sec-WebSocket-Key: (\\S+)\r\n").matcher(request);
        assertTrue(m.find(), request);
        final byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(
            (m.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(sha1);
    }

    private static String upgradeResponse(final String accept)
    {
        return "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n" +
            "sec-websocket-accept: " + accept + "\r\nsec-websocket-protocol: mqtt\r\n\r\n";
    }

    private static byte[] frame(final int opcode, final byte[] payload)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        WebSocketFramingTest.serverFrame(out, true, opcode, payload);
        return out.toByteArray();
    }

    /** What a server does with client frames: every one must be masked; returns the joined payloads. */
    private static byte[] unmaskClientFrames(final byte[] wire, final List<int[]> opcodes)
    {
        final ByteArrayOutputStream payloads = new ByteArrayOutputStream();
        int p = 0;
        while (p < wire.length)
        {
            final int b0 = wire[p++] & 0xFF;
            final int b1 = wire[p++] & 0xFF;
            assertTrue((b0 & 0x80) != 0, "FIN");
            assertTrue((b1 & 0x80) != 0, "client frames are masked");
            long length = b1 & 0x7F;
            final int extended = length == 126 ? 2 : length == 127 ? 8 : 0;
            if (extended > 0)
            {
                length = 0;
                for (int i = 0; i < extended; i++)
                {
                    length = (length << 8) | (wire[p++] & 0xFF);
                }
            }
            final byte[] key = Arrays.copyOfRange(wire, p, p + 4);
            p += 4;
            for (int i = 0; i < length; i++)
            {
                payloads.write(wire[p + i] ^ key[i & 3]);
            }
            p += (int)length;
            opcodes.add(new int[]{ b0 & 0x0F, (int)length });
        }
        return payloads.toByteArray();
    }

    private byte[] randomBytes(final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /**
     * Both directions in memory: what the client writes is collected, what it reads is fed by the test.
     */
    static final class MemoryChannel implements ByteChannel
    {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteBuffer toClient = ByteBuffer.allocate(1 << 22).flip();
        int writeLimit = Integer.MAX_VALUE;
        long fed;

        void feed(final byte[] bytes)
        {
            feed(ByteBuffer.wrap(bytes));
        }

        void feed(final ByteBuffer bytes)
        {
            fed += bytes.remaining();
            toClient.compact();
            toClient.put(bytes);
            toClient.flip();
        }

        byte[] take()
        {
            final byte[] bytes = written.toByteArray();
            written.reset();
            return bytes;
        }

        void reset()
        {
            written.reset();
            toClient.clear().flip();
        }

        @Override
        public int read(final ByteBuffer dst)
        {
            final int n = Math.min(dst.remaining(), toClient.remaining());
            final ByteBuffer slice = toClient.slice().limit(n);
            dst.put(slice);
            toClient.position(toClient.position() + n);
            return n;
        }

        @Override
        public int write(final ByteBuffer src)
        {
            final int n = Math.min(src.remaining(), writeLimit);
            for (int i = 0; i < n; i++)
            {
                written.write(src.get());
            }
            return n;
        }

        @Override
        public boolean isOpen()
        {
            return true;
        }

        @Override
        public void close()
        {
            // memory
        }
    }

    /** Write {@code bytes} through the client, flushing what the socket refused, until all reached the server. */
    private void sendAll(final ClientTransport client, final SSLEngine server, final byte[] bytes) throws Exception
    {
        final ByteBuffer src = ByteBuffer.wrap(bytes);
        int guard = 0;
        while ((src.hasRemaining() || client.hasPendingOutput()) && guard++ < 100_000)
        {
            if (client.hasPendingOutput())
            {
                client.flushPending(channel);
            }
            else
            {
                client.write(channel, src);
            }
            serverPump(server);
        }
        serverPump(server);
        assertFalse(src.hasRemaining() || client.hasPendingOutput(), "not all written within the bound");
    }
}
