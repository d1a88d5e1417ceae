package io.ringmq.cluster.control;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import io.ringmq.cluster.ClusterMembers;

/**
 * The control plane's replicated state: which nodes are up, the route table at node granularity, and the session
 * directory. Every voting member applies the same commands in the cluster log's order, so the state is the same
 * on each; nothing here reads a clock, a random number or the environment.
 * <p>
 * Threading: owned by the clustered service's thread (single writer and reader).
 * <p>
 * Bounds: at most {@link ClusterMembers#MAX_NODES} nodes, {@code maxFilters} distinct filters and
 * {@code maxSessions} directory entries; a command past a bound is refused, and counted by the caller.
 */
final class ControlPlaneState
{
    /** What a change means for the nodes: called in the order of the changes. */
    interface Events
    {
        void onNodeUp(int node, String dataEndpoint);

        void onNodeDown(int node);

        void onRouteAdded(String filter, int node);

        void onRouteRemoved(String filter, int node);

        void onSessionOwner(String clientId, int owner, int previousOwner, long epoch);

        void onSessionReleased(String clientId, int owner, long epoch);
    }

    /** One directory entry. */
    static final class Owner
    {
        final int node;
        final long epoch;

        Owner(final int node, final long epoch)
        {
            this.node = node;
            this.epoch = epoch;
        }
    }

    private final int maxFilters;
    private final int maxSessions;
    private final Events events;
    private final String[] endpoints = new String[ClusterMembers.MAX_NODES];
    private final long[] clusterSessions = new long[ClusterMembers.MAX_NODES];
    private final boolean[] voting = new boolean[ClusterMembers.MAX_NODES];
    /** Filter to the set of nodes with subscribers to it, one bit per node id; sorted so a sync can resume. */
    private final TreeMap<String, Long> routes = new TreeMap<>();
    private final HashMap<String, Owner> sessions = new HashMap<>();
    private long liveNodes;
    private long lastEpoch;

    ControlPlaneState(final int maxFilters, final int maxSessions, final Events events)
    {
        if (maxFilters < 1 || maxSessions < 1)
        {
            throw new IllegalArgumentException("maxFilters and maxSessions must be positive: " + maxFilters + ", " +
                maxSessions);
        }
        this.maxFilters = maxFilters;
        this.maxSessions = maxSessions;
        this.events = events;
    }

    static boolean validNode(final int node)
    {
        return node >= 0 && node < ClusterMembers.MAX_NODES;
    }

    /**
     * A node joins on a cluster session. A node that joins again (it restarted, or reconnected) loses the routes
     * of its previous incarnation; it re-adds the ones it still has. Its directory entries stay.
     *
     * @return false if the node id is invalid.
     */
    boolean join(final int node, final long clusterSessionId, final boolean isVoting, final String dataEndpoint)
    {
        if (!validNode(node))
        {
            return false;
        }
        if (isUp(node))
        {
            down(node);
        }
        endpoints[node] = dataEndpoint;
        clusterSessions[node] = clusterSessionId;
        voting[node] = isVoting;
        liveNodes |= 1L << node;
        events.onNodeUp(node, dataEndpoint);
        return true;
    }

    /**
     * A cluster session closed (or timed out): if it was a node's current session, that node's lease is over.
     */
    void sessionClosed(final long clusterSessionId)
    {
        final int node = nodeOfSession(clusterSessionId);
        if (node >= 0)
        {
            down(node);
        }
    }

    private void down(final int node)
    {
        final long bit = 1L << node;
        final Iterator<Map.Entry<String, Long>> it = routes.entrySet().iterator();
        while (it.hasNext())
        {
            final Map.Entry<String, Long> route = it.next();
            final long mask = route.getValue();
            if ((mask & bit) != 0)
            {
                if (mask == bit)
                {
                    it.remove();
                }
                else
                {
                    route.setValue(mask & ~bit);
                }
                events.onRouteRemoved(route.getKey(), node);
            }
        }
        liveNodes &= ~bit;
        endpoints[node] = null;
        clusterSessions[node] = 0;
        events.onNodeDown(node);
    }

