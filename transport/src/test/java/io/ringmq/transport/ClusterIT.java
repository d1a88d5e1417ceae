package io.ringmq.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.ringmq.cluster.ClusterMembers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes on 127.0.0.1, .2 and .3 started from the jar as one cluster ({@code --node-id},
 * {@code --cluster-members}): a message published on one node reaches the matching subscribers on the others, for
 * every filter form, and the surviving nodes go on routing between themselves after one is killed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterIT
{
    private static final String[] HOSTS = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
    private static final Duration ROUTE_TIMEOUT = Duration.ofSeconds(60);
    /** How long a node is frozen: past its lease (5 s) and past Aeron's default client timeouts (10 s). */
    private static final Duration FREEZE = Duration.ofSeconds(12);

    @TempDir
    Path dir;

    private final BrokerProcess[] nodes = new BrokerProcess[3];
    /** Each node's options besides --bind and --port, to start it again after a kill. */
    private final List<List<String>> options = new ArrayList<>();
    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException
    {
        for (final Mqtt5BlockingClient client : clients)
        {
            if (client.getState().isConnected())
            {
                client.disconnect();
            }
        }
        for (final BrokerProcess node : nodes)
        {
            if (null != node)
            {
                node.kill();
            }
        }
    }

    private void startCluster(final String... extra) throws IOException
    {
        final Random random = new Random();
        final int port = freeOnAll(random);
        final int base = freeUdpBase(random);
        final String members = HOSTS[0] + ':' + base + ',' + HOSTS[1] + ':' + base + ',' + HOSTS[2] + ':' + base;
        for (int i = 0; i < 3; i++)
        {
            nodes[i] = new BrokerProcess(dir.resolve("node-" + i + ".log"), HOSTS[i], port);
        }
        for (int i = 0; i < 3; i++)
        {
            final List<String> nodeOptions = new ArrayList<>(List.of("--data-dir", dir.resolve("data-" + i).toString(),
                "--node-id", Integer.toString(i), "--cluster-members", members, "--sys-interval", "1"));
            nodeOptions.addAll(List.of(extra));
            options.add(List.copyOf(nodeOptions));
            nodes[i].startOrFail("node " + i, options.get(i));
        }
        // Every node knows the other two are up before the test's first client: a SUBACK waits for the nodes its
        // node knows (RouteConfirmations), so one sent while a peer was still joining could precede that peer's
        // route (a shared-group test once got NO_MATCHING_SUBSCRIBERS for its first message that way).
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                if (i != j)
                {
                    awaitLog(i, "cluster: node " + j + " is up");
                }
            }
        }
    }

    private static int freeOnAll(final Random random) throws IOException
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            final int port = BrokerProcess.freePort(random);
            boolean free = true;
            for (final String host : HOSTS)
            {
                try (ServerSocket socket = new ServerSocket())
                {
                    socket.bind(new InetSocketAddress(host, port));
                }
                catch (final IOException ex)
                {
                    free = false;
                }
            }
            if (free)
            {
                return port;
            }
        }
        throw new IOException("no TCP port free on all three addresses");
    }

    private static int freeUdpBase(final Random random) throws IOException
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            final int base = 20_000 + random.nextInt(2_000) * ClusterMembers.PORTS_PER_NODE;
            boolean free = true;
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
                        free = false;
                    }
                }
            }
            if (free)
            {
                return base;
            }
        }
        throw new IOException("no UDP base free on all three addresses");
    }

    private Mqtt5BlockingClient connect(final int node, final String id)
    {
        final Mqtt5BlockingClient client = client(node, id);
        client.connect();
        clients.add(client);
        return client;
    }

    /** @return an MQTT 5 client for {@code node}, not connected. */
    private Mqtt5BlockingClient client(final int node, final String id)
    {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost(HOSTS[node])
            .serverPort(nodes[node].port()).buildBlocking();
    }

    /** What a subscriber received, by payload. */
    private static Set<String> collect(final Mqtt5BlockingClient client, final String filter, final MqttQos qos)
    {
        final Set<String> received = ConcurrentHashMap.newKeySet();
        client.toAsync().subscribeWith().topicFilter(filter).qos(qos)
            .callback(publish -> received.add(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)))
            .send().join();
        return received;
    }

    /** Publish probes until every set has one: the routes have reached the publishing node. */
    private static void awaitRoutes(final Mqtt5BlockingClient publisher, final String topic,
        final List<Set<String>> subscribers)
    {
        awaitRoutes(publisher, topic, subscribers, "probe-");
    }

    /** As above, with probes named {@code prefix + n}: for sets that may have probes from earlier. */
    private static void awaitRoutes(final Mqtt5BlockingClient publisher, final String topic,
        final List<Set<String>> subscribers, final String prefix)
    {
        final long deadline = System.nanoTime() + ROUTE_TIMEOUT.toNanos();
        int probe = 0;
        while (true)
        {
            final String payload = prefix + probe++;
            publisher.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
            BrokerProcess.pause(100);
            if (subscribers.stream().allMatch(set -> set.stream().anyMatch(p -> p.startsWith(prefix))))
            {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "routes did not reach the publishing node within " +
                ROUTE_TIMEOUT.toSeconds() + " s");
        }
    }

    private static void publishNumbered(final Mqtt5BlockingClient publisher, final String topic, final String prefix,
        final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final Mqtt5PublishResult result = publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload((prefix + i).getBytes(StandardCharsets.UTF_8)).send();
            assertTrue(result.getError().isEmpty(), "publish of " + prefix + i + ": " + result.getError());
            assertEquals(Mqtt5PubAckReasonCode.SUCCESS,
                ((Mqtt5PublishResult.Mqtt5Qos1Result)result).getPubAck().getReasonCode(), "PUBACK of " + prefix + i);
        }
    }

    private static long count(final Set<String> received, final String prefix)
    {
        return received.stream().filter(p -> p.startsWith(prefix)).count();
    }

    @Test
    void shouldRouteAcrossNodesForEveryFilterForm() throws Exception
    {
        startCluster();
        final Set<String> exact = collect(connect(1, "sub-exact"), "plant/7/temp", MqttQos.AT_LEAST_ONCE);
        final Set<String> plus = collect(connect(2, "sub-plus"), "plant/+/temp", MqttQos.AT_LEAST_ONCE);
        final Set<String> hash = collect(connect(2, "sub-hash"), "plant/#", MqttQos.AT_MOST_ONCE);
        final Set<String> other = collect(connect(1, "sub-other"), "office/#", MqttQos.AT_LEAST_ONCE);
        final Set<String> local = collect(connect(0, "sub-local"), "plant/7/temp", MqttQos.AT_LEAST_ONCE);
        final Mqtt5BlockingClient publisher = connect(0, "pub");

        awaitRoutes(publisher, "plant/7/temp", List.of(exact, plus, hash, local));
        publishNumbered(publisher, "plant/7/temp", "m-", 200);
        assertTrue(BrokerProcess.await(() -> count(exact, "m-") == 200 && count(plus, "m-") == 200 &&
            count(local, "m-") == 200, Duration.ofSeconds(20)),
            "every QoS 1 message on every node: exact " + count(exact, "m-") + ", plus " + count(plus, "m-") +
            ", local " + count(local, "m-"));
        assertTrue(BrokerProcess.await(() -> count(hash, "m-") == 200, Duration.ofSeconds(10)),
            "QoS 0 subscriber on node 2: " + count(hash, "m-"));
        assertEquals(0, other.size(), "a filter that does not match gets nothing");

        // Once a SUBACK is in, every node forwards: no probing, the first message already arrives (publishNumbered
        // fails on a PUBACK 'no matching subscribers'). Ten rounds, each a new filter on another node.
        for (int round = 0; round < 10; round++)
        {
            final Set<String> fresh = collect(connect(1 + round % 2, "sub-fresh-" + round), "fresh/" + round + "/+",
                MqttQos.AT_LEAST_ONCE);
            publishNumbered(publisher, "fresh/" + round + "/x", "f-", 5);
            assertTrue(BrokerProcess.await(() -> count(fresh, "f-") == 5, Duration.ofSeconds(20)),
                "published right after the SUBACK on another node: " + count(fresh, "f-") + " of 5");
        }

        // A filter longer than a ring slot keeps (4 KiB) reaches the other nodes' route replicas too.
        final String longLevel = "x".repeat(5_000);
        final Set<String> longFilter = collect(connect(1, "sub-long"), "long/" + longLevel + "/#",
            MqttQos.AT_LEAST_ONCE);
        awaitRoutes(publisher, "long/" + longLevel + "/t", List.of(longFilter));

        // A publisher on another node reaches the first node's subscriber, and one node's several subscribers.
        final Set<String> back = collect(connect(0, "sub-back"), "plant/+/pressure", MqttQos.AT_LEAST_ONCE);
        final Mqtt5BlockingClient publisher2 = connect(2, "pub2");
        awaitRoutes(publisher2, "plant/9/pressure", List.of(back, hash));
        publishNumbered(publisher2, "plant/9/pressure", "p-", 100);
        assertTrue(BrokerProcess.await(() -> count(back, "p-") == 100, Duration.ofSeconds(20)),
            "node 2 to node 0: " + count(back, "p-"));

        // One connection per client id across the nodes: the same id on node 2 takes it over from node 1 (0x8E).
        final AtomicReference<Throwable> cause = new AtomicReference<>();
        final Mqtt5BlockingClient first = MqttClient.builder().useMqttVersion5().identifier("same-id")
            .serverHost(HOSTS[1]).serverPort(nodes[1].port())
            .addDisconnectedListener(context -> cause.compareAndSet(null, context.getCause())).buildBlocking();
        first.connect();
        // The directory orders claims as the control plane receives them: the first claim is answered before the
        // second client connects (simultaneous connections of one id end with the later claim in the log).
        BrokerProcess.pause(1000);
        final Mqtt5BlockingClient second = connect(2, "same-id");
        assertTrue(BrokerProcess.await(() -> null != cause.get(), Duration.ofSeconds(20)),
            "the connection on node 1 is closed when the same client id connects to node 2");
        assertTrue(cause.get() instanceof Mqtt5DisconnectException &&
            Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER ==
            ((Mqtt5DisconnectException)cause.get()).getMqttMessage().getReasonCode(), "0x8E: " + cause.get());
        assertTrue(second.getState().isConnected(), "the new connection stays");

        // A will published by node 1 (DISCONNECT 0x04) reaches a subscriber on node 2.
        final Set<String> wills = collect(connect(2, "sub-wills"), "wills/#", MqttQos.AT_LEAST_ONCE);
        final Mqtt5BlockingClient dying = MqttClient.builder().useMqttVersion5().identifier("dying")
            .serverHost(HOSTS[1]).serverPort(nodes[1].port()).buildBlocking();
        dying.connectWith().willPublish().topic("wills/dying").qos(MqttQos.AT_LEAST_ONCE)
            .payload("gone".getBytes(StandardCharsets.UTF_8)).applyWillPublish().send();
        awaitRoutes(connect(1, "pub-wills"), "wills/probe", List.of(wills));
        dying.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
        assertTrue(BrokerProcess.await(() -> wills.contains("gone"), Duration.ofSeconds(20)),
            "the will from node 1 on node 2: " + wills);
    }

    /** Publish QoS 1 probes until one is acknowledged with {@code code}: the publishing node's routes changed. */
    private static void awaitPubAck(final Mqtt5BlockingClient publisher, final String topic,
        final Mqtt5PubAckReasonCode code, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final Mqtt5PublishResult result;
            try
            {
                result = publisher.toAsync().publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload("probe".getBytes(StandardCharsets.UTF_8)).send().get(30, TimeUnit.SECONDS);
            }
            catch (final Exception ex)
            {
                throw new AssertionError("no PUBACK for " + topic + " within 30 s", ex);
            }
            if (code == ((Mqtt5PublishResult.Mqtt5Qos1Result)result).getPubAck().getReasonCode())
            {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "no PUBACK " + code + " for " + topic + " within " +
                timeout.toSeconds() + " s");
            BrokerProcess.pause(100);
        }
    }

    /**
     * A real partition of a running node (iptables drops the UDP between it and the other two; its clients' TCP still
     * works), checked against what DESIGN.md section 7 says happens on each side: the majority routes on and drops the
     * node's routes once its lease ends; the node cut off serves its own clients locally, takes back its own client
     * ids and refuses new ones (0x88); once healed it rejoins and is routed to again, and takes new ids again. The
     * node cut off is one that is not the control plane's leader.
     */
    @Test
    void shouldBehaveAsWrittenOnBothSidesOfAPartition() throws Exception
    {
        startCluster();
        assertTrue(BrokerProcess.await(() -> leader() >= 0, ROUTE_TIMEOUT), "a leader");
        // Not node 0: on loopback every unbound socket sends from 127.0.0.1, so dropping what goes to 127.0.0.1 would
        // also drop the status messages every node's publications get back, and cut every node off.
        final int cut = 1 == leader() ? 2 : 1;
        final int majoritySub = (cut + 1) % 3 == leader() ? (cut + 2) % 3 : (cut + 1) % 3;
        final int majorityPub = 3 - cut - majoritySub;
        final Set<String> onMajority = collect(connect(majoritySub, "sub-majority"), "part/#", MqttQos.AT_LEAST_ONCE);
        final Inbox own = new Inbox();
        final Mqtt5BlockingClient ownClient = persistent(cut, "minority-own", true, own);
        // A client with a will stays connected to the node cut off: for the majority it is gone with its node.
        client(cut, "cut-testator").connectWith().willPublish().topic("part/will").qos(MqttQos.AT_LEAST_ONCE)
            .payload("partition-testament".getBytes(StandardCharsets.UTF_8)).applyWillPublish().send();
        ownClient.subscribeWith().topicFilter("part/#").qos(MqttQos.AT_LEAST_ONCE).send();
        ownClient.subscribeWith().topicFilter("local/#").qos(MqttQos.AT_LEAST_ONCE).send();
        ownClient.subscribeWith().topicFilter("onlycut/#").qos(MqttQos.AT_LEAST_ONCE).send();
        final Mqtt5BlockingClient minorityPub = connect(cut, "pub-minority");
        final Mqtt5BlockingClient publisher = connect(majorityPub, "pub-majority");
        awaitRoutes(publisher, "part/probe", List.of(onMajority, own.received));
        awaitPubAck(publisher, "onlycut/x", Mqtt5PubAckReasonCode.SUCCESS, ROUTE_TIMEOUT);

        final Steps steps = new Steps("partition of node " + cut + " (leader " + leader() + ")");
        final Partition partition = new Partition(HOSTS[cut]);
        final double routesGoneS;
        final double refusedS;
        final boolean ownBack;
        try
        {
            // The majority: routing goes on; the node's routes go once its lease ends.
            publishBounded(publisher, "part/x", "during-", 50);
            assertTrue(BrokerProcess.await(() -> count(onMajority, "during-") == 50, Duration.ofSeconds(20)),
                "between the majority's nodes: " + count(onMajority, "during-"));
            steps.done("routing between the majority's nodes");
            awaitLog(majorityPub, "cluster: node " + cut + " is down");
            routesGoneS = steps.done("the node's lease ended on the majority (its routes held)");
            assertTrue(BrokerProcess.await(() -> onMajority.contains("partition-testament"), Duration.ofSeconds(10)),
                "the majority publishes the will of a client of the node cut off once the node's lease ends");
            steps.done("the will of the node's client published on the majority");
            publishBounded(publisher, "onlycut/x", "held-", 20);     // kept for the node cut off
            steps.done("published for the node cut off: acknowledged, kept");

            // The node cut off: its clients are served locally; new ids are refused once it knows it is cut off.
            publishBounded(minorityPub, "local/x", "local-", 20);
            assertTrue(BrokerProcess.await(() -> count(own.received, "local-") == 20, Duration.ofSeconds(10)),
                "local delivery on the node cut off: " + count(own.received, "local-"));
            steps.done("local delivery on the node cut off");
            final long deadline = System.nanoTime() + ROUTE_TIMEOUT.toNanos();
            Mqtt5ConnAckReasonCode code = Mqtt5ConnAckReasonCode.SUCCESS;
            for (int i = 0; Mqtt5ConnAckReasonCode.SUCCESS == code && System.nanoTime() < deadline; i++)
            {
                code = connectCode(cut, "stranger-" + i);
                BrokerProcess.pause(Mqtt5ConnAckReasonCode.SUCCESS == code ? 250 : 0);
            }
            assertEquals(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE, code, "a new client id on the node cut off");
            refusedS = steps.done("a new client id refused");
            ownClient.toAsync().disconnect().get(10, TimeUnit.SECONDS);
            ownBack = resume(cut, "minority-own", own);
            steps.done("its own client back");
        }
        catch (final Throwable ex)
        {
            nodes[cut].logLines().stream().filter(l -> l.contains("cluster") || l.contains("refused"))
                .forEach(l -> System.out.println("node " + cut + ": " + l));
            throw ex;
        }
        finally
        {
            partition.heal();
        }
        final long healedNs = System.nanoTime();
        assertTrue(BrokerProcess.await(() -> count(own.received, "held-") == 20 &&
            count(own.received, "during-") == 50, ROUTE_TIMEOUT), "replayed to the healed node's own client: " +
            count(own.received, "held-") + " of 20 published after its lease ended, " +
            count(own.received, "during-") + " of 50 before");
        final double routedAgainS = (System.nanoTime() - healedNs) / 1e9;
        steps.done("healed: what was published meanwhile replayed");
        assertTrue(BrokerProcess.await(() -> Mqtt5ConnAckReasonCode.SUCCESS == connectCode(cut, "newcomer"),
            ROUTE_TIMEOUT), "a new client id once healed");
        publishBounded(publisher, "part/x", "after-", 20);
        assertTrue(BrokerProcess.await(() -> count(own.received, "after-") == 20, Duration.ofSeconds(20)),
            "from the majority to the healed node's own client: " + count(own.received, "after-"));
        System.out.println(String.format(Locale.ROOT, "ClusterIT partition (iptables) of node %d: its lease ended " +
            "on the majority %.1f s after the cut (routes held), new ids refused (0x88) from %.1f s, its own client " +
            "back on it (session present %s); healed: the 70 messages published for it meanwhile replayed %.1f s " +
            "after, new ids taken", cut, routesGoneS, refusedS, ownBack, routedAgainS));
        assertTrue(ownBack, "the node cut off takes back a client id it owns, with its session");
        nodes[cut].assertAlive("after the partition");
    }

    /** Prints the log lines of these nodes that pass the filter, each with its node. */
    private void printLogs(final int[] which, final java.util.function.Predicate<String> filter)
    {
        for (final int node : which)
        {
            nodes[node].logLines().stream().filter(filter).forEach(l -> System.out.println("node " + node + ": " + l));
        }
    }

    /** Waits (within {@link #ROUTE_TIMEOUT}) for a line of {@code node}'s log that contains {@code text}. */
    private void awaitLog(final int node, final String text)
    {
        assertTrue(BrokerProcess.await(() -> nodes[node].logLines().stream().anyMatch(l -> l.contains(text)),
            ROUTE_TIMEOUT), "node " + node + " logs '" + text + "'");
    }

    /** Prints each step of a long test with the seconds since it began, so a log shows where one stopped. */
    private static final class Steps
    {
        private final String what;
        private final long startNs = System.nanoTime();

        Steps(final String what)
        {
            this.what = what;
        }

        double done(final String step)
        {
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            System.out.println(String.format(Locale.ROOT, "ClusterIT %s: %s at %.1f s", what, step, seconds));
            return seconds;
        }
    }

    /** QoS 1 publishes, all acknowledged with success within 60 s (never blocks for ever). */
    private static void publishBounded(final Mqtt5BlockingClient publisher, final String topic, final String prefix,
        final int count) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < count; i++)
        {
            final Mqtt5PublishResult result = publisher.toAsync().publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload((prefix + i).getBytes(StandardCharsets.UTF_8)).send()
                .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertTrue(result.getError().isEmpty(), "publish of " + prefix + i + ": " + result.getError());
        }
    }

    /** @return the CONNACK reason code a new client with this id gets on {@code node} (disconnected at once). */
    private Mqtt5ConnAckReasonCode connectCode(final int node, final String id)
    {
        final Mqtt5BlockingClient client = client(node, id);
        try
        {
            client.toAsync().connect().get(15, TimeUnit.SECONDS);
            client.toAsync().disconnect().get(10, TimeUnit.SECONDS);
            return Mqtt5ConnAckReasonCode.SUCCESS;
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            if (ex.getCause() instanceof Mqtt5ConnAckException refused)
            {
                return refused.getMqttMessage().getReasonCode();
            }
            throw new AssertionError("connect of " + id + " to node " + node, ex);
        }
        catch (final java.util.concurrent.TimeoutException | InterruptedException ex)
        {
            throw new AssertionError("no CONNACK for " + id + " from node " + node + " within 15 s", ex);
        }
    }

    /**
     * Drops the UDP (Aeron: the control plane and the data plane) between one address and others, both ways, with
     * iptables; MQTT over TCP is untouched. Needs root and iptables: CI installs it; elsewhere the test is skipped
     * without them.
     */
    private static final class Partition
    {
        private static final String TAG = "ringmq-clusterit";
        private final List<List<String>> rules = new ArrayList<>();

        Partition(final String node) throws IOException, InterruptedException
        {
            if (!run(List.of("iptables", "-S", "INPUT")))
            {
                assertTrue(null == System.getenv("CI"), "CI runs this test with iptables as root");
                org.junit.jupiter.api.Assumptions.assumeTrue(false, "iptables is not usable here");
            }
            // Every datagram to the node is dropped, whatever its source: on loopback the kernel gives unbound
            // sockets 127.0.0.1 as their source, so the node's own datagrams cannot be told apart by address. With
            // nothing coming back (no status messages, no egress), its publications stop within Aeron's timeouts.
            final List<String> rule = List.of("INPUT", "-p", "udp", "-d", node, "-m", "comment", "--comment", TAG,
                "-j", "DROP");
            final List<String> add = new ArrayList<>(List.of("iptables", "-I"));
            add.addAll(rule);
            assertTrue(run(add), "iptables " + add);
            rules.add(rule);
        }

        void heal() throws IOException, InterruptedException
        {
            for (final List<String> rule : rules)
            {
                final List<String> delete = new ArrayList<>(List.of("iptables", "-D"));
                delete.addAll(rule);
                run(delete);
            }
            rules.clear();
        }

        private static boolean run(final List<String> command) throws IOException, InterruptedException
        {
            try
            {
                final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                return process.waitFor(10, TimeUnit.SECONDS) && 0 == process.exitValue();
            }
            catch (final IOException ex)
            {
                return false;
            }
        }
    }

    @Test
    void shouldKeepRoutingPastAFrozenNodeAndTakeItBackWhenItResumes() throws Exception
    {
        startCluster();
        final Set<String> onOne = collect(connect(1, "sub-zone-1"), "zone/+/t", MqttQos.AT_LEAST_ONCE);
        final Set<String> onTwo = collect(connect(2, "sub-zone-2"), "zone/+/t", MqttQos.AT_LEAST_ONCE);
        final Set<String> onlyTwo = collect(connect(2, "sub-only-2"), "only2/#", MqttQos.AT_LEAST_ONCE);
        final Mqtt5BlockingClient publisher = connect(0, "pub-zone");
        awaitRoutes(publisher, "zone/a/t", List.of(onOne, onTwo));
        awaitPubAck(publisher, "only2/x", Mqtt5PubAckReasonCode.SUCCESS, ROUTE_TIMEOUT);

        // Node 2 frozen (SIGSTOP) for 12 s, as a node cut off from the others: routing between nodes 0 and 1 goes on
        // (the publisher's PUBACKs for what also goes to node 2 wait until node 2 has left); once its 5 s lease ends
        // (later if it was the control plane's leader: an election comes first) the others hold its routes and keep
        // what they forward to it. Longer than Aeron's default 10 s client timeouts, which the node raises so that
        // it survives (DESIGN.md 7).
        nodes[2].signal("STOP");
        final long stoppedNs = System.nanoTime();
        double leaseEndedS = -1;
        try
        {
            publishNumbered(publisher, "zone/a/t", "during-", 100);
            assertTrue(BrokerProcess.await(() -> count(onOne, "during-") == 100, Duration.ofSeconds(6)),
                "node 0 to node 1 with node 2 frozen: " + count(onOne, "during-"));
            if (BrokerProcess.await(() -> nodes[0].logLines().stream()
                .anyMatch(l -> l.contains("cluster: node 2 is down")), FREEZE.minusSeconds(1)))
            {
                leaseEndedS = (System.nanoTime() - stoppedNs) / 1e9;
                publishBounded(publisher, "only2/x", "held-", 20);     // kept for node 2 while it is away
            }
            BrokerProcess.pause(Math.max(0, (FREEZE.toNanos() - (System.nanoTime() - stoppedNs)) / 1_000_000));
        }
        finally
        {
            nodes[2].signal("CONT");
        }
        final double leaseS = leaseEndedS;

        // Resumed, it finds its lease gone, joins again and sends its routes again; node 0 replays what it kept for
        // it, and its clients (still connected) receive what was published during the freeze, and from then on.
        final long resumedNs = System.nanoTime();
        assertTrue(BrokerProcess.await(() -> count(onTwo, "during-") == 100 &&
            (leaseS < 0 || count(onlyTwo, "held-") == 20), ROUTE_TIMEOUT), "replayed to node 2 after SIGCONT: " +
            count(onTwo, "during-") + " of 100 published during the freeze, " + count(onlyTwo, "held-") +
            " of 20 after its lease ended");
        System.out.println(String.format(Locale.ROOT, "ClusterIT freeze of node 2: its lease ended on node 0 %s; " +
            "everything published meanwhile replayed to it %.1f s after SIGCONT", leaseS < 0 ? "not within the " +
            "freeze (it was the leader)" : String.format(Locale.ROOT, "%.1f s after SIGSTOP", leaseS),
            (System.nanoTime() - resumedNs) / 1e9));
        publishNumbered(publisher, "zone/a/t", "after-", 50);
        assertTrue(BrokerProcess.await(() -> count(onTwo, "after-") == 50 && count(onOne, "after-") == 50,
            Duration.ofSeconds(20)), "after node 2 resumed: node 2 " + count(onTwo, "after-") + ", node 1 " +
            count(onOne, "after-"));
        nodes[2].assertAlive("after SIGCONT");
    }

    @Test
    void shouldGiveASharedGroupEachMessageOnceAcrossNodes() throws Exception
    {
        startCluster();
        final ConcurrentHashMap<String, Integer> received = new ConcurrentHashMap<>();
        final int[] memberNodes = {1, 1, 2};
        final AtomicIntegerArray perNode = new AtomicIntegerArray(3);
        for (int i = 0; i < memberNodes.length; i++)
        {
            final int node = memberNodes[i];
            connect(node, "worker-" + i).toAsync().subscribeWith().topicFilter("$share/workers/jobs/#")
                .qos(MqttQos.AT_LEAST_ONCE).callback(publish ->
                {
                    received.merge(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8), 1, Integer::sum);
                    perNode.incrementAndGet(node);
                }).send().join();
        }
        // The SUBACKs came once every node routes the group's filter to the members' nodes: no probing.
        publishNumbered(connect(0, "pub-jobs-0"), "jobs/a", "from-0-", 300);
        publishNumbered(connect(1, "pub-jobs-1"), "jobs/b", "from-1-", 100);
        assertTrue(BrokerProcess.await(() -> received.size() == 400, Duration.ofSeconds(20)),
            "every job reaches the group: " + received.size() + " of 400");
        BrokerProcess.pause(500);
        assertEquals(400, received.values().stream().mapToInt(Integer::intValue).sum(),
            "each job once across the nodes, no duplicates");
        assertTrue(perNode.get(1) > 0 && perNode.get(2) > 0, "both nodes' members get jobs: node 1 " +
            perNode.get(1) + ", node 2 " + perNode.get(2));
    }

    /** The retained payloads a new subscriber to {@code filter} on a node gets within half a second. */
    private Set<String> retainedOn(final int node, final String filter)
    {
        final Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5()
            .identifier("retained-probe-" + System.nanoTime()).serverHost(HOSTS[node]).serverPort(nodes[node].port())
            .buildBlocking();
        client.connect();
        try
        {
            final Set<String> received = ConcurrentHashMap.newKeySet();
            client.toAsync().subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> received.add(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                .send().join();
            BrokerProcess.pause(500);
            return Set.copyOf(received);
        }
        finally
        {
            client.disconnect();
        }
    }

    private void awaitRetained(final int node, final String filter, final Set<String> expected)
    {
        final AtomicReference<Set<String>> last = new AtomicReference<>();
        assertTrue(BrokerProcess.await(() ->
        {
            last.set(retainedOn(node, filter));
            return expected.equals(last.get());
        }, Duration.ofSeconds(30)), "retained messages for " + filter + " on node " + node + ": " + last.get() +
            ", expected " + expected);
    }

    @Test
    void shouldServeRetainedMessagesFromEveryNode() throws Exception
    {
        startCluster();
        // Published where no node has a subscriber: only the control plane carries them to the other nodes.
        final Mqtt5BlockingClient publisher = connect(0, "pub-retained");
        publisher.publishWith().topic("device/1/state").qos(MqttQos.AT_LEAST_ONCE).retain(true)
            .payload("online".getBytes(StandardCharsets.UTF_8)).send();
        publisher.publishWith().topic("device/2/state").qos(MqttQos.AT_MOST_ONCE).retain(true)
            .payload("idle".getBytes(StandardCharsets.UTF_8)).send();
        awaitRetained(2, "device/+/state", Set.of("online", "idle"));
        awaitRetained(1, "device/1/#", Set.of("online"));

        // Replaced on node 2, cleared on node 1: every node ends with the same store.
        connect(2, "pub-retained-2").publishWith().topic("device/1/state").qos(MqttQos.AT_LEAST_ONCE).retain(true)
            .payload("offline".getBytes(StandardCharsets.UTF_8)).send();
        connect(1, "pub-retained-1").publishWith().topic("device/2/state").qos(MqttQos.AT_LEAST_ONCE).retain(true)
            .payload(new byte[0]).send();
        for (int node = 0; node < 3; node++)
        {
            awaitRetained(node, "device/#", Set.of("offline"));
        }
        assertSysPerNode();

        // A clean stop publishes no will of its connected clients, as on a single broker, although its lease ends.
        final AtomicInteger testaments = clientWithAWill(1, "stop-testament");
        nodes[1].signal("TERM");
        assertTrue(BrokerProcess.await(() -> !nodes[1].isAlive(), Duration.ofSeconds(30)), "node 1 stopped");
        awaitLog(0, "cluster: node 1 is down");
        BrokerProcess.pause(3000);  // a will taken over with no delay would be published within milliseconds
        assertEquals(0, testaments.get(), "the will of a client of a node stopped cleanly");
    }

    /**
     * {@code $SYS} is per node: never forwarded or replicated. Node i gets 2i more clients; its own
     * {@code $SYS/broker/clients/connected} (published when it changes, checked every second: --sys-interval 1)
     * then says so, and nothing else.
     */
    private void assertSysPerNode()
    {
        final List<List<Long>> seen = new ArrayList<>();
        final AtomicLongArray lastNs = new AtomicLongArray(3);
        for (int node = 0; node < 3; node++)
        {
            final List<Long> values = new CopyOnWriteArrayList<>();
            seen.add(values);
            final int index = node;
            connect(node, "sys-" + node).toAsync().subscribeWith().topicFilter("$SYS/broker/clients/connected")
                .callback(p ->
                {
                    values.add(Long.parseLong(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
                    lastNs.set(index, System.nanoTime());
                }).send().join();
        }
        final long[] before = new long[3];
        final int[] marks = new int[3];
        for (int node = 0; node < 3; node++)
        {
            // A value is published when it changes: settled once nothing new came for 1.5 s (three intervals).
            final List<Long> values = seen.get(node);
            final int index = node;
            assertTrue(BrokerProcess.await(() -> !values.isEmpty() &&
                System.nanoTime() - lastNs.get(index) > 1_500_000_000L, Duration.ofSeconds(15)),
                "$SYS on node " + node + ": " + values);
            before[node] = values.get(values.size() - 1);
            marks[node] = values.size();
            for (int extra = 0; extra < 2 * node; extra++)
            {
                connect(node, "sys-extra-" + node + "-" + extra);
            }
        }
        for (int node = 0; node < 3; node++)
        {
            final List<Long> values = seen.get(node);
            final long expected = before[node] + 2L * node;
            assertTrue(BrokerProcess.await(() -> values.get(values.size() - 1) == expected, Duration.ofSeconds(10)),
                "node " + node + "'s own count, " + expected + ": " + values);
            for (final long value : values.subList(marks[node], values.size()))
            {
                assertTrue(value >= before[node] && value <= expected,
                    "only node " + node + "'s own $SYS there: " + values);
            }
        }
    }

    @Test
    void shouldKeepRoutingBetweenTheSurvivorsWhenANodeIsKilled() throws Exception
    {
        startCluster();
        final Set<String> onOne = collect(connect(1, "sub-1"), "fleet/+/state", MqttQos.AT_LEAST_ONCE);
        final Mqtt5BlockingClient onTwo = connect(2, "sub-2");
        final AtomicLong lastOnTwoNs = new AtomicLong();
        final AtomicLong steadyOnTwo = new AtomicLong();
        onTwo.toAsync().subscribeWith().topicFilter("fleet/b/state").qos(MqttQos.AT_LEAST_ONCE)
            .callback(publish ->
            {
                lastOnTwoNs.set(System.nanoTime());
                steadyOnTwo.incrementAndGet();
            }).send().join();
        final Mqtt5BlockingClient publisher = connect(0, "pub-0");
        awaitRoutes(publisher, "fleet/a/state", List.of(onOne));

        // A steady publisher on node 0 while node 2, where one subscriber is, dies: that client reconnects to node 1.
        final AtomicBoolean publishing = new AtomicBoolean(true);
        final Thread steady = new Thread(() ->
        {
            for (int i = 0; publishing.get() && i < 60_000; i++)
            {
                publisher.publishWith().topic("fleet/b/state").qos(MqttQos.AT_MOST_ONCE)
                    .payload(("steady-" + i).getBytes(StandardCharsets.UTF_8)).send();
                BrokerProcess.pause(5);
            }
        }, "steady-publisher");
        steady.start();
        try
        {
            assertTrue(BrokerProcess.await(() -> steadyOnTwo.get() >= 100, Duration.ofSeconds(20)),
                "the subscriber on node 2 receives the steady flow before the kill: " + steadyOnTwo.get());
            final long killedNs = System.nanoTime();
            nodes[2].kill();
            assertTrue(BrokerProcess.await(() -> !onTwo.getState().isConnected(), Duration.ofSeconds(20)),
                "the client on node 2 sees its node die");
            final long lastBeforeNs = lastOnTwoNs.get();
            final AtomicLong firstAfterNs = new AtomicLong();
            connect(1, "sub-2").toAsync().subscribeWith().topicFilter("fleet/b/state").qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> firstAfterNs.compareAndSet(0, System.nanoTime())).send().join();
            assertTrue(BrokerProcess.await(() -> firstAfterNs.get() != 0, Duration.ofSeconds(20)),
                "the client that moved to node 1 receives again");
            System.out.println(String.format(Locale.ROOT, "ClusterIT fail-over: last message before the kill " +
                "%.1f ms before it, first after reconnecting to node 1 %.1f ms after it: a gap of %.1f ms",
                (killedNs - lastBeforeNs) / 1e6, (firstAfterNs.get() - killedNs) / 1e6,
                (firstAfterNs.get() - lastBeforeNs) / 1e6));
        }
        finally
        {
            publishing.set(false);
            steady.join();
        }

        publishNumbered(publisher, "fleet/a/state", "after-kill-", 100);
        assertTrue(BrokerProcess.await(() -> count(onOne, "after-kill-") == 100, Duration.ofSeconds(30)),
            "node 0 to node 1 with node 2 dead: " + count(onOne, "after-kill-"));
    }

    /** Acknowledgements the publisher got while the subscriber's node was frozen (printed). */
    private int frozenAcked;

    /** A client with a persistent session (an hour) on {@code node}; the payloads it receives go to {@code inbox}. */
    private Mqtt5BlockingClient persistent(final int node, final String id, final boolean cleanStart,
        final Consumer<String> inbox)
    {
        return connectPersistent(node, id, cleanStart, inbox).client();
    }

    /** A persistent subscriber on one node and a publisher on node 0 whose messages reach it. */
    private record Flowing(Mqtt5BlockingClient subscriber, Mqtt5BlockingClient publisher)
    {
    }

    /**
     * A persistent subscriber ({@code id}, clean start) to {@code prefix#} at QoS 2 on {@code node}, its payloads to
     * {@code inbox}, and a publisher {@code pub-id} on node 0, once the routes between them are confirmed.
     */
    private Flowing subscribedAcross(final int node, final String id, final String prefix, final Inbox inbox)
    {
        final Mqtt5BlockingClient subscriber = persistent(node, id, true, inbox);
        subscriber.subscribeWith().topicFilter(prefix + "#").qos(MqttQos.EXACTLY_ONCE).send();
        final Mqtt5BlockingClient publisher = connect(0, "pub-" + id);
        awaitRoutes(publisher, prefix + "probe", List.of(inbox.received));
        return new Flowing(subscriber, publisher);
    }

    /** A connected client and whether its session was present. */
    private record Connected(Mqtt5BlockingClient client, boolean sessionPresent)
    {
    }

    private Connected connectPersistent(final int node, final String id, final boolean cleanStart,
        final Consumer<String> inbox)
    {
        final Mqtt5BlockingClient client = client(node, id);
        // Before CONNECT: the messages the session queued come first.
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL,
            publish -> inbox.accept(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        final boolean present = client.connectWith().cleanStart(cleanStart).sessionExpiryInterval(3600).send()
            .isSessionPresent();
        clients.add(client);
        return new Connected(client, present);
    }

    /**
     * SIGSTOP for half a second, then kill -9, of the node an offline persistent session is on, under a flow of QoS 1
     * and QoS 2 messages from another node: every message acknowledged to the publisher before the kill reaches the
     * subscriber once its node is back, and no QoS 2 message twice. (The origin acknowledges only after the
     * subscriber's node has routed the forward and journaled it for the session; without that, what the origin sent
     * during the freeze was acknowledged and lost.)
     */
    @Test
    void shouldDeliverEveryMessageAcknowledgedBeforeTheSubscribersNodeWasKilled() throws Exception
    {
        startCluster();
        final Inbox inbox = new Inbox();
        final Set<String> received = inbox.received;
        final Flowing across = subscribedAcross(2, "durable-2", "crash/", inbox);
        final Mqtt5BlockingClient subscriber = across.subscriber();
        final Mqtt5BlockingClient publisher = across.publisher();
        // Offline: what is published now waits in its session on node 2, in that node's journal only.
        subscriber.disconnect();

        final QosOneFlow flow = new QosOneFlow(publisher, "crash/", 0, true);
        final Set<String> ackedBeforeKill = flow.acked;
        try
        {
            assertTrue(BrokerProcess.await(() -> ackedBeforeKill.size() >= 1_000, Duration.ofSeconds(60)),
                "acknowledged before the kill: " + ackedBeforeKill.size());
            // Frozen for half a second first, as a node stalls before it dies: what the origin sends meanwhile waits
            // in the frozen node's buffers, not in its journal, and must not be acknowledged.
            frozenAcked = ackedBeforeKill.size();
            nodes[2].signal("STOP");
            BrokerProcess.pause(500);
            frozenAcked = ackedBeforeKill.size() - frozenAcked;
            flow.stopRecording();
            nodes[2].kill();
        }
        finally
        {
            flow.stop();
        }
        final int receivedBeforeKill = (int)count(received, "m-");
        nodes[2].startOrFail("node 2 after kill -9", options.get(2));
        persistent(2, "durable-2", false, inbox);
        final boolean all = BrokerProcess.await(() -> received.containsAll(ackedBeforeKill), Duration.ofSeconds(60));
        BrokerProcess.pause(1000);  // anything delivered twice would come now
        final List<String> twice = inbox.twice();
        final long qos2Twice = twice.stream().filter(QosOneFlow::qos2).count();
        final Set<String> missing = inbox.missing(ackedBeforeKill);
        System.out.println(String.format(Locale.ROOT, "ClusterIT kill -9 of the subscriber's node: %d acknowledged " +
            "before the kill (QoS 1 and 2 alternately; %d while it was frozen), %d received before it, %d after the " +
            "restart in all, %d missing, %d delivered twice (%d of them QoS 2)", ackedBeforeKill.size(), frozenAcked,
            receivedBeforeKill, count(received, "m-"), missing.size(), twice.size(), qos2Twice));
        assertTrue(all, missing.size() + " messages acknowledged before the kill never arrived, e.g. " +
            missing.stream().limit(5).toList());
        assertEquals(0, qos2Twice, "QoS 2 exactly once: " + twice);
    }

    /**
     * A persistent session moves to another node under a flow of QoS 1 and QoS 2 messages from a third: the client
     * leaves node 1 (its session queues there), resumes on node 2 and gets session present; every message
     * acknowledged to the publisher arrives, and no QoS 2 message twice, whether it was queued on node 1, in flight
     * around the move, or routed to node 2 after it.
     */
    @Test
    void shouldMoveAPersistentSessionToAnotherNodeWithItsQueueAndLoseNothing() throws Exception
    {
        startCluster();
        final Inbox inbox = new Inbox();
        final Set<String> received = inbox.received;
        final Flowing across = subscribedAcross(1, "mover", "move/", inbox);
        final Mqtt5BlockingClient subscriber = across.subscriber();
        final Mqtt5BlockingClient publisher = across.publisher();

        final QosOneFlow flow = new QosOneFlow(publisher, "move/", 0, true);
        final long resumeMs;
        final boolean sessionPresent;
        final int queuedOnOne;
        try
        {
            assertTrue(BrokerProcess.await(() -> flow.acked.size() >= 300, Duration.ofSeconds(60)));
            // Quiet first, so that no QoS 2 exchange is half done in the client when it leaves: a new client object
            // resumes the session and knows nothing of its predecessor's packet ids (the unit test moves deliveries
            // in flight; SessionHandoffTest).
            flow.pause(true);
            BrokerProcess.pause(500);
            assertTrue(BrokerProcess.await(() -> received.containsAll(flow.acked), Duration.ofSeconds(30)));
            BrokerProcess.pause(200);
            subscriber.disconnect();
            flow.pause(false);
            final int before = (int)count(received, "m-");
            final int ackedAtLeave = flow.acked.size();
            assertTrue(BrokerProcess.await(() -> flow.acked.size() >= ackedAtLeave + 500, Duration.ofSeconds(60)),
                "the flow goes on while the session is offline");
            queuedOnOne = flow.acked.size() - before;
            final long start = System.nanoTime();
            sessionPresent = resume(2, "mover", inbox);
            resumeMs = (System.nanoTime() - start) / 1_000_000;
            final int ackedAtMove = flow.acked.size();
            assertTrue(BrokerProcess.await(() -> flow.acked.size() >= ackedAtMove + 500, Duration.ofSeconds(60)),
                "the flow goes on after the move");
            flow.stopRecording();
        }
        finally
        {
            flow.stop();
        }
        final Set<String> acked = flow.acked;
        final boolean all = BrokerProcess.await(() -> received.containsAll(acked), Duration.ofSeconds(30));
        BrokerProcess.pause(1000);  // anything delivered twice would come now
        final List<String> twice = inbox.twice();
        final Set<String> missing = inbox.missing(acked);
        System.out.println(String.format(Locale.ROOT, "ClusterIT session move from node 1 to node 2: %d " +
            "acknowledged, about %d queued on node 1 at the move, CONNECT to CONNACK on node 2 %d ms (session " +
            "present %s), %d missing, %d delivered twice (%d of them QoS 2)", acked.size(), queuedOnOne, resumeMs,
            sessionPresent,
            missing.size(), twice.size(), twice.stream().filter(QosOneFlow::qos2).count()));
        assertTrue(sessionPresent, "the session came with the client");
        assertTrue(all, missing.size() + " acknowledged messages never arrived, e.g. " +
            missing.stream().limit(5).toList());
        assertEquals(0, twice.stream().filter(QosOneFlow::qos2).count(), "QoS 2 exactly once: " + twice);
    }

    /**
     * One client id resumes on two nodes at once while its persistent session, with 200 queued QoS 1 messages, lives
     * on a third. The directory serialises the two claims: whatever each CONNECT gets (the session, a refusal to be
     * retried, or a connection later taken over), at most one connection is left for the id, and once the client
     * has resumed for good every queued message has arrived, in one connection or the other.
     */
    @Test
    void shouldServeTwoSimultaneousResumesOfOneClientIdWithOneConnectionAndNoLoss() throws Exception
    {
        startCluster();
        final Inbox inbox = new Inbox();
        final Flowing across = subscribedAcross(0, "twin", "twin/", inbox);
        across.subscriber().disconnect();
        publishNumbered(across.publisher(), "twin/q", "queued-", 200);

        final Mqtt5BlockingClient[] twins = {client(1, "twin"), client(2, "twin")};
        final String[] outcomes = new String[2];
        final Thread[] threads = new Thread[2];
        for (int i = 0; i < 2; i++)
        {
            final int n = i;
            twins[n].toAsync().publishes(MqttGlobalPublishFilter.ALL,
                publish -> inbox.accept(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)));
            threads[n] = new Thread(() -> outcomes[n] = resumeOutcome(twins[n]), "twin-" + (n + 1));
        }
        final long start = System.nanoTime();
        for (final Thread thread : threads)
        {
            thread.start();
        }
        for (final Thread thread : threads)
        {
            thread.join(40_000);
        }
        // Let a hand-off that is given back, or a takeover, settle.
        BrokerProcess.pause(12_000);
        final int connected = (twins[0].getState().isConnected() ? 1 : 0) + (twins[1].getState().isConnected() ? 1 : 0);
        final boolean found = 0 != connected || resume(1, "twin", inbox);
        final boolean all = BrokerProcess.await(() -> count(inbox.received, "queued-") == 200, Duration.ofSeconds(30));
        System.out.println(String.format(Locale.ROOT, "ClusterIT two resumes at once on nodes 1 and 2 of a session " +
            "on node 0: node 1 %s, node 2 %s; %d connection(s) left after %d ms; %d of 200 queued messages " +
            "arrived", outcomes[0], outcomes[1], connected, (System.nanoTime() - start) / 1_000_000,
            count(inbox.received, "queued-")));
        if (!all || connected > 1)
        {
            printLogs(new int[] {0, 1, 2}, l -> l.contains("twin"));
        }
        for (final Mqtt5BlockingClient twin : twins)
        {
            if (twin.getState().isConnected())
            {
                twin.disconnect();
            }
        }
        assertTrue(connected <= 1, "one connection per client id: node 1 " + outcomes[0] + ", node 2 " +
            outcomes[1]);
        assertTrue(all, "every queued message arrives: " + count(inbox.received, "queued-") + " of 200 (a " +
            "resume on node 1 afterwards found " + (found ? "the session" : "no session") + ")");
    }

    @Test
    void shouldHoldOnlyThePublisherFeedingABackedUpSubscriberOnAnotherNodeUntilItDrains() throws Exception
    {
        // Holds from 20 queued (half of 40), released at 10; a stall would release only after 10 s.
        startCluster("--max-inflight", "4", "--max-queued-messages", "40", "--max-ack-delay", "10000");
        final Mqtt5AsyncClient slow = connect(1, "bp-slow").toAsync();
        final List<Mqtt5Publish> unread = new CopyOnWriteArrayList<>();
        final AtomicBoolean reading = new AtomicBoolean();
        final Set<String> slowGot = ConcurrentHashMap.newKeySet();
        slow.subscribeWith().topicFilter("bp/slow").qos(MqttQos.AT_LEAST_ONCE).callback(publish ->
        {
            slowGot.add(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8));
            if (reading.get())
            {
                publish.acknowledge();
            }
            else
            {
                unread.add(publish);
            }
        }).manualAcknowledgement(true).send().join();
        final Set<String> fastGot = collect(connect(1, "bp-healthy"), "bp/fast", MqttQos.AT_LEAST_ONCE);
        final Mqtt5BlockingClient feeding = connect(0, "bp-feeding");
        final Mqtt5BlockingClient other = connect(0, "bp-other");
        awaitRoutes(feeding, "bp/slow", List.of(slowGot));
        awaitRoutes(other, "bp/fast", List.of(fastGot));

        final int count = 40;
        // Four in flight, then the queue: the 24th message's forward finds 20 queued (half of 40), so node 1 asks
        // node 0 to hold the publisher from that message on; the first 23 are acknowledged as their forwards are.
        final int acknowledged = 23;
        final List<CompletableFuture<Mqtt5PublishResult>> feeds = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            feeds.add(feeding.toAsync().publishWith().topic("bp/slow").qos(MqttQos.AT_LEAST_ONCE)
                .payload(("slow-" + i).getBytes(StandardCharsets.UTF_8)).send());
        }
        final boolean firstAcknowledged = BrokerProcess.await(
            () -> feeds.stream().filter(CompletableFuture::isDone).count() >= acknowledged, Duration.ofSeconds(10));
        // While the rest wait (for max-ack-delay, 10 s, at most), the other publisher is not slowed.
        final long otherStart = System.nanoTime();
        publishNumbered(other, "bp/fast", "fast-", 20);     // each waits for its PUBACK
        final long otherMs = (System.nanoTime() - otherStart) / 1_000_000;
        final long heldBack = feeds.stream().filter(f -> !f.isDone()).count();
        System.out.println(String.format(Locale.ROOT, "ClusterIT back-pressure across nodes: %d of %d PUBACKs of " +
            "the publisher feeding a subscriber that does not read on another node held; the other publisher's 20 " +
            "PUBACKs took %d ms meanwhile", heldBack, count, otherMs));
        if (!firstAcknowledged || count - acknowledged != heldBack)
        {
            printLogs(new int[] {0, 1}, l -> l.contains("hold"));
        }
        assertTrue(firstAcknowledged, "the first " + acknowledged + " messages, before the subscriber's queue " +
            "filled, are acknowledged (also when node 1 routed them in the batch that filled it): " +
            (count - heldBack) + " of " + count);
        assertEquals(count - acknowledged, heldBack, "the publisher feeding the backed-up subscriber on node 1 is " +
            "held from the message whose forward found the queue half full");
        // Its PUBACKs come from node 0, its deliveries through node 1: the last may still be on its way.
        BrokerProcess.await(() -> count(fastGot, "fast-") == 20, Duration.ofSeconds(2));
        assertEquals(20, count(fastGot, "fast-"), "the other publisher, held by nobody, went on");

        // The subscriber reads: its queue drains, node 1 tells node 0, the held PUBACKs go out long before 10 s.
        final long readStart = System.nanoTime();
        reading.set(true);
        for (final Mqtt5Publish publish : unread)
        {
            publish.acknowledge();
        }
        for (final CompletableFuture<Mqtt5PublishResult> feed : feeds)
        {
            assertTrue(feed.get(8, TimeUnit.SECONDS).getError().isEmpty());
        }
        final long releasedMs = (System.nanoTime() - readStart) / 1_000_000;
        assertTrue(BrokerProcess.await(() -> count(slowGot, "slow-") == count, Duration.ofSeconds(10)),
            "every message reaches the slow subscriber: " + count(slowGot, "slow-") + " of " + count);
        System.out.println(String.format(Locale.ROOT, "ClusterIT back-pressure across nodes: released %d ms after " +
            "the subscriber read again; %d of %d delivered", releasedMs, count(slowGot, "slow-"), count));
    }

    /** CONNECT with the session kept: "session present", "no session", or the refusal it got. */
    private static String resumeOutcome(final Mqtt5BlockingClient client)
    {
        try
        {
            return client.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent() ?
                "session present" : "no session";
        }
        catch (final Mqtt5ConnAckException ex)
        {
            return "refused " + ex.getMqttMessage().getReasonCode();
        }
        catch (final RuntimeException ex)
        {
            return "failed " + ex;
        }
    }

    /** What a subscriber received, and how often each payload came. */
    private static final class Inbox implements Consumer<String>
    {
        final Set<String> received = ConcurrentHashMap.newKeySet();
        private final Map<String, Integer> copies = new ConcurrentHashMap<>();

        private final AtomicLong lastNs = new AtomicLong();
        private final AtomicLong longestGapNs = new AtomicLong();
        /** The connections each payload came on, by number (see {@link #connection}). */
        private final Map<String, String> connections = new ConcurrentHashMap<>();
        /** The number of the subscriber's connection a payload comes on (a client's reconnects count up). */
        volatile IntSupplier connection = () -> 0;

        @Override
        public void accept(final String payload)
        {
            final long nowNs = System.nanoTime();
            final long lastNs = this.lastNs.getAndSet(nowNs);
            if (0 != lastNs)
            {
                longestGapNs.accumulateAndGet(nowNs - lastNs, Math::max);
            }
            received.add(payload);
            copies.merge(payload, 1, Integer::sum);
            connections.merge(payload, Integer.toString(connection.getAsInt()), (a, b) -> a + "," + b);
        }

        /** @return each payload of {@code payloads} with the numbers of the connections it came on. */
        String connectionsOf(final List<String> payloads)
        {
            return payloads.stream().map(p -> p + " on " + connections.get(p)).toList().toString();
        }

        /** @return the longest time between two payloads since the last call (counting from its time), in ns. */
        long longestGapNs()
        {
            final long nowNs = System.nanoTime();
            final long sinceLastNs = nowNs - lastNs.get();
            final long longest = Math.max(longestGapNs.getAndSet(0), sinceLastNs);
            lastNs.set(nowNs);
            return longest;
        }

        /** @return the payloads that came more than once. */
        List<String> twice()
        {
            return copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        }

        /** @return the payloads of {@code expected} that never came. */
        Set<String> missing(final Set<String> expected)
        {
            final Set<String> missing = ConcurrentHashMap.newKeySet();
            missing.addAll(expected);
            missing.removeAll(received);
            return missing;
        }
    }

    /**
     * The node a persistent session lives on is killed (kill -9) while its client is offline; the client resumes on
     * another node: refused with 0x88 while the session's node is down (the session comes back with it), then, once
     * the node is back, the session moves to where the client is, with every message acknowledged before the kill,
     * and no QoS 2 message twice.
     */
    @Test
    void shouldBringASessionBackFromAKilledNodeToWhereItsClientResumes() throws Exception
    {
        startCluster();
        final Inbox inbox = new Inbox();
        final Flowing across = subscribedAcross(1, "returner", "back/", inbox);
        final Mqtt5BlockingClient publisher = across.publisher();
        across.subscriber().disconnect();
        // A client of node 1 with a will: node 1 dies with it, so the control plane has node 0 publish the will,
        // once, also after node 1 is back (it finds the will in its journal and learns it was published).
        final AtomicLong testamentNs = new AtomicLong();
        final AtomicInteger testaments = clientWithAWill(1, "testament", testamentNs);
        final Mqtt5BlockingClient brief = briefSession(1);
        retain(0, "kept/gone", "stale");
        awaitRetained(1, "kept/#", Set.of("stale"));

        final QosOneFlow flow = new QosOneFlow(publisher, "back/", 0, true);
        try
        {
            assertTrue(BrokerProcess.await(() -> flow.acked.size() >= 500, Duration.ofSeconds(60)));
            flow.stopRecording();
        }
        finally
        {
            flow.stop();
        }
        brief.disconnect();
        final long killed = System.nanoTime();
        nodes[1].kill();
        final Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class,
            () -> resume(2, "returner", inbox), "a resume while the session's node is down");
        assertEquals(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE, refused.getMqttMessage().getReasonCode());
        // Published while node 1 is down: kept for it (routes held), replayed before its cut marker, moved with it.
        awaitLog(0, "cluster: node 1 is down");
        retain(0, "kept/gone", "");     // cleared while node 1 is down, whose journal still holds it
        retain(0, "kept/now", "fresh");
        final long briefMs = awaitFreshSession(2, "brief", killed);
        assertTrue(briefMs > 7_000, "not before it expired: " + briefMs + " ms");
        final Set<String> whileDown = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "down-" + i)
            .collect(java.util.stream.Collectors.toSet());
        publishBounded(publisher, "back/down", "down-", whileDown.size());
        assertTrue(BrokerProcess.await(() -> testaments.get() > 0, Duration.ofSeconds(30)),
            "the will of node 1's client, published by the cluster while node 1 is down");
        final long willMs = (testamentNs.get() - killed) / 1_000_000;

        nodes[1].startOrFail("node 1 after kill -9", options.get(1));
        try
        {
            final long restarted = System.nanoTime();
            final Resumed resumed = resumeOnceServed(2, "returner", inbox);
            final boolean sessionPresent = resumed.sessionPresent();
            final int refusals = 1 + resumed.refusals();
            final long resumedMs = (System.nanoTime() - restarted) / 1_000_000;
            awaitFreshSession(1, "brief", restarted);   // dropped by node 1 at its first sync: expired meanwhile
            awaitRetained(1, "kept/#", Set.of("fresh"));    // and the topic cleared meanwhile, named by that sync
            final boolean all = BrokerProcess.await(() -> inbox.received.containsAll(flow.acked) &&
                inbox.received.containsAll(whileDown), Duration.ofSeconds(30));
            BrokerProcess.pause(1000);  // anything delivered twice would come now
            final List<String> twice = inbox.twice();
            final Set<String> missing = inbox.missing(flow.acked);
            missing.addAll(inbox.missing(whileDown));
            System.out.println(String.format(Locale.ROOT, "ClusterIT session back from a killed node: %d " +
                "acknowledged before the kill and %d while it was down, %d resumes refused (0x88), the session on " +
                "node 2 %d ms after node 1 restarted (session present %s), %d missing, %d delivered twice (%d of " +
                "them QoS 2); the will of node 1's client arrived %d ms after the kill, %d time(s); a session of " +
                "node 1 with an 8 s expiry (its client gone just before the kill) started afresh on node 2 %d ms " +
                "after the kill",
                flow.acked.size(), whileDown.size(), refusals, resumedMs, sessionPresent, missing.size(), twice.size(),
                twice.stream().filter(QosOneFlow::qos2).count(), willMs, testaments.get(), briefMs));
            if (resumedMs > 5_000)
            {
                // Not a failure (each refusal is safe, and the client retries), but slow: show why.
                printLogs(new int[] {0, 1, 2}, l -> !l.contains("DEBUG") || l.contains("hand-off"));
            }
            assertTrue(sessionPresent, "the session came from node 1 once it was back");
            assertTrue(all, missing.size() + " acknowledged messages never arrived, e.g. " +
                missing.stream().limit(5).toList());
            assertEquals(0, twice.stream().filter(QosOneFlow::qos2).count(), "QoS 2 exactly once: " + twice);
            assertEquals(1, testaments.get(), "the will once, not again by node 1 from its journal");
        }
        catch (final RuntimeException | AssertionError ex)
        {
            printSessionLogs();
            throw ex;
        }
    }

    /** A resume that succeeded, whether its session was present, and how many tries were refused (0x88) before. */
    private record Resumed(boolean sessionPresent, int refusals)
    {
    }

    /** Resume a session, again every 250 ms while refused with 0x88 (its node is down or still coming back). */
    private Resumed resumeOnceServed(final int node, final String id, final Consumer<String> inbox)
    {
        int refusals = 0;
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true)
        {
            try
            {
                return new Resumed(resume(node, id, inbox), refusals);
            }
            catch (final Mqtt5ConnAckException ex)
            {
                assertEquals(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE, ex.getMqttMessage().getReasonCode());
                refusals++;
                assertTrue(System.nanoTime() - deadline < 0, id + " refused for 60 s, " + refusals + " times");
                BrokerProcess.pause(250);
            }
        }
    }

    /**
     * A persistent subscriber that keeps one client object, and with it the client's session state, across
     * reconnects: when its connection ends it connects again (resuming, every 250 ms while refused) to the node
     * {@link #target} names. Exactly once for QoS 2 needs the receiver's state too (a PUBLISH whose PUBREC the dead
     * node never journaled comes again, with DUP, from the session's next node; only the client that sent the PUBREC
     * knows not to deliver it twice), so a test of it must not start a new client for each connection.
     */
    private final class Roamer
    {
        final Inbox inbox = new Inbox();
        final AtomicInteger target;
        final AtomicInteger refusals = new AtomicInteger();
        /** Session present of the last connection, set before {@link #connections} counts it. */
        final AtomicBoolean sessionPresent = new AtomicBoolean();
        /** Connections made (the client's state says connected before its listeners have run). */
        final AtomicInteger connections = new AtomicInteger();
        final AtomicBoolean roaming = new AtomicBoolean(true);
        final Mqtt5BlockingClient client;

        Roamer(final int node, final String id)
        {
            target = new AtomicInteger(node);
            client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost(HOSTS[node])
                .serverPort(nodes[node].port())
                .addConnectedListener(context ->
                {
                    sessionPresent.set(((Mqtt5ClientConnectedContext)context).getConnAck().isSessionPresent());
                    connections.incrementAndGet();
                })
                .addDisconnectedListener(context ->
                {
                    if (context.getCause() instanceof Mqtt5ConnAckException refused &&
                        refused.getMqttMessage().getReasonCode() == Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE)
                    {
                        refusals.incrementAndGet();
                    }
                    if (roaming.get() && context.getSource() != MqttDisconnectSource.USER)
                    {
                        final int next = target.get();
                        ((Mqtt5ClientDisconnectedContext)context).getReconnector().reconnect(true)
                            .delay(250, TimeUnit.MILLISECONDS)
                            .transportConfig().serverHost(HOSTS[next]).serverPort(nodes[next].port())
                            .applyTransportConfig()
                            .connectWith().cleanStart(false).sessionExpiryInterval(3600).applyConnect();
                    }
                })
                .buildBlocking();
            inbox.connection = connections::get;
            client.toAsync().publishes(MqttGlobalPublishFilter.ALL,
                publish -> inbox.accept(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)));
            client.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
            clients.add(client);
        }
    }

    /**
     * Kill -9 of each node in turn (0, 1, 2) under QoS 1 and QoS 2 load, with persistent sessions on all three
     * nodes. In each round a publisher on each of the two other nodes sends to the three subscribers; the killed
     * node's subscribers reconnect to a survivor (refused with 0x88 until the node is back, whose sessions then move
     * there). Every message acknowledged to a publisher reaches every subscriber, no QoS 2 message twice, and the
     * survivors keep serving through the outage: each publisher gets 200 more acknowledgements while the node is
     * down (the longest pause the subscribers on the survivors saw is printed).
     */
    @Test
    void shouldLoseNothingAcknowledgedWhenEachNodeIsKilledInTurn() throws Exception
    {
        startCluster();
        final Roamer[] roamers = new Roamer[3];
        for (int s = 0; s < 3; s++)
        {
            roamers[s] = new Roamer(s, "roller-" + s);
            roamers[s].client.subscribeWith().topicFilter("roll/#").qos(MqttQos.EXACTLY_ONCE).send();
        }
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final List<String> report = new ArrayList<>();
        try
        {
            for (int victim = 0; victim < 3; victim++)
            {
                report.add(killInTurn(victim, roamers, acked));
            }
            BrokerProcess.pause(1000);  // anything delivered twice would come now
        }
        finally
        {
            for (final Roamer roamer : roamers)
            {
                roamer.roaming.set(false);
            }
            report.forEach(line -> System.out.println("ClusterIT each node killed in turn: " + line));
        }
        for (int s = 0; s < 3; s++)
        {
            final List<String> twice = roamers[s].inbox.twice();
            if (twice.stream().anyMatch(QosOneFlow::qos2))
            {
                printLogs(new int[] {0, 1, 2}, l -> l.contains("roller") || l.contains("hand-off") ||
                    l.contains("forward") || l.contains("recover") || l.contains("start #"));
            }
            assertEquals(0, twice.stream().filter(QosOneFlow::qos2).count(),
                "QoS 2 exactly once at roller-" + s + ": " + roamers[s].inbox.connectionsOf(twice));
        }
        final long restartsWithCutForwards = countLog(0, "routed here in part") + countLog(1, "routed here in part") +
            countLog(2, "routed here in part");
        System.out.println(String.format(Locale.ROOT, "ClusterIT each node killed in turn: %d acknowledged, every " +
            "one at each of the 3 subscribers; delivered twice (QoS 1, allowed): %d, %d, %d; restarts that found " +
            "forwards the kill had cut in the middle of their batch: %d", acked.size(),
            roamers[0].inbox.twice().size(), roamers[1].inbox.twice().size(), roamers[2].inbox.twice().size(),
            restartsWithCutForwards));
    }

    /** One round of {@link #shouldLoseNothingAcknowledgedWhenEachNodeIsKilledInTurn}: its line of the report. */
    private String killInTurn(final int victim, final Roamer[] roamers, final Set<String> acked) throws Exception
    {
        final int[] survivors = {(victim + 1) % 3, (victim + 2) % 3};
        // The killed node's subscribers go to the survivor that is killed last of the two, so that every round has
        // subscribers on its survivors: 0 -> 2, 1 -> 0, 2 -> 1.
        final int refuge = (victim + 2) % 3;
        final List<Set<String>> everyInbox = Arrays.stream(roamers).map(r -> r.inbox.received).toList();
        final List<QosOneFlow> flows = new ArrayList<>();
        final long[] upBefore = new long[3];
        for (final int node : survivors)
        {
            final Mqtt5BlockingClient publisher = connect(node, "roller-pub-" + victim + "-" + node);
            awaitRoutes(publisher, "roll/probe", everyInbox, "probe-" + victim + "-" + node + "-");
            flows.add(new QosOneFlow(publisher, "roll/" + victim + "/" + node + "/", 2, true,
                "r" + victim + "n" + node + "-"));
            upBefore[node] = countLog(node, "cluster: node " + victim + " is up");
        }
        try
        {
            final List<Roamer> moving = new ArrayList<>();
            final Map<Roamer, Integer> connectionsBefore = new HashMap<>();
            for (final Roamer roamer : roamers)
            {
                if (roamer.target.get() == victim)
                {
                    connectionsBefore.put(roamer, roamer.connections.get());
                    roamer.refusals.set(0);
                    roamer.target.set(refuge);
                    moving.add(roamer);
                }
            }
            final String outage = kill(victim, survivors[0], flows, roamers, moving);

            nodes[victim].startOrFail("node " + victim + " after kill -9", options.get(victim));
            final long restartedNs = System.nanoTime();
            for (final Roamer roamer : moving)
            {
                assertTrue(BrokerProcess.await(() -> roamer.connections.get() > connectionsBefore.get(roamer),
                    Duration.ofSeconds(60)), roamer.client.getConfig().getClientIdentifier() +
                    " connected again, on node " + refuge);
                assertTrue(roamer.sessionPresent.get(), "its session came from node " + victim);
            }
            final long resumedMs = (System.nanoTime() - restartedNs) / 1_000_000;
            flows.forEach(QosOneFlow::stopRecording);
            for (final QosOneFlow flow : flows)
            {
                flow.stop();
                acked.addAll(flow.acked);
            }
            final boolean all = BrokerProcess.await(() -> everyInbox.stream().allMatch(r -> r.containsAll(acked)),
                Duration.ofSeconds(60));
            // What each subscriber lacked when the wait ended: the one that failed, not just the first, is named.
            final List<String> lacking = new ArrayList<>();
            for (int s = 0; s < 3; s++)
            {
                final Set<String> missing = roamers[s].inbox.missing(acked);
                lacking.add("roller-" + s + " (node " + roamers[s].target.get() + "): " + missing.size() +
                    " acknowledged messages missing, e.g. " + missing.stream().limit(5).toList());
            }
            assertTrue(all, "not every acknowledged message arrived within 60 s: " + lacking);
            for (int s = 0; s < 3; s++)
            {
                final Set<String> missing = roamers[s].inbox.missing(acked);
                assertTrue(missing.isEmpty(), lacking.get(s));
            }
            for (final int node : survivors)
            {
                assertTrue(BrokerProcess.await(() -> countLog(node, "cluster: node " + victim + " is up") >
                    upBefore[node], ROUTE_TIMEOUT), "node " + node + " sees node " + victim + " up again");
            }
            return String.format(Locale.ROOT, "%s its %d subscriber(s) connected again on node %d %d ms after its " +
                "restart (%d refusals, 0x88, before); all %d acknowledged so far at all 3 subscribers", outage,
                moving.size(), refuge, resumedMs, moving.stream().mapToInt(r -> r.refusals.get()).sum(),
                acked.size());
        }
        catch (final RuntimeException | AssertionError ex)
        {
            printLogs(new int[] {0, 1, 2}, l -> l.contains("roller") || l.contains("hand-off") ||
                l.contains("is down") || l.contains("is up") || l.contains("start #"));
            throw ex;
        }
        finally
        {
            for (final QosOneFlow flow : flows)
            {
                flow.stop();
            }
        }
    }

    /**
     * Kill -9 of {@code victim} once both flows have 200 acknowledgements, then wait for 200 more each from the
     * survivors: what the outage looked like, as a line of the report.
     */
    private String kill(final int victim, final int watcher, final List<QosOneFlow> flows, final Roamer[] roamers,
        final List<Roamer> moving) throws InterruptedException
    {
        assertTrue(BrokerProcess.await(() -> flows.stream().allMatch(f -> f.acked.size() >= 200),
            Duration.ofSeconds(60)), "acknowledged before the kill of node " + victim);
        final int[] atKill = flows.stream().mapToInt(f -> f.acked.size()).toArray();
        for (final Roamer roamer : roamers)
        {
            roamer.inbox.longestGapNs();
        }
        final boolean wasLeader = leader() == victim;
        final String down = "cluster: node " + victim + " is down";
        final long downBefore = countLog(watcher, down);
        final long killedNs = System.nanoTime();
        nodes[victim].kill();
        final AtomicLong knownDownNs = new AtomicLong();
        final Thread watch = new Thread(() ->
        {
            if (BrokerProcess.await(() -> countLog(watcher, down) > downBefore, Duration.ofSeconds(60)))
            {
                knownDownNs.set(System.nanoTime());
            }
        }, "down-watch");
        watch.start();
        assertTrue(BrokerProcess.await(() -> flows.get(0).acked.size() >= atKill[0] + 200 &&
            flows.get(1).acked.size() >= atKill[1] + 200, Duration.ofSeconds(60)),
            "the survivors of node " + victim + "'s kill acknowledge 200 more each");
        final long servedMs = (System.nanoTime() - killedNs) / 1_000_000;
        watch.join();
        final String knownDown = 0 == knownDownNs.get() ? "not logged within 60 s" :
            (knownDownNs.get() - killedNs) / 1_000_000 + " ms";
        final StringBuilder gaps = new StringBuilder();
        for (int s = 0; s < roamers.length; s++)
        {
            if (!moving.contains(roamers[s]))
            {
                gaps.append(String.format(Locale.ROOT, " roller-%d on node %d %.1f ms;", s,
                    roamers[s].target.get(), roamers[s].inbox.longestGapNs() / 1e6));
            }
        }
        return String.format(Locale.ROOT, "node %d (%s): %d and %d acknowledged before the kill, known down on " +
            "node %d %s after it, 200 more acknowledged each %d ms after it; longest pause at the survivors' " +
            "subscribers:%s", victim, wasLeader ? "the leader" : "a follower", atKill[0], atKill[1], watcher,
            knownDown, servedMs, gaps);
    }

    private long countLog(final int node, final String text)
    {
        return nodes[node].logLines().stream().filter(l -> l.contains(text)).count();
    }

    private void printSessionLogs()
    {
        printLogs(new int[] {0, 1, 2}, l -> l.contains("returner") || l.contains("will") ||
            l.contains("hand-off") || l.contains("node 1") || l.contains("start #") || l.contains("cut"));
    }

    /** Publishes a retained message ({@code payload} empty: a clear) on {@code node}, QoS 1. */
    private void retain(final int node, final String topic, final String payload)
    {
        final Mqtt5BlockingClient publisher = client(node, "retainer-" + System.nanoTime());
        publisher.connect();
        publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
            .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
        publisher.disconnect();
    }

    /**
     * A session "brief" on {@code node} that expires 8 s after its client leaves (the test disconnects it just before
     * killing the node): refused elsewhere while it may come back with its node, then started afresh there once
     * expired in the cluster; the node, restarted with it in its journal (8 s to go there), drops it at its first
     * sync, which names it as expired in the cluster, so a resume on that node finds no session either.
     */
    private Mqtt5BlockingClient briefSession(final int node)
    {
        final Mqtt5BlockingClient brief = client(node, "brief");
        brief.connectWith().cleanStart(true).sessionExpiryInterval(8).send();
        return brief;
    }

    /**
     * Resumes {@code id} on {@code node} until it is no longer refused with 0x88: the control plane ended the
     * session's directory entry at its expiry while its node was down, so it starts afresh there (session present
     * 0).
     *
     * @return milliseconds from {@code since} to the fresh session.
     */
    private long awaitFreshSession(final int node, final String id, final long since)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true)
        {
            final Mqtt5BlockingClient client = client(node, id);
            try
            {
                final boolean present = client.connectWith().cleanStart(false).sessionExpiryInterval(0).send()
                    .isSessionPresent();
                final long ms = (System.nanoTime() - since) / 1_000_000;
                client.disconnect();
                assertFalse(present, "the expired session is not resumed");
                return ms;
            }
            catch (final Mqtt5ConnAckException ex)
            {
                assertEquals(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE, ex.getMqttMessage().getReasonCode());
                assertTrue(System.nanoTime() - deadline < 0, "'" + id + "' still refused 30 s on: its session " +
                    "did not expire in the cluster while its node was down");
                BrokerProcess.pause(250);
            }
        }
    }

    /**
     * Connects a client with a will ({@code payload} on {@code wills/testator}) to {@code node}, after a subscriber to
     * {@code wills/#} on node 2 whose routes reached node 0.
     *
     * @return how many times the subscriber received the will.
     */
    private AtomicInteger clientWithAWill(final int node, final String payload)
    {
        return clientWithAWill(node, payload, new AtomicLong());
    }

    /** As {@link #clientWithAWill(int, String)}; {@code firstNs} gets the time the will first arrived. */
    private AtomicInteger clientWithAWill(final int node, final String payload, final AtomicLong firstNs)
    {
        final AtomicInteger received = new AtomicInteger();
        final Set<String> probes = ConcurrentHashMap.newKeySet();
        connect(2, "will-watcher").toAsync().subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE)
            .callback(p ->
            {
                final String text = new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
                if (payload.equals(text))
                {
                    firstNs.compareAndSet(0, System.nanoTime());
                    received.incrementAndGet();
                }
                probes.add(text);
            }).send().join();
        awaitRoutes(connect(0, "will-prober"), "wills/probe", List.of(probes));
        client(node, "testator").connectWith().willPublish().topic("wills/testator").qos(MqttQos.AT_LEAST_ONCE)
            .payload(payload.getBytes(StandardCharsets.UTF_8)).applyWillPublish().send();
        return received;
    }

    /**
     * A new client object resumes {@code id}'s session on {@code node}; its payloads go to {@code inbox}.
     *
     * @return whether the session was present.
     */
    private boolean resume(final int node, final String id, final Consumer<String> inbox)
    {
        return connectPersistent(node, id, false, inbox).sessionPresent();
    }

    /**
     * QoS 1 publishes (or QoS 1 and 2 alternately: QoS 2 for odd numbers) as fast as a window of 32 allows (or one
     * per {@code pauseMs}), on 8 topics under a prefix, payloads {@code m-0, m-1, ...} (after a tag if given); what
     * is acknowledged with success (PUBACK, or PUBREC and PUBCOMP) is recorded until {@link #stopRecording()}.
     */
    private static final class QosOneFlow
    {
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        private final AtomicBoolean recording = new AtomicBoolean(true);
        private final AtomicBoolean publishing = new AtomicBoolean(true);
        private final AtomicBoolean paused = new AtomicBoolean();
        private final AtomicLong sent = new AtomicLong();
        private final Thread thread;

        QosOneFlow(final Mqtt5BlockingClient publisher, final String prefix, final long pauseMs)
        {
            this(publisher, prefix, pauseMs, false);
        }

        QosOneFlow(final Mqtt5BlockingClient publisher, final String prefix, final long pauseMs,
            final boolean withQos2)
        {
            this(publisher, prefix, pauseMs, withQos2, "");
        }

        /** As above, each payload {@code tag + "m-" + i}: several flows into one inbox stay apart. */
        QosOneFlow(final Mqtt5BlockingClient publisher, final String prefix, final long pauseMs,
            final boolean withQos2, final String tag)
        {
            final Mqtt5AsyncClient async = publisher.toAsync();
            thread = new Thread(() ->
            {
                final Semaphore window = new Semaphore(32);
                for (int i = 0; publishing.get() && i < 100_000; i++)
                {
                    while (paused.get() && publishing.get())
                    {
                        BrokerProcess.pause(10);
                    }
                    if (!acquire(window))
                    {
                        return;
                    }
                    final String payload = tag + "m-" + i;
                    async.publishWith().topic(prefix + (i % 8))
                        .qos(withQos2 && qos2(payload) ? MqttQos.EXACTLY_ONCE : MqttQos.AT_LEAST_ONCE)
                        .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                        .whenComplete((result, error) ->
                        {
                            if (null == error && result.getError().isEmpty() && recording.get())
                            {
                                acked.add(payload);
                            }
                            window.release();
                        });
                    sent.incrementAndGet();
                    if (pauseMs > 0)
                    {
                        BrokerProcess.pause(pauseMs);
                    }
                }
            }, "qos1-flow");
            thread.start();
        }

        private boolean acquire(final Semaphore window)
        {
            try
            {
                while (!window.tryAcquire(100, TimeUnit.MILLISECONDS))
                {
                    if (!publishing.get())
                    {
                        return false;
                    }
                }
                return true;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** @return whether a flow with QoS 2 sent this payload with QoS 2 (odd numbers). */
        static boolean qos2(final String payload)
        {
            return payload.contains("m-") && (payload.charAt(payload.length() - 1) - '0') % 2 == 1;
        }

        long sent()
        {
            return sent.get();
        }

        /** @param pause true to stop publishing for a while, false to go on. */
        void pause(final boolean pause)
        {
            paused.set(pause);
        }

        /** Acknowledgements from now on are not recorded (those that were are what must arrive). */
        void stopRecording()
        {
            recording.set(false);
        }

        void stop() throws InterruptedException
        {
            publishing.set(false);
            thread.join();
        }
    }

    /** @return the node whose control-plane member said last that it is the leader, or -1. */
    private int leader()
    {
        for (int i = 0; i < nodes.length; i++)
        {
            final List<String> roles = nodes[i].logLines().stream().filter(l -> l.contains(" is now ")).toList();
            if (!roles.isEmpty() && roles.get(roles.size() - 1).endsWith(" is now LEADER"))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Publishes retained messages {@code prefix0}, {@code prefix1}, ... (payload the topic), QoS 1, one every 20 ms
     * until stopped (at most 1,000), each acknowledged one added to {@code acked}.
     */
    private static Thread retainedFlow(final Mqtt5BlockingClient client, final String prefix, final Set<String> acked,
        final AtomicBoolean stop)
    {
        final Thread flow = new Thread(() ->
        {
            for (int i = 0; i < 1_000 && !stop.get(); i++)
            {
                final String topic = prefix + i;
                try
                {
                    client.publishWith().topic(topic).payload(topic.getBytes(StandardCharsets.UTF_8))
                        .qos(MqttQos.AT_LEAST_ONCE).retain(true).send();
                    acked.add(topic);
                    Thread.sleep(20);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                catch (final RuntimeException ex)
                {
                    // not acknowledged: not expected anywhere
                }
            }
        }, "retained-flow");
        flow.start();
        return flow;
    }

    /**
     * Kill -9 of the control plane's leader under a QoS 1 flow between the two other nodes: the data plane does not
     * go through the leader, so every acknowledged message arrives and the flow goes on; once a new leader is elected
     * a new subscription is routed across nodes again. Retained messages published meanwhile reach every node (their
     * commands, offered to the dying leader, are sent again to the new one).
     */
    @Test
    void shouldRouteThroughALeaderKillUnderLoadWithoutLoss() throws Exception
    {
        startCluster();
        assertTrue(BrokerProcess.await(() -> leader() >= 0, ROUTE_TIMEOUT), "no leader elected");
        final int leader = leader();
        final int from = (leader + 1) % 3;
        final int to = (leader + 2) % 3;
        final Set<String> received = ConcurrentHashMap.newKeySet();
        final AtomicLong lastNs = new AtomicLong();
        final AtomicLong longestGapNs = new AtomicLong();
        final Mqtt5BlockingClient subscriber = connect(to, "sub-lead");
        subscriber.toAsync().subscribeWith().topicFilter("lead/#").qos(MqttQos.AT_LEAST_ONCE).callback(publish ->
        {
            final long now = System.nanoTime();
            final long last = lastNs.getAndSet(now);
            if (0 != last && received.size() > 0)
            {
                longestGapNs.accumulateAndGet(now - last, Math::max);
            }
            received.add(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8));
        }).send().join();
        final Mqtt5BlockingClient publisher = connect(from, "pub-lead");
        awaitRoutes(publisher, "lead/probe", List.of(received));
        received.clear();
        longestGapNs.set(0);

        final QosOneFlow flow = new QosOneFlow(publisher, "lead/", 1);
        final Set<String> retainedAcked = ConcurrentHashMap.newKeySet();
        final AtomicBoolean retainedStop = new AtomicBoolean();
        final Thread retained = retainedFlow(connect(from, "retain-lead"), "kept/lead/", retainedAcked, retainedStop);
        final long killedNs;
        try
        {
            assertTrue(BrokerProcess.await(() -> flow.acked.size() >= 500, Duration.ofSeconds(30)),
                "acknowledged before the kill: " + flow.acked.size());
            killedNs = System.nanoTime();
            nodes[leader].kill();
            final long sentAtKill = flow.sent();
            assertTrue(BrokerProcess.await(() -> flow.sent() >= sentAtKill + 2_000, Duration.ofSeconds(30)),
                "the flow goes on after the leader's kill: " + (flow.sent() - sentAtKill));
        }
        finally
        {
            flow.stop();
            retainedStop.set(true);
            retained.join();
        }
        final boolean all = BrokerProcess.await(() -> received.containsAll(flow.acked), Duration.ofSeconds(20));
        System.out.println(String.format(Locale.ROOT, "ClusterIT leader kill: node %d killed under a QoS 1 flow from " +
            "node %d to node %d: %d acknowledged, %d received, longest gap between two deliveries %.1f ms",
            leader, from, to, flow.acked.size(), received.size(), longestGapNs.get() / 1e6));
        if (longestGapNs.get() > TimeUnit.SECONDS.toNanos(1))
        {
            // Not a failure (nothing is lost), but far past the usual tens of ms (one CI run saw 15 s): show why.
            printLogs(new int[] {0, 1, 2}, l -> l.contains("WARN") || l.contains("ERROR") || l.contains("leader"));
        }
        assertTrue(all, "acknowledged and never received: " +
            flow.acked.stream().filter(p -> !received.contains(p)).limit(5).toList());

        // The control plane has a new leader: a new filter is routed across nodes.
        final Set<String> fresh = collect(connect(to, "sub-after-lead"), "after/lead", MqttQos.AT_LEAST_ONCE);
        awaitRoutes(publisher, "after/lead", List.of(fresh));
        System.out.println(String.format(Locale.ROOT, "ClusterIT leader kill: a new subscription routed %.1f s " +
            "after the kill", (System.nanoTime() - killedNs) / 1e9));
        final Set<String> kept = collect(connect(to, "sub-kept-lead"), "kept/lead/#", MqttQos.AT_LEAST_ONCE);
        final boolean allKept = BrokerProcess.await(() -> kept.containsAll(retainedAcked), Duration.ofSeconds(20));
        System.out.println(String.format(Locale.ROOT, "ClusterIT leader kill: %d retained messages acknowledged on " +
            "node %d around the kill, %d of them retained on node %d", retainedAcked.size(), from,
            retainedAcked.stream().filter(kept::contains).count(), to));
        assertTrue(allKept, "retained on the publisher's node only: " +
            retainedAcked.stream().filter(t -> !kept.contains(t)).limit(5).toList());
    }
}
