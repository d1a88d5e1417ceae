package io.ringmq.transport.netty;

import com.lmax.disruptor.RingBuffer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.ring.FrameBufferPool;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.PolledRouter;
import io.ringmq.core.session.ConnectionDirectory;
import io.ringmq.core.status.RateLimitedLog;
import io.ringmq.core.status.TransportStats;
import io.ringmq.transport.BrokerStartException;
import io.ringmq.transport.admission.AdmissionHandler;
import io.ringmq.transport.admission.ConnectionAdmission;
import io.ringmq.transport.auth.AuthService;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.proxy.ProxyProtocolHandler;
import io.ringmq.transport.tls.TlsContextHolder;
import io.ringmq.transport.tls.TlsMaterialException;
import io.ringmq.transport.tls.TlsReloader;
import io.ringmq.transport.websocket.WebSocketPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Netty side of the broker: epoll event loops (NIO when epoll is unavailable), the listening socket, and one
 * {@link EventLoopContext} per loop.
 * <p>
 * <b>Threading:</b> built and bound by the starting thread; afterwards each context is confined to its loop and
 * the statistics are read from any thread.
 */
public final class NettyServer implements TransportStats
{
    private static final Logger LOG = LoggerFactory.getLogger(NettyServer.class);
    private static final int READ_BUFFER_BYTES = 16 * 1024;
    /**
     * Direct memory for frames larger than a ring slot keeps, shared by all event loops: at least two buffers of the
     * maximum packet size. When all are in the ring, connections with a large frame wait (reading paused).
     */
    static final long LARGE_FRAME_POOL_BYTES = 64L * 1024 * 1024;
    /** At most one line per interval about connections refused over max-connections. */
    private static final long REFUSED_LOG_INTERVAL_MS = 10_000;

    /**
     * {@link ChannelOption#RCVBUF_ALLOCATOR} is deprecated in Netty 4.2 but still honoured; it is kept on purpose
     * for the fixed-size read buffer below. The deprecation warning is confined to this one declaration.
     */
    @SuppressWarnings("deprecation")
    private static final ChannelOption<RecvByteBufAllocator> RCVBUF_ALLOCATOR = ChannelOption.RCVBUF_ALLOCATOR;

    private final BrokerConfig config;
    private final IoLoops ioLoops;
    /** False for a server on borrowed loops (the start-up warm-up's throwaways): it leaves them running. */
    private final boolean ownsLoops;
    /**
     * This server's periodic tasks on the loops, cancelled by {@link #shutdown()} so that none outlives it on loops
     * it borrowed. Added by the starting thread, cancelled by the stopping one.
     */
    private final List<ScheduledFuture<?>> periodic = Collections.synchronizedList(new ArrayList<>());
    private final EventLoopContext[] loops;
    private final OutboundQueue[] outboundQueues;
    private final Map<EventExecutor, EventLoopContext> loopByExecutor = new IdentityHashMap<>();
    private final AtomicInteger connectionCount = new AtomicInteger();
    /** Buffers for frames larger than a ring slot keeps; thread-safe, see {@link FrameBufferPool} for ownership. */
    private final FrameBufferPool largeFrames;
    /**
     * Connections refused over max-connections: counts every refusal (its total is {@link #connectionsRefused()})
     * and rate-limits the log line. Updated by the event loops that accept, polled by the accepting loop's timer.
     */
    private final RateLimitedLog refusals =
        new RateLimitedLog(TimeUnit.MILLISECONDS.toNanos(REFUSED_LOG_INTERVAL_MS));
    private final List<Listener> listeners = new ArrayList<>();
    private final TlsReloader tlsReloader;

    /**
     * One plain MQTT listener on the configured bind address and port.
     *
     * @param config broker settings.
     * @param ring   inbound ring the loops publish to.
     */
    public NettyServer(final BrokerConfig config, final RingBuffer<RingEvent> ring)
    {
        this(config, List.of(new ListenerConfig().name("mqtt").port(config.port()).conclude(config.bindAddress())),
            ring);
    }

    /**
     * @param config    broker settings.
     * @param listeners the listeners, concluded; their TLS material is read now.
     * @param ring      inbound ring the loops publish to.
     * @throws BrokerStartException if a listener's TLS material cannot be used.
     */
    public NettyServer(final BrokerConfig config, final List<ListenerConfig> listeners,
        final RingBuffer<RingEvent> ring)
    {
        this(config, listeners, ring, null);
    }

