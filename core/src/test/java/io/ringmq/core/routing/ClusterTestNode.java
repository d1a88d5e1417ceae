package io.ringmq.core.routing;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.cluster.ForwardDescriptor;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.ring.RingEvent;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One node of a cluster in a Router test: its Router, its data plane to the other node as a queue that loses what
 * is sent to a node that is not up (as Aeron does), and what it told the control plane. The test plays the control
 * plane, in log order.
 */
final class ClusterTestNode
{
    final int id;
    final Journal journal;
    final RouterHarness harness;
    /** What this node sent the other, in order: forwards, hand-off records, acknowledgements. */
    final ArrayDeque<byte[]> toPeer = new ArrayDeque<>();
    /** Control-plane commands, as text. */
    final List<String> commands = new ArrayList<>();
    /** The live nodes, one bit each. */
    long peers;
    /** The data-plane link's generation (the same for every node). */
    long generation;
    /** The node has had its first sync since it joined (it knows which nodes are up). */
    boolean synced = true;
    /** The link takes nothing (its queue is full). */
    boolean backedUp;
    /** The link keeps nothing, only the last forward's sequence (allocation tests). */
    boolean discard;
    long lastSequence;

    ClusterTestNode(final int id)
    {
        this(id, Journal.disabled());
    }

    ClusterTestNode(final int id, final Journal journal)
    {
        this(id, new BrokerConfig().sysIntervalSeconds(0), journal);
    }

    ClusterTestNode(final int id, final BrokerConfig config, final Journal journal)
    {
        this.id = id;
        this.journal = journal;
        harness = new RouterHarness(config, journal);
        harness.router.clusterLink(new Link());
    }

    /** The control plane's session event, as the cluster link puts it on the ring. */
    void session(final int kind, final String clientId, final int owner, final int other, final long epoch)
    {
        harness.clusterSession(kind, clientId, owner, other, epoch);
    }

    /** The control plane's route change. */
    void route(final String filter, final long nodes)
    {
        final byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
        harness.event.frame(RingEvent.CLUSTER_ROUTE, nodes, -1, bytes.length, System.nanoTime()).putBytes(0, bytes);
        harness.router.onEvent(harness.event, harness.sequence++, true);
    }

    /** Everything this node sent the other but acknowledgements, delivered there in order. */
    void flushTo(final ClusterTestNode peer)
    {
        flushTo(peer, false);
    }

    /** Everything this node sent the other, delivered there in order; acknowledgements too if asked. */
    void flushTo(final ClusterTestNode peer, final boolean withAcks)
    {
        flushTo(peer, withAcks, false);
    }

    /**
     * Everything this node sent the other, delivered there in order, each in a ring batch of its own or, if asked,
     * all in one (as a Router takes what came together); acknowledgements too if asked.
     */
    void flushTo(final ClusterTestNode peer, final boolean withAcks, final boolean oneBatch)
    {
        final ForwardCodec codec = new ForwardCodec();
        final List<byte[]> delivered = new ArrayList<>();
        while (!toPeer.isEmpty())
        {
            final byte[] message = toPeer.poll();
            assertTrue(codec.wrap(new UnsafeBuffer(message), 0, message.length));
            if (withAcks || !(codec.forwardAck() || codec.routeApplied()))
            {
                delivered.add(message);
            }
        }
        for (int i = 0; i < delivered.size(); i++)
        {
            final byte[] message = delivered.get(i);
            peer.harness.event.frame(RingEvent.FORWARDED, 0, -1, message.length, System.nanoTime())
                .putBytes(0, message);
            peer.harness.router.onEvent(peer.harness.event, peer.harness.sequence++,
                !oneBatch || i == delivered.size() - 1);
        }
    }

    /** The link to the other node closed (losing what it carried) or opened again, with these nodes up. */
    void link(final long peersNow)
    {
        toPeer.clear();
        peers = peersNow;
        generation++;
        harness.tick();
    }

    /** The node's cluster link, recording what the Router tells it. */
    private final class Link implements ClusterLink
    {
        @Override
        public int nodeId()
        {
            return id;
        }

        @Override
        public void onLocalFilterAdded(final String filter)
        {
            commands.add("+" + filter);
        }

        @Override
        public void onLocalFilterRemoved(final String filter)
        {
            commands.add("-" + filter);
        }

        @Override
        public boolean forward(final long nodes, final DirectBuffer message, final int offset, final int length)
        {
            if (backedUp)
            {
                return false;
            }
            if (discard)
            {
                lastSequence = message.getLong(offset + ForwardDescriptor.ORIGIN_SEQUENCE_OFFSET,
                    ByteOrder.LITTLE_ENDIAN);
                return true;
            }
            if (0 != (nodes & peers))
            {
                final byte[] copy = new byte[length];
                message.getBytes(offset, copy);
                toPeer.add(copy);
            }
            return true;    // to a node that is not up: dropped
        }

        @Override
        public long peers()
        {
            return peers;
        }

        @Override
        public boolean synced()
        {
            return synced;
        }

        @Override
        public long linkGeneration(final int node)
        {
            return generation;
        }

        @Override
        public void claimSession(final String clientId)
        {
            commands.add("claim " + clientId);
        }

        @Override
        public void claimSession(final String clientId, final boolean resume)
        {
            commands.add((resume ? "resume " : "claim ") + clientId);
        }

        @Override
        public void querySession(final String clientId)
        {
            commands.add("query " + clientId);
        }

        @Override
        public void sessionCut(final String clientId, final int previousOwner, final long epoch)
        {
            commands.add("cut " + clientId + " " + previousOwner + " " + epoch);
        }

        @Override
        public void giveBackSession(final String clientId, final int to, final long epoch)
        {
            commands.add("give-back " + clientId + " " + to + " " + epoch);
        }

        @Override
        public void releaseSession(final String clientId, final long epoch)
        {
            commands.add("release " + clientId);
        }

        @Override
        public int maxRetainedLength()
        {
            return Integer.MAX_VALUE;
        }

        @Override
        public boolean retain(final DirectBuffer message, final int offset, final int length)
        {
            return true;
        }
    }
}
