package io.ringmq.transport.config;

import io.ringmq.cluster.ClusterMembers;
import io.ringmq.cluster.ClusterNodeConfig;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.config.SettingDeclaration;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Everything the broker process is configured with: the {@link BrokerConfig} settings, the listeners declared in the
 * configuration file, and the command-line options for the simple case, which start extra listeners on the
 * {@code --bind} address without a file:
 * {@code --mqtts-port PORT --certfile CHAIN.pem --keyfile KEY.pem [--cafile CA.pem] [--require-certificate]
 * [--use-identity-as-username]}, {@code --ws-port PORT}, {@code --wss-port PORT} (same certificate),
 * {@code --ws-path PATH}, {@code --proxy-protocol}.
 * <p>
 * Without {@code listeners:} in the file, the broker has one plain listener on {@code --bind}:{@code --port} plus
 * the extra ones those options ask for. With {@code listeners:} the file says every listener, and the simple-case
 * options are refused as ambiguous.
 * <p>
 * <b>Threading:</b> built by the starting thread, then only read.
 */
public final class ServerConfig
{
    /** Port of the HTTP endpoint of a broker started from the command line (Main); embedded brokers have none. */
    public static final int DEFAULT_HTTP_PORT = 8080;
    /**
     * Start-up warm-up connections of the broker run from the command line: *measured* on 2 cores, the broker's
     * CPU per connection settles after about 15,000 connections (tuning.md, section 5).
     */
    public static final int DEFAULT_WARM_UP_CONNECTIONS = 40_000;
    /** At most this many warm-up connections. */
    static final int MAX_WARM_UP_CONNECTIONS = 1_000_000;
    /** Address of the HTTP endpoint: loopback, so that nothing is exposed unless the operator asks. */
    public static final String DEFAULT_HTTP_BIND = "127.0.0.1";
    private static final Map<String, Option> OPTIONS = new LinkedHashMap<>();
    /** Option names whose values are secrets: never shown (the admin API's configuration masks them). */
    private static final Pattern SECRET = Pattern.compile(
        "token|secret|passphrase|password(?!-file)|header");

    /** @param listener a simple-case listener option (refused beside listeners declared in a file). */
    private record Option(String help, SettingDeclaration.Kind kind, boolean listener,
        BiConsumer<ServerConfig, String> setter)
    {
        boolean flag()
        {
            return SettingDeclaration.Kind.FLAG == kind;
        }
    }

