package io.ringmq.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ObjLongConsumer;

/**
 * Broker settings with their embedded defaults. Each setting has one name, used both as the command-line option
 * ({@code --name value}) and as the key in a {@code --config} properties file ({@code name=value}).
 * <p>
 * <b>Threading:</b> mutable while the broker is being configured, then handed to the broker; the broker's threads
 * only read it after a happens-before edge (thread start). The exception: the {@link #isReloadable reloadable}
 * settings, which only the Router reads, are changed by a reload on the Router thread itself (single writer).
 */
public final class BrokerConfig
{
    /** Default MQTT TCP port. */
    public static final int DEFAULT_PORT = 1883;
    /** Default maximum packet size in bytes, both directions (1 MiB, as EMQX). */
    public static final int DEFAULT_MAX_PACKET_SIZE = 1024 * 1024;
    /** Largest packet MQTT can express: the four-byte Remaining Length limit plus the fixed header. */
    public static final int MAX_PACKET_SIZE_LIMIT = 268_435_455 + 5;

    private String bindAddress = "0.0.0.0";
    private int port = DEFAULT_PORT;
    private String dataDir = "data";
    private int maxPacketSize = DEFAULT_MAX_PACKET_SIZE;
    private int maxInflight = 256;
    private int receiveMaximum = 1024;
    private int maxQueuedMessages = 10_000;
    private long maxQueuedBytes = 64L * 1024 * 1024;
    private boolean dropOldest;
    private int maxAckDelayMs = 1000;
    private int maxRetainedMessages = 1_000_000;
    private long maxRetainedBytes = 1024L * 1024 * 1024;
    private int maxConnections = 1_000_000;
    private int maxTopicLevels = 128;
    private int topicAliasMaximum = 64;
    /** Event loops as set; 0 until set: {@link #defaultEventLoops(int)} for this machine. */
    private int eventLoops;
    private int ringSize = 65536;
    private int outboundQueueBytes = 16 * 1024 * 1024;
    private int sysIntervalSeconds = 10;
    private int maxKeepAliveSeconds = 65535;
    private long maxSessionExpirySeconds = 0xFFFF_FFFFL;
    private String waitStrategy = "auto";
    private boolean persistence = true;
    private String sync = "batch";
    private int logSegmentSize = 64 * 1024 * 1024;
    private long storeMaxBytes;
    private boolean recoveryAllowCut;
    private String forceMarker;

    /** All settings by option name, for the CLI, the config file and {@code --help}. */
    private static final Map<String, Setting> SETTINGS = new LinkedHashMap<>();
    /** {@code wait-strategy event-loop}: no routing thread, the Router polls the ring from the first event loop. */
    public static final String EVENT_LOOP = "event-loop";
    /** {@code wait-strategy auto} picks {@link #EVENT_LOOP} on machines with at most this many cores. */
    public static final int AUTO_EVENT_LOOP_MAX_CORES = 4;
    /** Machines with at most this many cores get one event loop unless {@code event-loops} is set. */
    public static final int SINGLE_LOOP_MAX_CORES = 2;
    /**
     * Settings a reload may change while the broker runs: those only the Router reads, each time it uses them or
     * from its handlers' limits, which it takes again after a reload. The Router sets them on its own thread (an
     * admin ring event), so they keep a single writer once the broker runs. Every other setting is fixed at start
     * (receive-maximum too: connected clients were told it in their CONNACK).
     */
    private static final Set<String> RELOADABLE = Set.of("max-keep-alive", "max-session-expiry", "max-topic-levels",
        "max-inflight", "max-queued-messages", "max-queued-bytes", "queue-overflow", "max-ack-delay",
        "max-retained-messages", "max-retained-bytes");

    private record Setting(String help, ObjLongConsumer<BrokerConfig> numeric, StringSetter text)
    {
    }

    @FunctionalInterface
    private interface StringSetter
    {
        void set(BrokerConfig config, String value);
    }

