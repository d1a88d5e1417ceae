package io.ringmq.loadtest;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every scenario, short and small, against the RingMQ broker started in-process on an ephemeral port.
 */
@Timeout(300)
class LoadScenariosIT
{
    private static RingMqBroker broker;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startBroker()
    {
        broker = RingMqBroker.start(new BrokerConfig().bindAddress("127.0.0.1").port(0).eventLoops(2)
            .dataDir(dir.resolve("data").toString()));
    }

    @AfterAll
    static void stopBroker()
    {
        if (null != broker)
        {
            broker.close();
        }
    }

    @Test
    void shouldLoseNothingInFanInAtQos1() throws Exception
    {
        final LoadResult r = run("fan-in", "--publishers", "3", "--subscribers", "2", "--qos", "1", "--rate", "200");
        assertEquals(5, r.connectionsEstablished);
        assertTrue(r.sent >= 200, "sent " + r.sent);
        assertEquals(r.sent, r.acknowledged);
        assertEquals(2 * r.acknowledged, r.expected);
        assertEquals(0, r.lost);
        assertEquals(r.expected, r.distinct);
        assertTrue(r.histogram.getTotalCount() > 0);
        assertTrue(r.achievedRate > 0 && r.receiveRate > 0);
    }

    @Test
    void shouldDeliverQos0FanOutAtALowRate() throws Exception
    {
        final LoadResult r = run("fan-out", "--subscribers", "4", "--qos", "0", "--rate", "100", "--protocol", "5");
        assertEquals(5, r.connectionsEstablished);
        assertEquals(4 * r.sent, r.expected);
        assertTrue(r.received > 0);
        assertEquals(0, r.duplicated);
        assertTrue(r.histogram.getTotalCount() > 0);
    }

    @Test
    void shouldReceiveEverythingInQos1Pairs() throws Exception
    {
        final LoadResult r = run("pairs", "--pairs", "5", "--qos", "1", "--total-rate", "500");
        assertEquals(10, r.connectionsEstablished);
        assertEquals(r.sent, r.acknowledged);
        assertEquals(r.sent, r.received);
        assertEquals(0, r.lost);
        assertEquals(0, r.duplicated);
        assertTrue(r.histogram.getTotalCount() > 0);
    }

    @Test
    void shouldReceiveEverythingExactlyOnceInQos2Pairs() throws Exception
    {
        final LoadResult r = run("pairs", "--pairs", "3", "--qos", "2", "--rate", "100", "--protocol", "5");
        assertEquals(r.sent, r.acknowledged);
        assertEquals(r.sent, r.received);
        assertEquals(0, r.lost);
        assertEquals(0, r.duplicated);
        assertEquals(0, r.outstandingAtEnd);
    }

    @Test
    void shouldShareMessagesAcrossTheGroup() throws Exception
    {
        final LoadResult r = run("shared", "--publishers", "2", "--consumers", "3", "--qos", "1", "--rate", "200",
            "--protocol", "5");
        assertEquals(r.sent, r.acknowledged);
        assertEquals(r.acknowledged, r.expected, "one delivery per message for the whole group");
        assertEquals(0, r.lost);
        assertTrue(r.histogram.getTotalCount() > 0);
    }

    @Test
    void shouldHoldIdleConnectionsAndMeasurePings() throws Exception
    {
        final LoadResult r = run("idle", "--connections", "20", "--keep-alive", "1", "--duration", "1500ms",
            "--broker-pid", Long.toString(ProcessHandle.current().pid()));
        assertEquals(20, r.connectionsEstablished);
        assertTrue(r.errors.get("pongs") > 0, "keep-alive pings answered");
        assertTrue(r.histogram.getTotalCount() > 0);
        assertTrue(r.brokerRssLoadedKb > 0);
        assertTrue(r.selfHeapPerConnectionBytes != -1);
    }

    @Test
    void shouldStormConnections() throws Exception
    {
        final LoadResult r = run("connect-storm", "--connections", "50");
        assertEquals(50, r.connectionsEstablished);
        assertEquals(0, r.connectionsFailed);
        assertTrue(r.connectsPerSecond > 0);
        assertEquals(50, r.histogram.getTotalCount());
    }

    @Test
    void shouldChurnConnectionsWithReconnect() throws Exception
    {
        final LoadResult r = run("connect-storm", "--connections", "5", "--reconnect", "--duration", "1s");
        assertTrue(r.connectAttempts > 10, "attempts " + r.connectAttempts);
        assertTrue(r.connectsPerSecond > 0);
    }

