package io.ringmq.core.status;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * The just-in-time compilers of this JVM, as the broker's start-up warm-up and the load tester's {@code compare} see
 * them: the time they have spent compiling, and a bounded wait until they have been idle for a while. A JVM compiles
 * hot code on threads of its own while that code runs; on a machine with few cores those threads take CPU from the
 * code being measured (or served), so a measurement, or the broker's first clients, should start once they are done.
 * <p>
 * <b>Threading:</b> stateless; any thread. {@link #awaitIdle} sleeps on the calling thread.
 */
public final class JitCompilers
{
    private JitCompilers()
    {
    }

    /**
     * @return milliseconds the JVM's compilers have spent compiling since it started, or -1 if it does not say.
     */
    public static long totalMillis()
    {
        final CompilationMXBean compilers = ManagementFactory.getCompilationMXBean();
        if (null == compilers || !compilers.isCompilationTimeMonitoringSupported())
        {
            return -1;
        }
        return compilers.getTotalCompilationTime();
    }

    /**
     * Wait until the compilers have spent no time compiling for {@code quietMs}, or until {@code deadlineNs}.
     *
     * @param quietMs    how long without compiling counts as idle.
     * @param deadlineNs {@link System#nanoTime()} at which the wait ends, idle or not.
     * @return true once idle; false if still compiling at the deadline, if the JVM does not report its compile time,
     *         or if the thread was interrupted (its interrupt status is kept).
     */
    public static boolean awaitIdle(final long quietMs, final long deadlineNs)
    {
        long before = totalMillis();
        if (before < 0)
        {
            return false;
        }
        while (System.nanoTime() < deadlineNs)
        {
            try
            {
                TimeUnit.MILLISECONDS.sleep(quietMs);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
            final long now = totalMillis();
            if (now == before)
            {
                return true;
            }
            before = now;
        }
        return false;
    }
}
