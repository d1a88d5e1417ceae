package io.ringmq.cluster.control;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

import io.ringmq.cluster.ClusterMembers;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.routing.TopicTrie;

/**
 * The control plane's replicated state: which nodes are up, the route table at node granularity, the session
 * directory, the retained messages, and the wills of the nodes' clients. Every voting member applies the same
 * commands in the cluster log's order, so the state is the same on each; nothing here reads a clock, a random number
 * or the environment (times are the cluster's, from the log).
 * <p>
 * Threading: owned by the clustered service's thread (single writer and reader).
 * <p>
 * Bounds: at most {@link ClusterMembers#MAX_NODES} nodes, {@code maxFilters} distinct filters and
 * {@code maxSessions} directory entries, {@code maxRetained} retained messages of at most {@code maxRetainedBytes}
 * in all, {@code maxWills} wills of at most {@code maxWillBytes} in all; a command past a bound is refused, and
 * counted by the caller.
 * <p>
 * Wills: a node registers each of its clients' wills ({@link #setWill}) and clears it once it has published or
 * dropped it. While the node is up it fires them itself. When its lease ends its wills are taken over: each is due
 * its delay after that, and is then published through the lowest live node ({@link Events#onWillDue}), once. The
 * node, back, learns from its sync which of its wills were taken over, so that it does not publish them again.
 */
final class ControlPlaneState
{
    /** Default most retained messages kept cluster-wide. */
    static final int DEFAULT_MAX_RETAINED = 1_000_000;
    /** Default most bytes of retained messages kept cluster-wide (topics and messages). */
    static final long DEFAULT_MAX_RETAINED_BYTES = 256L * 1024 * 1024;
    /** Default most wills kept cluster-wide. */
    static final int DEFAULT_MAX_WILLS = 1_000_000;
    /** Default most bytes of wills kept cluster-wide (client ids and messages). */
    static final long DEFAULT_MAX_WILL_BYTES = 256L * 1024 * 1024;

    /** What a change means for the nodes: called in the order of the changes. */
    interface Events
    {
        void onNodeUp(int node, String dataEndpoint);

        void onNodeDown(int node);

        void onRouteAdded(String filter, int node);

        void onRouteRemoved(String filter, int node);

        void onSessionOwner(String clientId, int owner, int previousOwner, long epoch);

        /**
         * A resumed session moves: {@code owner} claimed it from {@code previousOwner}, which is up and hands the
         * session over on the data plane.
         */
        void onSessionHandoff(String clientId, int owner, int previousOwner, long epoch);

        /** A claim to resume a session was refused: its owner is down; it stays the owner. Told to the claimant. */
        void onSessionOwnerDown(String clientId, int claimant, int owner);

        /**
         * A resume was refused because the session is moving to {@code owner} right now (another resume of the same
         * client id, claimed first): the claimant refuses its CONNECT, and the client tries again.
         */
        void onSessionMoving(String clientId, int claimant, int owner);

        /** The new owner of a moving session has its routes everywhere: every node marks its streams (the cut). */
        void onSessionCut(String clientId, int owner, int previousOwner, long epoch);

        void onSessionReleased(String clientId, int owner, long epoch);

        /**
         * A down node's session expired ({@link #expireSessions}): its directory entry is gone, so its client may
         * start afresh on any node. Nobody is told now: the node's syncs name it until the node has seen it.
         *
         * @param kept false if it could not be kept for the node's syncs (past the bound): a node back from its
         *             journal then keeps its copy until it expires there.
         */
        void onSessionExpired(String clientId, int owner, long epoch, boolean kept);

        /** A topic's retained message was set (or cleared: {@code message} has an empty payload). */
        void onRetained(String topic, int node, Retained message);

        /**
         * A topic cleared while {@code node} was down could not be kept for its syncs (past the bound, {@code kept}
         * already): that node, back from its journal, keeps its copy until the topic is set or cleared again.
         */
        void onClearNotKept(String topic, int node, int kept);

        /**
         * A will taken over from a node that went down is due: {@code publisher}, a live node, is to publish it.
         *
         * @param publisher the node to publish it.
         * @param will      the will; its message is valid during the call only.
         */
        void onWillDue(int publisher, Will will);
    }

    /**
     * A will as the control plane keeps it. Its node fires it while it is up; once the node is down the will is
     * due {@code delay} after that ({@code dueAt}), and once published only its client id is kept (so that the node,
     * back, knows), until the node clears it or goes down again.
     */
    static final class Will
    {
        final int node;
        final String clientId;
        /** Its delay in cluster time units, bounded by the session expiry. */
        final long delay;
        /** The will, {@code ForwardDescriptor} layout; null once published. */
        byte[] message;
        /** Cluster time it is due at, 0 while its node has not gone down since it was registered. */
        long dueAt;
        /**
         * Cluster time it is due at if its node goes down, when its delay already runs there (its connection
         * ended), else 0: the delay counts from the connection's end, not from the node's.
         */
        long runningUntil;

        Will(final int node, final String clientId, final byte[] message, final long delay)
        {
            this.node = node;
            this.clientId = clientId;
            this.message = message;
            this.delay = delay;
        }

        boolean published()
        {
            return null == message;
        }

        long size()
        {
            return 2L * clientId.length() + (null == message ? 0 : message.length);
        }
    }

