package io.ringmq.transport;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.admin.BrokerControl;
import io.ringmq.transport.admin.BrokerMetrics;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.netty.Listener;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker as the admin API describes it: version, uptime, listeners and JVM figures; its configuration with
 * secrets masked; its metrics; and reload. Reads only what is safe from the HTTP thread: the configuration (read-only
 * after start), the listeners' thread-safe counters, the metrics' collectors.
 * <p>
 * <b>Threading:</b> the HTTP event loop.
 */
final class BrokerStatus implements BrokerControl
{
    private final RingMqBroker broker;
    private final ServerConfig config;
    private final BrokerMetrics metrics;
    private final long startedAtMs = System.currentTimeMillis();

    BrokerStatus(final RingMqBroker broker, final ServerConfig config, final BrokerMetrics metrics)
    {
        this.broker = broker;
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public Map<String, Object> info()
    {
        final Map<String, Object> info = new LinkedHashMap<>();
        final String version = RingMqBroker.class.getPackage().getImplementationVersion();
        info.put("version", null == version ? "development" : version);
        info.put("startedAtMs", startedAtMs);
        info.put("uptimeSeconds", (System.currentTimeMillis() - startedAtMs) / 1000);
        info.put("ready", broker.isReady());
        final List<Map<String, Object>> listeners = new ArrayList<>();
        for (final Listener listener : broker.listeners())
        {
            final ListenerConfig listenerConfig = listener.config();
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", listener.name());
            entry.put("protocol", listenerConfig.protocol().toString());
            entry.put("bind", listenerConfig.bind());
            entry.put("port", listener.port());
            entry.put("connections", listener.connections());
            entry.put("maxConnections", listenerConfig.maxConnections());
            listeners.add(entry);
        }
        info.put("listeners", listeners);
        final Runtime runtime = Runtime.getRuntime();
        final Map<String, Object> jvm = new LinkedHashMap<>();
        jvm.put("javaVersion", Runtime.version().toString());
        jvm.put("processors", runtime.availableProcessors());
        jvm.put("heapUsedBytes", runtime.totalMemory() - runtime.freeMemory());
        jvm.put("heapMaxBytes", runtime.maxMemory());
        jvm.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
        info.put("jvm", jvm);
        return info;
    }

    @Override
    public Map<String, Object> configuration()
    {
        final BrokerConfig broker = config.broker();
        final Map<String, Object> effective = new LinkedHashMap<>();
        effective.put("bind", broker.bindAddress());
        effective.put("port", broker.port());
        effective.put("data-dir", broker.dataDir());
        effective.put("persistence", broker.persistence());
        effective.put("sync", broker.sync());
        effective.put("max-packet-size", broker.maxPacketSize());
        effective.put("max-inflight", broker.maxInflight());
        effective.put("receive-maximum", broker.receiveMaximum());
        effective.put("max-queued-messages", broker.maxQueuedMessages());
        effective.put("max-queued-bytes", broker.maxQueuedBytes());
        effective.put("max-session-expiry", broker.maxSessionExpirySeconds());
        effective.put("ring-size", broker.ringSize());
        effective.put("wait-strategy", broker.effectiveWaitStrategy(Runtime.getRuntime().availableProcessors()));
        effective.put("http-bind", config.httpBind());
        effective.put("http-port", config.httpPort());
        effective.put("http-token", null == config.httpToken() ? null : "****");
        final Map<String, Object> configuration = new LinkedHashMap<>();
        configuration.put("given", config.settings());
        configuration.put("effective", effective);
        return configuration;
    }

    @Override
    public Map<String, Object> metrics()
    {
        return metrics.figures();
    }

    @Override
    public List<String> reload()
    {
        return broker.reload();
    }
}
