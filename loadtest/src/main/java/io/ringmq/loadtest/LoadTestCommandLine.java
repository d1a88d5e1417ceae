package io.ringmq.loadtest;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The load tester's command line on picocli: one subcommand per {@link Scenario} (options: {@link LoadOptions}),
 * {@code compare}, {@code merge}, {@code compare-summary}, {@code help} and {@code generate-completion} (a bash
 * completion script). {@code --help} of the tool and of each subcommand is generated from the declarations.
 * <p>
 * <b>Threading:</b> one instance per command line, on the main thread.
 */
final class LoadTestCommandLine
{
    /** The tool's name in help and completion. */
    static final String NAME = "ringmq-loadtest";
    private static final int LINE_WIDTH = 120;

    private final CommandLine root;

    /** The tool itself: only its help and its subcommands. */
    @Command(name = NAME, mixinStandardHelpOptions = true, versionProvider = Version.class,
        synopsisSubcommandLabel = "<scenario> | COMMAND",
        description = "MQTT 3.1.1/5.0 load tester (any broker), java.nio selector threads + RingMQ codec. "
            + "'<scenario> --help' lists the options of a run.",
        commandListHeading = "%nScenarios and commands:%n",
        footer = {"",
            "Latency is end-to-end from the intended send time in the payload (coordinated-omission corrected when a "
                + "rate is set). lost = expected - distinct received, expected = receivers x (QoS 0: sent, QoS 1/2: "
                + "acknowledged).",
            "Exit status: 0 done, 1 run failed, 2 usage error."})
    static final class Root
    {
    }

    /** Where a command writes its report: {@code --json} and {@code --html} (compare: its figures, last runs). */
    static final class ReportFiles
    {
        @Option(names = "--json", paramLabel = "FILE", description = "write the result as JSON")
        String json;
        @Option(names = "--html", paramLabel = "FILE", description = "write the result as a self-contained HTML report")
        String html;
    }

    /** {@code compare}: its own options, then a scenario and the scenario's options. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
        header = "Runs a scenario alternately against two brokers and compares the medians.",
        description = {"Runs the scenario alternately against a and b (a,b then b,a ...) and prints per-run figures "
            + "and the ratio of the medians (b/a and a/b) of the achieved rate and p99 latency. The rate is received "
            + "msg/s, connects/s (connect-storm) or broker RSS bytes per connection (idle, needs --a-pid/--b-pid)."})
    static final class CompareArgs
    {
        @Option(names = "--a", required = true, paramLabel = "HOST:PORT", description = "broker a")
        String a;
        @Option(names = "--b", required = true, paramLabel = "HOST:PORT", description = "broker b")
        String b;
        @Option(names = "--a-name", paramLabel = "NAME", defaultValue = "a",
            description = "a's name in the report [${DEFAULT-VALUE}]")
        String aName;
        @Option(names = "--b-name", paramLabel = "NAME", defaultValue = "b",
            description = "b's name in the report [${DEFAULT-VALUE}]")
        String bName;
        long aPid = -1;
        long bPid = -1;
        int runs;
        int testerWarmUp;
        @Mixin
        final ReportFiles report = new ReportFiles();
        @Parameters(index = "0", paramLabel = "<scenario>", description = "the scenario to run")
        String scenario;
        @Parameters(index = "1..*", paramLabel = "OPTION", description = "the scenario's options")
        List<String> scenarioArgs = new ArrayList<>();

        @Option(names = "--a-pid", paramLabel = "PID",
            description = "a's process, for its RSS per connection, CPU and wake-ups")
        void aPid(final String value)
        {
            aPid = LoadOptions.intValue("--a-pid", value, 1, Integer.MAX_VALUE);
        }

        @Option(names = "--b-pid", paramLabel = "PID",
            description = "b's process, for its RSS per connection, CPU and wake-ups")
        void bPid(final String value)
        {
            bPid = LoadOptions.intValue("--b-pid", value, 1, Integer.MAX_VALUE);
        }

        @Option(names = "--runs", paramLabel = "N", defaultValue = "3",
            description = "runs against each broker [${DEFAULT-VALUE}]")
        void runs(final String value)
        {
            runs = LoadOptions.intValue("--runs", value, 1, 100);
        }

        @Option(names = "--tester-warm-up", paramLabel = "N", defaultValue = "1",
            description = "unmeasured runs against b before the measured ones, so that the load tester's own "
                + "warm-up (its JIT) does not count against a's first run; more (up to 10) while the last still "
                + "compiled for over 50 ms; a is not warmed [${DEFAULT-VALUE}]")
        void testerWarmUp(final String value)
        {
            testerWarmUp = LoadOptions.intValue("--tester-warm-up", value, 0, Compare.MAX_TESTER_WARM_UPS);
        }
    }

    /** {@code merge}: the JSON results of the shards of one test into one report. */
    @Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merges the JSON results of the shards of one test (--shard i/n) into one report.")
    static final class MergeArgs
    {
        @Mixin
        final ReportFiles report = new ReportFiles();
        @Parameters(arity = "1..*", paramLabel = "SHARD.json", description = "the shards' results")
        List<String> files = new ArrayList<>();
    }