    static
    {
        port("mqtts-port", "port of an MQTT over TLS listener on the bind address, 0 for none (default none; needs "
            + "--certfile and --keyfile)", (c, v) -> c.mqttsPort = port(v));
        value("certfile", "PEM certificate chain (leaf first) of the TLS listeners", (c, v) -> c.certFile = v);
        value("keyfile", "PEM private key (PKCS#8) of the TLS listeners", (c, v) -> c.keyFile = v);
        value("cafile", "PEM CA bundle that signs client certificates; clients may then present one",
            (c, v) -> c.caFile = v);
        flag("require-certificate", "TLS clients must present a certificate signed by --cafile",
            (c, v) -> c.requireCertificate = bool(v));
        flag("use-identity-as-username", "the client certificate's CN becomes the MQTT username (needs --cafile)",
            (c, v) -> c.useIdentityAsUsername = bool(v));
        port("ws-port", "port of an MQTT over WebSocket listener on the bind address, 0 for none (default none)",
            (c, v) -> c.wsPort = port(v));
        port("wss-port", "port of an MQTT over secure WebSocket listener, 0 for none (default none; same "
            + "certificate as --mqtts-port)", (c, v) -> c.wssPort = port(v));
        value("ws-path", "HTTP path of the WebSocket listeners (default /mqtt)", (c, v) -> c.wsPath = v);
        flag("proxy-protocol", "every listener started from the command line requires a PROXY protocol v1/v2 header "
            + "(a load balancer in front)", (c, v) -> c.proxyProtocol = bool(v));
        auth("password-file", "Mosquitto password file (mosquitto_passwd or 'ringmq.jar passwd'); reloaded on SIGHUP "
            + "and when it changes", (c, v) -> c.auth.passwordFile(v));
        auth("acl-file", "Mosquitto acl_file: user/topic/pattern rules with %c and %u; reloaded on SIGHUP and when "
            + "it changes", (c, v) -> c.auth.aclFile(v));
        auth("allow-anonymous", "true|false: accept clients with neither user name nor password (default false once "
            + "any authentication source is configured, else true)", (c, v) -> c.auth.allowAnonymous(bool(v)));
        auth("scram-file", "SCRAM-SHA-256/512 credentials for MQTT 5 enhanced authentication ('ringmq.jar passwd "
            + "--scram')", (c, v) -> c.auth.scramFile(v));
        auth("auth-chain", "order of the authentication sources, comma-separated (certificate, password-file, jwt, "
            + "http, plugin names); 'certificate' accepts a verified TLS client certificate", (c, v) ->
            c.auth.chain(List.of(v.split(","))));
        auth("plugins-dir", "folder of authentication plugin jars (ServiceLoader)", (c, v) -> c.auth.pluginsDir(v));
        number("auth-threads", "threads deciding CONNECT and AUTH off the routing thread (default 4)",
            (c, v) -> c.auth.threads(Integer.parseInt(v)));
        number("auth-queue", "decisions that may wait for an auth thread; more are refused with 0x88 (default 10000)",
            (c, v) -> c.auth.queue(Integer.parseInt(v)));
        number("auth-watch-interval", "ms between checks of the auth files for changes, 0 for SIGHUP only (default "
            + "1000)", (c, v) -> c.auth.watchIntervalMs(Integer.parseInt(v)));
        jwt("public-keys", "JWT: PEM public keys or certificates (RS256, ES256), comma-separated");
        jwt("jwks-file", "JWT: a JWKS file of public keys (kid selects the key)");
        jwt("from", "JWT: where the token is, password (default) or username");
        jwt("require-exp", "JWT: tokens must carry exp (default true)");
        jwt("clock-skew", "JWT: seconds of clock skew allowed for exp and nbf (default 30)");
        jwt("client-id-claim", "JWT: claim that must equal the client id");
        jwt("username-claim", "JWT: claim that must equal the user name");
        jwt("issuer", "JWT: required iss");
        jwt("audience", "JWT: required aud");
        jwt("acl-claim", "JWT: claim holding the client's ACL (EMQX rule list or {pub,sub,all})");
        number("http-port", "port of the HTTP endpoint for health checks and Prometheus metrics, 0 for none "
            + "(default " + DEFAULT_HTTP_PORT + " from the command line; none for a broker embedded in code)",
            (c, v) -> c.httpPort = port(v));
        number("warm-up-connections", "connections the broker makes at start to a throwaway copy of itself on "
            + "loopback, before it listens, so that its connection path is compiled when the first clients arrive; 0 "
            + "for none (default " + DEFAULT_WARM_UP_CONNECTIONS + " from the command line; none for a broker embedded "
            + "in code)", (c, v) -> c.warmUpConnections = intBetween(v, 0, MAX_WARM_UP_CONNECTIONS, "number"));
        setting("http-bind", "address of the HTTP endpoint (default " + DEFAULT_HTTP_BIND + ")",
            (c, v) -> c.httpBind = v);
        setting("http-token", "bearer token for the admin API under /api/ (without one it answers 401); /metrics and "
            + "/health/* stay open", (c, v) -> c.httpToken = v.isEmpty() ? null : v);
        setting("http-certfile", "PEM certificate chain of the HTTP endpoint: it then speaks HTTPS only (needs "
            + "--http-keyfile; reloaded on SIGHUP)", (c, v) -> c.httpCertFile = v.isEmpty() ? null : v);
        setting("http-keyfile", "PEM private key (PKCS#8) of the HTTP endpoint", (c, v) -> c.httpKeyFile =
            v.isEmpty() ? null : v);
        number("node-id", "this node's id in a cluster: its index in --cluster-members (0 first) for a voting "
            + "member, a higher one (up to 63) for a --cluster-client (default: no cluster)",
            (c, v) -> c.nodeId = clusterNodeId(v));
        setting("cluster-members", "the cluster's voting members in node-id order, HOST[:PORT],HOST[:PORT],..., the "
            + "same list on every node; each PORT (default " + ClusterMembers.DEFAULT_BASE_PORT + ") is the base of "
            + "that member's " + ClusterMembers.PORTS_PER_NODE + " ports: ingress, consensus, log, catch-up, archive, "
            + "data plane (see cluster/DESIGN.md)", (c, v) -> c.clusterMembers = v.isEmpty() ? null : v);
        OPTIONS.put("cluster-client", new Option("this node joins the cluster without a vote (needs --node-id past "
            + "the voting members)", SettingDeclaration.Kind.FLAG, false, (c, v) -> c.clusterClient = bool(v)));
        setting("cluster-data", "data-plane endpoint HOST:PORT of a --cluster-client node, where the other nodes "
            + "send it messages (default: the --bind address, 127.0.0.1 for 0.0.0.0, port "
            + (ClusterMembers.DEFAULT_BASE_PORT + ClusterMembers.PORTS_PER_NODE - 1) + ")",
            (c, v) -> c.clusterData = v.isEmpty() ? null : v);
        http("url", "HTTP hook: URL the broker POSTs each CONNECT to (client id, user name, password, address, "
            + "certificate) for allow/deny/ignore");
        http("headers", "HTTP hook: extra request headers, 'Name: value' separated by ';'");
        http("timeout", "HTTP hook: request timeout in ms (default 2000)");
        http("cache-size", "HTTP hook: answers kept (default 10000, 0 for none)");
        http("cache-ttl", "HTTP hook: how long an answer is kept, ms (default 60000)");
        http("fail-open", "HTTP hook: when the service fails, let the next source decide instead of refusing "
            + "(default false)");
    }

