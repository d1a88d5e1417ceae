package io.ringmq.core.routing;

import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.session.Delivery;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.Subscription;
import io.ringmq.store.log.MessageLog;
import org.agrona.collections.IntHashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * Keeps the journal's disk use bounded by live data: writes a snapshot of the whole durable state into the log
 * once the log has grown past {@code segmentLength + 2 x} the last snapshot, checkpoints it once it is durable, and
 * deletes the segments nothing refers to any more.
 * <p>
 * A snapshot N (starting at position B(N)) copies forward every message still referenced (queued, in flight,
 * retained) whose record lies below the previous snapshot's start B(N-1), and refers to the rest by position.
 * After it, nothing references anything below B(N-1): the checkpoint becomes (recover from B(N), keep from
 * B(N-1)) and older segments are deleted. A message is copied at most once per snapshot period it survives, so the
 * copying costs at most the live data per period, and recovery scans one period plus the snapshot, not history.
 * <p>
 * The snapshot is written a slice at a time ({@link #SLICE_DELIVERIES} deliveries per timer tick) while routing
 * goes on, so a broker holding millions of queued messages does not stop for it: the retained messages and wills
 * at the start, then the sessions that existed at the start, each in one piece. Ordinary records that interleave
 * keep recovery right (see {@link JournalDescriptor}); a message copied forward keeps its new position even if the
 * snapshot is abandoned (a MOVED record says so), and a delivery that takes an old message into another session
 * while a snapshot runs copies it forward there and then ({@link #keepReferenced}).
 * <p>
 * <b>Threading:</b> Router thread only. The checkpoint waits, tick after tick, until the journaller has forced the
 * snapshot; the Router never waits for the device.
 */
final class Snapshots
{
    /** Deliveries written per slice, about 5 ms of the Router's time. */
    static final int SLICE_DELIVERIES = 50_000;
    private static final long FULL_RETRY_NS = 1_000_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    private static final Comparator<Delivery> BY_PACKET_ID = Comparator.comparingInt(Delivery::packetId);

    private final Journal journal;
    private final BrokerState state;
    /** Start of the last complete snapshot (B(N)), 0 before the first. */
    private long lastBegin;
    /** Bytes the last snapshot took. */
    private long lastBytes;
    /** A snapshot waiting to be durable before the checkpoint moves: its start, what to keep, its end. */
    private long pendingBegin = -1;
    private long pendingRetain;
    private long pendingEnd;

    // The snapshot being written, if any.
    private boolean active;
    private long activeBegin;
    private long activeFloor;
    private long activeStartNs;
    private int activeCopied;
    private final List<Session> work = new ArrayList<>();
    private int workIndex;
    private int sliceDeliveries = SLICE_DELIVERIES;
    private boolean abandonedSinceLastSnapshot;
    /**
     * The active snapshot compacts a full log and may write into its reserve; an ordinary one may not (it would use
     * up the reserve that the compaction needs, and the store would stay full for good).
     */
    private boolean activeCompacting;
    private long lastFullAttemptNs = Long.MIN_VALUE / 2;

    Snapshots(final Journal journal, final BrokerState state)
    {
        this.journal = journal;
        this.state = state;
    }

    /**
     * After recovery: continue from the checkpointed snapshot.
     *
     * @param recoveryPosition checkpointed snapshot start.
     */
    void recovered(final long recoveryPosition)
    {
        lastBegin = recoveryPosition;
    }

    /** @param deliveries deliveries per slice (tests use small slices to interleave traffic). */
    void sliceDeliveries(final int deliveries)
    {
        this.sliceDeliveries = deliveries;
    }

    /** @return true while a snapshot is being written. */
    boolean active()
    {
        return active;
    }

    /**
     * @param session a session.
     * @return true if the snapshot being written has yet to write it (tests; linear in the sessions).
     */
    boolean pending(final Session session)
    {
        return active && work.indexOf(session) >= workIndex;
    }

    void onTick(final long nowNs)
    {
        if (!journal.enabled())
        {
            return;
        }
        final MessageLog log = journal.log();
        log.retryAllocation();
        if (active)
        {
            step(sliceDeliveries);
        }
        else if (pendingBegin >= 0)
        {
            checkpointIfDurable();
        }
        else if (log.isFull())
        {
            // Only a snapshot lets segments go. Compact everything (copy every live message forward, keep nothing
            // older), in the reserve, once the live data fits there; retried once a second while the log is full.
            // Checked (it walks the live state) at most once a second; the time is taken only when checked, or a
            // tick every 100 ms would keep pushing the next check away and the store would stay full for good.
            if (nowNs - lastFullAttemptNs >= FULL_RETRY_NS)
            {
                lastFullAttemptNs = nowNs;
                if (liveBytes() + 4096 < log.remainingInSegment() && begin(true))
                {
                    step(Integer.MAX_VALUE);
                }
            }
        }
        else if (log.position() - lastBegin >= log.segmentLength() + 2 * lastBytes)
        {
            if (begin(false))
            {
                step(sliceDeliveries);
            }
        }
    }

    /** Write a whole snapshot now (at start-up, before any client is served). */
    void writeAll()
    {
        if (journal.enabled() && !active && pendingBegin < 0 && !journal.log().isFull() && begin(false))
        {
            step(Integer.MAX_VALUE);
        }
    }

    /**
     * A delivery is about to refer to {@code message} from another session (a shared subscription's message moving
     * to another member): while a snapshot runs, an old record is copied forward first, since the snapshot may
     * already have passed the session it goes to.
     *
     * @param message the message.
     */
    void keepReferenced(final Message message)
    {
        if (active && message.logPosition() >= 0 && message.logPosition() < activeFloor)
        {
            journal.relocate(message, false);
        }
    }

    private void checkpointIfDurable()
    {
        final MessageLog log = journal.log();
        if (log.forcedPosition() < pendingEnd)
        {
            journal.requestForce(pendingEnd);
            if (log.forcedPosition() < pendingEnd)
            {
                return;  // the journaller forces it in the background; a later tick moves the checkpoint
            }
        }
        journal.checkpoint().update(pendingBegin, pendingRetain);
        final int deleted = log.deleteBefore(pendingRetain);
        if (deleted > 0)
        {
            LOG.debug("journal: deleted {} segment(s) below position {}", deleted, pendingRetain);
        }
        pendingBegin = -1;
    }

    /**
     * Bytes a compacting snapshot would write: every live message once, a record per delivery and session.
     * Iterates the live state; called at most once a second, and only while the log is full.
     */
    private long liveBytes()
    {
        long bytes = 0;
        final IdentityHashMap<Message, Boolean> seen = new IdentityHashMap<>();
        for (final Session session : state.allSessions())
        {
            bytes += 256 + 64L * session.subscriptions().size() + 32L * session.inboundQos2().size();
            for (final Delivery delivery : session.inflight().values())
            {
                bytes += deliveryBytes(delivery, seen);
            }
            if (session.queuedCount() > 0)
            {
                for (final Delivery delivery : session.queue())
                {
                    bytes += deliveryBytes(delivery, seen);
                }
            }
        }
        final List<Message> retained = new ArrayList<>();
        state.forEachRetained(retained::add);
        for (final Message message : retained)
        {
            bytes += messageBytes(message);
        }
        return bytes;
    }

    private static long deliveryBytes(final Delivery delivery, final IdentityHashMap<Message, Boolean> seen)
    {
        final Message message = delivery.message();
        return 48 + 4L * delivery.subscriptionIds().length +
            (message.logPosition() >= 0 && null == seen.put(message, Boolean.TRUE) ? messageBytes(message) : 0);
    }

    private static long messageBytes(final Message message)
    {
        return 56L + message.topicLength() + message.propertiesLength() + message.payloadLength();
    }

    /**
     * SNAPSHOT_BEGIN, the retained messages and the wills, and the list of sessions to write.
     *
     * @param compact copy every live message forward, so everything before this snapshot can go (log full).
     */
    private boolean begin(final boolean compact)
    {
        activeStartNs = System.nanoTime();
        activeFloor = compact ? journal.log().position() : lastBegin;
        activeCompacting = compact;
        activeCopied = 0;
        work.clear();
        workIndex = 0;
        int maxSessionId = 0;
        for (final Session session : state.allSessions())
        {
            work.add(session);
            maxSessionId = Math.max(maxSessionId, session.journalId());
        }
        journal.snapshotMode(true, activeCompacting);
        try
        {
            activeBegin = journal.appendSnapshotBegin(lastBegin, Math.max(maxSessionId, state.lastJournalId()));
            if (activeBegin < 0 || !writeRetained(activeFloor) || !writeWills() || !writeRoutedForwards())
            {
                abandon();
                return false;
            }
        }
        finally
        {
            journal.snapshotMode(false, false);
        }
        active = true;
        return true;
    }

    /** Write sessions until {@code budget} deliveries are written or all are; then SNAPSHOT_END. */
    private void step(final int budget)
    {
        journal.snapshotMode(true, activeCompacting);
        try
        {
            int left = budget;
            while (workIndex < work.size() && left > 0)
            {
                final Session session = work.get(workIndex++);
                if (!writeSession(session, activeFloor))
                {
                    abandon();
                    return;
                }
                left -= 1 + session.inflightCount() + session.queuedCount();
            }
            if (workIndex < work.size())
            {
                return;
            }
            if (journal.appendSnapshotEnd(activeBegin) < 0)
            {
                abandon();
                return;
            }
        }
        finally
        {
            journal.snapshotMode(false, false);
        }
        active = false;
        work.clear();
        abandonedSinceLastSnapshot = false;
        lastBytes = journal.log().position() - activeBegin;
        lastBegin = activeBegin;
        pendingBegin = activeBegin;
        pendingRetain = activeFloor;
        pendingEnd = journal.log().position();
        LOG.debug("journal: snapshot at {} ({} bytes, {} messages copied forward) in {} ms", activeBegin, lastBytes,
            activeCopied, (System.nanoTime() - activeStartNs) / 1_000_000);
        checkpointIfDurable();
    }

    private void abandon()
    {
        // Recovery ignores an incomplete snapshot. The copies it made stay valid (the old records are not deleted
        // until a snapshot completes, and MOVED records map one to the other), so nothing needs undoing.
        active = false;
        work.clear();
        if (!abandonedSinceLastSnapshot)
        {
            abandonedSinceLastSnapshot = true;
            LOG.warn("journal: snapshot abandoned, the log is full ({} bytes on disk); retrying as space frees up",
                journal.log().bytesOnDisk());
        }
    }

    private boolean writeSession(final Session session, final long floor)
    {
        final int id = session.journalId();
        if (0 != id)
        {
            if (journal.appendSession(id, session.expiryIntervalSeconds(), session.clientId()) < 0)
            {
                return false;
            }
            for (final Subscription subscription : session.subscriptions().values())
            {
                if (journal.appendSubscribe(id, subscription.filter(), JournalDescriptor.subscriptionOptions(
                    subscription.qos(), subscription.noLocal(), subscription.retainAsPublished(),
                    subscription.retainHandling()), subscription.subscriptionId()) < 0)
                {
                    return false;
                }
            }
            if (session.inboundQos2().size() > 0)
            {
                final IntHashSet.IntIterator it = session.inboundQos2().iterator();
                while (it.hasNext())
                {
                    if (journal.appendInQos2(id, it.nextValue(), -1) < 0)
                    {
                        return false;
                    }
                }
            }
        }
        return writeDeliveries(session, id, floor);
    }

    /** Deliveries of a session; for a clean session only the copying forward, so its messages stay readable. */
    private boolean writeDeliveries(final Session session, final int id, final long floor)
    {
        if (session.inflightCount() > 0)
        {
            final Delivery[] inflight = session.inflight().values().toArray(new Delivery[0]);
            Arrays.sort(inflight, BY_PACKET_ID);
            for (final Delivery delivery : inflight)
            {
                if (!writeDelivery(delivery, id, floor))
                {
                    return false;
                }
            }
        }
        if (session.queuedCount() > 0)
        {
            for (final Delivery delivery : session.queue())
            {
                if (!writeDelivery(delivery, id, floor))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean writeDelivery(final Delivery delivery, final int id, final long floor)
    {
        final Message message = delivery.message();
        if (message.logPosition() < 0)
        {
            return true;  // a heap message of a clean session: nothing in the log to keep
        }
        if (!keep(message, floor, false))
        {
            return false;
        }
        if (0 == id)
        {
            return true;
        }
        final int[] ids = delivery.subscriptionIds();
        if (journal.appendEnqueue(id, message.logPosition(), delivery.qos(), delivery.retain(), ids, ids.length) < 0)
        {
            return false;
        }
        if (2 == delivery.qos() && delivery.state() != Delivery.QUEUED)
        {
            journal.appendOutQos2(id, delivery.packetId(), delivery.state() == Delivery.AWAITING_COMP ?
                JournalDescriptor.OUT_QOS2_RELEASED : JournalDescriptor.OUT_QOS2_SENT, message.logPosition());
        }
        return true;
    }

    /** Copy the message forward if its record is below the floor. */
    private boolean keep(final Message message, final long floor, final boolean retained)
    {
        if (message.logPosition() >= floor)
        {
            return true;
        }
        if (journal.relocate(message, retained) < 0)
        {
            return false;
        }
        activeCopied++;
        return true;
    }

    private boolean writeRetained(final long floor)
    {
        final List<Message> retained = new ArrayList<>();
        state.forEachRetained(retained::add);
        for (final Message message : retained)
        {
            final long position = message.logPosition();
            if (position < 0)
            {
                continue;  // kept in memory only (the log was full when it was published)
            }
            if (position < floor)
            {
                if (!keep(message, floor, true))
                {
                    return false;
                }
            }
            else if (journal.appendRetainRef(position) < 0)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * What this node routed of each other node's forwards, and what it keeps for nodes that are down (cluster): the
     * log before the snapshot may go.
     */
    private boolean writeRoutedForwards()
    {
        if (state.forwardSequenceReserved > 0 && journal.appendSequencesReserved(state.forwardSequenceReserved) < 0)
        {
            return false;
        }
        final long[] routed = state.routedForwards;
        for (int origin = 0; origin < routed.length; origin++)
        {
            if (0 != routed[origin])
            {
                journal.appendForwardsRouted(origin, routed[origin]);
            }
        }
        return state.outbox.forEachJournaled(
            (node, forward, offset, length) -> journal.appendKept(node, forward, offset, length) >= 0);
    }

    private boolean writeWills()
    {
        final boolean[] ok = {true};
        state.forEachWill((clientId, will, delaySeconds, expirySeconds) ->
        {
            if (ok[0] && !will.inLog() && journal.appendWill(clientId, will, delaySeconds, expirySeconds) < 0)
            {
                ok[0] = false;
            }
        });
        return ok[0];
    }
}