    /**
     * @return the node that joined on this cluster session, or -1.
     */
    int nodeOfSession(final long clusterSessionId)
    {
        long live = liveNodes;
        while (live != 0)
        {
            final int node = Long.numberOfTrailingZeros(live);
            if (clusterSessions[node] == clusterSessionId)
            {
                return node;
            }
            live &= live - 1;
        }
        return -1;
    }

    boolean isUp(final int node)
    {
        return validNode(node) && (liveNodes & (1L << node)) != 0;
    }

    /**
     * @return 1 if the route was added, 0 if the node already had it, -1 if the table is full.
     */
    int addRoute(final int node, final String filter)
    {
        final Long mask = routes.get(filter);
        final long bit = 1L << node;
        if (null == mask)
        {
            if (routes.size() >= maxFilters)
            {
                return -1;
            }
            routes.put(filter, bit);
        }
        else if ((mask & bit) != 0)
        {
            return 0;
        }
        else
        {
            routes.put(filter, mask | bit);
        }
        events.onRouteAdded(filter, node);
        return 1;
    }

    /**
     * @return true if the node had the route.
     */
    boolean removeRoute(final int node, final String filter)
    {
        final Long mask = routes.get(filter);
        final long bit = 1L << node;
        if (null == mask || (mask & bit) == 0)
        {
            return false;
        }
        if (mask == bit)
        {
            routes.remove(filter);
        }
        else
        {
            routes.put(filter, mask & ~bit);
        }
        events.onRouteRemoved(filter, node);
        return true;
    }

    /**
     * The node takes the session over, whoever had it (the previous owner hands it over, or brings it back when it
     * recovers if it is down).
     *
     * @return the new epoch, or -1 if the directory is full.
     */
    long claim(final int node, final String clientId)
    {
        final Owner previous = sessions.get(clientId);
        if (null == previous && sessions.size() >= maxSessions)
        {
            return -1;
        }
        final long epoch = ++lastEpoch;
        sessions.put(clientId, new Owner(node, epoch));
        events.onSessionOwner(clientId, node, null == previous ? -1 : previous.node, epoch);
        return epoch;
    }

    /**
     * The owner's session ended; a release under an older epoch (the session moved since) changes nothing.
     *
     * @return true if the entry was removed.
     */
    boolean release(final int node, final String clientId, final long epoch)
    {
        final Owner owner = sessions.get(clientId);
        if (null == owner || owner.node != node || owner.epoch != epoch)
        {
            return false;
        }
        sessions.remove(clientId);
        events.onSessionReleased(clientId, node, epoch);
        return true;
    }

    String endpoint(final int node)
    {
        return endpoints[node];
    }

    boolean isVoting(final int node)
    {
        return voting[node];
    }

    long clusterSession(final int node)
    {
        return clusterSessions[node];
    }

    long liveNodes()
    {
        return liveNodes;
    }

    NavigableMap<String, Long> routes()
    {
        return routes;
    }

    Map<String, Owner> sessions()
    {
        return sessions;
    }

    long lastEpoch()
    {
        return lastEpoch;
    }

    /** Restores a node from a snapshot, without events. */
    void restoreNode(final int node, final long clusterSessionId, final boolean isVoting, final String dataEndpoint)
    {
        endpoints[node] = dataEndpoint;
        clusterSessions[node] = clusterSessionId;
        voting[node] = isVoting;
        liveNodes |= 1L << node;
    }

    /** Restores a route from a snapshot, without events. */
    void restoreRoute(final String filter, final long mask)
    {
        routes.put(filter, mask);
    }

    /** Restores a directory entry from a snapshot, without events. */
    void restoreSession(final String clientId, final int node, final long epoch)
    {
        sessions.put(clientId, new Owner(node, epoch));
    }

    /** Restores the epoch counter from a snapshot. */
    void restoreLastEpoch(final long epoch)
    {
        lastEpoch = epoch;
    }
}
