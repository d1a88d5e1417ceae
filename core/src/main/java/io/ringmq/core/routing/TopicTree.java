package io.ringmq.core.routing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Values keyed by exact topic name, one node per level, for retained messages: {@link #forEachMatching} finds the
 * values whose topic a new subscription's filter matches, with the same rules as {@link TopicTrie}: {@code +} matches
 * one level (possibly empty), {@code #} matches its parent level and everything below, and a filter whose first
 * level is a wildcard does not match topics starting with {@code $} (MQTT-4.7.2-1).
 * <p>
 * {@link #put} and {@link #remove} run for every retained PUBLISH, so they walk the topic once with
 * {@code indexOf('/')}; {@link #remove} prunes the nodes it leaves empty. Matching is only used on SUBSCRIBE, where
 * building level strings is acceptable.
 * <p>
 * <b>Threading:</b> not thread-safe: owned by the routing thread. The consumer given to {@link #forEachMatching}
 * must not change the tree.
 *
 * @param <V> type of the value, e.g. a retained message.
 */
public final class TopicTree<V>
{
    private final Node<V> root = new Node<>(null, null);
    private int size;
    private int nodeCount = 1;

    /**
     * Store a value for a topic name, replacing any previous one.
     *
     * @param topic name without wildcards.
     * @param value to store, not null.
     * @return the previous value for the topic or null.
     */
    public V put(final String topic, final V value)
    {
        Objects.requireNonNull(value, "value");
        Node<V> node = root;
        int start = 0;
        while (true)
        {
            final int separator = topic.indexOf('/', start);
            final String level = topic.substring(start, separator < 0 ? topic.length() : separator);
            node = childOrCreate(node, level);
            if (separator < 0)
            {
                break;
            }
            start = separator + 1;
        }

        final V previous = node.value;
        node.value = value;
        if (null == previous)
        {
            size++;
        }

        return previous;
    }

    /**
     * Value stored for a topic name.
     *
     * @param topic name without wildcards.
     * @return the value or null if none is stored.
     */
    public V get(final String topic)
    {
        final Node<V> node = find(topic);

        return null == node ? null : node.value;
    }

    /**
     * Remove the value stored for a topic name and prune the nodes left empty.
     *
     * @param topic name without wildcards.
     * @return the removed value or null if none was stored.
     */
    public V remove(final String topic)
    {
        final Node<V> node = find(topic);
        if (null == node || null == node.value)
        {
            return null;
        }

        final V previous = node.value;
        node.value = null;
        size--;
        prune(node);

        return previous;
    }

    /**
     * Visit the value of every stored topic name matched by a topic filter, in no particular order.
     *
     * @param filter   valid topic filter, without a {@code $share/{group}/} prefix.
     * @param consumer called once per matching value; must not change the tree.
     */
    public void forEachMatching(final String filter, final Consumer<V> consumer)
    {
        final ArrayList<String> levels = new ArrayList<>();
        int start = 0;
        while (true)
        {
            final int separator = filter.indexOf('/', start);
            levels.add(filter.substring(start, separator < 0 ? filter.length() : separator));
            if (separator < 0)
            {
                break;
            }
            start = separator + 1;
        }

        match(root, levels, 0, consumer);
    }

    /**
     * Number of stored values.
     *
     * @return number of stored values.
     */
    public int size()
    {
        return size;
    }

    /**
     * Number of nodes including the root, which is 1 for an empty tree.
     *
     * @return number of nodes.
     */
    int nodeCount()
    {
        return nodeCount;
    }

    private void match(final Node<V> node, final ArrayList<String> levels, final int index, final Consumer<V> consumer)
    {
        if (index == levels.size())
        {
            if (null != node.value)
            {
                consumer.accept(node.value);
            }
            return;
        }

        final String level = levels.get(index);
        final boolean skipDollar = node == root;
        if ("#".equals(level))
        {
            visitAll(node, skipDollar, consumer);
        }
        else if ("+".equals(level))
        {
            if (null != node.children)
            {
                for (final Node<V> child : node.children.values())
                {
                    if (!(skipDollar && isDollar(child)))
                    {
                        match(child, levels, index + 1, consumer);
                    }
                }
            }
        }
        else if (null != node.children)
        {
            final Node<V> child = node.children.get(level);
            if (null != child)
            {
                match(child, levels, index + 1, consumer);
            }
        }
    }

    /**
     * Visits a node and all of its descendants; iterative because stored topics may be deeper than any filter.
     */
    private void visitAll(final Node<V> start, final boolean skipDollarChildren, final Consumer<V> consumer)
    {
        final ArrayDeque<Node<V>> pending = new ArrayDeque<>();
        if (null != start.value)
        {
            consumer.accept(start.value);
        }
        if (null != start.children)
        {
            for (final Node<V> child : start.children.values())
            {
                if (!(skipDollarChildren && isDollar(child)))
                {
                    pending.push(child);
                }
            }
        }

        Node<V> node;
        while (null != (node = pending.poll()))
        {
            if (null != node.value)
            {
                consumer.accept(node.value);
            }
            if (null != node.children)
            {
                for (final Node<V> child : node.children.values())
                {
                    pending.push(child);
                }
            }
        }
    }

    private static boolean isDollar(final Node<?> node)
    {
        return !node.level.isEmpty() && '$' == node.level.charAt(0);
    }

    private Node<V> find(final String topic)
    {
        Node<V> node = root;
        int start = 0;
        while (true)
        {
            if (null == node.children)
            {
                return null;
            }
            final int separator = topic.indexOf('/', start);
            node = node.children.get(topic.substring(start, separator < 0 ? topic.length() : separator));
            if (null == node || separator < 0)
            {
                return node;
            }
            start = separator + 1;
        }
    }

    private Node<V> childOrCreate(final Node<V> node, final String level)
    {
        HashMap<String, Node<V>> children = node.children;
        if (null == children)
        {
            children = new HashMap<>(4);
            node.children = children;
        }

        Node<V> child = children.get(level);
        if (null == child)
        {
            child = new Node<>(node, level);
            children.put(level, child);
            nodeCount++;
        }

        return child;
    }

    private void prune(final Node<V> start)
    {
        Node<V> node = start;
        while (node != root && null == node.value && null == node.children)
        {
            final Node<V> parent = node.parent;
            parent.children.remove(node.level);
            if (parent.children.isEmpty())
            {
                parent.children = null;
            }
            nodeCount--;
            node = parent;
        }
    }

    private static final class Node<V>
    {
        final Node<V> parent;
        final String level;
        HashMap<String, Node<V>> children;
        V value;

        Node(final Node<V> parent, final String level)
        {
            this.parent = parent;
            this.level = level;
        }
    }
}
