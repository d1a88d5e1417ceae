package io.ringmq.cluster.control;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import io.ringmq.cluster.ClusterMembers;

/**
 * The control plane's session directory: client id to its entry ({@link ControlPlaneState.Owner}), with each node's
 * entries also on a list of that node's own. What a node's down, its return and the end of its hold do to its
 * sessions then costs the number of that node's entries, not the size of the whole directory: a scan of millions of
 * entries takes tens to hundreds of milliseconds of the control plane's only thread at every such event, while the
 * log waits behind it. The lists are intrusive (two references in each entry), so an entry costs nothing more than
 * the map's own node.
 * <p>
 * <b>Threading:</b> the control plane's service thread only, as {@link ControlPlaneState}, which owns it.
 */
final class SessionDirectory
{
    private final HashMap<String, ControlPlaneState.Owner> byClientId = new HashMap<>();
    private final Map<String, ControlPlaneState.Owner> readOnly = Collections.unmodifiableMap(byClientId);
    /** First entry of each node's list, by node id (an entry of a node id out of range is on no list). */
    private final ControlPlaneState.Owner[] firstOfNode = new ControlPlaneState.Owner[ClusterMembers.MAX_NODES];

    /** @return the entry of the client id, or null. */
    ControlPlaneState.Owner get(final String clientId)
    {
        return byClientId.get(clientId);
    }

    /** @return entries in all. */
    int size()
    {
        return byClientId.size();
    }

    /**
     * Put an entry in place of the one its client id had.
     *
     * @return the entry it replaced, or null.
     */
    ControlPlaneState.Owner put(final ControlPlaneState.Owner owner)
    {
        final ControlPlaneState.Owner previous = byClientId.put(owner.clientId, owner);
        if (null != previous)
        {
            unlink(previous);
        }
        link(owner);
        return previous;
    }

    /**
     * Remove the entry of a client id.
     *
     * @return the entry removed, or null.
     */
    ControlPlaneState.Owner remove(final String clientId)
    {
        final ControlPlaneState.Owner owner = byClientId.remove(clientId);
        if (null != owner)
        {
            unlink(owner);
        }
        return owner;
    }

    /**
     * Each entry of the node, newest first. The action may remove the entry it is given, and no other.
     *
     * @param node   the node.
     * @param action what to do with each entry.
     */
    void forEachOf(final int node, final Consumer<ControlPlaneState.Owner> action)
    {
        if (!onAList(node))
        {
            return;
        }
        ControlPlaneState.Owner owner = firstOfNode[node];
        while (null != owner)
        {
            final ControlPlaneState.Owner next = owner.nextOfNode;
            action.accept(owner);
            owner = next;
        }
    }

    /** @return the entries by client id, read-only (snapshots, tests). */
    Map<String, ControlPlaneState.Owner> view()
    {
        return readOnly;
    }

    private static boolean onAList(final int node)
    {
        return node >= 0 && node < ClusterMembers.MAX_NODES;
    }

    private void link(final ControlPlaneState.Owner owner)
    {
        final int node = owner.node;
        if (!onAList(node))
        {
            return;
        }
        final ControlPlaneState.Owner first = firstOfNode[node];
        owner.previousOfNode = null;
        owner.nextOfNode = first;
        if (null != first)
        {
            first.previousOfNode = owner;
        }
        firstOfNode[node] = owner;
    }

    private void unlink(final ControlPlaneState.Owner owner)
    {
        final int node = owner.node;
        if (!onAList(node))
        {
            return;
        }
        final ControlPlaneState.Owner previous = owner.previousOfNode;
        final ControlPlaneState.Owner next = owner.nextOfNode;
        if (null == previous)
        {
            firstOfNode[node] = next;
        }
        else
        {
            previous.nextOfNode = next;
        }
        if (null != next)
        {
            next.previousOfNode = previous;
        }
        owner.previousOfNode = null;
        owner.nextOfNode = null;
    }
}
