package io.ringmq.core.routing;

import io.ringmq.core.session.ClientConnection;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongHashSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The holds other nodes of a cluster asked this node for: a session there, backed up, holds the local publishers
 * whose forwards reached it, as a local backed-up session does ({@link AckHold}). One hold per asking node and hold
 * number, with the local publishers it holds, each once.
 * <p>
 * Bounds: at most {@link #MAX_HOLDS} holds at once (a request past it is refused, and its publisher is not held); a
 * hold ends with its node's release, at its deadline (a release lost on the way), or when its node leaves.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class RemoteHolds
{
    /** Holds at once, over all nodes: far more than the sessions of a node backed up at the same moment. */
    static final int MAX_HOLDS = 65_536;

    /** One node's hold: the publishers it holds here. */
    static final class Hold
    {
        final int node;
        final long deadlineNs;
        private final LongHashSet connectionIds = new LongHashSet();
        final List<ClientConnection> publishers = new ArrayList<>(2);

        Hold(final int node, final long deadlineNs)
        {
            this.node = node;
            this.deadlineNs = deadlineNs;
        }

        /** @return true if the publisher was not held by this hold yet (the caller counts the hold on it). */
        boolean add(final ClientConnection publisher)
        {
            if (!connectionIds.add(publisher.connectionId()))
            {
                return false;
            }
            publishers.add(publisher);
            return true;
        }
    }

    private final Long2ObjectHashMap<Hold> holds = new Long2ObjectHashMap<>();

    private static long key(final int node, final int holdId)
    {
        return (long)node << Integer.SIZE | (holdId & 0xFFFF_FFFFL);
    }

    /**
     * @param node       the asking node.
     * @param holdId     its number for the hold.
     * @param deadlineNs when the hold ends if its release never comes; used when the hold is new.
     * @return the hold, or null if it is new and {@link #MAX_HOLDS} are held already.
     */
    Hold hold(final int node, final int holdId, final long deadlineNs)
    {
        final long key = key(node, holdId);
        Hold hold = holds.get(key);
        if (null == hold)
        {
            if (holds.size() >= MAX_HOLDS)
            {
                return null;
            }
            hold = new Hold(node, deadlineNs);
            holds.put(key, hold);
        }
        return hold;
    }

    /**
     * @param node   the node whose hold ends.
     * @param holdId its number.
     * @return the hold, removed, or null if there is none (never asked here, or ended already).
     */
    Hold remove(final int node, final int holdId)
    {
        return holds.remove(key(node, holdId));
    }

    /**
     * Removes the holds past their deadline and those of nodes no longer up.
     *
     * @param nowNs current time.
     * @param peers the live nodes, one bit each.
     * @param ended receives the removed holds.
     * @return how many of them ended at their deadline (their release never came).
     */
    int expire(final long nowNs, final long peers, final List<Hold> ended)
    {
        int timedOut = 0;
        final Iterator<Hold> all = holds.values().iterator();
        while (all.hasNext())
        {
            final Hold hold = all.next();
            final boolean late = nowNs - hold.deadlineNs >= 0;
            if (late || 0 == (peers & (1L << hold.node)))
            {
                all.remove();
                ended.add(hold);
                timedOut += late ? 1 : 0;
            }
        }
        return timedOut;
    }

    /** @return holds now. */
    int size()
    {
        return holds.size();
    }
}
