package io.ringmq.loadtest;

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
        final Json json = new Json().beginObject()
            .field("tool", "ringmq-loadtest")
            .field("formatVersion", 1)
            .field("scenario", scenario)
            .field("broker", broker)
            .field("options", options)
            .field("runId", runId)
            .field("shard", shard)
            .field("shards", shards)
            .field("protocol", protocol)
            .field("qos", qos)
            .field("payloadBytes", payloadBytes)
            .field("sent", sent)
            .field("acknowledged", acknowledged)
            .field("received", received)
            .field("distinct", distinct)
            .field("expected", expected)
            .field("lost", lost)
            .field("duplicated", duplicated)
            .field("foreign", foreign)
            .field("outstandingAtEnd", outstandingAtEnd)
            .field("publishRefused", publishRefused)
            .field("targetRate", targetRate)
            .field("achievedRate", achievedRate)
            .field("receiveRate", receiveRate)
            .field("sentInWindow", sentInWindow)
            .field("receivedInWindow", receivedInWindow)
            .field("measureSeconds", measureSeconds)
            .field("sharedGroup", sharedGroup);

        writeLatency(json);

        json.beginObject("connections")
            .field("target", connectionsTarget)
            .field("established", connectionsEstablished)
            .field("failed", connectionsFailed)
            .field("attempts", connectAttempts)
            .field("setupSeconds", setupSeconds)
            .field("connectsPerSecond", connectsPerSecond)
            .field("sessionsPresent", sessionsPresent)
            .endObject();

        writePersistent(json);
        writeIsolation(json);

        json.beginObject("memory")
            .field("brokerPid", brokerPid)
            .field("brokerRssBaselineKb", brokerRssBaselineKb)
            .field("brokerRssLoadedKb", brokerRssLoadedKb)
            .field("brokerRssPerConnectionBytes", brokerRssPerConnectionBytes)
            .field("loadTesterHeapPerConnectionBytes", selfHeapPerConnectionBytes)
            .field("loadTesterRssPerConnectionBytes", selfRssPerConnectionBytes)
            .endObject();

        json.beginObject("cpu")
            .field("processCpuSeconds", processCpuSeconds)
            .field("processCpuPercent", processCpuPercent)
            .field("ioCpuSeconds", ioCpuSeconds)
            .array("ioThreadCpuPercent", threadCpuPercent)
            .field("msgsPerCoreSecond", msgsPerCoreSecond)
            .field("warning", cpuWarning)
            .endObject();

        json.beginObject("errors");
        for (final Map.Entry<String, Long> e : errors.entrySet())
        {
            json.field(e.getKey(), e.getValue());
        }
        json.endObject();

        json.beginArray("percentiles");
        for (final double[] point : percentileCurve())
        {
            json.element(point);
        }
        json.endArray();

        json.beginArray("timeline");
        for (final double[] point : timeline)
        {
            json.element(point);
        }
        json.endArray();

        writePublishers(json);

        json.field("histogram", encodeHistogram(histogram));
        json.field("sendLatenessHistogram", encodeHistogram(sendLateness));
        return json.endObject().toString() + "\n";
    }

    /** The {@code latencyUs}, {@code sendLatenessUs} and {@code byQos} objects of {@link #toJson()}. */
    private void writeLatency(final Json json)
    {
        json.beginObject("latencyUs")
            .field("metric", latencyMetric)
            .field("count", histogram.getTotalCount())
            .field("min", histogram.getTotalCount() == 0 ? 0 : histogram.getMinValue() / 1000.0)
            .field("mean", meanLatencyUs())
            .field("p50", latencyUs(50))
            .field("p90", latencyUs(90))
            .field("p99", latencyUs(99))
            .field("p99.9", latencyUs(99.9))
            .field("p99.99", latencyUs(99.99))
            .field("max", maxLatencyUs())
            .endObject();

        json.beginObject("sendLatenessUs")
            .field("count", sendLateness.getTotalCount())
            .field("p50", sendLateness.getTotalCount() == 0 ? 0 : sendLateness.getValueAtPercentile(50) / 1000.0)
            .field("p99", sendLateness.getTotalCount() == 0 ? 0 : sendLateness.getValueAtPercentile(99) / 1000.0)
            .field("max", sendLateness.getTotalCount() == 0 ? 0 : sendLateness.getMaxValue() / 1000.0)
            .endObject();

        json.beginObject("byQos");
        for (int q = 0; q < 3; q++)
        {
            final long[] row = byQos[q];
            if (row[QOS_SENT] == 0 && row[QOS_RECEIVED] == 0 && row[QOS_EXPECTED] == 0)
            {
                continue;
            }
            json.beginObject(Integer.toString(q))
                .field("sent", row[QOS_SENT])
                .field("acknowledged", row[QOS_ACKED])
                .field("expected", row[QOS_EXPECTED])
                .field("received", row[QOS_RECEIVED])
                .field("lost", row[QOS_LOST])
                .field("duplicated", row[QOS_DUPLICATED])
                .endObject();
        }
        json.endObject();
    }

    /** The {@code persistent} object of {@link #toJson()}, for the persistent scenario. */
    private void writePersistent(final Json json)
    {
        if (queued >= 0)
        {
            json.beginObject("persistent")
                .field("queued", queued)
                .field("redelivered", distinct)
                .field("lost", lost)
                .field("duplicated", duplicated)
                .field("sessionsPresent", sessionsPresent)
                .field("redeliverySeconds", redeliverySeconds)
                .endObject();
        }
    }

    /** The {@code isolation} object of {@link #toJson()}, for the isolation scenario. */
    private void writeIsolation(final Json json)
    {
        if (null == stalledMode)
        {
            return;
        }
        json.beginObject("isolation")
            .field("stalled", stalledMode)
            .field("healthyReceiveRate", receiveRate)
            .field("healthyLost", lost)
            .field("healthyDuplicated", duplicated)
            .field("healthyDisconnects", healthyDisconnects)
            .field("pingTimeouts", pingTimeouts)
            .field("maxPingRttUs", maxPingRttUs)
            .field("stalledReceived", stalledReceived)
            .field("stalledClosed", stalledClosed)
            .field("brokerRssSetupKb", brokerRssSetupKb)
            .field("brokerRssMaxKb", brokerRssMaxKb)
            .field("brokerRssEndKb", brokerRssEndKb);
        json.beginObject("sys");
        for (final Map.Entry<String, Long> e : sys.entrySet())
        {
            json.field(e.getKey(), e.getValue());
        }
        json.endObject().endObject();
    }

    /** The {@code publishers} object of {@link #toJson()}: per-publisher arrays. */
    private void writePublishers(final Json json)
    {
        final long[] qosLong = new long[publisherQos.length];
        for (int i = 0; i < qosLong.length; i++)
        {
            qosLong[i] = publisherQos[i];
        }
        json.beginObject("publishers")
            .array("qos", qosLong)
            .array("sent", publisherSent)
            .array("acknowledged", publisherAcked)
            .array("received", publisherReceived)
            .array("distinct", publisherDistinct)
            .array("duplicated", publisherDuplicates)
            .array("expectedReceivers", publisherExpectedReceivers)
            .endObject();
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
            r.threadCpuPercent = doubles((List<Object>)cpu.get("ioThreadCpuPercent"));
            r.msgsPerCoreSecond = num(cpu, "msgsPerCoreSecond");
            r.cpuWarning = str(cpu, "warning");
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
