package io.ringmq.loadtest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringmq.core.status.JitCompilers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code compare}: the same scenario alternately against two brokers, {@code --runs} times each (a,b then b,a so slow
 * drift hits both alike), then per-run figures and the ratio of the medians.
 * <p>
 * <b>Threading:</b> main thread only.
 */
final class Compare
{
    /** Pause after every run, so the sockets of one run are gone before the next. */
    private static final long SETTLE_NS = 1_000_000_000L;
    /**
     * After the {@code --tester-warm-up} runs, more (up to {@link #MAX_TESTER_WARM_UPS} in all) while the last one's
     * own JIT compile time was above this. *Measured* on 2 cores, 5,000-connection storms at 5,000/s: the load
     * tester compiled for 898, 326, 86 and 22 ms in four storms in a row. With one warm-up storm it had compiled for
     * 0.5-0.95 s in the first measured run, always the first broker's, which shared the cores with it.
     */
    static final long WARM_JIT_MS = 50;
    /** At most this many warm-up runs, however much the load tester still compiles. */
    static final int MAX_TESTER_WARM_UPS = 10;
    /** The load tester's compilers count as idle after this long without compiling. */
    static final long JIT_QUIET_MS = 250;
    /** The wait for the load tester's compilers ends after this long, idle or not. */
    static final long JIT_SETTLE_LIMIT_NS = 15_000_000_000L;

    private Compare()
    {
    }

    static int run(final LoadTestCommandLine.CompareArgs args, final PrintStream out, final PrintStream err)
        throws IOException
    {
        final String a = args.a;
        final String b = args.b;
        final String aName = args.aName;
        final String bName = args.bName;
        final long aPid = args.aPid;
        final long bPid = args.bPid;
        final int runs = args.runs;
        final String json = args.report.json;
        final String html = args.report.html;
        final Scenario scenario = Scenario.of(args.scenario);
        if (null == scenario)
        {
            throw new IllegalArgumentException("unknown scenario: " + args.scenario);
        }
        final List<String> scenarioArgs = args.scenarioArgs;
        LoadOptions.parse(scenario, scenarioArgs);

        final String[] names = { aName, bName };
        final String[] addresses = { a, b };
        final long[] pids = { aPid, bPid };
        final List<List<LoadResult>> results = List.of(new ArrayList<>(), new ArrayList<>());
        out.printf(Locale.ROOT, "compare %s: %s=%s, %s=%s, %d run(s) each: %s%n", scenario.command(), aName, a,
            bName, b, runs, String.join(" ", scenarioArgs));
        // The load tester's first runs carry its own JIT warm-up: against b, so it counts against neither. A run
        // too short to take the per-connection or per-message code past the C2 threshold leaves it compiling in
        // the next run, so warm-ups go on while the last one still compiled much.
        LoadResult warmUp = null;
        for (int run = 0; warmUpAgain(run, args.testerWarmUp, warmUp); run++)
        {
            warmUp = runOnce(scenario, scenarioArgs, addresses[1], pids[1], err);
            out.printf(Locale.ROOT, "warm-up of the load tester against %s, not counted: %s%n", names[1],
                line(warmUp));
            out.flush();
            settle(out);
        }
        for (int run = 0; run < runs; run++)
        {
            for (int k = 0; k < 2; k++)
            {
                final int side = (run % 2 == 0) ? k : 1 - k;
                final LoadResult result = runOnce(scenario, scenarioArgs, addresses[side], pids[side], err);
                results.get(side).add(result);
                out.printf(Locale.ROOT, "run %d %-10s %s%n", run + 1, names[side], line(result));
                out.flush();
                settle(out);
            }
        }

        final ObjectNode report = ResultJson.object()
            .put("scenario", scenario.command())
            .put("options", String.join(" ", scenarioArgs))
            .put("aName", aName)
            .put("bName", bName)
            .put("a", a)
            .put("b", b)
            .put("runs", runs);
        printMedians(scenario, names, figures(results), out, report);
        appendRuns(report, names, results);
        if (null != json)
        {
            Files.writeString(Path.of(json), ResultJson.write(report));
            out.println("json " + json);
        }
        if (null != html)
        {
            final List<LoadResult> last = List.of(results.get(0).get(runs - 1), results.get(1).get(runs - 1));
            Files.writeString(Path.of(html), HtmlReport.render(last, List.of(aName, bName)));
            out.println("html " + html);
        }
        return 0;
    }

