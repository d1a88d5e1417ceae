package io.ringmq.loadtest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Options of one scenario run, parsed from the command line. Every option has a default; a scenario may change the
 * defaults of its counts ({@link Scenario}).
 * <p>
 * <b>Threading:</b> built on the main thread, then read-only.
 */
final class LoadOptions
{
    Scenario scenario;
    String host = "127.0.0.1";
    int port = 1883;
    int publishers = -1;
    int subscribers = -1;
    int connections = -1;
    int[] qos = { 0 };
    int payloadBytes = 64;
    double ratePerPublisher;
    double totalRate;
    double rampUpPerSecond;
    int protocol = 4;
    int keepAliveSeconds = 60;
    long durationNs = seconds(10);
    long warmupNs = seconds(1);
    long drainNs = seconds(10);
    long quietNs = millis(1500);
    long connectTimeoutNs = seconds(60);
    long hardTimeoutNs;
    int inflight = 64;
    int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    List<String> sourceAddresses = new ArrayList<>();
    int shardIndex;
    int shardCount = 1;
    String jsonFile;
    String htmlFile;
    long brokerPid = -1;
    boolean reconnect;
    int connectConcurrency = 512;
    String runId;
    String group = "lt";
    long sessionExpirySeconds = 300;
    /** Subscribers of any scenario keep persistent sessions (the broker journals their QoS 1/2 deliveries). */
    boolean persistentSessions;
    Boolean progress;
    boolean quiet;
    int batchBytes = 64 * 1024;
    int readBufferBytes = 256 * 1024;
    long startAtEpochMs;
    /** Isolation: how the extra subscriber to '#' misbehaves: connected (never reads), offline (persistent), none. */
    String stalled = STALLED_CONNECTED;
    /** Isolation: after the drain, wait this long for the broker's next $SYS update before reading its counters. */
    long sysWaitNs = seconds(2);
    /** Healthy clients send a PINGREQ every 3/4 keep-alive even while they send other packets (isolation). */
    boolean pingAlways;
    /** MQTT over TLS ({@code --tls}); with {@link #webSocket} secure WebSocket. */
    boolean tls;
    /** MQTT over WebSocket ({@code --websocket}). */
    boolean webSocket;
    /** PEM CA bundle that signs the broker's certificate. */
    String caFile;
    /** Trust any server certificate and skip the host name check (benchmarking only). */
    boolean insecure;
    /** PEM client certificate chain for mutual TLS. */
    String certFile;
    /** PEM PKCS#8 private key of {@link #certFile}. */
    String keyFile;
    String webSocketPath = "/mqtt";
    String tlsProvider = TransportSettings.PROVIDER_JDK;
    /** User Name sent in every CONNECT ({@code --username}); {@code %d} becomes the client's index. Null for none. */
    String username;
    /** Password sent in every CONNECT ({@code --password}), UTF-8; null for none. */
    byte[] password;
    /** Built by {@link #validate()} from the options above. */
    TransportSettings transport;
    /** Options given on the command line, so a scenario can change only the defaults. */
    final Set<String> given = new HashSet<>();

    static final String STALLED_CONNECTED = "connected";
    static final String STALLED_OFFLINE = "offline";
    static final String STALLED_NONE = "none";

    /**
     * Parse a scenario's options.
     *
     * @param scenario the subcommand.
     * @param args     options after the subcommand.
     * @return the options, with the scenario's defaults filled in.
     * @throws IllegalArgumentException naming the bad option.
     */
    static LoadOptions parse(final Scenario scenario, final List<String> args)
    {
        final LoadOptions options = new LoadOptions();
        options.scenario = scenario;
        for (int i = 0; i < args.size(); i++)
        {
            final String name = args.get(i);
            if (!name.startsWith("--"))
            {
                throw new IllegalArgumentException("unexpected argument: " + name);
            }
            if (options.flag(name))
            {
                continue;
            }
            if (i + 1 >= args.size())
            {
                throw new IllegalArgumentException(name + " needs a value");
            }
            options.option(name, args.get(++i));
            options.given.add(name);
        }
        scenario.applyDefaults(options);
        options.validate();
        return options;
    }

