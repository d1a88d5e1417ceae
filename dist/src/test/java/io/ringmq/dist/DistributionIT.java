package io.ringmq.dist;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The distribution archive as an operator uses it: unpacked into a temporary folder, {@code bin/ringmq} started as a
 * process (JAVA_HOME, JAVA_OPTS, free loopback ports, a temporary data folder), readiness awaited with
 * {@code bin/ringmq-ready} and asked over HTTP, one message published and received over MQTT, then SIGTERM and a
 * clean exit with the start and the stop in the log file. Also what the archive holds and the systemd unit
 * ({@code systemd-analyze verify} where the tool is; under {@code CI=true} its absence fails the test).
 */
@Timeout(180)
class DistributionIT
{
    private static final Path ARCHIVE = Path.of(System.getProperty("ringmq.dist.archive", "missing.tar.gz"));
    private static final String BASE = "ringmq-" + System.getProperty("ringmq.dist.version", "missing");
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The heap of the test brokers: the script's default (4 GiB, pre-touched) is for servers. */
    private static final String HEAP = "256m";
    private static final String STARTED = "RingMQ started";
    private static final String STOPPED = "RingMQ stopped";

    @TempDir
    static Path work;
    private static Path home;

    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void unpack() throws Exception
    {
        assertTrue(Files.isRegularFile(ARCHIVE), "archive missing: " + ARCHIVE.toAbsolutePath());
        final Run untar = run(List.of("tar", "-xzf", ARCHIVE.toString(), "-C", work.toString()), Map.of());
        assertEquals(0, untar.status, untar.output);
        home = work.resolve(BASE);
        assertTrue(Files.isDirectory(home), "the archive unpacks into " + BASE + "/");
    }

