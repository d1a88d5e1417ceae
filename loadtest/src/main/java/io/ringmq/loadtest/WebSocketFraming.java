package io.ringmq.loadtest;

/**
 * Client side of RFC 6455 framing: outbound frames are masked (mandatory for a client, RFC 6455 5.1), inbound frames
 * from the server must not be. The decoder is a byte-wise state machine over the stream, so it needs no buffer of
 * its own for frame headers split across reads: the payload of data frames is compacted in place towards the front
 * of the region it is given (it never grows), and only the payload of a control frame (at most 125 bytes) is kept.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |     Masking-key (if MASK set) |          Payload Data         |
 *  +-------------------------------+-------------------------------+
 * </pre>
 * MQTT over WebSocket (MQTT 5 section 6) carries the MQTT byte stream in binary frames, which may be fragmented
 * (continuation frames) and need not align with MQTT packets; the decoder therefore passes payload bytes on as they
 * come, without reassembling messages.
 * <p>
 * <b>Threading:</b> not thread-safe; one decoder per connection, owned by its {@link IoLoop}.
 */
final class WebSocketFraming
{
    static final int OPCODE_CONTINUATION = 0x0;
    static final int OPCODE_TEXT = 0x1;
    static final int OPCODE_BINARY = 0x2;
    static final int OPCODE_CLOSE = 0x8;
    static final int OPCODE_PING = 0x9;
    static final int OPCODE_PONG = 0xA;
    static final int MAX_CONTROL_PAYLOAD = 125;
    /** Largest header of a client frame: 2 + 8 extended length + 4 mask. */
    static final int MAX_CLIENT_HEADER_LENGTH = 14;
    static final int CLOSE_NORMAL = 1000;
    static final int CLOSE_PROTOCOL_ERROR = 1002;
    static final int CLOSE_UNSUPPORTED_DATA = 1003;

    /** {@link #decode(byte[], int, int)}: the server broke RFC 6455 or sent text; close the connection. */
    static final int PROTOCOL_ERROR = -1;

    private static final int STATE_HEADER_0 = 0;
    private static final int STATE_HEADER_1 = 1;
    private static final int STATE_EXTENDED_LENGTH = 2;
    private static final int STATE_PAYLOAD = 3;

    private int state = STATE_HEADER_0;
    private int opcode;
    private boolean fin;
    private boolean inFragmentedMessage;
    private int extendedBytesLeft;
    private long payloadLeft;
    private byte[] control;
    private int controlLength;
    private boolean pingReceived;
    private int pongLength;
    private byte[] pong;
    private int closeCode = -1;
    private String error;