    static
    {
        text("bind", "address to listen on (default 0.0.0.0)", (c, v) -> c.bindAddress = v);
        num("port", "MQTT TCP port, 0 for an ephemeral port (default 1883)", (c, v) -> c.port(toInt(v, 0, 65535)));
        text("data-dir", "folder for broker data (default ./data)", (c, v) -> c.dataDir = v);
        num("max-packet-size", "largest MQTT packet accepted or sent, bytes (default 1048576)",
            (c, v) -> c.maxPacketSize = toInt(v, 64, MAX_PACKET_SIZE_LIMIT));
        num("max-inflight", "unacknowledged QoS 1/2 deliveries per client (default 256)",
            (c, v) -> c.maxInflight = toInt(v, 1, 65535));
        num("receive-maximum", "QoS 1/2 publishes a client may have unacknowledged towards the broker (default 1024)",
            (c, v) -> c.receiveMaximum = toInt(v, 1, 65535));
        num("max-queued-messages", "QoS 1/2 messages queued per session beyond the inflight window (default 10000)",
            (c, v) -> c.maxQueuedMessages = toInt(v, 0, Integer.MAX_VALUE));
        num("max-queued-bytes", "bytes of QoS 1/2 messages (topic, properties, payload) queued per session beyond the "
            + "inflight window (default 67108864)", (c, v) -> c.maxQueuedBytes(v));
        text("queue-overflow", "what a session whose queue is full drops: drop-new (the message that does not fit) or "
            + "drop-oldest (its oldest queued message); only that session loses it, counted (default drop-new)",
            BrokerConfig::queueOverflow);
        num("max-ack-delay", "longest time, ms, a publisher's PUBACK/PUBREC may be held while a connected subscriber "
            + "it feeds is backed up (lossless back-pressure); past it that subscriber's overflow is dropped instead; "
            + "0 never holds (default 1000)", (c, v) -> c.maxAckDelayMs = toInt(v, 0, 600_000));
        num("max-retained-messages", "retained messages the broker keeps, $SYS aside; a retained publish past it is "
            + "not retained (MQTT 5 QoS 1/2: refused with 0x97) (default 1000000)",
            (c, v) -> c.maxRetainedMessages = toInt(v, 1, Integer.MAX_VALUE));
        num("max-retained-bytes", "bytes (topic, properties, payload) of retained messages the broker keeps "
            + "(default 1073741824)", (c, v) -> c.maxRetainedBytes = Math.max(1024, v));
        num("max-connections", "concurrent client connections (default 1000000)",
            (c, v) -> c.maxConnections = toInt(v, 1, Integer.MAX_VALUE));
        num("max-topic-levels", "levels in a topic name or filter (default 128)",
            (c, v) -> c.maxTopicLevels = toInt(v, 1, 65535));
        num("topic-alias-maximum", "topic aliases an MQTT 5 client may use towards the broker (default 64)",
            (c, v) -> c.topicAliasMaximum = toInt(v, 0, 65535));
        num("event-loops", "network event-loop threads (default: number of cores; 1 on up to "
            + SINGLE_LOOP_MAX_CORES + " cores)",
            (c, v) -> c.eventLoops = toInt(v, 1, 1024));
        num("ring-size", "slots in the inbound ring, a power of two (default 65536)", (c, v) -> c.ringSize(toInt(v, 64,
            1 << 24)));
        num("outbound-queue-bytes", "bytes of each event loop's outbound queue (default 16777216)",
            (c, v) -> c.outboundQueueBytes = toInt(v, 1 << 16, 1 << 30));
        num("sys-interval", "seconds between $SYS updates, 0 disables them (default 10)",
            (c, v) -> c.sysIntervalSeconds = toInt(v, 0, 86400));
        num("max-keep-alive", "largest keep-alive a client may use, seconds (default 65535)",
            (c, v) -> c.maxKeepAliveSeconds = toInt(v, 1, 65535));
        num("max-session-expiry", "largest session expiry interval granted, seconds (default 4294967295)",
            (c, v) -> c.maxSessionExpirySeconds = Math.max(0, Math.min(v, 0xFFFF_FFFFL)));
        text("wait-strategy", "routing thread wait strategy: auto, event-loop (no routing thread: the first event "
            + "loop routes), phased, blocking, yielding, busy-spin (default "
            + "auto: event-loop on up to " + AUTO_EVENT_LOOP_MAX_CORES + " cores, phased above)",
            BrokerConfig::waitStrategy);
        text("persistence", "journal sessions, QoS 1/2 messages and retained messages under data-dir: true or false "
            + "(default true)", BrokerConfig::persistence);
        text("sync", "durability of the journal: batch (forced to the device once per ring batch before the "
            + "acknowledgements go out: survives power loss) or none (mapped pages: survives a crash of the broker "
            + "process) (default batch)", BrokerConfig::sync);
        num("log-segment-size", "bytes per journal segment file, a power of two (default 67108864)",
            (c, v) -> c.logSegmentSize(toInt(v, 64 * 1024, 1 << 30)));
        num("store-max-bytes", "most bytes of journal on disk, 0 for no limit but the disk (default 0); when full, "
            + "new QoS 1/2 messages are refused (0x97)", (c, v) -> c.storeMaxBytes = Math.max(0, v));
        text("recovery-allow-cut", "when the journal is damaged in the middle and valid records follow the damage, "
            + "cut them (a copy goes to data-dir/log/quarantine) instead of refusing to start: true or false "
            + "(default false)", BrokerConfig::recoveryAllowCut);
        text("force-marker", "testing/diagnostic aid: file into which the journal writes the forced log position "
            + "after every completed force (not forced itself; for power-loss tests); empty for none (default none)",
            BrokerConfig::forceMarker);
    }

