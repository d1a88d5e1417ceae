package io.ringmq.transport.config;

import java.util.Locale;

/**
 * One listening socket of the broker: where it binds, which protocol it speaks, and the limits that apply to the
 * connections it accepts. Declared in the {@code listeners:} list of the configuration file, or made from the
 * command-line options for the simple case ({@link ServerConfig}).
 * <p>
 * <b>Threading:</b> mutable while the configuration is read, then handed to the broker and only read (after a
 * thread start). TLS material is reloaded separately ({@link io.ringmq.transport.tls.TlsContextHolder}); these
 * settings never change while the broker runs.
 */
public final class ListenerConfig
{
    /** Path of the WebSocket endpoint unless configured: what MQTT.js, EMQX and HiveMQ use. */
    public static final String DEFAULT_WS_PATH = "/mqtt";
    /** Time a new connection has to finish its TLS handshake, WebSocket upgrade and CONNECT, unless configured. */
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

    /** What a listener speaks on its socket. */
    public enum Protocol
    {
        /** MQTT over plain TCP. */
        MQTT(false, false, 1883),
        /** MQTT over TLS. */
        MQTTS(true, false, 8883),
        /** MQTT over WebSocket. */
        WS(false, true, 8083),
        /** MQTT over WebSocket over TLS. */
        WSS(true, true, 8084);

        private final boolean tls;
        private final boolean webSocket;
        private final int defaultPort;

        Protocol(final boolean tls, final boolean webSocket, final int defaultPort)
        {
            this.tls = tls;
            this.webSocket = webSocket;
            this.defaultPort = defaultPort;
        }

        /** @return whether the listener needs TLS material. */
        public boolean tls()
        {
            return tls;
        }

        /** @return whether MQTT is carried in WebSocket binary frames. */
        public boolean webSocket()
        {
            return webSocket;
        }

        /** @return the port usual for this protocol. */
        public int defaultPort()
        {
            return defaultPort;
        }

        /**
         * @param name {@code mqtt}, {@code mqtts}, {@code ws} or {@code wss}, any case.
         * @return the protocol.
         * @throws IllegalArgumentException naming the accepted values.
         */
        public static Protocol parse(final String name)
        {
            for (final Protocol protocol : values())
            {
                if (protocol.name().equalsIgnoreCase(name.trim()))
                {
                    return protocol;
                }
            }
            throw new IllegalArgumentException("protocol must be mqtt, mqtts, ws or wss: " + name);
        }

        @Override
        public String toString()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether the listener expects a PROXY protocol header (v1 or v2) before the client's bytes. */
    public enum ProxyMode
    {
        /** No header is read: a connection that sends one is a protocol error. */
        OFF,
        /** A header is used when the connection starts with one; connections without one are taken as they are. */
        OPTIONAL,
        /** Every connection must start with a header; one without is closed. */
        REQUIRED;

        /**
         * @param value {@code off}/{@code false}, {@code optional}, {@code required}/{@code true}.
         * @return the mode.
         */
        public static ProxyMode parse(final String value)
        {
            return switch (value.trim().toLowerCase(Locale.ROOT))
            {
                case "off", "false", "none" -> OFF;
                case "optional" -> OPTIONAL;
                case "required", "true", "on" -> REQUIRED;
                default -> throw new IllegalArgumentException("proxy-protocol must be off, optional or required: " +
                    value);
            };
        }

        @Override
        public String toString()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private String name;
    private Protocol protocol = Protocol.MQTT;
    private String bind;
    private int port = -1;
    private String webSocketPath = DEFAULT_WS_PATH;
    private ProxyMode proxyProtocol = ProxyMode.OFF;
    private int maxConnections;
    private double connectRate;
    private int connectBurst;
    private double connectRatePerAddress;
    private int connectBurstPerAddress;
    private int handshakeTimeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS;
    private TlsConfig tls;

    /**
     * Check the listener on its own and fill what defaults to something else: the port from the protocol, the name
     * from protocol and port.
     *
     * @param defaultBind bind address of listeners that name none.
     * @return this.
     * @throws IllegalArgumentException naming the listener and what is wrong.
     */
    public ListenerConfig conclude(final String defaultBind)
    {
        if (null == bind || bind.isBlank())
        {
            bind = defaultBind;
        }
        if (port < 0)
        {
            port = protocol.defaultPort();
        }
        if (null == name || name.isBlank())
        {
            name = protocol + "-" + port;
        }
        if (protocol.tls() && null == tls)
        {
            throw new IllegalArgumentException("listener " + name + ": protocol " + protocol +
                " needs tls settings (cert-file and key-file, or keystore)");
        }
        if (!protocol.tls() && null != tls)
        {
            throw new IllegalArgumentException("listener " + name + ": tls settings given for protocol " + protocol +
                " (use mqtts or wss)");
        }
        if (null != tls)
        {
            try
            {
                tls.conclude();
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("listener " + name + ": " + ex.getMessage(), ex);
            }
        }
        if (protocol.webSocket() && (null == webSocketPath || !webSocketPath.startsWith("/")))
        {
            throw new IllegalArgumentException("listener " + name + ": path must start with /: " + webSocketPath);
        }
        if (connectRate > 0 && connectBurst <= 0)
        {
            connectBurst = (int)Math.max(1, Math.ceil(connectRate));
        }
        if (connectRatePerAddress > 0 && connectBurstPerAddress <= 0)
        {
            connectBurstPerAddress = (int)Math.max(1, Math.ceil(connectRatePerAddress));
        }
        return this;
    }