    private static void jwt(final String name, final String help)
    {
        auth("jwt-" + name, help, (c, v) -> c.auth.jwt(name, v));
    }

    private static void http(final String name, final String help)
    {
        auth("http-auth-" + name, help, (c, v) -> c.auth.httpHook(name, v));
    }

    private final BrokerConfig broker;
    private final AuthConfig auth = new AuthConfig();
    private final List<ListenerConfig> fileListeners = new ArrayList<>();
    private final Set<String> simpleOptionsGiven = new HashSet<>();
    private int mqttsPort;
    private int wsPort;
    private int wssPort;
    private String wsPath = ListenerConfig.DEFAULT_WS_PATH;
    private String certFile;
    private String keyFile;
    private String caFile;
    private boolean requireCertificate;
    private boolean useIdentityAsUsername;
    private boolean proxyProtocol;
    /**
     * 0 (off) unless set: a broker made in code (every test) must not open a fixed port nobody asked for; Main sets
     * {@link #DEFAULT_HTTP_PORT} before reading the file and the command line.
     */
    private int httpPort;
    /** 0 (none) unless set: Main sets {@link #DEFAULT_WARM_UP_CONNECTIONS}, as for {@link #httpPort}. */
    private int warmUpConnections;
    /** This node's id in a cluster, or -1 for none. */
    private int nodeId = -1;
    private String clusterMembers;
    private boolean clusterClient;
    private String clusterData;
    private String httpBind = DEFAULT_HTTP_BIND;
    private String httpToken;
    private String httpCertFile;
    private String httpKeyFile;
    /**
     * Builds this configuration again from where it came from (the file, re-read, and the same command line), for a
     * reload; null for a configuration made in code. Set once by the starting thread.
     */
    private Supplier<ServerConfig> source;
    /** The broker is the process's own program (the command line), not embedded in someone else's JVM. */
    private boolean ownsProcess;
    /** A throwaway broker of the start-up warm-up: its start, recovery and stop are logged at DEBUG, not INFO. */
    private boolean quiet;
    /** Every option set, file first then command line, in order: what {@link #settings()} shows. */
    private final Map<String, String> given = Collections.synchronizedMap(new LinkedHashMap<>());

