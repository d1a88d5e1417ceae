package io.ringmq.loadtest;

import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line entry of the load tester: {@code java -jar ringmq-loadtest.jar <command> [options]}.
 * <p>
 * <b>Threading:</b> main thread only.
 */
public final class Main
{
    private Main()
    {
    }

    /**
     * Run a command and exit with 0 on success, 1 on a failed run and 2 on a usage error.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Run a command without exiting.
     *
     * @param args command line.
     * @param out  where the summary goes.
     * @param err  where progress, warnings and errors go.
     * @return exit status.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final LoadTestCommandLine commandLine = new LoadTestCommandLine(writer(out), writer(err));
        if (args.length == 0)
        {
            out.print(commandLine.usage());
            return 2;
        }
        try
        {
            final CommandLine.ParseResult parsed = commandLine.parse(args);
            if (CommandLine.printHelpIfRequested(parsed))
            {
                return 0;
            }
            final CommandLine.ParseResult command = parsed.subcommand();
            if (null == command)
            {
                out.print(commandLine.usage());
                return 2;
            }
            final Object what = command.commandSpec().userObject();
            if (what instanceof LoadOptions options)
            {
                options.conclude(Scenario.of(command.commandSpec().name()), command);
                final LoadResult result = new ScenarioRunner(options, err).run();
                report(result, options.report.json, options.report.html, out, err);
                return 0;
            }
            if (what instanceof LoadTestCommandLine.CompareArgs compare)
            {
                if (compare.scenarioArgs.contains("--help") || compare.scenarioArgs.contains("-h"))
                {
                    out.print(commandLine.usage(compare.scenario));
                    return 0;
                }
                return Compare.run(compare, out, err);
            }
            if (what instanceof LoadTestCommandLine.MergeArgs merge)
            {
                return merge(merge, out);
            }
            if (what instanceof LoadTestCommandLine.SummaryArgs summary)
            {
                return Compare.summarise(summary.files, out);
            }
            ((Runnable)what).run();  // generate-completion
            return 0;
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("ringmq-loadtest: " + ex.getMessage() + " (see --help)");
            return 2;
        }
        catch (final IOException | RuntimeException ex)
        {
            err.println("ringmq-loadtest: failed: " + ex);
            return 1;
        }
    }

    private static PrintWriter writer(final PrintStream stream)
    {
        return new PrintWriter(new OutputStreamWriter(stream, Charset.defaultCharset()), true);
    }

    static void report(
        final LoadResult result, final String jsonFile, final String htmlFile, final PrintStream out,
        final PrintStream err) throws IOException
    {
        Summary.print(result, out);
        if (null != result.cpuWarning)
        {
            err.println("ringmq-loadtest: WARNING: " + result.cpuWarning);
        }
        if (null != jsonFile)
        {
            Files.writeString(Path.of(jsonFile), result.toJson());
            out.println("json          " + jsonFile);
        }
        if (null != htmlFile)
        {
            Files.writeString(Path.of(htmlFile), HtmlReport.render(result));
            out.println("html          " + htmlFile);
        }
        out.flush();
    }

    private static int merge(final LoadTestCommandLine.MergeArgs args, final PrintStream out) throws IOException
    {
        final List<LoadResult> parts = new ArrayList<>();
        for (final String file : args.files)
        {
            parts.add(Merge.read(Path.of(file)));
        }
        report(Merge.merge(parts), args.report.json, args.report.html, out, System.err);
        return 0;
    }
}