    private boolean flag(final String name)
    {
        switch (name)
        {
            case "--reconnect":
                reconnect = true;
                return true;
            case "--persistent-sessions":
                persistentSessions = true;
                return true;
            case "--progress":
                progress = Boolean.TRUE;
                return true;
            case "--no-progress":
                progress = Boolean.FALSE;
                return true;
            case "--quiet":
                quiet = true;
                return true;
            case "--tls":
                tls = true;
                return true;
            case "--websocket":
                webSocket = true;
                return true;
            case "--insecure":
                insecure = true;
                return true;
            default:
                return false;
        }
    }

    private void option(final String name, final String value)
    {
        switch (name)
        {
            case "--host" -> host = value;
            case "--port" -> port = intValue(name, value, 1, 65535);
            case "--broker" ->
            {
                final int colon = value.lastIndexOf(':');
                if (colon <= 0)
                {
                    throw new IllegalArgumentException("--broker must be host:port: " + value);
                }
                host = value.substring(0, colon);
                port = intValue(name, value.substring(colon + 1), 1, 65535);
            }
            case "--publishers" -> publishers = intValue(name, value, 0, Publisher.MAX_PUBLISHER_ID + 1);
            case "--subscribers", "--consumers" -> subscribers = intValue(name, value, 0, 10_000_000);
            case "--pairs", "--connections" -> connections = intValue(name, value, 0, 10_000_000);
            case "--qos" -> qos = qosList(value);
            case "--payload" -> payloadBytes = intValue(name, value, 16, 64 * 1024 * 1024);
            case "--rate" -> ratePerPublisher = doubleValue(name, value);
            case "--total-rate" -> totalRate = doubleValue(name, value);
            case "--ramp-up" -> rampUpPerSecond = doubleValue(name, value);
            case "--protocol" ->
            {
                protocol = intValue(name, value, 3, 5);
                if (protocol == 3)
                {
                    throw new IllegalArgumentException("--protocol must be 4 (3.1.1) or 5");
                }
            }
            case "--keep-alive" -> keepAliveSeconds = intValue(name, value, 0, 65535);
            case "--duration" -> durationNs = duration(name, value);
            case "--warmup" -> warmupNs = duration(name, value);
            case "--drain" -> drainNs = duration(name, value);
            case "--quiet-period" -> quietNs = duration(name, value);
            case "--connect-timeout" -> connectTimeoutNs = duration(name, value);
            case "--timeout" -> hardTimeoutNs = duration(name, value);
            case "--inflight" -> inflight = intValue(name, value, 1, 65535);
            case "--threads" -> threads = intValue(name, value, 1, 256);
            case "--source-addresses" -> sourceAddresses = addresses(value);
            case "--shard" -> shard(value);
            case "--json" -> jsonFile = value;
            case "--html" -> htmlFile = value;
            case "--broker-pid" -> brokerPid = intValue(name, value, 1, Integer.MAX_VALUE);
            case "--connect-concurrency" -> connectConcurrency = intValue(name, value, 1, 1_000_000);
            case "--run-id" -> runId = value;
            case "--group" -> group = value;
            case "--session-expiry" -> sessionExpirySeconds = intValue(name, value, 1, Integer.MAX_VALUE);
            case "--batch-bytes" -> batchBytes = intValue(name, value, 1024, 16 * 1024 * 1024);
            case "--read-buffer" -> readBufferBytes = intValue(name, value, 4096, 64 * 1024 * 1024);
            case "--start-at" -> startAtEpochMs = startAt(name, value);
            case "--stalled" -> stalled = stalledMode(value);
            case "--sys-wait" -> sysWaitNs = duration(name, value);
            case "--cafile" -> caFile = value;
            case "--certfile" -> certFile = value;
            case "--keyfile" -> keyFile = value;
            case "--ws-path" -> webSocketPath = value;
            case "--tls-provider" -> tlsProvider = value.toLowerCase(Locale.ROOT);
            case "--username" -> username = value;
            case "--password" -> password = value.getBytes(StandardCharsets.UTF_8);
            default -> throw new IllegalArgumentException("unknown option: " + name);
        }
    }

