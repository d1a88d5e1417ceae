package io.ringmq.core.routing;

import java.util.Arrays;

/**
 * The origin's side of acknowledged forwards: which of its QoS 1/2 forwards each other node has taken, so a
 * publisher's PUBACK or PUBREC goes out only once every node its message was forwarded to has routed it and
 * journaled it for its persistent sessions ({@link AckHold#ackAfterForward}). A message acknowledged to its
 * publisher is then on the origin's journal and on the journal of every node with subscribers to it: a node that
 * dies after the acknowledgement loses nothing of it. The destination's side is {@link ForwardReceipts}.
 * <p>
 * Forward sequences are this node's ({@code InboundPublish}): one per forward, increasing in the order they are
 * sent, and across restarts (they start from the clock). Each (origin, destination) stream is delivered in order,
 * so a destination's acknowledgement of sequence {@code s} covers every forward it was sent up to {@code s}. A
 * message whose forwards end at sequence {@code e} is taken by node {@code d} once {@code d} acknowledged {@code e}
 * or more, or everything it was sent.
 * <p>
 * Bounds: a node that stops acknowledging while it stays in the cluster (its Router stuck, its acknowledgements
 * lost) holds its publishers for at most {@link #ACK_TIMEOUT_NS} without progress; its forwards then count as
 * taken (counted and logged). A node that leaves (its lease ended) is not waited for at all. The window itself is
 * the publishers' own (MQTT 5 Receive Maximum, a client's inflight limit), bounded by {@code max-held-acks} per
 * publisher.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class ForwardWindows
{
    /** Longest wait for a live node's acknowledgement without progress; longer than a lease, so a frozen node
     * leaves the cluster first. */
    static final long ACK_TIMEOUT_NS = 15_000_000_000L;
    private static final int MAX_NODES = Long.SIZE;

    private final BrokerState state;
    /** Per node: the last forward sequence sent to it. */
    private final long[] lastSent = new long[MAX_NODES];
    /** Per node: the highest sequence it acknowledged. */
    private final long[] acked = new long[MAX_NODES];
    /** Per node: since when it owes acknowledgements without progress, or -1. */
    private final long[] owingSinceNs = new long[MAX_NODES];
    private long timeouts;

    ForwardWindows(final BrokerState state)
    {
        this.state = state;
        Arrays.fill(owingSinceNs, -1);
    }

    /**
     * @return the live nodes (data-plane peers) of {@code nodes}.
     */
    long live(final long nodes)
    {
        return nodes & state.cluster.peers();
    }

    /**
     * A forward went to these nodes.
     *
     * @param nodes    one bit per node id (live ones: see {@link #live}).
     * @param sequence its sequence.
     * @param nowNs    current time.
     */
    void onSent(final long nodes, final long sequence, final long nowNs)
    {
        long remaining = nodes;
        while (0 != remaining)
        {
            final int node = Long.numberOfTrailingZeros(remaining);
            remaining &= remaining - 1;
            lastSent[node] = sequence;
            if (owingSinceNs[node] < 0)
            {
                owingSinceNs[node] = nowNs;
            }
        }
    }

    /**
     * A node acknowledged every forward up to {@code sequence}.
     *
     * @param node     the node.
     * @param sequence the sequence.
     * @param nowNs    current time.
     */
    void onAcked(final int node, final long sequence, final long nowNs)
    {
        if (node < 0 || node >= MAX_NODES || sequence <= acked[node])
        {
            return;
        }
        acked[node] = sequence;
        owingSinceNs[node] = sequence >= lastSent[node] ? -1 : nowNs;
    }

    /**
     * @param sequence the last forward sequence of a message.
     * @param nodes    the nodes it was forwarded to.
     * @return true if every one of them that is still live has taken it.
     */
    boolean taken(final long sequence, final long nodes)
    {
        long remaining = live(nodes);
        while (0 != remaining)
        {
            final int node = Long.numberOfTrailingZeros(remaining);
            remaining &= remaining - 1;
            if (acked[node] < sequence && acked[node] < lastSent[node])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Periodic: a node gone from the cluster owes nothing; one that owes acknowledgements without progress for
     * {@link #ACK_TIMEOUT_NS} is taken to have everything it was sent.
     *
     * @param nowNs current time.
     * @return the nodes whose wait timed out now, one bit per node id.
     */
    long onTick(final long nowNs)
    {
        final long peers = state.cluster.peers();
        long timedOut = 0;
        for (int node = 0; node < MAX_NODES; node++)
        {
            final long since = owingSinceNs[node];
            if (since < 0)
            {
                continue;
            }
            final boolean gone = 0 == (peers & (1L << node));
            if (gone || nowNs - since >= ACK_TIMEOUT_NS)
            {
                acked[node] = Math.max(acked[node], lastSent[node]);
                owingSinceNs[node] = -1;
                if (!gone)
                {
                    timedOut |= 1L << node;
                    timeouts++;
                }
            }
        }
        return timedOut;
    }

    /** @return waits for a live node's acknowledgements that timed out (tests). */
    long timeouts()
    {
        return timeouts;
    }
}