    /**
     * @param config    broker settings.
     * @param listeners the listeners, concluded; their TLS material is read now.
     * @param ring      inbound ring the loops publish to.
     * @param borrowed  another server's loops to run on (its {@link #ioLoops()}), which {@link #shutdown()} then
     *                  leaves running; or null to start loops of its own ({@code event-loops} of them).
     * @throws BrokerStartException if a listener's TLS material cannot be used.
     */
    public NettyServer(final BrokerConfig config, final List<ListenerConfig> listeners,
        final RingBuffer<RingEvent> ring, final IoLoops borrowed)
    {
        this.config = config;
        final List<TlsContextHolder> tls = new ArrayList<>();
        for (final ListenerConfig listener : listeners)
        {
            TlsContextHolder holder = null;
            if (null != listener.tls())
            {
                try
                {
                    holder = TlsContextHolder.open(listener.name(), listener.tls());
                }
                catch (final TlsMaterialException ex)
                {
                    throw new BrokerStartException("listener " + listener.name() + ": " + ex.getMessage(), ex);
                }
                tls.add(holder);
            }
            this.listeners.add(new Listener(listener, holder));
        }
        this.tlsReloader = new TlsReloader(tls);
        this.ownsLoops = null == borrowed;
        // Read once: unless set, the count follows the cores the JVM sees, which a container may change meanwhile.
        this.ioLoops = ownsLoops ? IoLoops.start(config.eventLoops()) : borrowed;
        final int eventLoops = ioLoops.eventLoops();
        largeFrames = new FrameBufferPool(config.maxPacketSize(),
            (int)Math.max(2, Math.min(1 << 16, LARGE_FRAME_POOL_BYTES / config.maxPacketSize())));
        loops = new EventLoopContext[eventLoops];
        outboundQueues = new OutboundQueue[loops.length];
        int index = 0;
        for (final EventExecutor executor : ioLoops.workerGroup())
        {
            final EventLoopContext loop = new EventLoopContext(index, (EventLoop)executor, ring,
                config.outboundQueueBytes(), config.maxPacketSize(), connectionCount, largeFrames,
                ring.get(0).maxInlineLength());
            loops[index] = loop;
            outboundQueues[index] = loop.outbound();
            loopByExecutor.put(executor, loop);
            index++;
        }
        if (ownsLoops)
        {
            primeAllocator();
        }
    }

    /** @return the loops this server runs on, to lend to a throwaway broker ({@link IoLoops}). */
    public IoLoops ioLoops()
    {
        return ioLoops;
    }

    /**
     * The first buffer Netty's allocator hands out initialises its JFR event classes, which takes 0.1-0.2 s on the
     * thread that asks: done here, on each loop, before any listener opens, so that the first connections after a
     * start do not wait for it (measured on 2 cores: the first CONNACK of a fresh broker took 120 ms, and 5,000
     * connections at 5,000/s right after a start had a p99 of 320 ms, most of it this wait).
     */
    private void primeAllocator()
    {
        for (final EventLoopContext loop : loops)
        {
            loop.eventLoop().submit(() -> ByteBufAllocator.DEFAULT.directBuffer(READ_BUFFER_BYTES).release())
                .syncUninterruptibly();
        }
    }

    /** @return one outbound queue per event loop, indexed by loop. */
    public OutboundQueue[] outboundQueues()
    {
        return outboundQueues;
    }

    /** @return "epoll" or "nio". */
    public String transportName()
    {
        return ioLoops.transportName();
    }

    /**
     * Where connections leave what the transport learned about them for the Router; set before {@link #bind()}.
     *
     * @param directory the Router's directory.
     */
    public void connectionDirectory(final ConnectionDirectory directory)
    {
        for (final Listener listener : listeners)
        {
            listener.directory(directory);
        }
    }

    /**
     * Authenticate every connection with this chain (before binding).
     *
     * @param service the broker's authentication chain and pool.
     */
    public void authService(final AuthService service)
    {
        for (final Listener listener : listeners)
        {
            listener.auth(service);
        }
    }

    /**
     * Bind every listener.
     *
     * @throws InterruptedException if interrupted while binding.
     * @throws BrokerStartException if an address cannot be bound.
     */
    public void bind() throws InterruptedException
    {
        bind(Level.INFO);
    }

