package io.ringmq.transport;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.config.SettingDeclaration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker jar as users run it: {@code java -jar transport/target/ringmq.jar}, started as a child process.
 */
@Timeout(60)
class CommandLineIT
{
    private static final Path JAR = Path.of("target", "ringmq.jar");

    @TempDir
    Path dataDir;

    private static Process start(final String... args) throws IOException
    {
        return new ProcessBuilder(command(args)).redirectErrorStream(true).start();
    }

    private static List<String> command(final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        if (!List.of(args).contains("--http-port"))
        {
            // No HTTP endpoint on the command line's default 8080: test brokers run side by side.
            command.addAll(List.of("--http-port", "0"));
        }
        if (!List.of(args).contains("--warm-up-connections"))
        {
            command.addAll(List.of("--warm-up-connections", "0"));  // seconds per start; one test runs it
        }
        return command;
    }

    private static String output(final Process process) throws IOException
    {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    @Test
    void shouldPrintOneHelpLinePerOption() throws Exception
    {
        final Process process = start("--help");
        final String out = output(process);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        for (final String option : List.of("--port", "--bind", "--data-dir", "--config", "--max-packet-size",
            "--max-inflight", "--max-queued-messages", "--max-connections", "--max-topic-levels"))
        {
            assertTrue(out.contains(option + "=") || out.contains(option + " "), "help lists " + option + ":\n" + out);
        }
        for (final SettingDeclaration declaration : BrokerConfig.declarations())
        {
            assertTrue(out.contains("--" + declaration.name() + "="), "help lists --" + declaration.name());
        }
    }

    @Test
    void shouldExitWithStatus2AndOneLineOnBadOption() throws Exception
    {
        final Process process = start("--port", "not-a-number");
        final String out = output(process);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        assertEquals(1, out.strip().lines().count(), out);
        assertTrue(out.contains("port"), out);
    }

    @Test
    void shouldExitWithStatus2WhenPortIsInUse() throws Exception
    {
        try (ServerSocket busy = new ServerSocket())
        {
            busy.bind(new InetSocketAddress("127.0.0.1", 0));
            final Process process = start("--bind", "127.0.0.1", "--port", Integer.toString(busy.getLocalPort()),
                "--data-dir", dataDir.toString());
            final String out = output(process);
            assertTrue(process.waitFor(20, TimeUnit.SECONDS));
            assertEquals(2, process.exitValue(), out);
            assertTrue(out.contains("cannot listen"), out);
        }
    }

    @Test
    void shouldExitWithStatus2WhenAnotherBrokerUsesTheDataDir() throws Exception
    {
        final int port = freePort();
        final Process first = start("--bind", "127.0.0.1", "--port", Integer.toString(port),
            "--data-dir", dataDir.toString());
        try
        {
            connectWithRetry(port).close();
            final Process second = start("--bind", "127.0.0.1", "--port", Integer.toString(freePort()),
                "--data-dir", dataDir.toString());
            final String out = output(second);
            assertTrue(second.waitFor(20, TimeUnit.SECONDS));
            assertEquals(2, second.exitValue(), out);
            assertTrue(out.contains("another broker is using"), out);
        }
        finally
        {
            first.destroy();
            assertTrue(first.waitFor(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void shouldReadOptionsFromConfigFileAndLetCommandLineWin() throws Exception
    {
        final Path config = dataDir.resolve("ringmq.properties");
        Files.writeString(config, "max-inflight=0\n");
        final Process process = start("--config", config.toString());
        final String out = output(process);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue(), "the file's invalid value is reported: " + out);
        assertTrue(out.contains("max-inflight"), out);
    }

    @Test
    void shouldDisconnectMqtt5ClientsWithServerShuttingDownAndExit0OnSigterm() throws Exception
    {
        final int port = freePort();
        final Process process = start("--bind", "127.0.0.1", "--port", Integer.toString(port),
            "--data-dir", dataDir.toString());
        try (Socket socket = connectWithRetry(port))
        {
            socket.setSoTimeout(10_000);
            final OutputStream out = socket.getOutputStream();
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            // CONNECT v5, clean start, keep-alive 60, no properties, client id "sig".
            out.write(new byte[] {0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0, 0, 3, 's', 'i', 'g'});
            out.flush();
            assertEquals(0x20, in.readUnsignedByte(), "CONNACK");
            in.skipNBytes(in.readUnsignedByte());

            process.destroy();

            assertEquals(0xE0, in.readUnsignedByte(), "DISCONNECT");
            in.readUnsignedByte();
            assertEquals(0x8B, in.readUnsignedByte(), "reason: server shutting down");
        }
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), "exit status after SIGTERM");
        assertTrue(Files.isDirectory(dataDir));
    }

    /**
     * The start-up warm-up runs before the broker listens, leaves no journal of its own behind, logs one line, and
     * none of its connections shows in the broker's figures: the first client is the first connect counted.
     */
    @Test
    void shouldWarmUpBeforeListeningAndCountNoneOfItsConnections() throws Exception
    {
        final int port = freePort();
        final int httpPort = freePort();
        final Path out = dataDir.resolve("broker.out");
        final Process process = new ProcessBuilder(command("--bind", "127.0.0.1", "--port", Integer.toString(port),
            "--data-dir", dataDir.resolve("data").toString(), "--http-port", Integer.toString(httpPort),
            "--warm-up-connections", "3000")).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try
        {
            try (Socket socket = connectWithRetry(port))
            {
                socket.setSoTimeout(10_000);
                final DataInputStream in = new DataInputStream(socket.getInputStream());
                // CONNECT v5, clean start, keep-alive 60, no properties, client id "one".
                socket.getOutputStream().write(new byte[] {0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0,
                    0, 3, 'o', 'n', 'e'});
                assertEquals(0x20, in.readUnsignedByte(), "CONNACK");
                in.skipNBytes(in.readUnsignedByte());
                assertEquals(1, awaitCounter(httpPort, "ringmq_connects_accepted_total", 1),
                    "the warm-up's connections are not the broker's");
            }
            assertFalse(Files.exists(dataDir.resolve("data").resolve("warm-up")), "its journal is deleted");
            final String log = Files.readString(out);
            assertTrue(log.contains("warm-up: 3000 connections"), log);
            assertTrue(log.indexOf("warm-up: 3000 connections") < log.indexOf("listening on"), log);
            assertEquals(1, log.lines().filter(line -> line.contains("listening on")).count(),
                "the throwaway brokers' own start and stop lines are not in the operator's log: " + log);
        }
        finally
        {
            process.destroy();
            assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        }
    }

    /** Poll {@code /metrics} until the counter reaches {@code atLeast} (the Router refreshes it every tick). */
    private static long awaitCounter(final int httpPort, final String name, final long atLeast) throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
            .build();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long value = -1;
        while (value < atLeast && System.nanoTime() - deadline < 0)
        {
            final String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            value = body.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> (long)Double.parseDouble(line.substring(name.length() + 1).strip())).orElse(-1L);
            if (value < atLeast)
            {
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
        return value;
    }

    @Test
    void shouldRefuseToStartOnMidLogDamageWithStatus2AndStartWithRecoveryAllowCut() throws Exception
    {
        final String[] journalOptions = { "--log-segment-size", "1048576", "--max-packet-size", "16384" };
        final BrokerConfig config = new BrokerConfig().set("bind", "127.0.0.1").set("port", "0")
            .set("data-dir", dataDir.toString()).set("sys-interval", "0");
        for (int i = 0; i < journalOptions.length; i += 2)
        {
            config.set(journalOptions[i].substring(2), journalOptions[i + 1]);
        }
        final int messages = 300;
        try (RingMqBroker broker = RingMqBroker.start(config))
        {
            final Mqtt5BlockingClient subscriber = client("sub", broker.port());
            subscriber.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
            subscriber.subscribeWith().topicFilter("t/#").qos(MqttQos.AT_LEAST_ONCE).send();
            subscriber.disconnect();
            final Mqtt5BlockingClient publisher = client("pub", broker.port());
            publisher.connect();
            for (int i = 0; i < messages; i++)
            {
                // Returns once the PUBACK arrived: every one of these messages was acknowledged.
                publisher.publishWith().topic("t/" + i).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(marker(i).getBytes(StandardCharsets.US_ASCII)).send();
            }
            publisher.disconnect();
        }
        // 64 bytes of garbage over the 30th acknowledged message, in the middle of the journal.
        final Path log = dataDir.resolve("log");
        assertTrue(overwrite(log, marker(30).getBytes(StandardCharsets.US_ASCII), 64), "message 30 found");

        final int port = freePort();
        final List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", Integer.toString(port),
            "--data-dir", dataDir.toString()));
        args.addAll(List.of(journalOptions));
        final Process refused = start(args.toArray(new String[0]));
        final String out = output(refused);
        assertTrue(refused.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, refused.exitValue(), out);
        final List<String> lines = out.lines().filter((line) -> line.startsWith("ringmq: ")).toList();
        assertEquals(1, lines.size(), out);
        assertTrue(lines.get(0).contains("valid records") && lines.get(0).contains("--recovery-allow-cut true") &&
            lines.get(0).contains("backup"), out);
        assertFalse(Files.exists(log.resolve("quarantine")), "a refusal cuts nothing");

        args.addAll(List.of("--recovery-allow-cut", "true"));
        final Path startedLog = dataDir.resolve("allowed.out");
        final Process allowed = new ProcessBuilder(command(args.toArray(new String[0]))).redirectErrorStream(true)
            .redirectOutput(startedLog.toFile()).start();
        try
        {
            connectWithRetry(port).close();
        }
        finally
        {
            allowed.destroy();
            assertTrue(allowed.waitFor(20, TimeUnit.SECONDS));
        }
        final String started = Files.readString(startedLog);
        assertTrue(started.contains("recovery-allow-cut: cut "), started);
        assertTrue(started.contains(" 30 queued "), "the 30 messages before the damage are kept: " + started);
        try (var files = Files.list(log.resolve("quarantine")))
        {
            assertEquals(1, files.count(), "one quarantine file");
        }
    }

