package io.ringmq.core.session;

/**
 * A session moving from one node of a cluster to another (its client resumed it on the other node). Every node cuts
 * its data-plane streams for the session at one point of the control plane's order: the messages a node routed
 * before its cut belong to the copy on the previous owner (which hands them over), those after it to the copy on the
 * new owner. So each copy takes a message from a node only on its side of that node's cut, and none is delivered
 * twice or lost between them.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
public final class SessionTransit
{
    private final boolean arriving;
    private final int peer;
    private final long epoch;
    /** One bit per node whose cut this node has seen (its marker arrived, or this node applied the cut itself). */
    private long cutSeen;

    /**
     * @param arriving true on the new owner, false on the previous one.
     * @param peer     the other owner.
     * @param epoch    the epoch of the new ownership.
     */
    public SessionTransit(final boolean arriving, final int peer, final long epoch)
    {
        this.arriving = arriving;
        this.peer = peer;
        this.epoch = epoch;
    }

    /**
     * @param origin the node a message was published on.
     * @return true if this copy of the session takes it: on the previous owner, messages from before the origin's
     *         cut; on the new owner, those after it.
     */
    public boolean admits(final int origin)
    {
        return arriving == (0 != (cutSeen & (1L << origin)));
    }

    /** @param node a node whose streams are now cut for this session. */
    public void cut(final int node)
    {
        cutSeen |= 1L << node;
    }

    /** Every node's cut counts as seen: the previous owner's copy takes nothing more. */
    public void cutAll()
    {
        cutSeen = -1L;
    }

    /** @return one bit per node whose cut was seen. */
    public long cutSeen()
    {
        return cutSeen;
    }

    /** @return true on the new owner. */
    public boolean arriving()
    {
        return arriving;
    }

    /** @return the other owner. */
    public int peer()
    {
        return peer;
    }

    /** @return the epoch of the new ownership. */
    public long epoch()
    {
        return epoch;
    }
}
