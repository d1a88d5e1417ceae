package io.ringmq.transport.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.ringmq.transport.config.TlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TLS material of one listener, replaceable while the broker runs: every new connection's {@link SslHandler}
 * comes from the current context, so a reload takes effect at the next handshake, while established connections
 * keep the engine (and the certificate) they started with and are never touched. A reload that fails (a missing,
 * malformed or half-written file, a key that does not fit the certificate) is logged and the old material stays in
 * use; the files are tried again when they change again.
 * <p>
 * <b>Threading:</b> {@link #newHandler} on any event loop reads the volatile {@link #context}; the reload methods
 * are synchronized and run on the {@link TlsReloader} thread (file watch, SIGHUP) or the starting thread.
 */
public final class TlsContextHolder
{
    private static final Logger LOG = LoggerFactory.getLogger(TlsContextHolder.class);

    private final String listener;
    private final TlsConfig config;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private volatile SslContext context;
    private volatile X509Certificate certificate;
    /** What the files looked like when they were last read, successfully or not; reloading thread only. */
    private List<Object> stamps;

    private TlsContextHolder(final String listener, final TlsConfig config)
    {
        this.listener = listener;
        this.config = config;
    }

    /**
     * Read the material for the first time.
     *
     * @param listener listener name, for logs.
     * @param config   its TLS settings, concluded.
     * @return the holder.
     * @throws TlsMaterialException if the material cannot be used: the listener must not start.
     */
    public static TlsContextHolder open(final String listener, final TlsConfig config)
    {
        final TlsContextHolder holder = new TlsContextHolder(listener, config);
        synchronized (holder)
        {
            holder.stamps = holder.stamp();
            final KeyMaterial material = KeyMaterial.read(config);
            holder.install(TlsContextFactory.build(config, material), material.leaf());
        }
        LOG.info("listener {}: TLS with {} ({}), certificate {}", listener, TlsContextFactory.provider(config),
            String.join("/", config.protocols()), describe(holder.certificate));
        return holder;
    }

    /**
     * @param alloc the channel's allocator.
     * @return a server-side handler on the current material.
     */
    public SslHandler newHandler(final ByteBufAllocator alloc)
    {
        return context.newHandler(alloc);
    }

    /** @return the TLS settings. */
    public TlsConfig config()
    {
        return config;
    }

    /** @return the certificate new handshakes present. */
    public X509Certificate certificate()
    {
        return certificate;
    }

    /** @return successful reloads since start. */
    public long reloads()
    {
        return reloads.get();
    }

    /** @return reloads refused (bad files) since start. */
    public long reloadFailures()
    {
        return reloadFailures.get();
    }

    /**
     * Reload when any of the files changed (modified time, size or identity) since they were last read.
     *
     * @return true if new material is in use.
     */
    public synchronized boolean reloadIfChanged()
    {
        final List<Object> now = stamp();
        if (now.equals(stamps))
        {
            return false;
        }
        stamps = now;
        return reload("files changed");
    }

    /**
     * Read the files again whether or not they changed (SIGHUP).
     *
     * @param why for the log line.
     * @return true if new material is in use.
     */
    public synchronized boolean reload(final String why)
    {
        stamps = stamp();
        final SslContext fresh;
        final X509Certificate leaf;
        try
        {
            // One read: the certificate logged and reported is the one the new context presents.
            final KeyMaterial material = KeyMaterial.read(config);
            leaf = material.leaf();
            fresh = TlsContextFactory.build(config, material);
        }
        catch (final TlsMaterialException ex)
        {
            reloadFailures.incrementAndGet();
            LOG.warn("listener {}: TLS reload ({}) refused, the old certificate {} stays in use: {}", listener, why,
                describe(certificate), ex.getMessage());
            return false;
        }
        // Counted first: whoever sees the new certificate sees the reload counted too (TlsIT checks both).
        reloads.incrementAndGet();
        install(fresh, leaf);
        LOG.info("listener {}: TLS material reloaded ({}): new handshakes use certificate {}", listener, why,
            describe(leaf));
        return true;
    }

    private void install(final SslContext fresh, final X509Certificate leaf)
    {
        certificate = leaf;
        context = fresh;  // volatile: a loop that sees the new context sees the certificate too
    }

    private List<Object> stamp()
    {
        final List<Object> now = new ArrayList<>();
        for (final String file : config.watchedFiles())
        {
            try
            {
                final BasicFileAttributes attributes = Files.readAttributes(Path.of(file), BasicFileAttributes.class);
                now.add(attributes.lastModifiedTime());
                now.add(attributes.size());
                now.add(Objects.toString(attributes.fileKey()));
            }
            catch (final IOException ex)
            {
                now.add("missing");  // mid-rotation: tried again when it is back
            }
        }
        return now;
    }

    private static String describe(final X509Certificate certificate)
    {
        return null == certificate ? "none" : certificate.getSubjectX500Principal().getName() + " (serial " +
            certificate.getSerialNumber().toString(16) + ", valid until " + certificate.getNotAfter().toInstant() +
            ")";
    }
}
