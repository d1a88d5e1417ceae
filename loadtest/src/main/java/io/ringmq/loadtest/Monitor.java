package io.ringmq.loadtest;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Once a second: sums the loops' published counters, takes their latency intervals, adds a point to the timeline and,
 * on a terminal, rewrites a progress line on stderr (connections up, msg/s out and in, p99 so far).
 * <p>
 * <b>Threading:</b> its own thread while running; {@link #finish()} joins it and collects the last interval on the
 * calling thread, after which {@link #cumulative()} and {@link #timeline()} may be read.
 */
final class Monitor implements Runnable
{
    private static final long INTERVAL_NS = 1_000_000_000L;

    private final List<IoLoop> loops;
    private final PrintStream progress;
    private final long startNs;
    private final long connectionsTarget;
    private final Histogram cumulative = LoadResult.newHistogram();
    private final Histogram interval = LoadResult.newHistogram();
    private final List<double[]> timeline = new ArrayList<>();
    private final Histogram[] recycle;
    private final Histogram[] recycleLateness;
    private final Histogram lateness = LoadResult.newHistogram();
    private long lastSent;
    private long lastReceived;
    private long lastConnects;
    private long lastNs;
    private boolean printed;
    private volatile boolean running = true;
    private Thread thread;

    Monitor(final List<IoLoop> loops, final PrintStream progress, final long connectionsTarget)
    {
        this.loops = loops;
        this.progress = progress;
        this.connectionsTarget = connectionsTarget;
        this.startNs = System.nanoTime();
        this.recycle = new Histogram[loops.size()];
        this.recycleLateness = new Histogram[loops.size()];
        this.lastNs = startNs;
    }

    void start()
    {
        thread = new Thread(this, "ringmq-lt-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run()
    {
        long nextNs = startNs + INTERVAL_NS;
        while (running)
        {
            final long waitNs = nextNs - System.nanoTime();
            if (waitNs > 0)
            {
                LockSupport.parkNanos(this, Math.min(waitNs, 100_000_000L));
                continue;
            }
            sample();
            nextNs += INTERVAL_NS;
        }
    }

    /**
     * Stop the thread, take the last interval and end the progress line.
     */
    void finish()
    {
        running = false;
        if (null != thread)
        {
            LockSupport.unpark(thread);
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        sample();
        if (printed)
        {
            progress.println();
            progress.flush();
        }
    }

    Histogram cumulative()
    {
        return cumulative;
    }

    Histogram lateness()
    {
        return lateness;
    }

    List<double[]> timeline()
    {
        return timeline;
    }

    long sum(final int counter)
    {
        long total = 0;
        for (int i = 0, n = loops.size(); i < n; i++)
        {
            total += loops.get(i).counters.get(counter);
        }
        return total;
    }

    private synchronized void sample()
    {
        final long now = System.nanoTime();
        interval.reset();
        for (int i = 0, n = loops.size(); i < n; i++)
        {
            // Each recorder only takes back histograms it handed out itself.
            recycle[i] = loops.get(i).recorder.getIntervalHistogram(recycle[i]);
            interval.add(recycle[i]);
            recycleLateness[i] = loops.get(i).lateness.getIntervalHistogram(recycleLateness[i]);
            lateness.add(recycleLateness[i]);
        }
        cumulative.add(interval);

        final long sent = sum(LoopCounters.SENT);
        final long received = sum(LoopCounters.RECEIVED);
        final long connects = sum(LoopCounters.CONNECTS);
        final long ready = sum(LoopCounters.READY);
        final double seconds = Math.max(1e-9, (now - lastNs) / 1e9);
        final double sentRate = (sent - lastSent) / seconds;
        final double receivedRate = (received - lastReceived) / seconds;
        final double connectRate = (connects - lastConnects) / seconds;
        final double t = (now - startNs) / 1e9;
        final double p50 = interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(50) / 1000.0;
        final double p99 = interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1000.0;
        timeline.add(new double[]{ t, sentRate, receivedRate, ready, p50, p99, connectRate });
        lastSent = sent;
        lastReceived = received;
        lastConnects = connects;
        lastNs = now;

        if (null != progress && running)
        {
            final double p99All = cumulative.getTotalCount() == 0 ? 0 :
                cumulative.getValueAtPercentile(99) / 1000.0;
            progress.printf(Locale.ROOT,
                "\r\033[K[%5.0fs] conn %d/%d  out %,.0f msg/s  in %,.0f msg/s  connects %,.0f/s  p99 %s  " +
                "inflight %d",
                t, ready, connectionsTarget, sentRate, receivedRate, connectRate, Summary.micros(p99All),
                sum(LoopCounters.OUTSTANDING));
            progress.flush();
            printed = true;
        }
    }
}