    /**
     * Decode frames from {@code bytes[offset, offset + length)}, moving the payload of data frames to the front of
     * that region.
     *
     * @param bytes  the stream bytes; overwritten with the payload in place.
     * @param offset first byte.
     * @param length count.
     * @return data payload bytes now at {@code bytes[offset, offset + result)}, or {@link #PROTOCOL_ERROR}.
     */
    int decode(final byte[] bytes, final int offset, final int length)
    {
        final int end = offset + length;
        int read = offset;
        int write = offset;
        while (read < end)
        {
            switch (state)
            {
                case STATE_HEADER_0 ->
                {
                    final int b = bytes[read++] & 0xFF;
                    if ((b & 0x70) != 0)
                    {
                        return fail("RSV bits set without an extension: 0x" + Integer.toHexString(b));
                    }
                    fin = (b & 0x80) != 0;
                    opcode = b & 0x0F;
                    if (!checkOpcode())
                    {
                        return PROTOCOL_ERROR;
                    }
                    state = STATE_HEADER_1;
                }
                case STATE_HEADER_1 ->
                {
                    final int b = bytes[read++] & 0xFF;
                    if ((b & 0x80) != 0)
                    {
                        return fail("masked frame from the server (RFC 6455 5.1)");
                    }
                    final int len = b & 0x7F;
                    if (isControl() && len > MAX_CONTROL_PAYLOAD)
                    {
                        return fail("control frame payload over 125 bytes: " + len);
                    }
                    payloadLeft = len < 126 ? len : 0;
                    extendedBytesLeft = len == 126 ? 2 : len == 127 ? 8 : 0;
                    state = extendedBytesLeft > 0 ? STATE_EXTENDED_LENGTH : STATE_PAYLOAD;
                    controlLength = 0;
                    if (state == STATE_PAYLOAD && payloadLeft == 0 && !endOfFrame())
                    {
                        return PROTOCOL_ERROR;
                    }
                }
                case STATE_EXTENDED_LENGTH ->
                {
                    payloadLeft = (payloadLeft << 8) | (bytes[read++] & 0xFF);
                    if (--extendedBytesLeft == 0)
                    {
                        if (payloadLeft < 0)
                        {
                            return fail("64-bit payload length with the top bit set");
                        }
                        state = STATE_PAYLOAD;
                        if (payloadLeft == 0 && !endOfFrame())
                        {
                            return PROTOCOL_ERROR;
                        }
                    }
                }
                default ->
                {
                    final int n = (int)Math.min(payloadLeft, end - read);
                    if (isControl())
                    {
                        if (null == control)
                        {
                            control = new byte[MAX_CONTROL_PAYLOAD];
                        }
                        System.arraycopy(bytes, read, control, controlLength, n);
                        controlLength += n;
                    }
                    else
                    {
                        if (write != read)
                        {
                            System.arraycopy(bytes, read, bytes, write, n);
                        }
                        write += n;
                    }
                    read += n;
                    payloadLeft -= n;
                    if (payloadLeft == 0 && !endOfFrame())
                    {
                        return PROTOCOL_ERROR;
                    }
                }
            }
        }
        return write - offset;
    }

    private boolean checkOpcode()
    {
        switch (opcode)
        {
            case OPCODE_BINARY ->
            {
                if (inFragmentedMessage)
                {
                    fail("new data frame inside a fragmented message");
                    return false;
                }
                inFragmentedMessage = !fin;
                return true;
            }
            case OPCODE_CONTINUATION ->
            {
                if (!inFragmentedMessage)
                {
                    fail("continuation frame without a message to continue");
                    return false;
                }
                inFragmentedMessage = !fin;
                return true;
            }
            case OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG ->
            {
                if (!fin)
                {
                    fail("fragmented control frame");
                    return false;
                }
                return true;
            }
            case OPCODE_TEXT ->
            {
                fail("text frame: MQTT uses binary frames only");
                return false;
            }
            default ->
            {
                fail("reserved opcode " + opcode);
                return false;
            }
        }
    }

    private boolean isControl()
    {
        return opcode >= OPCODE_CLOSE;
    }

    /**
     * A frame ended: act on control frames and get ready for the next header.
     *
     * @return false on a malformed close frame.
     */
    private boolean endOfFrame()
    {
        state = STATE_HEADER_0;
        if (opcode == OPCODE_PING)
        {
            if (null == pong)
            {
                pong = new byte[MAX_CONTROL_PAYLOAD];
            }
            if (controlLength > 0)
            {
                System.arraycopy(control, 0, pong, 0, controlLength);
            }
            pongLength = controlLength;
            pingReceived = true;
        }
        else if (opcode == OPCODE_CLOSE)
        {
            if (controlLength == 1)
            {
                fail("close frame with a 1-byte payload");
                return false;
            }
            closeCode = controlLength >= 2 ? ((control[0] & 0xFF) << 8) | (control[1] & 0xFF) : CLOSE_NORMAL;
        }
        return true;
    }

    private int fail(final String reason)
    {
        error = reason;
        return PROTOCOL_ERROR;
    }

    /**
     * True once a Ping arrived that has not been answered; {@link #pongPayload()} holds what to echo.
     *
     * @return true when a Pong is owed.
     */
    boolean pingReceived()
    {
        return pingReceived;
    }

    /**
     * Payload of the last Ping, to echo in the Pong (RFC 6455 5.5.3).
     *
     * @return array holding {@link #pongLength()} bytes.
     */
    byte[] pongPayload()
    {
        return pong;
    }

