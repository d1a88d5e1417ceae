package io.ringmq.transport.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The event loop threads of a broker: the loops that serve connections, and the one that accepts them (the first
 * serving loop itself when there is only one). Made by the broker's {@link NettyServer}, which owns them and stops
 * them with itself; the start-up warm-up's throwaway brokers borrow them ({@link NettyServer#NettyServer(
 * io.ringmq.core.config.BrokerConfig, java.util.List, com.lmax.disruptor.RingBuffer, IoLoops) the borrowing
 * constructor}), so that the connections it makes run on the very threads the real clients will: what Netty keeps
 * per thread (object pools, handler masks, allocator caches) is then set up, and the code compiled around it stays
 * valid, instead of being set up by the first real clients and that code thrown away at their first connection.
 * *Measured* on 2 cores, 6 fresh starts each: the first storm of 5,000 connections at 5,000/s after a start had a
 * CONNACK p99 of 0.8-4.3 ms (median 1.7) on these loops, 2.0-7.9 ms (median 3.0) on loops of the throwaways' own.
 * <p>
 * <b>Threading:</b> immutable after construction; {@link #shutdown()} and {@link #awaitQueuedTasks} from any thread
 * but the loops'.
 */
public final class IoLoops
{
    private static final Logger LOG = LoggerFactory.getLogger(IoLoops.class);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final String transportName;

    private IoLoops(final EventLoopGroup bossGroup, final EventLoopGroup workerGroup,
        final Class<? extends ServerChannel> serverChannelClass, final String transportName)
    {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.serverChannelClass = serverChannelClass;
        this.transportName = transportName;
    }

    /**
     * Start the threads: epoll where the platform has it, NIO otherwise.
     *
     * @param eventLoops serving loops, at least 1.
     * @return the loops.
     */
    static IoLoops start(final int eventLoops)
    {
        final IoHandlerFactory factory;
        final Class<? extends ServerChannel> serverChannelClass;
        final String transportName;
        if (Epoll.isAvailable())
        {
            factory = EpollIoHandler.newFactory();
            serverChannelClass = EpollServerSocketChannel.class;
            transportName = "epoll";
        }
        else
        {
            LOG.warn("epoll unavailable ({}), using NIO", Epoll.unavailabilityCause().toString());
            factory = NioIoHandler.newFactory();
            serverChannelClass = NioServerSocketChannel.class;
            transportName = "nio";
        }
        final EventLoopGroup workerGroup =
            new MultiThreadIoEventLoopGroup(eventLoops, new DefaultThreadFactory("ringmq-io", true), factory);
        // A single event loop (the default on small machines) also accepts: one thread fewer, and a new connection
        // is registered on the loop that accepted it instead of being handed over (in a storm of 5,000 connections
        // a second, the accept thread took 16-20% of a core and woke the loop for every connection).
        final EventLoopGroup bossGroup = 1 == eventLoops ? workerGroup :
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ringmq-accept", true), factory);
        return new IoLoops(bossGroup, workerGroup, serverChannelClass, transportName);
    }

    EventLoopGroup bossGroup()
    {
        return bossGroup;
    }

    EventLoopGroup workerGroup()
    {
        return workerGroup;
    }

    /** @return the serving loops, however many were asked for or borrowed. */
    int eventLoops()
    {
        return count(workerGroup);
    }

    Class<? extends ServerChannel> serverChannelClass()
    {
        return serverChannelClass;
    }

    String transportName()
    {
        return transportName;
    }

    /**
     * Wait until every loop has run the tasks queued on it before this call: a broker that borrowed the loops is gone
     * from them once its last tasks have run. Returns at once for loops that have stopped.
     *
     * @param timeoutMs longest wait in all.
     * @return false if a loop did not get there in time.
     */
    boolean awaitQueuedTasks(final long timeoutMs)
    {
        final CountDownLatch reached = new CountDownLatch(eventLoops() + (bossGroup == workerGroup ? 0 :
            count(bossGroup)));
        final Runnable marker = reached::countDown;
        submitTo(bossGroup, marker, reached);
        if (bossGroup != workerGroup)
        {
            submitTo(workerGroup, marker, reached);
        }
        try
        {
            return reached.await(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stop the threads, waiting a bounded time: a stop request must end the process even if a loop does not. */
    void shutdown()
    {
        if (bossGroup != workerGroup)
        {
            bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (!workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS))
        {
            LOG.warn("event loops did not terminate within 5 s");
        }
    }

    private static int count(final EventLoopGroup group)
    {
        int count = 0;
        for (final EventExecutor ignored : group)
        {
            count++;
        }
        return count;
    }

    private static void submitTo(final EventLoopGroup group, final Runnable marker, final CountDownLatch reached)
    {
        for (final EventExecutor executor : group)
        {
            if (executor.inEventLoop())
            {
                reached.countDown();    // called from this loop: what it queued runs after the caller returns
                continue;
            }
            try
            {
                executor.execute(marker);
            }
            catch (final RejectedExecutionException ex)
            {
                reached.countDown();    // stopped: nothing of anyone's runs there any more
            }
        }
    }
}
