package io.ringmq.loadtest;

import io.ringmq.core.codec.AckDecoder;
import io.ringmq.core.codec.AckEncoder;
import io.ringmq.core.codec.ConnackDecoder;
import io.ringmq.core.codec.ConnackPacket;
import io.ringmq.core.codec.ConnectEncoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.codec.DisconnectEncoder;
import io.ringmq.core.codec.MqttProtocolException;
import io.ringmq.core.codec.PingEncoder;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.codec.AckListCodec;
import io.ringmq.core.codec.AckListPacket;
import io.ringmq.core.codec.SubscribeEncoder;
import io.ringmq.core.codec.SubscribePacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One selector thread driving many simulated clients: connection set-up at a ramp rate, scheduled batched
 * publishing, in-place decoding of everything the broker sends, acknowledgements, keep-alive and graceful
 * disconnects. Read and write buffers are shared by all connections of the loop ({@link FrameReader}, {@link #out});
 * a connection holds bytes of its own only while a frame is split across reads or the socket refuses a write.
 * <p>
 * Per message nothing is allocated: the PUBLISH is encoded by the reused {@link PublishEncoder} straight into the
 * shared write buffer (many per write call), and decoded by the reused {@link PublishDecoder} straight from the read
 * buffer; latency goes into a {@link SingleWriterRecorder}, loss and duplicates into per-publisher arrays.
 * <p>
 * <b>Threading:</b> everything here is owned by the loop thread. Other threads talk to it only through
 * {@link #execute(Consumer)} / {@link #call(Function)} (a queue drained every duty cycle), read its
 * {@link #counters} (release/acquire) and read its {@link #recorder} intervals (HdrHistogram's phaser). After the
 * thread has ended ({@link Thread#join()}) its state may be read directly.
 */
final class IoLoop implements Runnable
{
    private static final long TIMER_INTERVAL_NS = 100_000_000L;
    private static final long DISCONNECT_TIMEOUT_NS = 2_000_000_000L;
    private static final long SPIN_NS = 20_000L;
    private static final long SUB_MILLISECOND_LIMIT_NS = 3_000_000L;
    private static final long MAX_SELECT_MS = 100;
    private static final int STALLED_RECEIVE_BUFFER = 4096;

    final int loopIndex;
    final LoopCounters counters = new LoopCounters();
    final SingleWriterRecorder recorder = new SingleWriterRecorder(1, 3_600_000_000_000L, 3);
    final SingleWriterRecorder lateness = new SingleWriterRecorder(1, 3_600_000_000_000L, 3);
    final long[] receivedByPublisher;
    final long[] distinctByPublisher;
    final long[] duplicatesByPublisher;
    final List<Connection> connections = new ArrayList<>();
    /** Isolation: first and last value seen of each numeric $SYS topic (the first is the retained one). */
    final Map<String, Long> sysFirst = new HashMap<>();
    final Map<String, Long> sysLast = new HashMap<>();
    /** Longest PINGREQ to PINGRESP time of a publisher or subscriber. */
    long maxPingRttNs;

    private final LoadOptions options;
    private final int version;
    private final Selector selector;
    private final InetSocketAddress remote;
    /** Whether connections go to several brokers (--hosts and the like). */
    private final boolean spread;
    private final InetSocketAddress[] sources;
    private final FrameReader reader;
    private final ByteBuffer outByteBuffer;
    private final UnsafeBuffer out;
    private final int batchLimit;
    private final UnsafeBuffer payloadTemplate;
    private final int payloadLength;
    private final int publisherCount;
    private final PublishEncoder publishEncoder = new PublishEncoder();
    private final PublishDecoder publishDecoder = new PublishDecoder().fromServer(true);
    private final AckDecoder ackDecoder = new AckDecoder();
    private final AckEncoder ackEncoder = new AckEncoder();
    private final DisconnectEncoder disconnectEncoder = new DisconnectEncoder();
    private final ConnectPacket connectPacket = new ConnectPacket();
    private final PublisherHeap heap = new PublisherHeap();
    private final WakeupTimer timer;
    private final ArrayDeque<Connection> openQueue = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Consumer<SelectionKey> keyHandler = this::onKey;
    private final FrameReader.FrameHandler frameHandler = this::onFrame;
    private final long keepAliveNs;
    private final int connectConcurrency;
    private final boolean stallConnected;
    private final TransportSettings transport;
    /** Scratch buffers of the TLS/WebSocket layers, or null for plain TCP. */
    private final TransportBuffers transportBuffers;

    private volatile boolean running = true;
    private boolean inRead;
    private int transportErrorsReported;
    private int[] expectedReceivers;
    private long nowNs;
    private long readTimeNs;
    private int outPosition;
    private long nextTimerNs;
    private long rampStartNs;
    private double rampIntervalNs;
    private long rampIndex;
    private long measureStartNs = Long.MAX_VALUE;
    private long endNs = Long.MAX_VALUE;
    private boolean churn;
    private long churnEndNs;
    private Thread thread;

    /**
     * Loop for one share of the connections.
     *
     * @param loopIndex      0-based, for the thread name.
     * @param options        run options.
     * @param publisherCount publisher ids in the whole test are below this.
     * @throws IOException if no selector can be opened.
     */
    IoLoop(final int loopIndex, final LoadOptions options, final int publisherCount) throws IOException
    {
        this.loopIndex = loopIndex;
        this.options = options;
        this.version = options.protocol;
        this.publisherCount = publisherCount;
        this.selector = Selector.open();
        this.timer = new WakeupTimer(selector);
        this.remote = new InetSocketAddress(options.host, options.port);
        this.spread = !options.publisherHosts.isEmpty() || !options.subscriberHosts.isEmpty() ||
            !options.otherHosts.isEmpty();
        this.sources = new InetSocketAddress[options.sourceAddresses.size()];
        for (int i = 0; i < sources.length; i++)
        {
            sources[i] = new InetSocketAddress(options.sourceAddresses.get(i), 0);
        }
        this.reader = new FrameReader(options.readBufferBytes);
        this.batchLimit = options.batchBytes;
        this.outByteBuffer = ByteBuffer.allocateDirect(Math.max(options.batchBytes, 64 * 1024));
        this.out = new UnsafeBuffer(outByteBuffer);
        this.payloadLength = options.payloadBytes;
        final byte[] payload = new byte[payloadLength];
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] = (byte)('a' + (i % 26));
        }
        this.payloadTemplate = new UnsafeBuffer(payload);
        this.receivedByPublisher = new long[publisherCount];
        this.distinctByPublisher = new long[publisherCount];
        this.duplicatesByPublisher = new long[publisherCount];
        this.keepAliveNs = options.keepAliveSeconds * 1_000_000_000L;
        this.connectConcurrency = Math.max(1, options.connectConcurrency / Math.max(1, options.threads));
        this.stallConnected = LoadOptions.STALLED_CONNECTED.equals(options.stalled);
        this.transport = null == options.transport ? TransportSettings.from(options) : options.transport;
        this.transportBuffers = transport.layered() ? new TransportBuffers(transport) : null;
    }

    /**
     * Start the thread.
     *
     * @return the started thread.
     */
    Thread start()
    {
        thread = new Thread(this, "ringmq-lt-io-" + loopIndex);
        thread.setDaemon(true);
        timer.start("ringmq-lt-timer-" + loopIndex);
        thread.start();
        return thread;
    }

    Thread thread()
    {
        return thread;
    }

    /**
     * Run a command on the loop thread.
     *
     * @param command to run with this loop.
     */
    void execute(final Consumer<IoLoop> command)
    {
        commands.offer(() -> command.accept(this));
        selector.wakeup();
    }

    /**
     * Run a command on the loop thread and get its result.
     *
     * @param command to run with this loop.
     * @param <T>     result type.
     * @return future completed by the loop thread.
     */
    <T> CompletableFuture<T> call(final Function<IoLoop, T> command)
    {
        final CompletableFuture<T> future = new CompletableFuture<>();
        commands.offer(() ->
        {
            try
            {
                future.complete(command.apply(this));
            }
            catch (final RuntimeException ex)
            {
                future.completeExceptionally(ex);
            }
        });
        selector.wakeup();
        return future;
    }

    /**
     * Ask the loop to end; it closes every socket it still has.
     */
    void stop()
    {
        running = false;
        selector.wakeup();
    }

    @Override
    public void run()
    {
        try
        {
            while (running)
            {
                nowNs = System.nanoTime();
                runCommands();
                openDueConnections();
                sendDuePublishers();
                if (nowNs >= nextTimerNs)
                {
                    onTimer();
                    nextTimerNs = nowNs + TIMER_INTERVAL_NS;
                }
                counters.publish();
                waitForWork();
            }
        }
        catch (final IOException ex)
        {
            System.err.println("ringmq-loadtest: io loop " + loopIndex + " failed: " + ex);
        }
        finally
        {
            for (int i = 0, n = connections.size(); i < n; i++)
            {
                close(connections.get(i), false);
            }
            counters.publish();
            timer.stop();
            try
            {
                selector.close();
            }
            catch (final IOException ignore)
            {
                // closing anyway
            }
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Commands (run on the loop thread)

    /**
     * Add a connection to this loop; it is opened by {@link #openAll(long, double)} or {@link #reopen(int, boolean)}.
     *
     * @param connection new connection.
     */
    void add(final Connection connection)
    {
        connections.add(connection);
        if (null != connection.publisher)
        {
            connection.publisher.connection = connection;
        }
    }

    /**
     * Queue every not yet opened connection of a role, opened one per {@code intervalNs} from {@code startNs}.
     *
     * @param startNs    first opening.
     * @param intervalNs spacing, 0 for as fast as the connect concurrency allows.
     * @param role       role to open, 0 for all.
     */
    void openAll(final long startNs, final double intervalNs, final int role)
    {
        rampStartNs = startNs;
        rampIntervalNs = intervalNs;
        rampIndex = 0;
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            if (c.state == Connection.STATE_NEW && (role == 0 || c.role == role))
            {
                openQueue.add(c);
            }
        }
        counters.values[LoopCounters.QUEUED] = openQueue.size();
    }

    /**
     * Queue the closed connections of a role for opening again.
     *
     * @param role       connection role.
     * @param cleanStart Clean Start / Clean Session flag for the new CONNECT.
     */
    void reopen(final int role, final boolean cleanStart)
    {
        rampStartNs = System.nanoTime();
        rampIndex = 0;
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            if (c.role == role && c.isClosed())
            {
                reset(c);
                c.cleanStart = cleanStart;
                openQueue.add(c);
            }
        }
        counters.values[LoopCounters.QUEUED] = openQueue.size();
    }

    /**
     * Reconnect the closed stalled subscriber with a clean session and without subscribing, only to end the
     * persistent session it left behind (it is then closed with the others).
     */
    void endStalledSession()
    {
        rampStartNs = System.nanoTime();
        rampIndex = 0;
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            if (c.role == Connection.ROLE_STALLED && c.isClosed())
            {
                reset(c);
                c.cleanStart = true;
                c.cleanup = true;
                openQueue.add(c);
            }
        }
        counters.values[LoopCounters.QUEUED] = openQueue.size();
    }

    /**
     * Connections of a role whose socket is open.
     *
     * @param role connection role.
     * @return count.
     */
    int openCount(final int role)
    {
        int count = 0;
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            if (c.role == role && c.state != Connection.STATE_NEW && c.state != Connection.STATE_CLOSED)
            {
                count++;
            }
        }
        return count;
    }

    /**
     * Indices of the connections of a role that are ready.
     *
     * @param role connection role.
     * @return their indices.
     */
    List<Integer> readyIndices(final int role)
    {
        final List<Integer> result = new ArrayList<>();
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            if (c.role == role && c.state == Connection.STATE_READY)
            {
                result.add(c.index);
            }
        }
        return result;
    }

    /**
     * Set the measurement window used to decide which messages count for latency and rate.
     *
     * @param measureStartNs start of measurement (after warm-up).
     * @param endNs          end of sending.
     */
    void window(final long measureStartNs, final long endNs)
    {
        this.measureStartNs = measureStartNs;
        this.endNs = endNs;
    }

    /**
     * Start every ready publisher.
     *
     * @param startNs           time of the first message.
     * @param measureStartNs    start of measurement.
     * @param endNs             no message intended at or after this time is sent.
     * @param expectedReceivers receivers expected to get each publisher's messages, by publisher id.
     */
    void startPublishing(
        final long startNs, final long measureStartNs, final long endNs, final int[] expectedReceivers)
    {
        window(measureStartNs, endNs);
        this.expectedReceivers = expectedReceivers;
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            final Publisher p = c.publisher;
            if (null == p || c.state != Connection.STATE_READY)
            {
                continue;
            }
            final double rate = options.ratePerPublisher(publisherCount);
            final long staggerNs = rate > 0 ? (long)(1e9 / rate * p.publisherId / Math.max(1, publisherCount)) : 0;
            p.schedule.start(startNs + staggerNs, endNs);
            p.sequence = 0;
            p.active = true;
            p.blocked = false;
            p.frameLength = frameLength(p, 1);
            p.nextDueNs = p.schedule.nextDueNs(0, startNs + staggerNs);
            heap.add(p);
            counters.values[LoopCounters.ACTIVE_PUBLISHERS]++;
        }
    }

    /**
     * Gracefully disconnect every open connection of a role (or all roles).
     *
     * @param role                role, or 0 for all.
     * @param endSession          send Session Expiry Interval 0 (MQTT 5) so the broker drops the session.
     */
    void disconnectAll(final int role, final boolean endSession)
    {
        openQueue.removeIf(c -> role == 0 || c.role == role);
        counters.values[LoopCounters.QUEUED] = openQueue.size();
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            if (role == 0 || c.role == role)
            {
                disconnect(c, endSession);
            }
        }
    }

    /**
     * Disconnect and reconnect every ready connection over and over until {@code endNs} (connect-storm --reconnect).
     *
     * @param measureStartNs start counting connects.
     * @param endNs          stop reconnecting.
     */
    void startChurn(final long measureStartNs, final long endNs)
    {
        window(measureStartNs, endNs);
        churn = true;
        churnEndNs = endNs;
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            if (c.state == Connection.STATE_READY)
            {
                disconnect(c, false);
            }
        }
    }

    private void runCommands()
    {
        Runnable command;
        while (null != (command = commands.poll()))
        {
            command.run();
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Duty cycle

    private void waitForWork() throws IOException
    {
        long nextNs = Math.min(heap.peekDueNs(), nextTimerNs);
        if (!openQueue.isEmpty() && counters.values[LoopCounters.SETTING_UP] < connectConcurrency)
        {
            nextNs = Math.min(nextNs, nextOpenNs());
        }
        final long waitNs = nextNs - System.nanoTime();
        if (waitNs <= 0 || !commands.isEmpty())
        {
            selector.selectNow(keyHandler);
        }
        else if (waitNs <= SPIN_NS)
        {
            if (selector.selectNow(keyHandler) == 0)
            {
                Thread.onSpinWait();
            }
        }
        else if (waitNs < SUB_MILLISECOND_LIMIT_NS)
        {
            // Block for I/O, with the timer thread waking us when the next message is due.
            timer.wakeAt(nextNs);
            selector.select(keyHandler, 1 + waitNs / 1_000_000);
            timer.cancel();
        }
        else
        {
            selector.select(keyHandler, Math.max(1, Math.min(MAX_SELECT_MS, waitNs / 1_000_000)));
        }
    }

    private long nextOpenNs()
    {
        return rampIntervalNs <= 0 ? 0 : rampStartNs + (long)(rampIndex * rampIntervalNs);
    }

    private void openDueConnections()
    {
        while (!openQueue.isEmpty() && counters.values[LoopCounters.SETTING_UP] < connectConcurrency &&
            nextOpenNs() <= nowNs)
        {
            final Connection c = openQueue.poll();
            rampIndex++;
            counters.values[LoopCounters.QUEUED] = openQueue.size();
            open(c);
        }
    }

    private void onTimer()
    {
        final long now = nowNs;
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            switch (c.state)
            {
                case Connection.STATE_CONNECTING, Connection.STATE_CONNECT_SENT, Connection.STATE_SUBSCRIBING ->
                {
                    if (now - c.timeOfConnectStartNs > options.connectTimeoutNs)
                    {
                        counters.values[LoopCounters.SETUP_TIMEOUTS]++;
                        close(c, true);
                    }
                }
                case Connection.STATE_READY ->
                {
                    if (keepAliveNs > 0)
                    {
                        keepAlive(c, now);
                    }
                    final Publisher p = c.publisher;
                    if (null != p && p.active && p.blocked && now >= endNs && p.schedule.unlimited())
                    {
                        finish(p);
                    }
                }
                case Connection.STATE_DISCONNECTING ->
                {
                    if (now - c.timeOfDisconnectNs > DISCONNECT_TIMEOUT_NS)
                    {
                        close(c, false);
                        maybeChurn(c);
                    }
                }
                default ->
                {
                }
            }
        }
    }

    private void keepAlive(final Connection c, final long now)
    {
        if (c.role == Connection.ROLE_STALLED)
        {
            // It never reads, so it never sees a PINGRESP: it pings only so the broker keeps it connected.
            if (now - c.timeOfLastSendNs >= keepAliveNs - keepAliveNs / 4)
            {
                counters.values[LoopCounters.PINGS]++;
                flush(c, PingEncoder.encodePingreq(out, 0));
            }
            return;
        }
        if (c.pingSentNs != 0)
        {
            if (now - c.pingSentNs > keepAliveNs + keepAliveNs / 2)
            {
                counters.values[LoopCounters.PING_TIMEOUTS]++;
                c.pingSentNs = 0;
            }
            return;
        }
        final long lastNs = options.pingAlways ? c.timeOfLastPingNs : c.timeOfLastSendNs;
        if (now - lastNs >= keepAliveNs - keepAliveNs / 4)
        {
            final int length = PingEncoder.encodePingreq(out, 0);
            c.pingSentNs = System.nanoTime();
            c.timeOfLastPingNs = now;
            counters.values[LoopCounters.PINGS]++;
            flush(c, length);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Connection life cycle

    private void open(final Connection c)
    {
        counters.values[LoopCounters.CONNECT_ATTEMPTS]++;
        c.timeOfConnectStartNs = System.nanoTime();
        c.state = Connection.STATE_CONNECTING;
        counters.values[LoopCounters.SETTING_UP]++;
        counters.values[LoopCounters.OPEN]++;
        try
        {
            final SocketChannel channel = SocketChannel.open();
            c.channel = channel;
            c.transport = null == transportBuffers ? null : new ClientTransport(transport, transportBuffers);
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, Boolean.TRUE);
            if (c.role == Connection.ROLE_STALLED && stallConnected && !c.cleanup)
            {
                // A small window so the broker sees the stall after a few KiB rather than megabytes.
                channel.setOption(StandardSocketOptions.SO_RCVBUF, STALLED_RECEIVE_BUFFER);
            }
            if (sources.length > 0)
            {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, Boolean.TRUE);
                channel.bind(sources[c.sourceAddressIndex % sources.length]);
            }
            final boolean connected = channel.connect(spread ? options.endpointFor(c.role, c.index) : remote);
            c.key = channel.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, c);
            if (connected)
            {
                onConnected(c);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            counters.values[LoopCounters.IO_ERRORS]++;
            close(c, true);
        }
    }

    /**
     * TCP is up: with a transport layer start its handshake (TLS, then the WebSocket upgrade) and send CONNECT once
     * it is open ({@link #onReadable(Connection)}); the connect time runs from {@link #open(Connection)} throughout.
     */
    private void onConnected(final Connection c) throws IOException
    {
        c.key.interestOps(readInterest(c));
        final ClientTransport t = c.transport;
        if (null != t)
        {
            t.start(c.channel);
            updateWriteInterest(c);
            if (!t.isOpen())
            {
                return;
            }
        }
        sendConnect(c);
    }

    private void sendConnect(final Connection c)
    {
        final int length = encodeConnect(connectPacket, options, c, out);
        c.state = Connection.STATE_CONNECT_SENT;
        flush(c, length);
    }

    /**
     * Encode the CONNECT of a client: its id, Clean Start, keep-alive, session expiry and, when given, the User Name
     * and Password of {@code --username}/{@code --password} (the same for MQTT 3.1.1 and 5).
     *
     * @param packet  reused packet; every field this client's CONNECT depends on is set again.
     * @param options run options.
     * @param c       the client.
     * @param buffer  where to write, from offset 0.
     * @return bytes written.
     */
    static int encodeConnect(
        final ConnectPacket packet, final LoadOptions options, final Connection c, final MutableDirectBuffer buffer)
    {
        final boolean v5 = options.protocol == MqttVersion.MQTT_5;
        packet.protocolVersion(options.protocol)
            .clientId(c.clientId)
            .cleanStart(c.cleanStart)
            .keepAliveSeconds(options.keepAliveSeconds)
            .sessionExpiryIntervalSeconds(v5 && null != c.receiver && c.receiver.persistent ?
                options.sessionExpirySeconds : 0)
            .username(c.username)
            .password(options.password);
        return ConnectEncoder.encode(packet, buffer, 0);
    }

    private void onReady(final Connection c)
    {
        c.state = Connection.STATE_READY;
        c.everReady = true;
        counters.values[LoopCounters.SETTING_UP]--;
        counters.values[LoopCounters.READY]++;
        counters.values[LoopCounters.CONNECTS]++;
        c.timeOfLastPingNs = readTimeNs;
        if (c.role == Connection.ROLE_STALLED && !c.cleanup)
        {
            stall(c);
        }
        if (c.role == Connection.ROLE_STORM)
        {
            recorder.recordValue(Math.max(0, readTimeNs - c.timeOfConnectStartNs));
            if (churn && readTimeNs >= measureStartNs && readTimeNs < churnEndNs)
            {
                counters.values[LoopCounters.CONNECTS_IN_WINDOW]++;
            }
            if (churn && readTimeNs < churnEndNs)
            {
                disconnect(c, false);
            }
        }
    }

    /**
     * The stalled subscriber, once subscribed: either it never reads its socket again (the broker's writes to it
     * back up) or it leaves its persistent session behind, so the broker queues for it while it is offline.
     */
    private void stall(final Connection c)
    {
        if (stallConnected)
        {
            c.paused = true;
            c.key.interestOps(c.hasPendingOutput() ? SelectionKey.OP_WRITE : 0);
        }
        else
        {
            disconnect(c, false);
        }
    }

    private void disconnect(final Connection c, final boolean endSession)
    {
        if (c.state != Connection.STATE_READY)
        {
            if (c.isSettingUp())
            {
                close(c, false);
            }
            return;
        }
        final UnsafeBuffer buffer = replyBuffer(c, 16);
        if (version == MqttVersion.MQTT_5 && endSession)
        {
            outPosition += disconnectEncoder.reset().version(version).reasonCode(ReasonCode.NORMAL_DISCONNECTION)
                .sessionExpiryInterval(0).encode(buffer, outPosition);
        }
        else
        {
            outPosition += DisconnectEncoder.encode(buffer, outPosition, ReasonCode.NORMAL_DISCONNECTION, version);
        }
        counters.values[LoopCounters.READY]--;
        c.state = Connection.STATE_DISCONNECTING;
        c.timeOfDisconnectNs = System.nanoTime();
        if (null != c.publisher)
        {
            heap.remove(c.publisher);
        }
        if (!inRead)
        {
            final int total = outPosition;
            outPosition = 0;
            flush(c, total);
        }
        if (c.paused)
        {
            // It does not read, so it would never see the broker close the socket.
            close(c, false);
        }
    }

    private void close(final Connection c, final boolean failed)
    {
        if (c.state == Connection.STATE_CLOSED || c.state == Connection.STATE_NEW)
        {
            if (failed && c.state == Connection.STATE_NEW)
            {
                c.failed = true;
                counters.values[LoopCounters.FAILED]++;
                c.state = Connection.STATE_CLOSED;
            }
            return;
        }
        if (c.isSettingUp())
        {
            counters.values[LoopCounters.SETTING_UP]--;
        }
        else if (c.state == Connection.STATE_READY)
        {
            counters.values[LoopCounters.READY]--;
        }
        counters.values[LoopCounters.OPEN]--;
        counters.values[LoopCounters.CLOSED]++;
        if (failed)
        {
            c.failed = true;
            counters.values[LoopCounters.FAILED]++;
            if (c.everReady)
            {
                counters.values[c.role == Connection.ROLE_STALLED ? LoopCounters.STALLED_CLOSED :
                    LoopCounters.UNEXPECTED_CLOSES]++;
            }
        }
        c.state = Connection.STATE_CLOSED;
        if (null != c.key)
        {
            c.key.cancel();
            c.key = null;
        }
        if (null != c.transport)
        {
            if (null != c.channel && c.channel.isOpen())
            {
                c.transport.close(c.channel);
            }
            c.transport = null;
        }
        if (null != c.channel)
        {
            try
            {
                c.channel.close();
            }
            catch (final IOException ignore)
            {
                // closed anyway
            }
            c.channel = null;
        }
        c.clearBuffers();
        c.pingSentNs = 0;
        final Publisher p = c.publisher;
        if (null != p)
        {
            heap.remove(p);
            if (p.active)
            {
                finish(p);
            }
        }
    }

    private void reset(final Connection c)
    {
        c.state = Connection.STATE_NEW;
        c.failed = false;
        c.sessionPresent = false;
        c.pingSentNs = 0;
        c.paused = false;
        c.clearBuffers();
        c.transport = null;
    }

    private void maybeChurn(final Connection c)
    {
        if (churn && c.role == Connection.ROLE_STORM && System.nanoTime() < churnEndNs)
        {
            reset(c);
            c.cleanStart = true;
            if (rampIntervalNs <= 0)
            {
                open(c);
                return;
            }
            // --ramp-up paces the churn too (a storm of a known rate beside other traffic): the reconnect waits
            // its turn in the open queue; a pace that fell behind restarts from now instead of bursting to catch up.
            final long now = System.nanoTime();
            if (openQueue.isEmpty() && nextOpenNs() < now)
            {
                rampStartNs = now;
                rampIndex = 0;
            }
            openQueue.add(c);
            counters.values[LoopCounters.QUEUED] = openQueue.size();
        }
    }

    private void onEndOfStream(final Connection c)
    {
        if (c.state == Connection.STATE_DISCONNECTING)
        {
            close(c, false);
            maybeChurn(c);
            return;
        }
        counters.values[LoopCounters.CLOSED_BY_BROKER]++;
        close(c, true);
        maybeChurn(c);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // I/O

    private void onKey(final SelectionKey key)
    {
        final Connection c = (Connection)key.attachment();
        nowNs = System.nanoTime();
        try
        {
            final int ready = key.readyOps();
            if ((ready & SelectionKey.OP_CONNECT) != 0)
            {
                if (c.channel.finishConnect())
                {
                    onConnected(c);
                }
                return;
            }
            if ((ready & SelectionKey.OP_WRITE) != 0)
            {
                onWritable(c);
            }
            if ((ready & SelectionKey.OP_READ) != 0 && !c.isClosed())
            {
                onReadable(c);
            }
        }
        catch (final IOException | CancelledKeyException ex)
        {
            // A reset after our DISCONNECT is how some brokers close; anything else is an error.
            final boolean expected = c.state == Connection.STATE_DISCONNECTING;
            if (!expected)
            {
                counters.values[LoopCounters.IO_ERRORS]++;
                reportTransportError(c, ex);
            }
            close(c, !expected);
            maybeChurn(c);
        }
    }

    private void onReadable(final Connection c) throws IOException
    {
        final ClientTransport t = c.transport;
        do
        {
            final ByteBuffer buffer = reader.beginRead(c);
            final int read = null == t ? c.channel.read(buffer) : t.read(c.channel, buffer);
            if (null != t)
            {
                updateWriteInterest(c);
            }
            if (read < 0)
            {
                onEndOfStream(c);
                return;
            }
            if (null != t && c.state == Connection.STATE_CONNECTING && t.isOpen())
            {
                // TLS handshake and WebSocket upgrade done: now MQTT.
                sendConnect(c);
            }
            if (read == 0)
            {
                continue;
            }
            readTimeNs = System.nanoTime();
            outPosition = 0;
            inRead = true;
            final int frames;
            try
            {
                frames = reader.endRead(c, frameHandler);
            }
            finally
            {
                inRead = false;
            }
            if (frames == FrameReader.MALFORMED)
            {
                counters.values[LoopCounters.PROTOCOL_ERRORS]++;
                close(c, true);
                return;
            }
            if (outPosition > 0 && !c.isClosed())
            {
                final int length = outPosition;
                outPosition = 0;
                flush(c, length);
            }
            outPosition = 0;
        }
        while (null != t && !c.isClosed() && t.hasBufferedInput());
    }

    private void onWritable(final Connection c) throws IOException
    {
        if (null != c.transport && !c.transport.flushPending(c.channel))
        {
            return;
        }
        while (c.pendingLength() > 0)
        {
            final int chunk = Math.min(c.pendingLength(), out.capacity());
            out.putBytes(0, c.pending(), 0, chunk);
            outByteBuffer.limit(chunk).position(0);
            final int written = write(c, outByteBuffer);
            c.consumePending(written);
            c.timeOfLastSendNs = nowNs;
            if (written < chunk)
            {
                break;
            }
        }
        if (!c.hasPendingOutput() && null != c.key)
        {
            c.key.interestOps(readInterest(c));
            unblock(c.publisher);
        }
    }

    private static int write(final Connection c, final ByteBuffer buffer) throws IOException
    {
        return null == c.transport ? c.channel.write(buffer) : c.transport.write(c.channel, buffer);
    }

    /**
     * A transport may have written on its own (handshake, Pong, Close) and kept what the socket refused.
     */
    private static void updateWriteInterest(final Connection c)
    {
        if (null != c.key && c.hasPendingOutput())
        {
            c.key.interestOps(readInterest(c) | SelectionKey.OP_WRITE);
        }
    }

    private void reportTransportError(final Connection c, final Exception ex)
    {
        if (null != c.transport && ++transportErrorsReported <= 3)
        {
            System.err.println("ringmq-loadtest: " + transport.name() + " failure on " + c.clientId + ": " + ex);
        }
    }

    private static int readInterest(final Connection c)
    {
        return c.paused ? 0 : SelectionKey.OP_READ;
    }

    /**
     * Write {@code out[0, length)} to a connection, keeping what the socket does not take.
     */
    private void flush(final Connection c, final int length)
    {
        if (length <= 0 || c.isClosed() || null == c.channel)
        {
            return;
        }
        if (c.pendingLength() > 0)
        {
            c.appendPending(out, 0, length);
            return;
        }
        try
        {
            outByteBuffer.limit(length).position(0);
            final int written = write(c, outByteBuffer);
            c.timeOfLastSendNs = nowNs;
            if (written < length)
            {
                c.appendPending(out, written, length - written);
            }
            if (c.hasPendingOutput())
            {
                c.key.interestOps(readInterest(c) | SelectionKey.OP_WRITE);
            }
        }
        catch (final IOException | CancelledKeyException ex)
        {
            final boolean expected = c.state == Connection.STATE_DISCONNECTING;
            if (!expected)
            {
                counters.values[LoopCounters.IO_ERRORS]++;
                reportTransportError(c, ex);
            }
            close(c, !expected);
        }
    }

    /**
     * Space for a reply of up to {@code needed} bytes at {@link #outPosition}, flushing earlier replies if full.
     */
    private UnsafeBuffer replyBuffer(final Connection c, final int needed)
    {
        if (outPosition + needed > out.capacity())
        {
            final int length = outPosition;
            outPosition = 0;
            flush(c, length);
        }
        return out;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Publishing

    private int frameLength(final Publisher p, final int packetId)
    {
        return publishEncoder.reset().version(version).qos(p.qos).packetId(packetId)
            .topic(p.topic, 0, p.topicLength).payload(payloadTemplate, 0, payloadLength).encodedLength();
    }

    private void sendDuePublishers()
    {
        int turns = heap.size();
        final long now = nowNs;
        while (turns-- > 0 && heap.peekDueNs() <= now)
        {
            final Publisher p = heap.poll();
            final Connection c = p.connection;
            if (c.state != Connection.STATE_READY)
            {
                continue;
            }
            sendBatch(c, p, now);
            if (p.schedule.finished(p.sequence, now))
            {
                finish(p);
            }
            else if (c.hasPendingOutput() || (null != p.window && p.window.available() == 0))
            {
                p.blocked = true;
            }
            else if (!c.isClosed())
            {
                p.nextDueNs = p.schedule.nextDueNs(p.sequence, now);
                heap.add(p);
            }
        }
    }

    private void sendBatch(final Connection c, final Publisher p, final long now)
    {
        final long due = p.schedule.dueCount(now);
        final int frameLength = p.frameLength;
        final int payloadInFrame = frameLength - payloadLength;
        final long[] values = counters.values;
        final int expected = null == expectedReceivers ? 0 : expectedReceivers[p.publisherId];
        int position = 0;
        if (p.sequence < due && !p.schedule.unlimited())
        {
            // How late the load tester itself is: once per batch, for its oldest message.
            final long intendedNs = p.schedule.intendedTimeNs(p.sequence, now);
            if (intendedNs >= measureStartNs && intendedNs < endNs)
            {
                lateness.recordValue(Math.max(0, System.nanoTime() - intendedNs));
            }
        }
        while (p.sequence < due && position + frameLength <= batchLimit)
        {
            int packetId = 0;
            if (p.qos > 0)
            {
                packetId = p.window.acquire();
                if (packetId == 0)
                {
                    break;
                }
                values[LoopCounters.OUTSTANDING]++;
            }
            final long intendedNs = p.schedule.intendedTimeNs(p.sequence, now);
            final int length = publishEncoder.reset().version(version).qos(p.qos).packetId(packetId)
                .topic(p.topic, 0, p.topicLength).payload(payloadTemplate, 0, payloadLength).encode(out, position);
            out.putLong(position + payloadInFrame, intendedNs);
            out.putLong(position + payloadInFrame + 8, Publisher.packId(p.publisherId, p.sequence));
            position += length;
            p.sequence++;
            p.sent++;
            values[LoopCounters.SENT]++;
            if (intendedNs >= measureStartNs && intendedNs < endNs)
            {
                p.sentInWindow++;
                values[LoopCounters.SENT_IN_WINDOW]++;
            }
            if (p.qos == 0)
            {
                values[LoopCounters.EXPECTED] += expected;
            }
        }
        if (position > 0)
        {
            flush(c, position);
        }
    }

    private void finish(final Publisher p)
    {
        if (!p.active)
        {
            return;
        }
        p.active = false;
        p.finished = true;
        p.blocked = false;
        heap.remove(p);
        counters.values[LoopCounters.PUBLISHERS_DONE]++;
        counters.values[LoopCounters.ACTIVE_PUBLISHERS]--;
    }

    private void unblock(final Publisher p)
    {
        if (null == p || !p.active || !p.blocked)
        {
            return;
        }
        final Connection c = p.connection;
        if (c.hasPendingOutput() || (null != p.window && p.window.available() == 0))
        {
            return;
        }
        p.blocked = false;
        if (p.schedule.finished(p.sequence, nowNs))
        {
            finish(p);
            return;
        }
        p.nextDueNs = p.schedule.nextDueNs(p.sequence, nowNs);
        heap.add(p);
    }

    private void onAcknowledged(final Publisher p, final boolean success)
    {
        final long[] values = counters.values;
        values[LoopCounters.OUTSTANDING]--;
        if (success)
        {
            p.acknowledged++;
            values[LoopCounters.ACKED]++;
            values[LoopCounters.EXPECTED] += null == expectedReceivers ? 0 : expectedReceivers[p.publisherId];
        }
        else
        {
            p.rejected++;
            values[LoopCounters.PUBLISH_REFUSED]++;
        }
        unblock(p);
    }

    private void logRefusal(final Connection c, final int type, final int reasonCode)
    {
        if (++counters.values[LoopCounters.PUBLISH_REFUSED_LOGGED] <= 3)
        {
            System.err.println("ringmq-loadtest: broker refused a PUBLISH of " + c.clientId + " with " +
                PacketType.name(type) + " reason 0x" + Integer.toHexString(reasonCode));
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Inbound packets

    private void onFrame(final Connection c, final DirectBuffer buffer, final int offset, final int length)
    {
        final int type = (buffer.getByte(offset) & 0xFF) >>> 4;
        try
        {
            switch (type)
            {
                case PacketType.PUBLISH -> onPublish(c, buffer, offset, length);
                case PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL, PacketType.PUBCOMP ->
                    onAck(c, buffer, offset, length);
                case PacketType.CONNACK -> onConnack(c, buffer, offset, length);
                case PacketType.SUBACK -> onSuback(c, buffer, offset, length);
                case PacketType.PINGRESP -> onPingresp(c);
                case PacketType.DISCONNECT ->
                {
                    counters.values[LoopCounters.CLOSED_BY_BROKER]++;
                    close(c, c.state != Connection.STATE_DISCONNECTING);
                }
                default ->
                {
                    counters.values[LoopCounters.PROTOCOL_ERRORS]++;
                    close(c, true);
                }
            }
        }
        catch (final MqttProtocolException ex)
        {
            counters.values[LoopCounters.PROTOCOL_ERRORS]++;
            if (counters.values[LoopCounters.PROTOCOL_ERRORS] <= 3)
            {
                System.err.println("ringmq-loadtest: protocol error from broker on " + c.clientId + ": " +
                    ex.getMessage());
            }
            close(c, true);
        }
    }

    private void onPublish(final Connection c, final DirectBuffer buffer, final int offset, final int length)
    {
        final PublishDecoder decoder = publishDecoder.wrap(buffer, offset, length, version);
        final long[] values = counters.values;
        final Receiver receiver = c.receiver;
        final int payloadOffset = decoder.payloadOffset();
        if (c.role == Connection.ROLE_STALLED)
        {
            values[LoopCounters.STALLED_RECEIVED]++;
        }
        else if (c.role == Connection.ROLE_SYS)
        {
            onSysValue(buffer, decoder);
        }
        else if (null != receiver && decoder.payloadLength() >= 16)
        {
            final long sentNs = buffer.getLong(payloadOffset);
            final long packed = buffer.getLong(payloadOffset + 8);
            final int publisherId = Publisher.publisherIdOf(packed);
            if (publisherId < publisherCount)
            {
                values[LoopCounters.RECEIVED]++;
                receivedByPublisher[publisherId]++;
                if (receiver.onMessage(publisherId, Publisher.sequenceOf(packed)))
                {
                    values[LoopCounters.DISTINCT]++;
                    distinctByPublisher[publisherId]++;
                }
                else
                {
                    values[LoopCounters.DUPLICATES]++;
                    duplicatesByPublisher[publisherId]++;
                }
                if (sentNs >= measureStartNs && sentNs < endNs)
                {
                    values[LoopCounters.RECEIVED_IN_WINDOW]++;
                    recorder.recordValue(Math.max(0, readTimeNs - sentNs));
                }
            }
            else
            {
                values[LoopCounters.FOREIGN]++;
            }
        }
        else
        {
            values[LoopCounters.FOREIGN]++;
        }

        final int qos = decoder.qos();
        if (qos > 0)
        {
            final int ackType = qos == 1 ? PacketType.PUBACK : PacketType.PUBREC;
            outPosition += ackEncoder.encode(
                replyBuffer(c, 8), outPosition, ackType, decoder.packetId(), ReasonCode.SUCCESS, version);
        }
    }

    /**
     * A $SYS counter: keep its first (retained) and last value. Allocates, but only at the broker's $SYS rate.
     */
    private void onSysValue(final DirectBuffer buffer, final PublishDecoder decoder)
    {
        final String topic = buffer.getStringWithoutLengthUtf8(decoder.topicOffset(), decoder.topicLength());
        final String text = buffer.getStringWithoutLengthUtf8(decoder.payloadOffset(), decoder.payloadLength()).trim();
        try
        {
            final Long value = Long.valueOf(text);
            sysFirst.putIfAbsent(topic, value);
            sysLast.put(topic, value);
        }
        catch (final NumberFormatException ignore)
        {
            // not a counter (version, uptime)
        }
    }

    private void onAck(final Connection c, final DirectBuffer buffer, final int offset, final int length)
    {
        final AckDecoder ack = ackDecoder.wrap(buffer, offset, length, version);
        final int packetId = ack.packetId();
        final int type = ack.packetType();
        if (type == PacketType.PUBREL)
        {
            outPosition += ackEncoder.encode(
                replyBuffer(c, 8), outPosition, PacketType.PUBCOMP, packetId, ReasonCode.SUCCESS, version);
            return;
        }
        final Publisher p = c.publisher;
        if (null == p || null == p.window)
        {
            counters.values[LoopCounters.UNEXPECTED_ACKS]++;
            return;
        }
        final boolean failure = ack.reasonCode() >= 0x80;
        if (failure)
        {
            logRefusal(c, type, ack.reasonCode());
        }
        if (type == PacketType.PUBREC && p.qos == 2)
        {
            if (failure)
            {
                if (p.window.release(packetId))
                {
                    onAcknowledged(p, false);
                }
                return;
            }
            if (!p.window.onPubrec(packetId) && !p.window.pubrecReceived(packetId))
            {
                counters.values[LoopCounters.UNEXPECTED_ACKS]++;
                return;
            }
            outPosition += ackEncoder.encode(
                replyBuffer(c, 8), outPosition, PacketType.PUBREL, packetId, ReasonCode.SUCCESS, version);
            return;
        }
        final boolean completes = (type == PacketType.PUBACK && p.qos == 1) ||
            (type == PacketType.PUBCOMP && p.qos == 2 && p.window.pubrecReceived(packetId));
        if (completes && p.window.release(packetId))
        {
            onAcknowledged(p, !failure);
        }
        else
        {
            p.unexpectedAcks++;
            counters.values[LoopCounters.UNEXPECTED_ACKS]++;
        }
    }

    private void onConnack(final Connection c, final DirectBuffer buffer, final int offset, final int length)
    {
        if (c.state != Connection.STATE_CONNECT_SENT)
        {
            counters.values[LoopCounters.PROTOCOL_ERRORS]++;
            close(c, true);
            return;
        }
        final ConnackPacket connack = ConnackDecoder.decode(buffer, offset, length, version);
        if (connack.reasonCode() != 0)
        {
            counters.values[LoopCounters.CONNECT_REFUSED]++;
            if (counters.values[LoopCounters.CONNECT_REFUSED] <= 3)
            {
                System.err.println("ringmq-loadtest: CONNECT of " + c.clientId + " refused with reason 0x" +
                    Integer.toHexString(connack.reasonCode()));
            }
            close(c, true);
            return;
        }
        c.sessionPresent = connack.sessionPresent();
        if (c.sessionPresent)
        {
            counters.values[LoopCounters.SESSION_PRESENT]++;
        }
        final Publisher p = c.publisher;
        if (null != p && p.qos > 0)
        {
            if (null == p.window)
            {
                p.window = new InflightWindow(p.inflight);
            }
            if (version == MqttVersion.MQTT_5)
            {
                p.window.limit(Math.min(p.inflight, connack.receiveMaximum()));
            }
        }
        final Receiver r = c.receiver;
        if (null != r && !c.cleanup && !(c.subscribed && c.sessionPresent))
        {
            final SubscribePacket subscribe = new SubscribePacket().packetId(1)
                .addSubscription(new TopicSubscription(r.filter, r.subscribeQos));
            final int needed = SubscribeEncoder.encodedLength(subscribe, version);
            outPosition += SubscribeEncoder.encode(subscribe, replyBuffer(c, needed), outPosition, version);
            c.state = Connection.STATE_SUBSCRIBING;
            return;
        }
        onReady(c);
    }

    private void onSuback(final Connection c, final DirectBuffer buffer, final int offset, final int length)
    {
        final AckListPacket suback = AckListCodec.decode(PacketType.SUBACK, buffer, offset, length, version);
        if (c.state != Connection.STATE_SUBSCRIBING)
        {
            counters.values[LoopCounters.PROTOCOL_ERRORS]++;
            return;
        }
        for (final int code : suback.reasonCodes())
        {
            if (code >= 0x80)
            {
                counters.values[LoopCounters.SUBSCRIBE_REFUSED]++;
                if (counters.values[LoopCounters.SUBSCRIBE_REFUSED] <= 3)
                {
                    System.err.println("ringmq-loadtest: SUBSCRIBE of " + c.clientId + " to " + c.receiver.filter +
                        " refused with 0x" + Integer.toHexString(code));
                }
                close(c, true);
                return;
            }
        }
        c.subscribed = true;
        onReady(c);
    }

    private void onPingresp(final Connection c)
    {
        counters.values[LoopCounters.PONGS]++;
        if (c.pingSentNs != 0)
        {
            final long rttNs = Math.max(0, readTimeNs - c.pingSentNs);
            if (c.role == Connection.ROLE_IDLE)
            {
                recorder.recordValue(rttNs);
            }
            else if (c.role == Connection.ROLE_PUBLISHER || c.role == Connection.ROLE_SUBSCRIBER)
            {
                maxPingRttNs = Math.max(maxPingRttNs, rttNs);
            }
            c.pingSentNs = 0;
        }
    }
}