    int pongLength()
    {
        return pongLength;
    }

    void pongSent()
    {
        pingReceived = false;
    }

    /**
     * Status code of the server's Close frame (1005 semantics mapped to 1000), or -1 before one arrived.
     *
     * @return code or -1.
     */
    int closeCode()
    {
        return closeCode;
    }

    /**
     * Why the stream was refused, after {@link #PROTOCOL_ERROR}.
     *
     * @return reason or null.
     */
    String error()
    {
        return error;
    }

    /**
     * Header length of a client frame with the given payload length (including the 4-byte mask).
     *
     * @param payloadLength bytes.
     * @return header bytes.
     */
    static int clientHeaderLength(final int payloadLength)
    {
        return (payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? 4 : 10) + 4;
    }

    /**
     * Encode one final masked frame: header at {@code offset}, then the payload copied from {@code src} and masked.
     *
     * @param opcode    frame opcode.
     * @param src       payload.
     * @param srcOffset of the payload.
     * @param length    payload bytes.
     * @param maskKey   the frame's masking key (4 bytes, big-endian).
     * @param dst       destination, with room for {@link #clientHeaderLength(int)} + length bytes.
     * @param offset    in dst.
     * @return bytes written.
     */
    static int encodeClientFrame(
        final int opcode,
        final byte[] src,
        final int srcOffset,
        final int length,
        final int maskKey,
        final byte[] dst,
        final int offset)
    {
        final int headerLength = encodeClientHeader(opcode, length, maskKey, dst, offset);
        System.arraycopy(src, srcOffset, dst, offset + headerLength, length);
        mask(dst, offset + headerLength, length, maskKey);
        return headerLength + length;
    }

    /**
     * Encode the header of one final masked frame (FIN set, MASK set, the masking key last).
     *
     * @param opcode        frame opcode.
     * @param payloadLength payload bytes that will follow.
     * @param maskKey       the frame's masking key (4 bytes, big-endian).
     * @param dst           destination.
     * @param offset        in dst.
     * @return header bytes written, {@link #clientHeaderLength(int)}.
     */
    static int encodeClientHeader(
        final int opcode, final int payloadLength, final int maskKey, final byte[] dst, final int offset)
    {
        int p = offset;
        dst[p++] = (byte)(0x80 | opcode);
        if (payloadLength < 126)
        {
            dst[p++] = (byte)(0x80 | payloadLength);
        }
        else if (payloadLength <= 0xFFFF)
        {
            dst[p++] = (byte)(0x80 | 126);
            dst[p++] = (byte)(payloadLength >>> 8);
            dst[p++] = (byte)payloadLength;
        }
        else
        {
            dst[p++] = (byte)(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                dst[p++] = (byte)((long)payloadLength >>> shift);
            }
        }
        dst[p++] = (byte)(maskKey >>> 24);
        dst[p++] = (byte)(maskKey >>> 16);
        dst[p++] = (byte)(maskKey >>> 8);
        dst[p++] = (byte)maskKey;
        return p - offset;
    }

    /**
     * XOR bytes with the masking key in place (RFC 6455 5.3; the same operation unmasks).
     *
     * @param bytes   payload.
     * @param offset  first payload byte (key octet 0 applies to it).
     * @param length  payload bytes.
     * @param maskKey the key, big-endian.
     */
    static void mask(final byte[] bytes, final int offset, final int length, final int maskKey)
    {
        final byte m0 = (byte)(maskKey >>> 24);
        final byte m1 = (byte)(maskKey >>> 16);
        final byte m2 = (byte)(maskKey >>> 8);
        final byte m3 = (byte)maskKey;
        int i = offset;
        final int end = offset + length;
        for (final int whole = offset + (length & ~3); i < whole; i += 4)
        {
            bytes[i] ^= m0;
            bytes[i + 1] ^= m1;
            bytes[i + 2] ^= m2;
            bytes[i + 3] ^= m3;
        }
        for (int k = 0; i < end; i++, k++)
        {
            bytes[i] ^= k == 0 ? m0 : k == 1 ? m1 : m2;
        }
    }
}