    /** {@code compare-summary}: medians over the JSON files of several {@code compare} invocations. */
    @Command(name = "compare-summary", mixinStandardHelpOptions = true,
        description = "Takes the medians over the JSON files of several compare invocations of one scenario.")
    static final class SummaryArgs
    {
        @Parameters(arity = "1..*", paramLabel = "COMPARE.json", description = "files written by compare --json")
        List<String> files = new ArrayList<>();
    }

    /** The version in the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = Version.class.getPackage().getImplementationVersion();
            return new String[] {NAME + " " + (null == version ? "(development build)" : version)};
        }
    }

    /**
     * @param out where help and the completion script go.
     * @param err where picocli's own messages go.
     */
    LoadTestCommandLine(final PrintWriter out, final PrintWriter err)
    {
        root = new CommandLine(new Root());
        for (final Scenario scenario : Scenario.values())
        {
            root.addSubcommand(scenario.command(), scenarioCommand(scenario, new LoadOptions()));
        }
        final CommandLine compare = new CommandLine(new CompareArgs());
        // Everything after the scenario's name is the scenario's, options included.
        compare.setStopAtPositional(true);
        root.addSubcommand(compare);
        root.addSubcommand(new CommandLine(new MergeArgs()));
        root.addSubcommand(new CommandLine(new SummaryArgs()));
        root.addSubcommand(new CommandLine.HelpCommand());
        root.addSubcommand(new AutoComplete.GenerateCompletion());
        root.setUsageHelpWidth(LINE_WIDTH);
        // An argument starting with @ is a value (a user name, a password), never a file of arguments.
        root.setExpandAtFiles(false);
        root.setOut(out);
        root.setErr(err);
    }

    /**
     * One scenario's command: its options are those of {@link LoadOptions}.
     *
     * @param scenario the scenario.
     * @param options  where the options go.
     * @return the command line.
     */
    static CommandLine scenarioCommand(final Scenario scenario, final LoadOptions options)
    {
        final CommandLine command = new CommandLine(options);
        command.getCommandSpec().name(scenario.command()).mixinStandardHelpOptions(true);
        command.getCommandSpec().usageMessage().description(scenario.description());
        // Like before picocli: the last of a repeated option wins (scripts append overrides).
        command.setOverwrittenOptionsAllowed(true);
        command.setExpandAtFiles(false);
        return command;
    }

    /**
     * @param args the command line.
     * @return what picocli matched.
     * @throws IllegalArgumentException naming the bad option or value.
     */
    CommandLine.ParseResult parse(final String... args)
    {
        try
        {
            return root.parseArgs(args);
        }
        catch (final ParameterException ex)
        {
            throw usageError(ex);
        }
    }

    /** @return the tool's generated help. */
    String usage()
    {
        return root.getUsageMessage();
    }

    /**
     * @param subcommand a subcommand's name.
     * @return its generated help.
     */
    String usage(final String subcommand)
    {
        return root.getSubcommands().get(subcommand).getUsageMessage();
    }

    /**
     * A picocli parse error as the load tester reports usage errors: the message of the option's own check when a
     * setter refused the value, otherwise picocli's.
     *
     * @param ex the parse error.
     * @return the exception to throw.
     */
    static IllegalArgumentException usageError(final ParameterException ex)
    {
        final Throwable cause = ex.getCause();
        return cause instanceof IllegalArgumentException ? new IllegalArgumentException(cause.getMessage(), ex) :
            new IllegalArgumentException(ex.getMessage(), ex);
    }
}