    private void validate()
    {
        if (null == runId)
        {
            runId = shardCount > 1 ? "shared" : Long.toString(ThreadLocalRandom.current().nextLong() >>> 24, 36);
        }
        if (runId.isEmpty() || runId.contains("/") || runId.contains("+") || runId.contains("#"))
        {
            throw new IllegalArgumentException("--run-id must be a plain topic level: " + runId);
        }
        if (scenario == Scenario.PERSISTENT && maxQos() == 0)
        {
            throw new IllegalArgumentException("persistent needs --qos 1 or 2: brokers need not queue QoS 0");
        }
        if (scenario == Scenario.ISOLATION && shardCount > 1)
        {
            throw new IllegalArgumentException("isolation runs in one process (no --shard)");
        }
        if (hardTimeoutNs == 0)
        {
            hardTimeoutNs = connectTimeoutNs * 3 + warmupNs + durationNs + drainNs * 3 + sysWaitNs + seconds(30);
        }
        final int frameBytes = payloadBytes + 1024;
        readBufferBytes = Math.max(readBufferBytes, 2 * frameBytes);
        batchBytes = Math.max(batchBytes, frameBytes);
        if (null != password && null == username && protocol != 5)
        {
            throw new IllegalArgumentException("--password needs --username with MQTT 3.1.1 (MQTT-3.1.2-22)");
        }
        validateTransport();
        transport = TransportSettings.from(this);
    }

    private void validateTransport()
    {
        if (!TransportSettings.PROVIDER_JDK.equals(tlsProvider) &&
            !TransportSettings.PROVIDER_OPENSSL.equals(tlsProvider))
        {
            throw new IllegalArgumentException("--tls-provider must be jdk or openssl: " + tlsProvider);
        }
        if (!tls && (null != caFile || null != certFile || null != keyFile || insecure))
        {
            throw new IllegalArgumentException("--cafile, --certfile, --keyfile and --insecure need --tls");
        }
        if (tls && null == caFile && !insecure)
        {
            throw new IllegalArgumentException("--tls needs --cafile CA.pem (the CA of the broker's certificate) or " +
                "--insecure (trust any certificate, benchmarking only)");
        }
        if (tls && null != caFile && insecure)
        {
            throw new IllegalArgumentException("--cafile and --insecure exclude each other");
        }
        if ((null == certFile) != (null == keyFile))
        {
            throw new IllegalArgumentException("--certfile and --keyfile go together");
        }
        if (!webSocketPath.startsWith("/"))
        {
            throw new IllegalArgumentException("--ws-path must start with /: " + webSocketPath);
        }
        if (given.contains("--ws-path") && !webSocket)
        {
            throw new IllegalArgumentException("--ws-path needs --websocket");
        }
    }

    /**
     * User Name of one client: {@code --username} with each {@code %d} replaced by the index, so per-device users
     * ({@code dev%d}) can be matched by an ACL. Called once per client when the run is planned, not per CONNECT.
     *
     * @param index the client's global index within its role (publisher i and subscriber i share it).
     * @return the User Name, or null without {@code --username}.
     */
    String usernameOf(final int index)
    {
        if (null == username || !username.contains("%d"))
        {
            return username;
        }
        return username.replace("%d", Integer.toString(index));
    }

    /**
     * Rate of each publisher: {@code --rate}, or {@code --total-rate} divided evenly.
     *
     * @param publisherCount publishers in the whole test (all shards).
     * @return messages per second, 0 for unlimited.
     */
    double ratePerPublisher(final int publisherCount)
    {
        if (totalRate > 0 && publisherCount > 0)
        {
            return totalRate / publisherCount;
        }
        return ratePerPublisher;
    }

    /**
     * QoS of a publisher: the {@code --qos} list round robin.
     *
     * @param publisherId global publisher index.
     * @return 0, 1 or 2.
     */
    int qosOf(final int publisherId)
    {
        return qos[publisherId % qos.length];
    }

    /**
     * Highest QoS in {@code --qos}: what subscribers ask for, so each message arrives at its publish QoS.
     *
     * @return 0, 1 or 2.
     */
    int maxQos()
    {
        return Arrays.stream(qos).max().orElse(0);
    }