    /**
     * @param broker the broker settings.
     */
    public ServerConfig(final BrokerConfig broker)
    {
        this.broker = broker;
    }

    private static void value(final String name, final String help, final BiConsumer<ServerConfig, String> setter)
    {
        OPTIONS.put(name, new Option(help, SettingDeclaration.Kind.TEXT, true, setter));
    }

    /** A simple-case listener's port. */
    private static void port(final String name, final String help, final BiConsumer<ServerConfig, String> setter)
    {
        OPTIONS.put(name, new Option(help, SettingDeclaration.Kind.NUMBER, true, setter));
    }

    private static void flag(final String name, final String help, final BiConsumer<ServerConfig, String> setter)
    {
        OPTIONS.put(name, new Option(help, SettingDeclaration.Kind.FLAG, true, setter));
    }

    /** An authentication setting: valid with listeners declared in a configuration file too. */
    private static void auth(final String name, final String help, final BiConsumer<ServerConfig, String> setter)
    {
        OPTIONS.put(name, new Option(help, SettingDeclaration.Kind.TEXT, false, setter));
    }

    /** A setting outside the listeners (the HTTP endpoint): valid with listeners declared in a file too. */
    private static void setting(final String name, final String help, final BiConsumer<ServerConfig, String> setter)
    {
        OPTIONS.put(name, new Option(help, SettingDeclaration.Kind.TEXT, false, setter));
    }

    /** A numeric setting outside the listeners (authentication, the HTTP endpoint). */
    private static void number(final String name, final String help, final BiConsumer<ServerConfig, String> setter)
    {
        OPTIONS.put(name, new Option(help, SettingDeclaration.Kind.NUMBER, false, setter));
    }

    private static int port(final String value)
    {
        return intBetween(value, 0, 65535, "port number");
    }

    /** An integer setting from {@code min} to {@code max}; {@code what} names it in the message of a non-number. */
    private static int intBetween(final String value, final int min, final int max, final String what)
    {
        final int parsed;
        try
        {
            parsed = Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not a " + what + ": " + value, ex);
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException("must be between " + min + " and " + max + ": " + value);
        }
        return parsed;
    }

    /**
     * @param value {@code true} or {@code false}, any case.
     * @return the value.
     */
    public static boolean bool(final String value)
    {
        return switch (value.trim().toLowerCase(Locale.ROOT))
        {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("must be true or false: " + value);
        };
    }

    /**
     * @param name option name without dashes.
     * @return true if it is one of the simple-case listener options or an authentication setting.
     */
    public static boolean isOption(final String name)
    {
        return OPTIONS.containsKey(name);
    }

    /**
     * @param name option name without dashes.
     * @return true if the option is a flag: on the command line it takes no value.
     */
    public static boolean isFlag(final String name)
    {
        final Option option = OPTIONS.get(name);
        return null != option && option.flag();
    }

    /**
     * Set a simple-case listener option, an authentication setting, or a broker setting.
     *
     * @param name  option name without dashes.
     * @param value the value ({@code true} for a flag given without one).
     * @return this.
     * @throws IllegalArgumentException naming the option.
     */
    public ServerConfig set(final String name, final String value)
    {
        given.put(name, value);
        final Option option = OPTIONS.get(name);
        if (null == option)
        {
            broker.set(name, value);
            return this;
        }
        try
        {
            option.setter().accept(this, value.trim());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(name + ": " + ex.getMessage(), ex);
        }
        if (option.listener())
        {
            simpleOptionsGiven.add(name);
        }
        return this;
    }