    @Test
    void shouldRedeliverQueuedMessagesToPersistentSessionsV311() throws Exception
    {
        final LoadResult r = run("persistent", "--subscribers", "2", "--qos", "1", "--rate", "100");
        assertEquals(2, r.sessionsPresent);
        assertTrue(r.queued > 0);
        assertEquals(r.queued, r.expected);
        assertEquals(r.queued, r.distinct);
        assertEquals(0, r.lost);
    }

    @Test
    void shouldRedeliverQueuedMessagesToPersistentSessionsV5() throws Exception
    {
        final LoadResult r = run("persistent", "--subscribers", "2", "--qos", "2", "--rate", "100", "--protocol", "5");
        assertEquals(2, r.sessionsPresent);
        assertTrue(r.queued > 0);
        assertEquals(r.queued, r.distinct);
        assertEquals(0, r.lost);
    }

    @Test
    void shouldMergeShardsIntoOneReport() throws Exception
    {
        final String[] common = { "fan-in", "--publishers", "3", "--subscribers", "2", "--qos", "1", "--rate", "100",
            "--run-id", "merge" + System.nanoTime(), "--quiet-period", "700ms" };
        final CompletableFuture<LoadResult> shard0 = CompletableFuture.supplyAsync(
            () -> runUnchecked(concat(common, "--shard", "0/2")));
        final CompletableFuture<LoadResult> shard1 = CompletableFuture.supplyAsync(
            () -> runUnchecked(concat(common, "--shard", "1/2")));
        final LoadResult a = shard0.get(120, TimeUnit.SECONDS);
        final LoadResult b = shard1.get(120, TimeUnit.SECONDS);
        final Path json0 = dir.resolve("shard0.json");
        final Path json1 = dir.resolve("shard1.json");
        Files.writeString(json0, a.toJson());
        Files.writeString(json1, b.toJson());

        final Path merged = dir.resolve("merged.html");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int status = Main.run(new String[]{ "merge", "--html", merged.toString(), json0.toString(),
            json1.toString() }, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, status);
        final LoadResult m = Merge.merge(List.of(Merge.read(json0), Merge.read(json1)));
        assertEquals(5, m.connectionsEstablished);
        assertEquals(a.sent + b.sent, m.sent);
        assertEquals(2 * m.acknowledged, m.expected);
        assertEquals(0, m.lost);
        assertTrue(Files.readString(merged).contains("<svg"));
    }

