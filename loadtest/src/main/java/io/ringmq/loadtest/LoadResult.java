package io.ringmq.loadtest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;

/**
 * Result of one scenario run (or of several shards merged): counts, rates, the latency histogram, the per-second
 * timeline, the load tester's own CPU and memory, and per-publisher counts from which loss is computed. Written as
 * JSON ({@link #toJson()}) and read back for {@code merge} ({@link #fromJson(Map)}).
 * <p>
 * Loss is computed per publisher: {@code expected = receivers x (QoS 0 ? sent : acknowledged)} and
 * {@code lost = max(0, expected - distinct received)}, so at QoS 1/2 "lost" means acknowledged by the broker but never
 * delivered. Counts cover the whole run including warm-up; rates and latencies cover the measurement window.
 * <p>
 * <b>Threading:</b> not thread-safe; built by one thread.
 */
final class LoadResult
{
    static final double[] PERCENTILES = { 50, 90, 99, 99.9, 99.99 };

    String scenario;
    String broker;
    String options;
    String runId;
    String shard = "0/1";
    int shards = 1;
    int protocol;
    String qos;
    int payloadBytes;
    String latencyMetric = "end-to-end";

    long connectionsTarget;
    long connectionsEstablished;
    long connectionsFailed;
    long connectAttempts;
    double setupSeconds;
    double connectsPerSecond;

    long sent;
    long acknowledged;
    long received;
    long distinct;
    long expected;
    long lost;
    long duplicated;
    long foreign;
    long outstandingAtEnd;
    long publishRefused;
    long sentInWindow;
    long receivedInWindow;
    double measureSeconds;
    double targetRate;
    double achievedRate;
    double receiveRate;
    boolean sharedGroup;

    Histogram histogram = newHistogram();
    Histogram sendLateness = newHistogram();
    List<double[]> timeline = new ArrayList<>();

    double processCpuSeconds;
    double processCpuPercent;
    /** Milliseconds the load tester's own JIT compilers spent compiling in the window, -1 when not known. */
    long jitMillis = -1;
    /** The broker's CPU over the window in percent of one core (--broker-pid), -1 when not measured. */
    double brokerCpuPercent = -1;
    /** The broker's context switches per second over all its threads, -1 when not measured. */
    double brokerWakeupsPerSecond = -1;
    /** The broker's thread with the most wake-ups, "name N/s", or null. */
    String brokerMostWakeful;
    /** The broker's busy threads by name. */
    Map<String, BrokerCpu.ThreadUse> brokerThreads = Map.of();
    double[] threadCpuPercent = new double[0];
    double ioCpuSeconds;
    double msgsPerCoreSecond;
    String cpuWarning;

    long brokerPid = -1;
    long brokerRssBaselineKb = -1;
    long brokerRssLoadedKb = -1;
    double brokerRssPerConnectionBytes = -1;
    double selfHeapPerConnectionBytes = -1;
    double selfRssPerConnectionBytes = -1;

    long brokerRssSetupKb = -1;
    long brokerRssEndKb = -1;
    long brokerRssMaxKb = -1;

    /** Isolation only (null otherwise): connected, offline or none. */
    String stalledMode;
    long stalledReceived;
    long stalledClosed;
    long healthyDisconnects;
    long pingTimeouts;
    double maxPingRttUs;
    /** Isolation: change of the broker's $SYS counters over the run, by topic below {@code $SYS/broker/}. */
    final Map<String, Long> sys = new LinkedHashMap<>();

    long sessionsPresent;
    long queued = -1;
    double redeliverySeconds;

    final Map<String, Long> errors = new LinkedHashMap<>();

    int[] publisherQos = new int[0];
    long[] publisherSent = new long[0];
    long[] publisherAcked = new long[0];
    long[] publisherReceived = new long[0];
    long[] publisherDistinct = new long[0];
    long[] publisherDuplicates = new long[0];
    long[] publisherExpectedReceivers = new long[0];

    final long[][] byQos = new long[3][6];

