package io.ringmq.loadtest;

import io.ringmq.core.SuppressForbidden;
import io.ringmq.core.status.JitCompilers;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * CPU time of the load tester over the measurement window: each I/O thread (ThreadMXBean), the whole process
 * (com.sun.management.OperatingSystemMXBean) and its own JIT compilers' share of it ({@link JitCompilers}: a load
 * tester still compiling takes a core from the broker it measures on a small machine); and with
 * {@code --broker-pid}, the broker's CPU and wake-ups ({@link BrokerCpu}). A thread near a full core means the load
 * tester, not the broker, may be the bottleneck.
 * <p>
 * <b>Threading:</b> use from one thread.
 */
final class CpuSampler
{
    /**
     * Share of one core above which a thread is reported as saturated.
     */
    static final double SATURATION = 0.9;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    private final List<Thread> ioThreads;
    /** The broker's CPU and wake-ups over the same window, when its process id is known. */
    private final BrokerCpu broker;
    private long[] startThreadNs;
    private long startProcessNs;
    private long startJitMs;
    private long startWallNs;
    private double[] threadPercent = new double[0];
    private double ioSeconds;
    private double processSeconds;
    private double processPercent;
    private long jitMillis = -1;

    CpuSampler(final List<Thread> ioThreads, final long brokerPid)
    {
        this.ioThreads = ioThreads;
        this.broker = new BrokerCpu(brokerPid);
        if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled())
        {
            threads.setThreadCpuTimeEnabled(true);
        }
    }

    void start()
    {
        broker.start();
        startWallNs = System.nanoTime();
        startProcessNs = processCpuNs();
        startJitMs = JitCompilers.totalMillis();
        startThreadNs = new long[ioThreads.size()];
        for (int i = 0; i < startThreadNs.length; i++)
        {
            startThreadNs[i] = threadCpuNs(ioThreads.get(i));
        }
    }

    void stop()
    {
        if (null == startThreadNs)
        {
            return;
        }
        final double wallNs = Math.max(1, System.nanoTime() - startWallNs);
        threadPercent = new double[startThreadNs.length];
        long ioNs = 0;
        for (int i = 0; i < startThreadNs.length; i++)
        {
            final long used = Math.max(0, threadCpuNs(ioThreads.get(i)) - startThreadNs[i]);
            ioNs += used;
            threadPercent[i] = 100.0 * used / wallNs;
        }
        ioSeconds = ioNs / 1e9;
        final long processNs = Math.max(0, processCpuNs() - startProcessNs);
        processSeconds = processNs / 1e9;
        processPercent = 100.0 * processNs / wallNs;
        final long jitMs = JitCompilers.totalMillis();
        jitMillis = startJitMs < 0 || jitMs < 0 ? -1 : jitMs - startJitMs;
        broker.stop();
    }

    /** @return the broker's figures over the window (none without a broker process id). */
    BrokerCpu broker()
    {
        return broker;
    }

    double[] threadPercent()
    {
        return threadPercent;
    }

    double ioSeconds()
    {
        return ioSeconds;
    }

    double processSeconds()
    {
        return processSeconds;
    }

    double processPercent()
    {
        return processPercent;
    }

    /** @return milliseconds the load tester's JIT compilers spent compiling in the window, -1 if not known. */
    long jitMillis()
    {
        return jitMillis;
    }

    /**
     * Warning text when an I/O thread used more than {@link #SATURATION} of a core, else null.
     *
     * @return warning or null.
     */
    String warning()
    {
        for (int i = 0; i < threadPercent.length; i++)
        {
            if (threadPercent[i] >= SATURATION * 100)
            {
                return String.format(java.util.Locale.ROOT,
                    "load tester I/O thread %d used %.0f%% of a core: the load tester, not the broker, may be the " +
                    "bottleneck (add --threads, shards or source addresses)", i, threadPercent[i]);
            }
        }
        return null;
    }

    private long threadCpuNs(final Thread thread)
    {
        final long value = threads.getThreadCpuTime(thread.getId());
        return Math.max(0, value);
    }

    @SuppressForbidden(reason = "com.sun.management is the only source of process CPU time; absent elsewhere -> 0")
    private long processCpuNs()
    {
        if (os instanceof com.sun.management.OperatingSystemMXBean sun)
        {
            return Math.max(0, sun.getProcessCpuTime());
        }
        return 0;
    }
}
