package io.ringmq.transport;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.Journaller;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.RecoveryResult;
import io.ringmq.core.routing.Router;
import io.ringmq.core.security.Authenticator;
import io.ringmq.core.security.Authorizer;
import io.ringmq.core.status.TransportStats;
import io.ringmq.transport.netty.NettyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
    private final Router router;
    private final NettyServer server;
    private final Journal journal;
    private final Journaller journaller;
    private final RecoveryResult recovery;
    private boolean closed;

    private RingMqBroker(final BrokerConfig config, final Authenticator authenticator, final Authorizer authorizer)
        throws InterruptedException
    {
        this.config = config;
        this.disruptor = new Disruptor<>(RingEvent::new, config.ringSize(), runnable ->
        {
            final Thread thread = new Thread(runnable, "ringmq-router");
            thread.setDaemon(true);
            return thread;
        }, ProducerType.MULTI, waitStrategy(config.waitStrategy()));
        this.ring = disruptor.getRingBuffer();
        this.journal = openJournal(config);
        this.server = new NettyServer(config, ring);
        this.router = new Router(config, server.outboundQueues(), authenticator, authorizer, server, journal);
        try
        {
            this.recovery = router.recover(System.nanoTime());
        }
        catch (final RuntimeException ex)
        {
            server.shutdown();
            journal.close();
            throw new BrokerStartException("journal recovery failed in " + config.dataDir() + ": " + ex, ex);
        }
        logRecovery(recovery);
        this.journaller = journal.enabled() ? new Journaller(journal, ring, JOURNAL_FLUSH_INTERVAL_MS) : null;
        disruptor.handleEventsWith(router);
        if (null != journaller)
        {
            journaller.start();
        }
        disruptor.start();
        try
        {
            server.bind();
        }
        catch (final InterruptedException | RuntimeException ex)
        {
            server.shutdown();
            disruptor.halt();
            stopJournal();
            throw ex;
        }
        server.scheduleAtFixedRate(this::tick, TICK_INTERVAL_MS);
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
        return start(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL);
    }

    /**
     * Start a broker and return once it listens.
     *
     * @param config        settings; port 0 picks an ephemeral port.
     * @param authenticator CONNECT check.
     * @param authorizer    PUBLISH/SUBSCRIBE check.
     * @return the running broker.
     * @throws BrokerStartException if the port cannot be bound.
     */
    public static RingMqBroker start(final BrokerConfig config, final Authenticator authenticator,
        final Authorizer authorizer)
    {
        try
        {
            final RingMqBroker broker = new RingMqBroker(config, authenticator, authorizer);
            LOG.info("RingMQ listening on {}:{} ({} event loops, {} transport, ring {} slots)",
                config.bindAddress(), broker.port(), config.eventLoops(), broker.server.transportName(),
                config.ringSize());
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
        if (config.logSegmentSize() < 2L * config.maxPacketSize() + 4096)
        {
            throw new BrokerStartException("log-segment-size (" + config.logSegmentSize() +
                ") must be at least twice max-packet-size (" + config.maxPacketSize() + ")", null);
        }
        final Path directory = Path.of(config.dataDir());
        try
        {
            return Journal.open(directory, config.logSegmentSize(), config.storeMaxBytes(), config.sync());
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new BrokerStartException("cannot open the journal in " + directory.toAbsolutePath() + ": " +
                (ex instanceof IOException ? ex.getMessage() : ex.toString()), ex);
        }
    }

    private static void logRecovery(final RecoveryResult r)
    {
        if (null == r)
        {
            LOG.info("persistence off: sessions and messages are kept in memory only");
            return;
        }
        LOG.info("journal recovered in {} ms: {} MiB scanned from position {}, {} records; {} sessions, "
            + "{} subscriptions, {} queued and {} inflight deliveries, {} inbound QoS 2, {} retained, {} wills",
            r.nanos() / 1_000_000, r.log().bytesScanned() >> 20, r.log().fromPosition(), r.log().records(),
            r.sessions(),
            r.subscriptions(), r.queued(), r.inflight(), r.inboundQos2(), r.retained(), r.wills());
        if (r.log().truncatedBytes() > 0 || r.log().segmentsDropped() > 0 || r.unreadable() > 0)
        {
            LOG.warn("journal: dropped a torn or corrupt tail of {} bytes at position {} ({} later segments), "
                + "{} unreadable message references", r.log().truncatedBytes(), r.log().endPosition(),
                r.log().segmentsDropped(), r.unreadable());
        }
    }

    /** @return what start-up recovery rebuilt, or null with persistence off. */
    public RecoveryResult recovery()
    {
        return recovery;
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
            ring.get(sequence).control(RingEvent.TICK, 0, -1, 0, System.nanoTime());
            ring.publish(sequence);
        }
        catch (final InsufficientCapacityException ex)
        {
            // The ring is full: the next tick will do; timers are checked against deadlines, not tick counts.
        }
    }

    /** @return the bound TCP port. */
    public int port()
    {
        return server.port();
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
        LOG.info("RingMQ stopping");
        server.stopAccepting();
        final long sequence = ring.next();
        ring.get(sequence).control(RingEvent.SHUTDOWN, 0, -1, 0, System.nanoTime());
        ring.publish(sequence);
        try
        {
            router.awaitShutdown(5_000);
            server.awaitConnectionsClosed(3_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        server.shutdown();
        disruptor.halt();
        stopJournal();
        LOG.info("RingMQ stopped");
    }

    /** After the ring's threads stopped (the journal's mappings go away with close), close the journal. */
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