    static final int QOS_SENT = 0;
    static final int QOS_ACKED = 1;
    static final int QOS_EXPECTED = 2;
    static final int QOS_RECEIVED = 3;
    static final int QOS_LOST = 4;
    static final int QOS_DUPLICATED = 5;

    static Histogram newHistogram()
    {
        return new Histogram(1, 3_600_000_000_000L, 3);
    }

    /**
     * Recompute expected, lost, duplicated and the per-QoS table from the per-publisher arrays.
     */
    void computeLoss()
    {
        for (final long[] row : byQos)
        {
            java.util.Arrays.fill(row, 0);
        }
        long totalExpected = 0;
        long totalLost = 0;
        long totalDuplicated = 0;
        for (int p = 0; p < publisherSent.length; p++)
        {
            final int q = publisherQos[p];
            final long receivers = sharedGroup ? Math.min(1, publisherExpectedReceivers[p]) :
                publisherExpectedReceivers[p];
            final long basis = q == 0 ? publisherSent[p] : publisherAcked[p];
            final long expectedP = receivers * basis;
            final long lostP = Math.max(0, expectedP - publisherDistinct[p]);
            final long[] row = byQos[q];
            row[QOS_SENT] += publisherSent[p];
            row[QOS_ACKED] += publisherAcked[p];
            row[QOS_EXPECTED] += expectedP;
            row[QOS_RECEIVED] += publisherReceived[p];
            row[QOS_LOST] += lostP;
            row[QOS_DUPLICATED] += publisherDuplicates[p];
            totalExpected += expectedP;
            totalLost += lostP;
            totalDuplicated += publisherDuplicates[p];
        }
        expected = totalExpected;
        lost = totalLost;
        duplicated = totalDuplicated;
    }

