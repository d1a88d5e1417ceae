package io.ringmq.transport.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.status.LatencyHistogram;
import io.ringmq.core.status.RouterSnapshot;
import io.ringmq.core.status.TransportStats;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.netty.Listener;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard in {@code ops/grafana/ringmq.json} queries only series the broker exports: every metric name
 * in its expressions is in a scrape of {@link BrokerMetrics} with all its sources (and the JVM's).
 */
class GrafanaDashboardTest
{
    private static final Path DASHBOARD = Path.of("..", "ops", "grafana", "ringmq.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:ringmq|jvm)_[a-z0-9_]+)");

    @Test
    void shouldQueryOnlySeriesTheBrokerExports() throws Exception
    {
        final JsonNode dashboard = new ObjectMapper().readTree(Files.readAllBytes(DASHBOARD));
        assertEquals("ringmq", dashboard.path("uid").asText());
        final Set<String> queried = new TreeSet<>();
        for (final JsonNode panel : dashboard.path("panels"))
        {
            assertTrue(panel.path("targets").size() > 0, "panel without a query: " + panel.path("title"));
            for (final JsonNode target : panel.path("targets"))
            {
                final Matcher matcher = METRIC.matcher(target.path("expr").asText());
                while (matcher.find())
                {
                    queried.add(matcher.group(1));
                }
            }
        }
        assertTrue(queried.size() > 20, "names queried: " + queried);

        final BrokerMetrics metrics = new BrokerMetrics(() -> RouterSnapshot.EMPTY, TransportStats.NONE, List.of(
            new Listener(new ListenerConfig().name("mqtt").port(1883).conclude("127.0.0.1"), null)), true);
        final RingBuffer<RingEvent> ring = RingBuffer.createMultiProducer(RingEvent::new, 16);
        metrics.ring(ring, new LatencyHistogram());
        final Runnable noWakeup = () ->
        {
        };
        metrics.outboundQueues(new OutboundQueue[] {new OutboundQueue(4096, noWakeup)});
        metrics.journalForces(new LatencyHistogram());
        // A broker thread, so that the per-thread CPU series has a member.
        final CountDownLatch scraped = new CountDownLatch(1);
        final Thread brokerThread = new Thread(() ->
        {
            try
            {
                scraped.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "ringmq-test");
        brokerThread.start();
        final String text;
        try
        {
            text = new String(metrics.scrape(null).body(), StandardCharsets.UTF_8);
        }
        finally
        {
            scraped.countDown();
            brokerThread.join(5_000);
        }
        final Set<String> exported = new HashSet<>();
        for (final ExpositionParser.Sample sample : ExpositionParser.parse(text, false))
        {
            exported.add(sample.name());
        }
        final Set<String> missing = new TreeSet<>(queried);
        missing.removeAll(exported);
        assertTrue(missing.isEmpty(), "the dashboard queries series the broker does not export: " + missing);
    }
}
