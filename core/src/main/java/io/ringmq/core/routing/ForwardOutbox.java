package io.ringmq.core.routing;

import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardDescriptor;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The origin's copy of its ordered data-plane traffic to each other node, so that a node that goes away and comes
 * back (restarted after a crash, or cut off and healed) gets every QoS 1/2 forward it had not acknowledged and
 * every one published for it meanwhile, in the order they were sent.
 * <ul>
 *   <li><b>Kept until acknowledged.</b> Each QoS 1/2 forward is kept in its destination's box until the destination
 *   acknowledges its sequence ({@link ForwardReceipts}: routed and journaled there). A forward to a node that is down
 *   (its routes are held by the control plane while it is away) is kept and not sent.</li>
 *   <li><b>Replayed in order.</b> When a node's data-plane link is opened again (its generation changes), what it
 *   had not acknowledged is sent again from the oldest, then what was kept meanwhile; until the box has sent it all,
 *   every ordered record for that node (QoS 0 forwards, a session hand-off's records and cut markers) waits behind
 *   it in the box, so nothing overtakes the replay. The destination discards a forward it routed already (by origin
 *   and sequence, {@code InboundPublish}), so a replay after a lost acknowledgement is not delivered twice while the
 *   destination lives.</li>
 *   <li><b>Bounded.</b> At most {@link #MAX_BYTES} per node. A QoS 1/2 forward to a live node that finds its box
 *   full is refused (its publisher gets 0x97, as for a full pending queue); one to a down node is not kept (counted,
 *   logged). QoS 0 queued behind a replay is dropped once an eighth of the bound waits. A node down for longer than
 *   {@link #HOLD_NS} (the control plane drops its routes then too) loses what was kept for it (counted, logged). A
 *   message whose expiry passes while it waits is not sent; one sent late carries the expiry it has left.</li>
 * </ul>
 * A live node that acknowledges nothing for {@link ForwardWindows#ACK_TIMEOUT_NS} while the box holds forwards sent
 * to it (a link that stayed open while the datagrams were lost) gets them all again.
 * <p>
 * What is kept for a node that is down is journaled ({@code KEPT}; {@code KEPT_DONE} once finished), since its
 * publisher is acknowledged without that node: it survives this node's crash too, and comes back into the box at
 * recovery ({@link #restore}); snapshots write it again ({@link #forEachJournaled}). What a live node has not yet
 * acknowledged is journaled when the node goes down, before the acknowledgements that waited for it go out.
 * <p>
 * Each box is a ring of records, 16-byte aligned, that grows by doubling (from 64 KiB) up to its bound; a record
 * never wraps (a padding record fills the end). Positions only grow: {@code head <= send <= tail}. No allocation per
 * message.
 * <pre>
 *  +--------+--------+----------------+----------------+-----------------------------+
 *  | length | flags  | sequence       | kept at (ns)   | message (ForwardDescriptor) |
 *  +--------+--------+----------------+----------------+-----------------------------+
 *  0        4        8                16               32
 * </pre>
 * <b>Threading:</b> Router thread only.
 */
final class ForwardOutbox
{
    /** How long what was kept for a down node is held (the control plane holds its routes as long). */
    static final long HOLD_NS = ClusterLink.REPLAY_HOLD_NS;
    /** Most bytes kept per node. */
    static final int MAX_BYTES = 64 << 20;
    /** QoS 0 behind a replay is dropped once this much waits. */
    static final int QOS0_BYTES = MAX_BYTES / 8;
    static final int INITIAL_BYTES = 64 << 10;
    private static final int MAX_NODES = Long.SIZE;
    private static final int ALIGNMENT = 16;
    private static final int LENGTH_OFFSET = 0;
    private static final int FLAGS_OFFSET = 4;
    private static final int SEQUENCE_OFFSET = 8;
    private static final int KEPT_AT_OFFSET = 16;
    static final int HEADER_LENGTH = 32;
    /** A QoS 1/2 forward: kept until its sequence is acknowledged. */
    private static final int KEEP = 1;
    /** Finished: sent (an ordered record), expired, or dropped at the end of the hold. */
    private static final int DONE = 2;
    /** Fills the end of the ring. */
    private static final int PADDING = 4;
    /** Written to the journal ({@code KEPT}): its publisher was acknowledged without its destination. */
    private static final int JOURNALED = 8;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final Logger LOG = LoggerFactory.getLogger(ForwardOutbox.class);

    /** One destination's box. */
    private static final class Box
    {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[INITIAL_BYTES]);
        /** Oldest record not yet finished. */
        long head;
        /** Next record to send. */
        long send;
        /** End of the last record. */
        long tail;
        /** Highest sequence the node acknowledged. */
        long acked;
        /** The node's link generation the box last sent on. */
        long generation;
        /** Since when the node is down, or -1. */
        long downSinceNs = -1;
        /** When the node last acknowledged something, or the box last sent everything again. */
        long progressNs;
        /** The highest sequence of a journaled record released since the last {@code KEPT_DONE}, or 0. */
        long journaledDone;

        int mask()
        {
            return buffer.capacity() - 1;
        }
    }

    private final BrokerState state;
    private final Box[] boxes = new Box[MAX_NODES];
    /** Nodes whose box holds records, one bit per node id. */
    private long active;
    /** Nodes with journaled records released since their last {@code KEPT_DONE}, one bit per node id. */
    private long keptDoneDue;
    private final RateLimitedLog dropLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));

    ForwardOutbox(final BrokerState state)
    {
        this.state = state;
    }

    /**
     * Sends a QoS 1/2 forward to each node of {@code nodes}, keeping it until acknowledged.
     *
     * @return false if a live node could not take it (its pending queue or its box is full): the caller refuses
     *         the message to its publisher.
     */
    boolean sendKept(final long nodes, final DirectBuffer message, final int offset, final int length)
    {
        return send(nodes, message, offset, length, true);
    }

    /**
     * Sends an ordered record (a QoS 0 forward, a hand-off record or cut marker) to each node of {@code nodes}: at
     * once, or behind a replay under way. A down node does not get it (the data plane counts it).
     *
     * @return false if a node could not take it now.
     */
    boolean sendOrdered(final long nodes, final DirectBuffer message, final int offset, final int length)
    {
        return send(nodes, message, offset, length, false);
    }

    /**
     * The live nodes with nothing waiting get it in one offer (the data plane's loop); the others one by one.
     */
    private boolean send(final long nodes, final DirectBuffer message, final int offset, final int length,
        final boolean keep)
    {
        final long peers = state.cluster.peers();
        long direct = 0;
        boolean taken = true;
        long remaining = nodes;
        while (0 != remaining)
        {
            final int node = Long.numberOfTrailingZeros(remaining);
            remaining &= remaining - 1;
            final long bit = 1L << node;
            final Box box = boxes[node];
            if (null != box)
            {
                checkLink(node, box);
            }
            if (0 == (peers & bit))
            {
                if (keep)
                {
                    taken &= keepForDown(node, box, message, offset, length);
                }
                else if (!state.cluster.synced() && isHandoff(message, offset))
                {
                    // Just joined: the node may be up and not known yet. A hand-off record or cut marker waits
                    // in order with what is kept for it, and goes once its link is open.
                    taken &= append(node, null == box ? open(node) : box, message, offset, length, 0);
                }
                else
                {
                    taken &= state.cluster.forward(bit, message, offset, length);   // dropped there, counted
                }
            }
            else if (null != box && box.send < box.tail)
            {
                taken &= behindReplay(node, box, message, offset, length, keep);
            }
            else if (keep && !hasRoom(box, length))
            {
                // Refused to its publisher (0x97): a message it could not send again must not be acknowledged.
                notKept(node, 1, "its box is full, or the message is larger than half a box (refused)");
                taken = false;
            }
            else
            {
                direct |= bit;
            }
        }
        if (0 != direct)
        {
            final boolean sent = state.cluster.forward(direct, message, offset, length);
            if (sent && keep)
            {
                while (0 != direct)
                {
                    final int node = Long.numberOfTrailingZeros(direct);
                    direct &= direct - 1;
                    final Box box = null == boxes[node] ? open(node) : boxes[node];
                    append(node, box, message, offset, length, KEEP);
                    box.send = box.tail;
                }
            }
            taken &= sent;
        }
        return taken;
    }

    private static boolean isHandoff(final DirectBuffer message, final int offset)
    {
        return 0 != (message.getInt(offset + ForwardDescriptor.FLAGS_OFFSET, ByteOrder.LITTLE_ENDIAN) &
            ForwardDescriptor.HANDOFF_FLAG);
    }

    private boolean keepForDown(final int node, final Box known, final DirectBuffer message, final int offset,
        final int length)
    {
        final Box box = null == known ? open(node) : known;
        if (box.downSinceNs < 0)
        {
            wentDown(node, box);
        }
        if (append(node, box, message, offset, length, KEEP))
        {
            state.counters.forwardsKept++;
            final long position = box.tail - frameLength(length);
            journal(node, box, (int)(position & box.mask()));
        }
        else
        {
            notKept(node, 1, "its box is full");
        }
        return true;    // never refused to the publisher for a node that is away
    }

    /** A replay to the node is under way: this waits behind it. */
    private boolean behindReplay(final int node, final Box box, final DirectBuffer message, final int offset,
        final int length, final boolean keep)
    {
        if (!keep && box.tail - box.head > QOS0_BYTES && 0 == (message.getInt(
            offset + ForwardDescriptor.FLAGS_OFFSET, ByteOrder.LITTLE_ENDIAN) &
            (ForwardDescriptor.QOS_MASK | ForwardDescriptor.HANDOFF_FLAG)))
        {
            notKept(node, 1, "QoS 0 behind a replay");
            return true;
        }
        if (!append(node, box, message, offset, length, keep ? KEEP : 0))
        {
            return false;
        }
        drain(node, box);
        return true;
    }

    private Box open(final int node)
    {
        final Box box = new Box();
        box.generation = state.cluster.linkGeneration(node);
        box.progressNs = state.nowNs;
        boxes[node] = box;
        return box;
    }

    /**
     * The node acknowledged every forward up to {@code sequence}.
     */
    void onAcked(final int node, final long sequence)
    {
        if (node < 0 || node >= MAX_NODES)
        {
            return;
        }
        final Box box = boxes[node];
        if (null != box && sequence > box.acked)
        {
            box.acked = sequence;
            box.progressNs = state.nowNs;
            release(node, box);
        }
    }

    /**
     * End of the Router's batch and every tick: a link opened again replays from the oldest record not
     * acknowledged; a live node's waiting records are sent; a node down past the hold loses its box.
     */
    void service(final long nowNs)
    {
        long done = keptDoneDue;
        keptDoneDue = 0;
        while (0 != done)
        {
            final int node = Long.numberOfTrailingZeros(done);
            done &= done - 1;
            final Box box = boxes[node];
            if (null != box && 0 != box.journaledDone)
            {
                state.journal.appendKeptDone(node, box.journaledDone);
                box.journaledDone = 0;
            }
        }
        long remaining = active;
        while (0 != remaining)
        {
            final int node = Long.numberOfTrailingZeros(remaining);
            remaining &= remaining - 1;
            final Box box = boxes[node];
            checkLink(node, box);
            if (0 != (state.cluster.peers() & (1L << node)))
            {
                box.downSinceNs = -1;
                if (box.head < box.send && nowNs - box.progressNs > ForwardWindows.ACK_TIMEOUT_NS)
                {
                    // Sent, and not acknowledged for that long on a link that stayed open (a node cut off that
                    // never heard the other leave): what the link dropped is sent again; duplicates are discarded.
                    box.send = box.head;
                    box.progressNs = nowNs;
                }
                if (box.send < box.tail)
                {
                    drain(node, box);
                }
            }
            else if (box.downSinceNs < 0)
            {
                wentDown(node, box);
            }
            else if (nowNs - box.downSinceNs > HOLD_NS)
            {
                dropAll(node, box);
            }
        }
    }

    /**
     * The node went down: its publishers' acknowledgements no longer wait for it, so what it had not acknowledged
     * is journaled now, before any of them is sent (the Router services the outbox before it releases them).
     */
    private void wentDown(final int node, final Box box)
    {
        box.downSinceNs = state.nowNs;
        final UnsafeBuffer buffer = box.buffer;
        final int mask = box.mask();
        for (long position = box.head; position < box.tail; position += recordLength(buffer, (int)(position & mask)))
        {
            journal(node, box, (int)(position & mask));
        }
    }

    /** Journals a kept record not yet journaled, still wanted: it survives this node's crash. */
    private void journal(final int node, final Box box, final int index)
    {
        final UnsafeBuffer buffer = box.buffer;
        final int flags = buffer.getInt(index + FLAGS_OFFSET);
        if (!state.journal.enabled() || KEEP != (flags & (KEEP | DONE | PADDING | JOURNALED)) ||
            buffer.getLong(index + SEQUENCE_OFFSET) <= box.acked)
        {
            return;
        }
        if (state.journal.appendKept(node, buffer, index + HEADER_LENGTH, buffer.getInt(index + LENGTH_OFFSET)) >= 0)
        {
            buffer.putInt(index + FLAGS_OFFSET, flags | JOURNALED);
        }
        else
        {
            state.counters.forwardsNotKept++;   // kept in memory only: it does not survive this node's crash
            final long due = dropLog.onEvent(state.nowNs);
            if (due > 0)
            {
                LOG.warn("cluster: {} forward(s) for node {} kept in memory only since the last report: the journal " +
                    "refused them (full)", due, node);
            }
        }
    }

    /**
     * Recovery: the forwards this node had kept for a node that was down, in order; they are sent once it is up.
     *
     * @param node     the destination.
     * @param forwards the forwards ({@code ForwardDescriptor}), oldest first.
     */
    void restore(final int node, final List<byte[]> forwards)
    {
        if (forwards.isEmpty())
        {
            return;
        }
        final Box box = null == boxes[node] ? open(node) : boxes[node];
        for (final byte[] forward : forwards)
        {
            final UnsafeBuffer wrapped = new UnsafeBuffer(forward);
            if (!append(node, box, wrapped, 0, forward.length, KEEP | JOURNALED))
            {
                notKept(node, 1, "its box is full");
            }
        }
    }

    /** A consumer of the journaled records of every box (snapshots write them again). */
    @FunctionalInterface
    interface KeptConsumer
    {
        /** @return false to stop. */
        boolean accept(int node, DirectBuffer forward, int offset, int length);
    }

    /**
     * @param consumer gets each journaled record still kept, in order per node.
     * @return false if the consumer stopped.
     */
    boolean forEachJournaled(final KeptConsumer consumer)
    {
        long remaining = active;
        while (0 != remaining)
        {
            final int node = Long.numberOfTrailingZeros(remaining);
            remaining &= remaining - 1;
            final Box box = boxes[node];
            final UnsafeBuffer buffer = box.buffer;
            final int mask = box.mask();
            for (long position = box.head; position < box.tail;
                position += recordLength(buffer, (int)(position & mask)))
            {
                final int index = (int)(position & mask);
                final int flags = buffer.getInt(index + FLAGS_OFFSET);
                if (JOURNALED == (flags & (JOURNALED | DONE | PADDING)) &&
                    buffer.getLong(index + SEQUENCE_OFFSET) > box.acked &&
                    !consumer.accept(node, buffer, index + HEADER_LENGTH, buffer.getInt(index + LENGTH_OFFSET)))
                {
                    return false;
                }
            }
        }
        return true;
    }

    /** @return whether any box holds records (the Router then services it at the end of each batch). */
    boolean active()
    {
        return 0 != (active | keptDoneDue);
    }

    /** @return bytes held for a node (tests, status). */
    long heldBytes(final int node)
    {
        final Box box = boxes[node];
        return null == box ? 0 : box.tail - box.head;
    }

    private void checkLink(final int node, final Box box)
    {
        final long generation = state.cluster.linkGeneration(node);
        if (generation != box.generation)
        {
            // The link was closed or opened again: what it was sent may be lost; send again what is not acknowledged.
            box.generation = generation;
            box.send = box.head;
            box.progressNs = state.nowNs;
        }
    }

    private void drain(final int node, final Box box)
    {
        final long bit = 1L << node;
        final UnsafeBuffer buffer = box.buffer;
        final int mask = box.mask();
        while (box.send < box.tail)
        {
            final int index = (int)(box.send & mask);
            final int length = buffer.getInt(index + LENGTH_OFFSET);
            final int flags = buffer.getInt(index + FLAGS_OFFSET);
            final long frame = recordLength(buffer, index);
            if (0 != (flags & (PADDING | DONE)) ||
                (0 != (flags & KEEP) && buffer.getLong(index + SEQUENCE_OFFSET) <= box.acked))
            {
                box.send += frame;
                continue;
            }
            if (!expiryLeft(buffer, index))
            {
                buffer.putInt(index + FLAGS_OFFSET, flags | DONE);
                state.counters.forwardsExpiredKept++;
                box.send += frame;
                continue;
            }
            if (!state.cluster.forward(bit, buffer, index + HEADER_LENGTH, length))
            {
                break;  // backed up: the next batch's end or tick goes on
            }
            if (0 == (flags & KEEP))
            {
                buffer.putInt(index + FLAGS_OFFSET, flags | DONE);
            }
            else
            {
                state.counters.forwardsReplayed++;
            }
            box.send += frame;
        }
        release(node, box);
    }

    /**
     * @return false if the message expired while it waited; otherwise its expiry interval is brought up to date.
     */
    private boolean expiryLeft(final UnsafeBuffer buffer, final int index)
    {
        final int message = index + HEADER_LENGTH;
        if (0 != (buffer.getInt(message + ForwardDescriptor.FLAGS_OFFSET, ByteOrder.LITTLE_ENDIAN) &
            ForwardDescriptor.HANDOFF_FLAG))
        {
            return true;
        }
        final int expiry = buffer.getInt(message + ForwardDescriptor.EXPIRY_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (expiry < 0)
        {
            return true;
        }
        final long keptAt = buffer.getLong(index + KEPT_AT_OFFSET);
        final long elapsed = (state.nowNs - keptAt) / NANOS_PER_SECOND;
        if (elapsed <= 0)
        {
            return true;
        }
        if (elapsed >= expiry)
        {
            return false;
        }
        buffer.putInt(message + ForwardDescriptor.EXPIRY_OFFSET, (int)(expiry - elapsed), ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(index + KEPT_AT_OFFSET, keptAt + elapsed * NANOS_PER_SECOND);
        return true;
    }

    private void release(final int node, final Box box)
    {
        final UnsafeBuffer buffer = box.buffer;
        final int mask = box.mask();
        while (box.head < box.send)
        {
            final int index = (int)(box.head & mask);
            final int flags = buffer.getInt(index + FLAGS_OFFSET);
            if (0 == (flags & (PADDING | DONE)) &&
                (0 == (flags & KEEP) || buffer.getLong(index + SEQUENCE_OFFSET) > box.acked))
            {
                break;
            }
            if (0 != (flags & JOURNALED))
            {
                box.journaledDone = Math.max(box.journaledDone, buffer.getLong(index + SEQUENCE_OFFSET));
                keptDoneDue |= 1L << node;
            }
            box.head += recordLength(buffer, index);
        }
        if (box.head == box.tail)
        {
            active &= ~(1L << node);
            if (box.buffer.capacity() > INITIAL_BYTES)
            {
                box.buffer = new UnsafeBuffer(new byte[INITIAL_BYTES]);    // give back what a backlog grew
                box.head = 0;
                box.send = 0;
                box.tail = 0;
            }
        }
    }

    private void dropAll(final int node, final Box box)
    {
        int lost = 0;
        long highest = 0;
        final int mask = box.mask();
        for (long position = box.head; position < box.tail; )
        {
            final int index = (int)(position & mask);
            final int flags = box.buffer.getInt(index + FLAGS_OFFSET);
            if (0 != (flags & KEEP) && 0 == (flags & DONE) && box.buffer.getLong(index + SEQUENCE_OFFSET) > box.acked)
            {
                lost++;
                highest = Math.max(highest, box.buffer.getLong(index + SEQUENCE_OFFSET));
            }
            position += recordLength(box.buffer, index);
        }
        if (highest > 0 && state.journal.enabled())
        {
            state.journal.appendKeptDone(node, highest);
        }
        boxes[node] = null;
        active &= ~(1L << node);
        notKept(node, lost, "it was down longer than the hold (" + TimeUnit.NANOSECONDS.toMinutes(HOLD_NS) +
            " min)");
    }

    /**
     * @param box the box, or null before its first record.
     * @return whether the box can take a record this long, growing if need be (a padding is shorter than it).
     */
    private static boolean hasRoom(final Box box, final int length)
    {
        return (null == box ? 0 : box.tail - box.head) + 2 * frameLength(length) <= MAX_BYTES;
    }

    private boolean append(final int node, final Box box, final DirectBuffer message, final int offset,
        final int length, final int flags)
    {
        final long frame = frameLength(length);
        if (!hasRoom(box, length))
        {
            return false;
        }
        while (true)
        {
            final int capacity = box.buffer.capacity();
            final int index = (int)(box.tail & box.mask());
            final long padding = index + frame > capacity ? capacity - index : 0;
            if (padding + frame <= capacity - (box.tail - box.head))
            {
                if (padding > 0)
                {
                    box.buffer.putInt(index + LENGTH_OFFSET, (int)padding);
                    box.buffer.putInt(index + FLAGS_OFFSET, PADDING);
                    box.tail += padding;
                }
                break;
            }
            grow(box);     // within MAX_BYTES: hasRoom
        }
        final int index = (int)(box.tail & box.mask());
        box.buffer.putInt(index + LENGTH_OFFSET, length);
        box.buffer.putInt(index + FLAGS_OFFSET, flags);
        box.buffer.putLong(index + SEQUENCE_OFFSET, 0 == (flags & KEEP) ? 0 :
            message.getLong(offset + ForwardDescriptor.ORIGIN_SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN));
        box.buffer.putLong(index + KEPT_AT_OFFSET, state.nowNs);
        box.buffer.putBytes(index + HEADER_LENGTH, message, offset, length);
        box.tail += frame;
        active |= 1L << node;
        return true;
    }

    /** Doubles the ring; records keep their positions (and none wraps: a doubled ring splits none). */
    private static void grow(final Box box)
    {
        final UnsafeBuffer old = box.buffer;
        final int oldMask = old.capacity() - 1;
        final UnsafeBuffer grown = new UnsafeBuffer(new byte[old.capacity() * 2]);
        final int newMask = grown.capacity() - 1;
        long position = box.head;
        while (position < box.tail)
        {
            final int from = (int)(position & oldMask);
            final int chunk = (int)Math.min(box.tail - position, old.capacity() - from);
            grown.putBytes((int)(position & newMask), old, from, chunk);
            position += chunk;
        }
        box.buffer = grown;
    }

    private void notKept(final int node, final int count, final String why)
    {
        state.counters.forwardsNotKept += count;
        final long due = dropLog.onEvent(state.nowNs);
        if (due > 0)
        {
            LOG.warn("cluster: {} forward(s) for node {} not kept for it since the last report, the last because {}",
                due, node, why);
        }
    }

    /** @return the length of the record at {@code index}: a padding record's length field holds its whole length. */
    private static long recordLength(final UnsafeBuffer buffer, final int index)
    {
        final int length = buffer.getInt(index + LENGTH_OFFSET);
        return 0 != (buffer.getInt(index + FLAGS_OFFSET) & PADDING) ? length : frameLength(length);
    }

    private static long frameLength(final int length)
    {
        return (HEADER_LENGTH + length + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