    /**
     * The options this configuration was given (from the file, then the command line; a later value replaces an
     * earlier one), with the value of every secret (tokens, passwords, secrets, headers) replaced by {@code ****}.
     *
     * @return option name to value, in the order first given.
     */
    public Map<String, String> settings()
    {
        final Map<String, String> settings = new LinkedHashMap<>();
        synchronized (given)
        {
            given.forEach((name, value) -> settings.put(name, SECRET.matcher(name).find() ? "****" : value));
        }
        return settings;
    }

    /**
     * @param source builds this configuration again from its file and command line (a reload re-reads the file).
     * @return this.
     */
    public ServerConfig source(final Supplier<ServerConfig> source)
    {
        this.source = source;
        return this;
    }

    /**
     * The broker is the process's own program (the command line): it may tune the JVM for itself, such as one full
     * collection at start-up that an application embedding the broker would not want on its heap.
     *
     * @param ownsProcess true when started from the command line.
     * @return this.
     */
    public ServerConfig ownsProcess(final boolean ownsProcess)
    {
        this.ownsProcess = ownsProcess;
        return this;
    }

    /**
     * @param quiet true for a broker whose start, recovery and stop are not the operator's concern (the start-up
     *              warm-up's throwaway brokers): those lines are logged at DEBUG instead of INFO.
     * @return this.
     */
    public ServerConfig quiet(final boolean quiet)
    {
        this.quiet = quiet;
        return this;
    }

    /** @return whether start, recovery and stop are logged at DEBUG only (see {@link #quiet(boolean)}). */
    public boolean quiet()
    {
        return quiet;
    }

    /** @return whether the broker is the process's own program (see {@link #ownsProcess(boolean)}). */
    public boolean ownsProcess()
    {
        return ownsProcess;
    }

    /** @return how to build this configuration again for a reload, or null when it was made in code. */
    public Supplier<ServerConfig> source()
    {
        return source;
    }

    /**
     * The options whose value differs between this configuration and another (a reloaded one), secrets masked.
     *
     * @param other the other configuration.
     * @return option name to {old, new} (null for an option set in only one of them), in option order.
     */
    public Map<String, String[]> changes(final ServerConfig other)
    {
        final Map<String, String[]> changes = new LinkedHashMap<>();
        final Map<String, String> mine;
        final Map<String, String> theirs;
        synchronized (given)
        {
            mine = new LinkedHashMap<>(given);
        }
        synchronized (other.given)
        {
            theirs = new LinkedHashMap<>(other.given);
        }
        final Set<String> names = new LinkedHashSet<>(mine.keySet());
        names.addAll(theirs.keySet());
        for (final String name : names)
        {
            final String before = mine.get(name);
            final String after = theirs.get(name);
            if (!Objects.equals(before, after))
            {
                final boolean secret = SECRET.matcher(name).find();
                changes.put(name, new String[] {secret && null != before ? "****" : before,
                    secret && null != after ? "****" : after});
            }
        }
        return changes;
    }

    /**
     * Check that broker settings changed by a reload still meet the rules between settings together with the
     * settings this configuration runs with ({@link BrokerConfig#conclude()}), without changing anything.
     *
     * @param changes option name to new value.
     * @throws IllegalArgumentException naming the rule they break.
     */
    public void checkBrokerSettings(final Map<String, String> changes)
    {
        final BrokerConfig scratch = new BrokerConfig();
        synchronized (given)
        {
            given.forEach((name, value) ->
            {
                if (BrokerConfig.isSetting(name))
                {
                    scratch.set(name, value);
                }
            });
        }
        changes.forEach(scratch::set);
        scratch.conclude();
    }