    /**
     * A retained message as the control plane keeps it: the message in the data plane's layout
     * ({@code ForwardDescriptor}), with its expiry interval as published, and the cluster time it expires at, from
     * which the interval left is computed when it is sent again.
     */
    static final class Retained
    {
        final int node;
        final byte[] message;
        /** Cluster time after which it has expired, or {@link Long#MAX_VALUE}. */
        final long expiresAt;

        Retained(final int node, final byte[] message, final long expiresAt)
        {
            this.node = node;
            this.message = message;
            this.expiresAt = expiresAt;
        }
    }

    /**
     * One directory entry, with what its node told of the session's expiry ({@link #sessionExpiry}): the entry of a
     * node that is down goes when the session would have expired there, so that its client may resume elsewhere
     * (with a fresh session) instead of waiting for the node or for its hold to end.
     */
    static final class Owner
    {
        final String clientId;
        final int node;
        final long epoch;
        /**
         * The session's expiry interval in cluster time units, {@link #EXPIRY_UNKNOWN} until its node tells it (the
         * entry then stays while the node's hold runs), or {@link Long#MAX_VALUE} for a session that never expires.
         */
        long expiry = EXPIRY_UNKNOWN;
        /** Cluster time its node said the session's connection ended, 0 while it has one. */
        long offlineSince;
        /** Cluster time the entry goes, its node being down; 0 while it is up (or the session does not expire). */
        long dueAt;
        /** The node this epoch took the id from, or -1: told again to a node that asks ({@code SESSION_QUERY}). */
        int previous = -1;
        /** Whether this epoch moved the session from {@link #previous} in a hand-off. */
        boolean handedOver;
        /**
         * Cluster time until which the hand-off of this epoch may still be under way, 0 once its new owner said the
         * resume completed ({@link #sessionExpiry}) or for an entry that did not move. A resume elsewhere before that
         * is refused ({@link Events#onSessionMoving}): the new owner may not have the whole session yet, and a second
         * hand-off from it could lose the session. Not kept in snapshots (a restored entry is not moving).
         */
        long movingUntil;
        /** Neighbours on its node's list in the {@link SessionDirectory}; kept by the directory only. */
        Owner previousOfNode;
        Owner nextOfNode;

        Owner(final String clientId, final int node, final long epoch)
        {
            this.clientId = clientId;
            this.node = node;
            this.epoch = epoch;
        }
    }

    /** {@link Owner#expiry} of a session whose node has not told its expiry interval. */
    static final long EXPIRY_UNKNOWN = -1;

    private final int maxFilters;
    private final int maxSessions;
    private final Events events;
    private final String[] endpoints = new String[ClusterMembers.MAX_NODES];
    private final long[] clusterSessions = new long[ClusterMembers.MAX_NODES];
    private final boolean[] voting = new boolean[ClusterMembers.MAX_NODES];
    /**
     * Per node, the number of its last command applied, or of its join ({@link ControlMessageDescriptor}: sequence):
     * a numbered command at or below it was applied already (sent again after a leader change) and is not applied
     * twice.
     */
    private final long[] lastCommand = new long[ClusterMembers.MAX_NODES];
    /** Filter to the set of nodes with subscribers to it, one bit per node id; sorted so a sync can resume. */
    private final TreeMap<String, Long> routes = new TreeMap<>();
    /** The session directory: client id to its owning node's entry, with each node's entries on a list. */
    private final SessionDirectory sessions = new SessionDirectory();
    /**
     * Per node, the client ids of its sessions whose directory entries expired while it was down: its syncs name them,
     * so that the node, back with copies from its journal, drops those; each goes when the node says it has seen it
     * ({@link #expiredSeen}) or when the node is gone (past its hold). At most {@code maxSessions} in all (more are
     * not kept: counted by the caller).
     */
    private final NamesByNode expired;
    /**
     * Per node down and held, the topics whose retained messages were cleared while it was down: its journal may still
     * hold them, and every sync to it names them, until it says it has had a whole sync ({@link #synced}). A topic set
     * again leaves every node's set (the node is sent the new message). At most {@code maxRetained} in all (more are
     * not kept: counted by the caller).
     */
    private final NamesByNode clearedWhileDown;
    /**
     * Directory entries of nodes that are down whose sessions expire, earliest first (ties by client id, so every
     * member takes them in one order); an entry leaves it when it expires, is replaced or released, or its node joins.
     */
    private final TreeSet<Owner> dueSessions = new TreeSet<>(
        Comparator.comparingLong((Owner owner) -> owner.dueAt).thenComparing(owner -> owner.clientId));
    /** Topic to its retained message; sorted so a sync and the expiry sweep can resume. */
    private final TreeMap<String, Retained> retained = new TreeMap<>();
    private final int maxRetained;
    private final long maxRetainedBytes;
    /** Bytes of the retained messages (topic and message), within {@code maxRetainedBytes}. */
    private long retainedBytes;
    private long liveNodes;
    /**
     * Per node that is down with routes held, the cluster time its routes are dropped at (0: none held). A node's
     * plain routes outlive its lease, so that the other nodes keep what they forward to it for its persistent
     * sessions and replay it when it is back; after the hold they go.
     */
    private final long[] heldUntil = new long[ClusterMembers.MAX_NODES];
    /**
     * Per node, whether it stayed down past its hold: it is taken to be gone for good (its routes dropped), so its
     * published wills are not kept for its return, nor is a will kept once published. Cleared when it joins.
     */
    private final boolean[] gone = new boolean[ClusterMembers.MAX_NODES];
    /** Per node, its clients' wills by client id; sorted so a sync can resume. Created on the node's first will. */
    private final List<TreeMap<String, Will>> wills = new ArrayList<>(ClusterMembers.MAX_NODES);
    private final int maxWills;
    private final long maxWillBytes;
    /**
     * Wills taken over and not yet published, earliest due first (ties by node and client id, so every member takes
     * them in one order); a will leaves it when published, replaced or cleared.
     */
    private final TreeSet<Will> dueWills = new TreeSet<>(
        Comparator.comparingLong((Will will) -> will.dueAt).thenComparingInt(will -> will.node)
            .thenComparing(will -> will.clientId));
    private int willCount;
    /** Bytes of the wills (client ids and messages), within {@code maxWillBytes}. */
    private long willBytes;
    private long lastEpoch;