    /**
     * Bind every listener.
     *
     * @param lifecycleLevel level of the "listening on" lines: DEBUG for a broker whose start is not the
     *                       operator's concern (the start-up warm-up's throwaway brokers).
     * @throws InterruptedException if interrupted while binding.
     * @throws BrokerStartException if an address cannot be bound.
     */
    public void bind(final Level lifecycleLevel) throws InterruptedException
    {
        for (final EventLoopContext loop : loops)
        {
            periodic.add(loop.start());
        }
        // The tail of a burst of refusals (counted after the last line, with none after them) is reported here.
        periodic.add(ioLoops.bossGroup().next().scheduleAtFixedRate(this::reportRefusals, REFUSED_LOG_INTERVAL_MS,
            REFUSED_LOG_INTERVAL_MS, TimeUnit.MILLISECONDS));
        for (final Listener listener : listeners)
        {
            bind(listener, lifecycleLevel);
        }
    }

    private void bind(final Listener listener, final Level lifecycleLevel) throws InterruptedException
    {
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(ioLoops.bossGroup(), ioLoops.workerGroup())
            .channel(ioLoops.serverChannelClass())
            .option(ChannelOption.SO_BACKLOG, 4096)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            // The peer's FIN closes the channel: a connection the broker half-closed (MqttConnectionHandler
            // closeByBroker) then ends without waiting for its linger.
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, false)
            // A fixed-size read handle is smaller per connection than the adaptive one; reads are pooled buffers.
            .childOption(RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(READ_BUFFER_BYTES))
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel channel)
                {
                    initConnection(listener, channel);
                }
            });
        final ListenerConfig settings = listener.config();
        try
        {
            listener.serverChannel(bootstrap.bind(new InetSocketAddress(settings.bind(), settings.port())).sync()
                .channel());
        }
        catch (final Exception ex)
        {
            final String what = ex instanceof BindException ? "address in use or not available" : ex.toString();
            throw new BrokerStartException("listener " + listener.name() + ": cannot listen on " + settings.bind() +
                ":" + settings.port() + ": " + what, ex);
        }
        LOG.atLevel(lifecycleLevel).log("listening on {}:{} ({}{})", settings.bind(), listener.port(),
            settings.protocol(), settings.protocol().webSocket() ? " " + settings.webSocketPath() : "");
    }

    /**
     * A connection was accepted: refuse it cheaply when over a limit (before any TLS work), else build its pipeline:
     * TLS (mqtts, wss), the WebSocket handshake and framing (ws, wss), then the MQTT connection handler, which sees
     * plain bytes whatever the listener.
     */
    private void initConnection(final Listener listener, final SocketChannel channel)
    {
        if (connectionCount.incrementAndGet() > config.maxConnections())
        {
            connectionCount.decrementAndGet();
            // Counted before the close, so whoever sees the connection closed sees it counted.
            final long refused = refusals.onEvent(System.nanoTime());
            if (refused > 0)
            {
                LOG.warn("{} connection(s) refused since the last report, the latest from {}: " +
                    "max-connections {} reached", refused, channel.remoteAddress(), config.maxConnections());
            }
            channel.close();
            return;
        }
        final long nowNs = System.nanoTime();
        final ConnectionAdmission admission = listener.admission();
        if (admission.tryAccept(channel.remoteAddress(), nowNs) != ConnectionAdmission.ACCEPTED)
        {
            connectionCount.decrementAndGet();  // counted and logged (rate-limited) by the admission
            channel.close();
            return;
        }
        final ListenerConfig.ProxyMode proxy = listener.config().proxyProtocol();
        if (proxy == ListenerConfig.ProxyMode.OFF && null != channel.remoteAddress() &&
            admission.tryAcceptAddress(channel.remoteAddress().getAddress(), nowNs) != ConnectionAdmission.ACCEPTED)
        {
            // Over its address's rate: refused before any handler (or TLS engine) exists for it.
            admission.release();
            connectionCount.decrementAndGet();
            channel.close();
            return;
        }
        channel.closeFuture().addListener(future -> admission.release());
        final EventLoopContext loop = loopByExecutor.get(channel.eventLoop());
        final ChannelPipeline pipeline = channel.pipeline();
        if (proxy != ListenerConfig.ProxyMode.OFF)
        {
            pipeline.addLast("proxy", new ProxyProtocolHandler(proxy, admission));
            // The per-address rate on the client's address from the header, before any byte reaches TLS.
            pipeline.addLast("admission", new AdmissionHandler(admission, true));
        }
        if (null != listener.tls())
        {
            pipeline.addLast("tls", listener.tls().newHandler(channel.alloc()));
        }
        if (listener.config().protocol().webSocket())
        {
            WebSocketPipeline.addTo(pipeline, listener.config(), config.maxPacketSize());
        }
        pipeline.addLast("mqtt", new MqttConnectionHandler(loop, listener));
    }

    private void reportRefusals()
    {
        final long nowNs = System.nanoTime();
        for (final Listener listener : listeners)
        {
            listener.admission().reportDue(nowNs);
        }
        final long refused = refusals.pollDue(nowNs);
        if (refused > 0)
        {
            LOG.warn("{} connection(s) refused since the last report: max-connections {} reached", refused,
                config.maxConnections());
        }
    }

    /** @return the bound port of the first listener. */
    public int port()
    {
        return listeners.get(0).port();
    }

    /** @return the listeners, in configuration order. */
    public List<Listener> listeners()
    {
        return Collections.unmodifiableList(listeners);
    }

    /**
     * @param name a listener's name.
     * @return that listener, or null.
     */
    public Listener listener(final String name)
    {
        for (final Listener listener : listeners)
        {
            if (listener.name().equals(name))
            {
                return listener;
            }
        }
        return null;
    }

    /**
     * Read every TLS listener's certificate, key, CA and CRL files again (SIGHUP); new handshakes use what loaded,
     * established connections are not touched, and a listener whose files are broken keeps its old material.
     *
     * @return listeners whose new material is in use.
     */
    public int reloadTls()
    {
        return tlsReloader.reloadAll();
    }

    /**
     * Run a task periodically on the first event loop.
     *
     * @param task       the task.
     * @param intervalMs period.
     */
    public void scheduleAtFixedRate(final Runnable task, final long intervalMs)
    {
        periodic.add(loops[0].eventLoop().scheduleAtFixedRate(task, intervalMs, intervalMs, TimeUnit.MILLISECONDS));
    }

    /** @return the first event loop, which runs the Router when the routing stage has no thread of its own. */
    public Executor routingExecutor()
    {
        return loops[0].eventLoop();
    }

    /**
     * The Router is polled from {@link #routingExecutor()}: that loop's connections hand it their frames in place
     * when they can ({@link PolledRouter#routeNow}). Call before {@link #bind}.
     *
     * @param router the polled Router.
     */
    public void directRouter(final PolledRouter router)
    {
        loops[0].directRouter(router);
    }

    /** Close the listening sockets. */
    public void stopAccepting()
    {
        tlsReloader.close();
        for (final Listener listener : listeners)
        {
            listener.stopAccepting();
        }
    }

    /**
     * Wait until every connection has closed.
     *
     * @param timeoutMs maximum wait.
     * @throws InterruptedException if interrupted.
     */
    public void awaitConnectionsClosed(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (connectionCount.get() > 0 && System.nanoTime() - deadline < 0)
        {
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    /**
     * Stop the event loops; on borrowed loops, stop this server's periodic tasks instead and wait (bounded) until
     * what it queued before has run, leaving the loops to their owner.
     */
    public void shutdown()
    {
        if (ownsLoops)
        {
            ioLoops.shutdown();
            return;
        }
        synchronized (periodic)
        {
            periodic.forEach(task -> task.cancel(false));
            periodic.clear();
        }
        awaitQueuedTasks();
    }

    /**
     * Wait (at most 5 s) until every loop has run what was queued on it before this call, such as the Router's last
     * work after {@link PolledRouter#halt()}; at once for loops that stopped.
     */
    public void awaitQueuedTasks()
    {
        if (!ioLoops.awaitQueuedTasks(5_000))
        {
            LOG.warn("event loops did not run their queued tasks within 5 s");
        }
    }

    /** @return current connections. */
    public int connectionCount()
    {
        return connectionCount.get();
    }

    @Override
    public long bytesReceived()
    {
        long total = 0;
        for (final EventLoopContext loop : loops)
        {
            total += loop.bytesReceived();
        }
        return total;
    }

    @Override
    public long bytesSent()
    {
        long total = 0;
        for (final EventLoopContext loop : loops)
        {
            total += loop.bytesSent();
        }
        return total;
    }

    @Override
    public long connectionsRefused()
    {
        long total = refusals.total();
        for (final Listener listener : listeners)
        {
            total += listener.admission().refusedTotal();
        }
        return total;
    }

    @Override
    public long droppedNotWritable()
    {
        long total = 0;
        for (final EventLoopContext loop : loops)
        {
            total += loop.droppedNotWritable();
        }
        return total;
    }

    /** @return the pool of buffers for frames larger than a ring slot keeps (statistics and tests). */
    public FrameBufferPool largeFrames()
    {
        return largeFrames;
    }
}
