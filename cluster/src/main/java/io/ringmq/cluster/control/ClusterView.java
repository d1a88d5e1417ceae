package io.ringmq.cluster.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import io.ringmq.cluster.ClusterMembers;
import org.agrona.DirectBuffer;

/**
 * A node's read replica of the control plane: which nodes are up (with their data-plane endpoints), per topic
 * filter, the set of nodes with subscribers to it, and which topics have a retained message (the messages
 * themselves go to the broker's own store through the listener). Fed by the control plane's egress in order,
 * including the full state of a sync (see {@link ReplicaSync} for why applying slices and events in arrival order
 * converges).
 * <p>
 * Threading: the control-plane client's thread writes and reads it; others learn of changes through the
 * {@link ClusterListener} it calls.
 */
final class ClusterView
{
    /** A filter's node set and the sync that last confirmed it. */
    private static final class Route
    {
        long nodes;
        long stamp;
    }

    private final ClusterListener listener;
    private final String[] endpoints = new String[ClusterMembers.MAX_NODES];
    private final long[] nodeStamps = new long[ClusterMembers.MAX_NODES];
    private final HashMap<String, Route> routes = new HashMap<>();
    /** Retained topics the control plane told of, with the sync that last confirmed each. */
    private final HashMap<String, Long> retainedTopics = new HashMap<>();
    private long liveNodes;
    /** Local count of syncs begun; entries are stamped with it. */
    private long stamp;
    /** The control plane's generation of the sync under way, or 0. */
    private long syncGeneration;

    ClusterView(final ClusterListener listener)
    {
        this.listener = listener;
    }

    void onSyncBegin(final long generation)
    {
        stamp++;
        syncGeneration = generation;
    }

    /**
     * @return true if this ended the sync under way (and stale entries were dropped).
     */
    boolean onSyncEnd(final long generation)
    {
        if (0 == syncGeneration || generation != syncGeneration)
        {
            return false;
        }
        syncGeneration = 0;
        final Iterator<Map.Entry<String, Route>> it = routes.entrySet().iterator();
        while (it.hasNext())
        {
            final Map.Entry<String, Route> route = it.next();
            if (route.getValue().stamp != stamp)
            {
                it.remove();
                listener.onRouteChanged(route.getKey(), 0);
            }
        }
        final Iterator<Map.Entry<String, Long>> topics = retainedTopics.entrySet().iterator();
        while (topics.hasNext())
        {
            final Map.Entry<String, Long> topic = topics.next();
            if (topic.getValue() != stamp)
            {
                topics.remove();
                listener.onRetainedGone(topic.getKey());
            }
        }
        long live = liveNodes;
        while (live != 0)
        {
            final int node = Long.numberOfTrailingZeros(live);
            live &= live - 1;
            if (nodeStamps[node] != stamp)
            {
                onNodeDown(node);
            }
        }
        listener.onSynced();
        return true;
    }

    /**
     * @param node a node id.
     * @return the filters whose node set includes {@code node}, as the replica has them.
     */
    List<String> filtersOf(final int node)
    {
        final List<String> filters = new ArrayList<>();
        for (final Map.Entry<String, Route> route : routes.entrySet())
        {
            if ((route.getValue().nodes & (1L << node)) != 0)
            {
                filters.add(route.getKey());
            }
        }
        return filters;
    }

    void onNodeUp(final int node, final String endpoint)
    {
        if (!ControlPlaneState.validNode(node))
        {
            return;
        }
        final boolean changed = (liveNodes & (1L << node)) == 0 || !endpoint.equals(endpoints[node]);
        liveNodes |= 1L << node;
        endpoints[node] = endpoint;
        nodeStamps[node] = stamp;
        if (changed)
        {
            listener.onNodeUp(node, endpoint);
        }
    }

    void onNodeDown(final int node)
    {
        if (ControlPlaneState.validNode(node) && (liveNodes & (1L << node)) != 0)
        {
            liveNodes &= ~(1L << node);
            endpoints[node] = null;
            listener.onNodeDown(node);
        }
    }

    void onRouteAdded(final String filter, final int node)
    {
        if (ControlPlaneState.validNode(node))
        {
            setRoute(filter, nodes(filter) | (1L << node));
        }
    }

    void onRouteRemoved(final String filter, final int node)
    {
        if (ControlPlaneState.validNode(node))
        {
            setRoute(filter, nodes(filter) & ~(1L << node));
        }
    }

    /** A sync's record: the filter's whole node set. */
    void onRoute(final String filter, final long nodes)
    {
        setRoute(filter, nodes);
    }

    private void setRoute(final String filter, final long nodes)
    {
        Route route = routes.get(filter);
        final long before = null == route ? 0 : route.nodes;
        if (0 == nodes)
        {
            if (null != route)
            {
                routes.remove(filter);
            }
        }
        else
        {
            if (null == route)
            {
                route = new Route();
                routes.put(filter, route);
            }
            route.nodes = nodes;
            route.stamp = stamp;
        }
        if (before != nodes)
        {
            listener.onRouteChanged(filter, nodes);
        }
    }

    /**
     * A topic's retained message, as an event or a sync's record.
     *
     * @param topic   the topic.
     * @param cleared whether it clears the topic.
     * @param message the message ({@code ForwardDescriptor} layout).
     * @param offset  where it starts.
     * @param length  its length.
     */
    void onRetained(final String topic, final boolean cleared, final DirectBuffer message, final int offset,
        final int length)
    {
        if (cleared)
        {
            retainedTopics.remove(topic);
        }
        else
        {
            retainedTopics.put(topic, stamp);
        }
        listener.onRetained(topic, message, offset, length);
    }

    /**
     * A sync's record: the topic was cleared while this node was down (and has no retained message now): any copy
     * this node holds goes, one from its journal too.
     */
    void onRetainedCleared(final String topic)
    {
        retainedTopics.remove(topic);
        listener.onRetainedGone(topic);
    }

    int retainedCount()
    {
        return retainedTopics.size();
    }

    /**
     * @return the nodes with subscribers to exactly this filter, one bit per node id.
     */
    long nodes(final String filter)
    {
        final Route route = routes.get(filter);
        return null == route ? 0 : route.nodes;
    }

    long liveNodes()
    {
        return liveNodes;
    }

    String endpoint(final int node)
    {
        return endpoints[node];
    }

    int routeCount()
    {
        return routes.size();
    }
}