    ControlPlaneState(final int maxFilters, final int maxSessions, final Events events)
    {
        this(maxFilters, maxSessions, DEFAULT_MAX_RETAINED, DEFAULT_MAX_RETAINED_BYTES, events);
    }

    ControlPlaneState(final int maxFilters, final int maxSessions, final int maxRetained, final long maxRetainedBytes,
        final Events events)
    {
        this(maxFilters, maxSessions, maxRetained, maxRetainedBytes, DEFAULT_MAX_WILLS, DEFAULT_MAX_WILL_BYTES, events);
    }

    ControlPlaneState(final int maxFilters, final int maxSessions, final int maxRetained, final long maxRetainedBytes,
        final int maxWills, final long maxWillBytes, final Events events)
    {
        if (maxFilters < 1 || maxSessions < 1 || maxRetained < 1 || maxRetainedBytes < 1 || maxWills < 1 ||
            maxWillBytes < 1)
        {
            throw new IllegalArgumentException("every bound must be positive: " + maxFilters + ", " + maxSessions +
                ", " + maxRetained + ", " + maxRetainedBytes + ", " + maxWills + ", " + maxWillBytes);
        }
        this.maxFilters = maxFilters;
        this.maxSessions = maxSessions;
        this.maxRetained = maxRetained;
        this.maxRetainedBytes = maxRetainedBytes;
        this.maxWills = maxWills;
        this.maxWillBytes = maxWillBytes;
        this.events = events;
        this.expired = new NamesByNode(ClusterMembers.MAX_NODES, maxSessions);
        this.clearedWhileDown = new NamesByNode(ClusterMembers.MAX_NODES, maxRetained);
        for (int node = 0; node < ClusterMembers.MAX_NODES; node++)
        {
            wills.add(null);
        }
    }

    static boolean validNode(final int node)
    {
        return node >= 0 && node < ClusterMembers.MAX_NODES;
    }

    /**
     * A node joins on a cluster session. A node that joins again (it restarted, or reconnected) keeps the plain
     * routes of its previous incarnation, as while it was down: it re-adds the ones it has and, once synced,
     * withdraws the others. Its shared-group routes and directory entries are as after {@link #sessionClosed}.
     *
     * @return false if the node id is invalid.
     */
    boolean join(final int node, final long clusterSessionId, final boolean isVoting, final String dataEndpoint)
    {
        return join(node, clusterSessionId, isVoting, dataEndpoint, 0);
    }

    /**
     * As {@link #join(int, long, boolean, String)}; a node that joins again while its previous session is still
     * open went down in between: its wills are taken over as at {@link #sessionClosed}, due from {@code now}.
     */
    boolean join(final int node, final long clusterSessionId, final boolean isVoting, final String dataEndpoint,
        final long now)
    {
        if (!validNode(node))
        {
            return false;
        }
        if (isUp(node))
        {
            down(node, now, 0);
        }
        heldUntil[node] = 0;
        gone[node] = false;
        sessionsBack(node, now);
        endpoints[node] = dataEndpoint;
        clusterSessions[node] = clusterSessionId;
        voting[node] = isVoting;
        liveNodes |= 1L << node;
        events.onNodeUp(node, dataEndpoint);
        return true;
    }

    /**
     * A cluster session closed (or timed out): if it was a node's current session, that node's lease is over. Its
     * shared-group routes go (a group's messages go to its live members); its plain routes are held until
     * {@code holdUntil}.
     *
     * @param clusterSessionId the session.
     * @param holdUntil        cluster time the node's plain routes are dropped at, unless it joins again first.
     */
    void sessionClosed(final long clusterSessionId, final long holdUntil)
    {
        sessionClosed(clusterSessionId, 0, holdUntil);
    }

    /**
     * As {@link #sessionClosed(long, long)}, at cluster time {@code now}: the node's wills are taken over, each due
     * its delay from now.
     */
    void sessionClosed(final long clusterSessionId, final long now, final long holdUntil)
    {
        final int node = nodeOfSession(clusterSessionId);
        if (node >= 0)
        {
            down(node, now, holdUntil);
        }
    }

