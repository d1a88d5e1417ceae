package io.ringmq.transport.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches the TLS files of every listener and reloads them when they change, and on request (SIGHUP). Files are
 * polled rather than watched with inotify: polling also sees a file replaced through a symbolic link (how
 * Kubernetes rotates mounted secrets) and costs a few {@code stat} calls per second.
 * <p>
 * <b>Threading:</b> one daemon thread of its own, so reading keys never delays an event loop or the Router;
 * {@link #reloadAll} may be called from any thread and runs on that thread.
 */
public final class TlsReloader implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);

    private final List<TlsContextHolder> holders;
    private final ScheduledExecutorService executor;

    /**
     * @param holders the TLS listeners' material; polled at the shortest watch interval among them (0: none).
     */
    public TlsReloader(final List<TlsContextHolder> holders)
    {
        this.holders = List.copyOf(holders);
        int intervalMs = 0;
        for (final TlsContextHolder holder : holders)
        {
            final int ms = holder.config().watchIntervalMs();
            if (ms > 0)
            {
                intervalMs = 0 == intervalMs ? ms : Math.min(intervalMs, ms);
            }
        }
        if (intervalMs > 0)
        {
            executor = Executors.newSingleThreadScheduledExecutor(task ->
            {
                final Thread thread = new Thread(task, "ringmq-tls-reload");
                thread.setDaemon(true);
                return thread;
            });
            executor.scheduleWithFixedDelay(this::poll, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        }
        else
        {
            executor = null;
        }
    }

    private void poll()
    {
        for (final TlsContextHolder holder : holders)
        {
            try
            {
                if (holder.config().watchIntervalMs() > 0)
                {
                    holder.reloadIfChanged();
                }
            }
            catch (final RuntimeException ex)
            {
                // The error boundary of this thread: one bad listener must not stop the others' reloads.
                LOG.warn("TLS file watch failed, will try again", ex);
            }
        }
    }

    /**
     * Read every listener's files again (SIGHUP).
     *
     * @return listeners whose new material is in use.
     */
    public int reloadAll()
    {
        int reloaded = 0;
        for (final TlsContextHolder holder : holders)
        {
            if (holder.reload("reload requested"))
            {
                reloaded++;
            }
        }
        return reloaded;
    }

    @Override
    public void close()
    {
        if (null != executor)
        {
            executor.shutdownNow();
        }
    }
}
