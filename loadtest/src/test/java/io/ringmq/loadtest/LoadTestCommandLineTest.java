package io.ringmq.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load tester's command line on picocli: the options scripts use, their defaults, help and completion. */
@Timeout(30)
class LoadTestCommandLineTest
{
    /** Every option the load tester had before picocli: an interface of the scripts in loadtest/. */
    private static final List<String> OPTIONS = List.of("--host", "--port", "--broker", "--publishers",
        "--subscribers", "--consumers", "--pairs", "--connections", "--qos", "--payload", "--rate", "--total-rate",
        "--ramp-up", "--protocol", "--keep-alive", "--duration", "--warmup", "--drain", "--quiet-period",
        "--connect-timeout", "--timeout", "--inflight", "--threads", "--source-addresses", "--shard", "--json",
        "--html", "--broker-pid", "--connect-concurrency", "--run-id", "--group", "--session-expiry",
        "--batch-bytes", "--read-buffer", "--start-at", "--stalled", "--sys-wait", "--cafile", "--certfile",
        "--keyfile", "--ws-path", "--tls-provider", "--username", "--password", "--reconnect",
        "--persistent-sessions", "--progress", "--no-progress", "--quiet", "--tls", "--websocket", "--insecure");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    private int run(final String... args)
    {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldListEveryScenarioAndCommandInTheHelp()
    {
        assertEquals(0, run("--help"));
        for (final Scenario scenario : Scenario.values())
        {
            assertTrue(out().contains(scenario.command()) && out().contains(scenario.description()), out());
        }
        for (final String command : List.of("compare", "merge", "compare-summary", "help", "generate-completion"))
        {
            assertTrue(out().contains(command), command + " in\n" + out());
        }
        out.reset();
        assertEquals(0, run("help"));
        assertTrue(out().contains("fan-in"), out());
        out.reset();
        assertEquals(2, run(), "no command: the help, and a usage error");
        assertTrue(out().contains("fan-in"), out());
    }

    @Test
    void shouldListEveryOptionInAScenarioHelp()
    {
        assertEquals(0, run("fan-in", "--help"));
        for (final String option : OPTIONS)
        {
            assertTrue(out().contains(option), option + " in\n" + out());
        }
        assertTrue(out().contains("[10s]") && out().contains("[1.5s]"), "defaults shown:\n" + out());
        assertTrue(out().replaceAll("\\s+", " ").contains("%d becomes the client's index"), out());
        out.reset();
        assertEquals(0, run("pairs", "--port", "1", "--help"), "--help anywhere");
        assertTrue(out().contains("--duration"), out());
    }

    @Test
    void shouldRefuseAnUnknownOptionWithStatus2AndOneLine()
    {
        assertEquals(2, run("fan-in", "--no-such-option", "1"));
        assertEquals(1, err().strip().lines().count(), err());
        assertTrue(err().startsWith("ringmq-loadtest: ") && err().contains("--no-such-option"), err());
        err.reset();
        assertEquals(2, run("no-such-scenario"));
        assertTrue(err().contains("no-such-scenario"), err());
    }

    @Test
    void shouldReportTheOptionsOwnCheckOfABadValue()
    {
        assertEquals(2, run("fan-in", "--port", "70000"));
        assertEquals("ringmq-loadtest: --port must be in 1..65535: 70000 (see --help)", err().strip());
        final IllegalArgumentException duration = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(Scenario.FAN_IN, List.of("--duration", "soon")));
        assertEquals("Invalid value for option '--duration': must be a duration like 500ms, 10s or 2m: soon",
            duration.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(Scenario.FAN_IN,
            List.of("--rate", "-1"))).getMessage().contains("'--rate': must be >= 0: -1"));
        final IllegalArgumentException rule = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(Scenario.PERSISTENT, List.of()));
        assertTrue(rule.getMessage().startsWith("persistent needs --qos 1 or 2"), rule.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(Scenario.FAN_IN, List.of("--ws-path", "/x")), "--ws-path needs --websocket");
    }

    @Test
    void shouldSpreadConnectionsOverTheHostsOfACluster()
    {
        final LoadOptions spread = LoadOptions.parse(Scenario.FAN_IN,
            List.of("--hosts", "127.0.0.1:1883,127.0.0.2:1884,127.0.0.3:1885"));
        assertEquals(1883, spread.endpointFor(Connection.ROLE_PUBLISHER, 0).getPort());
        assertEquals(1884, spread.endpointFor(Connection.ROLE_PUBLISHER, 4).getPort());
        assertEquals(1884, spread.endpointFor(Connection.ROLE_SUBSCRIBER, 0).getPort(),
            "the first subscriber is on another node than the first publisher");
        assertEquals(1883, spread.endpointFor(Connection.ROLE_SUBSCRIBER, 2).getPort());
        assertEquals(1885, spread.endpointFor(Connection.ROLE_IDLE, 2).getPort());

        final LoadOptions placed = LoadOptions.parse(Scenario.FAN_IN,
            List.of("--publisher-hosts", "127.0.0.1:1883", "--subscriber-hosts", "127.0.0.2:1883"));
        assertEquals("127.0.0.1", placed.endpointFor(Connection.ROLE_PUBLISHER, 7).getHostString());
        assertEquals("127.0.0.2", placed.endpointFor(Connection.ROLE_SUBSCRIBER, 3).getHostString());
        assertEquals(1883, LoadOptions.parse(Scenario.FAN_IN, List.of("--port", "1883"))
            .endpointFor(Connection.ROLE_PUBLISHER, 0).getPort(), "without hosts: --host and --port");
        assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(Scenario.FAN_IN, List.of("--hosts", "nohost")));
    }

    @Test
    void shouldKeepTheDefaults()
    {
        final LoadOptions o = LoadOptions.parse(Scenario.FAN_IN, List.of());
        assertEquals("127.0.0.1", o.host);
        assertEquals(1883, o.port);
        assertArrayEquals(new int[] {0}, o.qos);
        assertEquals(64, o.payloadBytes);
        assertEquals(4, o.protocol);
        assertEquals(60, o.keepAliveSeconds);
        assertEquals(LoadOptions.seconds(10), o.durationNs);
        assertEquals(LoadOptions.seconds(1), o.warmupNs);
        assertEquals(LoadOptions.seconds(10), o.drainNs);
        assertEquals(LoadOptions.millis(1500), o.quietNs);
        assertEquals(LoadOptions.seconds(60), o.connectTimeoutNs);
        assertEquals(64, o.inflight);
        assertEquals(512, o.connectConcurrency);
        assertEquals("lt", o.group);
        assertEquals(300, o.sessionExpirySeconds);
        assertEquals(LoadOptions.STALLED_CONNECTED, o.stalled);
        assertEquals(LoadOptions.seconds(2), o.sysWaitNs);
        assertEquals("/mqtt", o.webSocketPath);
        assertEquals(TransportSettings.PROVIDER_JDK, o.tlsProvider);
        assertEquals(8, o.publishers, "fan-in's own default");
        assertEquals(1, o.subscribers);
        assertNull(o.progress);
        assertFalse(o.tls || o.webSocket || o.reconnect || o.persistentSessions || o.quiet);

        final LoadOptions isolation = LoadOptions.parse(Scenario.ISOLATION, List.of());
        assertArrayEquals(new int[] {1}, isolation.qos, "isolation's default QoS");
        assertEquals(5, isolation.keepAliveSeconds);
        final LoadOptions given = LoadOptions.parse(Scenario.ISOLATION, List.of("--qos", "0", "--keep-alive", "60"));
        assertArrayEquals(new int[] {0}, given.qos, "a given option is not overridden by the scenario");
        assertEquals(60, given.keepAliveSeconds);
    }

    @Test
    void shouldApplyOptionsInOrderAndLetTheLastWin()
    {
        final LoadOptions o = LoadOptions.parse(Scenario.PAIRS, List.of("--broker", "10.0.0.1:2000", "--pairs", "3",
            "--pairs", "4", "--qos", "0,1,2", "--rate", "10k", "--no-progress", "--consumers", "2"));
        assertEquals("10.0.0.1", o.host);
        assertEquals(2000, o.port, "no default may undo --broker");
        assertEquals(4, o.connections);
        assertArrayEquals(new int[] {0, 1, 2}, o.qos);
        assertEquals(10_000, o.ratePerPublisher, 0.0);
        assertEquals(Boolean.FALSE, o.progress);
        assertTrue(o.given.contains("--subscribers") && o.given.contains("--consumers"));
        assertEquals(9000, LoadOptions.parse(Scenario.FAN_IN, List.of("--broker", "h:1", "--port", "9000")).port);
        assertEquals("@pom.xml", LoadOptions.parse(Scenario.FAN_IN, List.of("--username", "@pom.xml")).username,
            "an @ argument is a value, not a file of arguments");
    }

    @Test
    void shouldParseCompareOptionsThenTheScenarioAndItsOptions()
    {
        final LoadTestCommandLine commandLine = new LoadTestCommandLine(new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()));
        final LoadTestCommandLine.CompareArgs compare = (LoadTestCommandLine.CompareArgs)commandLine.parse("compare",
            "--a", "127.0.0.1:1", "--a-name", "ringmq", "--b", "127.0.0.1:2", "--runs", "5", "fan-in", "--qos", "1",
            "--json", "x.json").subcommand().commandSpec().userObject();
        assertEquals("ringmq", compare.aName);
        assertEquals("b", compare.bName);
        assertEquals(5, compare.runs);
        assertEquals(1, compare.testerWarmUp, "one unmeasured run against b by default");
        assertEquals("fan-in", compare.scenario);
        assertEquals(List.of("--qos", "1", "--json", "x.json"), compare.scenarioArgs, "the scenario's, --json too");
        assertNull(compare.report.json);
        final LoadTestCommandLine.CompareArgs cold = (LoadTestCommandLine.CompareArgs)commandLine.parse("compare",
            "--a", "127.0.0.1:1", "--b", "127.0.0.1:2", "--tester-warm-up", "0", "fan-in").subcommand()
            .commandSpec().userObject();
        assertEquals(0, cold.testerWarmUp);
        assertEquals(2, run("compare", "--a", "h:1", "fan-in"), "--b is required");
        assertTrue(err().contains("--b"), err());
        out.reset();
        assertEquals(0, run("compare", "--a", "h:1", "--b", "h:2", "fan-in", "--help"));
        assertTrue(out().contains("--publishers"), out());
    }

    @Test
    void shouldMergeResultFilesGivenOnTheCommandLine() throws Exception
    {
        final Path shard = dir.resolve("shard0.json");
        final LoadResult result = LoadResultTest.result(new int[] {0}, new long[] {10}, new long[] {0},
            new long[] {10}, new long[] {0}, new long[] {1});
        Files.writeString(shard, result.toJson());
        final Path merged = dir.resolve("merged.json");
        assertEquals(0, run("merge", "--json", merged.toString(), shard.toString()), err());
        assertEquals(10L, ((Number)ResultJson.read(Files.readString(merged)).get("sent")).longValue());
        assertEquals(2, run("merge"), "merge needs a file");
    }

    @Test
    void shouldGenerateABashCompletionScript()
    {
        assertEquals(0, run("generate-completion"));
        assertTrue(out().contains("complete -F") && out().contains("ringmq-loadtest"), out());
        for (final String option : List.of("--publishers", "--tls-provider", "--a-pid", "--stalled"))
        {
            assertTrue(out().contains(option), option);
        }
        for (final Scenario scenario : Scenario.values())
        {
            assertTrue(out().contains(scenario.command()), scenario.command());
        }
    }
}
