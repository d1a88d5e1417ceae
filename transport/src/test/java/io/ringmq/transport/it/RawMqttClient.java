package io.ringmq.transport.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny MQTT client over a plain {@link Socket}: sends hand-built bytes and reads packets back with a timeout. It
 * never interprets what it sends, so it can send malformed input and observe exactly how the broker reacts.
 * <p>
 * <b>Threading:</b> not thread-safe; used by the test thread only, except for the {@link #output()} stream, which
 * a writer thread may own while the test thread reads.
 */
public final class RawMqttClient implements AutoCloseable
{
    /** Default time to wait for an expected packet. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean closedByPeer;
    private boolean resetByPeer;

    /**
     * Open a connection over the suite's transport ({@link ItTransport}: TCP, TLS or WebSocket).
     *
     * @param host broker host.
     * @param port broker port.
     * @throws IOException if the connection fails.
     */
    public RawMqttClient(final String host, final int port) throws IOException
    {
        final Socket tcp = new Socket();
        tcp.setTcpNoDelay(true);
        tcp.connect(new InetSocketAddress(host, port), (int)DEFAULT_TIMEOUT.toMillis());
        tcp.setSoTimeout((int)DEFAULT_TIMEOUT.toMillis());
        final ItTransport.Streams streams = ItTransport.current().open(tcp, host, port);
        socket = streams.socket();
        in = new BufferedInputStream(streams.in());
        out = streams.out();
    }

    /**
     * @param bytes bytes to send as they are.
     * @return this.
     * @throws IOException if the connection is broken.
     */
    public RawMqttClient send(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * Send a CONNECT and read the CONNACK.
     *
     * @param connect the CONNECT packet.
     * @return the CONNACK.
     * @throws IOException on I/O failure.
     */
    public RawPacket connect(final byte[] connect) throws IOException
    {
        send(connect);
        return expect(RawPackets.CONNACK);
    }

    /**
     * Read the next packet and check its type.
     *
     * @param type expected packet type.
     * @return the packet.
     * @throws IOException on I/O failure.
     */
    public RawPacket expect(final int type) throws IOException
    {
        final RawPacket packet = read(DEFAULT_TIMEOUT);
        if (packet.type() != type)
        {
            throw new AssertionError("expected packet type " + type + " but got " + packet);
        }
        return packet;
    }

    /**
     * @param timeout how long to wait.
     * @return the next packet.
     * @throws IOException    on I/O failure.
     * @throws AssertionError if nothing arrives in time or the broker closes the connection.
     */
    public RawPacket read(final Duration timeout) throws IOException
    {
        final RawPacket packet = poll(timeout);
        if (null == packet)
        {
            throw new AssertionError(closedByPeer ? "connection closed by broker" : "no packet within " + timeout);
        }
        return packet;
    }

    /**
     * @param timeout how long to wait for the first byte of a packet.
     * @return the next packet, or null on timeout or when the broker has closed the connection
     *     (see {@link #isClosedByPeer()}).
     * @throws IOException on an I/O failure other than a reset.
     */
    public RawPacket poll(final Duration timeout) throws IOException
    {
        if (closedByPeer)
        {
            return null;
        }
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        final int firstByte = readByte(deadlineNs, true);
        if (firstByte < 0)
        {
            return null;
        }
        int length = 0;
        int multiplier = 1;
        int digit;
        int count = 0;
        do
        {
            digit = readByte(deadlineNs + DEFAULT_TIMEOUT.toNanos(), false);
            if (digit < 0 || ++count > 4)
            {
                throw new AssertionError("broken remaining length from broker");
            }
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        }
        while ((digit & 0x80) != 0);

        final byte[] body = new byte[length];
        for (int i = 0; i < length; i++)
        {
            final int b = readByte(deadlineNs + DEFAULT_TIMEOUT.toNanos(), false);
            if (b < 0)
            {
                throw new AssertionError("connection closed in the middle of a packet");
            }
            body[i] = (byte)b;
        }
        return new RawPacket(firstByte, body);
    }

    /**
     * Read until the broker closes the connection.
     *
     * @param timeout how long the broker may take to close.
     * @return the packets received before the close (e.g. a DISCONNECT or CONNACK with a reason code).
     * @throws IOException    on I/O failure.
     * @throws AssertionError if the connection is still open after the timeout.
     */
    public List<RawPacket> readUntilClosed(final Duration timeout) throws IOException
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        final List<RawPacket> packets = new ArrayList<>();
        while (!closedByPeer)
        {
            final long remainingNs = deadlineNs - System.nanoTime();
            if (remainingNs <= 0)
            {
                throw new AssertionError("connection still open after " + timeout + ", received " + packets);
            }
            final RawPacket packet = poll(Duration.ofNanos(remainingNs));
            if (null != packet)
            {
                packets.add(packet);
            }
        }
        return packets;
    }

    /** @return true once a read has seen end-of-stream or a reset. */
    public boolean isClosedByPeer()
    {
        return closedByPeer;
    }

    /**
     * @return true once a read has seen a reset ("connection reset") instead of an orderly end-of-stream: the
     *     broker closed while data it had not read was still arriving, and what it sent last may have been lost.
     */
    public boolean isResetByPeer()
    {
        return resetByPeer;
    }

    /**
     * The socket's output stream, for a second thread that keeps writing while the test thread reads (the two
     * directions of a socket are independent). Once it is handed out, {@link #send} must not be used.
     *
     * @return the output stream.
     */
    public OutputStream output()
    {
        return out;
    }

    /** Close the socket without sending DISCONNECT: an abrupt close as the broker sees it. */
    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // closing is best effort
        }
    }

    private int readByte(final long deadlineNs, final boolean timeoutAllowed) throws IOException
    {
        while (true)
        {
            final long remainingMs = Math.max(1, (deadlineNs - System.nanoTime()) / 1_000_000);
            if (deadlineNs - System.nanoTime() <= 0)
            {
                if (timeoutAllowed)
                {
                    return -1;
                }
                throw new AssertionError("timed out in the middle of a packet");
            }
            try
            {
                socket.setSoTimeout((int)Math.min(Integer.MAX_VALUE, remainingMs));
                final int b = in.read();
                if (b < 0)
                {
                    closedByPeer = true;
                }
                return b;
            }
            catch (final SocketTimeoutException ex)
            {
                if (timeoutAllowed)
                {
                    return -1;
                }
            }
            catch (final SocketException ex)
            {
                // "Connection reset": the broker closed the connection while data was still in flight.
                closedByPeer = true;
                resetByPeer = true;
                return -1;
            }
        }
    }
}
