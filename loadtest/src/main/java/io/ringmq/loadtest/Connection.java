package io.ringmq.loadtest;

import org.agrona.DirectBuffer;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One simulated MQTT client: the socket, its protocol state and, only when needed, a partial inbound frame and unsent
 * outbound bytes. Publishing and receiving state live in {@link Publisher} and {@link Receiver}, present only for those
 * roles, so an idle connection is this object plus the JDK's socket objects.
 * <p>
 * <b>Threading:</b> not thread-safe; owned by one {@link IoLoop} for its whole life.
 */
final class Connection
{
    static final int ROLE_PUBLISHER = 1;
    static final int ROLE_SUBSCRIBER = 2;
    static final int ROLE_IDLE = 3;
    static final int ROLE_STORM = 4;
    /** Isolation: the misbehaving subscriber to '#' (never reads, or persistent and offline). */
    static final int ROLE_STALLED = 5;
    /** Isolation: reads the broker's $SYS counters. */
    static final int ROLE_SYS = 6;

    static final int STATE_NEW = 0;
    static final int STATE_CONNECTING = 1;
    static final int STATE_CONNECT_SENT = 2;
    static final int STATE_SUBSCRIBING = 3;
    static final int STATE_READY = 4;
    static final int STATE_DISCONNECTING = 5;
    static final int STATE_CLOSED = 6;

    private static final int MAX_KEPT_BUFFER = 64 * 1024;

    final int role;
    final int index;
    final String clientId;
    final Publisher publisher;
    final Receiver receiver;

    /** User Name for CONNECT ({@link LoadOptions#usernameOf(int)}), set once when the run is planned; may be null. */
    String username;
    SocketChannel channel;
    SelectionKey key;
    /** TLS and/or WebSocket under MQTT, or null for plain TCP; new for every connection attempt. */
    ClientTransport transport;
    int state = STATE_NEW;
    int sourceAddressIndex;
    boolean cleanStart = true;
    boolean sessionPresent;
    boolean subscribed;
    boolean failed;
    boolean everReady;
    boolean sessionExpiryZeroOnDisconnect;
    /** Never read from this socket again (a stalled subscriber): no OP_READ interest. */
    boolean paused;
    /** Reconnecting only to end the session: no SUBSCRIBE, no stalling. */
    boolean cleanup;
    long timeOfLastPingNs;
    long timeOfConnectStartNs;
    long timeOfLastSendNs;
    long timeOfDisconnectNs;
    long pingSentNs;

    private byte[] carry;
    private int carryLength;
    private byte[] pending;
    private int pendingLength;

    /**
     * New, unconnected client.
     *
     * @param role      one of the ROLE_ constants.
     * @param index     global index within its role, used for sharding, topics and the client id.
     * @param clientId  MQTT Client Identifier.
     * @param publisher publishing state, or null.
     * @param receiver  receiving state, or null.
     */
    Connection(
        final int role, final int index, final String clientId, final Publisher publisher, final Receiver receiver)
    {
        this.role = role;
        this.index = index;
        this.clientId = clientId;
        this.publisher = publisher;
        this.receiver = receiver;
    }

    /**
     * True once the socket is closed (or was never opened after a close).
     *
     * @return true when closed.
     */
    boolean isClosed()
    {
        return state == STATE_CLOSED;
    }

    /**
     * True while the TCP connect, CONNECT/CONNACK or SUBSCRIBE/SUBACK exchange is in progress.
     *
     * @return true while setting up.
     */
    boolean isSettingUp()
    {
        return state >= STATE_CONNECTING && state <= STATE_SUBSCRIBING;
    }

    byte[] carry()
    {
        return carry;
    }

    int carryLength()
    {
        return carryLength;
    }

    void carry(final DirectBuffer buffer, final int offset, final int length)
    {
        if (null == carry || carry.length < length)
        {
            carry = new byte[Math.max(length, 64)];
        }
        buffer.getBytes(offset, carry, 0, length);
        carryLength = length;
    }

    void clearCarry()
    {
        carryLength = 0;
        if (null != carry && carry.length > MAX_KEPT_BUFFER)
        {
            carry = null;
        }
    }

    /**
     * True while bytes wait for the socket: MQTT bytes not yet taken, or encoded bytes of the transport.
     *
     * @return true when OP_WRITE is needed.
     */
    boolean hasPendingOutput()
    {
        return pendingLength > 0 || (null != transport && transport.hasPendingOutput());
    }

    byte[] pending()
    {
        return pending;
    }

    int pendingLength()
    {
        return pendingLength;
    }

    /**
     * Keep bytes the socket did not take.
     *
     * @param buffer holding them.
     * @param offset of the first.
     * @param length count.
     */
    void appendPending(final DirectBuffer buffer, final int offset, final int length)
    {
        final int required = pendingLength + length;
        if (null == pending || pending.length < required)
        {
            final byte[] grown = new byte[Math.max(required, Math.max(256, null == pending ? 0 : pending.length * 2))];
            if (pendingLength > 0)
            {
                System.arraycopy(pending, 0, grown, 0, pendingLength);
            }
            pending = grown;
        }
        buffer.getBytes(offset, pending, pendingLength, length);
        pendingLength = required;
    }

    /**
     * Drop the first {@code count} pending bytes once written.
     *
     * @param count bytes the socket took.
     */
    void consumePending(final int count)
    {
        final int remaining = pendingLength - count;
        if (remaining > 0)
        {
            System.arraycopy(pending, count, pending, 0, remaining);
        }
        pendingLength = remaining;
        if (remaining == 0 && pending.length > MAX_KEPT_BUFFER)
        {
            pending = null;
        }
    }

    void clearBuffers()
    {
        carryLength = 0;
        pendingLength = 0;
        carry = null;
        pending = null;
    }

    @Override
    public String toString()
    {
        return "Connection{" + clientId + ", state=" + state + "}";
    }
}