    private static void num(final String name, final String help, final ObjLongConsumer<BrokerConfig> setter)
    {
        SETTINGS.put(name, new Setting(help, setter, null));
    }

    private static void text(final String name, final String help, final StringSetter setter)
    {
        SETTINGS.put(name, new Setting(help, null, setter));
    }

    private static int toInt(final long value, final int min, final int max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException("must be between " + min + " and " + max + ": " + value);
        }
        return (int)value;
    }

    /**
     * Apply one setting by its option name.
     *
     * @param name  option name without the leading dashes, e.g. {@code max-inflight}.
     * @param value the value as text.
     * @return this for chaining.
     * @throws IllegalArgumentException naming the setting and what was wrong.
     */
    public BrokerConfig set(final String name, final String value)
    {
        final Setting setting = SETTINGS.get(name);
        if (null == setting)
        {
            throw new IllegalArgumentException("unknown option: " + name);
        }
        try
        {
            if (null != setting.text())
            {
                setting.text().set(this, value.trim());
            }
            else
            {
                setting.numeric().accept(this, Long.parseLong(value.trim()));
            }
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + ": not a number: " + value, ex);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(name + ": " + ex.getMessage(), ex);
        }
        return this;
    }

    /**
     * @param name option name without dashes.
     * @return true if a reload may change it while the broker runs (on the Router thread).
     */
    public static boolean isReloadable(final String name)
    {
        return RELOADABLE.contains(name);
    }

    /**
     * @param name option name without dashes.
     * @return true if the option exists.
     */
    public static boolean isSetting(final String name)
    {
        return SETTINGS.containsKey(name);
    }

    /**
     * Check the rules between settings, once, before the broker starts; each setter already checks its own range.
     * The broker calls it at start-up and refuses to start (one line, exit status 2) when a rule is broken:
     * <ul>
     *     <li>{@code log-segment-size} holds at least two packets of {@code max-packet-size} (with persistence);</li>
     *     <li>{@code outbound-queue-bytes} is a power of two and takes a packet of {@code max-packet-size} in
     *     one record (an eighth of the queue: the ring's largest record);</li>
     *     <li>{@code max-queued-bytes} holds at least one packet of {@code max-packet-size}.</li>
     * </ul>
     *
     * @return this.
     * @throws IllegalArgumentException naming the settings and the rule.
     */
    public BrokerConfig conclude()
    {
        if (persistence && logSegmentSize < 2L * maxPacketSize + 4096)
        {
            throw new IllegalArgumentException("log-segment-size (" + logSegmentSize + ") must be at least twice " +
                "max-packet-size (" + maxPacketSize + ") plus 4096");
        }
        if (Integer.bitCount(outboundQueueBytes) != 1)
        {
            throw new IllegalArgumentException("outbound-queue-bytes (" + outboundQueueBytes +
                ") must be a power of two");
        }
        if (outboundQueueBytes / 8L < maxPacketSize + 64L)
        {
            throw new IllegalArgumentException("outbound-queue-bytes (" + outboundQueueBytes + ") must be at least " +
                "8 times max-packet-size (" + maxPacketSize + ") plus 512");
        }
        if (maxQueuedBytes < maxPacketSize)
        {
            throw new IllegalArgumentException("max-queued-bytes (" + maxQueuedBytes + ") must be at least " +
                "max-packet-size (" + maxPacketSize + ")");
        }
        return this;
    }

    /**
     * Every setting as declared, in declaration order, for the command line and {@code --help}.
     *
     * @return the declarations.
     */
    public static List<SettingDeclaration> declarations()
    {
        final List<SettingDeclaration> declarations = new ArrayList<>(SETTINGS.size());
        for (final Map.Entry<String, Setting> e : SETTINGS.entrySet())
        {
            declarations.add(new SettingDeclaration(e.getKey(), e.getValue().help(), null == e.getValue().text() ?
                SettingDeclaration.Kind.NUMBER : SettingDeclaration.Kind.TEXT));
        }
        return declarations;
    }

    /** @return address to bind. */
    public String bindAddress()
    {
        return bindAddress;
    }

    /**
     * @param bindAddress address to bind.
     * @return this.
     */
    public BrokerConfig bindAddress(final String bindAddress)
    {
        this.bindAddress = bindAddress;
        return this;
    }

    /** @return TCP port, 0 for ephemeral. */
    public int port()
    {
        return port;
    }

    /**
     * @param port TCP port, 0 for ephemeral.
     * @return this.
     */
    public BrokerConfig port(final int port)
    {
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        this.port = port;
        return this;
    }

    /** @return data folder. */
    public String dataDir()
    {
        return dataDir;
    }

    /**
     * @param dataDir data folder.
     * @return this.
     */
    public BrokerConfig dataDir(final String dataDir)
    {
        this.dataDir = dataDir;
        return this;
    }

    /** @return maximum packet size in bytes. */
    public int maxPacketSize()
    {
        return maxPacketSize;
    }

    /**
     * @param maxPacketSize maximum packet size in bytes.
     * @return this.
     */
    public BrokerConfig maxPacketSize(final int maxPacketSize)
    {
        this.maxPacketSize = toInt(maxPacketSize, 64, MAX_PACKET_SIZE_LIMIT);
        return this;
    }

    /** @return outbound QoS 1/2 window per client. */
    public int maxInflight()
    {
        return maxInflight;
    }

    /**
     * @param maxInflight outbound QoS 1/2 window per client.
     * @return this.
     */
    public BrokerConfig maxInflight(final int maxInflight)
    {
        this.maxInflight = toInt(maxInflight, 1, 65535);
        return this;
    }

    /** @return receive maximum announced to MQTT 5 clients. */
    public int receiveMaximum()
    {
        return receiveMaximum;
    }

    /**
     * @param receiveMaximum receive maximum announced to MQTT 5 clients.
     * @return this.
     */
    public BrokerConfig receiveMaximum(final int receiveMaximum)
    {
        this.receiveMaximum = toInt(receiveMaximum, 1, 65535);
        return this;
    }

    /** @return QoS 1/2 messages queued per session beyond the inflight window. */
    public int maxQueuedMessages()
    {
        return maxQueuedMessages;
    }

    /**
     * @param maxQueuedMessages QoS 1/2 messages queued per session beyond the inflight window.
     * @return this.
     */
    public BrokerConfig maxQueuedMessages(final int maxQueuedMessages)
    {
        this.maxQueuedMessages = toInt(maxQueuedMessages, 0, Integer.MAX_VALUE);
        return this;
    }

    /** @return bytes of QoS 1/2 messages queued per session beyond the inflight window. */
    public long maxQueuedBytes()
    {
        return maxQueuedBytes;
    }

    /**
     * @param bytes bytes of QoS 1/2 messages queued per session beyond the inflight window.
     * @return this.
     */
    public BrokerConfig maxQueuedBytes(final long bytes)
    {
        if (bytes < 1024)
        {
            throw new IllegalArgumentException("must be at least 1024: " + bytes);
        }
        this.maxQueuedBytes = bytes;
        return this;
    }

    /** @return true if a full session queue drops its oldest message, false if it drops the new one. */
    public boolean dropOldest()
    {
        return dropOldest;
    }

    /**
     * @param policy {@code drop-new} or {@code drop-oldest}.
     * @return this.
     */
    public BrokerConfig queueOverflow(final String policy)
    {
        this.dropOldest = switch (policy)
        {
            case "drop-new" -> false;
            case "drop-oldest" -> true;
            default -> throw new IllegalArgumentException("must be drop-new or drop-oldest: " + policy);
        };
        return this;
    }

    /** @return longest time, ms, a publisher's acknowledgements are held for a backed-up subscriber; 0 never. */
    public int maxAckDelayMs()
    {
        return maxAckDelayMs;
    }

    /**
     * @param ms longest time a publisher's acknowledgements are held for a backed-up subscriber; 0 never.
     * @return this.
     */
    public BrokerConfig maxAckDelayMs(final int ms)
    {
        this.maxAckDelayMs = toInt(ms, 0, 600_000);
        return this;
    }

    /** @return retained messages the broker keeps ($SYS aside). */
    public int maxRetainedMessages()
    {
        return maxRetainedMessages;
    }

    /**
     * @param count retained messages the broker keeps ($SYS aside).
     * @return this.
     */
    public BrokerConfig maxRetainedMessages(final int count)
    {
        this.maxRetainedMessages = toInt(count, 1, Integer.MAX_VALUE);
        return this;
    }

    /** @return bytes of retained messages the broker keeps. */
    public long maxRetainedBytes()
    {
        return maxRetainedBytes;
    }

    /**
     * @param bytes bytes of retained messages the broker keeps.
     * @return this.
     */
    public BrokerConfig maxRetainedBytes(final long bytes)
    {
        this.maxRetainedBytes = Math.max(1024, bytes);
        return this;
    }

    /** @return maximum concurrent connections. */
    public int maxConnections()
    {
        return maxConnections;
    }

    /**
     * @param maxConnections maximum concurrent connections.
     * @return this.
     */
    public BrokerConfig maxConnections(final int maxConnections)
    {
        this.maxConnections = toInt(maxConnections, 1, Integer.MAX_VALUE);
        return this;
    }

    /** @return maximum levels in a topic name or filter. */
    public int maxTopicLevels()
    {
        return maxTopicLevels;
    }

    /**
     * @param maxTopicLevels maximum levels in a topic name or filter.
     * @return this.
     */
    public BrokerConfig maxTopicLevels(final int maxTopicLevels)
    {
        this.maxTopicLevels = toInt(maxTopicLevels, 1, 65535);
        return this;
    }

    /** @return topic aliases accepted from an MQTT 5 client. */
    public int topicAliasMaximum()
    {
        return topicAliasMaximum;
    }

    /**
     * @param topicAliasMaximum topic aliases accepted from an MQTT 5 client.
     * @return this.
     */
    public BrokerConfig topicAliasMaximum(final int topicAliasMaximum)
    {
        this.topicAliasMaximum = toInt(topicAliasMaximum, 0, 65535);
        return this;
    }

    /** @return network event-loop threads: as set, else {@link #defaultEventLoops(int)} for this machine. */
    public int eventLoops()
    {
        return 0 == eventLoops ? defaultEventLoops(Runtime.getRuntime().availableProcessors()) : eventLoops;
    }

    /**
     * Event loops for a machine, unless set: one per core, but a single loop on up to
     * {@link #SINGLE_LOOP_MAX_CORES} cores. There, with the Router on that loop ({@link #EVENT_LOOP}), one thread
     * reads, routes and writes each batch in one wake-up, and the other core is left to the rest of the machine: on
     * 2 cores at 10k QoS 1 msg/s it costs 37% of a core against 58% with two loops, 70% with two loops and a
     * routing thread, and Mosquitto's 47%, and it also moves the most at saturation (tuning.md).
     *
     * @param cores available processors.
     * @return event-loop threads.
     */
    public static int defaultEventLoops(final int cores)
    {
        return cores <= SINGLE_LOOP_MAX_CORES ? 1 : cores;
    }

    /**
     * @param eventLoops network event-loop threads.
     * @return this.
     */
    public BrokerConfig eventLoops(final int eventLoops)
    {
        this.eventLoops = toInt(eventLoops, 1, 1024);
        return this;
    }

    /** @return inbound ring slots. */
    public int ringSize()
    {
        return ringSize;
    }

    /**
     * @param ringSize inbound ring slots, a power of two.
     * @return this.
     */
    public BrokerConfig ringSize(final int ringSize)
    {
        if (Integer.bitCount(ringSize) != 1)
        {
            throw new IllegalArgumentException("ring-size must be a power of 2: " + ringSize);
        }
        this.ringSize = ringSize;
        return this;
    }

    /**
     * Bytes of each event loop's outbound queue, raised if needed so that it holds several maximum-size packets.
     *
     * @return the capacity, a power of two.
     */
    public int outboundQueueBytes()
    {
        final long minimum = 8L * (maxPacketSize + 64L);
        long capacity = Math.max(outboundQueueBytes, minimum);
        capacity = Long.highestOneBit(capacity - 1) << 1;
        return (int)Math.min(capacity, 1 << 30);
    }

    /**
     * @param outboundQueueBytes bytes of each event loop's outbound queue.
     * @return this.
     */
    public BrokerConfig outboundQueueBytes(final int outboundQueueBytes)
    {
        this.outboundQueueBytes = toInt(outboundQueueBytes, 1 << 16, 1 << 30);
        return this;
    }

    /** @return seconds between $SYS updates, 0 for none. */
    public int sysIntervalSeconds()
    {
        return sysIntervalSeconds;
    }

    /**
     * @param sysIntervalSeconds seconds between $SYS updates, 0 for none.
     * @return this.
     */
    public BrokerConfig sysIntervalSeconds(final int sysIntervalSeconds)
    {
        this.sysIntervalSeconds = toInt(sysIntervalSeconds, 0, 86400);
        return this;
    }

    /** @return largest keep-alive a client may use, seconds. */
    public int maxKeepAliveSeconds()
    {
        return maxKeepAliveSeconds;
    }

    /**
     * @param maxKeepAliveSeconds largest keep-alive a client may use, seconds.
     * @return this.
     */
    public BrokerConfig maxKeepAliveSeconds(final int maxKeepAliveSeconds)
    {
        this.maxKeepAliveSeconds = toInt(maxKeepAliveSeconds, 1, 65535);
        return this;
    }

    /** @return largest session expiry interval granted, seconds. */
    public long maxSessionExpirySeconds()
    {
        return maxSessionExpirySeconds;
    }

    /** @return true if state is journaled under the data folder. */
    public boolean persistence()
    {
        return persistence;
    }

    /**
     * @param value true or false.
     * @return this.
     */
    public BrokerConfig persistence(final String value)
    {
        switch (value)
        {
            case "true", "on" -> this.persistence = true;
            case "false", "off" -> this.persistence = false;
            default -> throw new IllegalArgumentException("persistence must be true or false: " + value);
        }
        return this;
    }

    /** @return journal sync setting: none or batch. */
    public String sync()
    {
        return sync;
    }

    /**
     * @param value none or batch.
     * @return this.
     */
    public BrokerConfig sync(final String value)
    {
        if (!"none".equals(value) && !"batch".equals(value))
        {
            throw new IllegalArgumentException("sync must be none or batch: " + value);
        }
        this.sync = value;
        return this;
    }

    /** @return bytes per journal segment. */
    public int logSegmentSize()
    {
        return logSegmentSize;
    }

    /**
     * @param bytes bytes per journal segment, a power of two.
     * @return this.
     */
    public BrokerConfig logSegmentSize(final int bytes)
    {
        if (Integer.bitCount(bytes) != 1)
        {
            throw new IllegalArgumentException("log-segment-size must be a power of 2: " + bytes);
        }
        this.logSegmentSize = bytes;
        return this;
    }

    /** @return most bytes of journal on disk, 0 for no limit. */
    public long storeMaxBytes()
    {
        return storeMaxBytes;
    }

    /**
     * @param bytes most bytes of journal on disk, 0 for no limit.
     * @return this.
     */
    public BrokerConfig storeMaxBytes(final long bytes)
    {
        this.storeMaxBytes = Math.max(0, bytes);
        return this;
    }

    /**
     * @return file the journal writes its forced position to after every force (a testing and diagnostic aid), or
     *         null for none.
     */
    public String forceMarker()
    {
        return forceMarker;
    }

    /**
     * @param file path of the force marker file; empty for none.
     * @return this.
     */
    public BrokerConfig forceMarker(final String file)
    {
        this.forceMarker = null == file || file.isEmpty() ? null : file;
        return this;
    }

    /**
     * @return true if start-up recovery may cut valid journal records that follow damage in the log; false to refuse
     *         to start instead. A torn tail (nothing valid after the damage) is cut either way.
     */
    public boolean recoveryAllowCut()
    {
        return recoveryAllowCut;
    }

    /**
     * @param value true or false.
     * @return this.
     */
    public BrokerConfig recoveryAllowCut(final String value)
    {
        switch (value)
        {
            case "true" -> this.recoveryAllowCut = true;
            case "false" -> this.recoveryAllowCut = false;
            default -> throw new IllegalArgumentException("recovery-allow-cut must be true or false: " + value);
        }
        return this;
    }

    /** @return routing-thread wait strategy name as set ({@code auto} unless given). */
    public String waitStrategy()
    {
        return waitStrategy;
    }

    /**
     * The wait strategy of the routing stage: the one set, or for {@code auto} the one that suits the machine.
     * With few cores, {@link #EVENT_LOOP}: no routing thread at all, the Router polls the ring from the first event
     * loop, so no thread waits, spins or is woken for it, and the loop's own packets are routed in the wake-up that
     * read them (on 2 cores at 10k QoS 1 msg/s: a routing thread with phased backoff cost 109% of a core, blocking
     * 65-70%, the event loop 37-58%); with cores to spare, {@code phased}, a routing thread that answers a burst
     * without a wake-up.
     *
     * @param cores available processors.
     * @return event-loop, phased, blocking, yielding or busy-spin.
     */
    public String effectiveWaitStrategy(final int cores)
    {
        if (!"auto".equals(waitStrategy))
        {
            return waitStrategy;
        }
        return cores <= AUTO_EVENT_LOOP_MAX_CORES ? EVENT_LOOP : "phased";
    }

    /**
     * @param waitStrategy one of auto, event-loop, phased, blocking, yielding, busy-spin.
     * @return this.
     */
    public BrokerConfig waitStrategy(final String waitStrategy)
    {
        switch (waitStrategy)
        {
            case "auto", EVENT_LOOP, "phased", "blocking", "yielding", "busy-spin" -> this.waitStrategy = waitStrategy;
            default -> throw new IllegalArgumentException(
                "wait-strategy must be auto, event-loop, phased, blocking, yielding or busy-spin: " + waitStrategy);
        }
        return this;
    }
}