    private void down(final int node, final long now, final long holdUntil)
    {
        takeOverWills(node, now);
        scheduleSessionExpiries(node, now);
        dropRoutes(node, true);
        liveNodes &= ~(1L << node);
        endpoints[node] = null;
        clusterSessions[node] = 0;
        heldUntil[node] = Math.max(0, holdUntil);
        events.onNodeDown(node);
    }

    /**
     * Drops the held routes of every node down since before {@code now} minus the hold.
     *
     * @return the earliest hold still running, or {@link Long#MAX_VALUE}.
     */
    long dropExpiredHolds(final long now)
    {
        long next = Long.MAX_VALUE;
        for (int node = 0; node < heldUntil.length; node++)
        {
            final long until = heldUntil[node];
            if (0 == until)
            {
                continue;
            }
            if (until <= now && !isUp(node))
            {
                heldUntil[node] = 0;
                dropRoutes(node, false);
                forgetPublishedWills(node);
                releaseSessionsOf(node);
            }
            else
            {
                next = Math.min(next, until);
            }
        }
        return next;
    }

    /**
     * After a snapshot is loaded: a node named in routes but not up and not held is held from now (a snapshot written
     * before holds were kept in it has no times).
     *
     * @return the earliest hold, or {@link Long#MAX_VALUE}.
     */
    long holdAbsentNodes(final long holdUntil)
    {
        long named = 0;
        for (final long mask : routes.values())
        {
            named |= mask;
        }
        named &= ~liveNodes;
        while (0 != named)
        {
            final int node = Long.numberOfTrailingZeros(named);
            named &= named - 1;
            if (0 == heldUntil[node])
            {
                heldUntil[node] = holdUntil;
            }
        }
        long next = Long.MAX_VALUE;
        for (final long until : heldUntil)
        {
            if (0 != until)
            {
                next = Math.min(next, until);
            }
        }
        return next;
    }

    /**
     * @return the cluster time a down node's hold ends at (its held routes, its published wills and its directory
     *         entries are dropped then), 0 if it is not held.
     */
    long heldUntil(final int node)
    {
        return heldUntil[node];
    }

    private List<String> filtersOf(final int node)
    {
        final long bit = 1L << node;
        final List<String> filters = new ArrayList<>();
        for (final Map.Entry<String, Long> route : routes.entrySet())
        {
            if ((route.getValue() & bit) != 0)
            {
                filters.add(route.getKey());
            }
        }
        return filters;
    }

