package io.ringmq.transport.netty;

import io.netty.channel.Channel;
import io.ringmq.core.session.ConnectionDirectory;
import io.ringmq.core.status.RateLimitedLog;
import io.ringmq.transport.admission.ConnectionAdmission;
import io.ringmq.transport.auth.AuthService;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.tls.TlsContextHolder;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One listening socket while the broker runs: its settings, its TLS material, its bound channel, and what it
 * counts. Shared by every connection it accepted (one reference each) and by every event loop.
 * <p>
 * <b>Threading:</b> settings are immutable; the counters are atomics written by the event loops and read by any
 * thread; {@link #serverChannel} is set once by the binding thread before connections arrive.
 */
public final class Listener
{
    /** At most one line per interval for handshake failures, which any client can cause at will. */
    private static final long FAILURE_LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);

    private final ListenerConfig config;
    private final TlsContextHolder tls;
    private final long handshakeTimeoutNs;
    /** Limits and refusals of this listener (max connections, connection rates, PROXY headers, timeouts). */
    private final ConnectionAdmission admission;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong credentialsExpired = new AtomicLong();
    private AuthService auth;
    private final RateLimitedLog handshakeFailureLog = new RateLimitedLog(FAILURE_LOG_INTERVAL_NS);
    private volatile Channel serverChannel;
    private ConnectionDirectory directory;
    /**
     * Hand every connection's address to the Router, not only those authentication needs (the admin API lists
     * clients by address). Set by the starting thread before connections arrive; volatile for the event loops.
     */
    private volatile boolean recordAddresses;

    /**
     * @param config the listener's settings, concluded.
     * @param tls    its TLS material, or null for mqtt and ws.
     */
    public Listener(final ListenerConfig config, final TlsContextHolder tls)
    {
        this.config = config;
        this.tls = tls;
        this.handshakeTimeoutNs = TimeUnit.MILLISECONDS.toNanos(config.handshakeTimeoutMs());
        this.admission = new ConnectionAdmission(config);
    }

    /** @param record whether the Router should know every connection's address and listener (admin API). */
    public void recordAddresses(final boolean record)
    {
        this.recordAddresses = record;
    }

    /** @return whether the Router should know every connection's address and listener. */
    public boolean recordAddresses()
    {
        return recordAddresses;
    }

    /** @return the listener's admission: limits, rates and refusal counts by reason. */
    public ConnectionAdmission admission()
    {
        return admission;
    }

    /** @return the settings. */
    public ListenerConfig config()
    {
        return config;
    }

    /** @return the listener's name. */
    public String name()
    {
        return config.name();
    }

    /** @return the TLS material, or null. */
    public TlsContextHolder tls()
    {
        return tls;
    }

    /** @return time a new connection has to finish TLS, the WebSocket upgrade and CONNECT. */
    long handshakeTimeoutNs()
    {
        return handshakeTimeoutNs;
    }

    /** @return connections open on this listener now. */
    public int connections()
    {
        return admission.connections();
    }

    /** @return connections accepted since start. */
    public long accepted()
    {
        return accepted.get();
    }

    /** @return TLS handshakes that failed (bad certificate, protocol, cipher, not TLS at all) since start. */
    public long tlsHandshakeFailures()
    {
        return handshakeFailureLog.total();
    }

    void onAccepted()
    {
        accepted.incrementAndGet();
    }

    /** @return the count of failures to log now (rate-limited), 0 for none. */
    long onTlsHandshakeFailure()
    {
        return handshakeFailureLog.onEvent(System.nanoTime());
    }

    /** @return the broker's authentication chain, or null when the broker does not authenticate. */
    AuthService auth()
    {
        return auth;
    }

    /** Set by the server before binding (a happens-before edge to the loops through the bind). */
    void auth(final AuthService service)
    {
        this.auth = service;
    }

    /** A connection's credential expired and it was closed. */
    void onCredentialExpired()
    {
        credentialsExpired.incrementAndGet();
    }

    /** @return connections closed because their credential expired. */
    public long credentialsExpired()
    {
        return credentialsExpired.get();
    }

    /** @return where connections leave their identity for the Router. */
    ConnectionDirectory directory()
    {
        return directory;
    }

    /** Set by the server before binding (a happens-before edge to the loops through the bind). */
    void directory(final ConnectionDirectory directory)
    {
        this.directory = directory;
    }

    void serverChannel(final Channel channel)
    {
        this.serverChannel = channel;
    }

    /** @return the bound port, or -1 before binding. */
    public int port()
    {
        final Channel channel = serverChannel;
        return null == channel ? -1 : ((InetSocketAddress)channel.localAddress()).getPort();
    }

    /** Close the listening socket; established connections stay. */
    void stopAccepting()
    {
        final Channel channel = serverChannel;
        if (null != channel)
        {
            channel.close().syncUninterruptibly();
        }
    }

    @Override
    public String toString()
    {
        return config.toString();
    }
}