    /**
     * A reload applied a setting of another configuration to the running broker: note its value here, so that the
     * next reload compares with it. The value itself was set where it is used (the Router's settings).
     *
     * @param name  the option name.
     * @param other the reloaded configuration it came from.
     */
    public void noteReloaded(final String name, final ServerConfig other)
    {
        given.put(name, other.given.get(name));
    }

    private static int clusterNodeId(final String value)
    {
        final int id;
        try
        {
            id = Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not a node id: " + value, ex);
        }
        if (id < 0 || id >= ClusterMembers.MAX_NODES)
        {
            throw new IllegalArgumentException("must be between 0 and " + (ClusterMembers.MAX_NODES - 1) + ": " +
                value);
        }
        return id;
    }

    /**
     * This node's cluster settings, from {@code --node-id}, {@code --cluster-members}, {@code --cluster-client} and
     * {@code --cluster-data}; its Aeron files go under {@code <data-dir>/cluster}.
     *
     * @return the settings, or null when the node is not in a cluster.
     * @throws IllegalArgumentException when the options do not fit together.
     */
    public ClusterNodeConfig cluster()
    {
        if (nodeId < 0 && null == clusterMembers)
        {
            if (clusterClient || null != clusterData)
            {
                throw new IllegalArgumentException("--cluster-client and --cluster-data need --node-id and "
                    + "--cluster-members");
            }
            return null;
        }
        if (nodeId < 0 || null == clusterMembers)
        {
            throw new IllegalArgumentException("--node-id and --cluster-members go together");
        }
        final ClusterMembers members = ClusterMembers.parse(clusterMembers);
        final File dir = new File(broker.dataDir(), "cluster");
        if (!clusterClient)
        {
            if (null != clusterData)
            {
                throw new IllegalArgumentException("--cluster-data is for a --cluster-client: a voting member's data "
                    + "plane is its entry in --cluster-members");
            }
            return ClusterNodeConfig.votingMember(nodeId, members, dir);
        }
        final String bind = broker.bindAddress();
        String host = "0.0.0.0".equals(bind) || "::".equals(bind) ? "127.0.0.1" : bind;
        int port = ClusterMembers.DEFAULT_BASE_PORT + ClusterMembers.PORTS_PER_NODE - 1;
        if (null != clusterData)
        {
            final int colon = clusterData.lastIndexOf(':');
            if (colon <= 0)
            {
                throw new IllegalArgumentException("--cluster-data must be HOST:PORT: " + clusterData);
            }
            host = clusterData.substring(0, colon);
            port = port(clusterData.substring(colon + 1));
        }
        return ClusterNodeConfig.clusterClient(nodeId, members, host, port, dir);
    }

    /** @return the authentication and authorization settings. */
    public AuthConfig auth()
    {
        return auth;
    }

    /** @return connections of the start-up warm-up, 0 for none. */
    public int warmUpConnections()
    {
        return warmUpConnections;
    }

    /** @return port of the HTTP endpoint (health, metrics), 0 for none. */
    public int httpPort()
    {
        return httpPort;
    }

    /** @return address the HTTP endpoint binds. */
    public String httpBind()
    {
        return httpBind;
    }

    /**
     * @return the HTTP endpoint's TLS settings, concluded, or null for plain HTTP.
     * @throws IllegalArgumentException if only one of the certificate and the key is given.
     */
    public TlsConfig httpTls()
    {
        if (null == httpCertFile && null == httpKeyFile)
        {
            return null;
        }
        if (null == httpCertFile || null == httpKeyFile)
        {
            throw new IllegalArgumentException("--http-certfile and --http-keyfile go together");
        }
        return new TlsConfig().certFile(httpCertFile).keyFile(httpKeyFile).conclude();
    }

    /** @return bearer token of the admin API, or null when none is set (the API then answers 401). */
    public String httpToken()
    {
        return httpToken;
    }

    /** @return the broker settings. */
    public BrokerConfig broker()
    {
        return broker;
    }

    /**
     * @param listener a listener declared in the configuration file.
     * @return this.
     */
    public ServerConfig addListener(final ListenerConfig listener)
    {
        fileListeners.add(listener);
        return this;
    }