    /**
     * @param done  warm-up runs made.
     * @param asked {@code --tester-warm-up}: 0 for none at all.
     * @param last  the last warm-up run, null before the first.
     * @return whether to make another: until {@code asked}, then while the last compiled for over
     *         {@link #WARM_JIT_MS}, {@link #MAX_TESTER_WARM_UPS} at most.
     */
    static boolean warmUpAgain(final int done, final int asked, final LoadResult last)
    {
        return done < asked || null != last && done < MAX_TESTER_WARM_UPS && last.jitMillis > WARM_JIT_MS;
    }

    /**
     * Between runs: the pause, then until the load tester's own JIT compilers are idle, so that what the last run
     * left them to compile does not run beside the next broker's run.
     */
    private static void settle(final PrintStream out)
    {
        LockSupport.parkNanos(SETTLE_NS);
        if (!JitCompilers.awaitIdle(JIT_QUIET_MS, System.nanoTime() + JIT_SETTLE_LIMIT_NS))
        {
            out.printf(Locale.ROOT, "(the load tester's JIT compilers were still busy after %d s; going on)%n",
                JIT_SETTLE_LIMIT_NS / 1_000_000_000L);
        }
    }

    private static LoadResult runOnce(final Scenario scenario, final List<String> scenarioArgs, final String address,
        final long pid, final PrintStream err) throws IOException
    {
        final List<String> runArgs = new ArrayList<>(scenarioArgs);
        runArgs.addAll(Arrays.asList("--broker", address));
        if (pid > 0)
        {
            runArgs.addAll(Arrays.asList("--broker-pid", Long.toString(pid)));
        }
        final LoadOptions options = LoadOptions.parse(scenario, runArgs);
        options.report.json = null;
        options.report.html = null;
        return new ScenarioRunner(options, err).run();
    }

    /** The headline figures of every run, per side. */
    private static List<List<Figures>> figures(final List<List<LoadResult>> results)
    {
        final List<List<Figures>> figures = List.of(new ArrayList<>(), new ArrayList<>());
        for (int side = 0; side < 2; side++)
        {
            for (final LoadResult r : results.get(side))
            {
                figures.get(side).add(new Figures(primaryRate(r), r.latencyUs(99), r.lost, r.receiveRate,
                    r.brokerCpuPercent));
            }
        }
        return figures;
    }

    /** One object per run, both sides, into the {@code runs} array of the JSON report. */
    private static void appendRuns(
        final ObjectNode report, final String[] names, final List<List<LoadResult>> results)
    {
        final ArrayNode runs = report.putArray("runs");
        for (int side = 0; side < 2; side++)
        {
            for (final LoadResult r : results.get(side))
            {
                runs.addObject()
                    .put("broker", names[side])
                    .put("rate", primaryRate(r))
                    .put("achievedRate", r.achievedRate)
                    .put("receiveRate", r.receiveRate)
                    .put("p50Us", r.latencyUs(50))
                    .put("p99Us", r.latencyUs(99))
                    .put("p999Us", r.latencyUs(99.9))
                    .put("maxUs", r.maxLatencyUs())
                    .put("sent", r.sent)
                    .put("received", r.received)
                    .put("lost", r.lost)
                    .put("duplicated", r.duplicated)
                    .put("brokerRssPerConnectionBytes", r.brokerRssPerConnectionBytes)
                    .put("connectsPerSecond", r.connectsPerSecond)
                    .put("loadTesterCpuPercent", r.processCpuPercent)
                    .put("brokerCpuPercent", r.brokerCpuPercent)
                    .put("brokerWakeupsPerSecond", r.brokerWakeupsPerSecond)
                    .put("line", line(r));
            }
        }
    }