    /**
     * True when this process owns an index of the sharded client set.
     *
     * @param index global index.
     * @return true for {@code index % shardCount == shardIndex}.
     */
    boolean owns(final int index)
    {
        return index % shardCount == shardIndex;
    }

    /**
     * Options as they would be written on the command line (for the report).
     *
     * @return compact description.
     */
    String describe()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(scenario.command()).append(" --host ").append(host).append(" --port ").append(port);
        if (tls)
        {
            sb.append(" --tls").append(insecure ? " --insecure" : "").append(null != certFile ? " --certfile" : "");
        }
        if (null != username)
        {
            // The password is left out: reports are shared.
            sb.append(" --username ").append(username).append(null != password ? " --password ***" : "");
        }
        else if (null != password)
        {
            sb.append(" --password ***");
        }
        if (webSocket)
        {
            sb.append(" --websocket --ws-path ").append(webSocketPath);
        }
        if (publishers >= 0)
        {
            sb.append(" --publishers ").append(publishers);
        }
        if (subscribers >= 0)
        {
            sb.append(" --subscribers ").append(subscribers);
        }
        if (connections >= 0)
        {
            final boolean pairs = scenario == Scenario.PAIRS || scenario == Scenario.ISOLATION;
            sb.append(pairs ? " --pairs " : " --connections ").append(connections);
        }
        sb.append(" --qos ").append(qosText()).append(" --payload ").append(payloadBytes);
        if (totalRate > 0)
        {
            sb.append(" --total-rate ").append(format(totalRate));
        }
        else
        {
            sb.append(" --rate ").append(format(ratePerPublisher));
        }
        sb.append(" --protocol ").append(protocol).append(" --inflight ").append(inflight)
            .append(" --duration ").append(durationNs / 1_000_000).append("ms")
            .append(" --warmup ").append(warmupNs / 1_000_000).append("ms")
            .append(" --keep-alive ").append(keepAliveSeconds)
            .append(" --threads ").append(threads);
        if (rampUpPerSecond > 0)
        {
            sb.append(" --ramp-up ").append(format(rampUpPerSecond));
        }
        if (shardCount > 1)
        {
            sb.append(" --shard ").append(shardIndex).append('/').append(shardCount);
        }
        if (reconnect)
        {
            sb.append(" --reconnect");
        }
        if (scenario == Scenario.ISOLATION)
        {
            sb.append(" --stalled ").append(stalled).append(" --sys-wait ").append(sysWaitNs / 1_000_000).append("ms");
        }
        return sb.toString();
    }

    String qosText()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < qos.length; i++)
        {
            sb.append(i == 0 ? "" : ",").append(qos[i]);
        }
        return sb.toString();
    }

    private static String format(final double value)
    {
        return value == Math.rint(value) ? Long.toString((long)value) : Double.toString(value);
    }

    private void shard(final String value)
    {
        final int slash = value.indexOf('/');
        if (slash <= 0)
        {
            throw new IllegalArgumentException("--shard must be i/n: " + value);
        }
        shardIndex = intValue("--shard", value.substring(0, slash), 0, 1_000_000);
        shardCount = intValue("--shard", value.substring(slash + 1), 1, 1_000_000);
        if (shardIndex >= shardCount)
        {
            throw new IllegalArgumentException("--shard index must be below the count: " + value);
        }
    }

    private static long startAt(final String name, final String value)
    {
        if (value.startsWith("+"))
        {
            return System.currentTimeMillis() + duration(name, value.substring(1)) / 1_000_000;
        }
        try
        {
            return Long.parseLong(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be epoch milliseconds or +DURATION: " + value, ex);
        }
    }

    static List<String> addresses(final String value)
    {
        final List<String> result = new ArrayList<>();
        for (final String part : value.split(","))
        {
            final String item = part.trim();
            if (item.isEmpty())
            {
                continue;
            }
            final int dash = item.indexOf('-');
            if (dash > 0)
            {
                final String from = item.substring(0, dash);
                final String to = item.substring(dash + 1);
                final int lastDot = from.lastIndexOf('.');
                final String prefix = from.substring(0, lastDot + 1);
                final int first = Integer.parseInt(from.substring(lastDot + 1));
                final int last = Integer.parseInt(to.contains(".") ? to.substring(to.lastIndexOf('.') + 1) : to);
                if (to.contains(".") && !to.startsWith(prefix))
                {
                    throw new IllegalArgumentException("address range must differ in the last octet only: " + item);
                }
                if (last < first || last > 255)
                {
                    throw new IllegalArgumentException("bad address range: " + item);
                }
                for (int i = first; i <= last; i++)
                {
                    result.add(prefix + i);
                }
            }
            else
            {
                result.add(item);
            }
        }
        return result;
    }

    private static String stalledMode(final String value)
    {
        final String mode = value.toLowerCase(Locale.ROOT);
        if (!STALLED_CONNECTED.equals(mode) && !STALLED_OFFLINE.equals(mode) && !STALLED_NONE.equals(mode))
        {
            throw new IllegalArgumentException("--stalled must be connected, offline or none: " + value);
        }
        return mode;
    }

    /**
     * True when the isolation scenario adds a stalled subscriber.
     *
     * @return false for other scenarios and {@code --stalled none}.
     */
    boolean hasStalledSubscriber()
    {
        return scenario == Scenario.ISOLATION && !STALLED_NONE.equals(stalled);
    }

    private static int[] qosList(final String value)
    {
        final String[] parts = value.split(",");
        final int[] result = new int[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            result[i] = intValue("--qos", parts[i].trim(), 0, 2);
        }
        return result;
    }

    static int intValue(final String name, final String value, final int min, final int max)
    {
        final long parsed;
        try
        {
            parsed = Long.parseLong(value.replace("_", "").toLowerCase(Locale.ROOT).replace("k", "000")
                .replace("m", "000000"));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a whole number: " + value, ex);
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ": " + value);
        }
        return (int)parsed;
    }

    static double doubleValue(final String name, final String value)
    {
        try
        {
            final String v = value.toLowerCase(Locale.ROOT).replace("_", "");
            final double parsed = v.endsWith("k") ? Double.parseDouble(v.substring(0, v.length() - 1)) * 1e3 :
                v.endsWith("m") ? Double.parseDouble(v.substring(0, v.length() - 1)) * 1e6 : Double.parseDouble(v);
            if (parsed < 0 || Double.isNaN(parsed) || Double.isInfinite(parsed))
            {
                throw new IllegalArgumentException(name + " must be >= 0: " + value);
            }
            return parsed;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a number: " + value, ex);
        }
    }

    /**
     * Parse a duration: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, or a plain number of seconds.
     *
     * @param name  option, for the message.
     * @param value text.
     * @return nanoseconds.
     */
    static long duration(final String name, final String value)
    {
        final String v = value.trim().toLowerCase(Locale.ROOT);
        try
        {
            final double amount;
            final double unitNs;
            if (v.endsWith("ms"))
            {
                amount = Double.parseDouble(v.substring(0, v.length() - 2));
                unitNs = 1e6;
            }
            else if (v.endsWith("us"))
            {
                amount = Double.parseDouble(v.substring(0, v.length() - 2));
                unitNs = 1e3;
            }
            else if (v.endsWith("s"))
            {
                amount = Double.parseDouble(v.substring(0, v.length() - 1));
                unitNs = 1e9;
            }
            else if (v.endsWith("m"))
            {
                amount = Double.parseDouble(v.substring(0, v.length() - 1));
                unitNs = 60e9;
            }
            else if (v.endsWith("h"))
            {
                amount = Double.parseDouble(v.substring(0, v.length() - 1));
                unitNs = 3600e9;
            }
            else
            {
                amount = Double.parseDouble(v);
                unitNs = 1e9;
            }
            if (amount < 0)
            {
                throw new IllegalArgumentException(name + " must not be negative: " + value);
            }
            return (long)(amount * unitNs);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a duration like 500ms, 10s or 2m: " + value, ex);
        }
    }

    static long seconds(final long seconds)
    {
        return seconds * 1_000_000_000L;
    }

    static long millis(final long millis)
    {
        return millis * 1_000_000L;
    }
}
