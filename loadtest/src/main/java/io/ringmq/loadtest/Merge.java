package io.ringmq.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Merges the JSON results of the shards of one test ({@code --shard i/n}) into one report: counts, rates and
 * histograms add up, per-publisher counts add up element by element (each publisher lives in one shard, its
 * receivers in any), and loss is recomputed over the whole test.
 * <p>
 * <b>Threading:</b> stateless.
 */
final class Merge
{
    private Merge()
    {
    }

    static LoadResult read(final Path file) throws IOException
    {
        final Map<String, Object> parsed;
        try
        {
            parsed = ResultJson.read(Files.readString(file));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": not a result object: " + ex.getMessage(), ex);
        }
        return LoadResult.fromJson(parsed);
    }

    /**
     * Merge shard results.
     *
     * @param parts results, at least one.
     * @return the merged result.
     */
    static LoadResult merge(final List<LoadResult> parts)
    {
        final LoadResult first = parts.get(0);
        final LoadResult m = new LoadResult();
        m.scenario = first.scenario;
        m.broker = first.broker;
        m.options = first.options;
        m.runId = first.runId;
        m.protocol = first.protocol;
        m.qos = first.qos;
        m.payloadBytes = first.payloadBytes;
        m.latencyMetric = first.latencyMetric;
        m.sharedGroup = first.sharedGroup;
        m.shard = "merged";
        m.shards = 0;

        allocatePublishers(m, parts);

        long rssBaseline = Long.MAX_VALUE;
        long rssLoaded = -1;
        double selfHeap = 0;
        double selfRss = 0;
        long established = 0;
        final List<Double> threads = new ArrayList<>();
        String warning = null;
        for (final LoadResult r : parts)
        {
            if (!r.scenario.equals(m.scenario))
            {
                throw new IllegalArgumentException("cannot merge " + r.scenario + " with " + m.scenario);
            }
            m.shards += Math.max(1, r.shards);
            m.connectionsTarget += r.connectionsTarget;
            m.connectionsEstablished += r.connectionsEstablished;
            m.connectionsFailed += r.connectionsFailed;
            m.connectAttempts += r.connectAttempts;
            m.setupSeconds = Math.max(m.setupSeconds, r.setupSeconds);
            m.connectsPerSecond += r.connectsPerSecond;
            m.sent += r.sent;
            m.acknowledged += r.acknowledged;
            m.received += r.received;
            m.distinct += r.distinct;
            m.foreign += r.foreign;
            m.outstandingAtEnd += r.outstandingAtEnd;
            m.publishRefused += r.publishRefused;
            m.sentInWindow += r.sentInWindow;
            m.receivedInWindow += r.receivedInWindow;
            m.measureSeconds = Math.max(m.measureSeconds, r.measureSeconds);
            m.targetRate += r.targetRate;
            m.achievedRate += r.achievedRate;
            m.receiveRate += r.receiveRate;
            m.histogram.add(r.histogram);
            m.sendLateness.add(r.sendLateness);
            m.processCpuSeconds += r.processCpuSeconds;
            m.processCpuPercent += r.processCpuPercent;
            m.ioCpuSeconds += r.ioCpuSeconds;
            for (final double p : r.threadCpuPercent)
            {
                threads.add(p);
            }
            warning = null == warning ? r.cpuWarning : warning;
            m.sessionsPresent += r.sessionsPresent;
            mergePersistent(m, r);
            if (r.brokerPid > 0)
            {
                m.brokerPid = r.brokerPid;
                rssBaseline = Math.min(rssBaseline, r.brokerRssBaselineKb);
                rssLoaded = Math.max(rssLoaded, r.brokerRssLoadedKb);
            }
            if (r.selfHeapPerConnectionBytes >= 0)
            {
                selfHeap += r.selfHeapPerConnectionBytes * r.connectionsEstablished;
                selfRss += Math.max(0, r.selfRssPerConnectionBytes) * r.connectionsEstablished;
                established += r.connectionsEstablished;
            }
            mergeErrors(m, r);
            mergeTimeline(m, r);
            mergePublishers(m, r);
        }
        if (m.brokerPid > 0 && rssBaseline > 0 && rssLoaded > 0)
        {
            m.brokerRssBaselineKb = rssBaseline;
            m.brokerRssLoadedKb = rssLoaded;
            m.brokerRssPerConnectionBytes = m.connectionsEstablished > 0 ?
                (rssLoaded - rssBaseline) * 1024.0 / m.connectionsEstablished : -1;
        }
        if (established > 0)
        {
            m.selfHeapPerConnectionBytes = selfHeap / established;
            m.selfRssPerConnectionBytes = selfRss / established;
        }
        m.threadCpuPercent = threads.stream().mapToDouble(Double::doubleValue).toArray();
        m.cpuWarning = warning;
        m.jitMillis = jitMillis(parts);
        final double handled = "connect-storm".equals(m.scenario) ? m.connectionsEstablished :
            m.sentInWindow + m.receivedInWindow;
        m.msgsPerCoreSecond = m.ioCpuSeconds > 0 ? handled / m.ioCpuSeconds : 0;
        m.computeLoss();
        return m;
    }

    /** Per-publisher arrays as long as the longest shard's. */
    private static void allocatePublishers(final LoadResult m, final List<LoadResult> parts)
    {
        int publishers = 0;
        for (final LoadResult r : parts)
        {
            publishers = Math.max(publishers, r.publisherSent.length);
        }
        m.publisherQos = new int[publishers];
        m.publisherSent = new long[publishers];
        m.publisherAcked = new long[publishers];
        m.publisherReceived = new long[publishers];
        m.publisherDistinct = new long[publishers];
        m.publisherDuplicates = new long[publishers];
        m.publisherExpectedReceivers = new long[publishers];
    }

    /** Timeline points by index: sums, except columns 4 and 5 which take the maximum. */
    private static void mergeTimeline(final LoadResult m, final LoadResult r)
    {
        for (int i = 0; i < r.timeline.size(); i++)
        {
            final double[] point = r.timeline.get(i);
            if (i >= m.timeline.size())
            {
                m.timeline.add(point.clone());
            }
            else
            {
                final double[] sum = m.timeline.get(i);
                for (int k = 1; k < Math.min(sum.length, point.length); k++)
                {
                    sum[k] = k == 4 || k == 5 ? Math.max(sum[k], point[k]) : sum[k] + point[k];
                }
            }
        }
    }

    /** Per-publisher counts: sums, and the highest QoS. */
    private static void mergePublishers(final LoadResult m, final LoadResult r)
    {
        for (int p = 0; p < r.publisherSent.length; p++)
        {
            m.publisherQos[p] = Math.max(m.publisherQos[p], r.publisherQos[p]);
            m.publisherSent[p] += r.publisherSent[p];
            m.publisherAcked[p] += r.publisherAcked[p];
            m.publisherReceived[p] += r.publisherReceived[p];
            m.publisherDistinct[p] += r.publisherDistinct[p];
            m.publisherDuplicates[p] += r.publisherDuplicates[p];
            m.publisherExpectedReceivers[p] += r.publisherExpectedReceivers[p];
        }
    }

    /** Persistent-session figures, only from shards that measured them ({@code queued >= 0}). */
    private static void mergePersistent(final LoadResult m, final LoadResult r)
    {
        if (r.queued >= 0)
        {
            m.queued = Math.max(0, m.queued) + r.queued;
            m.redeliverySeconds = Math.max(m.redeliverySeconds, r.redeliverySeconds);
        }
    }

    /** Error counters by name: sums. */
    private static void mergeErrors(final LoadResult m, final LoadResult r)
    {
        for (final Map.Entry<String, Long> e : r.errors.entrySet())
        {
            m.errors.merge(e.getKey(), e.getValue(), Long::sum);
        }
    }

    /** @return the shards' JIT compile time together; unknown (-1) in any shard, unknown in all. */
    private static long jitMillis(final List<LoadResult> parts)
    {
        long sum = 0;
        for (final LoadResult r : parts)
        {
            if (r.jitMillis < 0)
            {
                return -1;
            }
            sum += r.jitMillis;
        }
        return sum;
    }
}