    /** Removes the node's routes: its shared-group ones only, or all. */
    private void dropRoutes(final int node, final boolean sharedOnly)
    {
        final long bit = 1L << node;
        final Iterator<Map.Entry<String, Long>> it = routes.entrySet().iterator();
        while (it.hasNext())
        {
            final Map.Entry<String, Long> route = it.next();
            final long mask = route.getValue();
            if ((mask & bit) != 0 && (!sharedOnly || route.getKey().startsWith(TopicTrie.SHARED_SUBSCRIPTION_PREFIX)))
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
     * The node takes the session over. A clean start takes it whoever had it (the previous owner drops its copy). A
     * resume moves it: from a previous owner that is up, which hands it over; from one that is down, not at all
     * (the session comes back when its node does), and the directory is unchanged.
     *
     * @param resume true if the client resumes its session (clean start 0).
     * @return the new epoch, 0 if the claim was refused because the owner is down, or -1 if the directory is full.
     */
    long claim(final int node, final String clientId, final boolean resume)
    {
        return claim(node, clientId, resume, EXPIRY_UNKNOWN);
    }

    /**
     * As {@link #claim(int, String, boolean)}, with the session's expiry as {@link #sessionExpiry} tells it (client
     * connected), or {@link #EXPIRY_UNKNOWN}.
     */
    long claim(final int node, final String clientId, final boolean resume, final long expiry)
    {
        return claim(node, clientId, resume, expiry, 0, 0);
    }

    /**
     * As {@link #claim(int, String, boolean, long)}, at cluster time {@code now}: a resume that moves the session
     * marks the entry as moving for {@code movingFor} (or until the new owner's resume completes), and a resume
     * elsewhere meanwhile is refused ({@link Events#onSessionMoving}).
     */
    long claim(final int node, final String clientId, final boolean resume, final long expiry, final long now,
        final long movingFor)
    {
        final Owner previous = sessions.get(clientId);
        if (null == previous && sessions.size() >= maxSessions)
        {
            return -1;
        }
        final boolean moves = resume && null != previous && previous.node != node;
        if (moves && !isUp(previous.node))
        {
            events.onSessionOwnerDown(clientId, node, previous.node);
            return 0;
        }
        if (moves && now < previous.movingUntil)
        {
            events.onSessionMoving(clientId, node, previous.node);
            return 0;
        }
        final long epoch = ++lastEpoch;
        final Owner owner = new Owner(clientId, node, epoch);
        owner.expiry = expiry < 0 ? EXPIRY_UNKNOWN : expiry;
        owner.previous = null == previous ? -1 : previous.node;
        owner.handedOver = moves;
        owner.movingUntil = moves && movingFor > 0 ? (now > Long.MAX_VALUE - movingFor ? Long.MAX_VALUE :
            now + movingFor) : 0;
        putOwner(owner);
        if (moves)
        {
            events.onSessionHandoff(clientId, node, previous.node, epoch);
        }
        else
        {
            // A claim of an id whose session expired here while the claimant was down: it learns so now, before
            // its sync names it, and does not resume its stale copy from the journal.
            events.onSessionOwner(clientId, node, null != previous ? previous.node :
                expired.remove(node, clientId) ? ClusterLink.PREVIOUS_EXPIRED : -1, epoch);
        }
        return epoch;
    }

    /** A clean-start claim ({@link #claim(int, String, boolean)}). */
    long claim(final int node, final String clientId)
    {
        return claim(node, clientId, false);
    }

    /**
     * The new owner of a moving session announced its routes (its earlier commands): every node marks the point in
     * its data-plane streams after which it routes to the new owner only. Ignored unless the node still owns the
     * session under that epoch.
     *
     * @return true if the cut was told.
     */
    boolean cut(final int node, final String clientId, final int previousOwner, final long epoch)
    {
        final Owner owner = sessions.get(clientId);
        if (null == owner || owner.node != node || owner.epoch != epoch)
        {
            return false;
        }
        events.onSessionCut(clientId, node, previousOwner, epoch);
        return true;
    }

    /**
     * A hand-off that did not complete (the previous owner did not send the session in time): ownership goes back to
     * the node that still holds the session, under a new epoch, if the node returning it still owns it.
     *
     * @return true if the entry changed.
     */
    boolean giveBack(final int node, final String clientId, final int to, final long epoch)
    {
        final Owner owner = sessions.get(clientId);
        if (null == owner || owner.node != node || owner.epoch != epoch || !validNode(to))
        {
            return false;
        }
        final long newEpoch = ++lastEpoch;
        final Owner back = new Owner(clientId, to, newEpoch);
        back.previous = node;
        putOwner(back);
        events.onSessionOwner(clientId, to, node, newEpoch);
        return true;
    }

    /** @return the node owning the session, or -1 if the directory has no entry for it. */
    int ownerOf(final String clientId)
    {
        final Owner owner = sessions.get(clientId);
        return null == owner ? -1 : owner.node;
    }

    /**
     * The owner's session ended; a release under an older epoch (the session moved since) changes nothing. An epoch
     * of -1 releases whatever epoch the node owns it under (a node that restarted does not know its epochs).
     *
     * @return true if the entry was removed.
     */
    boolean release(final int node, final String clientId, final long epoch)
    {
        final Owner owner = sessions.get(clientId);
        if (null == owner || owner.node != node || (owner.epoch != epoch && epoch != -1))
        {
            return false;
        }
        sessions.remove(clientId);
        dueSessions.remove(owner);
        events.onSessionReleased(clientId, node, owner.epoch);
        return true;
    }

    /** Puts a directory entry in place of the one it replaces, which no longer expires here. */
    private void putOwner(final Owner owner)
    {
        final Owner previous = sessions.put(owner);
        if (null != previous)
        {
            dueSessions.remove(previous);
        }
        if (0 != owner.dueAt)
        {
            dueSessions.add(owner);
        }
    }

    /**
     * The node tells its session's expiry interval, and whether the session's connection ended (its expiry runs)
     * or the client is connected. Applies to the entry the node owns under any epoch (the node's commands are
     * applied in order, after its claim).
     *
     * @param expiry  the interval in cluster time units, or {@link Long#MAX_VALUE} if the session never expires.
     * @param offline true if the session's connection ended at about {@code now}.
     * @return false if the node does not own the id (the session moved, or ended, since).
     */
    boolean sessionExpiry(final int node, final String clientId, final long expiry, final boolean offline,
        final long now)
    {
        final Owner owner = sessions.get(clientId);
        if (null == owner || owner.node != node || expiry < 0)
        {
            return false;
        }
        owner.expiry = expiry;
        owner.offlineSince = offline ? Math.max(1, now) : 0;
        owner.movingUntil = 0;     // told by the new owner once its resume completed: the move is over
        return true;
    }

    /**
     * The node went down at {@code now}: each of its entries whose expiry it told goes when that session would
     * have expired there: its expiry from its connection's end, or from now for a session whose client was
     * connected (its connection ends with the node).
     */
    private void scheduleSessionExpiries(final int node, final long now)
    {
        sessions.forEachOf(node, owner ->
        {
            if (owner.expiry >= 0 && owner.expiry != Long.MAX_VALUE && 0 == owner.dueAt)
            {
                final long from = 0 != owner.offlineSince ? owner.offlineSince : now;
                owner.dueAt = Math.max(1, from > Long.MAX_VALUE - owner.expiry ? Long.MAX_VALUE : from + owner.expiry);
                dueSessions.add(owner);
            }
        });
    }

    /**
     * The node is up again at {@code now}: its entries no longer expire here, and the expiry of its sessions without
     * a connection counts from now, as on the node (a node restarted from its journal gives each recovered session
     * its whole expiry interval again).
     */
    private void sessionsBack(final int node, final long now)
    {
        sessions.forEachOf(node, owner ->
        {
            if (0 != owner.dueAt)
            {
                dueSessions.remove(owner);  // before its due time changes: the set is ordered by it
                owner.dueAt = 0;
            }
            if (0 != owner.offlineSince)
            {
                owner.offlineSince = Math.max(owner.offlineSince, Math.max(1, now));
            }
        });
    }

    /**
     * Removes the directory entries of down nodes whose sessions expired by {@code now}
     * ({@link Events#onSessionExpired}); a will of such a session still waiting for its delay is due now (MQTT 5,
     * 3.1.3.2.2: it is published when the session ends, if that comes first), so the caller publishes due wills next.
     *
     * @return the earliest time another entry expires, or {@link Long#MAX_VALUE}.
     */
    long expireSessions(final long now)
    {
        while (!dueSessions.isEmpty())
        {
            final Owner owner = dueSessions.first();
            if (owner.dueAt > now)
            {
                return owner.dueAt;
            }
            dueSessions.pollFirst();
            owner.dueAt = 0;
            sessions.remove(owner.clientId);
            dueWillNow(owner.node, owner.clientId, now);
            events.onSessionExpired(owner.clientId, owner.node, owner.epoch, restoreExpired(owner.node,
                owner.clientId));
        }
        return Long.MAX_VALUE;
    }

    /** The will of a session that ended is due now if it waits for a later time. */
    private void dueWillNow(final int node, final String clientId, final long now)
    {
        final TreeMap<String, Will> nodeWills = wills.get(node);
        final Will will = null == nodeWills ? null : nodeWills.get(clientId);
        if (null != will && !will.published() && will.dueAt > now)
        {
            dueWills.remove(will);
            will.dueAt = Math.max(1, now);
            dueWills.add(will);
        }
    }

    /**
     * Keeps that the node's session expired while it was down (also from a snapshot).
     *
     * @return false if it is not kept: past the bound.
     */
    boolean restoreExpired(final int node, final String clientId)
    {
        return expired.add(node, clientId);
    }

    /**
     * The node has seen (in its sync) that its session expired while it was down, and dropped its copy.
     *
     * @return true if it was kept.
     */
    boolean expiredSeen(final int node, final String clientId)
    {
        return expired.remove(node, clientId);
    }

    /** @return the client ids of the node's sessions that expired while it was down (null if none are kept). */
    NavigableSet<String> expiredOf(final int node)
    {
        return expired.of(node);
    }

    /** @return sessions kept as expired while their node was down, all nodes. */
    int expiredCount()
    {
        return expired.count();
    }

    /** @return directory entries waiting to expire (their nodes are down). */
    int sessionsDue()
    {
        return dueSessions.size();
    }

    /**
     * A node's client published a retained message, or cleared the topic ({@code message} with an empty payload):
     * replacing or clearing a topic's message is always allowed; a new topic, or a larger message, only within the
     * bounds. Every live node is told, the publishing node too, so that all apply the log's order.
     *
     * @param node      the node it was published on.
     * @param topic     the topic.
     * @param message   the message ({@code ForwardDescriptor} layout), owned by the state from now on.
     * @param cleared   whether it clears the topic (empty payload).
     * @param expiresAt cluster time after which it has expired, or {@link Long#MAX_VALUE}.
     * @return false if it is refused (past a bound).
     */
    boolean retain(final int node, final String topic, final byte[] message, final boolean cleared,
        final long expiresAt)
    {
        final Retained existing = retained.get(topic);
        final long existingSize = null == existing ? 0 : size(topic, existing);
        final Retained entry = new Retained(node, message, expiresAt);
        if (cleared)
        {
            if (null != existing)
            {
                retained.remove(topic);
                retainedBytes -= existingSize;
            }
            events.onRetained(topic, node, entry);
            clearedWhileNodesDown(topic);
            return true;
        }
        final long size = size(topic, entry);
        if ((null == existing && retained.size() >= maxRetained) ||
            (size > existingSize && retainedBytes - existingSize + size > maxRetainedBytes))
        {
            return false;
        }
        retained.put(topic, entry);
        retainedBytes += size - existingSize;
        events.onRetained(topic, node, entry);
        clearedWhileDown.removeEverywhere(topic);
        return true;
    }

    /** A topic was cleared: each node down and held keeps it, for its syncs to name (within the bound). */
    private void clearedWhileNodesDown(final String topic)
    {
        for (int node = 0; node < heldUntil.length; node++)
        {
            if (0 != heldUntil[node] && !isUp(node) && !restoreClearedWhileDown(node, topic))
            {
                events.onClearNotKept(topic, node, clearedWhileDown.count());
            }
        }
    }

    /**
     * Keeps that a topic was cleared while the node was down (also from a snapshot).
     *
     * @return false if it is not kept: past the bound.
     */
    boolean restoreClearedWhileDown(final int node, final String topic)
    {
        return clearedWhileDown.add(node, topic);
    }

    /** @return the topics cleared while the node was down and not yet synced to it (null if none are kept). */
    NavigableSet<String> clearedWhileDown(final int node)
    {
        return clearedWhileDown.of(node);
    }

    /** @return topics kept as cleared while their nodes were down, all nodes. */
    int clearedWhileDownCount()
    {
        return clearedWhileDown.count();
    }

    /**
     * The node has had a whole sync since it joined: it was told every topic cleared while it was down (all were
     * kept before it joined), and they are forgotten.
     */
    void synced(final int node)
    {
        clearedWhileDown.clear(node);
    }

    /**
     * Removes retained messages that have expired by {@code time}, walking at most {@code limit} topics from
     * {@code after} (exclusive, null for the first).
     *
     * @return the last topic looked at, or null when the walk reached the end.
     */
    String sweepExpired(final String after, final long time, final int limit)
    {
        String last = after;
        for (int i = 0; i < limit; i++)
        {
            final Map.Entry<String, Retained> entry = null == last ? retained.firstEntry() : retained.higherEntry(last);
            if (null == entry)
            {
                return null;
            }
            last = entry.getKey();
            if (entry.getValue().expiresAt < time)
            {
                retained.remove(last);
                retainedBytes -= size(last, entry.getValue());
            }
        }
        return last;
    }

    private static long size(final String topic, final Retained message)
    {
        return 2L * topic.length() + message.message.length;
    }

    NavigableMap<String, Retained> retained()
    {
        return retained;
    }

    long retainedBytes()
    {
        return retainedBytes;
    }

    /** Restores a retained message from a snapshot, without events. */
    void restoreRetained(final String topic, final Retained message)
    {
        final Retained previous = retained.put(topic, message);
        retainedBytes += size(topic, message) - (null == previous ? 0 : size(topic, previous));
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

    /** @return the session directory by client id, read-only. */
    Map<String, Owner> sessions()
    {
        return sessions.view();
    }

    long lastEpoch()
    {
        return lastEpoch;
    }

    /**
     * A node's client connected with a will (or the node registers it again): kept, replacing the one the node had
     * for that client, within the bounds.
     *
     * @param delay its delay in cluster time units, bounded by the session expiry.
     * @return false if it is refused (past a bound); a will the node had for the client is then gone too.
     */
    boolean setWill(final int node, final String clientId, final byte[] message, final long delay)
    {
        return setWill(node, clientId, message, delay, 0);
    }

    /**
     * As {@link #setWill(int, String, byte[], long)}, for a will whose delay already runs on its node (its
     * connection ended): due at {@code runningUntil} if its node goes down first.
     */
    boolean setWill(final int node, final String clientId, final byte[] message, final long delay,
        final long runningUntil)
    {
        final Will will = new Will(node, clientId, message, delay);
        will.runningUntil = runningUntil;
        TreeMap<String, Will> nodeWills = wills.get(node);
        final Will previous = null == nodeWills ? null : nodeWills.get(clientId);
        final long previousSize = null == previous ? 0 : previous.size();
        if ((null == previous && willCount >= maxWills) || willBytes - previousSize + will.size() > maxWillBytes)
        {
            clearWill(node, clientId);
            return false;
        }
        if (null == nodeWills)
        {
            nodeWills = new TreeMap<>();
            wills.set(node, nodeWills);
        }
        nodeWills.put(clientId, will);
        if (null != previous)
        {
            dueWills.remove(previous);
        }
        willCount += null == previous ? 1 : 0;
        willBytes += will.size() - previousSize;
        return true;
    }

    /**
     * The node published or dropped its client's will, or (after it was taken over and published) knows it was.
     *
     * @return true if the state had it.
     */
    boolean clearWill(final int node, final String clientId)
    {
        final TreeMap<String, Will> nodeWills = wills.get(node);
        final Will removed = null == nodeWills ? null : nodeWills.remove(clientId);
        if (null == removed)
        {
            return false;
        }
        dueWills.remove(removed);
        willCount--;
        willBytes -= removed.size();
        return true;
    }

    /**
     * The node is about to register again every will it keeps: its others, not taken over, are forgotten (a clear of
     * one of them may have been lost with a leader). Taken-over wills stay the control plane's.
     *
     * @return wills forgotten.
     */
    int resetWills(final int node)
    {
        return removeWills(node, will -> 0 == will.dueAt);
    }

    /** @return the node's wills removed: those {@code which} selects. */
    private int removeWills(final int node, final java.util.function.Predicate<Will> which)
    {
        final TreeMap<String, Will> nodeWills = wills.get(node);
        if (null == nodeWills)
        {
            return 0;
        }
        int removed = 0;
        final Iterator<Will> it = nodeWills.values().iterator();
        while (it.hasNext())
        {
            final Will will = it.next();
            if (which.test(will))
            {
                it.remove();
                dueWills.remove(will);
                willCount--;
                willBytes -= will.size();
                removed++;
            }
        }
        return removed;
    }

    /** The node went down at {@code now}: each of its wills is due its delay from now; ones published are forgotten. */
    private void takeOverWills(final int node, final long now)
    {
        // Taken over at an earlier down and published: the node had its time up to tell it is known.
        removeWills(node, Will::published);
        final TreeMap<String, Will> nodeWills = wills.get(node);
        if (null == nodeWills)
        {
            return;
        }
        for (final Will will : nodeWills.values())
        {
            if (0 == will.dueAt)
            {
                will.dueAt = Math.max(1, 0 != will.runningUntil ? Math.max(now, will.runningUntil) : now + will.delay);
                dueWills.add(will);
            }
        }
    }

    /**
     * Publishes (through the lowest live node) every taken-over will due by {@code now}; with no node up they wait
     * for the next {@link #join}, whose caller calls this again.
     *
     * @return the earliest time a will not yet due is due, or {@link Long#MAX_VALUE}.
     */
    long publishDueWills(final long now)
    {
        final int publisher = 0 == liveNodes ? -1 : Long.numberOfTrailingZeros(liveNodes);
        while (!dueWills.isEmpty())
        {
            final Will will = dueWills.first();
            if (will.dueAt > now)
            {
                return will.dueAt;
            }
            if (publisher < 0)
            {
                return Long.MAX_VALUE;
            }
            dueWills.pollFirst();
            events.onWillDue(publisher, will);
            willBytes -= will.message.length;
            will.message = null;
            if (gone[will.node])
            {
                clearWill(will.node, will.clientId);   // nobody to tell that it was published
            }
        }
        return Long.MAX_VALUE;
    }

    /**
     * The node stayed down past its hold: the published wills kept for its return (so that it does not publish them
     * again) go, as it is taken to be gone. A node back after that may publish again a will found in its journal.
     */
    private void forgetPublishedWills(final int node)
    {
        gone[node] = true;
        removeWills(node, Will::published);
    }

    /**
     * The node stayed down past its hold: its directory entries go (the messages the other nodes kept for its
     * sessions go at the same time), so that a client whose session lived there is no longer refused with 0x88 for
     * ever but resumes elsewhere with a fresh session (session present 0). A node back after that keeps the copies
     * in its journal until they expire there or a hand-off replaces them.
     */
    private void releaseSessionsOf(final int node)
    {
        expired.clear(node);            // nobody to tell: a node back after its hold keeps its copies (below)
        clearedWhileDown.clear(node);
        sessions.forEachOf(node, owner ->
        {
            sessions.remove(owner.clientId);
            dueSessions.remove(owner);
            events.onSessionReleased(owner.clientId, node, owner.epoch);
        });
    }

    /** @return whether the node stayed down past its hold (see {@link #gone}). */
    boolean isGone(final int node)
    {
        return gone[node];
    }

    /** Restores a down node's hold (0: none) and whether it stayed down past it, from a snapshot. */
    void restoreHold(final int node, final long until, final boolean isGone)
    {
        heldUntil[node] = until;
        gone[node] = isGone;
    }

    /** @return the node's wills, by client id (null if it never had one). */
    NavigableMap<String, Will> willsOf(final int node)
    {
        return wills.get(node);
    }

    int willCount()
    {
        return willCount;
    }

    long willBytes()
    {
        return willBytes;
    }

    /** Restores a will from a snapshot, without events. */
    void restoreWill(final Will will)
    {
        clearWill(will.node, will.clientId);
        TreeMap<String, Will> nodeWills = wills.get(will.node);
        if (null == nodeWills)
        {
            nodeWills = new TreeMap<>();
            wills.set(will.node, nodeWills);
        }
        nodeWills.put(will.clientId, will);
        willCount++;
        willBytes += will.size();
        if (0 != will.dueAt && !will.published())
        {
            dueWills.add(will);
        }
    }

    /**
     * A node's {@code JOIN} command, numbered {@code sequence} (its commands after it are numbered above). A JOIN
     * repeated on the node's current session (a node sends it again after a leader change until its sync arrives, as
     * the first may have been lost with the old leader) changes nothing: taking the node down and up again would take
     * its wills over and forget which of its commands were applied.
     *
     * @return false if the node id is invalid or the JOIN is such a repeat.
     */
    boolean join(final int node, final long clusterSessionId, final boolean isVoting, final String dataEndpoint,
        final long now, final long sequence)
    {
        if (!validNode(node) || (isUp(node) && clusterSessions[node] == clusterSessionId))
        {
            return false;
        }
        join(node, clusterSessionId, isVoting, dataEndpoint, now);
        lastCommand[node] = sequence;
        return true;
    }

    /**
     * A command from a node that is up on its current session: numbered commands are applied once each.
     *
     * @param sequence its number, or 0 for one that is safe to apply again.
     * @return true to apply it; false if a command with this number (or a later one) was applied already.
     */
    boolean admitCommand(final int node, final long sequence)
    {
        if (0 == sequence)
        {
            return true;
        }
        if (sequence <= lastCommand[node])
        {
            return false;
        }
        lastCommand[node] = sequence;
        return true;
    }

    /** @return the number of the node's last command applied (or of its join). */
    long lastCommand(final int node)
    {
        return lastCommand[node];
    }

    /** Restores a node from a snapshot, without events. */
    void restoreNode(final int node, final long clusterSessionId, final boolean isVoting, final String dataEndpoint,
        final long lastCommandApplied)
    {
        lastCommand[node] = lastCommandApplied;
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
        sessions.put(new Owner(clientId, node, epoch));
    }

    /** Restores a directory entry with its expiry and its previous owner ({@link Owner}) from a snapshot. */
    void restoreSession(final String clientId, final int node, final long epoch, final long expiry,
        final long offlineSince, final long dueAt, final int previous, final boolean handedOver)
    {
        final Owner owner = new Owner(clientId, node, epoch);
        owner.expiry = expiry;
        owner.offlineSince = offlineSince;
        owner.dueAt = dueAt;
        owner.previous = previous;
        owner.handedOver = handedOver;
        putOwner(owner);
    }

    /** @return the session's directory entry, or null. */
    Owner owner(final String clientId)
    {
        return sessions.get(clientId);
    }

    /** Restores the epoch counter from a snapshot. */
    void restoreLastEpoch(final long epoch)
    {
        lastEpoch = epoch;
    }
}
