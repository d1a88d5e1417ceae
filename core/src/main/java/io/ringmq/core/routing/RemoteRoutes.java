package io.ringmq.core.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;

import org.agrona.DirectBuffer;

/**
 * The Router's replica of the cluster's route table: per topic filter, the other nodes with subscribers to it, kept
 * in a {@link TopicTrie} whose subscribers are the nodes, so that finding where a message must be forwarded costs
 * one more trie walk and allocates nothing. Changed only by the control plane's route changes, which reach the
 * Router as ring events in the control plane's order.
 * <p>
 * Shared subscriptions are in it too, as {@code $share/{name}/{filter}} routes whose members are nodes; this node is
 * a member of the groups it has local members of ({@link #addLocalShared}). For each matching group, {@link #match}
 * picks one node, round robin: this node (its Router then delivers to one local member, as without a cluster) or
 * another (the message is forwarded there for that group only, and the local group is skipped), so a group gets a
 * message once cluster-wide. Fairness is by node, then by member within the node.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class RemoteRoutes implements TopicMatchHandler<RemoteRoutes.Node>
{
    /** Most node ids (one bit each in a {@code long}). */
    static final int MAX_NODES = 64;

    /** A node as a subscriber of the trie. */
    static final class Node
    {
        final int id;
        final long bit;

        Node(final int id)
        {
            this.id = id;
            this.bit = 1L << id;
        }
    }

    private final Node[] nodes = new Node[MAX_NODES];
    private final TopicTrie<Node> trie = new TopicTrie<>();
    private final HashMap<String, Long> routes = new HashMap<>();
    private final int selfBit;
    private long matched;
    /** The last match's shared groups picked for another node, and that node; reused, grown as needed. */
    private Object[] pickedGroups = new Object[4];
    private int[] pickedNodes = new int[4];
    private int picked;
    /** A group's {@code $share/{name}/{filter}} in UTF-8, made once per group (cleared when shared routes change). */
    private final IdentityHashMap<Object, byte[]> groupKeys = new IdentityHashMap<>();

    /**
     * @param selfId this node's id, whose own routes are ignored (its local trie serves them), or -1.
     */
    RemoteRoutes(final int selfId)
    {
        for (int i = 0; i < MAX_NODES; i++)
        {
            nodes[i] = new Node(i);
        }
        this.selfBit = selfId;
    }

    /**
     * The set of nodes with subscribers to a filter is now {@code mask} (0: none).
     *
     * @return the other nodes this change added to the filter's route, one bit per node id.
     */
    long apply(final String filter, final long mask)
    {
        final long wanted = selfBit >= 0 ? mask & ~(1L << selfBit) : mask;
        final Long known = routes.get(filter);
        final long before = null == known ? 0 : known;
        final long newNodes = wanted & ~before;
        if (filter.startsWith(TopicTrie.SHARED_SUBSCRIPTION_PREFIX))
        {
            groupKeys.clear();
        }
        long added = newNodes;
        while (added != 0)
        {
            final int id = Long.numberOfTrailingZeros(added);
            added &= added - 1;
            trie.subscribe(filter, nodes[id]);
        }
        long removed = before & ~wanted;
        while (removed != 0)
        {
            final int id = Long.numberOfTrailingZeros(removed);
            removed &= removed - 1;
            trie.unsubscribe(filter, nodes[id]);
        }
        if (0 == wanted)
        {
            routes.remove(filter);
        }
        else if (wanted != before)
        {
            routes.put(filter, wanted);
        }
        return newNodes;
    }

    /**
     * @return the other nodes with a subscriber whose filter matches the topic, one bit per node id.
     */
    long match(final DirectBuffer topic, final int offset, final int length)
    {
        picked = 0;
        if (routes.isEmpty())
        {
            return 0;
        }
        matched = 0;
        trie.match(topic, offset, length, this);
        return matched;
    }

    /** This node has its first member of a shared group ({@code $share/{name}/{filter}}): it is a candidate too. */
    void addLocalShared(final String sharedFilter)
    {
        if (selfBit >= 0)
        {
            trie.subscribe(sharedFilter, nodes[selfBit]);
        }
    }

    /** This node's last member of a shared group left. */
    void removeLocalShared(final String sharedFilter)
    {
        if (selfBit >= 0)
        {
            trie.unsubscribe(sharedFilter, nodes[selfBit]);
        }
    }

    @Override
    public void onSubscriber(final Node node)
    {
        matched |= node.bit;
    }

    @Override
    public void onSharedGroup(final SharedGroup<Node> group)
    {
        final Node node = group.member(group.nextIndex());
        if (node.id == selfBit)
        {
            return;     // served here: the Router's own match picks the member
        }
        if (picked == pickedNodes.length)
        {
            pickedGroups = Arrays.copyOf(pickedGroups, picked * 2);
            pickedNodes = Arrays.copyOf(pickedNodes, picked * 2);
        }
        pickedGroups[picked] = group;
        pickedNodes[picked++] = node.id;
    }

    /** @return shared groups the last {@link #match} picked another node for. */
    int picked()
    {
        return picked;
    }

    /** @return the node picked for the {@code i}th of them. */
    int pickedNode(final int i)
    {
        return pickedNodes[i];
    }

    /** @return the {@code i}th group's {@code $share/{name}/{filter}} in UTF-8 (made once per group). */
    byte[] pickedGroupKey(final int i)
    {
        final SharedGroup<?> group = (SharedGroup<?>)pickedGroups[i];
        byte[] key = groupKeys.get(group);
        if (null == key)
        {
            key = (TopicTrie.SHARED_SUBSCRIPTION_PREFIX + group.name() + '/' + group.filter())
                .getBytes(StandardCharsets.UTF_8);
            groupKeys.put(group, key);
        }
        return key;
    }

    /**
     * @return whether the last {@link #match} picked another node for the shared group: this node's members of it
     *         do not get the message.
     */
    boolean pickedElsewhere(final String name, final String filter)
    {
        for (int i = 0; i < picked; i++)
        {
            final SharedGroup<?> group = (SharedGroup<?>)pickedGroups[i];
            if (group.name().equals(name) && group.filter().equals(filter))
            {
                return true;
            }
        }
        return false;
    }

    /** Drop the last match's picks (after the message is routed). */
    void clearPicks()
    {
        Arrays.fill(pickedGroups, 0, picked, null);
        picked = 0;
    }

    /**
     * @return filters with at least one other node.
     */
    int filterCount()
    {
        return routes.size();
    }
}
