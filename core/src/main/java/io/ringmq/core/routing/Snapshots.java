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
 * <b>Threading:</b> Router thread only. The checkpoint waits, tick after tick, until the journaller has forced the
 * snapshot; the Router never waits for the device.
 */
final class Snapshots
{
    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    private static final Comparator<Delivery> BY_PACKET_ID = Comparator.comparingInt(Delivery::packetId);

    private final Journal journal;
    private final Router router;
    private final List<Message> moved = new ArrayList<>();
    private final List<Long> movedFrom = new ArrayList<>();
    /** Start of the last complete snapshot (B(N)), 0 before the first. */
    private long lastBegin;
    /** Bytes the last snapshot took. */
    private long lastBytes;
    /** A snapshot waiting to be durable before the checkpoint moves: its start, what to keep, its end. */
    private long pendingBegin = -1;
    private long pendingRetain;
    private long pendingEnd;
    private long snapshotsWritten;

    Snapshots(final Journal journal, final Router router)
    {
        this.journal = journal;
        this.router = router;
    }

    /**
     * After recovery: continue from the checkpointed snapshot.
     *
     * @param recoveryPosition checkpointed snapshot start.
     * @param retainPosition   checkpointed oldest position kept.
     */
    void recovered(final long recoveryPosition, final long retainPosition)
    {
        lastBegin = recoveryPosition;
    }

    /** @return snapshots written since start. */
    long snapshotsWritten()
    {
        return snapshotsWritten;
    }

    void onTick(final long nowNs)
    {
        if (!journal.enabled())
        {
            return;
        }
        final MessageLog log = journal.log();
        log.retryAllocation();
        if (pendingBegin >= 0)
        {
            checkpointIfDurable();
        }
        else if (log.position() - lastBegin >= log.segmentLength() + 2 * lastBytes || log.isFull())
        {
            write(nowNs);
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
     * Write a snapshot of the whole durable state now.
     *
     * @param nowNs current nanoTime.
     * @return true if it was written completely.
     */
    boolean write(final long nowNs)
    {
        if (!journal.enabled() || pendingBegin >= 0)
        {
            return false;
        }
        final long startNs = System.nanoTime();
        final long floor = lastBegin;
        moved.clear();
        movedFrom.clear();
        journal.snapshotMode(true);
        final long begin = journal.appendSnapshotBegin(lastBegin);
        final boolean complete = begin >= 0 && writeSessions(floor) && writeRetained(floor) && writeWills() &&
            journal.appendSnapshotEnd(begin) >= 0;
        journal.snapshotMode(false);
        if (!complete)
        {
            // Keep referring to the old copies: they stay until a snapshot completes, and recovery ignores an
            // incomplete snapshot, so the records that follow must name the positions recovery will know.
            for (int i = 0; i < moved.size(); i++)
            {
                moved.get(i).logPosition(movedFrom.get(i));
            }
            LOG.warn("journal: snapshot abandoned, the log is full ({} bytes on disk)", journal.log().bytesOnDisk());
            return false;
        }
        snapshotsWritten++;
        lastBytes = journal.log().position() - begin;
        lastBegin = begin;
        pendingBegin = begin;
        pendingRetain = floor;
        pendingEnd = journal.log().position();
        LOG.debug("journal: snapshot at {} ({} bytes, {} messages copied forward) in {} us", begin, lastBytes,
            moved.size(), (System.nanoTime() - startNs) / 1000);
        checkpointIfDurable();
        return true;
    }

    private boolean writeSessions(final long floor)
    {
        for (final Session session : router.allSessions())
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
                        if (journal.appendInQos2(id, it.nextValue()) < 0)
                        {
                            return false;
                        }
                    }
                }
            }
            if (!writeDeliveries(session, id, floor))
            {
                return false;
            }
        }
        return true;
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
        final long position = message.logPosition();
        if (position >= floor)
        {
            return true;
        }
        if (journal.relocate(message, retained) < 0)
        {
            return false;
        }
        moved.add(message);
        movedFrom.add(position);
        return true;
    }

    private boolean writeRetained(final long floor)
    {
        final List<Message> retained = new ArrayList<>();
        router.forEachRetained(retained::add);
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

    private boolean writeWills()
    {
        final boolean[] ok = {true};
        router.forEachWill((clientId, will, delaySeconds, expirySeconds) ->
        {
            if (ok[0] && !will.inLog() && journal.appendWill(clientId, will, delaySeconds, expirySeconds) < 0)
            {
                ok[0] = false;
            }
        });
        return ok[0];
    }
}