    /**
     * {@code compare-summary}: medians and ratios over the JSON files of several {@code compare} invocations of the
     * same scenario (e.g. one run each on freshly started brokers, as RSS per connection needs).
     *
     * @param args JSON files written by {@code compare --json}.
     * @param out  where to print.
     * @return exit status.
     * @throws IOException if a file cannot be read.
     */
    @SuppressWarnings("unchecked")
    static int summarise(final List<String> args, final PrintStream out) throws IOException
    {
        if (args.isEmpty())
        {
            throw new IllegalArgumentException("compare-summary needs compare JSON files");
        }
        String[] names = null;
        Scenario scenario = null;
        final List<List<Figures>> figures = List.of(new ArrayList<>(), new ArrayList<>());
        int run = 0;
        for (final String file : args)
        {
            final Map<String, Object> map = ResultJson.read(Files.readString(Path.of(file)));
            if (null == names)
            {
                names = new String[]{ String.valueOf(map.get("aName")), String.valueOf(map.get("bName")) };
                scenario = Scenario.of(String.valueOf(map.get("scenario")));
                out.printf(Locale.ROOT, "compare %s over %d file(s): %s%n", scenario.command(), args.size(),
                    map.get("options"));
            }
            for (final Object item : (List<Object>)map.get("runs"))
            {
                final Map<String, Object> r = (Map<String, Object>)item;
                final int side = names[0].equals(r.get("broker")) ? 0 : 1;
                figures.get(side).add(new Figures(number(r, "rate"), number(r, "p99Us"), number(r, "lost"),
                    number(r, "receiveRate"), r.containsKey("brokerCpuPercent") ? number(r, "brokerCpuPercent") : -1));
                out.printf(Locale.ROOT, "file %d %-10s %s%n", run + 1, names[side], r.get("line"));
            }
            run++;
        }
        printMedians(scenario, names, figures, out, ResultJson.object());
        return 0;
    }

    private static double number(final Map<String, Object> map, final String key)
    {
        final Object value = map.get(key);
        return value instanceof Number ? ((Number)value).doubleValue() : 0;
    }

    private static void printMedians(
        final Scenario scenario,
        final String[] names,
        final List<List<Figures>> figures,
        final PrintStream out,
        final ObjectNode report)
    {
        out.println("medians:");
        final double[] rate = new double[2];
        final double[] p99 = new double[2];
        final double[] cpu = new double[2];
        for (int side = 0; side < 2; side++)
        {
            final List<Figures> list = figures.get(side);
            rate[side] = median(list, f -> f.rate);
            p99[side] = median(list, f -> f.p99Us);
            cpu[side] = median(list, f -> f.brokerCpuPercent);
            out.printf(Locale.ROOT, "  %-10s %s %s  p99 %s  lost %,.0f  received/s %,.0f%n", names[side],
                rateName(scenario), formatRate(scenario, rate[side]), Summary.micros(p99[side]),
                median(list, f -> f.lost), median(list, f -> f.receiveRate));
            report.putObject(side == 0 ? "medianA" : "medianB")
                .put(rateName(scenario), rate[side])
                .put("p99Us", p99[side])
                .put("lost", median(list, f -> f.lost))
                .put("receiveRate", median(list, f -> f.receiveRate))
                .put("brokerCpuPercent", cpu[side]);
        }
        out.printf(Locale.ROOT, "ratio of medians %s: %s/%s %.3f   %s/%s %.3f%n", rateName(scenario), names[1],
            names[0], ratio(rate[1], rate[0]), names[0], names[1], ratio(rate[0], rate[1]));
        out.printf(Locale.ROOT, "ratio of medians p99: %s/%s %.3f   %s/%s %.3f%n", names[1], names[0],
            ratio(p99[1], p99[0]), names[0], names[1], ratio(p99[0], p99[1]));
        if (cpu[0] >= 0 && cpu[1] >= 0)
        {
            out.printf(Locale.ROOT, "broker CPU (%% of a core), medians: %s %.1f  %s %.1f  ratio %s/%s %.3f%n",
                names[0], cpu[0], names[1], cpu[1], names[1], names[0], ratio(cpu[1], cpu[0]));
            report.put("brokerCpuRatioBA", ratio(cpu[1], cpu[0]));
        }
        report.put("rateMetric", rateName(scenario))
            .put("rateRatioBA", ratio(rate[1], rate[0]))
            .put("rateRatioAB", ratio(rate[0], rate[1]))
            .put("p99RatioBA", ratio(p99[1], p99[0]))
            .put("p99RatioAB", ratio(p99[0], p99[1]));
    }

