package io.ringmq.core.routing;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.status.LogText;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part in firing wills once, cluster-wide. The node registers each client's will with the control plane
 * when the client connects ({@link SessionLifecycle}) and clears it when it publishes or drops it; while the node is
 * up it fires its clients' wills itself, as a single broker does. If it goes down first, the control plane takes its
 * wills over and has another node publish each once its delay has passed ({@link #onPublish}).
 * <ul>
 *   <li><b>Restart.</b> Wills found in the journal (connections the stop cut off) are held, not published, until the
 *   node's first sync: the sync names every will the control plane took over ({@link ClusterLink#WILL_TAKEN}); those
 *   are the control plane's to publish (or were published), the others (never registered: refused, or lost with a
 *   leader) are this node's, published when due as on a single broker.</li>
 *   <li><b>Every sync.</b> The node has the control plane forget its wills ({@link ClusterLink#resetWills}, not
 *   those taken over) and registers again every will it keeps: a registration or a clear offered to a leader that
 *   was lost never reached the log, and after a partition the majority took over the wills of clients that are still
 *   connected here (it published those already, as for a dead node: for the majority's subscribers those clients
 *   were gone).</li>
 * </ul>
 * <p>
 * Threading: the routing thread only, like the rest of the Router's state.
 */
final class ClusterWills
{
    private static final Logger LOG = LoggerFactory.getLogger(ClusterWills.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final BrokerState state;
    private final SessionLifecycle lifecycle;
    private final InboundPublish publishes;
    private final ForwardCodec reader = new ForwardCodec();
    private final PublishSource parts;
    /** Where a will is written for the control plane; grows to the longest will seen. */
    private final UnsafeBuffer encoded = new UnsafeBuffer(new byte[256]);
    /** One line per 10 s at most for each kind of event below: a node that went down may have had many clients. */
    private final RateLimitedLog takenLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private final RateLimitedLog publishLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    /** Wills recovered from the journal, waiting for the first sync to say whose they are; then empty for good. */
    private final Map<String, JournalRecovery.Will> held = new HashMap<>();

    ClusterWills(final BrokerState state, final SessionLifecycle lifecycle, final InboundPublish publishes)
    {
        this.state = state;
        this.lifecycle = lifecycle;
        this.publishes = publishes;
        this.parts = new PublishSource(state.journal);
    }

    /** A connection is accepted (or registered again): its will, if any, is registered with the control plane. */
    void onConnected(final ClientConnection connection)
    {
        final Message will = connection.will();
        final Session session = connection.session();
        if (null != will && null != session && session.connection() == connection)
        {
            register(connection.clientId(), will, connection.willExpirySeconds(),
                Math.min(connection.willDelaySeconds(), session.expiryIntervalSeconds()), false);
        }
    }

    /**
     * Registers the will with the control plane (nothing without a cluster).
     *
     * @param delaySeconds its delay, bounded by the session expiry (what is left of it if it runs).
     * @param running      whether its delay runs already (the connection ended).
     */
    void register(final String clientId, final Message will, final long expirySeconds, final long delaySeconds,
        final boolean running)
    {
        if (state.cluster.nodeId() < 0 || !parts.from(will, null))
        {
            return;
        }
        final int length = ForwardCodec.length(parts.topicLength(), parts.propertiesLength(), parts.payloadLength());
        if (encoded.capacity() < length)
        {
            encoded.wrap(new byte[Math.max(length, 2 * encoded.capacity())]);
        }
        ForwardCodec.encode(encoded, 0, will.qos(), will.retain(), (int)Math.min(Integer.MAX_VALUE, expirySeconds),
            state.cluster.nodeId(), 0, parts);
        parts.reset();
        state.cluster.registerWill(clientId, encoded, 0, length, delaySeconds, running);
    }

    /**
     * A will the journal had for a connection the stop cut off: due now or after its delay on a single node; held
     * until the first sync in a cluster.
     */
    void onRecovered(final String clientId, final JournalRecovery.Will will)
    {
        if (state.cluster.nodeId() >= 0)
        {
            held.put(clientId, will);
        }
        else
        {
            due(clientId, will);
        }
    }

    /** @return wills recovered and held until the first sync. */
    int held()
    {
        return held.size();
    }

    /** A {@code CLUSTER_SESSION} event of one of the will kinds ({@link ClusterLink#WILL_TAKEN}, {@code SYNCED}). */
    void onEvent(final int kind, final String clientId, final int other)
    {
        if (ClusterLink.WILL_TAKEN == kind)
        {
            onTaken(clientId, 0 != other);
        }
        else
        {
            onSynced();
        }
    }

    private void onTaken(final String clientId, final boolean published)
    {
        final JournalRecovery.Will will = held.remove(clientId);
        if (null == will)
        {
            return;
        }
        final long due = takenLog.onEvent(state.nowNs);
        if (due > 0)
        {
            LOG.info("{} will(s) found in the journal are the control plane's, not published here; the last, of " +
                "'{}', {}", due, LogText.escape(clientId), published ? "published already" : "to publish when due");
        }
        lifecycle.journalWillClear(clientId);
        if (published)
        {
            state.cluster.clearWill(clientId);  // known here now: the control plane may forget it
        }
    }

    private void onSynced()
    {
        state.cluster.resetWills();     // a clear lost with a leader would leave a will for a client long gone
        if (!held.isEmpty())
        {
            LOG.info("{} will(s) found in the journal were never registered with the control plane: due here",
                held.size());
            for (final Map.Entry<String, JournalRecovery.Will> entry : held.entrySet())
            {
                due(entry.getKey(), entry.getValue());
            }
            held.clear();
        }
        for (final ClientConnection connection : state.connections.values())
        {
            if (connection.state() == ClientConnection.CONNECTED)
            {
                onConnected(connection);
            }
        }
        for (final SessionTimers.PendingWill pending : state.timers.pendingWills())
        {
            register(pending.clientId, pending.will, pending.willExpirySeconds,
                Math.max(0, (pending.deadlineNs - state.nowNs) / NANOS_PER_SECOND), true);
        }
    }

    /** Publishes a will now, or schedules it after its delay (bounded by its session's expiry). */
    private void due(final String clientId, final JournalRecovery.Will will)
    {
        final Session session = state.sessions.get(clientId);
        final long delay = null == session ? 0 : Math.min(will.delaySeconds(), session.expiryIntervalSeconds());
        if (0 == delay)
        {
            publishes.publishWill(will.message(), will.expirySeconds());
            lifecycle.clearWill(clientId);
        }
        else
        {
            state.timers.scheduleWill(clientId, will.message(), will.expirySeconds(),
                state.nowNs + delay * NANOS_PER_SECOND);    // registered with the other pending wills
        }
    }

    /**
     * The control plane has this node publish the will of a client of {@code origin}, which went down (a
     * {@code CLUSTER_WILL} ring event): routed here and forwarded like any will.
     */
    void onPublish(final DirectBuffer frame, final int length, final int origin)
    {
        if (!reader.wrap(frame, 0, length))
        {
            state.counters.routerErrors++;
            LOG.warn("a will of {} bytes from the control plane is malformed: dropped", length);
            return;
        }
        final Message will = new Message(frame, reader.topicOffset(), reader.topicLength(), frame,
            reader.propertiesOffset(), reader.propertiesLength(), frame, reader.payloadOffset(), reader.payloadLength(),
            reader.qos(), reader.retain(), -1);
        final long due = publishLog.onEvent(state.nowNs);
        if (due > 0)
        {
            LOG.info("published {} will(s) of clients of nodes that went down, the last on '{}', of node {}", due,
                LogText.escape(will.topicName()), origin);
        }
        publishes.publishWill(will, reader.expirySeconds());
        publishes.clearMatches();
    }
}