    /**
     * The listeners to start, concluded and checked: names and bind address/port pairs unique, TLS settings whole.
     *
     * @return the listeners, in order.
     * @throws IllegalArgumentException naming the listener or option at fault.
     */
    public List<ListenerConfig> listeners()
    {
        final List<ListenerConfig> listeners = new ArrayList<>();
        if (!fileListeners.isEmpty())
        {
            if (!simpleOptionsGiven.isEmpty())
            {
                throw new IllegalArgumentException("the configuration file declares listeners; --" +
                    String.join(", --", simpleOptionsGiven) + " would add to them ambiguously: declare every " +
                    "listener in the file");
            }
            listeners.addAll(fileListeners);
        }
        else
        {
            final ListenerConfig.ProxyMode proxy = proxyProtocol ? ListenerConfig.ProxyMode.REQUIRED :
                ListenerConfig.ProxyMode.OFF;
            listeners.add(new ListenerConfig().name("mqtt").port(broker.port()).proxyProtocol(proxy));
            if (mqttsPort > 0)
            {
                listeners.add(new ListenerConfig().name("mqtts").protocol(ListenerConfig.Protocol.MQTTS)
                    .port(mqttsPort).proxyProtocol(proxy).tls(simpleTls("--mqtts-port")));
            }
            if (wsPort > 0)
            {
                listeners.add(new ListenerConfig().name("ws").protocol(ListenerConfig.Protocol.WS).port(wsPort)
                    .webSocketPath(wsPath).proxyProtocol(proxy));
            }
            if (wssPort > 0)
            {
                listeners.add(new ListenerConfig().name("wss").protocol(ListenerConfig.Protocol.WSS).port(wssPort)
                    .webSocketPath(wsPath).proxyProtocol(proxy).tls(simpleTls("--wss-port")));
            }
            if (0 == mqttsPort && 0 == wssPort && (null != certFile || null != keyFile || null != caFile))
            {
                throw new IllegalArgumentException("--certfile, --keyfile and --cafile are for --mqtts-port or " +
                    "--wss-port, and neither is given");
            }
        }
        final Set<String> names = new HashSet<>();
        final Set<String> addresses = new HashSet<>();
        for (final ListenerConfig listener : listeners)
        {
            listener.conclude(broker.bindAddress());
            if (!names.add(listener.name()))
            {
                throw new IllegalArgumentException("two listeners are named " + listener.name());
            }
            if (listener.port() > 0 && !addresses.add(listener.bind() + ":" + listener.port()))
            {
                throw new IllegalArgumentException("listener " + listener.name() + ": " + listener.bind() + ":" +
                    listener.port() + " is taken by another listener");
            }
        }
        return listeners;
    }

    private TlsConfig simpleTls(final String option)
    {
        if (null == certFile || null == keyFile)
        {
            throw new IllegalArgumentException(option + " needs --certfile and --keyfile");
        }
        final TlsConfig tls = new TlsConfig().certFile(certFile).keyFile(keyFile).caFile(caFile);
        if (requireCertificate)
        {
            tls.clientAuth(TlsConfig.ClientAuth.REQUIRE);
        }
        return tls.useIdentityAsUsername(useIdentityAsUsername);
    }

    /**
     * Every option of this table as declared (the simple-case listener options, the authentication and HTTP
     * settings), in declaration order, for the command line and {@code --help}; the broker settings are
     * {@link BrokerConfig#declarations()}.
     *
     * @return the declarations.
     */
    public static List<SettingDeclaration> declarations()
    {
        final List<SettingDeclaration> declarations = new ArrayList<>(OPTIONS.size());
        for (final Map.Entry<String, Option> e : OPTIONS.entrySet())
        {
            declarations.add(new SettingDeclaration(e.getKey(), e.getValue().help(), e.getValue().kind()));
        }
        return declarations;
    }
}
