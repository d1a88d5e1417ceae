package io.ringmq.transport;

import io.ringmq.core.codec.ConnackDecoder;
import io.ringmq.core.codec.ConnackPacket;
import io.ringmq.core.codec.ConnectEncoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.codec.DisconnectEncoder;
import io.ringmq.core.codec.MqttProtocolException;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.status.JitCompilers;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.netty.IoLoops;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The connection path compiled before the first client arrives. A JVM runs new code interpreted until its
 * just-in-time compilers have seen it often enough, and the connection path (Netty's accept and pipeline, the
 * decoder, the Router's session set-up, the CONNACK, the close) costs about 200 us of a core per connection
 * interpreted against about 55 us compiled. A connect storm on a freshly started broker (a fleet reconnecting after
 * a restart) then queues on the event loop: *measured* on 2 cores, a CONNACK p99 of 145-315 ms in the first 5,000
 * connections at 5,000/s, and about 15,000 connections before the broker is as fast as it stays (tuning.md, section
 * 5).
 * <p>
 * So a broker with {@code --warm-up-connections N} (40,000 from the command line) first makes N MQTT connections
 * over loopback to throwaway brokers in the same JVM: started on 127.0.0.1 and an ephemeral port on the real
 * broker's own event loop threads ({@link IoLoops}: what Netty and the JVM keep per thread is then set up for the
 * real clients, and the code compiled for it stays valid), with its wait strategy, packet size and journal settings
 * (the journal in {@code data-dir/warm-up}, deleted afterwards), but no authentication, no cluster and no HTTP
 * endpoint, and quiet (their start and stop are logged at DEBUG). Each connection sends a clean CONNECT (3.1.1
 * and 5 in turns, one in eight in two pieces), reads the CONNACK (one in eight then subscribes, pings, publishes
 * at QoS 0 and 1 to itself and unsubscribes: {@link WarmUpTraffic}), stays connected until up to {@link #HOLD} are,
 * and then ends with the others as a storm's clients do: DISCONNECT, a reset, or a FIN; and after each such group
 * one connection closes without a CONNECT, as a port check does. Compiled code belongs to the JVM, not to a broker
 * instance, so the real broker starts with it; and since a throwaway has its own counters, sessions, journal
 * and listeners, nothing of the warm-up shows in the real broker's figures, its session directory (in a cluster) or
 * its journal. Two throwaways in turn, because stopping the first, and binding the next from this thread, take
 * branches its compiled code never saw: the JVM drops that code, and the second round compiles it again before the
 * real broker's clients come. Why the default is 40,000: a method moves from C1 to C2 code once its calls pass a
 * threshold that HotSpot multiplies by the length of the C2 queue, and the warm-up keeps that queue long (on 2 cores
 * the one C2 thread is busy throughout). {@code -XX:+PrintTieredEvents} showed 9-12 methods queued at each of
 * {@code SessionLifecycle.acceptConnect}'s checks, a threshold of about 20,000 calls, which 20,000 connections
 * missed: the connection path's own methods, called once per connection, left the warm-up as C1 code and were
 * compiled in the first storms of real clients. Pausing for the compilers before each batch (done before) did not
 * help, as the queue fills again within each batch, and took 2 s. Then the warm-up waits (up to
 * {@link #SETTLE_LIMIT_NS}) for the compilers to go idle, and the real broker makes its full collection, which takes
 * the warm-up's garbage too, and binds its listeners.
 * <p>
 * Bounded: at most {@link #HOLD} connections open at a time (fewer where the open files limit is lower), a read
 * timeout on each socket, and {@link #TIME_LIMIT_NS} in all; a
 * failure (a port that cannot be bound, a broker that does not answer) is logged and the start goes on, since the
 * warm-up changes only how fast the first clients are served.
 */
final class StartUpWarmUp
{
    private static final Logger LOG = LoggerFactory.getLogger(StartUpWarmUp.class);
    /**
     * Connections opened before their CONNACKs are read: well under any listen backlog, so connects never wait for
     * the accept queue.
     */
    static final int BATCH = 500;
    /**
     * Connections held open at a time, then ended together: a storm's clients stay connected and end in a burst,
     * and code that only that takes (a registration map growing past its first capacity, a full chunk of an event
     * loop's task queue, a Router run cut at {@code PolledRouter.MAX_EVENTS_PER_RUN}) would otherwise be compiled
     * first in a real storm, throwing away the compiled code of the methods it is inlined in.
     */
    static final int HOLD = 5_000;
    /** Files left to the process beyond the held connections' two sockets each. */
    static final int FILE_MARGIN = 1_024;
    /** The second throwaway broker takes one connection in this many. */
    static final int SECOND_ROUND_SHARE = 4;
    /** The throwaway broker's journal, under the real broker's data-dir. */
    static final String DATA_DIR = "warm-up";
    /** The warm-up gives up after this long in all, whatever is left. */
    static final long TIME_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);
    /** The compilers count as idle after this long without compiling. */
    static final long SETTLE_QUIET_MS = 100;
    /** The wait for the compilers ends after this long, busy or not. */
    static final long SETTLE_LIMIT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int READ_TIMEOUT_MS = 5_000;
    private static final int KEEP_ALIVE_SECONDS = 60;
    private static final byte[] DISCONNECT = disconnect();

    private StartUpWarmUp()
    {
    }

    /**
     * Warm the connection path with {@code connections} connections to throwaway brokers with event loops of their
     * own, or do nothing for 0.
     *
     * @param connections connections to make.
     * @param real        the settings of the broker about to start.
     * @return the connections made (CONNACK received).
     */
    static int run(final int connections, final ServerConfig real)
    {
        return run(connections, real, null);
    }

    /**
     * Warm the connection path with {@code connections} connections to throwaway brokers on the real broker's event
     * loops, or do nothing for 0.
     *
     * @param connections connections to make.
     * @param real        the settings of the broker about to start.
     * @param loops       the real broker's event loops, which the throwaways borrow; null for loops of their own.
     * @return the connections made (CONNACK received).
     */
    static int run(final int connections, final ServerConfig real, final IoLoops loops)
    {
        if (connections <= 0)
        {
            return 0;
        }
        final long startNs = System.nanoTime();
        final long deadlineNs = startNs + TIME_LIMIT_NS;
        final Path dataDir = Path.of(real.broker().dataDir(), DATA_DIR);
        // Two throwaways: stopping the first, and starting the second from this thread, take branches and types
        // that its compiled code never saw; the JVM throws that code away (deoptimises it), and the second round
        // compiles it again with them, so that the real broker's start and first clients do not.
        final int first = connections - connections / SECOND_ROUND_SHARE;
        final WarmUpTraffic traffic = new WarmUpTraffic(real.broker().maxPacketSize());
        int made = round(first, real, dataDir, deadlineNs, traffic, loops);
        if (made == first)
        {
            made += round(connections - first, real, dataDir, deadlineNs, traffic, loops);
        }
        final long connectedNs = System.nanoTime();
        final boolean settled = JitCompilers.awaitIdle(SETTLE_QUIET_MS, connectedNs + SETTLE_LIMIT_NS);
        LOG.info("warm-up: {} connections to two throwaway brokers, {} messages delivered back to them, in {} ms, "
            + "then {} ms until the compilers {} (--warm-up-connections)", made, traffic.deliveries(),
            TimeUnit.NANOSECONDS.toMillis(connectedNs - startNs),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedNs), settled ? "were idle" : "timed out");
        return made;
    }

    /** Start a throwaway broker, make {@code connections} connections to it, stop it: the connections made. */
    private static int round(final int connections, final ServerConfig real, final Path dataDir,
        final long deadlineNs, final WarmUpTraffic traffic, final IoLoops loops)
    {
        final RingMqBroker throwaway;
        try
        {
            deleteTree(dataDir);  // also what a process killed during its warm-up left
            final ServerConfig config = throwawayConfig(real.broker(), dataDir);
            throwaway = null == loops ? RingMqBroker.start(config) : RingMqBroker.startOn(config, loops);
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("warm-up skipped: the throwaway broker did not start: {}", ex.toString());
            return 0;
        }
        // With an HTTP endpoint the real broker keeps each connection's addresses for its API: so does this one.
        throwaway.listeners().forEach(listener -> listener.recordAddresses(0 != real.httpPort()));
        try
        {
            return connectAll(throwaway.port("mqtt"), connections, deadlineNs, traffic);
        }
        finally
        {
            throwaway.close();
            try
            {
                deleteTree(dataDir);
            }
            catch (final IOException ex)
            {
                LOG.warn("warm-up: could not delete {}: {}", dataDir, ex.toString());
            }
        }
    }

    /**
     * The real broker's threading, packet size and journal settings (its journal in {@code data-dir/warm-up},
     * deleted afterwards), so that the code compiled is the code the real broker runs; no authentication, cluster or
     * HTTP endpoint.
     */
    static ServerConfig throwawayConfig(final BrokerConfig real, final Path dataDir)
    {
        final BrokerConfig broker = new BrokerConfig()
            .bindAddress(InetAddress.getLoopbackAddress().getHostAddress())
            .port(0)
            .dataDir(dataDir.toString())
            .persistence(Boolean.toString(real.persistence()))
            .sync(real.sync())
            .logSegmentSize(real.logSegmentSize())
            .eventLoops(real.eventLoops())
            .waitStrategy(real.waitStrategy())
            .maxPacketSize(real.maxPacketSize())
            .ringSize(Math.min(real.ringSize(), 4096));
        return new ServerConfig(broker).quiet(true);
    }

    /** @return the connections made; a failure ends the round, logged with the count so far. */
    private static int connectAll(final int port, final int connections, final long deadlineNs,
        final WarmUpTraffic traffic)
    {
        final InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        final UnsafeBuffer connack = new UnsafeBuffer(new byte[2 + 127]);
        final int hold = holdLimit();
        final List<Socket> open = new ArrayList<>(hold);
        int made = 0;
        try
        {
            while (made < connections && System.nanoTime() < deadlineNs)
            {
                final int batch = Math.min(BATCH, connections - made);
                final int first = open.size();
                for (int i = 0; i < batch; i++)
                {
                    final Socket socket = direct();
                    open.add(socket);
                    socket.setSoTimeout(READ_TIMEOUT_MS);
                    socket.setTcpNoDelay(true);
                    socket.connect(address, READ_TIMEOUT_MS);
                    send(socket.getOutputStream(), connect(made + i), made + i);
                }
                for (int i = 0; i < batch; i++)
                {
                    readConnack(open.get(first + i).getInputStream(), connack, made + i);
                }
                traffic.exchange(open.subList(first, first + batch), made);
                made += batch;
                if (made == connections || open.size() + BATCH > hold)
                {
                    endAll(open, made - open.size());
                    probe(address);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("warm-up cut short after {} connections: {}", made, ex.toString());
        }
        finally
        {
            closeAll(open);
        }
        return made;
    }

    /**
     * Connections held open at a time: {@link #HOLD}, or fewer where the process may not open twice as many more files
     * (each connection is two sockets here, the client's and the throwaway broker's), but at least {@link #BATCH};
     * {@link #BATCH} where the limit cannot be read ({@code /proc/self/limits} and {@code /proc/self/fd} are Linux's).
     */
    static int holdLimit()
    {
        long free;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            free = openFilesLimit(Files.readAllLines(Path.of("/proc/self/limits"))) - fds.count();
        }
        catch (final IOException | RuntimeException ex)
        {
            free = 0;
        }
        return holdFor(free);
    }

    /** @return connections to hold with {@code freeFiles} more files allowed: see {@link #holdLimit()}. */
    static int holdFor(final long freeFiles)
    {
        final long fit = (freeFiles - FILE_MARGIN) / 2 / BATCH * BATCH;
        return (int)Math.max(BATCH, Math.min(HOLD, fit));
    }

    /**
     * @param limits the lines of {@code /proc/self/limits}.
     * @return the soft limit of open files ({@link Long#MAX_VALUE} if "unlimited"), or 0 if the line is missing.
     */
    static long openFilesLimit(final List<String> limits)
    {
        for (final String line : limits)
        {
            if (line.startsWith("Max open files"))
            {
                final String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return "unlimited".equals(soft) ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        return 0;
    }

    /**
     * End the held connections together, as a fleet's clients end theirs when a storm is over: DISCONNECT, a reset
     * or a FIN ({@link #end}) written to each before waiting for any of them, so that the broker sees the closes in
     * a burst (its registration map, task queue and Router runs take their bulk branches here, not first in a real
     * storm).
     *
     * @param open   the held connections, emptied.
     * @param number the number of the first of them in the round.
     */
    private static void endAll(final List<Socket> open, final int number) throws IOException
    {
        for (int i = 0; i < open.size(); i++)
        {
            end(open.get(i), number + i);
        }
        for (int i = 0; i < open.size(); i++)
        {
            if (awaitsClose(number + i))
            {
                awaitClose(open.get(i).getInputStream());
            }
        }
        closeAll(open);
    }

    /**
     * Start ending connection {@code n} the way clients do: most with DISCONNECT, the others gone without one (a
     * reset, sent by the close with linger 0, and one in 16 a FIN). After a DISCONNECT the broker closes first, so
     * the TIME_WAIT of the connection is on the throwaway's listening port, not on one of the machine's ephemeral
     * ports for a minute; a reset leaves none.
     */
    private static void end(final Socket socket, final int n) throws IOException
    {
        if ((n & 15) == 15)
        {
            socket.shutdownOutput();
        }
        else if ((n & 3) == 3)
        {
            socket.setSoLinger(true, 0);
        }
        else
        {
            socket.getOutputStream().write(DISCONNECT);
        }
    }

    /** @return whether connection {@code n} waits for the broker's close ({@link #end}): all but the resets. */
    private static boolean awaitsClose(final int n)
    {
        return (n & 15) == 15 || (n & 3) != 3;
    }

    /**
     * A connection that closes without a CONNECT, as a port check or a load balancer's health check does: the
     * broker's close of a connection that never had a session is compiled too.
     */
    private static void probe(final InetSocketAddress address) throws IOException
    {
        try (Socket socket = direct())
        {
            socket.connect(address, READ_TIMEOUT_MS);
        }
    }

    /**
     * A client socket that connects straight to the throwaway: never through a SOCKS proxy that the JVM's proxy
     * settings ({@code socksProxyHost}, a {@code ProxySelector}) may name for other connections of the process, and
     * without the proxy selection and URI parsing a plain {@code new Socket()} does for every connect (code the real
     * broker never runs, which took the C2 compiler's time during the warm-up).
     */
    private static Socket direct()
    {
        return new Socket(Proxy.NO_PROXY);
    }

    /**
     * Send connection {@code n}'s CONNECT: one in eight in two pieces, as a slow link delivers it, so that the path of
     * a frame that arrives in parts is compiled too.
     */
    private static void send(final OutputStream out, final byte[] connect, final int n) throws IOException
    {
        if ((n & 7) == 5)
        {
            out.write(connect, 0, 3);
            out.flush();
            out.write(connect, 3, connect.length - 3);
        }
        else
        {
            out.write(connect);
        }
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            final List<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
            for (final Path path : deepestFirst)
            {
                Files.deleteIfExists(path);
            }
        }
    }

    /** CONNECT with a clean session and client id {@code ringmq-warm-up-N}, at {@link #versionOf(int)}. */
    static byte[] connect(final int n)
    {
        final ConnectPacket packet = new ConnectPacket().protocolName("MQTT").protocolVersion(versionOf(n))
            .cleanStart(true).keepAliveSeconds(KEEP_ALIVE_SECONDS).clientId("ringmq-warm-up-" + n);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[ConnectEncoder.encodedLength(packet)]);
        ConnectEncoder.encode(packet, frame, 0);
        return frame.byteArray();
    }

    /** @return the protocol level of connection {@code n}: 3.1.1 and 5 in turns of four. */
    static int versionOf(final int n)
    {
        return (n & 4) == 4 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1;
    }

    /**
     * Read connection {@code n}'s CONNACK and check that it accepts the connection. The throwaway's CONNACK is short:
     * its remaining length takes one byte.
     */
    static void readConnack(final InputStream in, final UnsafeBuffer into, final int n) throws IOException
    {
        final byte[] bytes = into.byteArray();
        readFully(in, bytes, 0, 2);
        final int remaining = bytes[1] & 0xFF;
        if (remaining > 127 || 2 + remaining > bytes.length)
        {
            throw new IOException("not a CONNACK of the throwaway broker: " + (bytes[0] & 0xFF) + ", length " +
                remaining);
        }
        readFully(in, bytes, 2, remaining);
        final ConnackPacket connack;
        try
        {
            connack = ConnackDecoder.decode(into, 0, 2 + remaining, versionOf(n));
        }
        catch (final MqttProtocolException ex)
        {
            throw new IOException("not a CONNACK of the throwaway broker: " + ex.getMessage(), ex);
        }
        if (0 != connack.reasonCode())
        {
            throw new IOException("CONNACK refused the connection: 0x" + Integer.toHexString(connack.reasonCode()));
        }
    }

    private static byte[] disconnect()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(
            new byte[DisconnectEncoder.encodedLength(ReasonCode.NORMAL_DISCONNECTION, MqttVersion.MQTT_5)]);
        DisconnectEncoder.encode(frame, 0, ReasonCode.NORMAL_DISCONNECTION, MqttVersion.MQTT_5);
        return frame.byteArray();  // E0 00, the same at either level
    }

    private static void awaitClose(final InputStream in) throws IOException
    {
        if (in.read() >= 0)
        {
            throw new IOException("the throwaway broker sent more after the DISCONNECT");
        }
    }

    static void readFully(final InputStream in, final byte[] into, final int offset, final int length)
        throws IOException
    {
        int read = 0;
        while (read < length)
        {
            final int n = in.read(into, offset + read, length - read);
            if (n < 0)
            {
                throw new IOException("the throwaway broker closed a connection before its answer");
            }
            read += n;
        }
    }

    private static void closeAll(final List<Socket> open)
    {
        for (final Socket socket : open)
        {
            try
            {
                socket.close();
            }
            catch (final IOException ignored)
            {
                // closing a loopback socket of our own: nothing to do about a failure
            }
        }
        open.clear();
    }
}
