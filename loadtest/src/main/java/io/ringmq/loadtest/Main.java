package io.ringmq.loadtest;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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
        if (args.length == 0 || "--help".equals(args[0]) || "-h".equals(args[0]) || "help".equals(args[0]))
        {
            out.print(usage());
            return args.length == 0 ? 2 : 0;
        }
        final List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        try
        {
            if (rest.contains("--help"))
            {
                out.print(usage());
                return 0;
            }
            switch (args[0])
            {
                case "merge":
                    return merge(rest, out);
                case "compare":
                    return Compare.run(rest, out, err);
                case "compare-summary":
                    return Compare.summarise(rest, out);
                default:
                    final Scenario scenario = Scenario.of(args[0]);
                    if (null == scenario)
                    {
                        err.println("ringmq-loadtest: unknown command '" + args[0] + "' (see --help)");
                        return 2;
                    }
                    final LoadOptions options = LoadOptions.parse(scenario, rest);
                    final LoadResult result = new ScenarioRunner(options, err).run();
                    report(result, options.jsonFile, options.htmlFile, out, err);
                    return 0;
            }
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

    private static int merge(final List<String> args, final PrintStream out) throws IOException
    {
        String json = null;
        String html = null;
        final List<LoadResult> parts = new ArrayList<>();
        for (int i = 0; i < args.size(); i++)
        {
            final String arg = args.get(i);
            if ("--json".equals(arg) && i + 1 < args.size())
            {
                json = args.get(++i);
            }
            else if ("--html".equals(arg) && i + 1 < args.size())
            {
                html = args.get(++i);
            }
            else if (arg.startsWith("--"))
            {
                throw new IllegalArgumentException("unknown merge option: " + arg);
            }
            else
            {
                parts.add(Merge.read(Path.of(arg)));
            }
        }
        if (parts.isEmpty())
        {
            throw new IllegalArgumentException("merge needs at least one result file");
        }
        report(Merge.merge(parts), json, html, out, System.err);
        return 0;
    }

    static String usage()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("""
            ringmq-loadtest: MQTT 3.1.1/5.0 load tester (any broker), java.nio selector threads + RingMQ codec.

            usage: java -jar ringmq-loadtest.jar <scenario> [options]
                   java -jar ringmq-loadtest.jar compare --a HOST:PORT --b HOST:PORT [--runs 3] <scenario> [options]
                   java -jar ringmq-loadtest.jar merge [--json OUT] [--html OUT] shard0.json shard1.json ...
                   java -jar ringmq-loadtest.jar compare-summary compare1.json compare2.json ...

            scenarios:
            """);
        for (final Scenario scenario : Scenario.values())
        {
            sb.append(String.format(Locale.ROOT, "  %-14s %s%n", scenario.command(), scenario.description()));
        }
        sb.append("""

            common options (defaults in brackets):
              --host H / --port P / --broker H:P   broker address [127.0.0.1:1883]
              --protocol 4|5                       MQTT 3.1.1 or 5.0 [4]
              --publishers N --subscribers N       counts (fan-in 8/1, fan-out 1/100, shared 4/4, persistent 1/10)
              --pairs N | --connections N          pairs [10]; idle / connect-storm connections [1000]
              --qos 0|1|2 or a list 0,1,2          publish QoS, list = round robin over publishers [0]
              --payload BYTES                      payload size, at least 16 (send time + id/sequence) [64]
              --rate R                             messages/s per publisher, 0 = unlimited [0]
              --total-rate R                       messages/s over all publishers (overrides --rate)
              --inflight N                         QoS 1/2 window per publisher (capped by Receive Maximum) [64]
              --duration T --warmup T              measurement and warm-up time: 500ms, 10s, 2m [10s, 1s]
              --drain T --quiet-period T           max wait for stragglers; stop after no progress for [10s, 1.5s]
              --ramp-up R                          connections opened per second, 0 = as fast as possible [0];
                                                   with connect-storm --reconnect also the reconnect rate
              --connect-concurrency N              connects in progress at once (all threads) [512]
              --connect-timeout T                  per-connection set-up limit [60s]
              --keep-alive S                       seconds; PINGREQ after 3/4 of it without sending [60]
              --username U --password P            User Name and Password in every CONNECT (also in compare: both
                                                   brokers get them); %d in U becomes the client's index [none]
              --threads N                          selector threads [cores/2, 1..4]
              --source-addresses LIST              bind round robin: 127.0.0.2,127.0.0.3 or 127.0.0.2-127.0.0.20
              --shard i/n                          run shard i of n of the client ids (several processes, same
                                                   --run-id); combine the JSON files with 'merge'
              --run-id ID                          topic/client-id prefix [random; "shared" with --shard]
              --start-at MS|+T                     start publishing at this epoch millisecond (or T from now),
                                                   so separately started shards publish together
              --group NAME                         shared subscription group [lt]
              --session-expiry S                   persistent sessions, MQTT 5 session expiry [300]
              --persistent-sessions                subscribers of any scenario use persistent sessions (expiry
                                                   --session-expiry), so a broker must store what it queues
              --reconnect                          connect-storm: churn the connections for --duration
              --stalled connected|offline|none     isolation: the extra subscriber to '#' never reads its socket,
                                                   or keeps a persistent session and goes offline, or is left out
                                                   [connected]; isolation defaults: --qos 1 --rate 10
                                                   --keep-alive 5, every healthy client pings once per keep-alive
              --sys-wait T                         isolation: wait for the broker's next $SYS update before reading
                                                   its drop/stall counters; at least its $SYS interval [2s]
              --broker-pid PID                     report the broker's RSS (VmRSS) per connection
              --json FILE --html FILE              write the result as JSON / self-contained HTML report
              --progress | --no-progress | --quiet progress line on stderr [only on a terminal]
              --timeout T                          hard limit for the whole run [derived]
              --batch-bytes N --read-buffer N      write batch and shared read buffer sizes [64 KiB, 256 KiB]
              --tls                                MQTT over TLS (SSLEngine, full handshake per connection;
                                                   the connect time includes it)
              --cafile CA.pem | --insecure         trust: the CA of the broker's certificate (host name checked),
                                                   or any certificate (benchmarking only); one is needed with --tls
              --certfile C.pem --keyfile K.pem     client certificate (PEM chain, PKCS#8 key) for mutual TLS
              --websocket                          MQTT over WebSocket (subprotocol mqtt); with --tls, wss
              --ws-path PATH                       WebSocket path [/mqtt]
              --tls-provider jdk|openssl           TLS implementation: the JDK's SSLEngine, or OpenSSL (BoringSSL,
                                                   netty-tcnative), much cheaper per byte [jdk]

            compare options: --a H:P --b H:P [--a-name NAME] [--b-name NAME] [--a-pid PID] [--b-pid PID]
                             [--runs N] [--json FILE] [--html FILE], then the scenario and its options.
              Runs the scenario alternately against a and b (a,b then b,a ...) and prints per-run figures and the
              ratio of the medians (b/a and a/b) of the achieved rate and p99 latency. The rate is received msg/s,
              connects/s (connect-storm) or broker RSS bytes per connection (idle, needs --a-pid/--b-pid).
              compare-summary takes the medians over the JSON files of several compare invocations.

            Latency is end-to-end from the intended send time in the payload (coordinated-omission corrected when a
            rate is set). lost = expected - distinct received, expected = receivers x (QoS 0: sent, QoS 1/2:
            acknowledged). Exit status: 0 done, 1 run failed, 2 usage error.
            """);
        return sb.toString();
    }
}