    @AfterEach
    void stopLeftovers() throws InterruptedException
    {
        for (final Process process : started)
        {
            // Children first: a JVM that the script started without exec would outlive the script.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            if (process.isAlive())
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void shouldHoldScriptsConfigurationOneBrokerJarAndTheUnitUnderOneFolder() throws Exception
    {
        final Run list = run(List.of("tar", "-tzf", ARCHIVE.toString()), Map.of());
        assertEquals(0, list.status, list.output);
        assertTrue(list.output.lines().allMatch(entry -> entry.startsWith(BASE + "/")), list.output);
        for (final String script : List.of("bin/ringmq", "bin/ringmq-ready", "install.sh"))
        {
            assertTrue(Files.isExecutable(home.resolve(script)), script + " is executable");
            final Run syntax = run(List.of("bash", "-n", home.resolve(script).toString()), Map.of());
            assertEquals(0, syntax.status, script + ": " + syntax.output);
        }
        for (final String file : List.of("conf/ringmq.yaml", "conf/logback.xml", "systemd/ringmq.service"))
        {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
            assertFalse(Files.isExecutable(home.resolve(file)), file + " is not executable");
        }
        try (JarFile jar = new JarFile(home.resolve("lib/ringmq.jar").toFile()))
        {
            final String providers = new String(jar.getInputStream(
                jar.getEntry("META-INF/services/org.slf4j.spi.SLF4JServiceProvider")).readAllBytes(),
                StandardCharsets.UTF_8);
            assertEquals(List.of("ch.qos.logback.classic.spi.LogbackServiceProvider"),
                providers.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList(),
                "exactly one SLF4J provider in the broker jar");
            assertFalse(jar.stream().anyMatch(e -> e.getName().startsWith("org/slf4j/simple/")), "no slf4j-simple");
            assertTrue(null != jar.getEntry("logback.xml"), "the jar's default logging configuration");
        }
    }

    @Test
    void shouldStartServeMqttAndStopCleanlyOnSigterm() throws Exception
    {
        final Path data = work.resolve("data-text");
        final Path console = work.resolve("console-text.log");
        final String marker = "-Dringmq.dist.marker=" + UUID.randomUUID();
        final Map<String, String> env = new LinkedHashMap<>(baseEnvironment());
        env.put("JAVA_OPTS", marker);
        final Broker broker = startReady(env, console, "--data-dir", data.toString());
        assertEquals(200, httpStatus(broker.httpPort, "/health/ready"));

        // exec: the script's process is now the JVM, with tuning.md's flags, JAVA_OPTS after them, the shipped
        // logging configuration, the default --config and the one --data-dir given.
        final List<String> command = commandLine(broker.process);
        assertTrue(command.get(0).endsWith("/bin/java"), command.toString());
        for (final String flag : List.of("-Xms" + HEAP, "-Xmx" + HEAP, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:+AlwaysPreTouch", "-Dlogback.configurationFile=" + home.resolve("conf/logback.xml")))
        {
            assertTrue(command.contains(flag), flag + " in " + command);
        }
        assertTrue(command.indexOf(marker) > command.indexOf("-XX:+UseG1GC"), "JAVA_OPTS last: " + command);
        assertEquals(home.resolve("conf/ringmq.yaml").toString(), command.get(command.indexOf("--config") + 1));
        assertEquals(1, command.stream().filter("--data-dir"::equals).count(), command.toString());

        final String payload = "through the distribution " + UUID.randomUUID();
        assertEquals(payload, roundTrip(broker.mqttPort, payload));
        stopCleanly(broker, console);

        final String out = read(console);
        assertTrue(out.contains(STARTED) && out.contains(STOPPED), out);
        assertFalse(out.contains("SLF4J"), "no SLF4J warning (e.g. several providers):\n" + out);
        assertFalse(out.contains("|-WARN") || out.contains("|-ERROR"), "no Logback status warning:\n" + out);
        final String file = read(home.resolve("logs/ringmq.log"));
        assertTrue(file.contains(STARTED) && file.contains(STOPPED), "the log file under <home>/logs:\n" + file);
        assertTrue(file.lines().allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* " +
            "(TRACE|DEBUG|INFO |WARN |ERROR) \\[[^]]+] \\S+ - .*")), "time level [thread] logger - message:\n" + file);
        assertTrue(hasFiles(data), "the journal in " + data);
    }

    @Test
    void shouldLogJsonLinesAndTakeTheDataFolderFromTheEnvironment() throws Exception
    {
        final Path data = work.resolve("data-json");
        final Path logs = work.resolve("logs-json");
        final Path console = work.resolve("console-json.log");
        final Map<String, String> env = new LinkedHashMap<>(baseEnvironment());
        env.put("RINGMQ_LOG_FORMAT", "json");
        env.put("RINGMQ_LOG_DIR", logs.toString());
        env.put("RINGMQ_DATA_DIR", data.toString());
        final Broker broker = startReady(env, console);
        assertEquals("json", roundTrip(broker.mqttPort, "json"));
        assertTrue(Files.isDirectory(data) && hasFiles(data), "the journal in RINGMQ_DATA_DIR " + data);
        stopCleanly(broker, console);

        final Path file = logs.resolve("ringmq.json");
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertFalse(lines.isEmpty(), "log lines in " + file);
        for (final String line : lines)
        {
            assertTrue(line.startsWith("{") && line.endsWith("}") && line.contains("\"level\":\""), line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"message\":\"" + STARTED)), String.join("\n", lines));
        assertFalse(Files.exists(logs.resolve("ringmq.log")), "no text file in json mode");
        assertTrue(read(console).lines().filter(l -> !l.isBlank()).allMatch(l -> l.startsWith("{")), read(console));
    }

    @Test
    void shouldRefuseBadSettingsWithOneLineAndStatus2() throws Exception
    {
        assertRefused("RINGMQ_LOG_FORMAT", "xml", "RINGMQ_LOG_FORMAT must be text or json, not 'xml'");
        assertRefused("JAVA_HOME", work.resolve("no-such-java").toString(), "is not an executable");
        assertRefused("RINGMQ_HEAP", "lots", "RINGMQ_HEAP must be a size");
        assertRefused("RINGMQ_CONF_DIR", work.resolve("no-such-conf").toString(), "no configuration file");

        final Run badOption = run(List.of(home.resolve("bin/ringmq").toString(), "--port", "not-a-number"),
            baseEnvironment());
        assertEquals(2, badOption.status, badOption.output);
        assertEquals(1, badOption.output.strip().lines().count(), "the broker's one line: " + badOption.output);

        final Run badReady = run(List.of(home.resolve("bin/ringmq-ready").toString(), "--port", "http"), Map.of());
        assertEquals(2, badReady.status, badReady.output);
        assertTrue(badReady.output.contains("port must be a number"), badReady.output);
    }

    @Test
    void shouldRunThePasswdToolAndHelpWithoutStartingABroker() throws Exception
    {
        final Path passwd = work.resolve("passwd");
        final Run tool = run(List.of(home.resolve("bin/ringmq").toString(), "passwd", "-c", "-b", passwd.toString(),
            "device1", "s3cret-pass"), baseEnvironment());
        assertEquals(0, tool.status, tool.output);
        assertTrue(Files.readString(passwd).startsWith("device1:"), Files.readString(passwd));

        final Run help = run(List.of(home.resolve("bin/ringmq").toString(), "--help"), baseEnvironment());
        assertEquals(0, help.status, help.output);
        assertTrue(help.output.contains("--http-port"), help.output);
    }

    @Test
    void shouldShipAUnitWithADedicatedUserLimitsReadinessCheckAndHardening() throws Exception
    {
        final Map<String, List<String>> unit = parseUnit(home.resolve("systemd/ringmq.service"));
        assertEquals(List.of("ringmq"), unit.get("Service.User"));
        assertTrue(List.of("exec", "simple").containsAll(unit.get("Service.Type")), unit.toString());
        assertEquals(List.of("/opt/ringmq/bin/ringmq"), unit.get("Service.ExecStart"));
        assertTrue(unit.get("Service.ExecStartPost").get(0).startsWith("/opt/ringmq/bin/ringmq-ready "),
            unit.toString());
        assertTrue(Long.parseLong(unit.get("Service.LimitNOFILE").get(0)) >= 1_000_000, unit.toString());
        for (final String[] setting : new String[][] {{"Restart", "on-failure"}, {"NoNewPrivileges", "true"},
            {"ProtectSystem", "strict"}, {"PrivateTmp", "true"}, {"KillSignal", "SIGTERM"}})
        {
            assertEquals(List.of(setting[1]), unit.get("Service." + setting[0]), setting[0]);
        }
        assertTrue(Integer.parseInt(unit.get("Service.TimeoutStopSec").get(0)) > 0);
        // What the service writes (its data and log folders) must be writable under ProtectSystem=strict.
        final List<String> writable = Arrays.asList(String.join(" ", unit.get("Service.ReadWritePaths")).split(" "));
        for (final String environment : unit.get("Service.Environment"))
        {
            if (environment.startsWith("RINGMQ_DATA_DIR=") || environment.startsWith("RINGMQ_LOG_DIR="))
            {
                final String dir = environment.substring(environment.indexOf('=') + 1);
                assertTrue(writable.contains(dir), dir + " in ReadWritePaths " + writable);
            }
        }
        assertEquals(List.of("multi-user.target"), unit.get("Install.WantedBy"));
    }

    @Test
    void shouldPassSystemdAnalyzeVerify() throws Exception
    {
        final boolean hasTool = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze")
            .anyMatch(p -> Files.isExecutable(Path.of(p)));
        if (!hasTool)
        {
            if ("true".equals(System.getenv("CI")))
            {
                fail("systemd-analyze missing (Debian package systemd; .ci/run installs it)");
            }
            Assumptions.abort("systemd-analyze missing (Debian package systemd)");
        }
        // The unit as installed, but pointing at the unpacked programs so that verify finds its executables.
        final Path copy = work.resolve("verify").resolve("ringmq.service");
        Files.createDirectories(copy.getParent());
        Files.writeString(copy, read(home.resolve("systemd/ringmq.service")).replace("/opt/ringmq", home.toString()));
        final Run verify = run(List.of("systemd-analyze", "verify", copy.toString()), Map.of());
        assertEquals(0, verify.status, verify.output);
        assertTrue(verify.output.isBlank(), "no warning (unknown key, bad value): " + verify.output);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** bin/ringmq with one bad setting in its environment: one line naming it, status 2, no broker started. */
    private static void assertRefused(final String name, final String value, final String message) throws Exception
    {
        final Map<String, String> env = new LinkedHashMap<>(baseEnvironment());
        env.put(name, value);
        final Run refused = run(List.of(home.resolve("bin/ringmq").toString()), env);
        assertEquals(2, refused.status, refused.output);
        assertEquals(1, refused.output.strip().lines().count(), refused.output);
        assertTrue(refused.output.startsWith("ringmq: ") && refused.output.contains(message), refused.output);
    }

    /** Java of this test run, a small heap, and none of the caller's RINGMQ_* or JAVA_OPTS settings. */
    private static Map<String, String> baseEnvironment()
    {
        return Map.of("JAVA_HOME", System.getProperty("java.home"), "RINGMQ_HEAP", HEAP, "JAVA_OPTS", "");
    }

    /**
     * Start bin/ringmq on free loopback ports (MQTT and HTTP) and wait with bin/ringmq-ready until it is ready, after
     * checking that bin/ringmq-ready fails while nothing answers.
     */
    private Broker startReady(final Map<String, String> env, final Path console, final String... args)
        throws Exception
    {
        final int mqttPort = freePort();
        final int httpPort = freePort();
        final Run notYet = ready(httpPort, 1, null);
        assertEquals(1, notYet.status, "nothing answers yet: " + notYet.output);

        final List<String> command = new ArrayList<>(List.of(home.resolve("bin/ringmq").toString(),
            "--bind", "127.0.0.1", "--port", Integer.toString(mqttPort), "--http-port", Integer.toString(httpPort)));
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(console.toFile());
        environment(builder, env);
        final Process process = builder.start();
        started.add(process);

        final Run ready = ready(httpPort, (int)WAIT.toSeconds(), process);
        assertEquals(0, ready.status, ready.output + "\nconsole:\n" + read(console));
        return new Broker(process, mqttPort, httpPort);
    }

    /** SIGTERM ({@link Process#destroy()}): the broker stops cleanly and exits with 0, as Main documents. */
    private static void stopCleanly(final Broker broker, final Path console) throws Exception
    {
        broker.process.destroy();
        assertTrue(broker.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "stopped within " + WAIT);
        assertEquals(0, broker.process.exitValue(), "clean stop on SIGTERM\n" + read(console));
    }

    /** bin/ringmq-ready, told the broker's pid as systemd tells it ($MAINPID), so a broker that died ends the wait. */
    private static Run ready(final int httpPort, final int timeoutSeconds, final Process broker) throws Exception
    {
        final Map<String, String> env = null == broker ? Map.of() : Map.of("MAINPID", Long.toString(broker.pid()));
        return run(List.of(home.resolve("bin/ringmq-ready").toString(), "--port", Integer.toString(httpPort),
            "--timeout", Integer.toString(timeoutSeconds)), env);
    }

    private static String roundTrip(final int port, final String payload) throws Exception
    {
        final Mqtt5BlockingClient subscriber = client("dist-sub", port);
        final Mqtt5BlockingClient publisher = client("dist-pub", port);
        try (Mqtt5BlockingClient.Mqtt5Publishes inbox = subscriber.publishes(MqttGlobalPublishFilter.ALL))
        {
            subscriber.connect();
            subscriber.subscribeWith().topicFilter("dist/it").qos(MqttQos.AT_LEAST_ONCE).send();
            publisher.connect();
            publisher.publishWith().topic("dist/it").qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
            final Optional<Mqtt5Publish> received = inbox.receive(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(received.isPresent(), "message received within " + WAIT);
            return new String(received.get().getPayloadAsBytes(), StandardCharsets.UTF_8);
        }
        finally
        {
            for (final Mqtt5BlockingClient client : List.of(publisher, subscriber))
            {
                if (client.getState().isConnected())
                {
                    client.disconnect();
                }
            }
        }
    }

    private static Mqtt5BlockingClient client(final String id, final int port)
    {
        return Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(port).buildBlocking();
    }

    private static int httpStatus(final int port, final String path) throws Exception
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static List<String> commandLine(final Process process)
    {
        final ProcessHandle.Info info = process.toHandle().info();
        final List<String> command = new ArrayList<>();
        command.add(info.command().orElse("?"));
        command.addAll(Arrays.asList(info.arguments().orElse(new String[0])));
        return command;
    }

    /** Section.Key to its values in order (a key may repeat, as Environment= does). */
    private static Map<String, List<String>> parseUnit(final Path unit) throws IOException
    {
        final Map<String, List<String>> settings = new LinkedHashMap<>();
        String section = "";
        for (final String raw : Files.readAllLines(unit, StandardCharsets.UTF_8))
        {
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";"))
            {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]"))
            {
                section = line.substring(1, line.length() - 1);
                continue;
            }
            final int equals = line.indexOf('=');
            assertTrue(equals > 0, "a key=value line: " + line);
            settings.computeIfAbsent(section + "." + line.substring(0, equals).strip(), k -> new ArrayList<>())
                .add(line.substring(equals + 1).strip());
        }
        return settings;
    }

    private static boolean hasFiles(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.findAny().isPresent();
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private static String read(final Path file) throws IOException
    {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no " + file + ")";
    }

    private static void environment(final ProcessBuilder builder, final Map<String, String> env)
    {
        builder.environment().keySet().removeIf(key -> key.startsWith("RINGMQ_") || "JAVA_OPTS".equals(key) ||
            "MAINPID".equals(key));
        builder.environment().putAll(env);
    }

    /** A short command run to its end (bounded), its output (stdout and stderr) and status. */
    private static Run run(final List<String> command, final Map<String, String> env) throws Exception
    {
        final Path output = Files.createTempFile(work, "run", ".out");
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(output.toFile());
        environment(builder, env);
        final Process process = builder.start();
        if (!process.waitFor(WAIT.toSeconds() + 30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail(command + " still running after " + (WAIT.toSeconds() + 30) + " s");
        }
        return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    private record Run(int status, String output)
    {
    }

    private record Broker(Process process, int mqttPort, int httpPort)
    {
    }
}
