package io.ringmq.core.routing;

import java.util.Arrays;
import java.util.IdentityHashMap;

/**
 * One level of a {@link TopicTrie}: the subscriptions whose filter ends here and the children for the next level.
 * Exact children live in a {@link LevelMap} keyed by the level's bytes; the {@code +} and {@code #} children have
 * their own fields so matching tries them without a lookup. All child containers are created on demand and dropped
 * when empty, so a pruned trie holds no memory for departed subscriptions.
 * <p>
 * <b>Threading:</b> not thread-safe: owned by the routing thread.
 *
 * @param <T> type of the subscriber.
 */
final class TrieNode<T>
{
    /** Above this many plain subscribers an identity index keeps subscribe and unsubscribe O(1). */
    static final int INDEX_THRESHOLD = 8;

    private static final Object[] EMPTY = new Object[0];

    final TrieNode<T> parent;
    /** UTF-8 bytes of this node's level in its parent's {@link #children}; null for a {@code +} or {@code #} node. */
    final byte[] level;

    LevelMap<TrieNode<T>> children;
    TrieNode<T> plusChild;
    TrieNode<T> hashChild;

    /** Plain subscribers in {@code [0, subscriberCount)}, in no particular order. */
    Object[] subscribers = EMPTY;
    int subscriberCount;
    private IdentityHashMap<Object, Integer> subscriberIndex;

    /** Shared groups in {@code [0, groupCount)}; none of them is empty. */
    Object[] groups = EMPTY;
    int groupCount;

    TrieNode(final TrieNode<T> parent, final byte[] level)
    {
        this.parent = parent;
        this.level = level;
    }

    @SuppressWarnings("unchecked")
    T subscriber(final int index)
    {
        return (T)subscribers[index];
    }

    @SuppressWarnings("unchecked")
    SharedGroup<T> group(final int index)
    {
        return (SharedGroup<T>)groups[index];
    }

    boolean isEmpty()
    {
        return 0 == subscriberCount && 0 == groupCount && null == children && null == plusChild && null == hashChild;
    }

    boolean addSubscriber(final T subscriber)
    {
        if (indexOfSubscriber(subscriber) >= 0)
        {
            return false;
        }

        final int index = subscriberCount;
        if (index == subscribers.length)
        {
            subscribers = Arrays.copyOf(subscribers, Math.max(4, index << 1));
        }
        subscribers[index] = subscriber;
        subscriberCount = index + 1;

        if (null != subscriberIndex)
        {
            subscriberIndex.put(subscriber, index);
        }
        else if (subscriberCount > INDEX_THRESHOLD)
        {
            subscriberIndex = new IdentityHashMap<>(subscriberCount << 1);
            for (int i = 0; i < subscriberCount; i++)
            {
                subscriberIndex.put(subscribers[i], i);
            }
        }

        return true;
    }

    boolean removeSubscriber(final T subscriber)
    {
        final int index = indexOfSubscriber(subscriber);
        if (index < 0)
        {
            return false;
        }

        // Order of plain subscribers does not matter: move the last one into the gap.
        final int last = subscriberCount - 1;
        final Object moved = subscribers[last];
        subscribers[index] = moved;
        subscribers[last] = null;
        subscriberCount = last;

        if (null != subscriberIndex)
        {
            subscriberIndex.remove(subscriber);
            if (index != last)
            {
                subscriberIndex.put(moved, index);
            }
            if (last <= INDEX_THRESHOLD / 2)
            {
                subscriberIndex = null;
            }
        }

        if (0 == last)
        {
            subscribers = EMPTY;
        }
        else if (subscribers.length > 16 && last < (subscribers.length >>> 2))
        {
            subscribers = Arrays.copyOf(subscribers, subscribers.length >>> 1);
        }

        return true;
    }

    SharedGroup<T> findGroup(final String name)
    {
        for (int i = 0; i < groupCount; i++)
        {
            final SharedGroup<T> group = group(i);
            if (group.name().equals(name))
            {
                return group;
            }
        }

        return null;
    }

    void addGroup(final SharedGroup<T> group)
    {
        if (groupCount == groups.length)
        {
            groups = Arrays.copyOf(groups, Math.max(2, groupCount << 1));
        }
        groups[groupCount++] = group;
    }

    void removeGroup(final SharedGroup<T> group)
    {
        for (int i = 0; i < groupCount; i++)
        {
            if (groups[i] == group)
            {
                final int last = --groupCount;
                groups[i] = groups[last];
                groups[last] = null;
                if (0 == last)
                {
                    groups = EMPTY;
                }
                return;
            }
        }
    }

    private int indexOfSubscriber(final T subscriber)
    {
        if (null != subscriberIndex)
        {
            final Integer index = subscriberIndex.get(subscriber);
            return null == index ? -1 : index;
        }

        final Object[] subscribers = this.subscribers;
        for (int i = 0, count = subscriberCount; i < count; i++)
        {
            if (subscribers[i] == subscriber)
            {
                return i;
            }
        }

        return -1;
    }
}
