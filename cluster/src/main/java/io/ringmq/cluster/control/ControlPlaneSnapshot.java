package io.ringmq.cluster.control;

import static io.ringmq.cluster.control.ControlMessageDescriptor.NODE_UP;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_OWNER;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_END;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_HOLD;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_RETAINED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_RETAINED_CLEARED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_SESSION_EXPIRED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_ROUTE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_WILL;

import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.cluster.client.ClusterException;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.FragmentAssembler;
import io.ringmq.cluster.ClusterMembers;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes the control plane's state to a snapshot and reads it back: one {@link ControlMessageDescriptor} record per
 * live node ({@code NODE_UP}, with its cluster session, voting flag and last command applied), per down node held
 * or gone ({@code SNAPSHOT_HOLD}), per filter ({@code SNAPSHOT_ROUTE} with its node mask), per directory entry
 * ({@code SESSION_OWNER} with its epoch, and a body: its expiry, when its connection ended, when it goes, the node
 * its epoch took the id from and whether in a hand-off, see {@link ControlPlaneState.Owner}; a record without a body,
 * or with the first three only, from an older snapshot, reads as not told, or as taken from no node), per session
 * that expired while its node was down ({@code SNAPSHOT_SESSION_EXPIRED}), per topic cleared while a node was down
 * ({@code SNAPSHOT_RETAINED_CLEARED})
 * and per retained message ({@code SNAPSHOT_RETAINED} with the node it came
 * from, its expiry time and the message), per will ({@code SNAPSHOT_WILL}, see {@link #WILL_DUE}), then
 * {@code SNAPSHOT_END} with the epoch counter and the expiry sweep's cursor (so that a member started from the
 * snapshot sweeps the same topics as the others).
 */
final class ControlPlaneSnapshot
{
    /**
     * A will record's {@code other} bits: it is due (its value is the cluster time it is due at, else its delay in
     * cluster time units)...
     */
    static final int WILL_DUE = 1;
    /** ... and it was published (the body is empty)... */
    static final int WILL_PUBLISHED = 2;
    /** ... or, not due, its delay runs on its node (its value is then the time it is due at if the node goes down). */
    static final int WILL_RUNNING = 4;

    /**
     * Length of a directory entry record's body: its expiry, when its connection ended, when it goes (longs), the
     * node its epoch took the id from and whether in a hand-off (ints).
     */
    static final int OWNER_EXPIRY_LENGTH = 4 * Long.BYTES;

    private final ControlPlaneState state;
    private final UnsafeBuffer ownerExpiry = new UnsafeBuffer(new byte[OWNER_EXPIRY_LENGTH]);
    private final ControlMessageEncoder encoder = new ControlMessageEncoder();
    private final ControlMessageDecoder decoder = new ControlMessageDecoder();
    private boolean ended;
    private String sweepCursor;

    ControlPlaneSnapshot(final ControlPlaneState state)
    {
        this.state = state;
    }

    void write(final ExclusivePublication publication, final MutableDirectBuffer buffer, final IdleStrategy idle,
        final String sweepCursor)
    {
        long live = state.liveNodes();
        while (live != 0)
        {
            final int node = Long.numberOfTrailingZeros(live);
            live &= live - 1;
            final int length = encoder.encode(buffer, 0, NODE_UP, node, state.isVoting(node) ? 1 : 0,
                state.clusterSession(node), state.endpoint(node));
            ControlMessageEncoder.sequence(buffer, 0, state.lastCommand(node));
            offer(publication, buffer, idle, length);
        }
        for (int node = 0; node < ClusterMembers.MAX_NODES; node++)
        {
            if (!state.isUp(node) && (0 != state.heldUntil(node) || state.isGone(node)))
            {
                offer(publication, buffer, idle, encoder.encode(buffer, 0, SNAPSHOT_HOLD, node,
                    state.isGone(node) ? 1 : 0, state.heldUntil(node), null));
            }
        }
        for (final Map.Entry<String, Long> route : state.routes().entrySet())
        {
            offer(publication, buffer, idle,
                encoder.encode(buffer, 0, SNAPSHOT_ROUTE, 0, 0, route.getValue(), route.getKey()));
        }
        for (final Map.Entry<String, ControlPlaneState.Owner> session : state.sessions().entrySet())
        {
            final ControlPlaneState.Owner owner = session.getValue();
            ownerExpiry.putLong(0, owner.expiry, ByteOrder.LITTLE_ENDIAN);
            ownerExpiry.putLong(Long.BYTES, owner.offlineSince, ByteOrder.LITTLE_ENDIAN);
            ownerExpiry.putLong(2 * Long.BYTES, owner.dueAt, ByteOrder.LITTLE_ENDIAN);
            ownerExpiry.putInt(3 * Long.BYTES, owner.previous, ByteOrder.LITTLE_ENDIAN);
            ownerExpiry.putInt(3 * Long.BYTES + Integer.BYTES, owner.handedOver ? 1 : 0, ByteOrder.LITTLE_ENDIAN);
            offer(publication, buffer, idle, encoder.encode(buffer, 0, SESSION_OWNER, owner.node, -1, owner.epoch,
                session.getKey(), ownerExpiry, 0, OWNER_EXPIRY_LENGTH));
        }
        for (int node = 0; node < ClusterMembers.MAX_NODES; node++)
        {
            writeNames(publication, buffer, idle, SNAPSHOT_SESSION_EXPIRED, node, state.expiredOf(node));
            writeNames(publication, buffer, idle, SNAPSHOT_RETAINED_CLEARED, node, state.clearedWhileDown(node));
        }
        for (final Map.Entry<String, ControlPlaneState.Retained> entry : state.retained().entrySet())
        {
            final ControlPlaneState.Retained message = entry.getValue();
            offer(publication, buffer, idle, encoder.encode(buffer, 0, SNAPSHOT_RETAINED, message.node, 0,
                message.expiresAt, entry.getKey(), new UnsafeBuffer(message.message), 0, message.message.length));
        }
        for (int node = 0; node < ClusterMembers.MAX_NODES; node++)
        {
            final Map<String, ControlPlaneState.Will> wills = state.willsOf(node);
            if (null != wills)
            {
                for (final ControlPlaneState.Will will : wills.values())
                {
                    writeWill(publication, buffer, idle, will);
                }
            }
        }
        offer(publication, buffer, idle,
            encoder.encode(buffer, 0, SNAPSHOT_END, 0, 0, state.lastEpoch(), sweepCursor));
    }

    /** One record of {@code type} per name (client id or topic) kept for the node, if any. */
    private void writeNames(final ExclusivePublication publication, final MutableDirectBuffer buffer,
        final IdleStrategy idle, final int type, final int node, final Set<String> names)
    {
        if (null != names)
        {
            for (final String name : names)
            {
                offer(publication, buffer, idle, encoder.encode(buffer, 0, type, node, 0, 0, name));
            }
        }
    }

    private void writeWill(final ExclusivePublication publication, final MutableDirectBuffer buffer,
        final IdleStrategy idle, final ControlPlaneState.Will will)
    {
        final boolean running = 0 == will.dueAt && 0 != will.runningUntil;
        final int flags = (0 == will.dueAt ? 0 : WILL_DUE) | (will.published() ? WILL_PUBLISHED : 0) |
            (running ? WILL_RUNNING : 0);
        final byte[] message = will.published() ? new byte[0] : will.message;
        final long value = 0 != will.dueAt ? will.dueAt : running ? will.runningUntil : will.delay;
        offer(publication, buffer, idle, encoder.encode(buffer, 0, SNAPSHOT_WILL, will.node, flags, value,
            will.clientId, new UnsafeBuffer(message), 0, message.length));
    }

    private static void offer(
        final ExclusivePublication publication, final DirectBuffer buffer, final IdleStrategy idle, final int length)
    {
        idle.reset();
        long result;
        while ((result = publication.offer(buffer, 0, length)) < 0)
        {
            if (Publication.CLOSED == result || Publication.NOT_CONNECTED == result ||
                Publication.MAX_POSITION_EXCEEDED == result)
            {
                throw new ClusterException("control plane snapshot: publication failed: " + result);
            }
            idle.idle();
        }
    }

    /**
     * @return the expiry sweep's cursor, or null.
     */
    String load(final Image image, final IdleStrategy idle)
    {
        final FragmentHandler handler = new FragmentAssembler(this::onRecord);
        idle.reset();
        while (!ended)
        {
            final int fragments = image.poll(handler, 64);
            if (0 == fragments && image.isClosed() && !ended)
            {
                throw new ClusterException("control plane snapshot ended before its last record");
            }
            idle.idle(fragments);
        }
        return sweepCursor;
    }

    private void onRecord(
        final DirectBuffer buffer, final int offset, final int length, final io.aeron.logbuffer.Header header)
    {
        if (!decoder.wrap(buffer, offset, length))
        {
            throw new ClusterException("control plane snapshot: malformed record of " + length + " bytes");
        }
        switch (decoder.type())
        {
            case NODE_UP -> state.restoreNode(decoder.node(), decoder.value(), decoder.other() != 0, decoder.text(),
                decoder.sequence());
            case SNAPSHOT_ROUTE -> state.restoreRoute(decoder.text(), decoder.value());
            case SESSION_OWNER -> restoreSession(buffer);
            case SNAPSHOT_RETAINED ->
            {
                final byte[] message = new byte[decoder.bodyLength()];
                buffer.getBytes(decoder.bodyOffset(), message);
                state.restoreRetained(decoder.text(),
                    new ControlPlaneState.Retained(decoder.node(), message, decoder.value()));
            }
            case SNAPSHOT_WILL -> restoreWill(buffer);
            case SNAPSHOT_HOLD -> state.restoreHold(decoder.node(), decoder.value(), 0 != decoder.other());
            case SNAPSHOT_SESSION_EXPIRED -> state.restoreExpired(decoder.node(), decoder.text());
            case SNAPSHOT_RETAINED_CLEARED -> state.restoreClearedWhileDown(decoder.node(), decoder.text());
            case SNAPSHOT_END ->
            {
                state.restoreLastEpoch(decoder.value());
                sweepCursor = 0 == decoder.textLength() ? null : decoder.text();
                ended = true;
            }
            default -> throw new ClusterException("control plane snapshot: unknown record type " + decoder.type());
        }
    }

    private void restoreSession(final DirectBuffer buffer)
    {
        final int body = decoder.bodyOffset();
        final int length = decoder.bodyLength();
        if (length < 3 * Long.BYTES)
        {
            state.restoreSession(decoder.text(), decoder.node(), decoder.value());
            return;
        }
        final boolean previousKept = length >= OWNER_EXPIRY_LENGTH;
        state.restoreSession(decoder.text(), decoder.node(), decoder.value(),
            buffer.getLong(body, ByteOrder.LITTLE_ENDIAN), buffer.getLong(body + Long.BYTES, ByteOrder.LITTLE_ENDIAN),
            buffer.getLong(body + 2 * Long.BYTES, ByteOrder.LITTLE_ENDIAN),
            previousKept ? buffer.getInt(body + 3 * Long.BYTES, ByteOrder.LITTLE_ENDIAN) : -1,
            previousKept && 0 != buffer.getInt(body + 3 * Long.BYTES + Integer.BYTES, ByteOrder.LITTLE_ENDIAN));
    }

    private void restoreWill(final DirectBuffer buffer)
    {
        final int flags = decoder.other();
        final boolean due = (flags & WILL_DUE) != 0;
        byte[] message = null;
        if ((flags & WILL_PUBLISHED) == 0)
        {
            message = new byte[decoder.bodyLength()];
            buffer.getBytes(decoder.bodyOffset(), message);
        }
        final boolean running = (flags & WILL_RUNNING) != 0;
        final ControlPlaneState.Will will = new ControlPlaneState.Will(decoder.node(), decoder.text(), message,
            due || running ? 0 : decoder.value());
        will.dueAt = due ? decoder.value() : 0;
        will.runningUntil = running ? decoder.value() : 0;
        state.restoreWill(will);
    }
}
