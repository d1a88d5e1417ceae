package io.ringmq.loadtest;

import org.agrona.collections.Int2ObjectHashMap;

/**
 * Receiving state of one subscriber: its filter and, per publisher it hears from, a {@link SequenceTracker}; or, for a
 * shared-subscription member, the group's {@link SharedSequenceSet}s.
 * <p>
 * <b>Threading:</b> not thread-safe; owned by the {@link IoLoop} of its {@link Connection} (the shared sets are
 * thread-safe themselves).
 */
final class Receiver
{
    private static final int DIRECT_LIMIT = 4096;

    final String filter;
    final int subscribeQos;
    final boolean persistent;
    private final int publisherCount;
    private final SharedSequenceSet[] groupSets;
    private SequenceTracker[] direct;
    private Int2ObjectHashMap<SequenceTracker> byPublisher;
    private int lastPublisherId = -1;
    private SequenceTracker lastTracker;

    /**
     * Receiver of one subscription.
     *
     * @param filter         Topic Filter to subscribe to.
     * @param subscribeQos   maximum QoS asked for.
     * @param persistent     keep the session across disconnects.
     * @param publisherCount publisher ids are below this.
     * @param groupSets      per publisher id, the shared group's set; null when not a group member.
     */
    Receiver(
        final String filter,
        final int subscribeQos,
        final boolean persistent,
        final int publisherCount,
        final SharedSequenceSet[] groupSets)
    {
        this.filter = filter;
        this.subscribeQos = subscribeQos;
        this.persistent = persistent;
        this.publisherCount = publisherCount;
        this.groupSets = groupSets;
    }

    /**
     * Record the arrival of a message.
     *
     * @param publisherId from the payload, already checked to be below the publisher count.
     * @param sequence    from the payload.
     * @return true for the first arrival at this receiver (or group), false for a duplicate.
     */
    boolean onMessage(final int publisherId, final long sequence)
    {
        if (null != groupSets)
        {
            return groupSets[publisherId].add(sequence);
        }
        return tracker(publisherId).onSequence(sequence);
    }

    /**
     * Gaps given up by the trackers' windows (see {@link SequenceTracker#evicted()}).
     *
     * @return count over all publishers.
     */
    long evicted()
    {
        long total = 0;
        if (null != direct)
        {
            for (final SequenceTracker tracker : direct)
            {
                total += null == tracker ? 0 : tracker.evicted();
            }
        }
        if (null != byPublisher)
        {
            for (final SequenceTracker tracker : byPublisher.values())
            {
                total += tracker.evicted();
            }
        }
        return total;
    }

    private SequenceTracker tracker(final int publisherId)
    {
        if (publisherId == lastPublisherId)
        {
            return lastTracker;
        }
        SequenceTracker tracker;
        if (publisherCount <= DIRECT_LIMIT)
        {
            if (null == direct)
            {
                direct = new SequenceTracker[publisherCount];
            }
            tracker = direct[publisherId];
            if (null == tracker)
            {
                tracker = new SequenceTracker();
                direct[publisherId] = tracker;
            }
        }
        else
        {
            if (null == byPublisher)
            {
                byPublisher = new Int2ObjectHashMap<>();
            }
            tracker = byPublisher.get(publisherId);
            if (null == tracker)
            {
                tracker = new SequenceTracker();
                byPublisher.put(publisherId, tracker);
            }
        }
        lastPublisherId = publisherId;
        lastTracker = tracker;
        return tracker;
    }
}
