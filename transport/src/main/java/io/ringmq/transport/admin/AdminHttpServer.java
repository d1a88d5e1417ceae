package io.ringmq.transport.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.ringmq.transport.BrokerStartException;
import io.ringmq.transport.tls.TlsContextHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The broker's HTTP endpoint for operations ({@code /health/live}, {@code /health/ready}, {@code /metrics}, and the
 * admin API under {@code /api/}): Netty's HTTP codec on an event loop group of its own, one thread, so that a scrape
 * or a slow HTTP client never takes time from the MQTT event loops. Requests are small (bodies up to
 * {@link #MAX_CONTENT_LENGTH}); an idle connection is closed after {@link #READ_TIMEOUT_SECONDS}.
 * <p>
 * <b>Threading:</b> {@link #start} and {@link #close} from the broker's starting and stopping threads; requests on
 * the group's one thread.
 */
public final class AdminHttpServer implements AutoCloseable
{
    /** Largest request body: the endpoint takes small JSON bodies at most. */
    public static final int MAX_CONTENT_LENGTH = 64 * 1024;
    /** An HTTP connection that sends nothing for this long is closed (keep-alive scrapers send every interval). */
    static final int READ_TIMEOUT_SECONDS = 120;
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);

    private final String bind;
    private final int port;
    private final AdminRequestHandler handler;
    private final BrokerMetrics metrics;
    /** HTTPS material, or null; reloaded on SIGHUP like a listener's. */
    private final TlsContextHolder tls;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> channelClass;
    /** Set once by {@link #start} (the starting thread), read by any thread afterwards. */
    private volatile Channel serverChannel;

    /**
     * @param bind      address to listen on.
     * @param port      port, 0 for an ephemeral one.
     * @param tls       the endpoint's TLS material (HTTPS only), or null for plain HTTP.
     * @param token     bearer token of the admin API, or null (the API then answers 401).
     * @param metrics   what {@code /metrics} writes.
     * @param readiness what {@code /health/ready} answers.
     * @param gateway   the admin API's way to the Router.
     * @param broker    the admin API's information and control of the broker.
     * @param started   whether the Router runs (the admin API answers 503 before).
     */
    public AdminHttpServer(final String bind, final int port, final TlsContextHolder tls, final String token,
        final BrokerMetrics metrics, final Readiness readiness, final AdminGateway gateway, final BrokerControl broker,
        final BooleanSupplier started)
    {
        this.tls = tls;
        this.bind = bind;
        this.port = port;
        this.metrics = metrics;
        this.handler = new AdminRequestHandler(metrics, readiness, new AdminApi(gateway, broker, started), token);
        final IoHandlerFactory factory;
        if (Epoll.isAvailable())
        {
            factory = EpollIoHandler.newFactory();
            channelClass = EpollServerSocketChannel.class;
        }
        else
        {
            // NettyServer has already said once why epoll is unavailable.
            factory = NioIoHandler.newFactory();
            channelClass = NioServerSocketChannel.class;
        }
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ringmq-http", true), factory);
    }

    /**
     * Listen on the address.
     *
     * @throws BrokerStartException if it cannot be bound (the event loop group is then shut down).
     * @throws InterruptedException if interrupted while binding.
     */
    public void start() throws InterruptedException
    {
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(group)
            .channel(channelClass)
            .option(ChannelOption.SO_BACKLOG, 128)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel channel)
                {
                    if (null != tls)
                    {
                        channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                    }
                    channel.pipeline()
                        .addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(MAX_CONTENT_LENGTH))
                        .addLast(handler);
                }
            });
        try
        {
            serverChannel = bootstrap.bind(new InetSocketAddress(bind, port)).sync().channel();
        }
        catch (final Exception ex)
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            final String what = ex instanceof BindException ? "address in use or not available" : ex.toString();
            throw new BrokerStartException("HTTP endpoint: cannot listen on " + bind + ":" + port + ": " + what +
                " (--http-port 0 turns it off)", ex);
        }
        LOG.info("HTTP{} endpoint on {}:{} (/health/live, /health/ready, /metrics, /api/v1/, /dashboard/)",
            null == tls ? "" : "S", bind, port());
    }

    /** @return its TLS material, or null for plain HTTP. */
    public TlsContextHolder tls()
    {
        return tls;
    }

    /** @return the metrics it serves (more sources may be added while the broker starts). */
    public BrokerMetrics metrics()
    {
        return metrics;
    }

    /** @return the bound port, or -1 before {@link #start}. */
    public int port()
    {
        final Channel channel = serverChannel;
        return null == channel ? -1 : ((InetSocketAddress)channel.localAddress()).getPort();
    }

    /** @return requests that failed inside the endpoint since start. */
    public long failures()
    {
        return handler.failures();
    }

    /** Stop listening and close the event loop group with its connections; waits a bounded time. */
    @Override
    public void close()
    {
        final Channel channel = serverChannel;
        if (null != channel)
        {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        handler.close();
    }
}
