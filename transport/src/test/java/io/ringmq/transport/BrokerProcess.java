package io.ringmq.transport;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker jar ({@code target/ringmq.jar}, built by the package phase) run as a child process on one loopback port,
 * killed with SIGKILL and started again, for the crash tests ({@link CrashRecoveryIT}, {@link PowerLossIT}). Every
 * start appends a line {@code === start #n <label>} and then the broker's output to one log file.
 * <p>
 * <b>Threading:</b> the test thread; {@link #starts()} may be read by any thread.
 */
final class BrokerProcess
{
    /** Loopback address the broker binds and the clients use. */
    static final String HOST = "127.0.0.1";
    /** Prefix of the lines this class writes into the log. */
    static final String MARKER = "=== ";
    private static final Path JAR = Path.of("target", "ringmq.jar");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path logFile;
    private final String host;
    private final int port;
    private Process process;
    private String label;
    private volatile int starts;

    /**
     * @param logFile where the output of every start goes.
     * @param port    loopback port, see {@link #freePort(Random)}.
     */
    BrokerProcess(final Path logFile, final int port)
    {
        this(logFile, HOST, port);
    }

    /**
     * @param logFile where the output of every start goes.
     * @param host    loopback address to bind (e.g. 127.0.0.2 for a second cluster node).
     * @param port    port, see {@link #freePort(Random)}.
     */
    BrokerProcess(final Path logFile, final String host, final int port)
    {
        this.logFile = logFile;
        this.host = host;
        this.port = port;
    }

    String host()
    {
        return host;
    }

    int port()
    {
        return port;
    }

    /** @return how many times the broker was started. */
    int starts()
    {
        return starts;
    }

    /** @return the label of the last start. */
    String label()
    {
        return label;
    }

    /**
     * Start the broker and wait until it listens. A port still held by the killed broker is retried.
     *
     * @param label   what this start is, for the log and messages.
     * @param options broker options besides {@code --bind} and {@code --port}.
     * @return true once it listens; false if it exited for another reason (see {@link #tail(int)}).
     * @throws IOException if the process cannot be started.
     */
    boolean start(final String label, final List<String> options) throws IOException
    {
        starts++;
        this.label = label;
        final long deadlineNs = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true)
        {
            Files.writeString(logFile, MARKER + "start #" + starts + " " + label + System.lineSeparator(),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = new ProcessBuilder(command(options))
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(logFile.toFile()))
                .start();
            if (awaitListening(deadlineNs))
            {
                return true;
            }
            final boolean portBusy = String.join("\n", tail(5)).contains("cannot listen");
            if (!portBusy || System.nanoTime() - deadlineNs > 0)
            {
                return false;
            }
            pause(200); // the port is still held, e.g. by a socket of the killed broker: retry the bind
        }
    }

    /**
     * Start as {@link #start(String, List)} does and fail the test if the broker does not listen.
     *
     * @param label   what this start is.
     * @param options broker options besides {@code --bind} and {@code --port}.
     * @throws IOException if the process cannot be started.
     */
    void startOrFail(final String label, final List<String> options) throws IOException
    {
        if (!start(label, options))
        {
            throw new AssertionError("broker start #" + starts + " (" + label + ") exited with status " +
                process.exitValue() + ", see the log tail");
        }
    }

    private List<String> command(final List<String> options)
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dagrona.disable.bounds.checks=false")); // a corrupt record must fail a check, not be read as garbage
        final String logback = System.getProperty("it.logback");
        if (null != logback)
        {
            command.add("-Dlogback.configurationFile=" + logback);  // e.g. DEBUG for one class: -Dit.logback=FILE
        }
        command.addAll(List.of(
            "-jar", JAR.toString(),
            "--bind", host,
            "--port", Integer.toString(port),
            // No HTTP endpoint on the command line's default 8080: test brokers run side by side.
            "--http-port", "0"));
        if (!options.contains("--warm-up-connections"))
        {
            // Seconds per start on a loaded machine, and the tests measure their own brokers' behaviour, not a
            // connect storm right after the start (CommandLineIT runs the warm-up).
            command.addAll(List.of("--warm-up-connections", "0"));
        }
        command.addAll(options);
        return command;
    }

    private boolean awaitListening(final long deadlineNs)
    {
        while (process.isAlive())
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(host, port), 200);
                return true;
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new AssertionError("broker start #" + starts + " not listening on port " + port +
                        " within " + START_TIMEOUT.toSeconds() + " s", ex);
                }
                pause(20);
            }
        }
        return false;
    }

    /** SIGKILL ({@link Process#destroyForcibly()}): no shutdown hook, no unmap, no final force. */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "broker still running 10 s after kill -9");
    }

    /**
     * Send the broker a signal with {@code kill}: {@code STOP} freezes it (as a node cut off would be to its peers),
     * {@code CONT} resumes it.
     *
     * @param name the signal's name.
     */
    void signal(final String name) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && 0 == kill.exitValue(), "kill -" + name + " failed");
    }

    boolean isAlive()
    {
        return null != process && process.isAlive();
    }

    int exitValue()
    {
        return process.exitValue();
    }

    /**
     * Fail the test if the broker died on its own.
     *
     * @param when what the test was doing.
     */
    void assertAlive(final String when)
    {
        if (!process.isAlive())
        {
            throw new AssertionError("broker start #" + starts + " (" + label + ") died on its own " + when +
                " with status " + process.exitValue());
        }
    }

    /** Kill the broker if it runs (test tear-down). */
    void destroy() throws InterruptedException
    {
        if (null != process)
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    List<String> logLines()
    {
        try
        {
            return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList();
        }
        catch (final IOException ex)
        {
            return List.of("(no broker log: " + ex + ")");
        }
    }

    List<String> tail(final int lines)
    {
        final List<String> all = logLines();
        return all.subList(Math.max(0, all.size() - lines), all.size());
    }

    /**
     * Print the last lines of the log and keep a copy of it under {@code target}.
     *
     * @param testName names the copy.
     */
    void printLogTail(final String testName)
    {
        final StringBuilder out = new StringBuilder(8192);
        out.append("---- broker log tail (").append(logFile).append(") ----\n");
        for (final String line : tail(80))
        {
            out.append(line).append('\n');
        }
        try
        {
            final Path kept = Path.of("target", testName + "-broker.log");
            Files.copy(logFile, kept, StandardCopyOption.REPLACE_EXISTING);
            out.append("---- full log copied to ").append(kept.toAbsolutePath()).append(" ----\n");
        }
        catch (final IOException ex)
        {
            out.append("---- cannot copy the log: ").append(ex).append(" ----\n");
        }
        System.out.print(out);
    }

    /**
     * A port below the kernel's ephemeral range (32768 and up on Linux): a client reconnecting to a port in that range
     * while no broker listens can be given that very port as its own and connect to itself (TCP simultaneous open),
     * which would keep the restarted broker from binding.
     *
     * @param random picks the port.
     * @return a port free now.
     * @throws IOException if no port can be bound at all.
     */
    static int freePort(final Random random) throws IOException
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            final int candidate = 20_000 + random.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket())
            {
                socket.bind(new InetSocketAddress(HOST, candidate));
                return candidate;
            }
            catch (final IOException ex)
            {
                // taken: try another
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * @param condition what to wait for.
     * @param timeout   how long at most.
     * @return true if it held within the timeout.
     */
    static boolean await(final BooleanSupplier condition, final Duration timeout)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                return false;
            }
            pause(10);
        }
        return true;
    }

    static void pause(final long millis)
    {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