    private static String marker(final int message)
    {
        return String.format(java.util.Locale.ROOT, "message-%04d-", message) + "x".repeat(200);
    }

    private static Mqtt5BlockingClient client(final String id, final int port)
    {
        return Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(port).buildBlocking();
    }

    /** Overwrite {@code length} bytes from the first occurrence of {@code marker} in a segment of the log. */
    private static boolean overwrite(final Path log, final byte[] marker, final int length) throws IOException
    {
        try (var files = Files.list(log))
        {
            for (final Path file : files.filter((f) -> f.toString().endsWith(".log")).sorted().toList())
            {
                final byte[] bytes = Files.readAllBytes(file);
                final int at = indexOf(bytes, marker);
                if (at >= 0)
                {
                    java.util.Arrays.fill(bytes, at, at + length, (byte)0x5A);
                    Files.write(file, bytes);
                    return true;
                }
            }
        }
        return false;
    }

    private static int indexOf(final byte[] bytes, final byte[] marker)
    {
        for (int i = 0; i + marker.length <= bytes.length; i++)
        {
            if (java.util.Arrays.equals(bytes, i, i + marker.length, marker, 0, marker.length))
            {
                return i;
            }
        }
        return -1;
    }

    private static Socket connectWithRetry(final int port) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true)
        {
            try
            {
                return new Socket("127.0.0.1", port);
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw ex;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }
}
