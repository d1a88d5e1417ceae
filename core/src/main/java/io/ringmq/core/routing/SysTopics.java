package io.ringmq.core.routing;

import io.ringmq.core.journal.Journal;
import io.ringmq.store.log.MessageLog;

import io.ringmq.core.session.Message;
import io.ringmq.core.status.BrokerCounters;
import io.ringmq.core.status.TransportStats;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Publishes broker statistics under {@code $SYS/broker/...} with Mosquitto-compatible names, as retained QoS 0
 * messages, every interval; a value is published again only when it changed.
 * <p>
 * <b>Threading:</b> Router thread only (driven by timer ticks on the ring).
 */
final class SysTopics
{
    /** Version string published on {@code $SYS/broker/version}. */
    static final String VERSION = "ringmq " + versionOf();

    private final long intervalNs;
    private final BrokerCounters counters;
    private final TransportStats transport;
    private final Consumer<Message> publisher;
    private final IntSupplier sessions;
    private final IntSupplier retainedCount;
    private final IntSupplier subscriptionCount;
    private final Journal journal;
    private final Map<String, String> lastPublished = new HashMap<>();
    private long startNs = -1;
    private long nextNs;

    SysTopics(
        final int intervalSeconds,
        final BrokerCounters counters,
        final TransportStats transport,
        final Consumer<Message> publisher,
        final IntSupplier sessions,
        final IntSupplier retainedCount,
        final IntSupplier subscriptionCount,
        final Journal journal)
    {
        this.journal = journal;
        this.intervalNs = intervalSeconds * 1_000_000_000L;
        this.counters = counters;
        this.transport = transport;
        this.publisher = publisher;
        this.sessions = sessions;
        this.retainedCount = retainedCount;
        this.subscriptionCount = subscriptionCount;
    }

    void onTick(final long nowNs)
    {
        if (startNs < 0)
        {
            startNs = nowNs;
            nextNs = nowNs;
        }
        if (0 == intervalNs || nowNs - nextNs < 0)
        {
            return;
        }
        nextNs = nowNs + intervalNs;
        publish("$SYS/broker/version", VERSION);
        publish("$SYS/broker/uptime", ((nowNs - startNs) / 1_000_000_000L) + " seconds");
        publish("$SYS/broker/clients/connected", counters.clientsConnected);
        publish("$SYS/broker/clients/active", counters.clientsConnected);
        publish("$SYS/broker/clients/total", sessions.getAsInt());
        publish("$SYS/broker/clients/disconnected", Math.max(0, sessions.getAsInt() - counters.clientsConnected));
        publish("$SYS/broker/messages/received", counters.publishReceived);
        publish("$SYS/broker/messages/sent", counters.publishSent);
        publish("$SYS/broker/publish/messages/received", counters.publishReceived);
        publish("$SYS/broker/publish/messages/sent", counters.publishSent);
        publish("$SYS/broker/publish/messages/dropped",
            counters.droppedQos0 + counters.droppedTooLarge + counters.droppedExpired + counters.droppedQueueFull +
            transport.droppedNotWritable());
        publish("$SYS/broker/publish/messages/dropped/queue-full", counters.droppedQueueFull);
        publish("$SYS/broker/publish/messages/refused", counters.refusedNotAuthorized + counters.refusedJournalFull);
        publish("$SYS/broker/retained messages/refused", counters.refusedRetainedFull);
        publish("$SYS/broker/publish/messages/not-authorized", counters.refusedNotAuthorized);
        publish("$SYS/broker/publish/messages/withheld/not-readable", counters.deliveriesNotAuthorized);
        publish("$SYS/broker/clients/refused/authentication", counters.authenticationRefused);
        publish("$SYS/broker/clients/refused/reauthentication", counters.reauthenticationFailed);
        publish("$SYS/broker/publish/acks/held", counters.acksHeld);
        publish("$SYS/broker/clients/stalled", counters.slowSessionsStalled);
        publish("$SYS/broker/load/bytes/received", transport.bytesReceived());
        publish("$SYS/broker/load/bytes/sent", transport.bytesSent());
        publish("$SYS/broker/bytes/received", transport.bytesReceived());
        publish("$SYS/broker/bytes/sent", transport.bytesSent());
        publish("$SYS/broker/subscriptions/count", subscriptionCount.getAsInt());
        publish("$SYS/broker/retained messages/count", retainedCount.getAsInt());
        if (journal.enabled())
        {
            final MessageLog log = journal.log();
            publish("$SYS/broker/store/bytes/used", log.position() - log.startPosition());
            publish("$SYS/broker/store/bytes/disk", log.bytesOnDisk());
            publish("$SYS/broker/store/full", log.isFull() ? 1 : 0);
            publish("$SYS/broker/store/refused", counters.refusedJournalFull);
            publish("$SYS/broker/store/records/refused", journal.refusedRecords());
        }
    }

    private void publish(final String topic, final long value)
    {
        publish(topic, Long.toString(value));
    }

    private void publish(final String topic, final String value)
    {
        if (value.equals(lastPublished.put(topic, value)))
        {
            return;
        }
        publisher.accept(new Message(topic.getBytes(StandardCharsets.UTF_8), null,
            value.getBytes(StandardCharsets.UTF_8), 0, true, -1));
    }

    private static String versionOf()
    {
        final String version = SysTopics.class.getPackage().getImplementationVersion();
        return null == version ? "dev" : version;
    }
}
