package io.ringmq.core.routing;

import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.HeldAcks;
import io.ringmq.core.session.Session;
import io.ringmq.core.status.BrokerCounters;
import io.ringmq.core.status.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

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
 * window per round trip to those nodes. (A backed-up subscriber on another node does not hold it yet.)
 * <p>
 * Bounds: a session records each publisher once per hold epoch; a publisher holds at most {@code maxHeldAcks}
 * acknowledgements (a client that ignores its window gets the oldest ones released early).
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class AckHold
{
    private static final Logger LOG = LoggerFactory.getLogger(AckHold.class);

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

    /**
     * @param sender      where released acknowledgements go.
     * @param counters    broker counters.
     * @param maxDelayMs  longest hold by one session; 0 never holds.
     * @param maxQueued   the session queue quota in messages: holds start at half of it and end at a quarter.
     * @param maxHeldAcks most acknowledgements held per publisher.
     * @param windows     which forwards other nodes have taken.
     */
    AckHold(final PacketSender sender, final BrokerCounters counters, final long maxDelayMs, final int maxQueued,
        final int maxHeldAcks, final ForwardWindows windows)
    {
        this.sender = sender;
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
     * @param reasonCode reason code (MQTT 5), 0 otherwise.
     * @param sequence   the last forward sequence of the message.
     * @param nodes      the nodes it was forwarded to, one bit per node id.
     */
    void ackAfterForward(final ClientConnection publisher, final int packetType, final int packetId,
        final int reasonCode, final long sequence, final long nodes)
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
        held.add(HeldAcks.pack(packetType, packetId, reasonCode), sequence, nodes);
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
            if (0 == held.holds())
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

    private void releaseAll(final Session session)
    {
        final List<ClientConnection> publishers = session.holdingPublishers();
        for (int i = 0, size = publishers.size(); i < size; i++)
        {
            final ClientConnection publisher = publishers.get(i);
            final HeldAcks held = publisher.heldAcks();
            if (null != held && 0 == held.release())
            {
                flush(publisher, held, false);
            }
        }
        publishers.clear();
        session.holdingSinceNs(-1);
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
     * whose forwards are taken, up to the first that still waits for one. Once no session holds the publisher.
     */
    private void flush(final ClientConnection publisher, final HeldAcks held, final boolean force)
    {
        if (publisher.state() != ClientConnection.CONNECTED)
        {
            held.clear();  // the client resends what was not acknowledged when it reconnects
            return;
        }
        while (held.size() > 0)
        {
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
            final int entry = held.poll();
            sender.ack(publisher, HeldAcks.packetType(entry), HeldAcks.packetId(entry), HeldAcks.reasonCode(entry));
        }
    }
}
