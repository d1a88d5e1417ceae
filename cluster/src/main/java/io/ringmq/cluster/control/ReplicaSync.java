package io.ringmq.cluster.control;

import static io.ringmq.cluster.control.ControlMessageDescriptor.MAX_MESSAGE_LENGTH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.NODE_UP;
import static io.ringmq.cluster.control.ControlMessageDescriptor.RETAINED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.RETAINED_CLEARED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_EXPIRED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_ROUTE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SYNC_BEGIN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SYNC_END;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_TAKEN;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.concurrent.TimeUnit;

import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.ringmq.core.cluster.ForwardDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends nodes the whole replicated state (live nodes, the route table and the retained messages), a slice at a
 * time, on the leader, and to each node which of its own wills the control plane took over ({@code WILL_TAKEN}),
 * which of its sessions expired while it was down ({@code SESSION_EXPIRED}) and which topics were cleared meanwhile
 * ({@code RETAINED_CLEARED}).
 * <p>
 * Why slices are consistent: a slice is read from the live state when it is sent, and events go to the node on the
 * same egress stream, in order. So an entry changed behind the cursor reaches the node as an event, one changed
 * ahead of it is read in its new form, and one removed before the cursor reached it is never sent. The node stamps
 * what it receives between {@code SYNC_BEGIN} and {@code SYNC_END} of one generation and, at the end, drops every
 * entry not stamped: what it held from before and missed the removal of. The cursor is a filter, not a position, so
 * changes to the table while a sync is under way do not invalidate it.
 * <p>
 * A record that cannot be sent (back-pressure) is sent again on the next call. An event that a node's egress cannot
 * take now waits in that node's backlog ({@link #send}), with every later one, and goes first on the next call; the
 * node's sync sends nothing while its backlog waits, so the node receives events and records in the order they were
 * generated. (Before, a failed event restarted the sync: a sync larger than the egress window, under a steady flow
 * of events, filled the window, made the next event fail and started over, for ever.) A backlog past
 * {@link #MAX_BACKLOG} events or {@link #MAX_BACKLOG_BYTES} is dropped and the node's sync starts over
 * ({@link #restart}). Every member runs the same syncs, driven by the log (followers'
 * sends are mocked and always succeed, so their cursors may run ahead of the leader's); a new leader's cursors may
 * therefore be ahead of what a node received, and nodes ask a new leader for a sync of their own.
 * <p>
 * Threading: the service container's thread.
 */
final class ReplicaSync
{
    /** Records per node per call of {@link #doWork}. */
    static final int RECORDS_PER_SLICE = 256;
    /** Most events waiting for one node's back-pressured egress. */
    static final int MAX_BACKLOG = 16_384;
    /** Most bytes of events waiting for one node's back-pressured egress. */
    static final long MAX_BACKLOG_BYTES = 16L * 1024 * 1024;

    private static final int PHASE_BEGIN = 0;
    private static final int PHASE_NODES = 1;
    private static final int PHASE_ROUTES = 2;
    private static final int PHASE_RETAINED = 3;
    private static final int PHASE_WILLS = 4;
    private static final int PHASE_EXPIRED = 5;
    private static final int PHASE_CLEARED = 6;
    private static final int PHASE_END = 7;

    /** One node's sync under way. */
    private static final class Sync
    {
        final ClientSession session;
        long generation;
        int phase;
        int nextNode;
        String lastFilter;
        String lastTopic;
        String lastWill;
        String lastExpired;
        String lastCleared;

        Sync(final ClientSession session, final long generation)
        {
            this.session = session;
            this.generation = generation;
        }
    }

    /** Events a node's egress could not take yet, in order. */
    private static final class Backlog
    {
        final ArrayDeque<byte[]> events = new ArrayDeque<>();
        long bytes;
    }

    private final ControlPlaneState state;
    private final long generationBase;
    private final Long2ObjectHashMap<Backlog> backlogs = new Long2ObjectHashMap<>();
    private final UnsafeBuffer backlogView = new UnsafeBuffer(0, 0);
    private final Long2ObjectHashMap<Sync> syncs = new Long2ObjectHashMap<>();
    private final ControlMessageEncoder encoder = new ControlMessageEncoder();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MAX_MESSAGE_LENGTH]);
    private long generations;

    ReplicaSync(final ControlPlaneState state, final int memberId)
    {
        this.state = state;
        this.generationBase = (long)memberId << 48;
    }

    /** Starts (or starts over) a sync for the session. */
    void start(final ClientSession session)
    {
        syncs.put(session.id(), new Sync(session, generationBase | ++generations));
    }

    /** The session missed an event: start its sync over (or start one). */
    void restart(final ClientSession session)
    {
        final Sync sync = syncs.get(session.id());
        if (null == sync)
        {
            start(session);
        }
        else
        {
            sync.generation = generationBase | ++generations;
            sync.phase = PHASE_BEGIN;
            sync.nextNode = 0;
            sync.lastFilter = null;
            sync.lastTopic = null;
            sync.lastWill = null;
            sync.lastExpired = null;
            sync.lastCleared = null;
        }
    }

    void remove(final long clusterSessionId)
    {
        syncs.remove(clusterSessionId);
        backlogs.remove(clusterSessionId);
    }

    /** @return whether a sync or a backlog waits (the caller calls {@link #doWork} again soon). */
    boolean isBusy()
    {
        return !syncs.isEmpty() || !backlogs.isEmpty();
    }

    /**
     * Sends an event to a node after those waiting for it; one its egress cannot take now waits, in order.
     *
     * @return false if the node's backlog was full: it is dropped (this event too) and the node's sync starts over.
     */
    boolean send(final ClientSession session, final DirectBuffer message, final int length)
    {
        Backlog backlog = backlogs.get(session.id());
        if (null == backlog)
        {
            if (session.offer(message, 0, length) >= 0)
            {
                return true;
            }
            backlog = new Backlog();
            backlogs.put(session.id(), backlog);
        }
        if (backlog.events.size() >= MAX_BACKLOG || backlog.bytes + length > MAX_BACKLOG_BYTES)
        {
            backlogs.remove(session.id());
            restart(session);
            return false;
        }
        final byte[] event = new byte[length];
        message.getBytes(0, event);
        backlog.events.add(event);
        backlog.bytes += length;
        return true;
    }

    /** @return true once the backlog is empty. */
    private boolean drain(final ClientSession session, final Backlog backlog)
    {
        while (!backlog.events.isEmpty())
        {
            final byte[] event = backlog.events.peek();
            backlogView.wrap(event);
            if (session.offer(backlogView, 0, event.length) < 0)
            {
                return false;
            }
            backlog.events.poll();
            backlog.bytes -= event.length;
        }
        return true;
    }

    /**
     * Sends the next slice of every sync under way.
     *
     * @param cluster for the sessions still open.
     * @return records sent.
     */
    int doWork(final Cluster cluster)
    {
        int sent = 0;
        final Long2ObjectHashMap<Backlog>.KeyIterator waiting = backlogs.keySet().iterator();
        while (waiting.hasNext())
        {
            final long sessionId = waiting.nextLong();
            final ClientSession session = cluster.getClientSession(sessionId);
            final Backlog backlog = backlogs.get(sessionId);
            final int before = backlog.events.size();
            if (null == session || drain(session, backlog))
            {
                waiting.remove();
            }
            sent += before - backlog.events.size();
        }
        final Iterator<Sync> it = syncs.values().iterator();
        while (it.hasNext())
        {
            final Sync sync = it.next();
            if (null == cluster.getClientSession(sync.session.id()))
            {
                it.remove();
                continue;
            }
            if (backlogs.containsKey(sync.session.id()))
            {
                continue;   // its events first
            }
            final int records = slice(sync, cluster);
            if (records < 0)
            {
                sent += -records;
                it.remove();
            }
            else
            {
                sent += records;
            }
        }
        return sent;
    }

    /** @return records sent, or minus the records sent (the last one included) when the sync is complete. */
    private int slice(final Sync sync, final Cluster cluster)
    {
        int sent = 0;
        while (sent < RECORDS_PER_SLICE)
        {
            switch (sync.phase)
            {
                case PHASE_BEGIN ->
                {
                    if (!offer(sync, SYNC_BEGIN, 0, 0, sync.generation, null))
                    {
                        return sent;
                    }
                    sync.phase = PHASE_NODES;
                }
                case PHASE_NODES ->
                {
                    final long pending = sync.nextNode >= Long.SIZE ? 0 : state.liveNodes() & (-1L << sync.nextNode);
                    if (0 == pending)
                    {
                        sync.phase = PHASE_ROUTES;
                        continue;
                    }
                    final int node = Long.numberOfTrailingZeros(pending);
                    if (!offer(sync, NODE_UP, node, 0, 0, state.endpoint(node)))
                    {
                        return sent;
                    }
                    sync.nextNode = node + 1;
                }
                case PHASE_ROUTES ->
                {
                    final Map.Entry<String, Long> route = null == sync.lastFilter ? state.routes().firstEntry() :
                        state.routes().higherEntry(sync.lastFilter);
                    if (null == route)
                    {
                        sync.phase = PHASE_RETAINED;
                        continue;
                    }
                    if (!offer(sync, SNAPSHOT_ROUTE, 0, 0, route.getValue(), route.getKey()))
                    {
                        return sent;
                    }
                    sync.lastFilter = route.getKey();
                }
                case PHASE_RETAINED ->
                {
                    final Map.Entry<String, ControlPlaneState.Retained> entry = null == sync.lastTopic ?
                        state.retained().firstEntry() : state.retained().higherEntry(sync.lastTopic);
                    if (null == entry)
                    {
                        sync.phase = PHASE_WILLS;
                        continue;
                    }
                    if (!offerRetained(sync, entry.getKey(), entry.getValue(), cluster))
                    {
                        return sent;
                    }
                    sync.lastTopic = entry.getKey();
                }
                case PHASE_WILLS ->
                {
                    final ControlPlaneState.Will will = nextTakenWill(sync);
                    if (null == will)
                    {
                        sync.phase = PHASE_EXPIRED;
                        continue;
                    }
                    if (!offer(sync, WILL_TAKEN, will.node, will.published() ? 1 : 0, 0, will.clientId))
                    {
                        return sent;
                    }
                    sync.lastWill = will.clientId;
                }
                case PHASE_EXPIRED, PHASE_CLEARED ->
                {
                    final int named = offerNamed(sync);
                    if (named < 0)
                    {
                        return sent;
                    }
                    if (0 == named)
                    {
                        continue;   // the next phase
                    }
                }
                default ->
                {
                    if (!offer(sync, SYNC_END, 0, 0, sync.generation, null))
                    {
                        return sent;
                    }
                    return -(sent + 1);
                }
            }
            sent++;
        }
        return sent;
    }

    /**
     * Sends the next name the syncing node is told in this phase: one of its sessions that expired while it was down
     * ({@code SESSION_EXPIRED}), then a topic cleared while it was down ({@code RETAINED_CLEARED}); moves on to the
     * next phase when there is none (nothing sent).
     *
     * @return 1 if a record was sent, 0 if the phase is over, -1 if the record could not be sent (back-pressure).
     */
    private int offerNamed(final Sync sync)
    {
        final boolean sessions = PHASE_EXPIRED == sync.phase;
        final int node = state.nodeOfSession(sync.session.id());
        final NavigableSet<String> names = node < 0 ? null :
            sessions ? state.expiredOf(node) : state.clearedWhileDown(node);
        final String last = sessions ? sync.lastExpired : sync.lastCleared;
        final String name = null == names || names.isEmpty() ? null :
            null == last ? names.first() : names.higher(last);
        if (null == name)
        {
            sync.phase = sessions ? PHASE_CLEARED : PHASE_END;
            return 0;
        }
        if (!offer(sync, sessions ? SESSION_EXPIRED : RETAINED_CLEARED, node, 0, 0, name))
        {
            return -1;
        }
        if (sessions)
        {
            sync.lastExpired = name;
        }
        else
        {
            sync.lastCleared = name;
        }
        return 1;
    }

    /** @return the next will after the cursor that was taken over from the syncing node, or null. */
    private ControlPlaneState.Will nextTakenWill(final Sync sync)
    {
        final int node = state.nodeOfSession(sync.session.id());
        final NavigableMap<String, ControlPlaneState.Will> wills = node < 0 ? null : state.willsOf(node);
        if (null == wills)
        {
            return null;
        }
        Map.Entry<String, ControlPlaneState.Will> entry =
            null == sync.lastWill ? wills.firstEntry() : wills.higherEntry(sync.lastWill);
        while (null != entry && 0 == entry.getValue().dueAt)
        {
            entry = wills.higherEntry(entry.getKey());
        }
        return null == entry ? null : entry.getValue();
    }

    /**
     * Sends a retained message with the expiry interval it has left (one that has expired is skipped).
     */
    private boolean offerRetained(
        final Sync sync, final String topic, final ControlPlaneState.Retained retained, final Cluster cluster)
    {
        final long now = cluster.time();
        if (retained.expiresAt < now)
        {
            return true;
        }
        final int length = encoder.encode(buffer, 0, RETAINED, retained.node, 0, retained.expiresAt, topic,
            new UnsafeBuffer(retained.message), 0, retained.message.length);
        if (retained.expiresAt != Long.MAX_VALUE)
        {
            final long unitsPerSecond = cluster.timeUnit().convert(1, TimeUnit.SECONDS);
            final long left = (retained.expiresAt - now + unitsPerSecond - 1) / unitsPerSecond;
            buffer.putInt(length - retained.message.length + ForwardDescriptor.EXPIRY_OFFSET,
                (int)Math.min(Integer.MAX_VALUE, left), ByteOrder.LITTLE_ENDIAN);
        }
        return sync.session.offer(buffer, 0, length) >= 0;
    }

    private boolean offer(
        final Sync sync, final int type, final int node, final int other, final long value, final String text)
    {
        final int length = encoder.encode(buffer, 0, type, node, other, value, text);
        return sync.session.offer(buffer, 0, length) >= 0;
    }
}
