package io.ringmq.core.routing;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Session;
import org.agrona.collections.Object2LongHashMap;
import org.agrona.collections.ObjectHashSet;

/**
 * In a cluster, one connection per client id across the nodes (MQTT-3.1.4-3): the control plane's session directory
 * serialises ownership. A node claims a client id when a client connects to it and it does not own the id already;
 * the directory answers the new owner and the previous one with the ownership's epoch, in log order. The previous
 * owner closes its connection for that id (MQTT 5: DISCONNECT 0x8E, session taken over), unless it has claimed the
 * id again since: a claim still unanswered when another node's ownership arrives was ordered after it (every node
 * hears the directory's decisions in log order), so its connection is the newer one. A session that ends releases
 * its entry, so the directory holds only live and persistent sessions.
 * <p>
 * A resumed session's state moves with it ({@link SessionHandoff}); a clean start elsewhere ends it here.
 * {@code cluster/DESIGN.md}, section 6.
 * <p>
 * <b>Threading:</b> Router thread only. Bounded by the sessions: an entry exists only for a local session (an
 * answer for an id without one is ignored).
 */
final class ClusterSessions
{
    /** A claim sent and not yet answered. */
    private static final long PENDING = 0;
    /**
     * Release whatever epoch this node owns the id under: for a session whose claim is unanswered (a node's commands
     * are applied in the order it sent them, so the claim is applied first) or recovered from the journal after a
     * restart (its epoch is not known here).
     */
    static final long ANY_EPOCH = -1;

    private final BrokerState state;
    /** Client id of a local session to the epoch this node owns it under, or {@link #PENDING}. */
    private final Object2LongHashMap<String> epochs = new Object2LongHashMap<>(Long.MIN_VALUE);
    /**
     * Client ids of the sessions recovered from the journal that nothing of this run touched yet (no claim, no
     * decision of the directory): until the first sync, which names those that expired in the cluster while this
     * node was down ({@link ClusterLink#SESSION_EXPIRED}). Bounded by the sessions recovered; empty after that sync.
     */
    private final ObjectHashSet<String> recovered = new ObjectHashSet<>();

    ClusterSessions(final BrokerState state)
    {
        this.state = state;
    }

    /**
     * A client connected here with this id: claim it (with its session's expiry) unless this node owns it already;
     * if it does, tell the directory that the session's client is connected again (its expiry no longer runs).
     *
     * @param expirySeconds the session's expiry interval granted.
     */
    void onConnected(final String clientId, final long expirySeconds)
    {
        if (state.cluster.nodeId() < 0)
        {
            return;
        }
        recovered.remove(clientId);
        if (epochs.getValue(clientId) == epochs.missingValue())
        {
            epochs.put(clientId, PENDING);
            state.cluster.claimSession(clientId, false, expirySeconds);
        }
        else
        {
            state.cluster.sessionExpiry(clientId, expirySeconds, false);
        }
    }

    /**
     * The connection of a session that outlives it ended here: if this node owns the id, the directory learns that
     * the session's expiry runs, so that it ends the entry when the session would have expired here should this node
     * go down first.
     */
    void onDisconnected(final String clientId, final long expirySeconds)
    {
        if (state.cluster.nodeId() >= 0 && expirySeconds > 0 && owns(clientId))
        {
            state.cluster.sessionExpiry(clientId, expirySeconds, true);
        }
    }

    /**
     * A client resumes its session here and this node does not own the id: claim it as a resume (the previous owner
     * hands the session over; {@link SessionHandoff}).
     */
    void claim(final String clientId, final boolean resume)
    {
        recovered.remove(clientId);
        epochs.put(clientId, PENDING);
        state.cluster.claimSession(clientId, resume);
    }

    /** This node does not own the id after all (its resume was refused, or the hand-off failed). */
    void forget(final String clientId)
    {
        epochs.removeKey(clientId);
    }

