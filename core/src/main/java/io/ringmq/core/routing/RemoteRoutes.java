package io.ringmq.core.routing;

import java.util.HashMap;

import org.agrona.DirectBuffer;

/**
 * The Router's replica of the cluster's route table: per topic filter, the other nodes with subscribers to it, kept
 * in a {@link TopicTrie} whose subscribers are the nodes, so that finding where a message must be forwarded costs
 * one more trie walk and allocates nothing. Changed only by the control plane's route changes, which reach the
 * Router as ring events in the control plane's order.
 * <p>
 * Shared subscriptions are not in it: in this step a shared subscription is served by the members on the node the
 * message was published on.
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
        final long bit;

        Node(final int id)
        {
            this.bit = 1L << id;
        }
    }

    private final Node[] nodes = new Node[MAX_NODES];
    private final TopicTrie<Node> trie = new TopicTrie<>();
    private final HashMap<String, Long> routes = new HashMap<>();
    private final int selfBit;
    private long matched;

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
        if (routes.isEmpty())
        {
            return 0;
        }
        matched = 0;
        trie.match(topic, offset, length, this);
        return matched;
    }

    @Override
    public void onSubscriber(final Node node)
    {
        matched |= node.bit;
    }

    @Override
    public void onSharedGroup(final SharedGroup<Node> group)
    {
        matched |= group.member(group.nextIndex()).bit;
    }

    /**
     * @return filters with at least one other node.
     */
    int filterCount()
    {
        return routes.size();
    }
}
