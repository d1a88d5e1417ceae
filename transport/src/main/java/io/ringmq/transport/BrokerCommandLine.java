package io.ringmq.transport;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.config.SettingDeclaration;
import io.ringmq.transport.config.ConfigFile;
import io.ringmq.transport.config.ServerConfig;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UnmatchedArgsBinding;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * The broker's command line, built with picocli from the one declaration of every option: the tables of
 * {@link BrokerConfig#declarations()} and {@link ServerConfig#declarations()} give the names, the help and the kind of
 * value; picocli parses, converts numbers, generates {@code --help}, answers {@code --version} and dispatches the
 * subcommands {@code passwd} (mosquitto_passwd's arguments, parsed by {@code PasswdCommand} itself) and
 * {@code generate-completion} (a bash completion script).
 * <p>
 * The values are applied after parsing, in this order: the defaults, the {@code --config} file, then the options of
 * the command line in the order given (the last of a repeated option wins). Each value is checked by its setter in
 * the table, and then the rules between settings ({@link ServerConfig#listeners()}, {@link BrokerConfig#conclude()});
 * a value or a rule that fails is a usage error like an unknown option: one line on standard error, exit status
 * {@value #EXIT_USAGE}.
 * <p>
 * <b>Threading:</b> one instance per command line, on the starting thread.
 */
final class BrokerCommandLine
{
    /** The command's name in help and completion. */
    static final String NAME = "ringmq";
    /** Exit status of a usage error (EX_USAGE is 64, but scripts rely on 2). */
    static final int EXIT_USAGE = 2;

    private final CommandLine commandLine;
    /** Name and value of every option given, in command-line order. */
    private final List<String[]> given = new ArrayList<>();
    private String configFile;
    private String[] passwdArgs = new String[0];

    /**
     * @param broker runs the broker with the configuration, returning the exit status.
     * @param passwd runs {@code passwd} with its arguments, returning the exit status.
     */
    BrokerCommandLine(final ToIntFunction<ServerConfig> broker, final ToIntFunction<String[]> passwd)
    {
        final CommandSpec spec = CommandSpec.wrapWithoutInspection((Callable<Integer>)() ->
            broker.applyAsInt(configure()));
        spec.name(NAME)
            .mixinStandardHelpOptions(true)
            .version(NAME + " " + version());
        spec.usageMessage()
            .description("RingMQ MQTT 3.1.1/5.0 broker. Every option is also a setting of a --config file; the "
                + "command line overrides the file. Listeners for the simple case start on --bind; SIGHUP reloads "
                + "the certificate and authentication files.")
            .sortOptions(false)
            .width(120)
            .abbreviateSynopsis(true);
        spec.addOption(OptionSpec.builder("--config")
            .paramLabel("<file>")
            .type(String.class)
            .description("read settings first from a YAML file (.yaml/.yml: options by name and a listeners: list, "
                + "see config/ringmq.example.yaml) or a properties file")
            .setter(recorder((value) -> configFile = value))
            .build());
        for (final SettingDeclaration declaration : BrokerConfig.declarations())
        {
            spec.addOption(option(declaration));
        }
        for (final SettingDeclaration declaration : ServerConfig.declarations())
        {
            spec.addOption(option(declaration));
        }
        spec.parser().overwrittenOptionsAllowed(true);

        final CommandSpec passwdSpec = CommandSpec.wrapWithoutInspection((Callable<Integer>)() ->
            passwd.applyAsInt(passwdArgs));
        passwdSpec.usageMessage().description("create or change a Mosquitto password file or SCRAM credentials "
            + "(mosquitto_passwd's arguments; 'passwd --help' lists them)");
        // passwd parses its own arguments, "-" and "--" included: picocli hands it all of them as they are.
        passwdSpec.parser().unmatchedArgumentsAllowed(true).stopAtUnmatched(true).endOfOptionsDelimiter("\0");
        passwdSpec.addUnmatchedArgsBinding(UnmatchedArgsBinding.forStringArrayConsumer(new ISetter()
        {
            @Override
            public <T> T set(final T value)
            {
                passwdArgs = (String[])value;
                return null;
            }
        }));

        commandLine = new CommandLine(spec);
        commandLine.addSubcommand("passwd", passwdSpec);
        commandLine.addSubcommand(new AutoComplete.GenerateCompletion());
        // An argument starting with @ is a value (a token, a password for passwd), never a file of arguments.
        commandLine.setExpandAtFiles(false);
        commandLine.setParameterExceptionHandler((ex, args) ->
        {
            ex.getCommandLine().getErr().println(NAME + ": " + firstLine(ex.getMessage()) + " (see --help)");
            ex.getCommandLine().getErr().flush();
            return EXIT_USAGE;
        });
    }

    private OptionSpec option(final SettingDeclaration declaration)
    {
        final String name = declaration.name();
        final OptionSpec.Builder builder = OptionSpec.builder("--" + name)
            // Help is a format string to picocli: a literal % (as in the ACL help's %c and %u) is doubled.
            .description(declaration.help().replace("%", "%%"))
            .setter(recorder((value) -> given.add(new String[] {name, value})));
        switch (declaration.kind())
        {
            case NUMBER -> builder.type(Long.class).paramLabel("<n>");
            case FLAG -> builder.type(String.class).arity("0..1").fallbackValue("true").paramLabel("true|false");
            default -> builder.type(String.class).paramLabel("<v>");
        }
        return builder.build();
    }

    /** Where picocli puts a value: handed on as text; null is picocli resetting the option before a parse. */
    private static ISetter recorder(final Consumer<String> sink)
    {
        return new ISetter()
        {
            @Override
            public <T> T set(final T value)
            {
                if (null != value)
                {
                    sink.accept(String.valueOf(value));
                }
                return null;
            }
        };
    }

    /**
     * @param out where help, the version and the completion script go.
     * @param err where usage errors go.
     * @return this.
     */
    BrokerCommandLine output(final PrintWriter out, final PrintWriter err)
    {
        commandLine.setOut(out);
        commandLine.setErr(err);
        return this;
    }

    /**
     * Parse, then run the broker or the subcommand asked for.
     *
     * @param args the command line.
     * @return the exit status: 0 after help or a clean stop, {@value #EXIT_USAGE} on a usage error, otherwise the
     *         status of what ran.
     */
    int execute(final String... args)
    {
        return commandLine.execute(args);
    }

    /**
     * Parse the command line and build the configuration, without running anything.
     *
     * @param args the options.
     * @return the configuration.
     * @throws ParameterException naming the option, value or rule at fault.
     */
    ServerConfig parse(final String... args)
    {
        commandLine.parseArgs(args);
        return configure();
    }

    /** @return the generated help. */
    String usage()
    {
        return commandLine.getUsageMessage();
    }

    private ServerConfig configure()
    {
        final ServerConfig config = new ServerConfig(new BrokerConfig());
        // The HTTP endpoint and the start-up warm-up are on by default only for the broker run from the command
        // line; an embedded broker (ServerConfig made in code) has neither unless asked. The file and the command
        // line, read next, override them.
        config.set("http-port", Integer.toString(ServerConfig.DEFAULT_HTTP_PORT));
        config.set("warm-up-connections", Integer.toString(ServerConfig.DEFAULT_WARM_UP_CONNECTIONS));
        try
        {
            if (null != configFile)
            {
                ConfigFile.read(Path.of(configFile), config);
            }
            for (final String[] option : given)
            {
                config.set(option[0], option[1]);
            }
            config.listeners();
            config.broker().conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ParameterException(commandLine, ex.getMessage(), ex);
        }
        // A reload (SIGHUP, the admin API) builds it again the same way: the file re-read, the same options.
        config.source(this::configure);
        return config;
    }

    private static String firstLine(final String message)
    {
        final String text = String.valueOf(message).strip();
        final int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end).strip();
    }

    private static String version()
    {
        final String version = BrokerCommandLine.class.getPackage().getImplementationVersion();
        return null == version ? "(development build)" : version;
    }
}