    /** The session with this id ended here: release it in the directory. */
    void onSessionEnded(final String clientId)
    {
        if (state.cluster.nodeId() < 0)
        {
            return;
        }
        recovered.remove(clientId);
        final long epoch = epochs.removeKey(clientId);
        state.cluster.releaseSession(clientId, epoch > PENDING ? epoch : ANY_EPOCH);
    }

    /** A session recovered from the journal (in a cluster, its fate waits for the first sync). */
    void onRecovered(final String clientId)
    {
        if (state.cluster.nodeId() >= 0)
        {
            recovered.add(clientId);
        }
    }

    /**
     * The first sync named this session as expired in the cluster while this node was down.
     *
     * @return true if it is a copy recovered from the journal that nothing of this run touched: it is to be dropped
     *         (and is no longer tracked here).
     */
    boolean expiredWhileDown(final String clientId)
    {
        return recovered.remove(clientId);
    }

    /**
     * This node's replica is synced: the recovered sessions the sync did not name stay, as any other; and every claim
     * still unanswered is asked after ({@link ClusterLink#querySession}): a sync follows every new leader, and the
     * old one may have applied a claim and been lost before its answer left (the id would then stay pending here for
     * ever, and this node would ignore the decision of a later claim elsewhere, keeping a second connection).
     */
    void onSynced()
    {
        recovered.clear();
        final Object2LongHashMap<String>.KeyIterator ids = epochs.keySet().iterator();
        while (ids.hasNext())
        {
            final String clientId = ids.next();
            if (PENDING == epochs.getValue(clientId))
            {
                state.cluster.querySession(clientId);
            }
        }
    }

    /** @return true if this node claimed the id and has no answer yet. */
    boolean pending(final String clientId)
    {
        return epochs.containsKey(clientId) && PENDING == epochs.getValue(clientId);
    }

    /**
     * This node's unanswered claim was applied, and another node has claimed the id since (the answers were lost):
     * this node no longer holds it, and closes its connection for it.
     */
    void lostWhilePending(final String clientId, final int owner, final Disconnector disconnector)
    {
        epochs.removeKey(clientId);
        closeTakenOver(clientId, owner, disconnector);
    }

    /**
     * The directory's decision: {@code owner} owns the id under {@code epoch} (the previous owner is this node, or
     * not: what decides is whether this node holds an older, answered claim).
     *
     * @param disconnector closes a local connection that lost the id.
     * @return true if this node held the id and lost it to another node.
     */
    boolean onOwner(final String clientId, final int owner, final long epoch, final Disconnector disconnector)
    {
        final int self = state.cluster.nodeId();
        recovered.remove(clientId);
        final long known = epochs.getValue(clientId);
        if (known == epochs.missingValue())
        {
            return false;
        }
        if (owner == self)
        {
            if (known < epoch)
            {
                epochs.put(clientId, epoch);
            }
            return false;
        }
        if (PENDING == known || known >= epoch)
        {
            return false;     // this node's unanswered claim is newer (log order), or the decision is an old one
        }
        epochs.removeKey(clientId);
        closeTakenOver(clientId, owner, disconnector);
        return true;
    }

    private void closeTakenOver(final String clientId, final int owner, final Disconnector disconnector)
    {
        final Session session = state.sessions.get(clientId);
        final ClientConnection connection = null == session ? null : session.connection();
        if (null != connection)
        {
            // Counted by reason like any close (ringmq_disconnects_total{reason="0x8E"}), logged by the disconnector.
            disconnector.close(connection, ReasonCode.SESSION_TAKEN_OVER,
                "the client id connected to node " + owner + " of the cluster");
        }
    }

    /**
     * @param clientId a client id.
     * @return true if this node claimed the id in this run and still holds it (answered or not).
     */
    boolean owns(final String clientId)
    {
        return epochs.getValue(clientId) != epochs.missingValue();
    }

    /** @return client ids with an entry (for tests and figures). */
    int size()
    {
        return epochs.size();
    }
}
