package io.ringmq.transport;

import io.ringmq.core.SuppressForbidden;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.config.ConfigFile;
import io.ringmq.transport.auth.password.PasswdCommand;
import io.ringmq.transport.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Command-line entry: {@code java -jar ringmq.jar [--option value ...]}. Options are read from the
 * {@code --config} file first, then from the command line. A bad option or a port in use prints one line and
 * exits with status 2; SIGTERM or SIGINT stops the broker cleanly and exits with status 0; a fatal failure of a
 * broker thread (the routing stage, the journaller) stops it and exits with status 70.
 */
public final class Main
{
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    private static final int EXIT_USAGE = 2;
    /** A broker thread failed beyond recovery (see {@link RingMqBroker#failure()}): EX_SOFTWARE. */
    private static final int EXIT_FATAL = 70;

    private Main()
    {
    }

    /**
     * @param args command-line options.
     */
    @SuppressForbidden(reason = "a CLI error is one line on stderr and --help goes to stdout, not through the logger")
    public static void main(final String[] args)
    {
        if (args.length > 0 && "passwd".equals(args[0]))
        {
            // ringmq.jar passwd [-c] [-D] [-b] [-I iterations] [--scram] FILE USER [PASSWORD]
            System.exit(PasswdCommand.run(Arrays.copyOfRange(args, 1, args.length), System.in, System.out,
                System.err));
            return;
        }
        productionDefaults();
        final PrintStream err = System.err;
        final ServerConfig server;
        try
        {
            server = parse(args);
            server.listeners();  // checked now: a bad listener is a usage error, like a bad option
        }
        catch (final HelpRequested ex)
        {
            System.out.print(usage());
            return;
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("ringmq: " + ex.getMessage() + " (see --help)");
            System.exit(EXIT_USAGE);
            return;
        }
        final BrokerConfig config = server.broker();
        try
        {
            Files.createDirectories(Path.of(config.dataDir()));
        }
        catch (final IOException ex)
        {
            err.println("ringmq: cannot create data-dir " + config.dataDir() + ": " + ex.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        final RingMqBroker broker;
        try
        {
            broker = RingMqBroker.start(server);
        }
        catch (final BrokerStartException ex)
        {
            err.println("ringmq: " + ex.getMessage());
            System.exit(EXIT_USAGE);
            return;
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
        System.exit(null == failure ? 0 : EXIT_FATAL);
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
     * Parse options: the config file (if any) first, then the command line.
     *
     * @param args command-line arguments.
     * @return the configuration.
     * @throws IllegalArgumentException naming the bad option.
     */
    static ServerConfig parse(final String[] args)
    {
        final ServerConfig config = new ServerConfig(new BrokerConfig());
        // The HTTP endpoint is on by default only for the broker run from the command line; an embedded broker
        // (ServerConfig made in code) has none unless asked. The file and the command line, read next, override it.
        config.set("http-port", Integer.toString(ServerConfig.DEFAULT_HTTP_PORT));
        String configFile = null;
        for (int i = 0; i < args.length; i++)
        {
            if ("--help".equals(args[i]) || "-h".equals(args[i]))
            {
                throw new HelpRequested();
            }
            if ("--config".equals(args[i]))
            {
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException("--config needs a file");
                }
                configFile = args[i + 1];
            }
        }
        if (null != configFile)
        {
            ConfigFile.read(Path.of(configFile), config);
        }
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (!arg.startsWith("--"))
            {
                throw new IllegalArgumentException("unexpected argument: " + arg);
            }
            final String name = arg.substring(2);
            if ("config".equals(name))
            {
                i++;
                continue;
            }
            if (ServerConfig.isFlag(name))
            {
                // A flag takes no value; "--flag true|false" is accepted too.
                final boolean valued = i + 1 < args.length && !args[i + 1].startsWith("--");
                config.set(name, valued ? args[++i] : "true");
                continue;
            }
            if (!BrokerConfig.isSetting(name) && !ServerConfig.isOption(name))
            {
                throw new IllegalArgumentException("unknown option: " + arg);
            }
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            config.set(name, args[++i]);
        }
        return config;
    }

    static String usage()
    {
        return "Usage: java -jar ringmq.jar [options]\n" +
            "RingMQ MQTT 3.1.1/5.0 broker. Options (also as settings in a --config file):\n" +
            "  --config <file>          read settings first from a YAML file (.yaml/.yml: options by name and a\n" +
            "                           listeners: list, see config/ringmq.example.yaml) or a properties file\n" +
            BrokerConfig.helpText() +
            "Listeners for the simple case (SIGHUP reloads the certificate files):\n" +
            ServerConfig.helpText() +
            "  --help                   print this help\n";
    }

    private static final class HelpRequested extends IllegalArgumentException
    {
        private static final long serialVersionUID = 1L;

        HelpRequested()
        {
            super("help");
        }
    }
}
