package io.ringmq.cluster.control;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Names (client ids, topics) the control plane keeps for each node until it has told that node: the sessions that
 * expired, or the topics cleared, while the node was down. Sorted per node so that a sync can resume from a cursor;
 * a set exists only for a node with names. Bounded in all: a name past the bound is not kept, and the caller counts
 * it.
 * <p>
 * Threading: owned by the clustered service's thread, like {@link ControlPlaneState}.
 */
final class NamesByNode
{
    private final List<TreeSet<String>> names;
    private final int max;
    private int count;

    /**
     * @param nodes how many node ids there are.
     * @param max   most names kept in all.
     */
    NamesByNode(final int nodes, final int max)
    {
        this.names = new ArrayList<>(nodes);
        for (int node = 0; node < nodes; node++)
        {
            names.add(null);
        }
        this.max = max;
    }

    /** @return false if the name is not kept: past the bound. */
    boolean add(final int node, final String name)
    {
        TreeSet<String> set = names.get(node);
        if (null != set && set.contains(name))
        {
            return true;
        }
        if (count >= max)
        {
            return false;
        }
        if (null == set)
        {
            set = new TreeSet<>();
            names.set(node, set);
        }
        set.add(name);
        count++;
        return true;
    }

    /** @return true if the node had the name. */
    boolean remove(final int node, final String name)
    {
        final TreeSet<String> set = names.get(node);
        if (null == set || !set.remove(name))
        {
            return false;
        }
        count--;
        return true;
    }

    /** Removes the name from every node's set. */
    void removeEverywhere(final String name)
    {
        for (int node = 0; node < names.size() && count > 0; node++)
        {
            remove(node, name);
        }
    }

    /** Forgets every name of the node. */
    void clear(final int node)
    {
        final TreeSet<String> set = names.get(node);
        if (null != set)
        {
            count -= set.size();
            names.set(node, null);
        }
    }

    /** @return the node's names, or null if it has none kept. */
    NavigableSet<String> of(final int node)
    {
        return names.get(node);
    }

    /** @return names kept, all nodes. */
    int count()
    {
        return count;
    }
}
