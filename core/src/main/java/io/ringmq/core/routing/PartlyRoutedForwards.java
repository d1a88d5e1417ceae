package io.ringmq.core.routing;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Forwards that a crash cut in the middle of the batch that routed them: the journal kept the ENQUEUE entries of
 * some of their sessions but not the batch's {@code FORWARDS_ROUTED}, so the origin, never acknowledged, sends them
 * again after the restart. Recovery finds them ({@code FORWARD_ORIGIN} records, {@code JournalRecovery}); the forward
 * sent again then reaches only the sessions that do not have it: routed again in full it would give the others a
 * second copy (a QoS 2 message twice), and discarded as a duplicate it would be lost for those whose entries the
 * crash cut.
 * <p>
 * Bounded by what one Router batch routed before the crash; each entry goes when its forward comes again, or when a
 * later forward of its origin comes (forwards of one origin arrive in order, so it will not come any more).
 * <p>
 * <b>Threading:</b> filled at recovery, then read and emptied by the Router thread.
 */
final class PartlyRoutedForwards
{
    /** Per origin node, per sequence: the journal ids of the sessions that have the forward. */
    private final Int2ObjectHashMap<Long2ObjectHashMap<int[]>> byOrigin = new Int2ObjectHashMap<>();
    private int size;

    /**
     * @param origin     the forward's origin node.
     * @param sequence   its sequence.
     * @param sessionIds journal ids of the sessions whose ENQUEUE of it survived.
     */
    void add(final int origin, final long sequence, final int[] sessionIds)
    {
        Long2ObjectHashMap<int[]> forwards = byOrigin.get(origin);
        if (null == forwards)
        {
            forwards = new Long2ObjectHashMap<>();
            byOrigin.put(origin, forwards);
        }
        if (null == forwards.put(sequence, sessionIds))
        {
            size++;
        }
    }

    /** @return whether nothing is left (the Router's per-forward check). */
    boolean isEmpty()
    {
        return 0 == size;
    }

    /** @return the number of forwards left. */
    int size()
    {
        return size;
    }

    /**
     * The forward of {@code origin} with {@code sequence} comes (again): forget it, and every older one of the origin.
     *
     * @param origin   the origin node.
     * @param sequence the forward's sequence.
     * @return the journal ids of the sessions that have it already, or null if it was not cut.
     */
    int[] take(final int origin, final long sequence)
    {
        final Long2ObjectHashMap<int[]> forwards = byOrigin.get(origin);
        if (null == forwards)
        {
            return null;
        }
        final int[] sessionIds = forwards.remove(sequence);
        if (null != sessionIds)
        {
            size--;
        }
        final Long2ObjectHashMap<int[]>.KeyIterator keys = forwards.keySet().iterator();
        while (keys.hasNext())
        {
            if (keys.nextLong() < sequence)
            {
                keys.remove();
                size--;
            }
        }
        if (forwards.isEmpty())
        {
            byOrigin.remove(origin);
        }
        return sessionIds;
    }
}