    /** @return the listener's name, for logs and metrics. */
    public String name()
    {
        return name;
    }

    /**
     * @param name name for logs and metrics.
     * @return this.
     */
    public ListenerConfig name(final String name)
    {
        this.name = name;
        return this;
    }

    /** @return what the listener speaks. */
    public Protocol protocol()
    {
        return protocol;
    }

    /**
     * @param protocol what the listener speaks.
     * @return this.
     */
    public ListenerConfig protocol(final Protocol protocol)
    {
        this.protocol = protocol;
        return this;
    }

    /** @return address to bind. */
    public String bind()
    {
        return bind;
    }

    /**
     * @param bind address to bind; null or blank for the broker's {@code --bind}.
     * @return this.
     */
    public ListenerConfig bind(final String bind)
    {
        this.bind = bind;
        return this;
    }

    /** @return port to bind, 0 for an ephemeral port. */
    public int port()
    {
        return port;
    }

    /**
     * @param port port, 0 for an ephemeral one.
     * @return this.
     */
    public ListenerConfig port(final int port)
    {
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
        }
        this.port = port;
        return this;
    }

    /** @return the HTTP path of the WebSocket endpoint. */
    public String webSocketPath()
    {
        return webSocketPath;
    }

    /**
     * @param path HTTP path of the WebSocket endpoint, starting with /.
     * @return this.
     */
    public ListenerConfig webSocketPath(final String path)
    {
        this.webSocketPath = path;
        return this;
    }

    /** @return whether a PROXY protocol header is read. */
    public ProxyMode proxyProtocol()
    {
        return proxyProtocol;
    }

    /**
     * @param mode whether a PROXY protocol header is read.
     * @return this.
     */
    public ListenerConfig proxyProtocol(final ProxyMode mode)
    {
        this.proxyProtocol = mode;
        return this;
    }

    /** @return connections this listener holds at once, 0 for no limit of its own (the broker's still applies). */
    public int maxConnections()
    {
        return maxConnections;
    }

    /**
     * @param max connections at once, 0 for no limit of the listener's own.
     * @return this.
     */
    public ListenerConfig maxConnections(final int max)
    {
        this.maxConnections = requireNotNegative("max-connections", max);
        return this;
    }

    /** @return new connections per second the listener accepts in all, 0 for no limit. */
    public double connectRate()
    {
        return connectRate;
    }

    /** @return connections above the rate accepted in a burst. */
    public int connectBurst()
    {
        return connectBurst;
    }

    /**
     * @param perSecond new connections per second, 0 for no limit.
     * @param burst     bucket size, 0 for one second's worth.
     * @return this.
     */
    public ListenerConfig connectRate(final double perSecond, final int burst)
    {
        this.connectRate = requireNotNegative("connect-rate", perSecond);
        this.connectBurst = requireNotNegative("connect-burst", burst);
        return this;
    }

    /** @return new connections per second accepted from one source address, 0 for no limit. */
    public double connectRatePerAddress()
    {
        return connectRatePerAddress;
    }

    /** @return connections from one address above its rate accepted in a burst. */
    public int connectBurstPerAddress()
    {
        return connectBurstPerAddress;
    }

    /**
     * @param perSecond new connections per second per source address, 0 for no limit.
     * @param burst     bucket size, 0 for one second's worth.
     * @return this.
     */
    public ListenerConfig connectRatePerAddress(final double perSecond, final int burst)
    {
        this.connectRatePerAddress = requireNotNegative("connect-rate-per-address", perSecond);
        this.connectBurstPerAddress = requireNotNegative("connect-burst-per-address", burst);
        return this;
    }

    /**
     * @return ms a connection has to complete TLS, the WebSocket upgrade and CONNECT (up to the CONNECT's
     *         authentication; the broker then answers the CONNECT itself, a resume in a cluster after at most
     *         {@code Router.LONGEST_CONNACK_WAIT_NS}).
     */
    public int handshakeTimeoutMs()
    {
        return handshakeTimeoutMs;
    }

    /**
     * @param ms time to complete TLS, the WebSocket upgrade and CONNECT, at least 100 ms.
     * @return this.
     */
    public ListenerConfig handshakeTimeoutMs(final int ms)
    {
        if (ms < 100)
        {
            throw new IllegalArgumentException("handshake-timeout must be at least 100 ms: " + ms);
        }
        this.handshakeTimeoutMs = ms;
        return this;
    }

    /** @return TLS settings, null for mqtt and ws. */
    public TlsConfig tls()
    {
        return tls;
    }

    /**
     * @param tls TLS settings.
     * @return this.
     */
    public ListenerConfig tls(final TlsConfig tls)
    {
        this.tls = tls;
        return this;
    }

    private static int requireNotNegative(final String what, final int value)
    {
        if (value < 0)
        {
            throw new IllegalArgumentException(what + " must not be negative: " + value);
        }
        return value;
    }

    private static double requireNotNegative(final String what, final double value)
    {
        if (value < 0 || Double.isNaN(value))
        {
            throw new IllegalArgumentException(what + " must not be negative: " + value);
        }
        return value;
    }

    @Override
    public String toString()
    {
        return name + " (" + protocol + " on " + bind + ":" + port +
            (protocol.webSocket() ? " path " + webSocketPath : "") +
            (proxyProtocol != ProxyMode.OFF ? ", proxy-protocol " + proxyProtocol : "") + ")";
    }
}
