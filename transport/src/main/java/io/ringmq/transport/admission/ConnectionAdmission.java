package io.ringmq.transport.admission;

import io.ringmq.core.status.RateLimitedLog;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.proxy.ProxyRefusalListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Decides whether a listener takes a new connection: its maximum of connections at once, its connection rate as a
 * whole, and the connection rate of each source address; counts every refusal by reason and logs them in summary
 * lines, at most one per {@link #LOG_INTERVAL_MS}.
 * <p>
 * <b>Use</b> (one instance per listener, shared by all its event loops):
 * <ol>
 *     <li>In {@code ChannelInitializer.initChannel}, before adding any handler:
 *     {@link #tryAccept(SocketAddress, long)}. Anything but {@link #ACCEPTED}: close the channel and return (the
 *     refusal is counted already). On {@link #ACCEPTED}: add
 *     {@code channel.closeFuture().addListener(f -> admission.release())} at once, so that {@link #release()}
 *     runs exactly once per accepted connection, whatever closes it.</li>
 *     <li>The per-address rate is checked by {@link AdmissionHandler} once the client's address is known, which
 *     calls {@link #tryAcceptAddress(InetAddress, long)}.</li>
 *     <li>{@link io.ringmq.transport.proxy.ProxyProtocolHandler} reports a bad PROXY header through
 *     {@link #onProxyHeaderRefused}; the integrator reports a handshake timeout with
 *     {@link #onRefused(int, SocketAddress, long)} and {@link #HANDSHAKE_TIMEOUT}.</li>
 *     <li>A periodic task calls {@link #reportDue(long)} so that the last refusals of a burst reach the log.</li>
 * </ol>
 * A limit of 0 in the {@link ListenerConfig} means none; connections are counted even then.
 * <p>
 * <b>Threading:</b> thread-safe and lock-free: atomics only, any thread may call any method. Nothing blocks and the
 * accept path allocates nothing but a new address's bucket.
 */
public final class ConnectionAdmission implements ProxyRefusalListener
{
    /** The connection is taken. */
    public static final int ACCEPTED = 0;
    /** Refused: the listener holds its maximum of connections. */
    public static final int LISTENER_FULL = 1;
    /** Refused: over the listener's connection rate. */
    public static final int RATE = 2;
    /** Refused: over the connection rate of the client's address. */
    public static final int ADDRESS_RATE = 3;
    /** Refused: a PROXY header was required and missing, or malformed. */
    public static final int PROXY_HEADER = 4;
    /** Closed: TLS, the WebSocket upgrade and CONNECT took longer than the handshake timeout. */
    public static final int HANDSHAKE_TIMEOUT = 5;
    /** Number of outcomes, {@link #ACCEPTED} included: reasons are 1 to REASONS - 1. */
    public static final int REASONS = 6;

    /** Addresses tracked for their rate, at most, unless configured. */
    public static final int DEFAULT_MAX_ADDRESSES = 65_536;
    /** At most one log line per interval about refused connections. */
    public static final long LOG_INTERVAL_MS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionAdmission.class);
    private static final String[] REASON_NAMES =
        {"accepted", "listener-full", "rate", "address-rate", "proxy-header", "handshake-timeout"};

    private final String listenerName;
    /*
     * The limits: set at construction and replaced whole by {@link #reconfigure} (a reload, on its own thread);
     * volatile, and each check reads a field once, so it sees one setting or the next, never a mix within a field.
     */
    private volatile int maxConnections;
    /** Null when the listener has no rate of its own. */
    private volatile TokenBucket rate;
    /** Null when addresses have no rate. */
    private volatile AddressBuckets addressRates;
    /** Most addresses tracked, kept for {@link #reconfigure}. */
    private final int maxAddresses;
    /** Connections accepted and not yet released; any thread, atomically. */
    private final AtomicInteger connections = new AtomicInteger();
    /** Refusals since construction, by reason; any thread increments, any thread reads. */
    private final AtomicLongArray refused = new AtomicLongArray(REASONS);
    /**
     * Refusals by reason already reported in a log line: taken with getAndSet by the thread that owns a line (at
     * most one per interval, decided by {@link #log}).
     */
    private final AtomicLongArray reported = new AtomicLongArray(REASONS);
    /** Decides when a line is due; counts every refusal. */
    private final RateLimitedLog log;
    /**
     * The latest refusal, for the log line only: written by any thread with no ordering between the three fields
     * (a line may pair one refusal's address with another's reason; counts are exact regardless).
     */
    private volatile Object latestAddress;
    private volatile int latestReason;
    private volatile String latestDetail;

    /**
     * Admission by a listener's settings, with {@link #DEFAULT_MAX_ADDRESSES} addresses tracked.
     *
     * @param config a concluded listener configuration.
     */
    public ConnectionAdmission(final ListenerConfig config)
    {
        this(config.name(), config.maxConnections(), config.connectRate(), config.connectBurst(),
            config.connectRatePerAddress(), config.connectBurstPerAddress(), DEFAULT_MAX_ADDRESSES, System.nanoTime());
    }

    /**
     * @param listenerName           name for the log.
     * @param maxConnections         connections at once, 0 for no limit.
     * @param connectRate            new connections per second in all, 0 for no limit.
     * @param connectBurst           burst of the listener's rate, 0 for one second's worth.
     * @param connectRatePerAddress  new connections per second per source address, 0 for no limit.
     * @param connectBurstPerAddress burst of each address's rate, 0 for one second's worth.
     * @param maxAddresses           most addresses tracked at once (rounded up to a power of two).
     * @param nowNs                  current time: buckets start full.
     */
    public ConnectionAdmission(final String listenerName, final int maxConnections, final double connectRate,
        final int connectBurst, final double connectRatePerAddress, final int connectBurstPerAddress,
        final int maxAddresses, final long nowNs)
    {
        if (maxConnections < 0)
        {
            throw new IllegalArgumentException("maxConnections must not be negative: " + maxConnections);
        }
        if (connectRate < 0 || connectRatePerAddress < 0)
        {
            throw new IllegalArgumentException("connection rates must not be negative: " + connectRate + ", " +
                connectRatePerAddress);
        }
        this.listenerName = listenerName;
        this.maxAddresses = maxAddresses;
        this.maxConnections = maxConnections;
        this.rate = connectRate > 0 ? new TokenBucket(connectRate, burst(connectRate, connectBurst), nowNs) : null;
        this.addressRates = connectRatePerAddress > 0 ? new AddressBuckets(connectRatePerAddress,
            burst(connectRatePerAddress, connectBurstPerAddress), maxAddresses) : null;
        this.log = new RateLimitedLog(TimeUnit.MILLISECONDS.toNanos(LOG_INTERVAL_MS), nowNs);
    }

    /**
     * The listener-level check, first thing in {@code initChannel}: the maximum of connections, then the listener's
     * rate. On {@link #ACCEPTED} the connection is counted and the caller owes exactly one {@link #release()} (from
     * the channel's close future); on a refusal nothing is owed, the refusal is counted and the caller closes.
     *
     * @param remoteAddress the socket's peer, for the log only; may be null.
     * @param nowNs         {@link System#nanoTime()} now.
     * @return {@link #ACCEPTED}, {@link #LISTENER_FULL} or {@link #RATE}.
     */
    public int tryAccept(final SocketAddress remoteAddress, final long nowNs)
    {
        // Reserve a place first, so that concurrent accepts never exceed the maximum, and give it back on a refusal.
        final int count = connections.incrementAndGet();
        final int max = maxConnections;
        if (max > 0 && count > max)
        {
            connections.decrementAndGet();
            return refuse(LISTENER_FULL, remoteAddress, null, nowNs);
        }
        final TokenBucket rate = this.rate;
        if (null != rate && !rate.tryTake(nowNs))
        {
            connections.decrementAndGet();
            return refuse(RATE, remoteAddress, null, nowNs);
        }
        return ACCEPTED;
    }

    /**
     * The per-address check, once the client's real address is known (see {@link AdmissionHandler}). Counts a
     * refusal; the caller closes the connection, and still owes the {@link #release()} of its accepted connection.
     *
     * @param address the client's address.
     * @param nowNs   {@link System#nanoTime()} now.
     * @return {@link #ACCEPTED} or {@link #ADDRESS_RATE}.
     */
    public int tryAcceptAddress(final InetAddress address, final long nowNs)
    {
        final AddressBuckets addressRates = this.addressRates;
        if (null == addressRates || null == address || addressRates.tryTake(address, nowNs))
        {
            return ACCEPTED;
        }
        return refuse(ADDRESS_RATE, address, null, nowNs);
    }

    /** A connection accepted by {@link #tryAccept} has closed: call exactly once for each. */
    public void release()
    {
        connections.decrementAndGet();
    }

    /**
     * Count a refusal decided elsewhere, such as {@link #HANDSHAKE_TIMEOUT}.
     *
     * @param reason        one of the refusal reasons, 1 to {@link #REASONS} - 1.
     * @param remoteAddress the client's or the socket's address, for the log; may be null.
     * @param nowNs         {@link System#nanoTime()} now.
     */
    public void onRefused(final int reason, final SocketAddress remoteAddress, final long nowNs)
    {
        checkReason(reason);
        refuse(reason, remoteAddress, null, nowNs);
    }

    @Override
    public void onProxyHeaderRefused(final SocketAddress socketAddress, final String why, final long nowNs)
    {
        refuse(PROXY_HEADER, socketAddress, why, nowNs);
    }

    /**
     * For a periodic task: write the summary line of refusals not yet logged, if a line is due.
     *
     * @param nowNs {@link System#nanoTime()} now.
     */
    public void reportDue(final long nowNs)
    {
        if (log.pollDue(nowNs) > 0)
        {
            writeLine();
        }
    }

    /**
     * @param reason one of the refusal reasons.
     * @return refusals for that reason since the listener started.
     */
    public long refused(final int reason)
    {
        checkReason(reason);
        return refused.get(reason);
    }

    /** @return refusals for any reason since the listener started. */
    public long refusedTotal()
    {
        return log.total();
    }

    /**
     * New limits from a reloaded configuration: the maximum applies to the next connection (those already over it
     * stay); a changed rate starts with a full bucket, and a changed per-address rate forgets the addresses tracked.
     * Unchanged rates keep their buckets.
     *
     * @param config the listener's reloaded settings, concluded.
     * @param nowNs  current time.
     * @return what changed, one phrase each; empty when nothing did.
     */
    public List<String> reconfigure(final ListenerConfig config, final long nowNs)
    {
        final List<String> changes = new ArrayList<>();
        if (config.maxConnections() != maxConnections)
        {
            changes.add("max-connections " + maxConnections + " -> " + config.maxConnections());
            maxConnections = config.maxConnections();
        }
        if (config.connectRate() != rateOf(rate) || burst(config.connectRate(), config.connectBurst()) !=
            burstOf(rate))
        {
            changes.add("connect-rate " + rateOf(rate) + " -> " + config.connectRate());
            rate = config.connectRate() > 0 ? new TokenBucket(config.connectRate(),
                burst(config.connectRate(), config.connectBurst()), nowNs) : null;
        }
        final AddressBuckets current = addressRates;
        final double perAddress = null == current ? 0 : current.rate();
        final int perAddressBurst = null == current ? 0 : current.burst();
        if (config.connectRatePerAddress() != perAddress ||
            burst(config.connectRatePerAddress(), config.connectBurstPerAddress()) != perAddressBurst)
        {
            changes.add("connect-rate-per-address " + perAddress + " -> " + config.connectRatePerAddress());
            addressRates = config.connectRatePerAddress() > 0 ? new AddressBuckets(config.connectRatePerAddress(),
                burst(config.connectRatePerAddress(), config.connectBurstPerAddress()), maxAddresses) : null;
        }
        return changes;
    }

    private static double rateOf(final TokenBucket bucket)
    {
        return null == bucket ? 0 : bucket.rate();
    }

    private static int burstOf(final TokenBucket bucket)
    {
        return null == bucket ? 0 : bucket.burst();
    }

    /** @return connections accepted and not yet released. */
    public int connections()
    {
        return connections.get();
    }

    /** @return addresses whose rate is tracked now (reads the whole table: for metrics and tests). */
    public int trackedAddresses()
    {
        final AddressBuckets addressRates = this.addressRates;
        return null == addressRates ? 0 : addressRates.size();
    }

    /** @return most addresses tracked at once, 0 when addresses have no rate. */
    public int maxTrackedAddresses()
    {
        final AddressBuckets addressRates = this.addressRates;
        return null == addressRates ? 0 : addressRates.capacity();
    }

    /** @return address buckets forgotten before they had refilled, to make room (a sign the table is too small). */
    public long addressEvictions()
    {
        final AddressBuckets addressRates = this.addressRates;
        return null == addressRates ? 0 : addressRates.activeEvictions();
    }

    /**
     * @param reason an outcome, 0 to {@link #REASONS} - 1.
     * @return its name for logs and metrics, such as {@code address-rate}.
     */
    public static String reasonName(final int reason)
    {
        if (reason < 0 || reason >= REASONS)
        {
            throw new IllegalArgumentException("no such admission outcome: " + reason);
        }
        return REASON_NAMES[reason];
    }

    private int refuse(final int reason, final Object address, final String detail, final long nowNs)
    {
        latestAddress = address;
        latestReason = reason;
        latestDetail = detail;
        refused.incrementAndGet(reason);
        if (log.onEvent(nowNs) > 0)
        {
            writeLine();
        }
        return reason;
    }

    /**
     * Write the summary line. The counts are taken here, by reason, from the exact totals: refusals counted by other
     * threads while the line is due are in it, or in the next one, never in both. A line with nothing left to report
     * (its refusals were taken by the line before) is skipped.
     */
    private void writeLine()
    {
        final StringBuilder byReason = new StringBuilder(64);
        long count = 0;
        for (int reason = 1; reason < REASONS; reason++)
        {
            final long total = refused.get(reason);
            final long since = total - reported.getAndSet(reason, total);
            if (since > 0)
            {
                count += since;
                byReason.append(byReason.length() > 0 ? ", " : "").append(REASON_NAMES[reason]).append(' ')
                    .append(since);
            }
        }
        if (0 == count)
        {
            return;
        }
        final String detail = latestDetail;
        LOG.warn("listener {}: {} connection(s) refused since the last report ({}), the latest from {}: {}{}",
            listenerName, count, byReason, format(latestAddress), REASON_NAMES[latestReason],
            null == detail ? "" : " (" + detail + ")");
    }

    private static String format(final Object address)
    {
        if (address instanceof InetAddress inet)
        {
            return inet.getHostAddress();
        }
        return null == address ? "an unknown address" : address.toString();
    }

    /** As {@link ListenerConfig#conclude}: a burst of 0 is one second's worth, at least 1. */
    private static int burst(final double perSecond, final int burst)
    {
        return burst > 0 ? burst : (int)Math.max(1, Math.min(Integer.MAX_VALUE, Math.ceil(perSecond)));
    }

    private static void checkReason(final int reason)
    {
        if (reason <= ACCEPTED || reason >= REASONS)
        {
            throw new IllegalArgumentException("not a refusal reason: " + reason);
        }
    }
}
