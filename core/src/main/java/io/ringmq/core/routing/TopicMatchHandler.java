package io.ringmq.core.routing;

/**
 * Receives the subscriptions matched by {@link TopicTrie#match(org.agrona.DirectBuffer, int, int, TopicMatchHandler)}.
 * <p>
 * <b>Threading:</b> called on the routing thread, synchronously from within {@code match}. An implementation must not
 * modify the trie it is called from, and should be a preallocated object so that matching stays allocation free.
 *
 * @param <T> type of the subscriber.
 */
public interface TopicMatchHandler<T>
{
    /**
     * A plain (non-shared) subscription whose filter matches the topic. Called once per subscriber per matching
     * filter, so a subscriber with several overlapping filters is reported once for each of them.
     *
     * @param subscriber that subscribed with the matching filter.
     */
    void onSubscriber(T subscriber);

    /**
     * A shared subscription group whose filter matches the topic; the caller picks one member, typically starting
     * from {@link SharedGroup#nextIndex()}.
     *
     * @param group with at least one member.
     */
    void onSharedGroup(SharedGroup<T> group);
}
