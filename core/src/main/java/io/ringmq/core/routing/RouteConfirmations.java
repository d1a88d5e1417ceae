package io.ringmq.core.routing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.status.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In a cluster, a SUBACK waits until every node routes the filters it made. A filter is unconfirmed from the moment
 * this node announces its first local subscriber to it until both (1) the control plane's route change naming this
 * node has come back (a {@code CLUSTER_ROUTE} event: the change is committed) and (2) every other live node (this
 * node's data-plane peers) has acknowledged that its Router applied the change (a route acknowledgement on the data
 * plane, sent by that node's Router when a route change adds this node). A node's Router takes messages from its
 * ring in order, so a message a client publishes on that node after the SUBACK is routed here.
 * <p>
 * Bounded: a SUBACK waits at most {@link #TIMEOUT_NS} (the control plane may have no leader, a node may be cut off
 * or its acknowledgement lost), and at most {@link #MAX_WAITING} SUBACKs wait at once; past either, the SUBACK goes
 * out at once, counted and logged. A peer that goes down is not waited for (checked on every tick). Without a cluster
 * nothing is ever unconfirmed and nothing waits.
 * <p>
 * A filter withdrawn and announced again faster than a node's acknowledgement travels may be confirmed by that
 * node's acknowledgement of the earlier announcement (acknowledgements carry no version).
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class RouteConfirmations
{
    /** Longest wait of a SUBACK for its routes. */
    static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);
    /** Most SUBACKs waiting at once. */
    static final int MAX_WAITING = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(RouteConfirmations.class);

    /** A SUBACK held for its routes. */
    private static final class Waiting
    {
        final ClientConnection connection;
        final int packetId;
        final int[] codes;
        final List<Subscription> sendRetained;
        final long deadlineNs;
        int filtersLeft;
        boolean sent;

        Waiting(final ClientConnection connection, final int packetId, final int[] codes,
            final List<Subscription> sendRetained, final long deadlineNs)
        {
            this.connection = connection;
            this.packetId = packetId;
            this.codes = codes;
            this.sendRetained = sendRetained;
            this.deadlineNs = deadlineNs;
        }
    }

    /** An announced filter's progress towards confirmation. */
    private static final class Pending
    {
        /** The control plane's route change naming this node has come back. */
        boolean committed;
        /** Peers that acknowledged they route the filter here, one bit per node id. */
        long applied;
    }

    private final BrokerState state;
    /** Filters announced to the cluster and not yet confirmed. */
    private final HashMap<String, Pending> unconfirmed = new HashMap<>();
    private final HashMap<String, List<Waiting>> byFilter = new HashMap<>();
    /** Waiting SUBACKs in deadline order (one timeout for all), including sent ones until they reach the head. */
    private final ArrayDeque<Waiting> byDeadline = new ArrayDeque<>();
    private final RateLimitedLog timeoutLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private int waiting;
    private long sentUnconfirmed;

    RouteConfirmations(final BrokerState state)
    {
        this.state = state;
    }

    /** This node announced its first local subscriber to the filter. */
    void onAnnounced(final String filter)
    {
        unconfirmed.put(filter, new Pending());
    }

    /** This node withdrew the filter (its last subscriber left): whoever waits for it need not. */
    void onWithdrawn(final String filter)
    {
        if (null != unconfirmed.remove(filter))
        {
            release(filter);
        }
    }

    /** The control plane's route for the filter names this node: the change is committed. */
    void onConfirmed(final String filter)
    {
        final Pending pending = unconfirmed.get(filter);
        if (null != pending)
        {
            pending.committed = true;
            check(filter, pending);
        }
    }

    /**
     * A peer's Router routes the filter to this node now.
     *
     * @param filter the filter.
     * @param node   the peer.
     */
    void onApplied(final String filter, final int node)
    {
        final Pending pending = unconfirmed.get(filter);
        if (null != pending && node >= 0 && node < Long.SIZE)
        {
            pending.applied |= 1L << node;
            check(filter, pending);
        }
    }

    private void check(final String filter, final Pending pending)
    {
        if (pending.committed && (state.cluster.peers() & ~pending.applied) == 0)
        {
            unconfirmed.remove(filter);
            release(filter);
        }
    }

    private void release(final String filter)
    {
        final List<Waiting> list = byFilter.remove(filter);
        if (null != list)
        {
            for (final Waiting w : list)
            {
                if (--w.filtersLeft == 0)
                {
                    send(w);
                }
            }
        }
    }

    /**
     * Hold a SUBACK if any of its filters is unconfirmed.
     *
     * @return false if it need not wait (or cannot: too many wait); the caller sends it.
     */
    boolean hold(final ClientConnection connection, final int packetId, final int[] codes, final int count,
        final List<TopicSubscription> entries, final List<Subscription> sendRetained)
    {
        if (unconfirmed.isEmpty())
        {
            return false;
        }
        Waiting held = null;
        for (int i = 0; i < count; i++)
        {
            final String filter = entries.get(i).filter();
            if (codes[i] < 0x80 && unconfirmed.containsKey(filter))
            {
                if (null == held)
                {
                    if (waiting >= MAX_WAITING)
                    {
                        onUnconfirmed("too many SUBACKs wait for the control plane");
                        return false;
                    }
                    held = new Waiting(connection, packetId, java.util.Arrays.copyOf(codes, count), sendRetained,
                        state.nowNs + TIMEOUT_NS);
                }
                final List<Waiting> list = byFilter.computeIfAbsent(filter, f -> new ArrayList<>(1));
                // The same filter twice in one SUBSCRIBE counts once; this packet's entry, if any, is the last one
                // (O(1), where thousands of clients may wait for one popular filter).
                if (list.isEmpty() || list.get(list.size() - 1) != held)
                {
                    list.add(held);
                    held.filtersLeft++;
                }
            }
        }
        if (null == held)
        {
            return false;
        }
        waiting++;
        byDeadline.add(held);
        return true;
    }

    /** Periodic: SUBACKs that waited too long go out (the routes may still come). */
    void onTick(final long nowNs)
    {
        if (!unconfirmed.isEmpty())
        {
            // A peer that went down acknowledges nothing: stop waiting for it.
            final long peers = state.cluster.peers();
            final Iterator<Map.Entry<String, Pending>> it = unconfirmed.entrySet().iterator();
            while (it.hasNext())
            {
                final Map.Entry<String, Pending> entry = it.next();
                final Pending pending = entry.getValue();
                if (pending.committed && (peers & ~pending.applied) == 0)
                {
                    it.remove();
                    release(entry.getKey());
                }
            }
        }
        Waiting head;
        while (null != (head = byDeadline.peek()) && (head.sent || nowNs - head.deadlineNs >= 0))
        {
            byDeadline.poll();
            if (!head.sent)
            {
                onUnconfirmed("the control plane did not confirm the route within " +
                    TimeUnit.NANOSECONDS.toMillis(TIMEOUT_NS) + " ms");
                send(head);
            }
        }
    }

    private void onUnconfirmed(final String why)
    {
        sentUnconfirmed++;
        final long due = timeoutLog.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.warn("cluster: {} SUBACK(s) sent before their routes were confirmed: {}", due, why);
        }
    }

    private void send(final Waiting w)
    {
        if (w.sent)
        {
            return;
        }
        w.sent = true;
        waiting--;
        final ClientConnection connection = w.connection;
        if (state.connections.get(connection.connectionId()) != connection ||
            connection.state() != ClientConnection.CONNECTED || null == connection.session())
        {
            return;     // the client went away meanwhile: nobody to answer
        }
        state.sender.ackList(connection, PacketType.SUBACK, w.packetId, w.codes, w.codes.length);
        for (final Subscription subscription : w.sendRetained)
        {
            state.retained.onSubscribe(connection.session(), subscription, state.nowNs);
        }
    }

    /** @return SUBACKs sent before their routes were confirmed (timeout, or too many waiting). */
    long sentUnconfirmed()
    {
        return sentUnconfirmed;
    }

    /** @return SUBACKs waiting now. */
    int waiting()
    {
        return waiting;
    }
}
