package io.ringmq.loadtest;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Scratch buffers of the TLS and WebSocket layers, shared by every connection of one {@link IoLoop}: a connection
 * works in them only during one call and keeps bytes of its own ({@link ClientTransport}) only when a TLS record is
 * split across reads, the MQTT read buffer is full, or the socket refuses a write. So the layers cost a connection no
 * buffer while it is idle.
 * <p>
 * <b>Threading:</b> not thread-safe; one per {@link IoLoop}, used only by its thread.
 */
final class TransportBuffers
{
    /**
     * WebSocket payload per outbound frame, so that a frame fits one TLS record: the JDK's TLS 1.3 engine puts at
     * most 16,367 bytes of plaintext in a record (2^14 less the tag and the content type), not 16 KiB.
     */
    static final int WS_CHUNK = 16 * 1024 - 64;
    private static final int RECORDS = 4;

    /** Bytes from the socket, after the connection's carried partial TLS record. */
    final ByteBuffer netIn;
    /** Decrypted (or, for plain WebSocket, read) stream bytes, decoded in place. Array-backed. */
    final ByteBuffer plain;
    /** Encrypted (or, for plain WebSocket, framed) bytes on their way to the socket. */
    final ByteBuffer netOut;
    /** One outbound WebSocket frame before TLS. Array-backed. */
    final ByteBuffer frame;
    /** The largest TLS record or WebSocket frame one seal step may add to {@link #netOut}. */
    final int sealRoom;
    final MessageDigest sha1;
    private final SecureRandom secureRandom = new SecureRandom();
    private long maskState;

    /**
     * Buffers sized for the run's transport.
     *
     * @param settings the run's transport (TLS buffer sizes from its session).
     */
    TransportBuffers(final TransportSettings settings)
    {
        final int packet = Math.max(settings.packetBufferSize, WS_CHUNK + WebSocketFraming.MAX_CLIENT_HEADER_LENGTH);
        final int application = Math.max(settings.applicationBufferSize, 64 * 1024);
        this.netIn = ByteBuffer.allocateDirect(packet * RECORDS);
        this.plain = ByteBuffer.allocate(application);
        this.netOut = ByteBuffer.allocateDirect(packet * RECORDS);
        this.frame = ByteBuffer.allocate(WS_CHUNK + WebSocketFraming.MAX_CLIENT_HEADER_LENGTH);
        this.sealRoom = packet;
        try
        {
            this.sha1 = MessageDigest.getInstance("SHA-1");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-1 is required by every JDK", ex);
        }
        this.maskState = secureRandom.nextLong() | 1;
    }

    /**
     * A masking key for the next client frame. Xorshift seeded from {@link SecureRandom}: cheap per frame, and not
     * guessable by a page served on the same proxy, which is what RFC 6455 10.3 guards against (not relevant on the
     * loopback, but kept honest).
     *
     * @return 32 bits.
     */
    int nextMask()
    {
        long x = maskState;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        maskState = x;
        return (int)(x >>> 16);
    }

    /**
     * Sec-WebSocket-Key material: 16 random bytes.
     *
     * @return new array.
     */
    byte[] nonce()
    {
        final byte[] bytes = new byte[16];
        secureRandom.nextBytes(bytes);
        return bytes;
    }
}
