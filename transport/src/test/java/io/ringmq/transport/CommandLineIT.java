package io.ringmq.transport;

import io.ringmq.core.config.BrokerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
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
            assertTrue(out.contains(option + " "), "help lists " + option + ":\n" + out);
        }
        assertTrue(BrokerConfig.helpText().lines().allMatch(out::contains));
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
