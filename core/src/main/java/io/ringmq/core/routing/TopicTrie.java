package io.ringmq.core.routing;

import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Subscriptions indexed by the levels of their topic filters, matched against topic names without allocating.
 * <p>
 * Each node is one filter level. Exact children are found by hashing and comparing the topic level's bytes in place
 * ({@link LevelMap}); the {@code +} and {@code #} children are separate fields. {@link #match} therefore visits only
 * nodes that match a prefix of the topic: its cost does not depend on the number of subscriptions, and its recursion
 * depth is at most the number of levels of the deepest matching filter (bounded by the broker's topic level limit).
 * <p>
 * Matching rules (MQTT 3.1.1 section 4.7, MQTT 5.0 section 4.7): levels are separated by {@code /} and may be empty;
 * {@code +} matches exactly one level, including an empty one; {@code #} matches its parent level and any number of
 * child levels ({@code sport/#} matches {@code sport}); a topic starting with {@code $} is not matched by a filter
 * whose first level is {@code +} or {@code #} (MQTT-4.7.2-1), but is matched by e.g. {@code $SYS/#}.
 * <p>
 * A shared subscription {@code $share/{group}/{filter}} puts the subscriber into the {@link SharedGroup} named
 * {@code group} at the node of {@code filter}; matching reports the group once, not its members. Subscribers are
 * compared by identity ({@code ==}).
 * <p>
 * Filters are expected to be valid (checked by the codec): no wildcard inside a level, {@code #} only last, and a
 * shared subscription has a non-empty group name followed by {@code /} and a filter.
 * <p>
 * <b>Threading:</b> not thread-safe: owned by the routing thread, which is the only thread that subscribes,
 * unsubscribes and matches. Handlers must not change the trie while {@link #match} calls them.
 *
 * @param <T> type of the subscriber.
 */
public final class TopicTrie<T>
{
    /** Prefix of a shared subscription filter, {@code $share/{group}/{filter}}. */
    public static final String SHARED_SUBSCRIPTION_PREFIX = "$share/";

    private static final int INITIAL_LEVELS = 16;

    private final TrieNode<T> root = new TrieNode<>(null, null);
    private int nodeCount = 1;
    private int subscriptionCount;
    /**
     * The levels of the topic being matched, split once per {@link #match} so that the branches that visit the same
     * level (exact, {@code +}) neither scan for its end nor hash it again: start, length and {@link LevelMap} hash of
     * each. Written and read only inside {@link #match} (not reentrant: a handler must not match on this trie); they
     * grow when a topic has more levels than any before (bounded by the broker's topic level limit), so a warmed-up
     * match allocates nothing.
     */
    private int[] levelOffsets = new int[INITIAL_LEVELS];
    private int[] levelLengths = new int[INITIAL_LEVELS];
    private int[] levelHashes = new int[INITIAL_LEVELS];

    /**
     * Add a subscription.
     *
     * @param filter     topic filter, or {@code $share/{group}/{filter}} for a shared subscription.
     * @param subscriber to add, compared by identity.
     * @return true if added, false if this subscriber object was already subscribed with this filter (and group).
     */
    public boolean subscribe(final String filter, final T subscriber)
    {
        Objects.requireNonNull(subscriber, "subscriber");
        final String groupName = groupName(filter);
        final String topicFilter = null == groupName ?
            filter : filter.substring(SHARED_SUBSCRIPTION_PREFIX.length() + groupName.length() + 1);

        final TrieNode<T> node = findNode(topicFilter, true);
        final boolean added;
        if (null == groupName)
        {
            added = node.addSubscriber(subscriber);
        }
        else
        {
            SharedGroup<T> group = node.findGroup(groupName);
            if (null == group)
            {
                group = new SharedGroup<>(groupName, topicFilter);
                node.addGroup(group);
            }
            added = group.add(subscriber);
        }

        if (added)
        {
            subscriptionCount++;
        }

        return added;
    }

    /**
     * Remove a subscription, then prune the nodes and the shared group it leaves empty.
     *
     * @param filter     topic filter, or {@code $share/{group}/{filter}} for a shared subscription.
     * @param subscriber to remove, compared by identity.
     * @return true if removed, false if this subscriber object was not subscribed with this filter (and group).
     */
    public boolean unsubscribe(final String filter, final T subscriber)
    {
        final String groupName = groupName(filter);
        final String topicFilter = null == groupName ?
            filter : filter.substring(SHARED_SUBSCRIPTION_PREFIX.length() + groupName.length() + 1);

        final TrieNode<T> node = findNode(topicFilter, false);
        if (null == node)
        {
            return false;
        }

        final boolean removed;
        if (null == groupName)
        {
            removed = node.removeSubscriber(subscriber);
        }
        else
        {
            final SharedGroup<T> group = node.findGroup(groupName);
            removed = null != group && group.remove(subscriber);
            if (removed && 0 == group.size())
            {
                node.removeGroup(group);
            }
        }

        if (removed)
        {
            subscriptionCount--;
            prune(node);
        }

        return removed;
    }

    /**
     * Report every subscription whose filter matches a topic name: {@link TopicMatchHandler#onSubscriber} once per
     * plain subscriber and {@link TopicMatchHandler#onSharedGroup} once per shared group at each matching filter.
     * Allocates nothing unless the topic has more levels than any matched before. Not reentrant: a handler must not
     * call it on the same trie.
     *
     * @param topic   buffer holding the topic name (UTF-8, no wildcards).
     * @param offset  of the topic name in the buffer.
     * @param length  of the topic name in bytes.
     * @param handler to report matches to.
     */
    public void match(final DirectBuffer topic, final int offset, final int length, final TopicMatchHandler<T> handler)
    {
        // MQTT-4.7.2-1: topics starting with '$' are not matched by a leading wildcard.
        final boolean leadingWildcards = 0 == length || '$' != topic.getByte(offset);
        final int lastLevel = split(topic, offset, length) - 1;
        matchLevel(root, topic, 0, lastLevel, leadingWildcards, handler);
    }

    /**
     * Number of subscriptions: plain subscribers plus the members of all shared groups.
     *
     * @return number of subscriptions.
     */
    public int subscriptionCount()
    {
        return subscriptionCount;
    }

    /**
     * Number of nodes including the root, which is 1 for an empty trie.
     *
     * @return number of nodes.
     */
    public int nodeCount()
    {
        return nodeCount;
    }

    /**
     * Split a topic into {@link #levelOffsets}, {@link #levelLengths} and {@link #levelHashes} in one pass.
     *
     * @return the number of levels (at least 1: an empty topic is one empty level).
     */
    private int split(final DirectBuffer topic, final int offset, final int length)
    {
        int level = 0;
        int levelStart = offset;
        int hash = LevelMap.HASH_START;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            final byte b = topic.getByte(i);
            if ('/' == b)
            {
                addLevel(level++, levelStart, i - levelStart, hash);
                levelStart = i + 1;
                hash = LevelMap.HASH_START;
            }
            else
            {
                hash = LevelMap.hashStep(hash, b);
            }
        }
        addLevel(level++, levelStart, offset + length - levelStart, hash);

        return level;
    }

    private void addLevel(final int level, final int offset, final int length, final int runningHash)
    {
        if (level == levelOffsets.length)
        {
            final int capacity = level << 1;
            levelOffsets = Arrays.copyOf(levelOffsets, capacity);
            levelLengths = Arrays.copyOf(levelLengths, capacity);
            levelHashes = Arrays.copyOf(levelHashes, capacity);
        }
        levelOffsets[level] = offset;
        levelLengths[level] = length;
        levelHashes[level] = LevelMap.hashEnd(runningHash);
    }

    private void matchLevel(
        final TrieNode<T> node,
        final DirectBuffer topic,
        final int level,
        final int lastLevel,
        final boolean wildcards,
        final TopicMatchHandler<T> handler)
    {
        if (wildcards)
        {
            final TrieNode<T> hashChild = node.hashChild;
            if (null != hashChild)
            {
                deliver(hashChild, handler);
            }

            final TrieNode<T> plusChild = node.plusChild;
            if (null != plusChild)
            {
                matchChild(plusChild, topic, level, lastLevel, handler);
            }
        }

        final LevelMap<TrieNode<T>> children = node.children;
        if (null != children)
        {
            final TrieNode<T> child =
                children.get(topic, levelOffsets[level], levelLengths[level], levelHashes[level]);
            if (null != child)
            {
                matchChild(child, topic, level, lastLevel, handler);
            }
        }
    }

    private void matchChild(
        final TrieNode<T> child,
        final DirectBuffer topic,
        final int level,
        final int lastLevel,
        final TopicMatchHandler<T> handler)
    {
        if (level == lastLevel)
        {
            deliver(child, handler);

            // "sport/#" also matches "sport": '#' includes its parent level.
            final TrieNode<T> hashChild = child.hashChild;
            if (null != hashChild)
            {
                deliver(hashChild, handler);
            }
        }
        else
        {
            matchLevel(child, topic, level + 1, lastLevel, true, handler);
        }
    }

    private void deliver(final TrieNode<T> node, final TopicMatchHandler<T> handler)
    {
        for (int i = 0, count = node.subscriberCount; i < count; i++)
        {
            handler.onSubscriber(node.subscriber(i));
        }

        for (int i = 0, count = node.groupCount; i < count; i++)
        {
            handler.onSharedGroup(node.group(i));
        }
    }

    private TrieNode<T> findNode(final String filter, final boolean create)
    {
        TrieNode<T> node = root;
        int start = 0;
        while (true)
        {
            final int separator = filter.indexOf('/', start);
            final int end = separator < 0 ? filter.length() : separator;
            node = child(node, filter, start, end, create);
            if (null == node || separator < 0)
            {
                return node;
            }
            start = separator + 1;
        }
    }

    private TrieNode<T> child(
        final TrieNode<T> node, final String filter, final int start, final int end, final boolean create)
    {
        final boolean singleChar = end - start == 1;
        if (singleChar && '+' == filter.charAt(start))
        {
            if (null == node.plusChild && create)
            {
                node.plusChild = newNode(node, null);
            }
            return node.plusChild;
        }

        if (singleChar && '#' == filter.charAt(start))
        {
            if (null == node.hashChild && create)
            {
                node.hashChild = newNode(node, null);
            }
            return node.hashChild;
        }

        final byte[] level = filter.substring(start, end).getBytes(StandardCharsets.UTF_8);
        LevelMap<TrieNode<T>> children = node.children;
        TrieNode<T> child = null == children ? null : children.get(level);
        if (null == child && create)
        {
            if (null == children)
            {
                children = new LevelMap<>();
                node.children = children;
            }
            child = newNode(node, level);
            children.put(level, child);
        }

        return child;
    }

    private TrieNode<T> newNode(final TrieNode<T> parent, final byte[] level)
    {
        nodeCount++;
        return new TrieNode<>(parent, level);
    }

    private void prune(final TrieNode<T> start)
    {
        TrieNode<T> node = start;
        while (node != root && node.isEmpty())
        {
            final TrieNode<T> parent = node.parent;
            if (parent.plusChild == node)
            {
                parent.plusChild = null;
            }
            else if (parent.hashChild == node)
            {
                parent.hashChild = null;
            }
            else
            {
                parent.children.remove(node.level);
                if (0 == parent.children.size())
                {
                    parent.children = null;
                }
            }

            nodeCount--;
            node = parent;
        }
    }

    private static String groupName(final String filter)
    {
        if (!filter.startsWith(SHARED_SUBSCRIPTION_PREFIX))
        {
            return null;
        }

        final int separator = filter.indexOf('/', SHARED_SUBSCRIPTION_PREFIX.length());
        if (separator <= SHARED_SUBSCRIPTION_PREFIX.length())
        {
            throw new IllegalArgumentException("shared subscription needs $share/{group}/{filter}: " + filter);
        }

        return filter.substring(SHARED_SUBSCRIPTION_PREFIX.length(), separator);
    }
}
