package io.ringmq.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.ringmq.cluster.control.ClusterListener;
import io.ringmq.core.cluster.ForwardCodec;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three voting members on 127.0.0.1, .2 and .3 in one JVM (each with its own media driver, archive, consensus module
 * and control plane), and each node's control-plane client: what one node tells the control plane reaches every
 * node's replica, ownership is serialised, and the state survives losing the leader and restarting a member from
 * its log and from a snapshot.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ControlPlaneClusterTest
{
    private static final String[] HOSTS = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
    private static final long LEASE_NS = TimeUnit.SECONDS.toNanos(2);
    private static final long HEARTBEAT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);

    @TempDir
    Path dir;

    private final ClusterNode[] nodes = new ClusterNode[3];
    private final Recorder[] recorders = new Recorder[3];
    private ClusterMembers members;

    /** What one node learned, readable from the test thread. */
    static final class Recorder implements ClusterListener
    {
        final Map<String, Long> routes = new ConcurrentHashMap<>();
        final Map<Integer, String> up = new ConcurrentHashMap<>();
        final LinkedBlockingQueue<String> owners = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> released = new LinkedBlockingQueue<>();
        final AtomicInteger syncs = new AtomicInteger();
        final Map<String, String> retained = new ConcurrentHashMap<>();
        /** Every retained message (or clear: "") each topic had, in the order this node heard them. */
        final Map<String, List<String>> retainedHistory = new ConcurrentHashMap<>();
        /** Wills this node was told to publish: "client-id of origin-node". */
        final LinkedBlockingQueue<String> wills = new LinkedBlockingQueue<>();

        @Override
        public void onWillPublish(final String clientId, final int origin, final DirectBuffer will, final int offset,
            final int length)
        {
            wills.add(clientId + " of " + origin);
        }

        @Override
        public void onNodeUp(final int node, final String dataEndpoint)
        {
            up.put(node, dataEndpoint);
        }

        @Override
        public void onNodeDown(final int node)
        {
            up.remove(node);
        }

        @Override
        public void onRouteChanged(final String filter, final long nodes)
        {
            if (0 == nodes)
            {
                routes.remove(filter);
            }
            else
            {
                routes.put(filter, nodes);
            }
        }

        @Override
        public void onSessionOwner(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
            owners.add(clientId + " " + owner + " " + previousOwner + " " + epoch);
        }

        @Override
        public void onSessionHandoff(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
            owners.add("handoff " + clientId + " " + owner + " " + previousOwner + " " + epoch);
        }

        @Override
        public void onSessionQueried(final String clientId, final int owner, final int previous, final long epoch)
        {
            owners.add("queried " + clientId + " " + owner + " " + previous + " " + epoch);
        }

        @Override
        public void onSessionOwnerDown(final String clientId, final int owner, final boolean moving)
        {
            owners.add((moving ? "moving " : "owner-down ") + clientId + " " + owner);
        }

        @Override
        public void onSessionCut(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
            owners.add("cut " + clientId + " " + owner + " " + previousOwner + " " + epoch);
        }

        @Override
        public void onSessionReleased(final String clientId, final long epoch)
        {
            released.add(clientId + " " + epoch);
        }

        @Override
        public void onRefused(final int reason, final String about)
        {
            owners.add("refused " + reason + " " + about);
        }

        @Override
        public void onRetained(final String topic, final DirectBuffer message, final int offset, final int length)
        {
            final ForwardCodec codec = new ForwardCodec();
            assertTrue(codec.wrap(message, offset, length));
            final String payload = message.getStringWithoutLengthUtf8(codec.payloadOffset(), codec.payloadLength());
            retainedHistory.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(payload);
            if (payload.isEmpty())
            {
                retained.remove(topic);
            }
            else
            {
                retained.put(topic, payload);
            }
        }

        @Override
        public void onRetainedGone(final String topic)
        {
            retained.remove(topic);
        }

        @Override
        public void onSynced()
        {
            syncs.incrementAndGet();
        }
    }

    private static boolean retain(final ClusterNode node, final String topic, final String payload)
    {
        final UnsafeBuffer topicBuffer = new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer payloadBuffer = new UnsafeBuffer(payload.getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer message = new UnsafeBuffer(
            new byte[ForwardCodec.length(topicBuffer.capacity(), 0, payloadBuffer.capacity())]);
        final int length = ForwardCodec.encode(message, 0, 1, true, -1, 0, 0, topicBuffer, 0, topicBuffer.capacity(),
            payloadBuffer, 0, payloadBuffer.capacity());
        return node.client().retain(topic, message, 0, length);
    }

    private static boolean setWill(final ClusterNode node, final String clientId, final long delaySeconds,
        final boolean running)
    {
        final UnsafeBuffer topic = new UnsafeBuffer(("wills/" + clientId).getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer will = new UnsafeBuffer(new byte[ForwardCodec.length(topic.capacity(), 0, 4)]);
        final int length = ForwardCodec.encode(will, 0, 1, false, -1, 3, 0, topic, 0, topic.capacity(),
            new UnsafeBuffer(new byte[4]), 0, 4);
        return node.client().setWill(clientId, delaySeconds, running, will, 0, length);
    }

    private void awaitRetained(final String topic, final String payload, final int... on)
    {
        for (final int i : on)
        {
            final Recorder recorder = recorders[i];
            await("node " + i + " has " + topic + " = " + payload,
                () -> java.util.Objects.equals(payload, recorder.retained.get(topic)));
        }
    }

    /** Retained messages flow/0, flow/1, ... (payload v0, v1, ...) from a node, one every 10 ms, until stopped. */
    private static Thread retainedFlow(final ClusterNode node, final java.util.concurrent.atomic.AtomicBoolean flowing,
        final AtomicInteger published)
    {
        final Thread flow = new Thread(() ->
        {
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (flowing.get() && published.get() < 2_000 && System.nanoTime() < end)
            {
                if (retain(node, "flow/" + published.get(), "v" + published.get()))
                {
                    published.incrementAndGet();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }, "retained-flow");
        flow.start();
        return flow;
    }

    private void awaitRetainedFlow(final int published, final int... on)
    {
        for (int i = 0; i < published; i++)
        {
            awaitRetained("flow/" + i, "v" + i, on);
        }
    }

    @AfterEach
    void stop()
    {
        CloseHelper.closeAll(nodes);
    }

    private void start(final int id) throws IOException
    {
        final File clusterDir = dir.resolve("node-" + id).toFile();
        Files.createDirectories(clusterDir.toPath());
        recorders[id] = new Recorder();
        nodes[id] = ClusterNode.launch(ClusterNodeConfig.votingMember(id, members, clusterDir)
            .withTimeouts(LEASE_NS, HEARTBEAT_TIMEOUT_NS), recorders[id]);
    }

    private void startAll() throws IOException
    {
        members = ClusterMembers.parse(HOSTS[0] + ':' + freeBase() + ',' + HOSTS[1] + ':' + freeBase() + ',' +
            HOSTS[2] + ':' + freeBase());
        for (int i = 0; i < 3; i++)
        {
            start(i);
        }
        for (int i = 0; i < 3; i++)
        {
            final Recorder recorder = recorders[i];
            final ClusterNode node = nodes[i];
            await("node " + i + " synced with 3 nodes up", () -> node.client().isSynced() && recorder.up.size() == 3);
        }
    }

    /** A base port whose six UDP ports are free on every test address. */
    private static int freeBase()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            final int base = 20_000 + ThreadLocalRandom.current().nextInt(20_000 / ClusterMembers.PORTS_PER_NODE) *
                ClusterMembers.PORTS_PER_NODE;
            if (free(base))
            {
                return base;
            }
        }
        throw new IllegalStateException("no free UDP ports");
    }

    private static boolean free(final int base)
    {
        for (final String host : HOSTS)
        {
            for (int port = base; port < base + ClusterMembers.PORTS_PER_NODE; port++)
            {
                try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(host, port)))
                {
                    socket.getLocalPort();
                }
                catch (final IOException ex)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static void await(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try
            {
                Thread.sleep(10);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError(ex);
            }
        }
    }

    private void awaitRoute(final String filter, final long mask, final int... on)
    {
        for (final int i : on)
        {
            final Recorder recorder = recorders[i];
            await("node " + i + " sees " + filter + " on " + Long.toBinaryString(mask),
                () -> mask == recorder.routes.getOrDefault(filter, 0L));
        }
    }

    private static String take(final LinkedBlockingQueue<String> queue) throws InterruptedException
    {
        final String value = queue.poll(30, TimeUnit.SECONDS);
        assertNotEquals(null, value, "no event within 30 s");
        return value;
    }

    @Test
    void shouldReplicateRoutesAndSerialiseOwnershipAcrossNodes() throws Exception
    {
        startAll();
        assertEquals(members.dataEndpoint(2), recorders[0].up.get(2));

        assertTrue(nodes[0].client().addRoute("a/+/c"));
        assertTrue(nodes[1].client().addRoute("a/+/c"));
        assertTrue(nodes[2].client().addRoute("x/#"));
        awaitRoute("a/+/c", 0b011, 0, 1, 2);
        awaitRoute("x/#", 0b100, 0, 1, 2);
        assertTrue(nodes[1].client().removeRoute("a/+/c"));
        awaitRoute("a/+/c", 0b001, 0, 1, 2);

        assertTrue(nodes[0].client().claim("dev-1"));
        final String[] first = take(recorders[0].owners).split(" ");
        assertEquals("dev-1", first[0]);
        assertEquals("0", first[1]);
        assertEquals("-1", first[2]);
        assertTrue(nodes[1].client().claim("dev-1"));
        final String toNew = take(recorders[1].owners);
        final String toOld = take(recorders[0].owners);
        assertEquals(toNew, toOld, "the new and the previous owner hear the same decision");
        final String[] second = toNew.split(" ");
        assertEquals("1", second[1]);
        assertEquals("0", second[2]);
        assertTrue(Long.parseLong(second[3]) > Long.parseLong(first[3]), "epochs increase");
        assertTrue(nodes[1].client().query("dev-1"), "as a node whose answer was lost asks");
        assertEquals("queried " + toNew, take(recorders[1].owners), "the entry as it is");
        assertEquals(toOld, take(recorders[0].owners), "the decision again to the node the id was taken from");

        // A release under an old epoch changes nothing; the owner's release under its epoch removes the entry.
        assertTrue(nodes[0].client().release("dev-1", Long.parseLong(first[3])));
        assertTrue(nodes[1].client().release("dev-1", Long.parseLong(second[3])));
        assertEquals("dev-1 " + second[3], take(recorders[1].released));
        assertTrue(recorders[0].released.isEmpty());
        assertTrue(nodes[2].client().claim("dev-1"));
        assertEquals("-1", take(recorders[2].owners).split(" ")[2], "released: no previous owner");

        // Retained messages: every node, the publishing one too, hears each in the log's order.
        assertTrue(retain(nodes[0], "state/1", "on"));
        assertTrue(retain(nodes[1], "state/1", "off"));
        assertTrue(retain(nodes[2], "state/2", "x"));
        awaitRetained("state/2", "x", 0, 1, 2);
        // Nodes 0 and 1 set state/1 concurrently: either may be ordered first, and state/2 between them, so the
        // last value is known only once each node has heard both; all must have heard them in the same order.
        for (final Recorder recorder : recorders)
        {
            await("both values of state/1 heard",
                () -> recorder.retainedHistory.getOrDefault("state/1", List.of()).size() >= 2);
        }
        final List<String> order = recorders[0].retainedHistory.get("state/1");
        assertEquals(2, order.size(), "state/1 was set twice: " + order);
        assertTrue(order.containsAll(List.of("on", "off")), "state/1 values: " + order);
        assertEquals(order, recorders[1].retainedHistory.get("state/1"), "node 1 heard the same order");
        assertEquals(order, recorders[2].retainedHistory.get("state/1"), "node 2 heard the same order");
        awaitRetained("state/1", order.get(1), 0, 1, 2);
        assertTrue(retain(nodes[2], "state/1", ""));
        awaitRetained("state/1", null, 0, 1, 2);
    }

    @Test
    void shouldKeepTheStateWhenTheLeaderDiesAndBringAMemberBackFromItsLogAndSnapshot() throws Exception
    {
        startAll();
        nodes[0].client().addRoute("t/0");
        nodes[1].client().addRoute("t/1");
        nodes[2].client().addRoute("t/2");
        assertTrue(retain(nodes[1], "kept/1", "before the snapshot"));
        awaitRetained("kept/1", "before the snapshot", 0, 1, 2);
        awaitRoute("t/0", 0b001, 0, 1, 2);
        awaitRoute("t/1", 0b010, 0, 1, 2);
        awaitRoute("t/2", 0b100, 0, 1, 2);
        // A cluster client (node 3) with a route goes away: its route is held, in the snapshot too.
        final File clientDir = dir.resolve("node-3").toFile();
        Files.createDirectories(clientDir.toPath());
        try (ClusterNode client = ClusterNode.launch(ClusterNodeConfig.clusterClient(3, members, HOSTS[0],
            freeBase() + ClusterMembers.PORTS_PER_NODE - 1, clientDir).withTimeouts(LEASE_NS, HEARTBEAT_TIMEOUT_NS),
            new Recorder()))
        {
            await("the cluster client synced", () -> client.client().isSynced());
            client.client().addRoute("c/3");
            awaitRoute("c/3", 1L << 3, 0, 1, 2);
            // Its clients' wills: one due at its down, one an hour later (in the snapshot, due).
            assertTrue(setWill(client, "will-now", 0, false));
            assertTrue(setWill(client, "will-later", 3600, false));
            assertTrue(setWill(client, "will-running", 3600, true), "its connection ended: its delay runs");
            // Its sessions, both offline: one expires a second after, one in an hour (in the snapshot, due).
            assertTrue(client.client().claim("quick", false, 1) && client.client().sessionExpiry("quick", 1, true));
            assertTrue(client.client().claim("lasting", false, 3600) &&
                client.client().sessionExpiry("lasting", 3600, true));
            client.client().addRoute("c/3/after-wills");   // a round trip: the wills, sent before, are in the log
            awaitRoute("c/3/after-wills", 1L << 3, 0);
        }
        await("node 0 sees the cluster client down", () -> !recorders[0].up.containsKey(3));
        awaitRoute("c/3", 1L << 3, 0, 1, 2);
        assertEquals("will-now of 3", recorders[0].wills.poll(10, TimeUnit.SECONDS),
            "the lowest live node publishes the will of a client of the node that went down");
        assertTrue(recorders[1].wills.isEmpty() && recorders[2].wills.isEmpty(), "once");
        awaitFreshResume("quick", "lasting");

        final int leader = nodes[0].client().leaderMemberId();
        assertTrue(leader >= 0 && leader < 3, "a leader: " + leader);
        assertTrue(nodes[leader].requestSnapshot(), "snapshot toggled on the leader");
        final ClusterNode dying = nodes[leader];
        await("the leader's snapshot", () -> dying.snapshotCount() > 0);
        final int a = (leader + 1) % 3;
        final int b = (leader + 2) % 3;
        // Node a publishes retained messages throughout the leader change, one every 10 ms: each reaches every node
        // once it is over (a command offered to the dying leader is sent again to the new one, and one the log had
        // is not applied twice).
        final java.util.concurrent.atomic.AtomicBoolean flowing = new java.util.concurrent.atomic.AtomicBoolean(true);
        final AtomicInteger published = new AtomicInteger();
        final Thread flow = retainedFlow(nodes[a], flowing, published);
        await("the flow under way", () -> published.get() >= 20);
        nodes[leader].close();
        nodes[leader] = null;

        // The dead member's lease ends: its routes are held (the others keep what they forward to it for its
        // return); the survivors elect a new leader.
        await("node " + a + " sees the dead member down", () -> !recorders[a].up.containsKey(leader));
        await("node " + b + " sees the dead member down", () -> !recorders[b].up.containsKey(leader));
        awaitRoute("t/" + leader, 1L << leader, a, b);
        awaitRoute("t/" + a, 1L << a, a, b);
        awaitRoute("t/" + b, 1L << b, a, b);
        await("a new leader", () -> nodes[a].client().leaderMemberId() >= 0 &&
            nodes[a].client().leaderMemberId() != leader);
        final int atNewLeader = published.get();
        await("the flow goes on through the new leader", () -> published.get() >= atNewLeader + 50);
        flowing.set(false);
        flow.join();
        awaitRetainedFlow(published.get(), a, b);
        System.out.println("retained messages through the leader change: " + published.get() + ", commands sent " +
            "again " + nodes[a].client().commandsResent() + ", repeats not applied " +
            nodes[a].service().commandsRepeated());
        nodes[a].client().addRoute("after/failover");
        awaitRoute("after/failover", 1L << a, a, b);
        nodes[b].client().claim("dev-2");
        assertEquals("dev-2 " + b + " -1", take(recorders[b].owners).substring(0, ("dev-2 " + b + " -1").length()));

        // The member comes back from its snapshot and log, catches up, and its node joins again.
        start(leader);
        final Recorder back = recorders[leader];
        await("the restarted member's node synced", () -> nodes[leader].client().isSynced() && back.up.size() == 3);
        awaitRoute("after/failover", 1L << a, leader);
        awaitRoute("t/" + a, 1L << a, leader);
        awaitRetained("kept/1", "before the snapshot", leader);
        awaitRoute("c/3", 1L << 3, leader);    // held in the snapshot it started from
        // Its service runs (Aeron fails a service that schedules a timer from onStart): it takes the next snapshot.
        final int current = nodes[a].client().leaderMemberId();
        assertTrue(nodes[current].requestSnapshot(), "snapshot toggled on the new leader");
        await("the restarted member's service takes a snapshot", () -> nodes[leader].snapshotCount() > 0);
        // Its node no longer has t/<leader> (a new client): once synced it withdraws the held route.
        awaitRoute("t/" + leader, 0, 0, 1, 2);
        nodes[leader].client().addRoute("t/" + leader);
        awaitRoute("t/" + leader, 1L << leader, 0, 1, 2);
        nodes[leader].client().claim("dev-2");
        final String moved = take(back.owners);
        assertEquals("dev-2 " + leader + " " + b, moved.substring(0, moved.lastIndexOf(' ')),
            "the directory survived the leader change: the previous owner is known");
        assertOwnerDown(nodes[leader], back, "lasting", "an expiring entry of a down node, in the snapshot");
    }

    private static void assertOwnerDown(final ClusterNode node, final Recorder recorder, final String clientId,
        final String why) throws InterruptedException
    {
        node.client().claim(clientId, true);
        assertEquals("owner-down " + clientId + " 3", take(recorder.owners), why);
    }

    /**
     * The session of node 3, down, expired there: a resume on node 0 starts afresh (until then it is refused: its
     * node may come back with it); a session of that node that has not expired stays refused.
     */
    private void awaitFreshResume(final String clientId, final String lasting) throws InterruptedException
    {
        assertOwnerDown(nodes[0], recorders[0], lasting, "its node may come back with it within its expiry");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String answer;
        do
        {
            nodes[0].client().claim(clientId, true);
            answer = take(recorders[0].owners);
            if (answer.startsWith("owner-down"))
            {
                Thread.sleep(100);
            }
        }
        while (answer.startsWith("owner-down") && System.nanoTime() - deadline < 0);
        assertTrue(answer.startsWith(clientId + " 0 -1 "), "a fresh session on node 0: " + answer);
    }
}
