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
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.Router;
import io.ringmq.core.security.Authenticator;
import io.ringmq.core.security.Authorizer;
import io.ringmq.transport.netty.NettyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private final BrokerConfig config;
    private final Disruptor<RingEvent> disruptor;
    private final RingBuffer<RingEvent> ring;
    private final Router router;
    private final NettyServer server;
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
        this.server = new NettyServer(config, ring);
        this.router = new Router(config, server.outboundQueues(), authenticator, authorizer, server);
        disruptor.handleEventsWith(router);
        disruptor.start();
        try
        {
            server.bind();
        }
        catch (final InterruptedException | RuntimeException ex)
        {
            server.shutdown();
            disruptor.halt();
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
        LOG.info("RingMQ stopped");
    }
}
