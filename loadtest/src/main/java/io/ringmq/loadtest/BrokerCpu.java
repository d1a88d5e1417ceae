package io.ringmq.loadtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The broker's CPU and wake-ups over the measurement window, read from {@code /proc/PID} (Linux): process CPU time
 * from {@code stat}, and for each thread its CPU time and its context switches (voluntary and not, from
 * {@code task/TID/status}), which count how often it went to sleep and was woken or preempted. Threads are reported by
 * name (a name shared by several threads sums them). Works for any broker process, RingMQ or Mosquitto.
 * <p>
 * <b>Threading:</b> use from one thread.
 */
final class BrokerCpu
{
    /** Clock ticks per second of {@code /proc} times: USER_HZ, 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100.0;

    /** One thread's counters at a moment. */
    private record Task(String name, long ticks, long switches)
    {
    }

    /** A thread's use over the window. */
    record ThreadUse(double cpuPercent, double wakeupsPerSecond)
    {
    }

    private final long pid;
    private long startProcessTicks;
    private Map<String, Task> startTasks;
    private long startWallNs;
    private double cpuPercent = -1;
    private double wakeupsPerSecond = -1;
    private Map<String, ThreadUse> threads = Map.of();

    /**
     * @param pid the broker's process id, or a value below 1 for none (then nothing is measured).
     */
    BrokerCpu(final long pid)
    {
        this.pid = pid;
    }

    void start()
    {
        if (pid < 1)
        {
            return;
        }
        startWallNs = System.nanoTime();
        startProcessTicks = processTicks();
        startTasks = tasks();
    }

    void stop()
    {
        if (null == startTasks || startProcessTicks < 0)
        {
            return;
        }
        final double seconds = Math.max(1e-9, (System.nanoTime() - startWallNs) / 1e9);
        final long processTicks = processTicks();
        if (processTicks < 0)
        {
            return;     // the broker is gone
        }
        cpuPercent = 100.0 * (processTicks - startProcessTicks) / TICKS_PER_SECOND / seconds;
        final Map<String, double[]> byName = new TreeMap<>();
        long switches = 0;
        for (final Map.Entry<String, Task> end : tasks().entrySet())
        {
            final Task before = startTasks.get(end.getKey());
            if (null == before)
            {
                continue;   // a thread born during the window: no start to measure from
            }
            final long taskSwitches = end.getValue().switches() - before.switches();
            switches += taskSwitches;
            final double[] use = byName.computeIfAbsent(end.getValue().name(), name -> new double[2]);
            use[0] += 100.0 * (end.getValue().ticks() - before.ticks()) / TICKS_PER_SECOND / seconds;
            use[1] += taskSwitches / seconds;
        }
        wakeupsPerSecond = switches / seconds;
        final Map<String, ThreadUse> used = new LinkedHashMap<>();
        byName.forEach((name, use) ->
        {
            if (use[0] >= 0.05 || use[1] >= 1)
            {
                used.put(name, new ThreadUse(use[0], use[1]));
            }
        });
        threads = used;
    }

    /** @return the broker's CPU over the window in percent of one core, or -1 when not measured. */
    double cpuPercent()
    {
        return cpuPercent;
    }

    /** @return context switches per second over all its threads, or -1 when not measured. */
    double wakeupsPerSecond()
    {
        return wakeupsPerSecond;
    }

    /** @return per thread name, CPU and wake-ups, for the threads that did anything; empty when not measured. */
    Map<String, ThreadUse> threads()
    {
        return threads;
    }

    /** @return the busiest thread by wake-ups, as "name N/s", or null. */
    String mostWakeful()
    {
        String name = null;
        double most = -1;
        for (final Map.Entry<String, ThreadUse> e : threads.entrySet())
        {
            if (e.getValue().wakeupsPerSecond() > most)
            {
                most = e.getValue().wakeupsPerSecond();
                name = e.getKey();
            }
        }
        return null == name ? null : String.format(java.util.Locale.ROOT, "%s %.0f/s", name, most);
    }

    private long processTicks()
    {
        return ticks(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** utime + stime of a {@code stat} file, or -1. */
    private static long ticks(final Path stat)
    {
        try
        {
            final String text = Files.readString(stat, StandardCharsets.US_ASCII);
            // The name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            final String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);     // fields 14 and 15 of stat
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    private Map<String, Task> tasks()
    {
        final Map<String, Task> tasks = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task")))
        {
            for (final Path task : dirs)
            {
                final long ticks = ticks(task.resolve("stat"));
                final List<String> status = Files.readAllLines(task.resolve("status"), StandardCharsets.US_ASCII);
                String name = "?";
                long switches = 0;
                for (final String line : status)
                {
                    if (line.startsWith("Name:"))
                    {
                        name = line.substring(5).trim();
                    }
                    else if (line.startsWith("voluntary_ctxt_switches:") ||
                        line.startsWith("nonvoluntary_ctxt_switches:"))
                    {
                        switches += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
                if (ticks >= 0)
                {
                    tasks.put(task.getFileName().toString(), new Task(name, ticks, switches));
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // A thread that ended between listing and reading, or a broker that is gone: measure what was read.
        }
        return tasks;
    }
}
