package io.ringmq.loadtest;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The human-readable summary table printed on stdout at the end of a run.
 * <p>
 * <b>Threading:</b> stateless.
 */
final class Summary
{
    /** A broker thread using at least this much of a core is listed under the broker line. */
    static final double BUSY_THREAD_CPU_PERCENT = 0.5;
    /** A broker thread waking at least this often a second is listed too. */
    static final double BUSY_THREAD_WAKEUPS = 10;
    /** Most broker threads listed. */
    static final int MAX_THREAD_LINES = 8;

    private Summary()
    {
    }

    static String micros(final double us)
    {
        if (us >= 1_000_000)
        {
            return String.format(Locale.ROOT, "%.2f s", us / 1e6);
        }
        if (us >= 10_000)
        {
            return String.format(Locale.ROOT, "%.1f ms", us / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f us", us);
    }

    static void print(final LoadResult r, final PrintStream out)
    {
        out.printf(Locale.ROOT, "%n== ringmq-loadtest %s against %s (MQTT %s, shard %s%s)%n", r.scenario, r.broker,
            r.protocol == 5 ? "5.0" : "3.1.1", r.shard, r.shards > 1 ? ", " + r.shards + " shards merged" : "");
        out.println("   " + r.options);
        out.printf(Locale.ROOT, "connections   %,d of %,d established, %,d failed, %,d attempts, set-up %.2f s%n",
            r.connectionsEstablished, r.connectionsTarget, r.connectionsFailed, r.connectAttempts, r.setupSeconds);
        if (r.connectsPerSecond > 0)
        {
            out.printf(Locale.ROOT, "connects      %,.0f /s%n", r.connectsPerSecond);
        }
        if (r.sent > 0 || r.received > 0)
        {
            out.printf(Locale.ROOT, "rate          target %s   achieved %,.0f msg/s sent   %,.0f msg/s received " +
                "(%.1f s window)%n", r.targetRate > 0 ? String.format(Locale.ROOT, "%,.0f msg/s", r.targetRate) :
                "unlimited", r.achievedRate, r.receiveRate, r.measureSeconds);
            out.println("qos          sent        acked     expected     received         lost   duplicated");
            for (int q = 0; q < 3; q++)
            {
                final long[] row = r.byQos[q];
                if (row[LoadResult.QOS_SENT] == 0 && row[LoadResult.QOS_RECEIVED] == 0)
                {
                    continue;
                }
                out.printf(Locale.ROOT, "  %d %12d %12s %12d %12d %12d %12d%n", q, row[LoadResult.QOS_SENT],
                    q == 0 ? "-" : Long.toString(row[LoadResult.QOS_ACKED]), row[LoadResult.QOS_EXPECTED],
                    row[LoadResult.QOS_RECEIVED], row[LoadResult.QOS_LOST], row[LoadResult.QOS_DUPLICATED]);
            }
            out.printf(Locale.ROOT, "total %12d %12d %12d %12d %12d %12d%n", r.sent, r.acknowledged, r.expected,
                r.received, r.lost, r.duplicated);
            if (r.outstandingAtEnd > 0 || r.publishRefused > 0)
            {
                out.printf(Locale.ROOT, "              %,d never acknowledged, %,d refused by the broker%n",
                    r.outstandingAtEnd, r.publishRefused);
            }
        }
        if (r.queued >= 0)
        {
            out.printf(Locale.ROOT, "persistent    queued %,d  redelivered %,d  lost %,d  duplicated %,d  " +
                "sessions present %,d  redelivery %.2f s%n", r.queued, r.distinct, r.lost, r.duplicated,
                r.sessionsPresent, r.redeliverySeconds);
        }
        out.printf(Locale.ROOT, "latency       %s, n=%,d: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s%n",
            r.latencyMetric, r.histogram.getTotalCount(), micros(r.latencyUs(50)), micros(r.latencyUs(90)),
            micros(r.latencyUs(99)), micros(r.latencyUs(99.9)), micros(r.maxLatencyUs()));
        if (r.sendLateness.getTotalCount() > 0)
        {
            out.printf(Locale.ROOT, "send lateness load tester behind its own schedule (included above): p50 %s  " +
                "p99 %s  max %s%n", micros(r.sendLateness.getValueAtPercentile(50) / 1000.0),
                micros(r.sendLateness.getValueAtPercentile(99) / 1000.0),
                micros(r.sendLateness.getMaxValue() / 1000.0));
        }
        if (null != r.stalledMode)
        {
            printIsolation(r, out);
        }
        if (r.brokerRssPerConnectionBytes >= 0 || r.selfHeapPerConnectionBytes >= 0)
        {
            final String broker = r.brokerPid > 0 ? String.format(Locale.ROOT,
                "broker RSS %,d -> %,d KiB = %s/connection;  ", r.brokerRssBaselineKb, r.brokerRssLoadedKb,
                bytes(r.brokerRssPerConnectionBytes)) : "";
            out.printf(Locale.ROOT, "memory        %sload tester heap %s, RSS %s per connection%n", broker,
                bytes(r.selfHeapPerConnectionBytes), bytes(r.selfRssPerConnectionBytes));
        }
        final StringBuilder threads = new StringBuilder();
        for (final double p : r.threadCpuPercent)
        {
            threads.append(String.format(Locale.ROOT, " %.0f%%", p));
        }
        out.printf(Locale.ROOT,
            "load tester   process CPU %.0f%% of a core%s, io threads%s; %,.0f %s per core-second%n",
            r.processCpuPercent, jit(r), threads, r.msgsPerCoreSecond,
            "connect-storm".equals(r.scenario) ? "connects" : "msgs (sent+received)");
        if (r.brokerCpuPercent >= 0)
        {
            out.printf(Locale.ROOT, "broker        CPU %.2f%% of a core, %,.0f wake-ups/s in all%s%n",
                r.brokerCpuPercent, r.brokerWakeupsPerSecond,
                null == r.brokerMostWakeful ? "" : " (most: " + r.brokerMostWakeful + ")");
            brokerThreadLines(r).forEach(out::println);
        }
        final StringBuilder errors = new StringBuilder();
        for (final Map.Entry<String, Long> e : r.errors.entrySet())
        {
            // gapsGivenUp: lost messages whose gap fell out of the reorder window; already counted as lost.
            if (e.getValue() != 0 && !e.getKey().startsWith("ping") && !e.getKey().equals("pongs") &&
                !e.getKey().equals("gapsGivenUp"))
            {
                errors.append(' ').append(e.getKey()).append('=').append(e.getValue());
            }
        }
        if (errors.length() > 0)
        {
            out.println("errors       " + errors);
        }
        if (null != r.cpuWarning)
        {
            out.println("WARNING       " + r.cpuWarning);
        }
    }

    private static void printIsolation(final LoadResult r, final PrintStream out)
    {
        for (final String line : isolationLines(r))
        {
            out.println(line);
        }
    }

    /**
     * The isolation scenario's figures, for the summary and the HTML report.
     *
     * @param r result with {@code stalledMode} set.
     * @return lines of text.
     */
    /**
     * The broker's busy threads, busiest first: those with at least {@link #BUSY_THREAD_CPU_PERCENT} of a core or
     * {@link #BUSY_THREAD_WAKEUPS} wake-ups a second, at most {@link #MAX_THREAD_LINES}.
     *
     * @param r a result measured with {@code --broker-pid}.
     * @return one line per thread, empty when the threads were not measured.
     */
    static List<String> brokerThreadLines(final LoadResult r)
    {
        return r.brokerThreads.entrySet().stream()
            .filter(e -> e.getValue().cpuPercent() >= BUSY_THREAD_CPU_PERCENT ||
                e.getValue().wakeupsPerSecond() >= BUSY_THREAD_WAKEUPS)
            .sorted((a, b) -> Double.compare(b.getValue().cpuPercent(), a.getValue().cpuPercent()))
            .limit(MAX_THREAD_LINES)
            .map(e -> String.format(Locale.ROOT, "  thread      %-16s %6.2f%% of a core, %,8.0f wake-ups/s", e.getKey(),
                e.getValue().cpuPercent(), e.getValue().wakeupsPerSecond()))
            .toList();
    }

    static List<String> isolationLines(final LoadResult r)
    {
        final List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "healthy       %,.0f msg/s received, lost %,d, duplicated %,d, " +
            "unexpected disconnects %,d, ping timeouts %,d, slowest PINGRESP %s", r.receiveRate, r.lost, r.duplicated,
            r.healthyDisconnects, r.pingTimeouts, micros(r.maxPingRttUs)));
        if (!LoadOptions.STALLED_NONE.equals(r.stalledMode))
        {
            lines.add(String.format(Locale.ROOT, "stalled       subscriber to '#' %s: read %,d messages before " +
                "stalling, closed under it %,d time(s)", r.stalledMode, r.stalledReceived, r.stalledClosed));
        }
        if (r.brokerPid > 0)
        {
            lines.add(String.format(Locale.ROOT, "broker RSS    %,d KiB at start, %,d after set-up, peak %,d while " +
                "publishing, %,d at the end", r.brokerRssBaselineKb, r.brokerRssSetupKb, r.brokerRssMaxKb,
                r.brokerRssEndKb));
        }
        final StringBuilder sys = new StringBuilder();
        for (final Map.Entry<String, Long> e : r.sys.entrySet())
        {
            sys.append("  ").append(e.getKey()).append(" +").append(e.getValue());
        }
        lines.add("broker $SYS  " + (sys.length() > 0 ? sys : " (no counters seen; --sys-wait below the broker's " +
            "$SYS interval?)"));
        return lines;
    }

    /**
     * @param r a result.
     * @return ", JIT N ms": the load tester's own JIT compile time in the window, or "" when not known.
     */
    static String jit(final LoadResult r)
    {
        return r.jitMillis < 0 ? "" : String.format(Locale.ROOT, ", JIT %d ms", r.jitMillis);
    }

    static String bytes(final double value)
    {
        if (value < 0)
        {
            return "n/a";
        }
        if (value >= 1024 * 1024)
        {
            return String.format(Locale.ROOT, "%.1f MiB", value / 1024 / 1024);
        }
        if (value >= 10 * 1024)
        {
            return String.format(Locale.ROOT, "%.1f KiB", value / 1024);
        }
        return String.format(Locale.ROOT, "%.0f B", value);
    }
}
