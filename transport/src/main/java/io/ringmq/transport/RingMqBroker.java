package io.ringmq.transport;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.EnhancedAuthenticator;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.cluster.ClusterBridge;
import io.ringmq.cluster.ClusterNodeConfig;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.Journaller;
import io.ringmq.core.ring.FrameBufferPool;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.ring.SignalWaitStrategy;
import io.ringmq.core.routing.PolledRouter;
import io.ringmq.core.routing.RecoveryResult;
import io.ringmq.core.routing.Router;
import io.ringmq.core.status.RouterSnapshot;
import io.ringmq.core.status.TransportStats;
import io.ringmq.store.log.ForceMarker;
import io.ringmq.store.log.LogCorruptedException;
import io.ringmq.store.log.MessageLog;
import io.ringmq.store.log.RecoveryReport;
import io.ringmq.transport.admin.AdminGateway;
import io.ringmq.transport.admin.AdminHttpServer;
import io.ringmq.transport.admin.BrokerMetrics;
import io.ringmq.transport.auth.AuthFactory;
import io.ringmq.transport.auth.AuthService;
import io.ringmq.transport.auth.acl.AclCompiler;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.config.TlsConfig;
import io.ringmq.transport.tls.TlsContextHolder;
import io.ringmq.transport.tls.TlsMaterialException;
import io.ringmq.transport.netty.IoLoops;
import io.ringmq.transport.netty.Listener;
import io.ringmq.transport.netty.NettyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running RingMQ broker: Netty event loops frame packets onto the inbound Disruptor ring, the {@link Router}
 * consumes it and hands encoded packets back to each loop's outbound queue.
 * <p>
 * <b>Threading:</b> {@link #start} and {@link #close} may be called from any thread; close is idempotent.
 */
public final class RingMqBroker implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RingMqBroker.class);
    private static final long TICK_INTERVAL_MS = 100;
    /** With sync=none, how often the journal is forced in the background (what a power loss can take). */
    private static final long JOURNAL_FLUSH_INTERVAL_MS = 1000;

    private final BrokerConfig config;
    private final Disruptor<RingEvent> disruptor;
    private final RingBuffer<RingEvent> ring;
    /** Serialises reloads (SIGHUP and the admin API). */
    private final Object reloadLock = new Object();
    /** The configuration the broker started with (read-only but for the settings a reload applies). */
    private final ServerConfig serverConfig;
    /** Admin operations to the Router, as ring events (the HTTP endpoint's, or an embedding program's). */
    private final AdminGateway admin;
    private final Router router;
    /** The ring's wait strategy when the Router has no thread (wait-strategy event-loop), else null. */
    private final SignalWaitStrategy signalled;
    /** The Router's polling on the first event loop (wait-strategy event-loop), else null. */
    private final PolledRouter polledRouter;
    private final NettyServer server;
    private final Journal journal;
    private final Journaller journaller;
    /** The authentication chain and pool, or null when nothing is configured (every client is let in). */
    private final AuthService auth;
    /** This node's part of the cluster, or null for a single node. */
    private final ClusterBridge cluster;
    /** Set by the auth reload thread, taken by the next tick (which then carries PERMISSIONS_RELOADED). */
    private final AtomicBoolean permissionsReloaded = new AtomicBoolean();

    /** The HTTP endpoint (health, metrics), or null with --http-port 0, the default of an embedded broker. */
    private final AdminHttpServer http;
    /** Set once by the starting thread when recovery is done and every listener is bound; read by the HTTP loop. */
    private volatile boolean ready;
    /** Set once by {@link #close} as it begins; read by the HTTP loop, which then answers 503 to readiness checks. */
    private volatile boolean stopping;

    private final RecoveryResult recovery;
    /** INFO, or DEBUG for a broker whose start and stop are not the operator's concern ({@link ServerConfig#quiet}). */
    private final Level lifecycleLevel;
    /** The first fatal failure of a broker thread, or null; set once (compare-and-set) by the failing thread. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Counted down once {@link #close} has finished, by whichever path stopped the broker. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean closed;

    private RingMqBroker(final ServerConfig serverConfig, final AuthFactory.Embedded embedded,
        final IoLoops borrowedLoops) throws InterruptedException
    {
        this.serverConfig = serverConfig;
        this.lifecycleLevel = serverConfig.quiet() ? Level.DEBUG : Level.INFO;
        final BrokerConfig config = serverConfig.broker();
        final List<ListenerConfig> listeners;
        final ClusterNodeConfig clusterConfig;
        try
        {
            config.conclude();
            listeners = serverConfig.listeners();
            clusterConfig = serverConfig.cluster();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new BrokerStartException(ex.getMessage(), ex);
        }
        this.config = config;
        // Slots keep small frames; larger ones go in the transport's pooled buffers (NettyServer).
        final int maxInlineLength = Math.min(config.maxPacketSize(), RingEvent.DEFAULT_MAX_INLINE_LENGTH);
        final String strategy = config.effectiveWaitStrategy(Runtime.getRuntime().availableProcessors());
        this.signalled = BrokerConfig.EVENT_LOOP.equals(strategy) ? new SignalWaitStrategy() : null;
        this.disruptor = newRing(config, maxInlineLength, null != signalled ? signalled : waitStrategy(strategy));
        this.ring = disruptor.getRingBuffer();
        this.admin = new AdminGateway(ring);
        try
        {
            this.auth = AuthFactory.create(serverConfig.auth(), embedded, AclCompiler::compile);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new BrokerStartException(ex.getMessage(), ex);
        }
        this.journal = openJournal(config);
        try
        {
            this.server = new NettyServer(config, listeners, ring, borrowedLoops);
        }
        catch (final BrokerStartException ex)
        {
            journal.close();
            closeAuth();
            throw ex;
        }
        this.router = new Router(config, server.outboundQueues(), TopicPermissions.ALLOW_ALL, server, journal);
        this.cluster = null == clusterConfig ? null : startCluster(clusterConfig);
        // Polled from the first event loop, or consumed by a thread of its own (handleEventsWith below).
        this.polledRouter = null == signalled ? null : pollRouter();
        server.connectionDirectory(router.connectionDirectory());
        if (null != auth)
        {
            // Every CONNECT is decided on the authentication pool before it enters the ring; one that arrives
            // without a decision is refused.
            router.requireAuthentication();
            server.authService(auth);
            auth.onPermissionsReloaded(() -> permissionsReloaded.set(true));
            auth.watch(serverConfig.auth().watchIntervalMs());
            LOG.info("authentication: {}", String.join(", ", auth.describe()));
        }
        router.fatalHandler(this::onFatal);
        // Started before recovery, which may take a while: liveness answers and readiness says "starting" meanwhile.
        this.http = startHttp(serverConfig);
        try
        {
            this.recovery = router.recover(System.nanoTime());
        }
        catch (final LogCorruptedException ex)
        {
            abortBeforeRing();
            throw new BrokerStartException(refusal(config, ex), ex);
        }
        catch (final RuntimeException ex)
        {
            abortBeforeRing();
            throw new BrokerStartException("journal recovery failed in " + config.dataDir() + ": " + ex, ex);
        }
        logRecovery(recovery, lifecycleLevel);
        this.journaller = journal.enabled() ?
            new Journaller(journal, ring, JOURNAL_FLUSH_INTERVAL_MS, this::onFatal) : null;
        startRouting();
        warmUpAndTenure(serverConfig, server.ioLoops());
        try
        {
            server.bind(lifecycleLevel);
        }
        catch (final InterruptedException | RuntimeException ex)
        {
            closeHttp();
            server.shutdown();
            haltRouting();
            stopJournal();
            closeAuth();
            closeCluster();
            throw ex;
        }
        server.scheduleAtFixedRate(this::tick, TICK_INTERVAL_MS);
        ready = true;
    }

    /**
     * Start the HTTP endpoint; if it cannot listen, release what the constructor has opened so far and throw.
     *
     * @return the endpoint, started, or null when its port is 0.
     */
    private AdminHttpServer startHttp(final ServerConfig serverConfig) throws InterruptedException
    {
        if (0 == serverConfig.httpPort())
        {
            return null;
        }
        final BrokerMetrics metrics = new BrokerMetrics(router::snapshot, server, server.listeners(), true);
        metrics.ring(ring, router.handoffLatency());
        metrics.outboundQueues(server.outboundQueues());
        if (null != cluster)
        {
            metrics.cluster(cluster);
        }
        server.listeners().forEach(listener -> listener.recordAddresses(true));   // the API lists addresses
        final AdminHttpServer endpoint;
        try
        {
            final TlsConfig tls = serverConfig.httpTls();
            endpoint = new AdminHttpServer(serverConfig.httpBind(), serverConfig.httpPort(),
                null == tls ? null : TlsContextHolder.open("http", tls), serverConfig.httpToken(), metrics,
                this::notReadyReason, admin, new BrokerStatus(this, serverConfig, metrics), () -> ready);
            endpoint.start();
        }
        catch (final InterruptedException | RuntimeException ex)
        {
            server.shutdown();
            journal.close();
            closeAuth();
            closeCluster();
            if (ex instanceof TlsMaterialException || ex instanceof IllegalArgumentException)
            {
                throw new BrokerStartException("HTTP endpoint: " + ex.getMessage(), ex);
            }
            throw ex;
        }
        return endpoint;
    }

    private void startJournaller()
    {
        if (null == journaller)
        {
            return;
        }
        if (null != http)
        {
            http.metrics().journalForces(journaller.forceLatency());
        }
        journaller.start();
    }

    /** The Router polled from the first event loop, which also hands it that loop's frames in place. */
    private PolledRouter pollRouter()
    {
        final PolledRouter polled = new PolledRouter(router, ring, server.routingExecutor(), this::onFatal);
        server.directRouter(polled);
        return polled;
    }

    /** A start that failed before the ring started: close what the constructor opened. */
    private void abortBeforeRing()
    {
        closeHttp();
        server.shutdown();
        journal.close();
        closeAuth();
        closeCluster();
    }

    /**
     * Readiness for the HTTP endpoint, from thread-safe state only: the flags, the failure and the Router's last
     * snapshot.
     *
     * @return null when ready to take traffic, else why not.
     */
    private String notReadyReason()
    {
        if (stopping)
        {
            return "stopping";
        }
        final Throwable fatal = failure.get();
        if (null != fatal)
        {
            return "failed: " + fatal;
        }
        if (!ready)
        {
            return "starting: journal recovery or listener binding not finished";
        }
        final RouterSnapshot snapshot = router.snapshot();
        if (snapshot.journalFull())
        {
            return "journal full: the store refuses writes (see store-max-bytes)";
        }
        return null;
    }

    /** @return whether the broker has recovered, bound its listeners and is not stopping, failed or full. */
    public boolean isReady()
    {
        return null == notReadyReason();
    }

    /**
     * @return the way to run admin operations on the Router (list clients, disconnect one, publish...), for the
     *         HTTP endpoint and for programs that embed the broker.
     */
    public AdminGateway admin()
    {
        return admin;
    }

    /** @return the HTTP endpoint's bound port, or -1 when it is off. */
    public int httpPort()
    {
        return null == http ? -1 : http.port();
    }

    private void closeHttp()
    {
        if (null != http)
        {
            http.close();
        }
    }

    /**
     * Start a broker with allow-all security and return once it listens.
     *
     * @param config settings; port 0 picks an ephemeral port.
     * @return the running broker.
     * @throws BrokerStartException if the port cannot be bound.
     */
    public static RingMqBroker start(final BrokerConfig config)
    {
        return start(new ServerConfig(config), List.of(), List.of());
    }

    /**
     * Start a broker with its listeners and return once they all listen.
     *
     * @param config settings and listeners.
     * @return the running broker.
     * @throws BrokerStartException if a listener cannot start or a setting is wrong.
     */
    public static RingMqBroker start(final ServerConfig config)
    {
        return start(config, List.of(), List.of());
    }

    /**
     * Start a broker with its listeners and sources of the embedding application, and return once they all listen.
     *
     * @param config         settings and listeners; port 0 picks an ephemeral port.
     * @param authenticators authentication sources after the configured ones (run on the authentication pool).
     * @param authorizers    authorizers after the configured ones.
     * @return the running broker.
     * @throws BrokerStartException if a listener cannot start or a setting is wrong.
     */
    public static RingMqBroker start(final ServerConfig config, final List<Authenticator> authenticators,
        final List<Authorizer> authorizers)
    {
        return start(config, authenticators, List.of(), authorizers);
    }

    /**
     * Start a broker with its listeners and sources of the embedding application, and return once they all listen.
     *
     * @param config         settings and listeners; port 0 picks an ephemeral port.
     * @param authenticators authentication sources after the configured ones (run on the authentication pool).
     * @param enhanced       MQTT 5 enhanced authentication methods besides the configured ones.
     * @param authorizers    authorizers after the configured ones.
     * @return the running broker.
     * @throws BrokerStartException if a listener cannot start or a setting is wrong.
     */
    public static RingMqBroker start(final ServerConfig config, final List<Authenticator> authenticators,
        final List<EnhancedAuthenticator> enhanced, final List<Authorizer> authorizers)
    {
        return start(config, new AuthFactory.Embedded(authenticators, enhanced, authorizers), null);
    }

    /**
     * Start a broker on another broker's event loops ({@link IoLoops}): the start-up warm-up's throwaways. Closing
     * it leaves the loops running.
     *
     * @param config settings and listeners.
     * @param loops  the loops to run on.
     * @return the running broker.
     * @throws BrokerStartException if a listener cannot start or a setting is wrong.
     */
    static RingMqBroker startOn(final ServerConfig config, final IoLoops loops)
    {
        return start(config, new AuthFactory.Embedded(List.of(), List.of(), List.of()), loops);
    }

    private static RingMqBroker start(final ServerConfig config, final AuthFactory.Embedded embedded,
        final IoLoops borrowedLoops)
    {
        try
        {
            final RingMqBroker broker = new RingMqBroker(config, embedded, borrowedLoops);
            final BrokerConfig settings = config.broker();
            LOG.atLevel(broker.lifecycleLevel).log(
                "RingMQ started: {} listener(s), {} event loops, {} transport, ring {} slots, {} wait strategy",
                broker.server.listeners().size(), settings.eventLoops(), broker.server.transportName(),
                settings.ringSize(), settings.effectiveWaitStrategy(Runtime.getRuntime().availableProcessors()));
            return broker;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new BrokerStartException("interrupted while starting", ex);
        }
    }

    private static Journal openJournal(final BrokerConfig config)
    {
        if (!config.persistence())
        {
            return Journal.disabled();
        }
        final Path directory = Path.of(config.dataDir());
        try
        {
            final Journal journal = Journal.open(directory, config.logSegmentSize(), config.storeMaxBytes(),
                config.sync(), config.recoveryAllowCut());
            if (null != config.forceMarker())
            {
                try
                {
                    journal.log().forceMarker(ForceMarker.open(Path.of(config.forceMarker())));
                }
                catch (final IOException | RuntimeException ex)
                {
                    journal.close();
                    throw ex;
                }
            }
            return journal;
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new BrokerStartException("cannot open the journal in " + directory.toAbsolutePath() + ": " +
                (ex instanceof IOException ? ex.getMessage() : ex.toString()), ex);
        }
    }

    /** The one line the broker exits with when recovery refuses to cut valid records. */
    private static String refusal(final BrokerConfig config, final LogCorruptedException ex)
    {
        final Path log = Path.of(config.dataDir()).toAbsolutePath().resolve("log");
        return "the journal in " + log + " is damaged at log position " + ex.damagePosition() + " and " +
            ex.followingRecords() + " valid records (" + ex.cutBytes() + " bytes to the end of the written data) " +
            "follow the damage; starting would cut them, so the broker refuses to start. Restore data-dir from a " +
            "backup, or start with --recovery-allow-cut true to cut them (a copy of the cut bytes is kept in " +
            log.resolve(MessageLog.QUARANTINE_FOLDER) + ")";
    }

    private static void logRecovery(final RecoveryResult r, final Level level)
    {
        if (null == r)
        {
            LOG.atLevel(level).log("persistence off: sessions and messages are kept in memory only");
            return;
        }
        LOG.atLevel(level).log("journal recovered in {} ms: {} MiB scanned from position {}, {} records; {} sessions, "
            + "{} subscriptions, {} queued and {} inflight deliveries, {} inbound QoS 2, {} retained, {} wills",
            r.nanos() / 1_000_000, r.log().bytesScanned() >> 20, r.log().fromPosition(), r.log().records(),
            r.sessions(),
            r.subscriptions(), r.queued(), r.inflight(), r.inboundQos2(), r.retained(), r.wills());
        final RecoveryReport log = r.log();
        if (log.truncatedRecords() > 0)
        {
            LOG.warn("journal: recovery-allow-cut: cut {} valid records and {} bytes in all at log position {}, after "
                + "damage there ({} later segments deleted); the cut bytes are in {}", log.truncatedRecords(),
                log.truncatedBytes(), log.endPosition(), log.segmentsDropped(), log.quarantineFile());
        }
        else if (log.truncatedBytes() > 0)
        {
            LOG.warn("journal: cut a torn tail of {} bytes at log position {}, no valid records in it ({} later "
                + "segments deleted); the cut bytes are in {}", log.truncatedBytes(), log.endPosition(),
                log.segmentsDropped(), log.quarantineFile());
        }
        if (r.unreadable() > 0)
        {
            LOG.warn("journal: {} unreadable message references dropped", r.unreadable());
        }
        if (r.unacknowledgedQos2() > 0)
        {
            LOG.info("journal: {} QoS 2 messages lost their PUBREC record at the end of the log and were never "
                + "acknowledged; their {} deliveries are dropped, the publishers send them again",
                r.unacknowledgedQos2(), r.droppedDeliveries());
        }
    }

    /** @return what start-up recovery rebuilt, or null with persistence off. */
    public RecoveryResult recovery()
    {
        return recovery;
    }

    private static Disruptor<RingEvent> newRing(final BrokerConfig config, final int maxInlineLength,
        final WaitStrategy waitStrategy)
    {
        return new Disruptor<>(() -> new RingEvent(maxInlineLength), config.ringSize(), runnable ->
        {
            final Thread thread = new Thread(runnable, "ringmq-router");
            thread.setDaemon(true);
            return thread;
        }, ProducerType.MULTI, waitStrategy);
    }

    /** Start the journaller and the routing stage: a thread of its own, or polling on the first event loop. */
    private void startRouting()
    {
        disruptor.setDefaultExceptionHandler(new RouterExceptionHandler());
        if (null == polledRouter)
        {
            disruptor.handleEventsWith(router);
        }
        startJournaller();
        disruptor.start();
        if (null != polledRouter)
        {
            signalled.signal(polledRouter::signal);
            polledRouter.signal();  // whatever was published before the signal was set
        }
    }

    /**
     * One full collection before the listeners open: what start-up built to last (the ring's slots, the recovered
     * sessions and retained messages; 25 MB for an empty broker) moves to the old generation at once. Otherwise each
     * young collection copies it again from survivor space to survivor space until it is tenured, up to 15 times:
     * *measured* on 2 cores, 14-24 ms young pauses with 2 MB of young survivors, in the middle of client traffic. A
     * JVM run with {@code -XX:+DisableExplicitGC} skips this, and so does a broker embedded in another program.
     */
    private static void tenureStartUpState()
    {
        System.gc();
    }

    /**
     * The start-up warm-up ({@link StartUpWarmUp}) on this broker's event loops, then the full collection, which
     * takes its garbage too.
     */
    private static void warmUpAndTenure(final ServerConfig serverConfig, final IoLoops loops)
    {
        StartUpWarmUp.run(serverConfig.warmUpConnections(), serverConfig, loops);
        if (serverConfig.ownsProcess())
        {
            tenureStartUpState();
        }
    }

    /** Stop the routing stage: its thread, or its polling on the first event loop (stopped before this). */
    private void haltRouting()
    {
        if (null != polledRouter)
        {
            polledRouter.halt();
            // Its last work (the Router's shutdown) is queued on an event loop that may go on: a throwaway's, on the
            // real broker's loops. It must have run before the journal closes.
            server.awaitQueuedTasks();
        }
        disruptor.halt();
    }

    private static WaitStrategy waitStrategy(final String name)
    {
        return switch (name)
        {
            case "blocking" -> new BlockingWaitStrategy();
            case "yielding" -> new YieldingWaitStrategy();
            case "busy-spin" -> new BusySpinWaitStrategy();
            default -> PhasedBackoffWaitStrategy.withLock(20, 200, TimeUnit.MICROSECONDS);
        };
    }

    private void tick()
    {
        try
        {
            final long sequence = ring.tryNext();
            // A reload of the authorizers' rules rides on a tick: the Router then judges subscriptions again.
            final int type = permissionsReloaded.compareAndSet(true, false) ? RingEvent.PERMISSIONS_RELOADED :
                RingEvent.TICK;
            ring.get(sequence).control(type, 0, -1, 0, System.nanoTime());
            ring.publish(sequence);
        }
        catch (final InsufficientCapacityException ex)
        {
            // The ring is full: the next tick will do; timers are checked against deadlines, not tick counts.
        }
        catch (final RuntimeException ex)
        {
            // A scheduled task that throws is never run again: the ticks, and with them every timer, would stop.
            LOG.error("tick failed", ex);
        }
    }

    /**
     * A broker thread met a failure it cannot recover from: log it once, stop the broker on a thread of its own
     * (the failing thread may be one that {@link #close} waits for) and let {@link #awaitStopped} return.
     */
    private void onFatal(final String stage, final Throwable cause)
    {
        if (!failure.compareAndSet(null, cause))
        {
            return;
        }
        LOG.error("fatal: the {} failed, stopping the broker ({})", stage, cause.toString(), cause);
        final Thread stopper = new Thread(this::close, "ringmq-fatal-stop");
        stopper.setDaemon(true);
        stopper.start();
    }

    /** @return the failure that stopped the broker, or null if none did. */
    public Throwable failure()
    {
        return failure.get();
    }

    /**
     * Wait until the broker has stopped: {@link #close} finished, called by the owner or after a fatal failure.
     *
     * @param timeoutMs maximum wait.
     * @return true if it stopped.
     * @throws InterruptedException if interrupted.
     */
    public boolean awaitStopped(final long timeoutMs) throws InterruptedException
    {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /**
     * The Disruptor's handler for whatever escapes {@link Router#onEvent} (which has its own boundary) and for the
     * routing thread's start and stop: log, count, and go on, or stop the broker on an {@link Error}. The
     * Disruptor's default handler would end the routing thread and leave the ring to fill.
     */
    private final class RouterExceptionHandler implements ExceptionHandler<RingEvent>
    {
        @Override
        public void handleEventException(final Throwable ex, final long sequence, final RingEvent event)
        {
            router.counters().routerErrors++;
            if (ex instanceof Error)
            {
                onFatal("router", ex);
            }
            else
            {
                LOG.error("routing failed at sequence {}", sequence, ex);
            }
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            onFatal("router start", ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            LOG.error("routing thread stop failed", ex);
        }
    }

    /** @return the bound TCP port. */
    public int port()
    {
        return server.port();
    }

    /**
     * @param name a listener's name.
     * @return its bound port.
     * @throws IllegalArgumentException if there is no such listener.
     */
    public int port(final String name)
    {
        final Listener listener = server.listener(name);
        if (null == listener)
        {
            throw new IllegalArgumentException("no listener named " + name);
        }
        return listener.port();
    }

    /** @return the listeners, in configuration order. */
    public List<Listener> listeners()
    {
        return server.listeners();
    }

    /**
     * Read the TLS files of every listener again (SIGHUP); established connections are not touched.
     */
    public void reloadTls()
    {
        final int reloaded = server.reloadTls();
        LOG.info("reload requested: {} TLS listener(s) took new material", reloaded);
    }

    /**
     * Reload everything that can change without a restart (SIGHUP, the admin API): the configuration file (the
     * settings {@link ConfigReload} can apply, and a line for each one that needs a restart), the TLS material and
     * the authentication files (password, SCRAM credentials, ACL, token keys). A file that fails to parse is refused
     * and what it held stays. One reload at a time (its own lock: never the broker's, which {@link #close} holds
     * while it waits for the HTTP loop a reload may run on).
     *
     * @return one line per change or refusal.
     */
    public List<String> reload()
    {
        synchronized (reloadLock)
        {
            return reloadNow();
        }
    }

    private List<String> reloadNow()
    {
        final List<String> changes = new ArrayList<>(ConfigReload.apply(serverConfig, server.listeners(), admin));
        changes.add(server.reloadTls() + " TLS listener(s) took new material");
        if (null != http && null != http.tls() && http.tls().reloadIfChanged())
        {
            changes.add("the HTTP endpoint took new TLS material");
        }
        if (null != auth)
        {
            changes.addAll(auth.reload());
        }
        LOG.info("reload requested: {}", String.join("; ", changes));
        return changes;
    }

    /** @return the authentication chain, or null when the broker does not authenticate. */
    public AuthService auth()
    {
        return auth;
    }

    /** @return the pool of buffers for frames larger than a ring slot keeps (figures; thread-safe). */
    public FrameBufferPool largeFrames()
    {
        return server.largeFrames();
    }

    /** @return the routing stage, for counters. */
    public Router router()
    {
        return router;
    }

    /** @return figures only the transport knows (bytes, refused connections); readable from any thread. */
    public TransportStats transportStats()
    {
        return server;
    }

    /** @return the settings the broker runs with. */
    public BrokerConfig config()
    {
        return config;
    }

    /**
     * Stop the broker: stop accepting, send MQTT 5 clients DISCONNECT 0x8B (server shutting down), flush and
     * close every connection, then stop the threads.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        stopping = true;
        LOG.atLevel(lifecycleLevel).log("RingMQ stopping");
        server.stopAccepting();
        try
        {
            if (publishShutdown())
            {
                router.awaitShutdown(5_000);
                server.awaitConnectionsClosed(3_000);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        try
        {
            // Each step on its own: one that fails must not leave the others' resources open.
            stopStep("event loops", server::shutdown);
            stopStep("routing stage", this::haltRouting);
            stopStep("journal", this::stopJournal);
            stopStep("cluster", this::closeCluster);
            stopStep("authentication", this::closeAuth);
            // Last, so that readiness checks see "stopping" (503) while connections drain.
            stopStep("HTTP endpoint", this::closeHttp);
            LOG.atLevel(lifecycleLevel).log("RingMQ stopped");
        }
        finally
        {
            stopped.countDown();    // whatever failed, awaitStopped returns and the process can exit
        }
    }

    /**
     * One step of {@link #close}, its own error boundary: a failure (even an Error, such as a class that can no
     * longer be loaded because the jar was replaced under a running broker) is logged and the stop goes on.
     */
    private static void stopStep(final String what, final Runnable step)
    {
        try
        {
            step.run();
        }
        catch (final RuntimeException | Error ex)
        {
            LOG.error("stopping: closing the {} failed; going on with the rest", what, ex);
        }
    }

    /**
     * Put SHUTDOWN on the ring, waiting a bounded time for a slot: a routing stage that no longer consumes must not
     * make the stop hang.
     *
     * @return false if the ring stayed full (clients are then closed without a DISCONNECT).
     * @throws InterruptedException if interrupted.
     */
    private boolean publishShutdown() throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true)
        {
            try
            {
                final long sequence = ring.tryNext();
                ring.get(sequence).control(RingEvent.SHUTDOWN, 0, -1, 0, System.nanoTime());
                ring.publish(sequence);
                return true;
            }
            catch (final InsufficientCapacityException ex)
            {
                if (System.nanoTime() - deadlineNs >= 0)
                {
                    LOG.error("the inbound ring stayed full for 5 s: the routing stage is not consuming; "
                        + "closing connections without DISCONNECT");
                    return false;
                }
                Thread.sleep(1);
            }
        }
    }

    /** After the ring's threads stopped (the journal's mappings go away with close), close the journal. */
    /**
     * Start this node's part of the cluster (control-plane client, data plane, and for a voting member the consensus
     * module) and join the Router to it, before recovery, so that recovered subscriptions are announced.
     */
    private ClusterBridge startCluster(final ClusterNodeConfig clusterConfig)
    {
        final ClusterBridge bridge = new ClusterBridge(clusterConfig.nodeId(), ring, config.maxPacketSize());
        try
        {
            bridge.start(clusterConfig);
        }
        catch (final RuntimeException ex)
        {
            bridge.close();
            server.shutdown();
            journal.close();
            closeAuth();
            throw new BrokerStartException("cluster: node " + clusterConfig.nodeId() + " could not start: " + ex, ex);
        }
        router.clusterLink(bridge);
        return bridge;
    }

    private void closeCluster()
    {
        if (null != cluster)
        {
            cluster.close();
        }
    }

    private void closeAuth()
    {
        if (null != auth)
        {
            auth.close();
        }
    }

    private void stopJournal()
    {
        try
        {
            router.awaitStopped(5_000);
            if (null != journaller)
            {
                journaller.close();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        journal.close();
    }
}
