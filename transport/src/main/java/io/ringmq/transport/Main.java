package io.ringmq.transport;

import io.ringmq.core.SuppressForbidden;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.auth.password.PasswdCommand;
import io.ringmq.transport.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Command-line entry: {@code java -jar ringmq.jar [--option value ...]}, {@code ringmq.jar passwd ...} or
 * {@code ringmq.jar generate-completion} (parsed by {@link BrokerCommandLine}). Options are read from the
 * {@code --config} file first, then from the command line. A bad option or a port in use prints one line and
 * exits with status 2; SIGTERM or SIGINT stops the broker cleanly and exits with status 0; a fatal failure of a
 * broker thread (the routing stage, the journaller) stops it and exits with status 70.
 */
public final class Main
{
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    private static final int EXIT_USAGE = BrokerCommandLine.EXIT_USAGE;
    /** A broker thread failed beyond recovery (see {@link RingMqBroker#failure()}): EX_SOFTWARE. */
    private static final int EXIT_FATAL = 70;

    private Main()
    {
    }

    /**
     * @param args command-line options, or a subcommand ({@code passwd}, {@code generate-completion}) and its
     *             arguments.
     */
    @SuppressForbidden(reason = "a CLI error is one line on stderr and --help goes to stdout, not through the logger")
    public static void main(final String[] args)
    {
        productionDefaults();
        final PrintStream out = System.out;
        final PrintStream err = System.err;
        final InputStream in = System.in;
        final int status = new BrokerCommandLine((server) -> run(server, err),
            (passwdArgs) -> PasswdCommand.run(passwdArgs, in, out, err))
            .output(new PrintWriter(new OutputStreamWriter(out, Charset.defaultCharset()), true),
                new PrintWriter(new OutputStreamWriter(err, Charset.defaultCharset()), true))
            .execute(args);
        System.exit(status);
    }

    /** Start the broker and wait until it stops: the exit status. */
    private static int run(final ServerConfig server, final PrintStream err)
    {
        final BrokerConfig config = server.broker();
        try
        {
            Files.createDirectories(Path.of(config.dataDir()));
        }
        catch (final IOException ex)
        {
            err.println("ringmq: cannot create data-dir " + config.dataDir() + ": " + ex.getMessage());
            return EXIT_USAGE;
        }
        final RingMqBroker broker;
        try
        {
            broker = RingMqBroker.start(server.ownsProcess(true));
        }
        catch (final BrokerStartException ex)
        {
            err.println("ringmq: " + ex.getMessage());
            return EXIT_USAGE;
        }
        SignalHandlers.onTermination(broker::close);
        SignalHandlers.onHangup(broker::reload);
        try
        {
            while (!broker.awaitStopped(Long.MAX_VALUE))
            {
                Thread.onSpinWait();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        final Throwable failure = broker.failure();
        LOG.info("exit{}", null == failure ? "" : " after a fatal failure: " + failure);
        return null == failure ? 0 : EXIT_FATAL;
    }

    /**
     * Production settings for the libraries, each applied only when the operator did not set it with -D:
     * Agrona bounds checks and Netty's per-access buffer checks off (every offset the broker computes is validated
     * against the frame's limit first), Netty leak detection off. Tests run with all of them on.
     */
    private static void productionDefaults()
    {
        defaultProperty("agrona.disable.bounds.checks", "true");
        defaultProperty("io.netty.buffer.checkAccessible", "false");
        defaultProperty("io.netty.buffer.checkBounds", "false");
        defaultProperty("io.netty.leakDetection.level", "disabled");
    }

    private static void defaultProperty(final String name, final String value)
    {
        if (null == System.getProperty(name))
        {
            System.setProperty(name, value);
        }
    }

    /**
     * Parse options: the config file (if any) first, then the command line; then the rules between settings.
     *
     * @param args command-line arguments.
     * @return the configuration.
     * @throws IllegalArgumentException naming the bad option, value or rule.
     */
    static ServerConfig parse(final String[] args)
    {
        try
        {
            return commandLine().parse(args);
        }
        catch (final ParameterException ex)
        {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
    }

    /** @return the text of {@code --help}. */
    static String usage()
    {
        return commandLine().usage();
    }

    private static BrokerCommandLine commandLine()
    {
        return new BrokerCommandLine((server) -> 0, (passwdArgs) -> 0);
    }
}