    @Test
    void shouldWriteJsonAndHtmlFromTheCommandLine() throws Exception
    {
        final Path json = dir.resolve("cli.json");
        final Path html = dir.resolve("cli.html");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int status = Main.run(new String[]{ "pairs", "--port", Integer.toString(broker.port()), "--pairs", "2",
            "--qos", "1", "--rate", "50", "--duration", "1s", "--warmup", "200ms", "--no-progress",
            "--json", json.toString(), "--html", html.toString() },
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, status, out.toString(StandardCharsets.UTF_8));
        final String text = Files.readString(json);
        for (final String key : new String[]{ "\"sent\"", "\"received\"", "\"lost\"", "\"duplicated\"",
            "\"targetRate\"", "\"achievedRate\"", "\"p50\"", "\"p99\"", "\"p99.9\"", "\"max\"" })
        {
            assertTrue(text.contains(key), key);
        }
        final String page = Files.readString(html);
        assertTrue(page.contains("<svg") && page.contains("polyline"), "inline SVG plots");
        assertTrue(!page.contains("<script src"), "self-contained");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("latency"));
    }

    @Test
    void shouldKeepHealthyPairsWholeBesideAConnectedSubscriberThatNeverReads() throws Exception
    {
        final LoadResult r = runIsolation(isolationBroker("connected", 300), "connected", "4");
        assertIsolated(r);
        assertTrue(r.sys.get("publish/messages/dropped/queue-full") > 0, "the stalled session dropped: " + r.sys);
        assertTrue(r.sys.get("clients/stalled") >= 1, "counted as stalled: " + r.sys);
        assertEquals(0, r.stalledClosed, "still connected, only dropping");
    }

    @Test
    void shouldKeepHealthyPairsWholeBesideAnOfflinePersistentSubscriberV5() throws Exception
    {
        final LoadResult r = runIsolation(isolationBroker("offline", 300), "offline", "5");
        assertIsolated(r);
        assertTrue(r.sys.get("publish/messages/dropped/queue-full") > 0, "the offline session dropped: " + r.sys);
    }

    /**
     * The check above can fail: a broker that holds the publishers' PUBACKs for as long as the stalled subscriber is
     * backed up (here for up to 10 minutes) stops every healthy publisher once its window is full.
     */
    @Test
    void shouldFailTheIsolationCheckWhenTheStalledSubscriberHoldsUpThePublishers() throws Exception
    {
        final LoadResult r = runIsolation(isolationBroker("blocking", 600_000), "connected", "4");
        assertThrows(AssertionError.class, () -> assertIsolated(r));
        assertTrue(r.receiveRate < 0.9 * r.targetRate, "healthy rate " + r.receiveRate);
    }

    /**
     * What issue #8 asks of the healthy pairs: at least 90 % of their rate, nothing acknowledged and lost, no
     * duplicates, no disconnects, every PINGREQ answered.
     */
    private static void assertIsolated(final LoadResult r)
    {
        assertEquals(42, r.connectionsEstablished, "20 pairs, the stalled subscriber and the $SYS reader");
        assertTrue(r.receiveRate >= 0.9 * r.targetRate, "healthy rate " + r.receiveRate + " of " + r.targetRate);
        assertEquals(r.sent, r.acknowledged, "every publish acknowledged");
        assertEquals(0, r.outstandingAtEnd);
        assertEquals(0, r.publishRefused);
        assertEquals(r.acknowledged, r.expected);
        assertEquals(0, r.lost);
        assertEquals(0, r.duplicated);
        assertEquals(0, r.healthyDisconnects);
        assertEquals(0, r.pingTimeouts);
        assertTrue(r.errors.get("pongs") > 0, "healthy clients pinged and were answered");
    }

    /**
     * A broker of its own: a small session queue and a short $SYS interval, so 5 s at 1,000 msg/s fill the stalled
     * session's queue and the drop counters are read back.
     */
    private static RingMqBroker isolationBroker(final String name, final int maxAckDelayMs)
    {
        return RingMqBroker.start(new BrokerConfig().bindAddress("127.0.0.1").port(0).eventLoops(2)
            .maxQueuedMessages(200).maxAckDelayMs(maxAckDelayMs).sysIntervalSeconds(1)
            .dataDir(dir.resolve("isolation-" + name).toString()));
    }

    private static LoadResult runIsolation(final RingMqBroker isolated, final String stalled, final String protocol)
        throws Exception
    {
        try (RingMqBroker own = isolated)
        {
            final LoadOptions options = LoadOptions.parse(Scenario.ISOLATION, List.of("--port",
                Integer.toString(own.port()), "--pairs", "20", "--rate", "50", "--duration", "5s", "--warmup",
                "500ms", "--keep-alive", "2", "--stalled", stalled, "--protocol", protocol, "--sys-wait", "1500ms",
                "--threads", "2", "--broker-pid", Long.toString(ProcessHandle.current().pid()), "--no-progress",
                "--drain", "10s"));
            final LoadResult result = new ScenarioRunner(options, System.err).run();
            Summary.print(result, System.out);
            assertEquals(stalled, result.stalledMode);
            assertTrue(result.brokerRssMaxKb > 0);
            return result;
        }
    }

    private static LoadResult run(final String... args) throws Exception
    {
        final List<String> list = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        if (!list.contains("--duration"))
        {
            list.addAll(List.of("--duration", "1s"));
        }
        list.addAll(List.of("--port", Integer.toString(broker.port()), "--warmup", "200ms", "--threads", "2",
            "--no-progress", "--drain", "10s"));
        final LoadOptions options = LoadOptions.parse(Scenario.of(args[0]), list);
        final LoadResult result = new ScenarioRunner(options, System.err).run();
        final Path html = dir.resolve(args[0] + "-" + System.nanoTime() + ".html");
        Files.writeString(html, HtmlReport.render(result));
        assertTrue(Files.size(html) > 1000);
        Summary.print(result, System.out);
        return result;
    }

    private static LoadResult runUnchecked(final String... args)
    {
        try
        {
            return run(args);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static String[] concat(final String[] a, final String... b)
    {
        final String[] result = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }
}
