package io.ringmq.transport.admin;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import com.lmax.disruptor.RingBuffer;
import io.ringmq.cluster.ClusterStats;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.status.LatencyHistogram;
import io.ringmq.core.status.RouterSnapshot;
import io.ringmq.core.status.TransportStats;
import io.ringmq.transport.admission.ConnectionAdmission;
import io.ringmq.transport.netty.Listener;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The broker's figures as Prometheus metrics: callback collectors that read, at scrape time, the Router's last
 * {@link RouterSnapshot} (published each tick, so never a Router-owned field read racily), the transport's
 * {@link TransportStats} and the listeners' counters (both thread-safe), plus the JVM's own metrics. Counting stays in
 * the broker's allocation-free counters; nothing here runs unless scraped.
 * <p>
 * Names follow the Prometheus conventions: {@code ringmq_} prefix, the unit in the name, {@code _total} on counters
 * (added by the exposition writers).
 * <p>
 * <b>Threading:</b> built by the starting thread; {@link #scrape} runs on the HTTP event loop (one thread).
 */
public final class BrokerMetrics
{
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final Supplier<RouterSnapshot> snapshots;
    /**
     * The Router's figures as the scrape under way on this thread reads them: one snapshot for every metric of a
     * scrape, so that two metrics never come from two snapshots (received from a newer one and sent from an older
     * one would disagree). Set and cleared by {@link #scrape(String)} and {@link #figures()}.
     */
    private final ThreadLocal<RouterSnapshot> pinned = new ThreadLocal<>();

    /** A scrape's body and the content type of the format it is written in. */
    public record Scrape(String contentType, byte[] body)
    {
    }

    /**
     * @param snapshots the Router's last snapshot (thread-safe).
     * @param transport transport figures (thread-safe).
     * @param listeners the broker's listeners (their counters are thread-safe).
     * @param jvm       whether to add the JVM's metrics (memory, GC, threads, classes...).
     */
    public BrokerMetrics(final Supplier<RouterSnapshot> snapshots, final TransportStats transport,
        final List<Listener> listeners, final boolean jvm)
    {
        this.snapshots = snapshots;
        routerCounter("ringmq_messages_received", "PUBLISH packets received from clients",
            RouterSnapshot::publishReceived);
        routerCounter("ringmq_messages_sent", "PUBLISH packets queued for clients", RouterSnapshot::publishSent);
        routerCounter("ringmq_message_payload_received_bytes", "payload bytes received in PUBLISH packets",
            RouterSnapshot::publishBytesReceived);
        counter("ringmq_received_bytes", "bytes read from client sockets", transport::bytesReceived);
        counter("ringmq_sent_bytes", "bytes written to client sockets", transport::bytesSent);
        routerCounter("ringmq_connects_accepted", "connections accepted (CONNACK success)",
            RouterSnapshot::connectsAccepted);
        routerCounter("ringmq_wills_published", "will messages published", RouterSnapshot::willsPublished);
        routerCounter("ringmq_router_errors", "events whose routing failed unexpectedly", RouterSnapshot::routerErrors);
        routerCounter("ringmq_acks_held", "publisher acknowledgements held back for a backed-up subscriber",
            RouterSnapshot::acksHeld);
        clusterCounters();
        routerCounter("ringmq_sessions_stalled", "backed-up sessions that held their publishers for the maximum delay",
            RouterSnapshot::slowSessionsStalled);
        CounterWithCallback.builder().name("ringmq_messages_dropped")
            .help("deliveries dropped, by reason")
            .labelNames("reason")
            .callback(cb ->
            {
                final RouterSnapshot s = snapshot();
                cb.call(s.droppedQos0(), "qos0");
                cb.call(s.droppedQueueFull(), "queue-full");
                cb.call(s.droppedTooLarge(), "too-large");
                cb.call(s.droppedExpired(), "expired");
                cb.call(s.deliveriesNotAuthorized(), "not-authorized");
                cb.call(transport.droppedNotWritable(), "not-writable");
            })
            .register(registry);
        CounterWithCallback.builder().name("ringmq_messages_refused")
            .help("publishes, subscriptions and connects refused, by reason")
            .labelNames("reason")
            .callback(cb ->
            {
                final RouterSnapshot s = snapshot();
                cb.call(s.refusedNotAuthorized(), "not-authorized");
                cb.call(s.refusedJournalFull(), "journal-full");
                cb.call(s.refusedRetainedFull(), "retained-full");
            })
            .register(registry);
        CounterWithCallback.builder().name("ringmq_connects_refused")
            .help("connections refused or closed before they were taken, by reason")
            .labelNames("reason")
            .callback(cb ->
            {
                final RouterSnapshot s = snapshot();
                cb.call(s.authenticationRefused(), "authentication");
                cb.call(s.reauthenticationFailed(), "reauthentication");
                cb.call(s.protocolViolations(), "protocol-violation");
                cb.call(transport.connectionsRefused(), "max-connections");
            })
            .register(registry);
        listenerMetrics(listeners);
        routerGauge("ringmq_clients_connected", "clients connected", RouterSnapshot::clientsConnected);
        routerGauge("ringmq_sessions", "sessions kept, connected or not", RouterSnapshot::sessions);
        routerGauge("ringmq_subscriptions", "subscriptions", RouterSnapshot::subscriptions);
        routerGauge("ringmq_retained_messages", "retained messages", RouterSnapshot::retained);
        routerGauge("ringmq_journal_used_bytes", "bytes of the journal between its start and its tail",
            RouterSnapshot::journalBytesUsed);
        routerGauge("ringmq_journal_disk_bytes", "bytes of journal segment files on disk",
            RouterSnapshot::journalBytesOnDisk);
        routerGauge("ringmq_journal_full", "1 while the journal is full and refuses writes",
            s -> s.journalFull() ? 1 : 0);
        routerCounter("ringmq_journal_records_refused", "records the journal refused (full, or too large)",
            RouterSnapshot::journalRefusedRecords);
        detailMetrics();
        threadCpu();
        if (jvm)
        {
            JvmMetrics.builder().register(registry);
        }
    }

    /** Figures by QoS, protocol version and disconnect reason, offline sessions and operator actions. */
    private void detailMetrics()
    {
        routerGauge("ringmq_sessions_offline", "sessions kept without a connection",
            s -> Math.max(0, s.sessions() - s.clientsConnected()));
        routerGauge("ringmq_sessions_persistent", "sessions kept in the journal (they survive a restart)",
            s -> s.sessionTally().persistentSessions());
        routerGauge("ringmq_queued_messages", "QoS 1/2 deliveries waiting in session queues",
            s -> s.sessionTally().queuedMessages());
        routerGauge("ringmq_queued_bytes", "bytes of the messages waiting in session queues",
            s -> s.sessionTally().queuedBytes());
        byQos("ringmq_messages_received_by_qos", "PUBLISH packets received from clients, by QoS",
            RouterSnapshot::publishReceived);
        byQos("ringmq_messages_sent_by_qos", "PUBLISH packets queued for clients, by the QoS they go out with",
            RouterSnapshot::publishSent);
        GaugeWithCallback.builder().name("ringmq_clients_connected_by_version")
            .help("clients connected, by MQTT protocol version")
            .labelNames("version")
            .callback(cb ->
            {
                final RouterSnapshot s = snapshot();
                cb.call(s.clientsConnected(MqttVersion.MQTT_3_1), "3.1");
                cb.call(s.clientsConnected(MqttVersion.MQTT_3_1_1), "3.1.1");
                cb.call(s.clientsConnected(MqttVersion.MQTT_5), "5.0");
            })
            .register(registry);
        CounterWithCallback.builder().name("ringmq_disconnects")
            .help("connections of accepted clients that ended, by reason: the client's DISCONNECT (normal), the "
                + "reason code the broker closed with, or what the transport saw")
            .labelNames("reason")
            .callback(cb ->
            {
                final RouterSnapshot s = snapshot();
                for (int code = 0; code < 256; code++)
                {
                    final long count = s.disconnects(code);
                    if (count > 0 || 0 == code)
                    {
                        cb.call(count, 0 == code ? "normal" : label(ReasonCode.name(code)));
                    }
                }
                for (int reason = 0; reason < CloseReason.COUNT; reason++)
                {
                    if (reason != CloseReason.CLOSED_BY_BROKER)
                    {
                        cb.call(s.connectionsClosed(reason), label(CloseReason.name(reason)));
                    }
                }
            })
            .register(registry);
        CounterWithCallback.builder().name("ringmq_admin_actions")
            .help("operator actions through the admin API, by action")
            .labelNames("action")
            .callback(cb ->
            {
                final RouterSnapshot s = snapshot();
                cb.call(s.adminDisconnects(), "disconnect");
                cb.call(s.adminPublishes(), "publish");
            })
            .register(registry);
    }

    /**
     * The inbound ring's fill level, read at scrape time (the Disruptor's cursor and gating sequences are
     * thread-safe), and how long events wait in it.
     *
     * @param ring    the inbound ring.
     * @param handoff the Router's sampled hand-off times.
     */
    public void ring(final RingBuffer<?> ring, final LatencyHistogram handoff)
    {
        latency("ringmq_ring_handoff_seconds", "time from an event's producer to the Router taking it off the ring "
            + "(one event in 64)", handoff);
        GaugeWithCallback.builder().name("ringmq_ring_used_slots")
            .help("slots of the inbound ring published and not yet consumed by the Router")
            .callback(cb -> cb.call(ring.getBufferSize() - ring.remainingCapacity()))
            .register(registry);
        GaugeWithCallback.builder().name("ringmq_ring_slots").help("slots of the inbound ring")
            .callback(cb -> cb.call(ring.getBufferSize()))
            .register(registry);
    }

    /**
     * This node's cluster figures: nodes up and what happened to the messages forwarded to other nodes.
     *
     * @param stats the node's cluster figures.
     */
    public void cluster(final ClusterStats stats)
    {
        GaugeWithCallback.builder().name("ringmq_cluster_nodes_up")
            .help("nodes this node has a data-plane link to, itself included")
            .callback(cb -> cb.call(stats.nodesUp()))
            .register(registry);
        CounterWithCallback.builder().name("ringmq_cluster_forwards")
            .help("messages forwarded to other nodes, by outcome (one per destination node; route acknowledgements " +
                "included)")
            .labelNames("outcome")
            .callback(cb ->
            {
                cb.call(stats.forwardsSent(), "sent");
                cb.call(stats.forwardsRefused(), "refused");
                cb.call(stats.forwardsDropped(), "dropped");
            })
            .register(registry);
        counter("ringmq_cluster_forwards_queued", "forwards that waited behind a back-pressured node",
            stats::forwardsQueued);
        counter("ringmq_cluster_forwards_received", "messages other nodes forwarded to this one",
            stats::forwardsReceived);
        CounterWithCallback.builder().name("ringmq_cluster_commands")
            .help("control-plane commands (route changes, claims, retained messages, wills) not applied, or not " +
                "known to be, by outcome: dropped (the command queue was full), refused (by the control plane, at " +
                "a bound) or unconfirmed (sent before this node lost its lease, never confirmed: maybe lost)")
            .labelNames("outcome")
            .callback(cb ->
            {
                cb.call(stats.commandsDropped(), "dropped");
                cb.call(stats.commandsRefused(), "refused");
                cb.call(stats.commandsUnconfirmedAtJoin(), "unconfirmed");
            })
            .register(registry);
        counter("ringmq_cluster_control_plane_backlogs_dropped", "node egress backlogs this member's control plane " +
            "dropped at their bound as leader (16,384 events or 16 MiB; those nodes were synced again)",
            stats::controlPlaneBacklogsDropped);
        counter("ringmq_cluster_control_plane_sessions_expired", "directory entries of sessions of nodes that were " +
            "down that this member's control plane ended when the session would have expired there (their clients " +
            "may then start afresh on any node)", stats::controlPlaneSessionsExpired);
        counter("ringmq_cluster_control_plane_session_queries", "questions of nodes about claims still unanswered " +
            "when their syncs ended (the answer may have been lost with a leader; each is answered with the entry " +
            "as it is)", stats::controlPlaneSessionQueries);
        CounterWithCallback.builder().name("ringmq_cluster_control_plane_not_kept")
            .help("what this member's control plane could not keep for the syncs of nodes that were down (past its " +
                "bounds), by what: session_expired (such a node keeps its copy of the session until it expires " +
                "there) or retained_clear (such a node keeps its copy of the topic until it is set or cleared again)")
            .labelNames("what")
            .callback(cb ->
            {
                cb.call(stats.controlPlaneExpiriesNotKept(), "session_expired");
                cb.call(stats.controlPlaneClearsNotKept(), "retained_clear");
            })
            .register(registry);
        counter("ringmq_cluster_commands_resent", "control-plane commands sent again to a new leader because they " +
            "were not confirmed (the control plane applies each once)", stats::commandsResent);
        CounterWithCallback.builder().name("ringmq_cluster_control_plane_wills")
            .help("wills of clients of nodes that went down that this member's control plane had published, by " +
                "outcome: sent (to the node that publishes it) or lost (that node's egress was back-pressured)")
            .labelNames("outcome")
            .callback(cb ->
            {
                cb.call(stats.controlPlaneWillsPublished() - stats.controlPlaneWillsLost(), "sent");
                cb.call(stats.controlPlaneWillsLost(), "lost");
            })
            .register(registry);
    }

    /**
     * The Router-to-event-loop queues' fill level, one per event loop.
     *
     * @param queues the outbound queues, by event loop.
     */
    public void outboundQueues(final OutboundQueue[] queues)
    {
        GaugeWithCallback.builder().name("ringmq_outbound_queue_used_bytes")
            .help("bytes queued from the Router to each event loop and not yet written out")
            .labelNames("loop")
            .callback(cb ->
            {
                for (int i = 0; i < queues.length; i++)
                {
                    cb.call(queues[i].usedBytes(), Integer.toString(i));
                }
            })
            .register(registry);
        GaugeWithCallback.builder().name("ringmq_outbound_queue_capacity_bytes")
            .help("capacity of each event loop's outbound queue")
            .labelNames("loop")
            .callback(cb ->
            {
                for (int i = 0; i < queues.length; i++)
                {
                    cb.call(queues[i].capacityBytes(), Integer.toString(i));
                }
            })
            .register(registry);
    }

    /**
     * How long the journal's forces take.
     *
     * @param forces the journaller's force times.
     */
    public void journalForces(final LatencyHistogram forces)
    {
        latency("ringmq_journal_force_seconds", "time each force (msync) of the journal took", forces);
    }

    /**
     * A broker-internal latency as a Prometheus histogram in seconds, read from its power-of-two buckets at scrape
     * time.
     *
     * @param name      metric name, ending in {@code _seconds}.
     * @param help      what it measures.
     * @param histogram the recorder (thread-safe to read).
     */
    void latency(final String name, final String help, final LatencyHistogram histogram)
    {
        final double[] bounds = new double[LatencyHistogram.BUCKETS];
        for (int i = 0; i < bounds.length; i++)
        {
            final long ns = LatencyHistogram.upperBoundNs(i);
            bounds[i] = Long.MAX_VALUE == ns ? Double.POSITIVE_INFINITY : ns / 1e9;
        }
        final MetricMetadata metadata = new MetricMetadata(name, help, Unit.SECONDS);
        registry.register(new Collector()
        {
            @Override
            public MetricSnapshot collect()
            {
                final long[] counts = new long[LatencyHistogram.BUCKETS];
                histogram.counts(counts);
                return new HistogramSnapshot(metadata, List.of(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                    .sum(histogram.sumNs() / 1e9)
                    .build()));
            }
        });
    }

    /** CPU time of each broker thread (the Router, the event loops, the journaller...): how busy each one is. */
    private void threadCpu()
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported())
        {
            return;
        }
        CounterWithCallback.builder().name("ringmq_thread_cpu_seconds")
            .help("CPU time of each broker thread (ringmq-*)")
            .labelNames("thread")
            .callback(cb ->
            {
                for (final ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds()))
                {
                    if (null != info && info.getThreadName().startsWith("ringmq-"))
                    {
                        final long ns = threads.getThreadCpuTime(info.getThreadId());
                        if (ns >= 0)
                        {
                            cb.call(ns / 1e9, info.getThreadName());
                        }
                    }
                }
            })
            .register(registry);
    }

    private void byQos(final String name, final String help, final QosFigure figure)
    {
        CounterWithCallback.builder().name(name).help(help)
            .labelNames("qos")
            .callback(cb ->
            {
                final RouterSnapshot s = snapshot();
                for (int qos = 0; qos <= 2; qos++)
                {
                    cb.call(figure.value(s, qos), Integer.toString(qos));
                }
            })
            .register(registry);
    }

    /** A figure of the snapshot by QoS. */
    @FunctionalInterface
    private interface QosFigure
    {
        long value(RouterSnapshot snapshot, int qos);
    }

    /** @return a reason's name as a label value: lower case, words joined by '-'. */
    private static String label(final String name)
    {
        return name.toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
    }

    private void listenerMetrics(final List<Listener> listeners)
    {
        GaugeWithCallback.builder().name("ringmq_listener_connections")
            .help("connections open on each listener")
            .labelNames("listener")
            .callback(cb -> eachListener(listeners, l -> cb.call(l.connections(), l.name())))
            .register(registry);
        CounterWithCallback.builder().name("ringmq_listener_connections_accepted")
            .help("connections each listener accepted at the socket")
            .labelNames("listener")
            .callback(cb -> eachListener(listeners, l -> cb.call(l.accepted(), l.name())))
            .register(registry);
        CounterWithCallback.builder().name("ringmq_listener_connections_refused")
            .help("connections each listener refused or closed before CONNECT, by reason")
            .labelNames("listener", "reason")
            .callback(cb -> eachListener(listeners, l ->
            {
                for (int reason = 1; reason < ConnectionAdmission.REASONS; reason++)
                {
                    cb.call(l.admission().refused(reason), l.name(), ConnectionAdmission.reasonName(reason));
                }
            }))
            .register(registry);
        CounterWithCallback.builder().name("ringmq_listener_tls_handshake_failures")
            .help("TLS handshakes that failed on each listener")
            .labelNames("listener")
            .callback(cb -> eachListener(listeners, l -> cb.call(l.tlsHandshakeFailures(), l.name())))
            .register(registry);
    }

    private static void eachListener(final List<Listener> listeners, final Consumer<Listener> action)
    {
        for (final Listener listener : listeners)
        {
            action.accept(listener);
        }
    }

    /** The Router's cluster figures: acknowledged forwards, replay, session hand-offs. */
    private void clusterCounters()
    {
        routerCounter("ringmq_cluster_acks_awaiting_forward",
            "publisher acknowledgements that waited for other nodes to take the message's forwards",
            RouterSnapshot::acksAwaitingForward);
        routerCounter("ringmq_cluster_acks_before_forward_taken",
            "acknowledgements released before another node took the forward (a publisher past its window)",
            RouterSnapshot::acksBeforeForwardTaken);
        routerCounter("ringmq_cluster_forward_ack_timeouts",
            "waits for a live node's forward acknowledgements that timed out (its publishers released)",
            RouterSnapshot::forwardAckTimeouts);
        routerCounter("ringmq_cluster_publishers_held_for_nodes",
            "local publishers held for a backed-up session on another node, once per hold",
            RouterSnapshot::publishersHeldForNodes);
        routerCounter("ringmq_cluster_publisher_hold_timeouts",
            "holds asked by other nodes that ended here without their release (their publishers released)",
            RouterSnapshot::publisherHoldTimeouts);
        routerCounter("ringmq_cluster_publisher_holds_refused",
            "requests of other nodes to hold a publisher refused at the bound of holds",
            RouterSnapshot::publisherHoldsRefused);
        routerCounter("ringmq_cluster_forwards_kept",
            "QoS 1/2 forwards kept for a node that was down, replayed when it is back", RouterSnapshot::forwardsKept);
        routerCounter("ringmq_cluster_forwards_replayed",
            "kept forwards sent again to a node back up or whose link was opened again",
            RouterSnapshot::forwardsReplayed);
        routerCounter("ringmq_cluster_forwards_not_kept",
            "forwards not kept for a node (its box full, down past the hold, QoS 0 behind a replay, or kept in " +
            "memory only because the journal refused it)",
            RouterSnapshot::forwardsNotKept);
        routerCounter("ringmq_cluster_forwards_expired_kept",
            "kept forwards whose message expired before they could be sent", RouterSnapshot::forwardsExpiredKept);
        routerCounter("ringmq_cluster_forward_duplicates",
            "forwards discarded because this node had routed them already (sent again after a lost acknowledgement)",
            RouterSnapshot::forwardDuplicates);
        routerCounter("ringmq_cluster_connects_refused",
            "connections refused (0x88) while the node could not reach the cluster's control plane",
            RouterSnapshot::refusedClusterUnreachable);
        routerCounter("ringmq_cluster_sessions_handed_out",
            "sessions handed over to another node whose client resumed them there", RouterSnapshot::sessionsHandedOut);
        routerCounter("ringmq_cluster_sessions_handed_in", "sessions taken over from another node",
            RouterSnapshot::sessionsHandedIn);
        routerCounter("ringmq_cluster_handoffs_failed",
            "session resumes refused (0x88: the session's node is down or did not answer) or hand-offs cut short",
            RouterSnapshot::handoffsFailed);
        routerCounter("ringmq_cluster_sessions_expired_while_down", "sessions recovered from the journal that " +
            "expired in the cluster while this node was down, dropped at its first sync",
            RouterSnapshot::sessionsExpiredWhileDown);
    }

    private void routerCounter(final String name, final String help, final ToLongFunction<RouterSnapshot> value)
    {
        CounterWithCallback.builder().name(name).help(help)
            .callback(cb -> cb.call(value.applyAsLong(snapshot())))
            .register(registry);
    }

    private void counter(final String name, final String help, final java.util.function.LongSupplier value)
    {
        CounterWithCallback.builder().name(name).help(help)
            .callback(cb -> cb.call(value.getAsLong()))
            .register(registry);
    }

    private void routerGauge(final String name, final String help, final ToLongFunction<RouterSnapshot> value)
    {
        GaugeWithCallback.builder().name(name).help(help)
            .callback(cb -> cb.call(value.applyAsLong(snapshot())))
            .register(registry);
    }

    /**
     * The broker's own metrics (not the JVM's) as plain values for the admin API and the dashboard: one number per
     * unlabelled metric, for a labelled one a map from its label values (joined by {@code /}) to numbers, and for a
     * histogram its {@code count} and {@code sum}. Read
     * from the same collectors as {@code /metrics}, so the two never disagree on a name or a meaning.
     *
     * @return metric name (without {@code _total}) to value, in registration order.
     */
    public Map<String, Object> figures()
    {
        final Map<String, Object> figures = new LinkedHashMap<>();
        for (final MetricSnapshot snapshot : pinnedScrape(() -> registry.scrape(name -> name.startsWith("ringmq_"))))
        {
            final Map<String, Double> labelled = new LinkedHashMap<>();
            Double single = null;
            for (final DataPointSnapshot point : snapshot.getDataPoints())
            {
                final double value;
                if (point instanceof CounterSnapshot.CounterDataPointSnapshot counter)
                {
                    value = counter.getValue();
                }
                else if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot gauge)
                {
                    value = gauge.getValue();
                }
                else if (point instanceof HistogramSnapshot.HistogramDataPointSnapshot histogram)
                {
                    labelled.put("count", (double)histogram.getCount());
                    labelled.put("sum", histogram.getSum());
                    continue;
                }
                else
                {
                    continue;
                }
                final Labels labels = point.getLabels();
                if (labels.isEmpty())
                {
                    single = value;
                }
                else
                {
                    final StringBuilder key = new StringBuilder();
                    for (int i = 0; i < labels.size(); i++)
                    {
                        key.append(i > 0 ? "/" : "").append(labels.getValue(i));
                    }
                    labelled.put(key.toString(), value);
                }
            }
            figures.put(snapshot.getMetadata().getName(), null != single ? single : labelled);
        }
        return figures;
    }

    /**
     * Collect every metric now and write them in the format the Accept header asks for: OpenMetrics when it names
     * {@code application/openmetrics-text}, else the Prometheus text format (the protobuf format is not offered).
     *
     * @param accept the request's Accept header, or null.
     * @return the body and its content type.
     * @throws IOException if a writer fails.
     */
    public Scrape scrape(final String accept) throws IOException
    {
        final ExpositionFormatWriter writer = null != accept && accept.contains("application/openmetrics-text") ?
            formats.getOpenMetricsTextFormatWriter() : formats.getPrometheusTextFormatWriter();
        final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        writer.write(out, pinnedScrape(registry::scrape));
        return new Scrape(writer.getContentType(), out.toByteArray());
    }

    /** @return the Router's figures: those pinned for the scrape under way on this thread, else the latest. */
    private RouterSnapshot snapshot()
    {
        final RouterSnapshot scraping = pinned.get();
        return null != scraping ? scraping : snapshots.get();
    }

    /** Runs a scrape (the collectors run on this thread) with the Router's latest figures pinned for all of it. */
    private MetricSnapshots pinnedScrape(final Supplier<MetricSnapshots> scrape)
    {
        pinned.set(snapshots.get());
        try
        {
            return scrape.get();
        }
        finally
        {
            pinned.remove();
        }
    }
}