    /**
     * Latency percentile in microseconds.
     *
     * @param percentile 0 to 100.
     * @return microseconds, 0 without samples.
     */
    double latencyUs(final double percentile)
    {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxLatencyUs()
    {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue() / 1000.0;
    }

    double meanLatencyUs()
    {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMean() / 1000.0;
    }

    /**
     * The result as JSON.
     *
     * @return JSON text.
     */
    String toJson()
    {
        final ObjectNode json = ResultJson.object();
        json.put("tool", "ringmq-loadtest")
            .put("formatVersion", 1)
            .put("scenario", scenario)
            .put("broker", broker)
            .put("options", options)
            .put("runId", runId)
            .put("shard", shard)
            .put("shards", shards)
            .put("protocol", protocol)
            .put("qos", qos)
            .put("payloadBytes", payloadBytes)
            .put("sent", sent)
            .put("acknowledged", acknowledged)
            .put("received", received)
            .put("distinct", distinct)
            .put("expected", expected)
            .put("lost", lost)
            .put("duplicated", duplicated)
            .put("foreign", foreign)
            .put("outstandingAtEnd", outstandingAtEnd)
            .put("publishRefused", publishRefused)
            .put("targetRate", targetRate)
            .put("achievedRate", achievedRate)
            .put("receiveRate", receiveRate)
            .put("sentInWindow", sentInWindow)
            .put("receivedInWindow", receivedInWindow)
            .put("measureSeconds", measureSeconds)
            .put("sharedGroup", sharedGroup);

        writeLatency(json);

        json.putObject("connections")
            .put("target", connectionsTarget)
            .put("established", connectionsEstablished)
            .put("failed", connectionsFailed)
            .put("attempts", connectAttempts)
            .put("setupSeconds", setupSeconds)
            .put("connectsPerSecond", connectsPerSecond)
            .put("sessionsPresent", sessionsPresent);

        writePersistent(json);
        writeIsolation(json);

        json.putObject("memory")
            .put("brokerPid", brokerPid)
            .put("brokerRssBaselineKb", brokerRssBaselineKb)
            .put("brokerRssLoadedKb", brokerRssLoadedKb)
            .put("brokerRssPerConnectionBytes", brokerRssPerConnectionBytes)
            .put("loadTesterHeapPerConnectionBytes", selfHeapPerConnectionBytes)
            .put("loadTesterRssPerConnectionBytes", selfRssPerConnectionBytes);

        final ObjectNode cpu = json.putObject("cpu")
            .put("processCpuSeconds", processCpuSeconds)
            .put("processCpuPercent", processCpuPercent)
            .put("ioCpuSeconds", ioCpuSeconds);
        if (jitMillis >= 0)
        {
            cpu.put("jitMillis", jitMillis);    // only when known: files without it keep the format they had
        }
        ResultJson.add(cpu.putArray("ioThreadCpuPercent"), threadCpuPercent);
        cpu.put("msgsPerCoreSecond", msgsPerCoreSecond)
            .put("warning", cpuWarning);
        if (brokerCpuPercent >= 0)
        {
            // Only when measured (--broker-pid): files without it keep the format they had.
            cpu.put("brokerCpuPercent", brokerCpuPercent)
                .put("brokerWakeupsPerSecond", brokerWakeupsPerSecond)
                .put("brokerMostWakeful", brokerMostWakeful);
            final ObjectNode brokerThreadsNode = cpu.putObject("brokerThreads");
            brokerThreads.forEach((name, use) -> brokerThreadsNode.putObject(name)
                .put("cpuPercent", use.cpuPercent())
                .put("wakeupsPerSecond", use.wakeupsPerSecond()));
        }

        final ObjectNode errorCounts = json.putObject("errors");
        for (final Map.Entry<String, Long> e : errors.entrySet())
        {
            errorCounts.put(e.getKey(), e.getValue());
        }

        final ArrayNode percentiles = json.putArray("percentiles");
        for (final double[] point : percentileCurve())
        {
            ResultJson.add(percentiles.addArray(), point);
        }

        final ArrayNode timelinePoints = json.putArray("timeline");
        for (final double[] point : timeline)
        {
            ResultJson.add(timelinePoints.addArray(), point);
        }

        writePublishers(json);

        json.put("histogram", encodeHistogram(histogram));
        json.put("sendLatenessHistogram", encodeHistogram(sendLateness));
        return ResultJson.write(json);
    }

    /** The {@code latencyUs}, {@code sendLatenessUs} and {@code byQos} objects of {@link #toJson()}. */
    private void writeLatency(final ObjectNode json)
    {
        json.putObject("latencyUs")
            .put("metric", latencyMetric)
            .put("count", histogram.getTotalCount())
            .put("min", histogram.getTotalCount() == 0 ? 0 : histogram.getMinValue() / 1000.0)
            .put("mean", meanLatencyUs())
            .put("p50", latencyUs(50))
            .put("p90", latencyUs(90))
            .put("p99", latencyUs(99))
            .put("p99.9", latencyUs(99.9))
            .put("p99.99", latencyUs(99.99))
            .put("max", maxLatencyUs());

        json.putObject("sendLatenessUs")
            .put("count", sendLateness.getTotalCount())
            .put("p50", sendLateness.getTotalCount() == 0 ? 0 : sendLateness.getValueAtPercentile(50) / 1000.0)
            .put("p99", sendLateness.getTotalCount() == 0 ? 0 : sendLateness.getValueAtPercentile(99) / 1000.0)
            .put("max", sendLateness.getTotalCount() == 0 ? 0 : sendLateness.getMaxValue() / 1000.0);

        final ObjectNode qosCounts = json.putObject("byQos");
        for (int q = 0; q < 3; q++)
        {
            final long[] row = byQos[q];
            if (row[QOS_SENT] == 0 && row[QOS_RECEIVED] == 0 && row[QOS_EXPECTED] == 0)
            {
                continue;
            }
            qosCounts.putObject(Integer.toString(q))
                .put("sent", row[QOS_SENT])
                .put("acknowledged", row[QOS_ACKED])
                .put("expected", row[QOS_EXPECTED])
                .put("received", row[QOS_RECEIVED])
                .put("lost", row[QOS_LOST])
                .put("duplicated", row[QOS_DUPLICATED]);
        }
    }

    /** The {@code persistent} object of {@link #toJson()}, for the persistent scenario. */
    private void writePersistent(final ObjectNode json)
    {
        if (queued >= 0)
        {
            json.putObject("persistent")
                .put("queued", queued)
                .put("redelivered", distinct)
                .put("lost", lost)
                .put("duplicated", duplicated)
                .put("sessionsPresent", sessionsPresent)
                .put("redeliverySeconds", redeliverySeconds);
        }
    }

    /** The {@code isolation} object of {@link #toJson()}, for the isolation scenario. */
    private void writeIsolation(final ObjectNode json)
    {
        if (null == stalledMode)
        {
            return;
        }
        final ObjectNode isolation = json.putObject("isolation")
            .put("stalled", stalledMode)
            .put("healthyReceiveRate", receiveRate)
            .put("healthyLost", lost)
            .put("healthyDuplicated", duplicated)
            .put("healthyDisconnects", healthyDisconnects)
            .put("pingTimeouts", pingTimeouts)
            .put("maxPingRttUs", maxPingRttUs)
            .put("stalledReceived", stalledReceived)
            .put("stalledClosed", stalledClosed)
            .put("brokerRssSetupKb", brokerRssSetupKb)
            .put("brokerRssMaxKb", brokerRssMaxKb)
            .put("brokerRssEndKb", brokerRssEndKb);
        final ObjectNode sysCounts = isolation.putObject("sys");
        for (final Map.Entry<String, Long> e : sys.entrySet())
        {
            sysCounts.put(e.getKey(), e.getValue());
        }
    }

    /** The {@code publishers} object of {@link #toJson()}: per-publisher arrays. */
    private void writePublishers(final ObjectNode json)
    {
        final long[] qosLong = new long[publisherQos.length];
        for (int i = 0; i < qosLong.length; i++)
        {
            qosLong[i] = publisherQos[i];
        }
        final ObjectNode publishers = json.putObject("publishers");
        ResultJson.add(publishers.putArray("qos"), qosLong);
        ResultJson.add(publishers.putArray("sent"), publisherSent);
        ResultJson.add(publishers.putArray("acknowledged"), publisherAcked);
        ResultJson.add(publishers.putArray("received"), publisherReceived);
        ResultJson.add(publishers.putArray("distinct"), publisherDistinct);
        ResultJson.add(publishers.putArray("duplicated"), publisherDuplicates);
        ResultJson.add(publishers.putArray("expectedReceivers"), publisherExpectedReceivers);
    }

    /**
     * Points of the percentile plot: {@code [percentile, microseconds]} from 0 to 99.9999 on a log scale of
     * {@code 1 / (1 - p)}.
     *
     * @return points.
     */
    List<double[]> percentileCurve()
    {
        final List<double[]> points = new ArrayList<>();
        if (histogram.getTotalCount() == 0)
        {
            return points;
        }
        for (double nines = 0; nines <= 6.0001; nines += 0.125)
        {
            final double percentile = 100.0 * (1 - Math.pow(10, -nines));
            points.add(new double[]{ percentile, histogram.getValueAtPercentile(percentile) / 1000.0 });
        }
        points.add(new double[]{ 100, histogram.getMaxValue() / 1000.0 });
        return points;
    }

    static String encodeHistogram(final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    static Histogram decodeHistogram(final String base64)
    {
        try
        {
            final Histogram decoded = Histogram.decodeFromCompressedByteBuffer(
                ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 1);
            final Histogram result = newHistogram();
            result.add(decoded);
            return result;
        }
        catch (final DataFormatException ex)
        {
            throw new IllegalArgumentException("bad histogram in result file: " + ex.getMessage(), ex);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------

    /**
     * Read a result written by {@link #toJson()}.
     *
     * @param map parsed JSON object.
     * @return the result.
     */
    @SuppressWarnings("unchecked")
    static LoadResult fromJson(final Map<String, Object> map)
    {
        final LoadResult r = new LoadResult();
        r.scenario = str(map, "scenario");
        r.broker = str(map, "broker");
        r.options = str(map, "options");
        r.runId = str(map, "runId");
        r.shard = str(map, "shard");
        r.shards = (int)num(map, "shards");
        r.protocol = (int)num(map, "protocol");
        r.qos = str(map, "qos");
        r.payloadBytes = (int)num(map, "payloadBytes");
        r.sent = (long)num(map, "sent");
        r.acknowledged = (long)num(map, "acknowledged");
        r.received = (long)num(map, "received");
        r.distinct = (long)num(map, "distinct");
        r.foreign = (long)num(map, "foreign");
        r.outstandingAtEnd = (long)num(map, "outstandingAtEnd");
        r.publishRefused = (long)num(map, "publishRefused");
        r.targetRate = num(map, "targetRate");
        r.achievedRate = num(map, "achievedRate");
        r.receiveRate = num(map, "receiveRate");
        r.sentInWindow = (long)num(map, "sentInWindow");
        r.receivedInWindow = (long)num(map, "receivedInWindow");
        r.measureSeconds = num(map, "measureSeconds");
        r.sharedGroup = Boolean.TRUE.equals(map.get("sharedGroup"));

        final Map<String, Object> latency = (Map<String, Object>)map.get("latencyUs");
        if (null != latency)
        {
            r.latencyMetric = str(latency, "metric");
        }
        final Map<String, Object> connections = (Map<String, Object>)map.get("connections");
        if (null != connections)
        {
            r.connectionsTarget = (long)num(connections, "target");
            r.connectionsEstablished = (long)num(connections, "established");
            r.connectionsFailed = (long)num(connections, "failed");
            r.connectAttempts = (long)num(connections, "attempts");
            r.setupSeconds = num(connections, "setupSeconds");
            r.connectsPerSecond = num(connections, "connectsPerSecond");
            r.sessionsPresent = (long)num(connections, "sessionsPresent");
        }
        final Map<String, Object> persistent = (Map<String, Object>)map.get("persistent");
        if (null != persistent)
        {
            r.queued = (long)num(persistent, "queued");
            r.redeliverySeconds = num(persistent, "redeliverySeconds");
        }
        readResources(r, map);
        readIsolation(r, map);
        final Map<String, Object> errors = (Map<String, Object>)map.get("errors");
        if (null != errors)
        {
            for (final Map.Entry<String, Object> e : errors.entrySet())
            {
                r.errors.put(e.getKey(), ((Number)e.getValue()).longValue());
            }
        }
        final List<Object> timeline = (List<Object>)map.get("timeline");
        if (null != timeline)
        {
            for (final Object point : timeline)
            {
                r.timeline.add(doubles((List<Object>)point));
            }
        }
        readPublishers(r, map);
        final String histogram = str(map, "histogram");
        if (null != histogram && !histogram.isEmpty())
        {
            r.histogram = decodeHistogram(histogram);
        }
        final String lateness = str(map, "sendLatenessHistogram");
        if (null != lateness && !lateness.isEmpty())
        {
            r.sendLateness = decodeHistogram(lateness);
        }
        r.computeLoss();
        return r;
    }

    /** The {@code memory} and {@code cpu} objects written by {@link #toJson()}. */
    @SuppressWarnings("unchecked")
    private static void readResources(final LoadResult r, final Map<String, Object> map)
    {
        final Map<String, Object> memory = (Map<String, Object>)map.get("memory");
        if (null != memory)
        {
            r.brokerPid = (long)num(memory, "brokerPid");
            r.brokerRssBaselineKb = (long)num(memory, "brokerRssBaselineKb");
            r.brokerRssLoadedKb = (long)num(memory, "brokerRssLoadedKb");
            r.brokerRssPerConnectionBytes = num(memory, "brokerRssPerConnectionBytes");
            r.selfHeapPerConnectionBytes = num(memory, "loadTesterHeapPerConnectionBytes");
            r.selfRssPerConnectionBytes = num(memory, "loadTesterRssPerConnectionBytes");
        }
        final Map<String, Object> cpu = (Map<String, Object>)map.get("cpu");
        if (null != cpu)
        {
            r.processCpuSeconds = num(cpu, "processCpuSeconds");
            r.processCpuPercent = num(cpu, "processCpuPercent");
            r.ioCpuSeconds = num(cpu, "ioCpuSeconds");
            r.jitMillis = cpu.containsKey("jitMillis") ? (long)num(cpu, "jitMillis") : -1;
            r.threadCpuPercent = doubles((List<Object>)cpu.get("ioThreadCpuPercent"));
            r.msgsPerCoreSecond = num(cpu, "msgsPerCoreSecond");
            r.cpuWarning = str(cpu, "warning");
            if (cpu.containsKey("brokerCpuPercent"))
            {
                r.brokerCpuPercent = num(cpu, "brokerCpuPercent");
                r.brokerWakeupsPerSecond = num(cpu, "brokerWakeupsPerSecond");
                r.brokerMostWakeful = str(cpu, "brokerMostWakeful");
            }
        }
    }

    /** The {@code isolation} object written by {@link #toJson()}. */
    @SuppressWarnings("unchecked")
    private static void readIsolation(final LoadResult r, final Map<String, Object> map)
    {
        final Map<String, Object> isolation = (Map<String, Object>)map.get("isolation");
        if (null == isolation)
        {
            return;
        }
        r.stalledMode = str(isolation, "stalled");
        r.healthyDisconnects = (long)num(isolation, "healthyDisconnects");
        r.pingTimeouts = (long)num(isolation, "pingTimeouts");
        r.maxPingRttUs = num(isolation, "maxPingRttUs");
        r.stalledReceived = (long)num(isolation, "stalledReceived");
        r.stalledClosed = (long)num(isolation, "stalledClosed");
        r.brokerRssSetupKb = (long)num(isolation, "brokerRssSetupKb");
        r.brokerRssMaxKb = (long)num(isolation, "brokerRssMaxKb");
        r.brokerRssEndKb = (long)num(isolation, "brokerRssEndKb");
        final Map<String, Object> sys = (Map<String, Object>)isolation.get("sys");
        if (null != sys)
        {
            for (final Map.Entry<String, Object> e : sys.entrySet())
            {
                r.sys.put(e.getKey(), ((Number)e.getValue()).longValue());
            }
        }
    }

    /** The {@code publishers} object written by {@link #toJson()}. */
    @SuppressWarnings("unchecked")
    private static void readPublishers(final LoadResult r, final Map<String, Object> map)
    {
        final Map<String, Object> publishers = (Map<String, Object>)map.get("publishers");
        if (null != publishers)
        {
            final long[] qosValues = longs((List<Object>)publishers.get("qos"));
            r.publisherQos = new int[qosValues.length];
            for (int i = 0; i < qosValues.length; i++)
            {
                r.publisherQos[i] = (int)qosValues[i];
            }
            r.publisherSent = longs((List<Object>)publishers.get("sent"));
            r.publisherAcked = longs((List<Object>)publishers.get("acknowledged"));
            r.publisherReceived = longs((List<Object>)publishers.get("received"));
            r.publisherDistinct = longs((List<Object>)publishers.get("distinct"));
            r.publisherDuplicates = longs((List<Object>)publishers.get("duplicated"));
            r.publisherExpectedReceivers = longs((List<Object>)publishers.get("expectedReceivers"));
        }
    }

    private static String str(final Map<String, Object> map, final String key)
    {
        final Object value = map.get(key);
        return null == value ? null : value.toString();
    }

    private static double num(final Map<String, Object> map, final String key)
    {
        final Object value = map.get(key);
        return value instanceof Number ? ((Number)value).doubleValue() : 0;
    }

    private static long[] longs(final List<Object> list)
    {
        if (null == list)
        {
            return new long[0];
        }
        final long[] result = new long[list.size()];
        for (int i = 0; i < result.length; i++)
        {
            result[i] = null == list.get(i) ? 0 : ((Number)list.get(i)).longValue();
        }
        return result;
    }

    private static double[] doubles(final List<Object> list)
    {
        if (null == list)
        {
            return new double[0];
        }
        final double[] result = new double[list.size()];
        for (int i = 0; i < result.length; i++)
        {
            result[i] = null == list.get(i) ? 0 : ((Number)list.get(i)).doubleValue();
        }
        return result;
    }
}
