package io.ringmq.cluster.control;

import static io.ringmq.cluster.control.ControlMessageDescriptor.CONFIRMED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.CONFIRM_REQUEST;
import static io.ringmq.cluster.control.ControlMessageDescriptor.JOIN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.MAX_BODY_LENGTH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.MAX_MESSAGE_LENGTH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.MAX_TEXT_LENGTH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.NODE_DOWN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.NODE_UP;
import static io.ringmq.cluster.control.ControlMessageDescriptor.REFUSED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.REFUSED_BAD_NODE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.REFUSED_DIRECTORY_FULL;
import static io.ringmq.cluster.control.ControlMessageDescriptor.REFUSED_NOT_JOINED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.REFUSED_RETAINED_FULL;
import static io.ringmq.cluster.control.ControlMessageDescriptor.REFUSED_ROUTES_FULL;
import static io.ringmq.cluster.control.ControlMessageDescriptor.RETAIN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.RETAINED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.ROUTE_ADD;
import static io.ringmq.cluster.control.ControlMessageDescriptor.ROUTE_ADDED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.ROUTE_REMOVE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.ROUTE_REMOVED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_CLAIM;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_CUT;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_CUT_EVENT;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_EXPIRED_SEEN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_EXPIRY;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_GIVE_BACK;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_HANDOFF;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_OWNER;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_OWNER_DOWN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_QUERIED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_QUERY;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_RELEASE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_RELEASED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SYNC_DONE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SYNC_REQUEST;
import static io.ringmq.cluster.control.ControlMessageDescriptor.REFUSED_WILLS_FULL;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_CLEAR;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_PUBLISH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_RESET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_SET;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.Header;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.session.Session;
import io.ringmq.core.status.LogText;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane: a clustered service that every voting member runs on Aeron Cluster. It applies the nodes'
 * commands ({@link ControlMessageDescriptor}) to {@link ControlPlaneState} in log order, and tells the nodes what
 * changed on egress (only the leader's sends leave the member; Aeron mocks them on followers).
 * <p>
 * A node that joins, asks, or missed an event (its egress backlog overflowed) gets the whole replicated state again
 * ({@link ReplicaSync}), one slice per cluster timer event ({@link #SYNC_TIMER_ID}, due 1 ms after the last), so
 * that a large route table never stalls the log; the same timer drains the events a node's egress could not take
 * yet. Aeron allows egress only from log-driven callbacks, and the timer keeps the sync driven by the log: every
 * member runs the same syncs, and the followers' sends are mocked.
 * <p>
 * <b>The sync timer is always armed</b> (once the first session opened): due 1 ms ahead while this member has a sync
 * or a backlog, {@link #SYNC_IDLE_INTERVAL_MS} ahead otherwise. Only the leader is back-pressured, so only its syncs
 * and backlogs can outlast the followers'; a timer event the leader logs for a timer a follower does not hold makes
 * Aeron's consensus module on that follower count it as expired and swallow the follower's next schedule of that
 * id, so that after a leader change the new leader's sync timer never fired and every sync it began stalled (a
 * leader change during a large sync showed it). With the timer armed on every member the follower's copy is simply
 * cancelled by the leader's event. The idle cost: one timer event per {@link #SYNC_IDLE_INTERVAL_MS}.
 * <p>
 * Threading: every method runs on the service container's thread.
 */
public final class ControlPlaneService implements ClusteredService, ControlPlaneState.Events
{
    /** Correlation id of the timer that sends the next slice of the syncs under way. */
    static final long SYNC_TIMER_ID = 1;
    /** Milliseconds of cluster time between two events of the sync timer while no sync or backlog waits. */
    static final long SYNC_IDLE_INTERVAL_MS = 1_000;
    /** Correlation id of the timer that removes expired retained messages, a slice at a time. */
    static final long SWEEP_TIMER_ID = 2;
    /** Correlation id of the timer that drops the held routes of a node down past the hold. */
    static final long HOLD_TIMER_ID = 3;
    /** Correlation id of the timer that publishes the wills taken over from nodes that went down, when due. */
    static final long WILL_TIMER_ID = 4;
    /** Correlation id of the timer that ends the directory entries of down nodes' sessions when they expire. */
    static final long SESSION_TIMER_ID = 5;
    /** Retained topics the expiry sweep looks at per timer event. */
    static final int SWEEP_SLICE = 10_000;
    /** Seconds of cluster time between two slices of the expiry sweep. */
    static final long SWEEP_INTERVAL_SECONDS = 10;
    /**
     * How long a session that a resume moves counts as moving, unless the new owner says sooner that the resume
     * completed: longer than a node waits for a hand-off's records (10 s, {@code SessionHandoff}).
     */
    static final long MOVING_SECONDS = 15;

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneService.class);

    private final ControlPlaneState state;
    private final ControlMessageEncoder encoder = new ControlMessageEncoder();
    private final ControlMessageDecoder decoder = new ControlMessageDecoder();
    private final ForwardCodec retainedMessage = new ForwardCodec();
    private final UnsafeBuffer sendBuffer = new UnsafeBuffer(new byte[MAX_MESSAGE_LENGTH]);
    private final ExpandableArrayBuffer snapshotBuffer = new ExpandableArrayBuffer(MAX_MESSAGE_LENGTH);
    private final AtomicLong refusals = new AtomicLong();
    private final RateLimitedLog refusalLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private ReplicaSync syncs;
    private Cluster cluster;
    private boolean leader;
    /** When the sync timer is due (cluster time), 0 while it is not armed. */
    private long syncTimerAt;
    /** Cluster time the hold timer is due at, or {@link Long#MAX_VALUE}. */
    private long holdTimerAt = Long.MAX_VALUE;
    /** Cluster time the will timer is due at, or {@link Long#MAX_VALUE}. */
    private long willTimerAt = Long.MAX_VALUE;
    /** Cluster time the session timer is due at, or {@link Long#MAX_VALUE}. */
    private long sessionTimerAt = Long.MAX_VALUE;
    /** Directory entries of down nodes' sessions ended at their expiry (each member counts them). */
    private final AtomicLong sessionsExpired = new AtomicLong();
    private final RateLimitedLog sessionExpiryLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    /** Of those, expiries not kept for their nodes' syncs (past the bound). */
    private final AtomicLong expiriesNotKept = new AtomicLong();
    private final RateLimitedLog expiryNotKeptLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    /** Retained topic clears not kept for the syncs of nodes that were down (past the bound). */
    private final AtomicLong clearsNotKept = new AtomicLong();
    private final RateLimitedLog clearNotKeptLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    /** Questions of nodes whose claims were unanswered at the end of a sync ({@code SESSION_QUERY}). */
    private final AtomicLong queries = new AtomicLong();
    /** Numbered commands a node sent again (after a leader change) that had been applied: not applied twice. */
    private final AtomicLong commandsRepeated = new AtomicLong();
    private final AtomicLong willsPublished = new AtomicLong();
    private final AtomicLong willsLost = new AtomicLong();
    private final RateLimitedLog willLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private final RateLimitedLog willLostLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private final RateLimitedLog backlogLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    /** Node egress backlogs that overflowed and were dropped (each restarted its node's sync); leader only. */
    private final AtomicLong backlogsDropped = new AtomicLong();
    private boolean sweepTimerScheduled;
    /** Where the expiry sweep goes on from (the last topic it looked at), or null to start at the first. */
    private String sweepCursor;

    /**
     * @param maxFilters  most distinct topic filters in the route table.
     * @param maxSessions most entries in the session directory.
     */
    public ControlPlaneService(final int maxFilters, final int maxSessions)
    {
        this(maxFilters, maxSessions, ControlPlaneState.DEFAULT_MAX_RETAINED,
            ControlPlaneState.DEFAULT_MAX_RETAINED_BYTES);
    }

    /**
     * @param maxFilters       most distinct topic filters in the route table.
     * @param maxSessions      most entries in the session directory.
     * @param maxRetained      most retained messages.
     * @param maxRetainedBytes most bytes of retained messages (topics and messages).
     */
    public ControlPlaneService(final int maxFilters, final int maxSessions, final int maxRetained,
        final long maxRetainedBytes)
    {
        this.state = new ControlPlaneState(maxFilters, maxSessions, maxRetained, maxRetainedBytes, this);
    }

    @Override
    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        this.syncs = new ReplicaSync(state, cluster.memberId());
        if (null != snapshotImage)
        {
            sweepCursor = new ControlPlaneSnapshot(state).load(snapshotImage, cluster.idleStrategy());
            // The hold timer itself is in the consensus module's snapshot (and Aeron allows no timer to be scheduled
            // from onStart): only the held nodes' times, which this snapshot does not keep, are set again.
            holdTimerAt = state.holdAbsentNodes(cluster.time() + holdTime());
            // Likewise the will timer, if wills wait: due no later than the earliest of them.
            willTimerAt = state.publishDueWills(Long.MIN_VALUE);
            sessionTimerAt = state.expireSessions(Long.MIN_VALUE);
        }
    }

    @Override
    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
        // A node is known once it joins on the session.
    }

    @Override
    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
        syncs.remove(session.id());
        final int node = state.nodeOfSession(session.id());
        if (node >= 0)
        {
            LOG.info("control plane: node {} is down (its cluster session closed: {})", node, closeReason);
        }
        state.sessionClosed(session.id(), timestamp, timestamp + holdTime());
        if (node >= 0)
        {
            scheduleHold(state.heldUntil(node));
            scheduleSessions(state.expireSessions(timestamp));
            scheduleWills(state.publishDueWills(timestamp));
        }
        scheduleSync();
    }

    @Override
    public void onSessionMessage(
        final ClientSession session,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        onCommand(session, timestamp, buffer, offset, length);
        scheduleSync();
    }

    /** @return how long a down node's plain routes are held, in cluster time ({@link ClusterLink#REPLAY_HOLD_NS}). */
    private long holdTime()
    {
        return cluster.timeUnit().convert(ClusterLink.REPLAY_HOLD_NS, TimeUnit.NANOSECONDS);
    }

    /** Makes the hold timer due at {@code at} if that is earlier than it is (0 or MAX_VALUE: no hold). */
    private void scheduleHold(final long at)
    {
        if (at > 0 && at < holdTimerAt && cluster.scheduleTimer(HOLD_TIMER_ID, at))
        {
            holdTimerAt = at;
        }
    }

    /** Makes the will timer due at {@code at}, the next will due (see {@link #rescheduled}). */
    private void scheduleWills(final long at)
    {
        willTimerAt = rescheduled(WILL_TIMER_ID, at, willTimerAt);
    }

    /** Makes the session timer due at {@code at}, the next directory entry to expire (see {@link #rescheduled}). */
    private void scheduleSessions(final long at)
    {
        sessionTimerAt = rescheduled(SESSION_TIMER_ID, at, sessionTimerAt);
    }

    /**
     * Makes a timer that drives what is due in the state (wills, expiring entries) due at {@code at}, the next thing
     * due ({@link Long#MAX_VALUE}: none; a timer still set then finds nothing due). Every caller has just handled what
     * was due, so {@code at} is right even when it is later than the timer set (Aeron moves a timer scheduled again
     * under its id), and a time kept from a snapshot in which due wills waited for a live node (no timer set) cannot
     * hold a new one back.
     *
     * @return the time the timer is due at now.
     */
    private long rescheduled(final long timerId, final long at, final long current)
    {
        return Long.MAX_VALUE != at && at != current && cluster.scheduleTimer(timerId, at) ? at : current;
    }

    /** Arms the sync timer (see the class comment), due soon while a sync or a backlog waits. */
    private void scheduleSync()
    {
        final long at = syncs.isBusy() ? cluster.time() + 1 :
            cluster.time() + cluster.timeUnit().convert(SYNC_IDLE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        if ((0 == syncTimerAt || at < syncTimerAt) && cluster.scheduleTimer(SYNC_TIMER_ID, at))
        {
            syncTimerAt = at;
        }
    }

    private void onCommand(
        final ClientSession session, final long timestamp, final DirectBuffer buffer, final int offset,
        final int length)
    {
        // Checked here, before anything is applied or sent: a command whose text or body could not be sent on as
        // an event would throw on every member at the same log position, and again on every replay of the log.
        if (!decoder.wrap(buffer, offset, length) || decoder.textLength() > MAX_TEXT_LENGTH ||
            decoder.bodyLength() > MAX_BODY_LENGTH)
        {
            refuse(session, -1, REFUSED_BAD_NODE, "malformed control message of " + length + " bytes");
            return;
        }
        final int type = decoder.type();
        final int node = decoder.node();
        if (JOIN == type)
        {
            onJoin(session, node);
            return;
        }
        if (!state.isUp(node) || state.clusterSession(node) != session.id())
        {
            refuse(session, node, REFUSED_NOT_JOINED, "command " + type + " from a session that is not node " + node);
            return;
        }
        if (!state.admitCommand(node, decoder.sequence()))
        {
            commandsRepeated.incrementAndGet();   // expected after a leader change: not logged
            return;
        }
        switch (type)
        {
            case ROUTE_ADD ->
            {
                final String filter = decoder.text();
                if (state.addRoute(node, filter) < 0)
                {
                    refuse(session, node, REFUSED_ROUTES_FULL, filter);
                }
            }
            case ROUTE_REMOVE -> state.removeRoute(node, decoder.text());
            case SESSION_CLAIM ->
            {
                final String clientId = decoder.text();
                final long told = decoder.value() - 1;
                if (state.claim(node, clientId, 1 == decoder.other(),
                    told < 0 ? ControlPlaneState.EXPIRY_UNKNOWN : expiry(told), timestamp,
                    expiry(MOVING_SECONDS)) < 0)
                {
                    refuse(session, node, REFUSED_DIRECTORY_FULL, clientId);
                }
            }
            case SESSION_RELEASE -> state.release(node, decoder.text(), decoder.value());
            case SESSION_EXPIRY -> state.sessionExpiry(node, decoder.text(), expiry(decoder.value()),
                1 == decoder.other(), timestamp);
            case SESSION_EXPIRED_SEEN -> state.expiredSeen(node, decoder.text());
            case SESSION_QUERY -> onQuery(session, node, decoder.text());
            case SYNC_DONE -> state.synced(node);
            case SESSION_CUT -> state.cut(node, decoder.text(), decoder.other(), decoder.value());
            case SESSION_GIVE_BACK -> state.giveBack(node, decoder.text(), decoder.other(), decoder.value());
            case SYNC_REQUEST -> syncs.start(session);
            case CONFIRM_REQUEST -> send(session, CONFIRMED, node, 0, state.lastCommand(node), null);
            case RETAIN -> onRetain(session, node, timestamp);
            case WILL_SET -> onWillSet(session, node, timestamp);
            case WILL_CLEAR -> state.clearWill(node, decoder.text());
            case WILL_RESET -> state.resetWills(node);
            default -> refuse(session, node, REFUSED_BAD_NODE, "unknown command type " + type);
        }
    }

    /**
     * A node asks who owns a session (its claim's answer may have been lost with a leader): it is told the entry as
     * it is now. When the node owns it under a plain decision that took the id from another node, that node is told
     * the decision again too (it may have lost it as well, and would keep a connection for the id): a repeat changes
     * nothing on a node that had it. A hand-off is not repeated to its previous owner (which would start to send the
     * session again); a lost one times out and is given back (section 6 of the design).
     */
    private void onQuery(final ClientSession session, final int node, final String clientId)
    {
        queries.incrementAndGet();
        final ControlPlaneState.Owner owner = state.owner(clientId);
        if (null == owner)
        {
            send(session, SESSION_QUERIED, -1, -1, 0, clientId);
            return;
        }
        send(session, SESSION_QUERIED, owner.node,
            owner.handedOver ? owner.previous + ControlMessageDescriptor.QUERIED_HANDED_OVER : owner.previous,
            owner.epoch, clientId);
        if (owner.node == node && !owner.handedOver && owner.previous >= 0 && owner.previous != node)
        {
            sendToNode(owner.previous, SESSION_OWNER, owner.node, owner.previous, owner.epoch, clientId);
        }
    }

    private void onRetain(final ClientSession session, final int node, final long timestamp)
    {
        final String topic = decoder.text();
        if (!retainedMessage.wrap(decoder.buffer(), decoder.bodyOffset(), decoder.bodyLength()))
        {
            refuse(session, node, REFUSED_RETAINED_FULL, "malformed retained message for '" + topic + "'");
            return;
        }
        final int expirySeconds = retainedMessage.expirySeconds();
        final long expiresAt = expirySeconds < 0 ? Long.MAX_VALUE :
            timestamp + cluster.timeUnit().convert(expirySeconds, TimeUnit.SECONDS);
        final byte[] message = new byte[decoder.bodyLength()];
        decoder.buffer().getBytes(decoder.bodyOffset(), message);
        if (!state.retain(node, topic, message, 0 == retainedMessage.payloadLength(), expiresAt))
        {
            refuse(session, node, REFUSED_RETAINED_FULL, topic);
            return;
        }
        if (expiresAt != Long.MAX_VALUE && !sweepTimerScheduled)
        {
            sweepTimerScheduled = cluster.scheduleTimer(SWEEP_TIMER_ID, timestamp + sweepInterval());
        }
    }

    private void onWillSet(final ClientSession session, final int node, final long timestamp)
    {
        final String clientId = decoder.text();
        if (!retainedMessage.wrap(decoder.buffer(), decoder.bodyOffset(), decoder.bodyLength()) ||
            decoder.value() < 0)
        {
            refuse(session, node, REFUSED_WILLS_FULL, "malformed will of '" + clientId + "'");
            return;
        }
        final byte[] message = new byte[decoder.bodyLength()];
        decoder.buffer().getBytes(decoder.bodyOffset(), message);
        final long delay = cluster.timeUnit().convert(Math.min(decoder.value(), Integer.MAX_VALUE), TimeUnit.SECONDS);
        if (!state.setWill(node, clientId, message, delay, 1 == decoder.other() ? timestamp + delay : 0))
        {
            refuse(session, node, REFUSED_WILLS_FULL, clientId);
        }
    }

    /** @return a session expiry interval in seconds in cluster time units ({@link Long#MAX_VALUE}: never), or -1. */
    private long expiry(final long seconds)
    {
        if (seconds < 0 || seconds > Session.NEVER_EXPIRES)
        {
            return -1;
        }
        return Session.NEVER_EXPIRES == seconds ? Long.MAX_VALUE :
            cluster.timeUnit().convert(seconds, TimeUnit.SECONDS);
    }

    private long sweepInterval()
    {
        return cluster.timeUnit().convert(SWEEP_INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    private void onJoin(final ClientSession session, final int node)
    {
        if (!ControlPlaneState.validNode(node))
        {
            refuse(session, node, REFUSED_BAD_NODE, "node id " + node + " is outside 0.." + 63);
            return;
        }
        final long previousSession = state.isUp(node) ? state.clusterSession(node) : 0;
        final String endpoint = decoder.text();
        if (!state.join(node, session.id(), decoder.other() != 0, endpoint, cluster.time(), decoder.sequence()))
        {
            LOG.info("control plane: node {} sent its join again (a leader change before its sync): synced again",
                node);
            syncs.start(session);
            return;
        }
        LOG.info("control plane: node {} joined (data plane {}, {})", node, endpoint,
            decoder.other() != 0 ? "voting" : "client");
        // Wills taken over while no node was up wait for one; a rejoin may also have taken this node's over.
        scheduleWills(state.publishDueWills(cluster.time()));
        if (previousSession != 0 && previousSession != session.id())
        {
            // The node restarted or reconnected before its old session timed out: that session is stale.
            syncs.remove(previousSession);
            cluster.closeClientSession(previousSession);
        }
        syncs.start(session);
    }

    private void refuse(final ClientSession session, final int node, final int reason, final String about)
    {
        refusals.incrementAndGet();
        final long due = refusalLog.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.warn("control plane: {} command(s) refused, the last from node {} (reason {}): {}", due, node, reason,
                about);
        }
        send(session, REFUSED, node, reason, 0, about);
    }

    @Override
    public void onNodeUp(final int node, final String dataEndpoint)
    {
        broadcast(NODE_UP, node, 0, 0, dataEndpoint);
    }

    @Override
    public void onNodeDown(final int node)
    {
        broadcast(NODE_DOWN, node, 0, 0, null);
    }

    @Override
    public void onRouteAdded(final String filter, final int node)
    {
        broadcast(ROUTE_ADDED, node, 0, 0, filter);
    }

    @Override
    public void onRouteRemoved(final String filter, final int node)
    {
        broadcast(ROUTE_REMOVED, node, 0, 0, filter);
    }

    @Override
    public void onSessionOwner(final String clientId, final int owner, final int previousOwner, final long epoch)
    {
        sendToNode(owner, SESSION_OWNER, owner, previousOwner, epoch, clientId);
        if (previousOwner >= 0 && previousOwner != owner)
        {
            sendToNode(previousOwner, SESSION_OWNER, owner, previousOwner, epoch, clientId);
        }
    }

    @Override
    public void onSessionHandoff(final String clientId, final int owner, final int previousOwner, final long epoch)
    {
        sendToNode(owner, SESSION_HANDOFF, owner, previousOwner, epoch, clientId);
        sendToNode(previousOwner, SESSION_HANDOFF, owner, previousOwner, epoch, clientId);
    }

    @Override
    public void onSessionOwnerDown(final String clientId, final int claimant, final int owner)
    {
        sendToNode(claimant, SESSION_OWNER_DOWN, owner, claimant, 0, clientId);
    }

    @Override
    public void onSessionMoving(final String clientId, final int claimant, final int owner)
    {
        sendToNode(claimant, SESSION_OWNER_DOWN, owner, claimant, ClusterLink.OWNER_MOVING, clientId);
    }

    @Override
    public void onSessionCut(final String clientId, final int owner, final int previousOwner, final long epoch)
    {
        broadcast(SESSION_CUT_EVENT, owner, previousOwner, epoch, clientId);
    }

    @Override
    public void onSessionReleased(final String clientId, final int owner, final long epoch)
    {
        sendToNode(owner, SESSION_RELEASED, owner, -1, epoch, clientId);
    }

    @Override
    public void onSessionExpired(final String clientId, final int owner, final long epoch, final boolean kept)
    {
        sessionsExpired.incrementAndGet();
        final long due = sessionExpiryLog.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.info("control plane: {} session(s) of nodes that are down expired and left the directory (their " +
                "clients may start afresh on any node), the last '{}' of node {}", due, LogText.escape(clientId),
                owner);
        }
        if (!kept)
        {
            expiriesNotKept.incrementAndGet();
            final long lost = expiryNotKeptLog.onEvent(System.nanoTime());
            if (lost > 0)
            {
                LOG.warn("control plane: {} expired session(s) not kept for their nodes' syncs ({} kept already): " +
                    "such a node, back from its journal, keeps its copy until it expires there; the last '{}' of " +
                    "node {}", lost, state.expiredCount(), LogText.escape(clientId), owner);
            }
        }
    }

    @Override
    public void onClearNotKept(final String topic, final int node, final int kept)
    {
        clearsNotKept.incrementAndGet();
        final long due = clearNotKeptLog.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.warn("control plane: {} retained topic clear(s) not kept for nodes that are down ({} kept already): " +
                "such a node, back from its journal, keeps its copy until the topic is set or cleared again; the " +
                "last '{}' for node {}", due, kept, LogText.escape(topic), node);
        }
    }

    @Override
    public void onRetained(final String topic, final int node, final ControlPlaneState.Retained message)
    {
        if (leader)
        {
            broadcast(encoder.encode(sendBuffer, 0, RETAINED, node, 0, message.expiresAt, topic,
                new UnsafeBuffer(message.message), 0, message.message.length));
        }
    }

    @Override
    public void onWillDue(final int publisher, final ControlPlaneState.Will will)
    {
        willsPublished.incrementAndGet();
        final long due = willLog.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.info("control plane: {} will(s) of clients of nodes that went down sent to be published, the last " +
                "of '{}' (node {}) to node {}", due, LogText.escape(will.clientId), will.node, publisher);
        }
        if (leader)
        {
            final ClientSession session = cluster.getClientSession(state.clusterSession(publisher));
            final int length = encoder.encode(sendBuffer, 0, WILL_PUBLISH, publisher, will.node, 0, will.clientId,
                new UnsafeBuffer(will.message), 0, will.message.length);
            if (null == session || !offer(session, length))
            {
                willsLost.incrementAndGet();
                final long lost = willLostLog.onEvent(System.nanoTime());
                if (lost > 0)
                {
                    LOG.error("control plane: {} will(s) could not be sent to be published (the node's egress " +
                        "backlog was full) and are lost, the last of '{}' (node {}) to node {}", lost,
                        LogText.escape(will.clientId), will.node, publisher);
                }
            }
        }
    }

    private void broadcast(final int type, final int node, final int other, final long value, final String text)
    {
        if (leader)
        {
            broadcast(encoder.encode(sendBuffer, 0, type, node, other, value, text));
        }
    }

    private void broadcast(final int length)
    {
        long live = state.liveNodes();
        while (live != 0)
        {
            final int target = Long.numberOfTrailingZeros(live);
            live &= live - 1;
            offer(cluster.getClientSession(state.clusterSession(target)), length);
        }
    }

    private void sendToNode(
        final int target, final int type, final int node, final int other, final long value, final String text)
    {
        if (leader && state.isUp(target))
        {
            final int length = encoder.encode(sendBuffer, 0, type, node, other, value, text);
            offer(cluster.getClientSession(state.clusterSession(target)), length);
        }
    }

    private void send(
        final ClientSession session, final int type, final int node, final int other, final long value,
        final String text)
    {
        if (leader)
        {
            offer(session, encoder.encode(sendBuffer, 0, type, node, other, value, text));
        }
    }

    /**
     * Sends an event to a node: one its egress cannot take now waits in its backlog, in order ({@link ReplicaSync}).
     *
     * @return false if the backlog was full: the node missed this event, and its replica is stale until its sync,
     *         started over, brings the whole state again.
     */
    private boolean offer(final ClientSession session, final int length)
    {
        if (null == session)
        {
            return false;
        }
        final boolean sent = syncs.send(session, sendBuffer, length);
        if (!sent)
        {
            backlogsDropped.incrementAndGet();
            final long due = backlogLog.onEvent(System.nanoTime());
            if (due > 0)
            {
                LOG.warn("control plane: {} node egress backlog(s) full ({} events or {} bytes) and dropped: those " +
                    "nodes are synced again", due, ReplicaSync.MAX_BACKLOG, ReplicaSync.MAX_BACKLOG_BYTES);
            }
        }
        scheduleSync();
        return sent;
    }

    @Override
    public void onTimerEvent(final long correlationId, final long timestamp)
    {
        // Leases need no timer: they are the nodes' cluster sessions, which the consensus module times out.
        if (SYNC_TIMER_ID == correlationId)
        {
            syncTimerAt = 0;
            syncs.doWork(cluster);
            scheduleSync();
        }
        else if (HOLD_TIMER_ID == correlationId)
        {
            holdTimerAt = Long.MAX_VALUE;
            scheduleHold(state.dropExpiredHolds(timestamp));
        }
        else if (WILL_TIMER_ID == correlationId)
        {
            willTimerAt = Long.MAX_VALUE;
            scheduleWills(state.publishDueWills(timestamp));
        }
        else if (SESSION_TIMER_ID == correlationId)
        {
            sessionTimerAt = Long.MAX_VALUE;
            scheduleSessions(state.expireSessions(timestamp));
            scheduleWills(state.publishDueWills(timestamp));
        }
        else if (SWEEP_TIMER_ID == correlationId)
        {
            // Nodes are not told: each drops an expired message by itself when it would read it.
            sweepCursor = state.sweepExpired(sweepCursor, timestamp, SWEEP_SLICE);
            sweepTimerScheduled = !state.retained().isEmpty() &&
                cluster.scheduleTimer(SWEEP_TIMER_ID, timestamp + sweepInterval());
        }
    }

    @Override
    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        new ControlPlaneSnapshot(state).write(snapshotPublication, snapshotBuffer, cluster.idleStrategy(), sweepCursor);
    }

    @Override
    public void onRoleChange(final Cluster.Role newRole)
    {
        leader = Cluster.Role.LEADER == newRole;
        LOG.info("control plane: member {} is now {}", cluster.memberId(), newRole);
    }

    @Override
    public void onTerminate(final Cluster cluster)
    {
        LOG.info("control plane: member {} terminating", cluster.memberId());
    }

    /**
     * @return numbered commands that came again (a node sends every unconfirmed one again after a leader change) and
     *         were not applied twice (each member counts the same).
     */
    public long commandsRepeated()
    {
        return commandsRepeated.get();
    }

    /**
     * @return node egress backlogs this member, as leader, dropped at their bound: those nodes missed events and were
     *         synced again.
     */
    public long backlogsDropped()
    {
        return backlogsDropped.get();
    }

    /** @return directory entries of down nodes' sessions that this member's state ended at their expiry. */
    public long sessionsExpired()
    {
        return sessionsExpired.get();
    }

    /**
     * @return questions of nodes about claims still unanswered when their syncs ended (answers that may have been
     *         lost with a leader; each member counts them).
     */
    public long sessionQueries()
    {
        return queries.get();
    }

    /** @return retained topic clears not kept for the syncs of nodes that were down (past the bound). */
    public long clearsNotKept()
    {
        return clearsNotKept.get();
    }

    /** @return of {@link #sessionsExpired}, those not kept for their nodes' syncs (past the bound). */
    public long expiriesNotKept()
    {
        return expiriesNotKept.get();
    }

    /** @return wills of nodes that went down that this member's state published (each member counts them). */
    public long willsPublished()
    {
        return willsPublished.get();
    }

    /** @return wills this member, as leader, could not send to the node to publish them (egress back-pressure). */
    public long willsLost()
    {
        return willsLost.get();
    }

    /**
     * @return commands refused since start (malformed, unknown, from a session that is not the node's, past a bound).
     */
    public long refusals()
    {
        return refusals.get();
    }
}
