package io.ringmq.core.routing;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.cluster.ForwardDescriptor;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.HeldAcks;
import io.ringmq.core.session.Session;
import io.ringmq.core.status.BrokerCounters;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Lossless back-pressure that cannot become a denial of service: a connected subscriber that is merely slower than
 * its publishers slows them by holding their acknowledgements (PUBACK, PUBREC), never by stopping to read them, so
 * their PINGREQs, their other topics and every other client keep flowing. A publisher with a bounded window of
 * unacknowledged messages (MQTT 5 Receive Maximum, any real client's inflight limit) then sends at the pace of the
 * subscriber.
 * <p>
 * A session holds a publisher from the moment a QoS 1/2 delivery from it finds the session's queue at or above the
 * high-water mark (half of max-queued-messages) until the queue drains to the low-water mark (a quarter), the
 * session goes offline or ends, or {@code max-ack-delay} has passed since the session started holding. In that
 * last case the session is <i>stalled</i>: it releases everyone and holds nobody until it has drained, and while
 * its queue is full its own overflow policy drops what does not fit. So no publisher waits longer than the maximum
 * delay (plus one timer tick) for any one backed-up session, and a subscriber that never reads costs its
 * publishers one delay, once.
 * <p>
 * In a cluster, an acknowledgement also waits until every other node its message was forwarded to has taken it
 * ({@link #ackAfterForward}, {@link ForwardWindows}), in order with the publisher's other acknowledgements: an
 * acknowledged message is journaled on every node that has subscribers to it, and a publisher sends at most its
 * window per round trip to those nodes.
 * <p>
 * A backed-up subscriber on another node holds it too ({@link #onQueuedFromNode}, {@link #onHoldAsked}): a forward
 * that finds a connected session there past its high-water mark makes that node ask this one, on the data plane,
 * to hold the publisher of that forward (the request travels ahead of the forward's acknowledgement, so the
 * publisher's acknowledgement still waits here and is found by the forward's sequence), for the hold that node
 * numbered; the hold ends when that node says its session drained, went offline or stalled, and here at the latest
 * {@link #REMOTE_RELEASE_MARGIN_NS} after this node's own maximum delay (a release lost on the way), or when that
 * node leaves. Only the publishers that feed the backed-up session wait; each gets the same bound as locally.
 * <p>
 * Bounds: a session records each publisher once per hold epoch; a publisher holds at most {@code maxHeldAcks}
 * acknowledgements (a client that ignores its window gets the oldest ones released early); other nodes hold at
 * most {@link RemoteHolds#MAX_HOLDS} holds here.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class AckHold
{
    private static final Logger LOG = LoggerFactory.getLogger(AckHold.class);
    /** How long past the maximum delay a hold asked by another node waits for its release before it ends here. */
    static final long REMOTE_RELEASE_MARGIN_NS = 1_000_000_000L;

    private final PacketSender sender;
    private final BrokerCounters counters;
    // Limits: set at start, replaced by reconfigure() on a reload (Router thread, like every use).
    private long maxDelayNs;
    private int highWater;
    private int lowWater;
    private final int maxHeldAcks;
    /** Sessions holding publishers now, checked against the maximum delay on every tick. */
    private final List<Session> holding = new ArrayList<>();
    private final ForwardWindows windows;
    /**
     * Publishers with acknowledgements that wait for forwards ({@link HeldAcks#awaitingForwards()} marks them, so
     * each is listed once), checked at the end of a batch in which a node acknowledged forwards, and on every tick.
     */
    private final List<ClientConnection> awaitingForwards = new ArrayList<>();
    private final RateLimitedLog earlyLog = new RateLimitedLog(10_000_000_000L);
    /** A node acknowledged forwards since the last check of {@link #awaitingForwards}. */
    private boolean forwardsAcked;
    /** This node's link to the cluster ({@link ClusterLink#NONE} without one). */
    private final Supplier<ClusterLink> cluster;
    /**
     * Every forward sequence of the messages whose acknowledgements wait for forwards, to its publisher: a hold asked
     * by another node names the forward. An entry goes when its acknowledgement leaves {@link HeldAcks}.
     */
    private final Long2ObjectHashMap<ClientConnection> awaitingBySequence = new Long2ObjectHashMap<>();
    private final RemoteHolds remoteHolds = new RemoteHolds();
    private final List<RemoteHolds.Hold> endedHolds = new ArrayList<>();
    private final UnsafeBuffer control = new UnsafeBuffer(new byte[ForwardDescriptor.HEADER_LENGTH]);
    private final RateLimitedLog remoteLog = new RateLimitedLog(10_000_000_000L);
    /** The number of the last hold this node asked other nodes for (never 0). */
    private int lastRemoteHoldId;

    /**
     * @param sender      where released acknowledgements go.
     * @param counters    broker counters.
     * @param maxDelayMs  longest hold by one session; 0 never holds.
     * @param maxQueued   the session queue quota in messages: holds start at half of it and end at a quarter.
     * @param maxHeldAcks most acknowledgements held per publisher.
     * @param windows     which forwards other nodes have taken.
     * @param cluster     this node's link to the cluster, as it is when asked.
     */
    AckHold(final PacketSender sender, final BrokerCounters counters, final long maxDelayMs, final int maxQueued,
        final int maxHeldAcks, final ForwardWindows windows, final Supplier<ClusterLink> cluster)
    {
        this.sender = sender;
        this.cluster = cluster;
        this.windows = windows;
        this.counters = counters;
        this.maxHeldAcks = maxHeldAcks;
        reconfigure(maxDelayMs, maxQueued);
    }

    /**
     * New limits from a reload: they apply from the next acknowledgement and the next tick.
     *
     * @param maxDelayMs longest hold by one session; 0 never holds.
     * @param maxQueued  the session queue quota in messages.
     */
    void reconfigure(final long maxDelayMs, final int maxQueued)
    {
        this.maxDelayNs = maxDelayMs * 1_000_000L;
        this.highWater = Math.max(1, maxQueued / 2);
        this.lowWater = maxQueued / 4;
    }

    /**
     * Send a publisher's PUBACK or PUBREC, or hold it behind the ones already held.
     *
     * @param publisher  the publishing connection.
     * @param packetType PUBACK or PUBREC.
     * @param packetId   packet identifier.
     * @param reasonCode reason code (MQTT 5), 0 otherwise.
     */
    void ack(final ClientConnection publisher, final int packetType, final int packetId, final int reasonCode)
    {
        final HeldAcks held = publisher.heldAcks();
        if (null == held || !held.holding())
        {
            sender.ack(publisher, packetType, packetId, reasonCode);
            return;
        }
        if (held.size() >= maxHeldAcks)
        {
            flush(publisher, held, true);  // a client that ignores its window is not slowed further: bounded memory
        }
        held.add(HeldAcks.pack(packetType, packetId, reasonCode));
        counters.acksHeld++;
    }

    /**
     * Send a publisher's PUBACK or PUBREC once the other nodes its message was forwarded to have taken it, and
     * after the ones already held.
     *
     * @param publisher  the publishing connection.
     * @param packetType PUBACK or PUBREC.
     * @param packetId   packet identifier.
     * @param reasonCode    reason code (MQTT 5), 0 otherwise.
     * @param firstSequence the first forward sequence of the message (its forwards' sequences are consecutive).
     * @param sequence      the last forward sequence of the message.
     * @param nodes         the nodes it was forwarded to, one bit per node id.
     */
    void ackAfterForward(final ClientConnection publisher, final int packetType, final int packetId,
        final int reasonCode, final long firstSequence, final long sequence, final long nodes)
    {
        if (windows.taken(sequence, nodes))
        {
            ack(publisher, packetType, packetId, reasonCode);
            return;
        }
        final HeldAcks held = publisher.heldAcksForUpdate();
        if (held.size() >= maxHeldAcks)
        {
            flush(publisher, held, true);
        }
        final long first = firstSequence > 0 && firstSequence <= sequence ? firstSequence : sequence;
        held.add(HeldAcks.pack(packetType, packetId, reasonCode), first, sequence, nodes);
        for (long forward = first; forward <= sequence; forward++)
        {
            awaitingBySequence.put(forward, publisher);
        }
        counters.acksAwaitingForward++;
        if (!held.awaitingForwards())
        {
            held.awaitingForwards(true);
            awaitingForwards.add(publisher);
        }
    }

    /**
     * A node acknowledged this node's forwards up to {@code sequence}: the publishers' acknowledgements that waited
     * for them go out.
     *
     * @param node     the acknowledging node.
     * @param sequence the sequence.
     * @param nowNs    current time.
     */
    void onForwardsAcked(final int node, final long sequence, final long nowNs)
    {
        windows.onAcked(node, sequence, nowNs);
        forwardsAcked = true;
    }

    /**
     * End of the Router's batch: if nodes acknowledged forwards in it, the publishers waiting for them are checked,
     * once per batch however many acknowledgements came (a check is per waiting publisher).
     */
    void endOfBatch()
    {
        if (forwardsAcked)
        {
            forwardsAcked = false;
            releaseTakenForwards();
        }
    }

    private void releaseTakenForwards()
    {
        for (int i = awaitingForwards.size() - 1; i >= 0; i--)
        {
            final ClientConnection publisher = awaitingForwards.get(i);
            final HeldAcks held = publisher.heldAcks();
            if (held.headReleasable())
            {
                flush(publisher, held, false);
            }
            if (0 == held.size())
            {
                held.awaitingForwards(false);
                final int last = awaitingForwards.size() - 1;
                awaitingForwards.set(i, awaitingForwards.get(last));
                awaitingForwards.remove(last);
            }
        }
    }

    /**
     * A QoS 1/2 delivery from {@code publisher} went to {@code target}: hold the publisher if the target is a
     * connected session backed up past the high-water mark.
     *
     * @param target    the receiving session.
     * @param publisher the publishing session, or null for broker-made messages.
     * @param nowNs     current time.
     */
    void onQueued(final Session target, final Session publisher, final long nowNs)
    {
        if (0 == maxDelayNs || null == publisher || publisher == target || target.queuedCount() < highWater ||
            target.stalled() || null == target.connection())
        {
            return;
        }
        final ClientConnection connection = publisher.connection();
        if (null == connection || connection.state() != ClientConnection.CONNECTED)
        {
            return;
        }
        final HeldAcks held = connection.heldAcksForUpdate();
        final long epoch = target.holdEpoch();
        if (held.heldBy(target, epoch) || !target.addHoldingPublisher(connection))
        {
            return;
        }
        if (target.holdingSinceNs() < 0)
        {
            target.holdingSinceNs(nowNs);
            holding.add(target);
        }
        held.hold(target, epoch);
    }

    /**
     * A QoS 1/2 message forwarded by node {@code origin} went to {@code target}: if the target is a connected
     * session backed up past the high-water mark, it asks that node to hold the message's publisher (one request per
     * such forward: the node holds each publisher once per hold), and holds like a session with local publishers
     * (released, and that node told, when it drains, goes offline or stalls).
     *
     * @param target   the receiving session.
     * @param origin   the node the message was published on.
     * @param sequence the origin's sequence of the forward.
     * @param nowNs    current time.
     */
    void onQueuedFromNode(final Session target, final int origin, final long sequence, final long nowNs)
    {
        if (0 == maxDelayNs || origin < 0 || origin >= Long.SIZE || target.queuedCount() < highWater ||
            target.stalled() || null == target.connection())
        {
            return;
        }
        if (target.holdingSinceNs() < 0)
        {
            target.holdingSinceNs(nowNs);
            holding.add(target);
        }
        int holdId = target.remoteHoldId();
        if (0 == holdId)
        {
            holdId = ++lastRemoteHoldId;
            if (0 == holdId)
            {
                holdId = ++lastRemoteHoldId;
            }
        }
        target.remoteHold(holdId, target.remoteHoldNodes() | 1L << origin);
        final ClusterLink link = cluster.get();
        final int length = ForwardCodec.encodePublisherHold(control, 0, link.nodeId(), sequence, holdId);
        if (!link.forward(1L << origin, control, 0, length))
        {
            // The link to that node is backed up: its publisher is not held, and the session's overflow policy
            // applies as without a hold (what it drops is counted there).
            final long due = remoteLog.onEvent(nowNs);
            if (due > 0)
            {
                LOG.warn("cluster: {} request(s) to hold a publisher found the link to its node full (the last: " +
                    "node {}): not held", due, origin);
            }
        }
    }

    /**
     * Node {@code node} asks to hold the publisher of this node's forward {@code sequence} for its hold
     * {@code holdId}: a session there is backed up. The publisher's acknowledgement for that forward still waits here
     * (the request comes ahead of the forward's acknowledgement); if not (released early, or the client left), there
     * is nothing to hold.
     *
     * @param node     the asking node.
     * @param sequence the forward's sequence.
     * @param holdId   the asking node's number for the hold.
     * @param nowNs    current time.
     */
    void onHoldAsked(final int node, final long sequence, final int holdId, final long nowNs)
    {
        final ClientConnection publisher = awaitingBySequence.get(sequence);
        if (0 == maxDelayNs || null == publisher || publisher.state() != ClientConnection.CONNECTED)
        {
            return;
        }
        final RemoteHolds.Hold hold = remoteHolds.hold(node, holdId, nowNs + maxDelayNs + REMOTE_RELEASE_MARGIN_NS);
        if (null == hold)
        {
            counters.publisherHoldsRefused++;
            final long due = remoteLog.onEvent(nowNs);
            if (due > 0)
            {
                LOG.warn("cluster: {} request(s) to hold a publisher refused: {} holds asked by other nodes already",
                    due, RemoteHolds.MAX_HOLDS);
            }
            return;
        }
        if (hold.add(publisher))
        {
            // From that forward's acknowledgement on: those before it go as their forwards are taken, as they would
            // have if the destination had acknowledged them before its session filled (in another batch).
            final HeldAcks held = publisher.heldAcksForUpdate();
            held.holdForNode(held.entriesBefore(sequence));
            counters.publishersHeldForNodes++;
        }
    }

    /**
     * Node {@code node}'s hold {@code holdId} is over: the publishers it held here go on (those whose
     * acknowledgements still wait for forwards get them once the forwards are taken).
     *
     * @param node   the node.
     * @param holdId its number for the hold.
     */
    void onReleaseAsked(final int node, final int holdId)
    {
        final RemoteHolds.Hold hold = remoteHolds.remove(node, holdId);
        if (null != hold)
        {
            release(hold.publishers, true);
        }
    }

    /**
     * The session's queue drained (to the low-water mark or below), or the session went offline or ended: it
     * releases its publishers and may hold again.
     *
     * @param session the session.
     */
    void onDrained(final Session session)
    {
        if (session.queuedCount() <= lowWater || null == session.connection())
        {
            session.stalled(false);
            if (session.holdingSinceNs() >= 0)
            {
                holding.remove(session);
                releaseAll(session);
            }
        }
    }

    /**
     * Timer tick: sessions that held their publishers for the maximum delay without draining are stalled.
     *
     * @param nowNs current time.
     */
    void onTick(final long nowNs)
    {
        final long timedOut = windows.onTick(nowNs);
        if (0 != timedOut)
        {
            counters.forwardAckTimeouts += Long.bitCount(timedOut);
            LOG.warn("cluster: node(s) {} did not acknowledge forwards for {} s while still in the cluster: their "
                + "publishers' acknowledgements are released", nodeList(timedOut),
                ForwardWindows.ACK_TIMEOUT_NS / 1_000_000_000L);
        }
        if (remoteHolds.size() > 0)
        {
            expireRemoteHolds(nowNs);
        }
        if (!awaitingForwards.isEmpty())
        {
            releaseTakenForwards();  // nodes that left, timeouts, closed publishers
        }
        for (int i = holding.size() - 1; i >= 0; i--)
        {
            final Session session = holding.get(i);
            if (nowNs - session.holdingSinceNs() >= maxDelayNs)
            {
                holding.remove(i);
                session.stalled(true);
                counters.slowSessionsStalled++;
                LOG.debug("a client did not drain {} queued messages within max-ack-delay: its publishers are "
                    + "released, its overflow is dropped", session.queuedCount());
                releaseAll(session);
            }
        }
    }

    /** @return sessions holding publishers now (tests, metrics). */
    int holdingSessions()
    {
        return holding.size();
    }

    /** @return holds other nodes asked this node for (tests, metrics). */
    int holdsForNodes()
    {
        return remoteHolds.size();
    }

    private void expireRemoteHolds(final long nowNs)
    {
        final int timedOut = remoteHolds.expire(nowNs, cluster.get().peers(), endedHolds);
        for (int i = 0, size = endedHolds.size(); i < size; i++)
        {
            release(endedHolds.get(i).publishers, true);
        }
        endedHolds.clear();
        if (timedOut > 0)
        {
            counters.publisherHoldTimeouts += timedOut;
            final long due = remoteLog.onEvent(nowNs);
            if (due > 0)
            {
                LOG.warn("cluster: {} hold(s) asked by other nodes ended here without their release (lost, or the " +
                    "node is slow): their publishers go on", due);
            }
        }
    }

    private void releaseAll(final Session session)
    {
        final List<ClientConnection> publishers = session.holdingPublishers();
        if (!publishers.isEmpty())
        {
            release(publishers, false);
            publishers.clear();     // (an empty one may be the shared immutable list)
        }
        final long nodes = session.remoteHoldNodes();
        if (0 != nodes)
        {
            final ClusterLink link = cluster.get();
            final int length = ForwardCodec.encodePublisherRelease(control, 0, link.nodeId(), session.remoteHoldId());
            if (!link.forward(nodes, control, 0, length))
            {
                // Those nodes end the hold at their deadline instead.
                final long due = remoteLog.onEvent(System.nanoTime());
                if (due > 0)
                {
                    LOG.warn("cluster: {} release(s) of a hold found a link full (the last: to nodes {}): the " +
                        "publishers there wait until max-ack-delay and 1 s have passed", due, nodeList(nodes));
                }
            }
            session.remoteHold(0, 0);
        }
        session.holdingSinceNs(-1);
    }

    /** A local session's hold, or with {@code forNode} another node's, of these publishers ends. */
    private void release(final List<ClientConnection> publishers, final boolean forNode)
    {
        for (int i = 0, size = publishers.size(); i < size; i++)
        {
            final ClientConnection publisher = publishers.get(i);
            final HeldAcks held = publisher.heldAcks();
            if (null != held && 0 == (forNode ? held.releaseForNode() : held.release()))
            {
                flush(publisher, held, false);
            }
        }
    }

    /** @return the node ids in {@code nodes}, for a log line. */
    private static String nodeList(final long nodes)
    {
        final StringBuilder text = new StringBuilder();
        long remaining = nodes;
        while (0 != remaining)
        {
            text.append(text.length() > 0 ? "," : "").append(Long.numberOfTrailingZeros(remaining));
            remaining &= remaining - 1;
        }
        return text.toString();
    }

    /**
     * Send held acknowledgements in order: all of them when {@code force}d (a client past its window), else those
     * whose forwards are taken and that no session holds, up to the first that still waits.
     */
    private void flush(final ClientConnection publisher, final HeldAcks held, final boolean force)
    {
        if (publisher.state() != ClientConnection.CONNECTED)
        {
            while (held.size() > 0)
            {
                forgetHead(held);
                held.poll();
            }
            held.clear();  // the client resends what was not acknowledged when it reconnects
            return;
        }
        while (held.size() > 0)
        {
            if (!force && !held.headReleasable())
            {
                return;     // held by a session from here on
            }
            if (0 != held.headNodes() && !windows.taken(held.headSequence(), held.headNodes()))
            {
                if (!force)
                {
                    return;
                }
                // A client past its window: acknowledged before another node took the message (counted, logged).
                counters.acksBeforeForwardTaken++;
                final long due = earlyLog.onEvent(System.nanoTime());
                if (due > 0)
                {
                    LOG.warn("cluster: {} acknowledgement(s) sent before another node took the message: a publisher "
                        + "left more than receive-maximum unacknowledged", due);
                }
            }
            forgetHead(held);
            final int entry = held.poll();
            sender.ack(publisher, HeldAcks.packetType(entry), HeldAcks.packetId(entry), HeldAcks.reasonCode(entry));
        }
    }

    /** The oldest held acknowledgement is leaving: its forwards can no longer be named by a hold request. */
    private void forgetHead(final HeldAcks held)
    {
        if (0 != held.headNodes())
        {
            for (long forward = held.headFirstSequence(), last = held.headSequence(); forward <= last; forward++)
            {
                awaitingBySequence.remove(forward);
            }
        }
    }
}
