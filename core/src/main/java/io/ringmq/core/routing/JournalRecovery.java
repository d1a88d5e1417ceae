package io.ringmq.core.routing;

import io.ringmq.core.cluster.ForwardDescriptor;
import io.ringmq.core.codec.TopicValidator;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.session.Delivery;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.SessionTally;
import io.ringmq.core.session.Subscription;
import io.ringmq.store.log.LogRecord;
import io.ringmq.store.log.RecordHandler;
import io.ringmq.store.log.RecoveryReport;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;
import org.agrona.collections.LongHashSet;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds the durable state from the journal at start-up: scans from the checkpointed snapshot and applies each
 * record in log order.
 * <p>
 * Snapshot records (flag {@link JournalDescriptor#FLAG_SNAPSHOT}) build a separate state that replaces the
 * current one only when the snapshot's SNAPSHOT_END is reached, so a snapshot cut short by a crash or a full log is
 * ignored, and a complete snapshot written after the checkpoint (the crash came before the checkpoint was
 * updated) takes over as it should. A snapshot is written a slice at a time, so ordinary records interleave: they
 * always apply to the current state, and also to the snapshot's state when they concern something the snapshot
 * has already written (a session it wrote, a session created after it began, retained messages, wills). MOVED
 * records, from any snapshot, map a copied message's old position to its new one, so acknowledgements written
 * after a copy still find deliveries rebuilt from the old record.
 * <p>
 * <b>Threading:</b> runs once on the thread that starts the broker, before the ring starts.
 */
final class JournalRecovery implements RecordHandler
{
    /** A will found in the journal. */
    record Will(Message message, long delaySeconds, long expirySeconds)
    {
    }

    /** One generation of rebuilt state. */
    static final class State
    {
        final Int2ObjectHashMap<Session> sessions = new Int2ObjectHashMap<>();
        final Map<String, Message> retained = new HashMap<>();
        final Map<String, Will> wills = new HashMap<>();
        final Long2ObjectHashMap<Message> messages = new Long2ObjectHashMap<>();
        final Int2ObjectHashMap<ArrayDeque<Delivery>> deliveries = new Int2ObjectHashMap<>();
        int maxSessionId;
    }

    private static final int RECENT_LIMIT = 1 << 16;

    private final Journal journal;
    private final long nowNs;
    private State state = new State();
    /** Sums the rebuilt sessions count in until the Router takes them ({@link Session#countIn}); then dropped. */
    private final SessionTally scratchTally = new SessionTally();
    private State snapshot;
    /** Sessions of the snapshot being read: ids up to this were listed when it began. */
    private int snapshotMaxSessionId;
    /** Sessions the snapshot being read has written so far. */
    private final IntHashSet snapshotWritten = new IntHashSet();
    /** Old position to new position of every message copied forward. */
    private final Long2LongHashMap moved = new Long2LongHashMap(-1);
    /** Per origin node, the highest sequence of its forwards routed here ({@code FORWARDS_ROUTED}). */
    private final long[] routedForwards = new long[Long.SIZE];
    /** Per destination node, the forwards kept for it by sequence ({@code KEPT}; a snapshot writes them again). */
    private final Int2ObjectHashMap<TreeMap<Long, byte[]>> kept = new Int2ObjectHashMap<>();
    /** This node's last forward-sequence reservation ({@code SEQUENCES_RESERVED}), or 0. */
    private long sequencesReserved;
    /** Per destination node, the highest sequence up to which its kept forwards are finished ({@code KEPT_DONE}). */
    private final long[] keptDone = new long[Long.SIZE];
    /**
     * The last MESSAGE record seen, already verified: its ENQUEUE records usually follow at once, and building the
     * message from here spares reading and checksumming the record a second time.
     */
    private Message lastMessage;
    /**
     * Messages of the MESSAGE records since the last DELIVERIES record (sync=batch writes a batch's ENQUEUE entries
     * after its messages): spares reading and checksumming those records again. Cleared at each DELIVERIES record.
     */
    private final Long2ObjectHashMap<Message> recent = new Long2ObjectHashMap<>();
    /**
     * Positions of QoS 2 MESSAGE records ({@link JournalDescriptor#FLAG_AWAITS_PUBREC}) whose IN_QOS2 record has not
     * been seen: the log ended between the two, the PUBREC was never sent, and the publisher will send the message
     * again, so the deliveries rebuilt from this copy are dropped at the end. Ordinary records only: a snapshot
     * restates committed state.
     */
    private final LongHashSet awaitingPubrec = new LongHashSet();
    /**
     * Forwards journaled here ({@code FORWARD_ORIGIN}) that no {@code FORWARDS_ROUTED} covers yet, by the position of
     * their MESSAGE record, with the sessions their ENQUEUE entries gave them to: at the end, those of a batch the
     * crash cut (see {@link PartlyRoutedForwards}). A FORWARDS_ROUTED ends each batch, so this holds about a batch.
     */
    private final Long2ObjectHashMap<CutForward> forwardOrigins = new Long2ObjectHashMap<>();
    private int[] ids = new int[8];
    private long unreadable;

    JournalRecovery(final Journal journal, final long nowNs)
    {
        this.journal = journal;
        this.nowNs = nowNs;
    }

    /** @return the rebuilt state, once {@link #run()} returned; deliveries are in the sessions. */
    State state()
    {
        return state;
    }

    /**
     * @param node a destination node.
     * @return the forwards this node kept for it and had not finished, oldest first (cluster).
     */
    List<byte[]> kept(final int node)
    {
        final TreeMap<Long, byte[]> forwards = kept.get(node);
        return null == forwards ? List.of() : new ArrayList<>(forwards.tailMap(keptDone[node], false).values());
    }

    /** @return the highest forward sequence this node's previous runs may have used, or 0 (cluster). */
    long sequencesReserved()
    {
        return sequencesReserved;
    }

    /**
     * @param into receives each forward whose batch the crash cut after some of its ENQUEUE entries, with the
     *             sessions those gave it to (cluster).
     */
    void partlyRoutedForwards(final PartlyRoutedForwards into)
    {
        for (final CutForward forward : forwardOrigins.values())
        {
            if (forward.sequence > routedForwards[forward.origin] && !forward.sessionIds.isEmpty())
            {
                final int[] sessionIds = new int[forward.sessionIds.size()];
                int i = 0;
                final IntHashSet.IntIterator each = forward.sessionIds.iterator();
                while (each.hasNext())
                {
                    sessionIds[i++] = each.nextValue();
                }
                into.add(forward.origin, forward.sequence, sessionIds);
            }
        }
    }

    /** A forward journaled here: its origin, sequence and the sessions its ENQUEUE entries gave it to. */
    private record CutForward(int origin, long sequence, IntHashSet sessionIds)
    {
    }

    /** @return per origin node, the highest sequence of its forwards this node had routed (cluster). */
    long[] routedForwards()
    {
        return routedForwards;
    }

    RecoveryResult run()
    {
        final long startNs = System.nanoTime();
        final RecoveryReport report = journal.log().recover(journal.checkpoint().recoveryPosition(), this,
            journal.recoveryAllowCut());
        int subscriptions = 0;
        long queued = 0;
        long inflight = 0;
        long inboundQos2 = 0;
        long unacknowledged = 0;
        for (final Session session : state.sessions.values())
        {
            subscriptions += session.subscriptions().size();
            inboundQos2 += session.inboundQos2().size();
            final ArrayDeque<Delivery> list = state.deliveries.get(session.journalId());
            if (null == list)
            {
                continue;
            }
            for (final Delivery delivery : list)
            {
                if (!awaitingPubrec.isEmpty() && awaitingPubrec.contains(delivery.message().logPosition()))
                {
                    unacknowledged++;
                }
                else if (2 == delivery.qos() && delivery.packetId() > 0)
                {
                    session.inflight().put(delivery.packetId(), delivery);
                    inflight++;
                }
                else
                {
                    delivery.inflight(0, Delivery.QUEUED);
                    session.enqueue(delivery);
                    queued++;
                }
            }
        }
        return new RecoveryResult(report, state.sessions.size(), subscriptions, queued,
            inflight, inboundQos2, state.retained.size(), state.wills.size(), unreadable, awaitingPubrec.size(),
            unacknowledged, System.nanoTime() - startNs);
    }

    @Override
    public void onRecord(final LogRecord record)
    {
        final int type = record.type();
        if (JournalDescriptor.FORWARDS_ROUTED == type)
        {
            // In a snapshot or not, complete or not: the highest is what was routed.
            final int origin = record.buffer().getInt(record.bodyOffset());
            if (origin >= 0 && origin < routedForwards.length)
            {
                routedForwards[origin] = Math.max(routedForwards[origin],
                    record.buffer().getLong(record.bodyOffset() + 8));
                if (!forwardOrigins.isEmpty())
                {
                    forwardOrigins.values().removeIf(f -> f.origin == origin && f.sequence <= routedForwards[origin]);
                }
            }
            return;
        }
        if (JournalDescriptor.FORWARD_ORIGIN == type)
        {
            final DirectBuffer buffer = record.buffer();
            final int body = record.bodyOffset();
            final int origin = buffer.getInt(body);
            final long sequence = buffer.getLong(body + 8);
            if (origin >= 0 && origin < routedForwards.length && sequence > routedForwards[origin])
            {
                forwardOrigins.put(buffer.getLong(body + 16), new CutForward(origin, sequence, new IntHashSet()));
            }
            return;
        }
        if (JournalDescriptor.SEQUENCES_RESERVED == type)
        {
            sequencesReserved = Math.max(sequencesReserved, record.buffer().getLong(record.bodyOffset()));
            return;
        }
        if (JournalDescriptor.KEPT == type || JournalDescriptor.KEPT_DONE == type)
        {
            onKept(record);
            return;
        }
        if (JournalDescriptor.MOVED == type)
        {
            final long from = record.buffer().getLong(record.bodyOffset());
            final long to = record.buffer().getLong(record.bodyOffset() + 8);
            moved.put(from, to);
            final CutForward forward = forwardOrigins.isEmpty() ? null : forwardOrigins.remove(from);
            if (null != forward)
            {
                forwardOrigins.put(to, forward);
            }
            return;
        }
        final boolean inSnapshot = 0 != (record.flags() & JournalDescriptor.FLAG_SNAPSHOT);
        if (inSnapshot)
        {
            if (JournalDescriptor.SNAPSHOT_BEGIN == type)
            {
                snapshot = new State();
                snapshotMaxSessionId = record.buffer().getInt(record.bodyOffset() + 8);
                snapshotWritten.clear();
                return;
            }
            if (null == snapshot)
            {
                return;  // the rest of a snapshot whose beginning lies before the scan: incomplete for us
            }
            if (JournalDescriptor.SNAPSHOT_END == type)
            {
                snapshot.maxSessionId = Math.max(snapshot.maxSessionId, state.maxSessionId);
                state = snapshot;
                snapshot = null;
                return;
            }
            if (JournalDescriptor.SESSION == type)
            {
                snapshotWritten.add(record.buffer().getInt(record.bodyOffset()));
            }
            apply(snapshot, record);
        }
        else
        {
            apply(state, record);
            trackPubrec(record);
            if (null != snapshot && JournalDescriptor.DELIVERIES == type)
            {
                coveredDeliveries(record);
            }
            else if (null != snapshot && coveredBySnapshot(record))
            {
                apply(snapshot, record);
            }
        }
    }

    /** In a snapshot or not: kept forwards by sequence (a snapshot's copy is the same forward), and how far done. */
    private void onKept(final LogRecord record)
    {
        final DirectBuffer buffer = record.buffer();
        final int body = record.bodyOffset();
        final int node = buffer.getInt(body);
        if (node < 0 || node >= keptDone.length)
        {
            return;
        }
        if (JournalDescriptor.KEPT_DONE == record.type())
        {
            keptDone[node] = Math.max(keptDone[node], buffer.getLong(body + 8));
            return;
        }
        final int length = record.bodyLength() - JournalDescriptor.KEPT_FORWARD_OFFSET;
        if (length < ForwardDescriptor.HEADER_LENGTH)
        {
            return;
        }
        final long sequence = buffer.getLong(body + JournalDescriptor.KEPT_FORWARD_OFFSET +
            ForwardDescriptor.ORIGIN_SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN);
        final TreeMap<Long, byte[]> forwards = kept.computeIfAbsent(node, ignored -> new TreeMap<>());
        if (!forwards.containsKey(sequence))
        {
            final byte[] forward = new byte[length];
            buffer.getBytes(body + JournalDescriptor.KEPT_FORWARD_OFFSET, forward);
            forwards.put(sequence, forward);
        }
    }

    /** A QoS 2 MESSAGE awaits its IN_QOS2 record; an IN_QOS2 record names the MESSAGE it acknowledged. */
    private void trackPubrec(final LogRecord record)
    {
        if (JournalDescriptor.MESSAGE == record.type())
        {
            if (0 != (record.flags() & JournalDescriptor.FLAG_AWAITS_PUBREC))
            {
                awaitingPubrec.add(record.position());
            }
        }
        else if (JournalDescriptor.IN_QOS2 == record.type() &&
            record.bodyLength() >= JournalDescriptor.IN_QOS2_LENGTH && !awaitingPubrec.isEmpty())
        {
            awaitingPubrec.remove(record.buffer().getLong(record.bodyOffset() + 8));
        }
    }

    /** The entries of a DELIVERIES record met inside a snapshot that concern sessions it already holds. */
    private void coveredDeliveries(final LogRecord record)
    {
        final DirectBuffer buffer = record.buffer();
        int entry = record.bodyOffset();
        final int end = entry + record.bodyLength();
        while (entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH <= end)
        {
            final int kind = buffer.getByte(entry);
            final int sessionId = buffer.getInt(entry + 4);
            final int length = JournalDescriptor.ENQUEUE == kind ? JournalDescriptor.DELIVERIES_ENTRY_LENGTH + 4 +
                4 * buffer.getInt(entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH) :
                JournalDescriptor.DELIVERIES_ENTRY_LENGTH;
            if (sessionId > snapshotMaxSessionId || snapshotWritten.contains(sessionId))
            {
                onDeliveries(snapshot, buffer, entry, length);
            }
            entry += length;
        }
    }

    /** Whether an ordinary record met inside a snapshot concerns something that snapshot already holds. */
    private boolean coveredBySnapshot(final LogRecord record)
    {
        return switch (record.type())
        {
            case JournalDescriptor.SESSION, JournalDescriptor.SESSION_END, JournalDescriptor.SUBSCRIBE,
                JournalDescriptor.UNSUBSCRIBE, JournalDescriptor.ENQUEUE, JournalDescriptor.DELIVERED,
                JournalDescriptor.OUT_QOS2, JournalDescriptor.IN_QOS2, JournalDescriptor.IN_QOS2_DONE ->
            {
                final int sessionId = record.buffer().getInt(record.bodyOffset());
                yield sessionId > snapshotMaxSessionId || snapshotWritten.contains(sessionId);
            }
            case JournalDescriptor.DELIVERIES -> false;  // applied entry by entry, see onRecord
            default -> true;  // retained messages and wills were written when the snapshot began
        };
    }

    private void apply(final State target, final LogRecord record)
    {
        final DirectBuffer buffer = record.buffer();
        final int body = record.bodyOffset();
        switch (record.type())
        {
            case JournalDescriptor.MESSAGE ->
            {
                lastMessage = Journal.toMessage(record, nowNs);
                if (recent.size() < RECENT_LIMIT)
                {
                    recent.put(record.position(), lastMessage);
                }
                if (0 != (record.flags() & JournalDescriptor.FLAG_RETAINED))
                {
                    target.messages.put(record.position(), lastMessage);
                    target.retained.put(topic(record), lastMessage);
                }
            }
            case JournalDescriptor.RETAIN_CLEAR -> target.retained.remove(
                buffer.getStringWithoutLengthUtf8(body, record.bodyLength()));
            case JournalDescriptor.RETAIN_REF -> onRetainRef(target, buffer.getLong(body));
            case JournalDescriptor.SESSION -> onSession(target, buffer.getInt(body), buffer.getLong(body + 8),
                buffer.getStringWithoutLengthUtf8(body + 16, record.bodyLength() - 16));
            case JournalDescriptor.SESSION_END ->
            {
                target.sessions.remove(buffer.getInt(body));
                target.deliveries.remove(buffer.getInt(body));
            }
            case JournalDescriptor.SUBSCRIBE -> onSubscribe(target, buffer, body, record.bodyLength());
            case JournalDescriptor.UNSUBSCRIBE ->
            {
                final Session session = target.sessions.get(buffer.getInt(body));
                if (null != session)
                {
                    session.subscriptions().remove(
                        buffer.getStringWithoutLengthUtf8(body + 4, record.bodyLength() - 4));
                }
            }
            case JournalDescriptor.ENQUEUE -> onEnqueue(target, buffer.getInt(body), buffer.getLong(body + 8),
                buffer.getByte(body + 4), 0 != buffer.getByte(body + 5), buffer, body + 16,
                buffer.getShort(body + 6) & 0xFFFF);
            case JournalDescriptor.DELIVERIES ->
            {
                onDeliveries(target, buffer, body, record.bodyLength());
                if (target == state)
                {
                    recent.clear();
                }
            }
            case JournalDescriptor.DELIVERED -> find(target, buffer.getInt(body), buffer.getLong(body + 8), true);
            case JournalDescriptor.OUT_QOS2 ->
            {
                final Delivery delivery = find(target, buffer.getInt(body), buffer.getLong(body + 8), false);
                if (null != delivery)
                {
                    delivery.inflight(buffer.getShort(body + 4) & 0xFFFF,
                        JournalDescriptor.OUT_QOS2_SENT == buffer.getShort(body + 6) ?
                        Delivery.AWAITING_ACK : Delivery.AWAITING_COMP);
                }
            }
            case JournalDescriptor.IN_QOS2, JournalDescriptor.IN_QOS2_DONE ->
            {
                final Session session = target.sessions.get(buffer.getInt(body));
                if (null != session)
                {
                    if (JournalDescriptor.IN_QOS2 == record.type())
                    {
                        session.inboundQos2().add(buffer.getInt(body + 4));
                    }
                    else
                    {
                        session.inboundQos2().remove(buffer.getInt(body + 4));
                    }
                }
            }
            case JournalDescriptor.WILL -> onWill(target, record);
            case JournalDescriptor.WILL_CLEAR -> target.wills.remove(
                buffer.getStringWithoutLengthUtf8(body, record.bodyLength()));
            default ->
            {
                // SNAPSHOT_BEGIN/END outside a snapshot do not occur; unknown types from a newer version are
                // skipped rather than failing the start.
            }
        }
    }

    private static String topic(final LogRecord record)
    {
        final int body = record.bodyOffset();
        return record.buffer().getStringWithoutLengthUtf8(body + JournalDescriptor.MESSAGE_DATA_OFFSET,
            record.buffer().getInt(body + JournalDescriptor.MESSAGE_TOPIC_LENGTH_OFFSET));
    }

    private Message message(final State target, final LogRecord record)
    {
        Message message = target.messages.get(record.position());
        if (null == message)
        {
            message = Journal.toMessage(record, nowNs);
            target.messages.put(record.position(), message);
        }
        return message;
    }

    /** A message referenced by position, possibly written before the scan started. */
    private Message messageAt(final State target, final long position)
    {
        final Message known = target.messages.get(position);
        if (null != known)
        {
            return known;
        }
        if (null != lastMessage && position == lastMessage.logPosition())
        {
            // Not put in the map: the ENQUEUE records of a message follow it, so one slot serves them all, and a
            // million queued messages do not need a million map entries.
            return lastMessage;
        }
        final Message fromBatch = recent.get(position);
        if (null != fromBatch)
        {
            return fromBatch;
        }
        final LogRecord record = journal.readMessage(position);
        if (null == record)
        {
            unreadable++;
            return null;
        }
        return message(target, record);
    }

    private void onRetainRef(final State target, final long position)
    {
        final Message message = messageAt(target, position);
        final LogRecord record = null == message ? null : journal.readMessage(position);
        if (null != record)
        {
            target.retained.put(topic(record), message);
        }
    }

    private void onSession(final State target, final int id, final long expirySeconds, final String clientId)
    {
        Session session = target.sessions.get(id);
        if (null == session)
        {
            session = new Session(clientId, scratchTally);
            session.journalId(id);
            target.sessions.put(id, session);
            target.maxSessionId = Math.max(target.maxSessionId, id);
        }
        session.expiryIntervalSeconds(expirySeconds);
    }

    private static void onSubscribe(final State target, final DirectBuffer buffer, final int body, final int length)
    {
        final Session session = target.sessions.get(buffer.getInt(body));
        if (null == session)
        {
            return;
        }
        final int options = buffer.getInt(body + 8);
        final String filter = buffer.getStringWithoutLengthUtf8(body + 12, length - 12);
        Subscription subscription = session.subscriptions().get(filter);
        if (null == subscription)
        {
            subscription = new Subscription(session, filter, TopicValidator.isShared(filter));
            session.subscriptions().put(filter, subscription);
        }
        subscription.options(options & 0x3, 0 != (options & 0x4), 0 != (options & 0x8), (options >> 4) & 0x3,
            buffer.getInt(body + 4));
    }

    /** The ENQUEUE and DELIVERED entries of one Router batch, in order. */
    private void onDeliveries(final State target, final DirectBuffer buffer, final int body, final int length)
    {
        int entry = body;
        final int end = body + length;
        while (entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH <= end)
        {
            final int kind = buffer.getByte(entry);
            final int sessionId = buffer.getInt(entry + 4);
            final long position = buffer.getLong(entry + 8);
            if (JournalDescriptor.ENQUEUE == kind)
            {
                final int count = buffer.getInt(entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH);
                onEnqueue(target, sessionId, position, buffer.getByte(entry + 1), 0 != buffer.getByte(entry + 2),
                    buffer, entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH + 4, count);
                entry += JournalDescriptor.DELIVERIES_ENTRY_LENGTH + 4 + 4 * count;
            }
            else
            {
                find(target, sessionId, position, true);
                entry += JournalDescriptor.DELIVERIES_ENTRY_LENGTH;
            }
        }
    }

    private void onEnqueue(final State target, final int sessionId, final long position, final int qos,
        final boolean retain, final DirectBuffer buffer, final int idsOffset, final int count)
    {
        final CutForward forward = forwardOrigins.isEmpty() ? null : forwardOrigins.get(position);
        if (null != forward)
        {
            forward.sessionIds.add(sessionId);    // it reached this session, whatever became of the delivery since
        }
        if (null == target.sessions.get(sessionId))
        {
            return;
        }
        final Message message = messageAt(target, position);
        if (null == message)
        {
            return;
        }
        if (ids.length < count)
        {
            ids = new int[count];
        }
        for (int i = 0; i < count; i++)
        {
            ids[i] = buffer.getInt(idsOffset + 4 * i);
        }
        ArrayDeque<Delivery> list = target.deliveries.get(sessionId);
        if (null == list)
        {
            list = new ArrayDeque<>();
            target.deliveries.put(sessionId, list);
        }
        list.addLast(new Delivery(message, qos, retain, ids, count, null));
    }

    /** Where a message's record is now, after any copies forward. */
    private long current(final long position)
    {
        long at = position;
        long next;
        while ((next = moved.get(at)) >= 0)
        {
            at = next;
        }
        return at;
    }

    /** The oldest pending delivery of {@code position} for the session; acknowledgements mostly hit the head. */
    private Delivery find(final State target, final int sessionId, final long position, final boolean remove)
    {
        final ArrayDeque<Delivery> list = target.deliveries.get(sessionId);
        if (null == list)
        {
            return null;
        }
        final Iterator<Delivery> it = list.iterator();
        while (it.hasNext())
        {
            final Delivery delivery = it.next();
            final long at = delivery.message().logPosition();
            if (at == position || (!moved.isEmpty() && current(at) == position))
            {
                if (remove)
                {
                    it.remove();
                }
                return delivery;
            }
        }
        return null;
    }

    private void onWill(final State target, final LogRecord record)
    {
        final DirectBuffer buffer = record.buffer();
        final int body = record.bodyOffset();
        final int clientIdLength = buffer.getInt(body + JournalDescriptor.WILL_CLIENT_ID_LENGTH_OFFSET);
        final int topicLength = buffer.getInt(body + 20);
        final int propertiesLength = buffer.getInt(body + 24);
        final int data = body + JournalDescriptor.WILL_DATA_OFFSET;
        final String clientId = buffer.getStringWithoutLengthUtf8(data, clientIdLength);
        final int topicOffset = data + clientIdLength;
        final int payloadOffset = topicOffset + topicLength + propertiesLength;
        final int payloadLength = body + record.bodyLength() - payloadOffset;
        final Message will = new Message(buffer, topicOffset, topicLength, buffer, topicOffset + topicLength,
            propertiesLength, buffer, payloadOffset, payloadLength, record.flags() & JournalDescriptor.FLAG_QOS_MASK,
            0 != (record.flags() & JournalDescriptor.FLAG_RETAIN), -1);
        target.wills.put(clientId, new Will(will, buffer.getLong(body), buffer.getLong(body + 8)));
    }
}
