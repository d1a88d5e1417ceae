package io.ringmq.core.routing;

import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.cluster.HandoffCodec;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.codec.TopicValidator;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.AuthOutcome;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Delivery;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.SessionTransit;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.IntHashSet;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A session follows its client to another node of the cluster ({@code cluster/DESIGN.md}, section 6).
 * <p>
 * <b>New owner (B)</b>: a client resumes a session (clean start 0) whose client id this node does not own: its
 * CONNACK waits ({@link PendingConnect}, frames it sends meanwhile kept) while the directory decides. Nobody had the
 * session, or this node did: the CONNECT proceeds. Another node that is up has it: that node hands it over
 * ({@link Arrival}). The owner is down: refused with 0x88 (server unavailable), as the session comes back with its
 * node. The arriving session takes its subscriptions first (this node announces its routes), then asks the control
 * plane for the cut; it takes a message from a node only after that node's cut, and the previous owner's records
 * (deliveries in flight with their packet ids, the queue, inbound QoS 2 packet ids) go before those. At the end it is
 * journaled, the previous owner is told (DONE), and the CONNACK goes out with session present.
 * <p>
 * <b>Previous owner (A)</b>: the directory's hand-off closes the local connection (0x8E) and the session departs
 * ({@link Departure}): its subscriptions go to B at once, it keeps taking the messages each node routed before that
 * node's cut (every node sends a marker on its data-plane stream when it applies the cut), and once every node's cut
 * is seen its whole state goes to B. It is dropped when B says DONE (no will: the client is connected to B).
 * <p>
 * <b>Bounds and failures</b>: at most {@link #MAX_PENDING_CONNECTS} waiting CONNECTs, {@link #MAX_EARLY_BYTES}
 * bytes of early frames each; a CONNECT waits at most {@link #WAIT_NS} for the directory and the hand-off (then
 * 0x88); a hand-off whose previous owner goes down or does not finish in time gives the ownership back to it (its
 * session stays there); a departure whose new owner goes down, or does not answer DONE in time, keeps the session
 * here. Every refusal and failure is counted and logged (rate-limited).
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class SessionHandoff
{
    /** Most CONNECTs waiting for the directory. */
    static final int MAX_PENDING_CONNECTS = 10_000;
    /** Most bytes a client may send between its CONNECT and its CONNACK while the CONNACK waits. */
    static final int MAX_EARLY_BYTES = 64 * 1024;
    /** Longest wait for the directory's answer, the cut's markers, the session's records or DONE. */
    static final long WAIT_NS = 10_000_000_000L;
    /** Most hand-off records kept because they came before this node's own hand-off event. */
    static final int MAX_EARLY_RECORDS = 1_000;
    /** Most bytes of such records kept. */
    static final long MAX_EARLY_RECORD_BYTES = 16L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SessionHandoff.class);

    /** Replays a frame a client sent while its CONNACK waited (the Router's frame handler). */
    interface FrameHandler
    {
        void onFrame(ClientConnection connection, org.agrona.MutableDirectBuffer frame, int length);
    }

    /** A CONNECT whose CONNACK waits for the directory (and the hand-off). */
    static final class PendingConnect
    {
        final ClientConnection connection;
        final ConnectPacket connect;
        final String clientId;
        final String assignedId;
        final TopicPermissions permissions;
        final AuthOutcome auth;
        final long deadlineNs;
        final ArrayList<byte[]> early = new ArrayList<>();
        int earlyBytes;

        PendingConnect(final ClientConnection connection, final ConnectPacket connect, final String clientId,
            final String assignedId, final TopicPermissions permissions, final AuthOutcome auth, final long deadlineNs)
        {
            this.connection = connection;
            this.connect = connect;
            this.clientId = clientId;
            this.assignedId = assignedId;
            this.permissions = permissions;
            this.auth = auth;
            this.deadlineNs = deadlineNs;
        }
    }

    /** A session leaving this node. */
    static final class Departure
    {
        final Session session;
        final byte[] id;
        final long deadlineNs;
        /**
         * The nodes whose cut is awaited: the live peers when the hand-off began (the new owner's too); -1 while it
         * has not begun (this node, just joined, does not know yet which nodes are up).
         */
        long waitFor;
        boolean localCut;
        /** The deliveries to send once every cut is seen, and the next one to send; null before. */
        Delivery[] toSend;
        int next;
        /** DELIVERY records sent (expired messages are skipped). */
        int sent;
        boolean ended;

        Departure(final Session session, final long deadlineNs)
        {
            this.session = session;
            this.id = HandoffCodec.utf8(session.clientId());
            this.deadlineNs = deadlineNs;
            this.waitFor = -1;
        }
    }

    /** A session arriving on this node. */
    static final class Arrival
    {
        final int from;
        final long epoch;
        final long deadlineNs;
        Session session;
        /** The previous owner's queued deliveries, in order: they go before those routed here after the cuts. */
        final ArrayDeque<Delivery> handed = new ArrayDeque<>();
        int received;
        /** Part of the session could not be journaled here: it is given back rather than confirmed. */
        boolean journalFull;
        /** The id was claimed elsewhere meanwhile: the copy here ended, the move's records are ignored. */
        boolean replaced;

        Arrival(final int from, final long epoch, final long deadlineNs)
        {
            this.from = from;
            this.epoch = epoch;
            this.deadlineNs = deadlineNs;
        }
    }

    /** A hand-off record that came before this node's hand-off event (see {@link #earlyRecords}). */
    record EarlyRecord(byte[] frame, long epoch, long deadlineNs)
    {
    }

    private final BrokerState state;
    private final SessionLifecycle lifecycle;
    private final InboundPublish publishes;
    private final HashMap<String, PendingConnect> pending = new HashMap<>();
    private final Long2ObjectHashMap<PendingConnect> pendingByConnection = new Long2ObjectHashMap<>();
    private final HashMap<String, Departure> departures = new HashMap<>();
    private final HashMap<String, Arrival> arrivals = new HashMap<>();
    /**
     * The previous owner's first record (SUBSCRIPTIONS, or END when it had no session) that came before the hand-off
     * event it answers: the previous owner applied the event from the log and answered on the data plane before
     * this node applied the same event. Kept (the newest epoch per client id, at most {@link #MAX_EARLY_RECORDS} and
     * {@link #MAX_EARLY_RECORD_BYTES}, each at most {@link #WAIT_NS}) and handled when the event comes.
     */
    private final HashMap<String, EarlyRecord> earlyRecords = new HashMap<>();
    private long earlyRecordBytes;
    private final ForwardCodec replayed = new ForwardCodec();
    private final HandoffCodec record = new HandoffCodec();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    private final PublishSource source;
    private final RateLimitedLog failures = new RateLimitedLog(10_000_000_000L);
    private FrameHandler frames;

    SessionHandoff(final BrokerState state, final SessionLifecycle lifecycle, final InboundPublish publishes)
    {
        this.state = state;
        this.lifecycle = lifecycle;
        this.publishes = publishes;
        this.source = new PublishSource(state.journal);
    }

    /** @param frames replays the frames a client sent while its CONNACK waited. */
    void frameHandler(final FrameHandler frames)
    {
        this.frames = frames;
    }

    /**
     * A CONNECT accepted so far: in a cluster, a resume of a session this node does not own waits for the directory.
     *
     * @return true if the CONNECT waits (or was refused); false to accept it now.
     */
    boolean defer(final ClientConnection connection, final ConnectPacket connect, final String clientId,
        final String assignedId, final TopicPermissions permissions, final AuthOutcome auth)
    {
        if (state.cluster.nodeId() < 0 || connect.cleanStart() || state.clusterSessions.owns(clientId))
        {
            return false;
        }
        final PendingConnect earlier = pending.remove(clientId);
        if (null != earlier)
        {
            pendingByConnection.remove(earlier.connection.connectionId());
            state.disconnector.refuseConnect(earlier.connection, ReasonCode.SESSION_TAKEN_OVER,
                "another connection used this client id while the session was being resumed");
        }
        else if (pending.size() >= MAX_PENDING_CONNECTS)
        {
            state.counters.handoffsFailed++;
            fail("a resume of '" + clientId + "' refused: " + MAX_PENDING_CONNECTS + " CONNECTs wait already");
            state.disconnector.refuseConnect(connection, ReasonCode.SERVER_UNAVAILABLE,
                "too many sessions are being resumed from other nodes");
            return true;
        }
        final PendingConnect waiting = new PendingConnect(connection, connect, clientId, assignedId, permissions, auth,
            state.nowNs + WAIT_NS);
        pending.put(clientId, waiting);
        pendingByConnection.put(connection.connectionId(), waiting);
        if (null == earlier)
        {
            state.clusterSessions.claim(clientId, true);
        }
        return true;
    }

    /**
     * A frame from a connection whose CONNACK waits is kept, to be handled after it.
     *
     * @return true if it was kept (or the connection refused past the bound).
     */
    boolean keepEarlyFrame(final ClientConnection connection, final DirectBuffer frame, final int length)
    {
        final PendingConnect waiting = pendingByConnection.get(connection.connectionId());
        if (null == waiting)
        {
            return false;
        }
        if (waiting.earlyBytes + length > MAX_EARLY_BYTES)
        {
            drop(waiting);
            state.disconnector.refuseConnect(connection, ReasonCode.QUOTA_EXCEEDED,
                "more than " + MAX_EARLY_BYTES + " bytes sent before the CONNACK");
            return true;
        }
        final byte[] copy = new byte[length];
        frame.getBytes(0, copy);
        waiting.early.add(copy);
        waiting.earlyBytes += length;
        return true;
    }

    /**
     * The directory's answer or a cut (a {@code CLUSTER_SESSION} event; kinds in {@link ClusterLink}).
     *
     * @param other the previous owner, or for {@link ClusterLink#SESSION_OWNER_DOWN} this node.
     */
    void onSessionEvent(final int kind, final String clientId, final int owner, final int other, final long epoch)
    {
        final int self = state.cluster.nodeId();
        switch (kind)
        {
            case ClusterLink.SESSION_OWNER -> onOwner(clientId, owner, other, epoch, self);
            case ClusterLink.SESSION_HANDOFF -> onHandoff(clientId, owner, other, epoch, self);
            case ClusterLink.SESSION_OWNER_DOWN -> onResumeRefused(clientId, owner, epoch);
            case ClusterLink.SESSION_CUT -> onCut(clientId, owner, other, epoch, self);
            case ClusterLink.SESSION_QUERIED -> onQueried(clientId, owner, other, epoch, self);
            default ->
            {
                state.counters.routerErrors++;
                LOG.warn("unknown cluster session event kind {}", kind);
            }
        }
    }

    /**
     * This node's resume was refused: the session's owner is down (the session comes back with it), or, with the
     * epoch {@link ClusterLink#OWNER_MOVING}, the session is moving to its owner for another resume of the same id.
     */
    private void onResumeRefused(final String clientId, final int owner, final long epoch)
    {
        state.clusterSessions.forget(clientId);
        final PendingConnect waiting = takePending(clientId);
        if (null == waiting)
        {
            return;
        }
        state.counters.handoffsFailed++;
        if (ClusterLink.OWNER_MOVING == epoch)
        {
            // 0x89 Server busy: the other resume takes a moment, and the client tries again.
            state.disconnector.refuseConnect(waiting.connection, ReasonCode.SERVER_BUSY, "its session is moving to " +
                "node " + owner + " for another resume of the same client id: try again");
        }
        else
        {
            refuse(waiting, "its session lives on node " + owner + ", which is down: it comes back with it");
        }
    }

    /**
     * The directory's entry for an id this node asked about ({@link ClusterSessions#onSynced}): if the claim is still
     * unanswered here, its answer was lost, and the entry stands for it. Owned here: as the decision would have been
     * (a hand-off from the node it names waits for its records, which that node sends if it had the event, else the
     * wait times out and the session is given back). Owned elsewhere, or by nobody: another node claimed the id after
     * this one's claim (or this one's resume found the owner down): the connection here closes, a waiting CONNECT is
     * refused.
     */
    private void onQueried(final String clientId, final int owner, final int other, final long epoch,
        final int self)
    {
        if (!state.clusterSessions.pending(clientId))
        {
            return;     // answered after all (the question came after the claim), or the session went meanwhile
        }
        final boolean handedOver = other >= ClusterLink.QUERIED_HANDED_OVER;
        final int previous = handedOver ? other - ClusterLink.QUERIED_HANDED_OVER : other;
        fail("the directory's answer to the claim of '" + clientId + "' was lost (a leader change): asked, node " +
            owner + " owns it under epoch " + epoch);
        if (owner == self)
        {
            if (handedOver)
            {
                onHandoff(clientId, owner, previous, epoch, self);
            }
            else
            {
                onOwner(clientId, owner, previous, epoch, self);
            }
            return;
        }
        state.clusterSessions.lostWhilePending(clientId, owner, state.disconnector);
        final PendingConnect waiting = takePending(clientId);
        if (null != waiting)
        {
            state.counters.handoffsFailed++;
            refuse(waiting, "the resume's answer was lost with the control plane's leader, and node " + owner +
                " holds the session");
        }
    }

    private void onOwner(final String clientId, final int owner, final int previous, final long epoch,
        final int self)
    {
        final boolean lost = state.clusterSessions.onOwner(clientId, owner, epoch, state.disconnector);
        if (owner == self)
        {
            if (ClusterLink.PREVIOUS_EXPIRED == previous)
            {
                lifecycle.dropExpiredCopy(clientId);    // a resume here starts afresh, as anywhere else
            }
            final PendingConnect waiting = takePending(clientId);
            if (null != waiting)
            {
                complete(waiting);
            }
        }
        else
        {
            if (!state.clusterSessions.owns(clientId))
            {
                endReplacedMove(clientId, owner, epoch);
            }
            if (previous == self && (lost || !state.clusterSessions.owns(clientId)))
            {
                endOfflineCopy(clientId);
            }
        }
    }

    /**
     * The id went to another node by a plain claim, not a move (a clean start there, MQTT-3.1.2-4, or the previous
     * owner taking it back from a move that failed), while its session was moving: the move ends with it. A copy
     * arriving here ends, and the CONNECT that waits for it is refused; the arrival stays, marked, until its deadline
     * so that the move's later records are ignored. A copy leaving from here ends too, unless it leaves for that very
     * node. Every node applies the claim in log order, so each one's copy ends without a word between them.
     */
    private void endReplacedMove(final String clientId, final int owner, final long epoch)
    {
        final Arrival arrival = arrivals.get(clientId);
        if (null != arrival && !arrival.replaced && arrival.epoch < epoch)
        {
            arrival.replaced = true;
            state.counters.handoffsFailed++;
            fail("session '" + clientId + "' was arriving from node " + arrival.from + " when node " + owner +
                " took the client id: the move ends");
            if (null != arrival.session)
            {
                endTransit(arrival.session);
                lifecycle.endSession(arrival.session, true);
                arrival.session = null;
            }
            arrival.handed.clear();
            final PendingConnect waiting = takePending(clientId);
            if (null != waiting)
            {
                refuse(waiting, "node " + owner + " took the client id while its session was moving here");
            }
        }
        final Departure departure = departures.get(clientId);
        if (null != departure && departure.session.transit().epoch() < epoch &&
            departure.session.transit().peer() != owner)
        {
            departures.remove(clientId);
            LOG.debug("hand-off of '{}' (epoch {}): node {} took the client id, the leaving copy ends", clientId,
                departure.session.transit().epoch(), owner);
            endTransit(departure.session);
            lifecycle.endSession(departure.session, false);
        }
    }

    /** A clean start on another node: an offline session here ends (MQTT-3.1.2-4), its will too if one waits. */
    private void endOfflineCopy(final String clientId)
    {
        final Session session = state.sessions.get(clientId);
        if (null != session && null == session.connection() && null == session.transit())
        {
            lifecycle.endSession(session, false);
        }
    }

    private void onHandoff(final String clientId, final int owner, final int previous, final long epoch,
        final int self)
    {
        if (owner == self)
        {
            // A newer hand-off of the same session (an earlier claim of this node was answered late) supersedes an
            // older one still arriving: its partial copy goes, but neither the new epoch nor the waiting CONNECT,
            // which the newer hand-off is for.
            final Arrival earlier = arrivals.remove(clientId);
            if (null != earlier && null != earlier.session)
            {
                state.counters.handoffsFailed++;
                fail("session '" + clientId + "': a newer hand-off from node " + previous + " replaces the one " +
                    "arriving from node " + earlier.from);
                endTransit(earlier.session);
                lifecycle.endSession(earlier.session, true);
            }
            state.clusterSessions.onOwner(clientId, owner, epoch, state.disconnector);
            arrivals.put(clientId, new Arrival(previous, epoch, state.nowNs + WAIT_NS));
            LOG.debug("hand-off of '{}' (epoch {}): arriving from node {}", clientId, epoch, previous);
            replayEarlyRecord(clientId, epoch);
            return;
        }
        if (previous != self)
        {
            return;
        }
        final boolean ownedHere = state.clusterSessions.owns(clientId);
        final boolean lost = state.clusterSessions.onOwner(clientId, owner, epoch, state.disconnector);
        if (ownedHere && !lost)
        {
            LOG.debug("hand-off of '{}' (epoch {}) to node {}: not answered, this node claimed it again", clientId,
                epoch, owner);
            return;     // this node claimed the id again since: its claim is the newer one
        }
        final Session session = state.sessions.get(clientId);
        if (null != session && null != session.transit())
        {
            // Already leaving under an older epoch: that move goes on; the newer one is not answered, so the new
            // owner gives it back after its wait and its client resumes again (saying "no session" would lose it).
            fail("session '" + clientId + "' is already moving: a newer hand-off to node " + owner + " waits");
            return;
        }
        if (null == session)
        {
            sendOrLog(owner, HandoffCodec.END, epoch, clientId, -1);
            return;
        }
        depart(session, owner, epoch);
    }

    private void depart(final Session session, final int to, final long epoch)
    {
        if (null != session.connection())
        {
            state.disconnector.close(session.connection(), ReasonCode.SESSION_TAKEN_OVER,
                "the client resumed its session on node " + to + " of the cluster");
        }
        session.transit(new SessionTransit(false, to, epoch));
        state.sessionsInTransit++;
        state.timers.cancelExpiry(session);
        final Departure departure = new Departure(session, state.nowNs + WAIT_NS);
        departures.put(session.clientId(), departure);
        begin(departure);
    }

    /**
     * Sends the subscriptions, once this node knows which nodes are up: a node just restarted is told of a hand-off
     * (its sessions' resumes waited for it) before its first sync, and would otherwise find the new owner unknown and
     * await the cuts of too few nodes (a node whose marker is not awaited could route a message to the old copy
     * after it has gone). Until then, and within the hand-off's wait, the tick tries again.
     */
    private void begin(final Departure departure)
    {
        if (!state.cluster.synced())
        {
            return;
        }
        departure.waitFor = state.cluster.peers();
        LOG.debug("hand-off of '{}' (epoch {}) to node {}: subscriptions sent, awaiting the cuts of nodes {}",
            departure.session.clientId(), departure.session.transit().epoch(), departure.session.transit().peer(),
            Long.toBinaryString(departure.waitFor));
        sendSubscriptions(departure, departure.session.transit().peer(), departure.session.transit().epoch());
    }

    private void sendSubscriptions(final Departure departure, final int to, final long epoch)
    {
        final Map<String, Subscription> subscriptions = departure.session.subscriptions();
        final ExpandableArrayBuffer body = new ExpandableArrayBuffer(256);
        int at = 0;
        for (final Subscription subscription : subscriptions.values())
        {
            final byte[] filter = HandoffCodec.utf8(subscription.filter());
            body.putInt(at, filter.length, ByteOrder.LITTLE_ENDIAN);
            body.putInt(at + 4, subscription.subscriptionId(), ByteOrder.LITTLE_ENDIAN);
            body.putInt(at + 8, JournalDescriptor.subscriptionOptions(subscription.qos(), subscription.noLocal(),
                subscription.retainAsPublished(), subscription.retainHandling()), ByteOrder.LITTLE_ENDIAN);
            body.putBytes(at + HandoffCodec.SUBSCRIPTION_ENTRY_LENGTH, filter);
            at += HandoffCodec.SUBSCRIPTION_ENTRY_LENGTH + filter.length;
        }
        final long expiry = departure.session.expiryIntervalSeconds();
        if (!sendRecord(to, HandoffCodec.SUBSCRIPTIONS, epoch, departure.id, subscriptions.size(),
            (int)(expiry >>> 32), (int)expiry, body, at))
        {
            fail("the subscriptions of '" + departure.session.clientId() + "' could not be sent to node " + to);
        }
    }

    private void onCut(final String clientId, final int owner, final int previous, final long epoch, final int self)
    {
        LOG.debug("hand-off of '{}' (epoch {}) from node {} to node {}: cut", clientId, epoch, previous, owner);
        if (self == previous)
        {
            final Departure departure = departures.get(clientId);
            if (null != departure && departure.session.transit().epoch() == epoch)
            {
                departure.localCut = true;
                departure.session.transit().cut(self);
                progress(departure);
            }
        }
        else
        {
            sendOrLog(previous, HandoffCodec.MARKER, epoch, clientId, 0);
        }
        if (self == owner)
        {
            final Arrival arrival = arrivals.get(clientId);
            if (null != arrival && arrival.epoch == epoch && null != arrival.session)
            {
                arrival.session.transit().cut(self);
            }
        }
        else
        {
            sendOrLog(owner, HandoffCodec.MARKER, epoch, clientId, 0);
        }
    }

    /** A hand-off record from another node (a forwarded message with the hand-off flag). */
    void onRecord(final ForwardCodec message, final DirectBuffer frame, final int length)
    {
        if (!record.wrap(message, frame))
        {
            state.counters.routerErrors++;
            LOG.warn("a session hand-off record of {} bytes from node {} is malformed: dropped", length,
                message.originNode());
            return;
        }
        final String clientId = record.clientId();
        final long epoch = record.epoch();
        final int node = record.node();
        final Arrival ended = arrivals.get(clientId);
        if (null != ended && ended.replaced && ended.epoch == epoch)
        {
            LOG.debug("hand-off of '{}' (epoch {}): a record of a move that ended, ignored", clientId, epoch);
            return;
        }
        switch (record.kind())
        {
            case HandoffCodec.MARKER -> onMarker(clientId, node, epoch);
            case HandoffCodec.SUBSCRIPTIONS -> onSubscriptions(clientId, epoch, frame, length);
            case HandoffCodec.DELIVERY -> onDelivery(clientId, epoch, frame, length);
            case HandoffCodec.END -> onEnd(clientId, epoch, frame, length);
            case HandoffCodec.DONE ->
            {
                final Departure departure = departures.get(clientId);
                if (null != departure && departure.session.transit().epoch() == epoch)
                {
                    departures.remove(clientId);
                    endTransit(departure.session);
                    state.counters.sessionsHandedOut++;
                    lifecycle.endSession(departure.session, true);
                }
                else if (null == departure)
                {
                    // A departure given up here (too slow) that the new owner finished after all: this copy goes.
                    final Session stale = state.sessions.get(clientId);
                    if (null != stale && null == stale.connection() && null == stale.transit() &&
                        !state.clusterSessions.owns(clientId))
                    {
                        lifecycle.endSession(stale, true);
                    }
                }
            }
            default ->
            {
                state.counters.routerErrors++;
                LOG.warn("unknown session hand-off record kind {} from node {}", record.kind(), node);
            }
        }
    }

    private void onMarker(final String clientId, final int node, final long epoch)
    {
        LOG.debug("hand-off of '{}' (epoch {}): marker of node {}", clientId, epoch, node);
        final Departure departure = departures.get(clientId);
        if (null != departure && departure.session.transit().epoch() == epoch)
        {
            departure.session.transit().cut(node);
            progress(departure);
        }
        final Arrival arrival = arrivals.get(clientId);
        if (null != arrival && arrival.epoch == epoch && null != arrival.session)
        {
            arrival.session.transit().cut(node);
        }
    }

    private void onSubscriptions(final String clientId, final long epoch, final DirectBuffer frame, final int length)
    {
        final Arrival arrival = arrivals.get(clientId);
        if ((null == arrival || arrival.epoch < epoch) && keepEarly(clientId, epoch, frame, length))
        {
            return;
        }
        if (null == arrival || arrival.epoch != epoch || null != arrival.session)
        {
            fail("the subscriptions of '" + clientId + "' (epoch " + epoch + ") arrived for no hand-off here (" +
                (null == arrival ? "none" : "epoch " + arrival.epoch + (null == arrival.session ? "" : ", begun")) +
                "): ignored");
            return;
        }
        final Session session = lifecycle.freshSession(clientId,
            ((long)record.b() << 32) | (record.c() & 0xFFFF_FFFFL));
        if (null == session)
        {
            abortArrival(clientId, arrival, "the journal is full");
            return;
        }
        session.transit(new SessionTransit(true, arrival.from, epoch));
        state.sessionsInTransit++;
        arrival.session = session;
        final DirectBuffer buffer = record.buffer();
        int at = record.bodyOffset();
        final int end = at + record.bodyLength();
        for (int i = 0; i < record.a() && at + HandoffCodec.SUBSCRIPTION_ENTRY_LENGTH <= end; i++)
        {
            final int filterLength = buffer.getInt(at, ByteOrder.LITTLE_ENDIAN);
            final int subscriptionId = buffer.getInt(at + 4, ByteOrder.LITTLE_ENDIAN);
            final int options = buffer.getInt(at + 8, ByteOrder.LITTLE_ENDIAN);
            at += HandoffCodec.SUBSCRIPTION_ENTRY_LENGTH;
            if (filterLength < 1 || at + filterLength > end)
            {
                break;
            }
            final String filter = buffer.getStringWithoutLengthUtf8(at, filterLength);
            at += filterLength;
            arrival.journalFull |= !resubscribe(session, filter, options, subscriptionId);
        }
        LOG.debug("hand-off of '{}' (epoch {}) from node {}: subscriptions received, cut asked", clientId, epoch,
            arrival.from);
        state.cluster.sessionCut(clientId, arrival.from, epoch);
    }

    /** @return false if the journal refused the subscription (the caller gives the session back). */
    private boolean resubscribe(final Session session, final String filter, final int options,
        final int subscriptionId)
    {
        boolean journaled = true;
        if (0 != session.journalId() && state.journal.appendSubscribe(session.journalId(), filter, options,
            subscriptionId) < 0)
        {
            state.counters.refusedJournalFull++;
            journaled = false;
        }
        final Subscription subscription = new Subscription(session, filter, TopicValidator.isShared(filter));
        subscription.options(options & JournalDescriptor.FLAG_QOS_MASK, 0 != (options & 0b100),
            0 != (options & 0b1000), (options >> 4) & 0b11, subscriptionId);
        session.subscriptions().put(filter, subscription);
        state.subscribe(filter, subscription);
        return journaled;
    }

    private void onDelivery(final String clientId, final long epoch, final DirectBuffer frame, final int length)
    {
        final Arrival arrival = arrivals.get(clientId);
        if (null == arrival || arrival.epoch != epoch || null == arrival.session)
        {
            return;
        }
        final Session session = arrival.session;
        final int deliveryState = record.a();
        final int packetId = record.b();
        final int deliveryQos = record.c() & 0b11;
        final boolean retainFlag = 0 != (record.c() & 0b100);
        final int[] ids = new int[Math.max(0, record.bodyLength() / Integer.BYTES)];
        for (int i = 0; i < ids.length; i++)
        {
            ids[i] = record.buffer().getInt(record.bodyOffset() + i * Integer.BYTES, ByteOrder.LITTLE_ENDIAN);
        }
        final Message message = publishes.handedOverMessage(frame, length, 0 != session.journalId());
        if (null == message)
        {
            arrival.journalFull = true;     // counted and logged there
            return;
        }
        final Delivery delivery = new Delivery(message, deliveryQos, retainFlag, ids, ids.length, null);
        arrival.received++;
        if (0 != session.journalId() && message.logPosition() >= 0 && state.journal.appendEnqueue(
            session.journalId(), message.logPosition(), deliveryQos, retainFlag, ids, ids.length) < 0)
        {
            state.counters.refusedJournalFull++;
            arrival.journalFull = true;
        }
        if (Delivery.QUEUED == deliveryState || packetId < 1 || packetId > 65535)
        {
            arrival.handed.add(delivery);
            return;
        }
        delivery.inflight(packetId, deliveryState);
        session.inflight().put(packetId, delivery);
        if (2 == deliveryQos && 0 != session.journalId() && message.logPosition() >= 0)
        {
            state.journal.appendOutQos2(session.journalId(), packetId, Delivery.AWAITING_COMP == deliveryState ?
                JournalDescriptor.OUT_QOS2_RELEASED : JournalDescriptor.OUT_QOS2_SENT, message.logPosition());
        }
    }

    private void onEnd(final String clientId, final long epoch, final DirectBuffer frame, final int length)
    {
        final Arrival arrival = arrivals.get(clientId);
        if (null == arrival || arrival.epoch < epoch)
        {
            // The previous owner had no session (its END is its first record): kept for the hand-off event.
            keepEarly(clientId, epoch, frame, length);
            return;
        }
        if (arrival.epoch != epoch)
        {
            return;
        }
        if (arrival.journalFull)
        {
            // Not confirmed: the previous owner keeps the session (its departure times out) and owns it again.
            abortArrival(clientId, arrival, "the journal here is full");
            return;
        }
        if (record.a() >= 0 && (null == arrival.session || arrival.received != record.b()))
        {
            // The previous owner has the session, and part of it never came (a record the data plane dropped):
            // confirming would make it drop its copy, and what is missing here would be lost. Not confirmed.
            abortArrival(clientId, arrival, null == arrival.session ? "its subscriptions never arrived" :
                arrival.received + " of " + record.b() + " deliveries arrived");
            return;
        }
        arrivals.remove(clientId);
        final Session session = arrival.session;
        if (record.a() >= 0 && null != session)
        {
            session.packetIdCursor(record.a());
            final int inboundCount = Math.max(0, Math.min(record.c(), record.bodyLength() / Integer.BYTES));
            for (int i = 0; i < inboundCount; i++)
            {
                final int packetId = record.buffer().getInt(record.bodyOffset() + i * Integer.BYTES,
                    ByteOrder.LITTLE_ENDIAN);
                session.inboundQos2().add(packetId);
                if (0 != session.journalId() && state.journal.appendInQos2(session.journalId(), packetId, -1) < 0)
                {
                    state.counters.refusedJournalFull++;
                }
            }
            // The previous owner's queue goes first: it holds what every node routed before its cut.
            final ArrayList<Delivery> routedHere = new ArrayList<>(session.queue());
            session.clearQueue();
            for (final Delivery delivery : arrival.handed)
            {
                session.enqueue(delivery);
            }
            for (final Delivery delivery : routedHere)
            {
                session.enqueue(delivery);
            }
            endTransit(session);
            state.counters.sessionsHandedIn++;
        }
        else if (null != session)
        {
            endTransit(session);
        }
        sendOrLog(arrival.from, HandoffCodec.DONE, epoch, clientId, 0);
        final PendingConnect waiting = takePending(clientId);
        if (null != waiting)
        {
            complete(waiting);
        }
        else if (null != session)
        {
            lifecycle.offline(session);
        }
    }

    /** Every cut seen (or its node gone): the departing session's state goes to the new owner. */
    private void progress(final Departure departure)
    {
        if (departure.waitFor < 0)
        {
            return;     // not begun: the tick begins it once this node is synced
        }
        final Session session = departure.session;
        final SessionTransit transit = session.transit();
        final long missing = departure.waitFor & state.cluster.peers() & ~transit.cutSeen();
        if (null == departure.toSend && (!departure.localCut || 0 != missing))
        {
            return;
        }
        if (null == departure.toSend)
        {
            final Delivery[] inflight = session.inflightCount() == 0 ? new Delivery[0] :
                session.inflight().values().toArray(new Delivery[0]);
            Arrays.sort(inflight, (x, y) -> Integer.compare(x.packetId(), y.packetId()));
            final Delivery[] all = Arrays.copyOf(inflight, inflight.length + session.queuedCount());
            int i = inflight.length;
            for (final Delivery delivery : session.queue())
            {
                all[i++] = delivery;
            }
            departure.toSend = all;
            transit.cutAll();   // from here this copy takes nothing more: the rest goes to the new owner
        }
        stream(departure);
    }

    private void stream(final Departure departure)
    {
        final Session session = departure.session;
        final int to = session.transit().peer();
        final long epoch = session.transit().epoch();
        while (departure.next < departure.toSend.length)
        {
            final Delivery delivery = departure.toSend[departure.next];
            final Message message = delivery.message();
            source.reset();
            if (message.isExpired(state.nowNs) || !source.from(message, null))
            {
                departure.next++;
                continue;
            }
            final int length = HandoffCodec.deliveryLength(source, departure.id.length,
                delivery.subscriptionIds().length);
            out.checkLimit(length);
            final int expirySeconds = message.expiryDeadlineNs() < 0 ? -1 : (int)Math.max(0, Math.min(
                Integer.MAX_VALUE, (message.expiryDeadlineNs() - state.nowNs + 999_999_999L) / 1_000_000_000L));
            HandoffCodec.encodeDelivery(out, 0, state.cluster.nodeId(), epoch, departure.id, source, message.qos(),
                message.retain(), expirySeconds, delivery.state(), delivery.packetId(), delivery.qos(),
                delivery.retain(), delivery.subscriptionIds());
            if (!state.outbox.sendOrdered(1L << to, out, 0, length))
            {
                return;     // the link to the new owner is backed up: the tick sends the rest
            }
            departure.next++;
            departure.sent++;
        }
        if (!departure.ended)
        {
            final IntHashSet inbound = session.inboundQos2();
            final UnsafeBuffer body = new UnsafeBuffer(new byte[inbound.size() * Integer.BYTES]);
            int count = 0;
            for (final IntHashSet.IntIterator ids = inbound.iterator(); ids.hasNext(); count++)
            {
                body.putInt(count * Integer.BYTES, ids.nextValue(), ByteOrder.LITTLE_ENDIAN);
            }
            departure.ended = sendRecord(to, HandoffCodec.END, epoch, departure.id, session.packetIdCursor(),
                departure.sent, count, body, body.capacity());
        }
    }

    /**
     * Keeps a record that came before the hand-off event it answers (a newer epoch than any arrival here).
     *
     * @return true if it was kept, or dropped as a second record of the epoch kept (counted and logged: a
     * previous owner sends its next records only after this node's cut, which follows the event); false if it is
     * older than the one kept (the caller logs it as stale) or past a bound (counted and logged; the hand-off then
     * times out and is given back, and the client resumes again).
     */
    private boolean keepEarly(final String clientId, final long epoch, final DirectBuffer frame, final int length)
    {
        final EarlyRecord older = earlyRecords.get(clientId);
        if (null != older && older.epoch() >= epoch)
        {
            if (older.epoch() == epoch)
            {
                state.counters.handoffsFailed++;
                fail("a second hand-off record of '" + clientId + "' (epoch " + epoch + ") came before its event: " +
                    "dropped");
                return true;
            }
            return false;
        }
        if ((null == older && earlyRecords.size() >= MAX_EARLY_RECORDS) ||
            earlyRecordBytes - (null == older ? 0 : older.frame().length) + length > MAX_EARLY_RECORD_BYTES)
        {
            state.counters.handoffsFailed++;
            fail("a hand-off record of '" + clientId + "' (epoch " + epoch + ") came before its event and could " +
                "not be kept (" + earlyRecords.size() + " records, " + earlyRecordBytes + " bytes kept): dropped");
            return false;
        }
        final byte[] copy = new byte[length];
        frame.getBytes(0, copy);
        if (null != older)
        {
            earlyRecordBytes -= older.frame().length;
        }
        earlyRecords.put(clientId, new EarlyRecord(copy, epoch, state.nowNs + WAIT_NS));
        earlyRecordBytes += length;
        LOG.debug("hand-off of '{}' (epoch {}): a record came before the event, kept", clientId, epoch);
        return true;
    }

    /** This node's hand-off event came: the record that preceded it is handled now. */
    private void replayEarlyRecord(final String clientId, final long epoch)
    {
        final EarlyRecord kept = earlyRecords.get(clientId);
        if (null == kept || kept.epoch() > epoch)
        {
            return;
        }
        earlyRecords.remove(clientId);
        earlyRecordBytes -= kept.frame().length;
        if (kept.epoch() == epoch)
        {
            final UnsafeBuffer frame = new UnsafeBuffer(kept.frame());
            if (replayed.wrap(frame, 0, kept.frame().length))
            {
                LOG.debug("hand-off of '{}' (epoch {}): the record that came early is handled", clientId, epoch);
                onRecord(replayed, frame, kept.frame().length);
            }
        }
    }

    /** Periodic: deadlines, nodes gone, departures whose link was backed up. */
    void onTick()
    {
        if (!earlyRecords.isEmpty())
        {
            final Iterator<Map.Entry<String, EarlyRecord>> kept = earlyRecords.entrySet().iterator();
            while (kept.hasNext())
            {
                final Map.Entry<String, EarlyRecord> entry = kept.next();
                if (state.nowNs - entry.getValue().deadlineNs() >= 0)
                {
                    kept.remove();
                    earlyRecordBytes -= entry.getValue().frame().length;
                    state.counters.handoffsFailed++;
                    fail("a hand-off record of '" + entry.getKey() + "' (epoch " + entry.getValue().epoch() +
                        ") came, but no hand-off event for it within " + WAIT_NS / 1_000_000_000L + " s: dropped");
                }
            }
        }
        if (!pending.isEmpty())
        {
            final Iterator<PendingConnect> waiting = pending.values().iterator();
            while (waiting.hasNext())
            {
                final PendingConnect connect = waiting.next();
                if (state.nowNs - connect.deadlineNs >= 0 && !arrivals.containsKey(connect.clientId))
                {
                    waiting.remove();
                    pendingByConnection.remove(connect.connection.connectionId());
                    // The claim may be lost (offered to a leader that died): the next resume claims again. If it is
                    // applied after all, the session moves here offline.
                    state.clusterSessions.forget(connect.clientId);
                    state.counters.handoffsFailed++;
                    refuse(connect, "the cluster's session directory did not answer in time");
                }
            }
        }
        checkArrivals();
        if (!departures.isEmpty())
        {
            final long peers = state.cluster.peers();
            for (final Departure departure : new ArrayList<>(departures.values()))
            {
                final int to = departure.session.transit().peer();
                final boolean late = state.nowNs - departure.deadlineNs >= 0;
                if (departure.waitFor < 0)
                {
                    if (late)
                    {
                        abortDeparture(departure, "this node did not learn which nodes are up in time", false);
                    }
                    else
                    {
                        begin(departure);
                    }
                }
                else if (0 == (peers & (1L << to)))
                {
                    abortDeparture(departure, "node " + to + " went down", true);
                }
                else if (late && departure.ended)
                {
                    abortDeparture(departure, "node " + to + " did not confirm in time", false);
                }
                else if (late && null == departure.toSend)
                {
                    fail("session '" + departure.session.clientId() + "': not every node's cut arrived in time " +
                        "(missing: " + (departure.localCut ? "" : "this node's own, ") + "markers of nodes " +
                        Long.toBinaryString(departure.waitFor & peers & ~departure.session.transit().cutSeen()) +
                        " of " + Long.toBinaryString(departure.waitFor) + "); handed over without them");
                    departure.localCut = true;
                    departure.session.transit().cutAll();
                    progress(departure);
                }
                else
                {
                    progress(departure);
                }
            }
        }
    }

    /** Arrivals whose previous owner went down or did not finish in time are given back; ended ones go. */
    private void checkArrivals()
    {
        if (arrivals.isEmpty())
        {
            return;
        }
        final long peers = state.cluster.peers();
        for (final Map.Entry<String, Arrival> entry : new ArrayList<>(arrivals.entrySet()))
        {
            final Arrival arrival = entry.getValue();
            if (arrival.replaced)
            {
                if (0 == (peers & (1L << arrival.from)) || state.nowNs - arrival.deadlineNs >= 0)
                {
                    arrivals.remove(entry.getKey(), arrival);   // counted when it ended
                }
            }
            else if (0 == (peers & (1L << arrival.from)))
            {
                abortArrival(entry.getKey(), arrival, "node " + arrival.from + " went down during the hand-off");
            }
            else if (state.nowNs - arrival.deadlineNs >= 0)
            {
                abortArrival(entry.getKey(), arrival, "node " + arrival.from + " did not hand it over in time");
            }
        }
    }

    private void abortArrival(final String clientId, final Arrival arrival, final String why)
    {
        arrivals.remove(clientId, arrival);
        state.counters.handoffsFailed++;
        fail("session '" + clientId + "' not taken over: " + why + "; its ownership goes back to node " +
            arrival.from);
        if (null != arrival.session)
        {
            endTransit(arrival.session);
            lifecycle.endSession(arrival.session, true);
        }
        state.clusterSessions.forget(clientId);
        state.cluster.giveBackSession(clientId, arrival.from, arrival.epoch);
        final PendingConnect waiting = takePending(clientId);
        if (null != waiting)
        {
            refuse(waiting, "its session could not be taken over from node " + arrival.from + ": " + why);
        }
    }

    /**
     * @param reclaim the new owner is down: this node takes the ownership back (a plain claim), so that the client
     *                finds its session here, and the new owner's partial copy ends when it hears of it. Not when the
     *                new owner is up but slow: it may have the session and its client by now.
     */
    private void abortDeparture(final Departure departure, final String why, final boolean reclaim)
    {
        final String clientId = departure.session.clientId();
        departures.remove(clientId);
        state.counters.handoffsFailed++;
        fail("session '" + clientId + "' not handed over: " + why + "; it stays on this node");
        endTransit(departure.session);
        lifecycle.offline(departure.session);
        if (reclaim)
        {
            state.clusterSessions.claim(clientId, false);
        }
    }

    private void endTransit(final Session session)
    {
        if (null != session.transit())
        {
            session.transit(null);
            state.sessionsInTransit--;
        }
    }

    private void complete(final PendingConnect waiting)
    {
        final ClientConnection connection = waiting.connection;
        if (state.connections.get(connection.connectionId()) != connection ||
            connection.state() != ClientConnection.NEW)
        {
            return;     // the client went away meanwhile: its session stays, offline
        }
        lifecycle.acceptConnect(connection, waiting.connect, waiting.clientId, waiting.assignedId,
            waiting.permissions, waiting.auth);
        for (final byte[] frame : waiting.early)
        {
            if (connection.state() != ClientConnection.CONNECTED)
            {
                break;
            }
            frames.onFrame(connection, new UnsafeBuffer(frame), frame.length);
        }
    }

    /** Refuse a waiting CONNECT (0x88); the caller counted the failure. */
    private void refuse(final PendingConnect waiting, final String why)
    {
        state.disconnector.refuseConnect(waiting.connection, ReasonCode.SERVER_UNAVAILABLE, why);
    }

    private PendingConnect takePending(final String clientId)
    {
        final PendingConnect waiting = pending.remove(clientId);
        if (null != waiting)
        {
            pendingByConnection.remove(waiting.connection.connectionId());
        }
        return waiting;
    }

    private void drop(final PendingConnect waiting)
    {
        pending.remove(waiting.clientId, waiting);
        pendingByConnection.remove(waiting.connection.connectionId());
    }

    /** The connection closed: a CONNECT of it that waits is forgotten (its session, if it moves here, stays). */
    void onConnectionClosed(final long connectionId)
    {
        final PendingConnect waiting = pendingByConnection.remove(connectionId);
        if (null != waiting)
        {
            pending.remove(waiting.clientId, waiting);
        }
    }

    /**
     * Sends a record without a body; one that cannot be queued (the link is backed up or gone) is logged, and its
     * wait on the other side ends by its timeout.
     */
    private void sendOrLog(final int to, final int kind, final long epoch, final String clientId, final int a)
    {
        if (!sendRecord(to, kind, epoch, HandoffCodec.utf8(clientId), a, 0, 0, null, 0))
        {
            fail("record " + kind + " of session '" + clientId + "' could not be sent to node " + to);
        }
    }

    private boolean sendRecord(final int to, final int kind, final long epoch, final byte[] id, final int a,
        final int b, final int c, final DirectBuffer body, final int bodyLength)
    {
        if (to < 0 || (0 == (state.cluster.peers() & (1L << to)) && state.cluster.synced()))
        {
            return false;   // down (before the first sync a node is not known to be up yet: the outbox keeps it)
        }
        final int length = HandoffCodec.length(id.length, bodyLength);
        out.checkLimit(length);
        HandoffCodec.encode(out, 0, kind, state.cluster.nodeId(), epoch, id, a, b, c, body, bodyLength);
        return state.outbox.sendOrdered(1L << to, out, 0, length);
    }

    private void fail(final String what)
    {
        final long due = failures.onEvent(state.nowNs);
        if (due > 0)
        {
            LOG.warn("cluster: {} session hand-off problem(s) since the last report, the last: {}", due, what);
        }
    }

    /** @return CONNECTs waiting for the directory (for tests). */
    int pendingConnects()
    {
        return pending.size();
    }

    /** @return the sessions leaving and arriving (for tests). */
    List<String> inTransit()
    {
        final ArrayList<String> ids = new ArrayList<>(departures.keySet());
        ids.addAll(arrivals.keySet());
        return ids;
    }
}