    /**
     * The figures of one run that the medians are taken over.
     */
    private record Figures(double rate, double p99Us, double lost, double receiveRate, double brokerCpuPercent)
    {
    }

    static String line(final LoadResult r)
    {
        final StringBuilder sb = new StringBuilder();
        if ("idle".equals(r.scenario))
        {
            sb.append(String.format(Locale.ROOT, "conn %d/%d  broker RSS %s/conn  load tester heap %s/conn  " +
                "ping p99 %s", r.connectionsEstablished, r.connectionsTarget,
                Summary.bytes(r.brokerRssPerConnectionBytes), Summary.bytes(r.selfHeapPerConnectionBytes),
                Summary.micros(r.latencyUs(99))));
        }
        else if ("connect-storm".equals(r.scenario))
        {
            sb.append(String.format(Locale.ROOT, "conn %d/%d  %,.0f connects/s  connect p50 %s p99 %s  failed %d",
                r.connectionsEstablished, r.connectionsTarget, r.connectsPerSecond, Summary.micros(r.latencyUs(50)),
                Summary.micros(r.latencyUs(99)), r.connectionsFailed));
        }
        else
        {
            sb.append(String.format(Locale.ROOT, "sent %,.0f/s  received %,.0f/s  p50 %s  p99 %s  p99.9 %s  max %s  " +
                "sent %d  recv %d  lost %d  dup %d", r.achievedRate, r.receiveRate, Summary.micros(r.latencyUs(50)),
                Summary.micros(r.latencyUs(99)), Summary.micros(r.latencyUs(99.9)), Summary.micros(r.maxLatencyUs()),
                r.sent, r.received, r.lost, r.duplicated));
        }
        final long closedByBroker = r.errors.getOrDefault("closedByBroker", 0L);
        if (closedByBroker > 0 || r.connectionsFailed > 0)
        {
            sb.append(String.format(Locale.ROOT, "  [%d connection(s) closed by the broker, %d failed]",
                closedByBroker, r.connectionsFailed));
        }
        if (r.outstandingAtEnd > 0 || r.publishRefused > 0)
        {
            sb.append(String.format(Locale.ROOT, "  [%d never acknowledged, %d refused]", r.outstandingAtEnd,
                r.publishRefused));
        }
        if (r.brokerCpuPercent >= 0)
        {
            sb.append(String.format(Locale.ROOT, "  broker CPU %.1f%% %,.0f wake-ups/s", r.brokerCpuPercent,
                r.brokerWakeupsPerSecond));
        }
        sb.append(String.format(Locale.ROOT, "  (load tester CPU %.0f%%%s)", r.processCpuPercent, Summary.jit(r)));
        if (null != r.cpuWarning)
        {
            sb.append(" [load tester saturated]");
        }
        return sb.toString();
    }

    private static double primaryRate(final LoadResult r)
    {
        return switch (r.scenario)
        {
            case "idle" -> r.brokerRssPerConnectionBytes;
            case "connect-storm" -> r.connectsPerSecond;
            case "persistent" -> r.redeliverySeconds > 0 ? r.distinct / r.redeliverySeconds : 0;
            default -> r.receiveRate;
        };
    }

    private static String rateName(final Scenario scenario)
    {
        return switch (scenario)
        {
            case IDLE -> "brokerRssPerConnectionBytes";
            case CONNECT_STORM -> "connectsPerSecond";
            case PERSISTENT -> "redeliveredPerSecond";
            default -> "receivedPerSecond";
        };
    }

    private static String formatRate(final Scenario scenario, final double value)
    {
        return scenario == Scenario.IDLE ? Summary.bytes(value) : String.format(Locale.ROOT, "%,.0f", value);
    }

    private static double ratio(final double numerator, final double denominator)
    {
        return denominator == 0 ? Double.NaN : numerator / denominator;
    }

    private static double median(final List<Figures> results, final java.util.function.ToDoubleFunction<Figures> f)
    {
        final double[] values = results.stream().mapToDouble(f).sorted().toArray();
        if (values.length == 0)
        {
            return 0;
        }
        final int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
