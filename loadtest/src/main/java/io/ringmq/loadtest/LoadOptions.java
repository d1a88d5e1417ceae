package io.ringmq.loadtest;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;

import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Options of one scenario run, declared once here for picocli: each option's name, help and default (in its
 * annotation), its range and conversion (in its setter), and the rules between options ({@link #validate()}). A
 * scenario may change the defaults of its counts ({@link Scenario}). The same options serve every scenario
 * subcommand and the scenario of {@code compare}.
 * <p>
 * <b>Threading:</b> built on the main thread, then read-only.
 */
final class LoadOptions
{
    Scenario scenario;
    String host = "127.0.0.1";
    int port = 1883;
    /** Brokers by role when spread over a cluster; empty: {@link #host}:{@link #port}. */
    List<InetSocketAddress> publisherHosts = new ArrayList<>();
    List<InetSocketAddress> subscriberHosts = new ArrayList<>();
    List<InetSocketAddress> otherHosts = new ArrayList<>();
    int publishers = -1;
    int subscribers = -1;
    int connections = -1;
    int[] qos;
    int payloadBytes;
    @Option(names = "--rate", paramLabel = "R", defaultValue = "0", converter = Rate.class,
        description = "messages/s per publisher, 0 = unlimited [${DEFAULT-VALUE}]")
    double ratePerPublisher;
    @Option(names = "--total-rate", paramLabel = "R", converter = Rate.class,
        description = "messages/s over all publishers (overrides --rate)")
    double totalRate;
    @Option(names = "--ramp-up", paramLabel = "R", defaultValue = "0", converter = Rate.class,
        description = "connections opened per second, 0 = as fast as possible; with "
        + "connect-storm --reconnect also the reconnect rate [${DEFAULT-VALUE}]")
    double rampUpPerSecond;
    int protocol;
    int keepAliveSeconds;
    @Option(names = "--duration", paramLabel = "T", defaultValue = "10s", converter = Duration.class,
        description = "measurement time: 500ms, 10s, 2m [${DEFAULT-VALUE}]")
    long durationNs;
    @Option(names = "--warmup", paramLabel = "T", defaultValue = "1s", converter = Duration.class,
        description = "warm-up time [${DEFAULT-VALUE}]")
    long warmupNs;
    @Option(names = "--drain", paramLabel = "T", defaultValue = "10s", converter = Duration.class,
        description = "max wait for stragglers [${DEFAULT-VALUE}]")
    long drainNs;
    @Option(names = "--quiet-period", paramLabel = "T", defaultValue = "1.5s", converter = Duration.class,
        description = "stop draining after no progress for [${DEFAULT-VALUE}]")
    long quietNs;
    @Option(names = "--connect-timeout", paramLabel = "T", defaultValue = "60s", converter = Duration.class,
        description = "per-connection set-up limit [${DEFAULT-VALUE}]")
    long connectTimeoutNs;
    @Option(names = "--timeout", paramLabel = "T", converter = Duration.class,
        description = "hard limit for the whole run [derived]")
    long hardTimeoutNs;
    int inflight;
    int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    List<String> sourceAddresses = new ArrayList<>();
    int shardIndex;
    int shardCount = 1;
    @Mixin
    final LoadTestCommandLine.ReportFiles report = new LoadTestCommandLine.ReportFiles();
    long brokerPid = -1;
    @Option(names = "--reconnect", description = "connect-storm: churn the connections for --duration")
    boolean reconnect;
    int connectConcurrency;
    @Option(names = "--run-id", paramLabel = "ID",
        description = "topic/client-id prefix [random; \"shared\" with --shard]")
    String runId;
    @Option(names = "--group", paramLabel = "NAME", defaultValue = "lt",
        description = "shared subscription group [${DEFAULT-VALUE}]")
    String group;
    long sessionExpirySeconds;
    /** Subscribers of any scenario keep persistent sessions (the broker journals their QoS 1/2 deliveries). */
    @Option(names = "--persistent-sessions", description = "subscribers of any scenario use persistent sessions "
        + "(expiry --session-expiry), so a broker must store what it queues")
    boolean persistentSessions;
    Boolean progress;
    @Option(names = "--quiet", description = "no progress line")
    boolean quiet;
    int batchBytes;
    int readBufferBytes;
    long startAtEpochMs;
    /** Isolation: how the extra subscriber to '#' misbehaves: connected (never reads), offline (persistent), none. */
    String stalled;
    /** Isolation: after the drain, wait this long for the broker's next $SYS update before reading its counters. */
    @Option(names = "--sys-wait", paramLabel = "T", defaultValue = "2s", converter = Duration.class,
        description = "isolation: wait for the broker's next $SYS update before reading its "
        + "drop/stall counters; at least its $SYS interval [${DEFAULT-VALUE}]")
    long sysWaitNs;
    /** Healthy clients send a PINGREQ every 3/4 keep-alive even while they send other packets (isolation). */
    boolean pingAlways;
    /** MQTT over TLS ({@code --tls}); with {@link #webSocket} secure WebSocket. */
    @Option(names = "--tls", description = "MQTT over TLS (SSLEngine, full handshake per connection; the connect "
        + "time includes it)")
    boolean tls;
    /** MQTT over WebSocket ({@code --websocket}). */
    @Option(names = "--websocket", description = "MQTT over WebSocket (subprotocol mqtt); with --tls, wss")
    boolean webSocket;
    /** PEM CA bundle that signs the broker's certificate. */
    @Option(names = "--cafile", paramLabel = "CA.pem",
        description = "trust the CA of the broker's certificate (host name checked); --tls needs it or --insecure")
    String caFile;
    /** Trust any server certificate and skip the host name check (benchmarking only). */
    @Option(names = "--insecure", description = "trust any server certificate (benchmarking only)")
    boolean insecure;
    /** PEM client certificate chain for mutual TLS. */
    @Option(names = "--certfile", paramLabel = "C.pem", description = "client certificate (PEM chain) for mutual TLS")
    String certFile;
    /** PEM PKCS#8 private key of {@link #certFile}. */
    @Option(names = "--keyfile", paramLabel = "K.pem", description = "private key (PKCS#8) of --certfile")
    String keyFile;
    @Option(names = "--ws-path", paramLabel = "PATH", defaultValue = "/mqtt",
        description = "WebSocket path [${DEFAULT-VALUE}]")
    String webSocketPath;
    String tlsProvider;
    /** User Name sent in every CONNECT ({@code --username}); {@code %d} becomes the client's index. Null for none. */
    @Option(names = "--username", paramLabel = "U", description = "User Name in every CONNECT (also in compare: both "
        + "brokers get it); %%d becomes the client's index [none]")
    String username;
    /** Password sent in every CONNECT ({@code --password}), UTF-8; null for none. */
    byte[] password;
    /** Built by {@link #validate()} from the options above. */
    TransportSettings transport;
    /** Options given on the command line (every name of each), so a scenario can change only the defaults. */
    final Set<String> given = new HashSet<>();

    /** A picocli conversion by one of this class's parsers: its message, without an option name, becomes picocli's. */
    abstract static class Converter<T> implements ITypeConverter<T>
    {
        @Override
        public T convert(final String value)
        {
            try
            {
                return parse(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage().strip());
            }
        }

        abstract T parse(String value);
    }

    /** A duration option (see {@link #duration(String, String)}) in nanoseconds. */
    static final class Duration extends Converter<Long>
    {
        @Override
        Long parse(final String value)
        {
            return duration("", value);
        }
    }

    /** A rate option (see {@link #doubleValue(String, String)}). */
    static final class Rate extends Converter<Double>
    {
        @Override
        Double parse(final String value)
        {
            return doubleValue("", value);
        }
    }

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
        final CommandLine commandLine = LoadTestCommandLine.scenarioCommand(scenario, options);
        try
        {
            commandLine.parseArgs(args.toArray(new String[0]));
        }
        catch (final ParameterException ex)
        {
            throw LoadTestCommandLine.usageError(ex);
        }
        return options.conclude(scenario, commandLine.getParseResult());
    }

    /**
     * After picocli has set the options: note which were given, apply the scenario's defaults, check the rules.
     *
     * @param scenario the subcommand.
     * @param parsed   what picocli matched.
     * @return this.
     * @throws IllegalArgumentException naming the options at fault.
     */
    LoadOptions conclude(final Scenario scenario, final ParseResult parsed)
    {
        this.scenario = scenario;
        for (final OptionSpec option : parsed.matchedOptions())
        {
            given.addAll(Arrays.asList(option.names()));
        }
        scenario.applyDefaults(this);
        validate();
        return this;
    }

    @Option(names = "--host", paramLabel = "H", description = "broker host [127.0.0.1]")
    void host(final String value)
    {
        host = value;
    }

    @Option(names = "--port", paramLabel = "P", description = "broker port [1883]")
    void port(final String value)
    {
        port = intValue("--port", value, 1, 65535);
    }

    @Option(names = "--broker", paramLabel = "H:P", description = "broker address, --host and --port in one")
    void broker(final String value)
    {
        final int colon = value.lastIndexOf(':');
        if (colon <= 0)
        {
            throw new IllegalArgumentException("--broker must be host:port: " + value);
        }
        host = value.substring(0, colon);
        port = intValue("--broker", value.substring(colon + 1), 1, 65535);
    }

    @Option(names = "--hosts", paramLabel = "H:P,...", description = "brokers of a cluster to spread the "
        + "connections over: publishers round robin from the first, subscribers from the second (so even one "
        + "subscriber is on another node than the first publisher), the others round robin")
    void hosts(final String value)
    {
        final List<InetSocketAddress> all = endpoints("--hosts", value);
        publisherHosts = all;
        subscriberHosts = new ArrayList<>(all.subList(1 % all.size(), all.size()));
        subscriberHosts.addAll(all.subList(0, 1 % all.size()));
        otherHosts = all;
    }

    @Option(names = "--publisher-hosts", paramLabel = "H:P,...", description = "brokers the publishers connect "
        + "to, round robin (overrides --hosts for them)")
    void publisherHosts(final String value)
    {
        publisherHosts = endpoints("--publisher-hosts", value);
    }

    @Option(names = "--subscriber-hosts", paramLabel = "H:P,...", description = "brokers the subscribers connect "
        + "to, round robin (overrides --hosts for them)")
    void subscriberHosts(final String value)
    {
        subscriberHosts = endpoints("--subscriber-hosts", value);
    }

    private static List<InetSocketAddress> endpoints(final String option, final String value)
    {
        final List<InetSocketAddress> endpoints = new ArrayList<>();
        for (final String entry : value.split(","))
        {
            final String trimmed = entry.trim();
            final int colon = trimmed.lastIndexOf(':');
            if (colon <= 0)
            {
                throw new IllegalArgumentException(option + " entries must be host:port: " + trimmed);
            }
            endpoints.add(new InetSocketAddress(trimmed.substring(0, colon),
                intValue(option, trimmed.substring(colon + 1), 1, 65535)));
        }
        return endpoints;
    }

    /**
     * @param role  a connection's role.
     * @param index its index within the role.
     * @return the broker it connects to: by --hosts, --publisher-hosts, --subscriber-hosts, else --host:--port.
     */
    InetSocketAddress endpointFor(final int role, final int index)
    {
        final List<InetSocketAddress> hosts = Connection.ROLE_PUBLISHER == role ? publisherHosts :
            Connection.ROLE_SUBSCRIBER == role ? subscriberHosts : otherHosts;
        if (hosts.isEmpty())
        {
            return new InetSocketAddress(host, port);
        }
        return hosts.get(Math.floorMod(index, hosts.size()));
    }

    @Option(names = "--publishers", paramLabel = "N",
        description = "publishers (fan-in 8, fan-out 1, shared 4, persistent 1)")
    void publishers(final String value)
    {
        publishers = intValue("--publishers", value, 0, Publisher.MAX_PUBLISHER_ID + 1);
    }

    @Option(names = {"--subscribers", "--consumers"}, paramLabel = "N",
        description = "subscribers (fan-in 1, fan-out 100, shared 4, persistent 10)")
    void subscribers(final String value)
    {
        subscribers = intValue("--subscribers", value, 0, 10_000_000);
    }

    @Option(names = {"--pairs", "--connections"}, paramLabel = "N",
        description = "pairs [10]; idle / connect-storm connections [1000]")
    void connections(final String value)
    {
        connections = intValue("--connections", value, 0, 10_000_000);
    }

    @Option(names = "--qos", paramLabel = "0|1|2", defaultValue = "0",
        description = "publish QoS, or a list 0,1,2 = round robin over publishers [${DEFAULT-VALUE}]")
    void qos(final String value)
    {
        qos = qosList(value);
    }

    @Option(names = "--payload", paramLabel = "BYTES", defaultValue = "64",
        description = "payload size, at least 16 (send time + id/sequence) [${DEFAULT-VALUE}]")
    void payload(final String value)
    {
        payloadBytes = intValue("--payload", value, 16, 64 * 1024 * 1024);
    }

    @Option(names = "--protocol", paramLabel = "4|5", defaultValue = "4",
        description = "MQTT 3.1.1 or 5.0 [${DEFAULT-VALUE}]")
    void protocol(final String value)
    {
        protocol = intValue("--protocol", value, 3, 5);
        if (protocol == 3)
        {
            throw new IllegalArgumentException("--protocol must be 4 (3.1.1) or 5");
        }
    }

    @Option(names = "--keep-alive", paramLabel = "S", defaultValue = "60",
        description = "seconds; PINGREQ after 3/4 of it without sending [${DEFAULT-VALUE}]")
    void keepAlive(final String value)
    {
        keepAliveSeconds = intValue("--keep-alive", value, 0, 65535);
    }

    @Option(names = "--inflight", paramLabel = "N", defaultValue = "64",
        description = "QoS 1/2 window per publisher (capped by Receive Maximum) [${DEFAULT-VALUE}]")
    void inflight(final String value)
    {
        inflight = intValue("--inflight", value, 1, 65535);
    }

    @Option(names = "--threads", paramLabel = "N", description = "selector threads [cores/2, 1..4]")
    void threads(final String value)
    {
        threads = intValue("--threads", value, 1, 256);
    }

    @Option(names = "--source-addresses", paramLabel = "LIST",
        description = "bind round robin: 127.0.0.2,127.0.0.3 or 127.0.0.2-127.0.0.20")
    void sourceAddresses(final String value)
    {
        sourceAddresses = addresses(value);
    }

    @Option(names = "--shard", paramLabel = "i/n", description = "run shard i of n of the client ids (several "
        + "processes, same --run-id); combine the JSON files with 'merge'")
    void shard(final String value)
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

    @Option(names = "--broker-pid", paramLabel = "PID", description = "report the broker's RSS (VmRSS) per "
        + "connection, and its CPU and wake-ups (context switches) per thread over the measurement window, from /proc")
    void brokerPid(final String value)
    {
        brokerPid = intValue("--broker-pid", value, 1, Integer.MAX_VALUE);
    }

    @Option(names = "--connect-concurrency", paramLabel = "N", defaultValue = "512",
        description = "connects in progress at once (all threads) [${DEFAULT-VALUE}]")
    void connectConcurrency(final String value)
    {
        connectConcurrency = intValue("--connect-concurrency", value, 1, 1_000_000);
    }

    @Option(names = "--session-expiry", paramLabel = "S", defaultValue = "300",
        description = "persistent sessions, MQTT 5 session expiry [${DEFAULT-VALUE}]")
    void sessionExpiry(final String value)
    {
        sessionExpirySeconds = intValue("--session-expiry", value, 1, Integer.MAX_VALUE);
    }

    @Option(names = "--batch-bytes", paramLabel = "N", defaultValue = "65536",
        description = "write batch size [${DEFAULT-VALUE}]")
    void batchBytes(final String value)
    {
        batchBytes = intValue("--batch-bytes", value, 1024, 16 * 1024 * 1024);
    }

    @Option(names = "--read-buffer", paramLabel = "N", defaultValue = "262144",
        description = "shared read buffer size [${DEFAULT-VALUE}]")
    void readBuffer(final String value)
    {
        readBufferBytes = intValue("--read-buffer", value, 4096, 64 * 1024 * 1024);
    }

    @Option(names = "--start-at", paramLabel = "MS|+T", description = "start publishing at this epoch millisecond "
        + "(or T from now), so separately started shards publish together")
    void startAt(final String value)
    {
        startAtEpochMs = startAt("--start-at", value);
    }

    @Option(names = "--stalled", paramLabel = "MODE", defaultValue = STALLED_CONNECTED, description = "isolation: the "
        + "extra subscriber to '#' never reads its socket (connected), or keeps a persistent session and goes offline "
        + "(offline), or is left out (none) [${DEFAULT-VALUE}]; isolation defaults: --qos 1 --rate 10 --keep-alive 5, "
        + "every healthy client pings once per keep-alive")
    void stalled(final String value)
    {
        stalled = stalledMode(value);
    }

    @Option(names = "--tls-provider", paramLabel = "jdk|openssl", defaultValue = TransportSettings.PROVIDER_JDK,
        description = "TLS implementation: the JDK's SSLEngine, or OpenSSL (BoringSSL, netty-tcnative), much cheaper "
        + "per byte [${DEFAULT-VALUE}]")
    void tlsProvider(final String value)
    {
        tlsProvider = value.toLowerCase(Locale.ROOT);
    }

    @Option(names = "--password", paramLabel = "P", description = "Password in every CONNECT [none]")
    void password(final String value)
    {
        password = value.getBytes(StandardCharsets.UTF_8);
    }

    @Option(names = "--progress", description = "progress line on stderr [only on a terminal]")
    void progress(final boolean on)
    {
        if (on)
        {
            progress = Boolean.TRUE;
        }
    }

    @Option(names = "--no-progress", description = "no progress line on stderr")
    void noProgress(final boolean on)
    {
        if (on)
        {
            progress = Boolean.FALSE;
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
