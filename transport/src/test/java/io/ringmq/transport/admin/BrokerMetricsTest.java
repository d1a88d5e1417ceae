package io.ringmq.transport.admin;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.session.SessionTally;
import io.ringmq.core.status.BrokerCounters;
import io.ringmq.core.status.LatencyHistogram;
import io.ringmq.core.status.RouterSnapshot;
import io.ringmq.core.status.TransportStats;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.netty.Listener;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerMetricsTest
{
    private final AtomicReference<RouterSnapshot> snapshot = new AtomicReference<>(RouterSnapshot.EMPTY);
    private final AtomicLong bytesReceived = new AtomicLong();
    private final TransportStats transport = new TransportStats()
    {
        @Override
        public long bytesReceived()
        {
            return bytesReceived.get();
        }

        @Override
        public long bytesSent()
        {
            return 11;
        }

        @Override
        public long droppedNotWritable()
        {
            return 5;
        }

        @Override
        public long connectionsRefused()
        {
            return 2;
        }
    };
    private final List<Listener> listeners = List.of(
        new Listener(new ListenerConfig().name("mqtt").port(1883).conclude("127.0.0.1"), null),
        new Listener(new ListenerConfig().name("ws").protocol(ListenerConfig.Protocol.WS).port(8083)
            .conclude("127.0.0.1"), null));

    private static RouterSnapshot snapshotOf(final BrokerCounters counters, final boolean full)
    {
        return new RouterSnapshot(counters, new SessionTally(), 3, 4, 6, true, 4096, 8192, full, 1, 1);
    }

    private static String text(final BrokerMetrics.Scrape scrape)
    {
        return new String(scrape.body(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldExportTheClusterFigures() throws Exception
    {
        snapshot.set(snapshotOf(new BrokerCounters(), false));
        final BrokerMetrics metrics = new BrokerMetrics(snapshot::get, transport, listeners, false);
        final long[] sent = {5};
        metrics.cluster(new io.ringmq.cluster.ClusterStats()
        {
            public int nodeId()
            {
                return 1;
            }

            public int nodesUp()
            {
                return 3;
            }

            public long forwardsSent()
            {
                return sent[0];
            }

            public long forwardsQueued()
            {
                return 4;
            }

            public long forwardsRefused()
            {
                return 2;
            }

            public long forwardsDropped()
            {
                return 1;
            }

            public long forwardsReceived()
            {
                return 6;
            }

            public long commandsDropped()
            {
                return 7;
            }

            public long commandsRefused()
            {
                return 8;
            }
        });
        sent[0] = 50;
        final List<ExpositionParser.Sample> samples = ExpositionParser.parse(text(metrics.scrape(null)), false);
        assertEquals(3, ExpositionParser.value(samples, "ringmq_cluster_nodes_up"));
        assertEquals(50, ExpositionParser.value(samples, "ringmq_cluster_forwards_total", "outcome", "sent"),
            "read at scrape time");
        assertEquals(2, ExpositionParser.value(samples, "ringmq_cluster_forwards_total", "outcome", "refused"));
        assertEquals(1, ExpositionParser.value(samples, "ringmq_cluster_forwards_total", "outcome", "dropped"));
        assertEquals(4, ExpositionParser.value(samples, "ringmq_cluster_forwards_queued_total"));
        assertEquals(6, ExpositionParser.value(samples, "ringmq_cluster_forwards_received_total"));
        assertEquals(7, ExpositionParser.value(samples, "ringmq_cluster_commands_total", "outcome", "dropped"));
        assertEquals(8, ExpositionParser.value(samples, "ringmq_cluster_commands_total", "outcome", "refused"));
    }

    @Test
    void shouldWriteStrictlyValidPrometheusTextWithTheBrokerAndJvmFigures() throws Exception
    {
        final BrokerCounters counters = new BrokerCounters();
        counters.publishReceived = 42;
        counters.droppedQueueFull = 7;
        counters.refusedJournalFull = 9;
        counters.authenticationRefused = 8;
        counters.clientsConnected = 2;
        snapshot.set(snapshotOf(counters, false));
        bytesReceived.set(1000);
        final BrokerMetrics metrics = new BrokerMetrics(snapshot::get, transport, listeners, true);

        final BrokerMetrics.Scrape scrape = metrics.scrape(null);
        assertTrue(scrape.contentType().startsWith("text/plain; version=0.0.4"), scrape.contentType());
        final List<ExpositionParser.Sample> samples = ExpositionParser.parse(text(scrape), false);

        assertEquals(42, ExpositionParser.value(samples, "ringmq_messages_received_total"));
        assertEquals(1000, ExpositionParser.value(samples, "ringmq_received_bytes_total"));
        assertEquals(11, ExpositionParser.value(samples, "ringmq_sent_bytes_total"));
        assertEquals(7, ExpositionParser.value(samples, "ringmq_messages_dropped_total", "reason", "queue-full"));
        assertEquals(5, ExpositionParser.value(samples, "ringmq_messages_dropped_total", "reason", "not-writable"));
        assertEquals(9, ExpositionParser.value(samples, "ringmq_messages_refused_total", "reason", "journal-full"));
        assertEquals(8, ExpositionParser.value(samples, "ringmq_connects_refused_total", "reason", "authentication"));
        assertEquals(2, ExpositionParser.value(samples, "ringmq_connects_refused_total", "reason",
            "max-connections"));
        assertEquals(2, ExpositionParser.value(samples, "ringmq_clients_connected"));
        assertEquals(3, ExpositionParser.value(samples, "ringmq_sessions"));
        assertEquals(4, ExpositionParser.value(samples, "ringmq_subscriptions"));
        assertEquals(6, ExpositionParser.value(samples, "ringmq_retained_messages"));
        assertEquals(4096, ExpositionParser.value(samples, "ringmq_journal_used_bytes"));
        assertEquals(0, ExpositionParser.value(samples, "ringmq_journal_full"));
        assertEquals(0, ExpositionParser.value(samples, "ringmq_listener_connections", "listener", "ws"));
        assertEquals(0, ExpositionParser.value(samples, "ringmq_listener_connections_refused_total", "listener", "mqtt",
            "reason", "listener-full"));
        assertTrue(samples.stream().anyMatch(s -> s.name().startsWith("jvm_memory_")), "JVM metrics are there");
        assertTrue(samples.stream().filter(s -> s.name().startsWith("ringmq_")).allMatch(s -> s.value() >= 0));
    }

    @Test
    void shouldReadTheFiguresAtScrapeTime() throws Exception
    {
        final BrokerMetrics metrics = new BrokerMetrics(snapshot::get, transport, listeners, false);
        assertEquals(0, ExpositionParser.value(ExpositionParser.parse(text(metrics.scrape(null)), false),
            "ringmq_messages_received_total"));

        final BrokerCounters counters = new BrokerCounters();
        counters.publishReceived = 5;
        snapshot.set(snapshotOf(counters, true));
        bytesReceived.set(77);
        final List<ExpositionParser.Sample> samples = ExpositionParser.parse(text(metrics.scrape(null)), false);
        assertEquals(5, ExpositionParser.value(samples, "ringmq_messages_received_total"));
        assertEquals(77, ExpositionParser.value(samples, "ringmq_received_bytes_total"));
        assertEquals(1, ExpositionParser.value(samples, "ringmq_journal_full"));
    }

    @Test
    void shouldReadEveryRouterFigureOfAScrapeFromOneSnapshot() throws Exception
    {
        // The Router publishes a new snapshot every tick, possibly in the middle of a scrape: here at every read.
        final AtomicLong reads = new AtomicLong();
        final BrokerMetrics metrics = new BrokerMetrics(() ->
        {
            final BrokerCounters counters = new BrokerCounters();
            counters.publishReceived = reads.incrementAndGet();
            counters.publishSent = counters.publishReceived;
            return snapshotOf(counters, false);
        }, transport, listeners, false);
        final List<ExpositionParser.Sample> samples = ExpositionParser.parse(text(metrics.scrape(null)), false);
        assertEquals(ExpositionParser.value(samples, "ringmq_messages_received_total"),
            ExpositionParser.value(samples, "ringmq_messages_sent_total"), "received and sent of one snapshot");
        final java.util.Map<String, Object> figures = metrics.figures();
        assertEquals(figures.get("ringmq_messages_received"), figures.get("ringmq_messages_sent"));
    }

    @Test
    void shouldWriteOpenMetricsWhenAskedFor() throws Exception
    {
        final BrokerMetrics metrics = new BrokerMetrics(snapshot::get, transport, listeners, true);
        final BrokerMetrics.Scrape scrape =
            metrics.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8,text/plain;q=0.5");
        assertTrue(scrape.contentType().startsWith("application/openmetrics-text"), scrape.contentType());
        final List<ExpositionParser.Sample> samples = ExpositionParser.parse(text(scrape), true);
        assertEquals(0, ExpositionParser.value(samples, "ringmq_messages_received_total"));
    }

    @Test
    void shouldBreakFiguresDownByQosVersionAndDisconnectReason() throws Exception
    {
        final BrokerCounters counters = new BrokerCounters();
        counters.publishReceivedByQos[1] = 12;
        counters.publishSentByQos[2] = 3;
        counters.clientsByVersion[MqttVersion.MQTT_5] = 4;
        counters.clientsByVersion[MqttVersion.MQTT_3_1_1] = 1;
        counters.disconnectsByReasonCode[ReasonCode.SESSION_TAKEN_OVER] = 6;
        counters.disconnectsByReasonCode[0] = 2;
        counters.connectionsClosedByTransport[CloseReason.KEEP_ALIVE_TIMEOUT] = 9;
        counters.clientsConnected = 5;
        snapshot.set(snapshotOf(counters, false));
        final BrokerMetrics metrics = new BrokerMetrics(snapshot::get, transport, listeners, false);
        final List<ExpositionParser.Sample> samples = ExpositionParser.parse(text(metrics.scrape(null)), false);
        assertEquals(12, ExpositionParser.value(samples, "ringmq_messages_received_by_qos_total", "qos", "1"));
        assertEquals(0, ExpositionParser.value(samples, "ringmq_messages_received_by_qos_total", "qos", "0"));
        assertEquals(3, ExpositionParser.value(samples, "ringmq_messages_sent_by_qos_total", "qos", "2"));
        assertEquals(4, ExpositionParser.value(samples, "ringmq_clients_connected_by_version", "version", "5.0"));
        assertEquals(1, ExpositionParser.value(samples, "ringmq_clients_connected_by_version", "version", "3.1.1"));
        assertEquals(6, ExpositionParser.value(samples, "ringmq_disconnects_total", "reason", "session-taken-over"));
        assertEquals(2, ExpositionParser.value(samples, "ringmq_disconnects_total", "reason", "normal"));
        assertEquals(9, ExpositionParser.value(samples, "ringmq_disconnects_total", "reason", "keep-alive-timeout"));
        assertEquals(0, ExpositionParser.value(samples, "ringmq_sessions_offline"), "3 sessions, 5 connected: not -2");
        assertEquals(6.0, ((java.util.Map<?, ?>)metrics.figures().get("ringmq_disconnects")).get(
            "session-taken-over"), "the JSON figures read the same collectors");
    }

    @Test
    void shouldExportALatencyAsACumulativeHistogramInSeconds() throws Exception
    {
        final LatencyHistogram latency = new LatencyHistogram();
        latency.record(500);
        latency.record(3_000);
        latency.record(2_000_000_000L);
        final BrokerMetrics metrics = new BrokerMetrics(snapshot::get, transport, listeners, false);
        metrics.latency("ringmq_test_seconds", "a test latency", latency);
        final List<ExpositionParser.Sample> samples = ExpositionParser.parse(text(metrics.scrape(null)), false);
        assertEquals(1, ExpositionParser.value(samples, "ringmq_test_seconds_bucket", "le", "1.024E-6"));
        assertEquals(2, ExpositionParser.value(samples, "ringmq_test_seconds_bucket", "le", "4.096E-6"));
        assertEquals(2, ExpositionParser.value(samples, "ringmq_test_seconds_bucket", "le", "1.073741824"));
        assertEquals(3, ExpositionParser.value(samples, "ringmq_test_seconds_bucket", "le", "+Inf"));
        assertEquals(3, ExpositionParser.value(samples, "ringmq_test_seconds_count"));
        assertEquals(2.0000035, ExpositionParser.value(samples, "ringmq_test_seconds_sum"), 1e-9);
    }

    @Test
    void shouldRefuseWhatIsNotTheTextFormat()
    {
        // The parser the tests above rely on must be able to say no.
        assertThrows(IllegalArgumentException.class, () -> ExpositionParser.parse(
            "# TYPE a counter\na_total 1\na_total 2\n", false), "duplicate series");
        assertThrows(IllegalArgumentException.class, () -> ExpositionParser.parse("b 1\n", false), "no TYPE");
        assertThrows(IllegalArgumentException.class, () -> ExpositionParser.parse(
            "# TYPE 9c gauge\n9c 1\n", false), "bad name");
        assertThrows(IllegalArgumentException.class, () -> ExpositionParser.parse(
            "# TYPE d gauge\nd{x=\"1\" 1\n", false), "unterminated labels");
        assertThrows(IllegalArgumentException.class, () -> ExpositionParser.parse(
            "# TYPE e gauge\ne one\n", false), "bad value");
        assertThrows(IllegalArgumentException.class, () -> ExpositionParser.parse(
            "# TYPE f gauge\nf 1\n", true), "OpenMetrics without # EOF");
        assertThrows(IllegalArgumentException.class, () -> ExpositionParser.parse("# random comment\n", false));
    }
}
