package io.ringmq.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.cluster.ForwardDescriptor;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.ring.RingEvent;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Router in a cluster: it announces a filter's first local subscriber and its last, forwards accepted messages
 * to the nodes its route replica names (once per node), and routes a forwarded message to local subscribers only.
 */
class RouterClusterTest
{
    private static final int SELF = 1;
    private static final long PUB = 1;
    private static final long SUB = 2;
    private static final long SUB2 = 3;

    private final List<String> announced = new ArrayList<>();
    private final List<byte[]> forwards = new ArrayList<>();
    private boolean refuse;
    private final List<Long> forwardNodes = new ArrayList<>();
    private final List<byte[]> acks = new ArrayList<>();
    /** Forward acknowledgements this node sent: (node it went to, sequence). */
    private final List<long[]> forwardAcks = new ArrayList<>();
    private final List<Long> ackNodes = new ArrayList<>();
    private final List<byte[]> retained = new ArrayList<>();
    private int maxRetainedLength = Integer.MAX_VALUE;
    private long peers;
    private boolean reachable = true;
    /** Sequence of the next forward {@link #put} makes, as node 0's. */
    private long forwardSequence = 42;
    private final List<String> expiries = new ArrayList<>();
    private final List<String> directory = new ArrayList<>();
    private RouterHarness harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0));

    @BeforeEach
    void join()
    {
        harness.router.clusterLink(link());
    }

    /** The cluster as this test sees it: what the Router tells it is recorded. */
    private ClusterLink link()
    {
        return new ClusterLink()
        {
            @Override
            public int nodeId()
            {
                return SELF;
            }

            @Override
            public void onLocalFilterAdded(final String filter)
            {
                announced.add("+" + filter);
            }

            @Override
            public void onLocalFilterRemoved(final String filter)
            {
                announced.add("-" + filter);
            }

            @Override
            public boolean forward(final long nodes, final DirectBuffer message, final int offset, final int length)
            {
                final byte[] copy = new byte[length];
                message.getBytes(offset, copy);
                final ForwardCodec codec = new ForwardCodec();
                assertTrue(codec.wrap(new UnsafeBuffer(copy), 0, length));
                if (codec.forwardAck())
                {
                    assertEquals(SELF, codec.originNode());
                    forwardAcks.add(new long[] {nodes, codec.originSequence()});
                    return !refuse;
                }
                (codec.routeApplied() ? acks : forwards).add(copy);
                (codec.routeApplied() ? ackNodes : forwardNodes).add(nodes);
                return !refuse;
            }

            @Override
            public long peers()
            {
                return peers;
            }

            @Override
            public void claimSession(final String clientId)
            {
                directory.add("claim " + clientId);
            }

            @Override
            public void releaseSession(final String clientId, final long epoch)
            {
                directory.add("release " + clientId + " " + epoch);
            }

            @Override
            public void claimSession(final String clientId, final boolean resume, final long expirySeconds)
            {
                expiries.add(clientId + " claimed " + expirySeconds);
                claimSession(clientId);
            }

            @Override
            public void querySession(final String clientId)
            {
                directory.add("query " + clientId);
            }

            @Override
            public void sessionExpiry(final String clientId, final long expirySeconds, final boolean offline)
            {
                expiries.add(clientId + (offline ? " offline " : " online ") + expirySeconds);
            }

            @Override
            public int maxRetainedLength()
            {
                return maxRetainedLength;
            }

            @Override
            public boolean controlPlaneReachable()
            {
                return reachable;
            }

            @Override
            public boolean retain(final DirectBuffer message, final int offset, final int length)
            {
                final byte[] copy = new byte[length];
                message.getBytes(offset, copy);
                retained.add(copy);
                return true;
            }
        };
    }

    /** Puts a message from another node on the ring ({@link ForwardCodec} layout) and routes it. */
    private void put(final int type, final String topic, final String payload, final int qos, final boolean retain)
    {
        put(type, topic, payload, qos, retain, null);
    }

    /** The same, for one shared group ({@code $share/{name}/{filter}}) or none. */
    private void put(final int type, final String topic, final String payload, final int qos, final boolean retain,
        final String group)
    {
        final UnsafeBuffer topicBuffer = new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer payloadBuffer = new UnsafeBuffer(payload.getBytes(StandardCharsets.UTF_8));
        final byte[] groupBytes = null == group ? new byte[0] : group.getBytes(StandardCharsets.UTF_8);
        final int length = ForwardCodec.length(topicBuffer.capacity(), 0, payloadBuffer.capacity());
        final org.agrona.MutableDirectBuffer frame =
            harness.event.frame(type, 0, -1, length + groupBytes.length, System.nanoTime());
        ForwardCodec.encode(frame, 0, qos, retain, -1, 0, forwardSequence++, topicBuffer, 0, topicBuffer.capacity(),
            payloadBuffer, 0, payloadBuffer.capacity());
        frame.putInt(ForwardDescriptor.GROUP_LENGTH_OFFSET, groupBytes.length, java.nio.ByteOrder.LITTLE_ENDIAN);
        frame.putBytes(length, groupBytes);
        harness.router.onEvent(harness.event, harness.sequence++, true);
    }

    @Test
    void shouldGiveASharedGroupEachMessageOnceAcrossNodes()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "member", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("$share/g/s/#", 1));
        route("$share/g/s/#", 1L << SELF);
        route("$share/g/s/#", 0b001 | 1L << SELF);      // node 0 has members too
        route("s/#", 0b001);                            // and a plain subscriber
        peers = 0b001;
        harness.drain();
        acks.clear();

        for (int i = 0; i < 4; i++)
        {
            harness.publish(PUB, MqttVersion.MQTT_5, "s/" + i, "m" + i, 1, 10 + i);
        }
        forwardAck(0, sequenceOf(forwards.size() - 1));    // node 0 took them all
        final List<RouterHarness.Out> out = harness.drain();
        assertEquals(2, out.stream().filter(o -> o.connectionId() == SUB && o.packetType() == PacketType.PUBLISH)
            .count(), "half of them to this node's member");
        assertEquals(4, out.stream().filter(o -> o.connectionId() == PUB && o.packetType() == PacketType.PUBACK)
            .count());
        final ForwardCodec codec = new ForwardCodec();
        int forGroup = 0;
        for (final byte[] forward : forwards)
        {
            assertTrue(codec.wrap(new UnsafeBuffer(forward), 0, forward.length));
            if (codec.groupLength() > 0)
            {
                forGroup++;
                assertEquals("$share/g/s/#", new String(forward, codec.groupOffset(), codec.groupLength(),
                    StandardCharsets.UTF_8));
            }
        }
        assertEquals(2, forGroup, "the other half to node 0, for the group");
        assertEquals(6, forwards.size(), "and each to node 0's plain subscriber");
        assertTrue(forwardNodes.stream().allMatch(n -> n == 0b001L));
    }

    @Test
    void shouldDeliverAForwardForAGroupToOneMemberAndAPlainForwardToNoGroup()
    {
        harness.connect(SUB, "member", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB2, "plain", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("$share/g/f/#", 1));
        harness.subscribe(SUB2, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("f/#", 1));
        harness.drain();

        put(RingEvent.FORWARDED, "f/1", "plain", 1, false);
        assertEquals(1, harness.drain(SUB2, PacketType.PUBLISH).size());
        assertTrue(harness.drain(SUB, PacketType.PUBLISH).isEmpty(), "the origin decides for the group");

        put(RingEvent.FORWARDED, "f/1", "group", 1, false, "$share/g/f/#");
        assertEquals(1, harness.drain(SUB, PacketType.PUBLISH).size());
        assertTrue(harness.drain(SUB2, PacketType.PUBLISH).isEmpty(), "a group's forward is for the group only");

        put(RingEvent.FORWARDED, "f/1", "other group", 1, false, "$share/h/f/#");
        assertTrue(harness.drain().stream().noneMatch(o -> o.packetType() == PacketType.PUBLISH),
            "a group with no member here: nobody");
    }

    /** The payloads of the retained PUBLISH packets a new subscription to {@code filter} gets. */
    private List<String> retainedFor(final long connectionId, final int packetId, final String filter)
    {
        harness.subscribe(connectionId, MqttVersion.MQTT_5, packetId, 0, new TopicSubscription(filter, 0));
        final List<String> payloads = new ArrayList<>();
        for (final RouterHarness.Out out : harness.drain(connectionId, PacketType.PUBLISH))
        {
            final byte[] body = out.body();
            final PublishDecoder decoder = new PublishDecoder().fromServer(true)
                .wrap(new UnsafeBuffer(body), 0, body.length, MqttVersion.MQTT_5);
            assertTrue(decoder.retain(), "a retained message is sent with RETAIN set");
            payloads.add(new String(body, decoder.payloadOffset(), decoder.payloadLength(), StandardCharsets.UTF_8));
        }
        return payloads;
    }

    @Test
    void shouldTellTheClusterOfARetainedMessageAndKeepOnlyWhatTheClusterOrders()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB2, "late", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("r/#", 0));
        route("r/#", 1L << SELF);
        harness.drain();

        harness.frame(PUB, harness.scratch, harness.encodePublishRetained(MqttVersion.MQTT_5, "r/1", "mine", 1, 3));
        assertEquals(1, retained.size(), "the cluster is told of the retained message");
        final ForwardCodec codec = new ForwardCodec();
        assertTrue(codec.wrap(new UnsafeBuffer(retained.get(0)), 0, retained.get(0).length));
        assertTrue(codec.retain());
        assertEquals("mine", new String(retained.get(0), codec.payloadOffset(), codec.payloadLength(),
            StandardCharsets.UTF_8));
        assertEquals(1, harness.drain(SUB, PacketType.PUBLISH).size());

        put(RingEvent.FORWARDED, "r/2", "forwarded", 0, true);
        assertEquals(1, harness.drain(SUB, PacketType.PUBLISH).size(), "a forward is delivered");
        put(RingEvent.CLUSTER_RETAINED, "r/3", "ordered", 0, true);
        assertTrue(harness.drain(SUB, PacketType.PUBLISH).isEmpty(), "the cluster's retained message is not delivered");
        assertEquals(List.of("mine", "ordered"), sorted(retainedFor(SUB2, 5, "r/#")),
            "kept: this node's own and the cluster's; a forward is not kept (the cluster orders retained messages)");

        put(RingEvent.CLUSTER_RETAINED, "r/1", "", 0, true);
        assertEquals(List.of("ordered"), retainedFor(SUB2, 6, "r/#"), "a clear from the cluster");
        assertEquals(1, retained.size(), "what the cluster orders is not sent back to it");
    }

    private static List<String> sorted(final List<String> list)
    {
        final List<String> copy = new ArrayList<>(list);
        copy.sort(null);
        return copy;
    }

    @Test
    void shouldRefuseARetainedMessageLongerThanTheClusterKeeps()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.drain();
        maxRetainedLength = ForwardCodec.length(3, 0, 4);

        harness.frame(PUB, harness.scratch, harness.encodePublishRetained(MqttVersion.MQTT_5, "big", "12345", 1, 3));
        assertEquals(0x97, harness.drain(PUB, PacketType.PUBACK).get(0).body()[4] & 0xFF, "quota exceeded");
        harness.frame(PUB, harness.scratch, harness.encodePublishRetained(MqttVersion.MQTT_5, "big", "1234", 1, 4));
        assertEquals(1, retained.size(), "one that fits is kept and replicated");
    }

    private void route(final String filter, final long nodes)
    {
        final byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
        harness.event.frame(RingEvent.CLUSTER_ROUTE, nodes, -1, bytes.length, System.nanoTime()).putBytes(0, bytes);
        harness.router.onEvent(harness.event, harness.sequence++, true);
    }

    @Test
    void shouldAnnounceAFiltersFirstLocalSubscriberAndItsLastSharedGroupsToo()
    {
        harness.connect(SUB, "a", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB2, "b", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("x/+", 1),
            new TopicSubscription("$share/g/y", 1));
        harness.subscribe(SUB2, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("x/+", 0),
            new TopicSubscription("$share/g/y", 1));
        assertEquals(List.of("+x/+", "+$share/g/y"), announced, "a group's first member here, once");

        harness.frame(SUB, harness.scratch, harness.encodeUnsubscribe(MqttVersion.MQTT_5, 2, "x/+"));
        harness.closed(SUB);
        assertEquals(2, announced.size(), "another local subscriber and member are left");
        harness.closed(SUB2);
        assertEquals(java.util.Set.of("+x/+", "+$share/g/y", "-x/+", "-$share/g/y"),
            new java.util.HashSet<>(announced), "the last one's session ended");
    }

    @Test
    void shouldAnswerASubscribeOnceTheClusterHasCommittedItsRoute()
    {
        harness.connect(SUB, "a", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB2, "b", MqttVersion.MQTT_5, true, 0);
        harness.drain();
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("c/+", 1));
        harness.subscribe(SUB2, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("c/+", 0));
        assertEquals(0, subacks(harness.drain()), "both wait for the route, the second subscriber too");

        route("c/+", 0b1);              // another node's route: not this one's
        assertEquals(0, subacks(harness.drain()));
        route("c/+", 0b1 | 1L << SELF);
        final List<RouterHarness.Out> out = harness.drain();
        assertEquals(2, subacks(out));
        assertTrue(out.stream().anyMatch(o -> o.connectionId() == SUB2 && o.packetType() == PacketType.SUBACK));

        harness.subscribe(SUB, MqttVersion.MQTT_5, 2, 0, new TopicSubscription("c/+", 0));
        assertEquals(1, harness.drain(SUB, PacketType.SUBACK).size(), "a confirmed filter: at once");
        harness.subscribe(SUB, MqttVersion.MQTT_5, 4, 0, new TopicSubscription("$share/g/c/d", 1));
        assertEquals(0, subacks(harness.drain()), "a shared group's first member here waits too");
        route("$share/g/c/d", 1L << SELF);
        assertEquals(1, subacks(harness.drain()));

        harness.subscribe(SUB, MqttVersion.MQTT_5, 3, 0, new TopicSubscription("d/+", 1),
            new TopicSubscription("d/+", 0), new TopicSubscription("e", 1));
        route("d/+", 1L << SELF);
        assertEquals(0, subacks(harness.drain()), "e is still unconfirmed");
        route("e", 1L << SELF);
        assertEquals(1, subacks(harness.drain()), "one filter twice in a SUBSCRIBE waits for one route");
    }

    /** The session directory's decision, as the cluster link puts it on the ring. */
    private void owner(final String clientId, final int owner, final int previousOwner, final long epoch)
    {
        harness.clusterSession(ClusterLink.SESSION_OWNER, clientId, owner, previousOwner, epoch);
    }

    private boolean disconnected(final long connectionId, final int reasonCode)
    {
        return harness.drain(connectionId, PacketType.DISCONNECT).stream()
            .anyMatch(o -> o.body().length > 2 && (o.body()[2] & 0xFF) == reasonCode);
    }

    @Test
    void shouldCloseAConnectionWhoseClientIdAnotherNodeTookOver()
    {
        harness.connect(SUB, "dev", MqttVersion.MQTT_5, false, 3600);
        assertEquals(List.of("claim dev"), directory);
        owner("dev", SELF, -1, 5);
        harness.drain();

        owner("dev", 0, SELF, 4);
        assertTrue(harness.drain(SUB, PacketType.DISCONNECT).isEmpty(), "an older decision changes nothing");
        owner("dev", 0, SELF, 6);
        assertTrue(disconnected(SUB, 0x8E), "session taken over, by node 0");

        // Back on this node: a new claim; another node's older decision arriving meanwhile is not for it.
        harness.connect(SUB2, "dev", MqttVersion.MQTT_5, false, 3600);
        assertEquals(List.of("claim dev", "claim dev"), directory);
        owner("dev", 2, 0, 7);
        assertTrue(harness.drain(SUB2, PacketType.DISCONNECT).isEmpty(), "this node's unanswered claim is newer");
        owner("dev", SELF, 2, 8);
        harness.connect(PUB, "dev", MqttVersion.MQTT_5, false, 3600);
        assertEquals(2, directory.size(), "a node that owns the id does not claim it again");
    }

    @Test
    void shouldTellTheDirectoryAPersistentSessionsExpiryWhenItsClientComesAndGoes()
    {
        harness.connect(SUB, "dev", MqttVersion.MQTT_5, false, 3600);
        owner("dev", SELF, -1, 5);
        harness.closed(SUB);
        harness.connect(SUB2, "dev", MqttVersion.MQTT_5, false, 120);
        harness.closed(SUB2);
        assertEquals(List.of("claim dev"), directory, "claimed once: this node owns the id since");
        assertEquals(List.of("dev online 3600", "dev offline 3600", "dev online 120", "dev offline 120"), expiries,
            "a resume claims without it (the CONNECT waits) and tells it once answered, then at each end and return " +
            "of its connection");

        harness.connect(PUB, "clean", MqttVersion.MQTT_5, true, 0);
        harness.closed(PUB);
        assertEquals("clean claimed 0", expiries.get(4));
        assertEquals(5, expiries.size(), "a session that ends with its connection has no expiry to tell");
        owner("dev", 0, SELF, 6);
        harness.connect(SUB, "dev", MqttVersion.MQTT_5, true, 60);
        harness.closed(SUB);
        assertEquals(List.of("dev claimed 60", "dev offline 60"), expiries.subList(5, expiries.size()),
            "taken by another node: a clean start here claims it again, and tells its expiry with the claim");
    }

    @Test
    void shouldAskAfterAClaimStillUnansweredWhenASyncEndsAndActOnTheAnswer()
    {
        harness.connect(SUB, "lost", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB2, "taken", MqttVersion.MQTT_5, true, 0);
        harness.connect(PUB, "answered", MqttVersion.MQTT_5, true, 0);
        owner("answered", SELF, -1, 3);
        harness.clusterSession(ClusterLink.SYNCED, "", SELF, 0, 0);
        assertEquals(List.of("claim answered", "claim lost", "claim taken", "query lost", "query taken"),
            directory.stream().sorted().toList(), "only the claims still unanswered");

        harness.clusterSession(ClusterLink.SESSION_QUERIED, "lost", SELF, -1, 5);
        owner("lost", 0, SELF, 6);
        assertTrue(disconnected(SUB, 0x8E), "owned under epoch 5 now: a later claim elsewhere takes it over");

        harness.clusterSession(ClusterLink.SESSION_QUERIED, "taken", 2, SELF, 8);
        assertTrue(disconnected(SUB2, 0x8E), "node 2 claimed it after this node's lost answer");

        harness.clusterSession(ClusterLink.SESSION_QUERIED, "answered", 2, SELF, 9);
        assertTrue(harness.drain(PUB, PacketType.DISCONNECT).isEmpty(), "not pending: the question is ignored");
    }

    @Test
    void shouldReleaseAnEndedSessionUnderItsEpochOrAnyOfThisNodesEpochs()
    {
        harness.connect(SUB, "clean", MqttVersion.MQTT_5, true, 0);
        owner("clean", SELF, -1, 9);
        harness.closed(SUB);
        assertEquals(List.of("claim clean", "release clean 9"), directory);

        harness.connect(SUB2, "quick", MqttVersion.MQTT_5, true, 0);
        harness.closed(SUB2);
        assertEquals("release quick -1", directory.get(3),
            "ended before the directory answered: released after the claim, whatever its epoch");
        owner("quick", SELF, -1, 10);
        harness.connect(PUB, "quick", MqttVersion.MQTT_5, true, 0);
        assertEquals(List.of("claim clean", "release clean 9", "claim quick", "release quick -1", "claim quick"),
            directory, "the late answer left nothing behind: a new connection claims again");
    }

    /** A route acknowledgement from another node: its Router routes the filter here now. */
    private void applied(final String filter, final int node)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(filter.getBytes(StandardCharsets.UTF_8));
        final int length = ForwardCodec.length(bytes.capacity(), 0, 0);
        ForwardCodec.encodeRouteApplied(harness.event.frame(RingEvent.FORWARDED, 0, -1, length, System.nanoTime()), 0,
            node, bytes, bytes.capacity());
        harness.router.onEvent(harness.event, harness.sequence++, true);
    }

    @Test
    void shouldAnswerASubscribeOnceEveryLiveNodeRoutesTheFilterHere()
    {
        peers = 0b101;                  // nodes 0 and 2 are up
        harness.connect(SUB, "a", MqttVersion.MQTT_5, true, 0);
        harness.drain();
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("g/+", 1));
        applied("g/+", 2);              // node 2 may acknowledge before this node hears the commit
        route("g/+", 1L << SELF);
        assertEquals(0, subacks(harness.drain()), "committed, but node 0 does not route it here yet");
        applied("other", 0);
        assertEquals(0, subacks(harness.drain()), "an acknowledgement of another filter");
        applied("g/+", 0);
        assertEquals(1, subacks(harness.drain()), "every live node routes it here");

        harness.subscribe(SUB, MqttVersion.MQTT_5, 2, 0, new TopicSubscription("h", 1));
        route("h", 1L << SELF);
        applied("h", 0);
        assertEquals(0, subacks(harness.drain()));
        peers = 0b001;                  // node 2 went down: not waited for
        harness.event.control(RingEvent.TICK, 0, -1, 0, System.nanoTime());
        harness.router.onEvent(harness.event, harness.sequence++, true);
        assertEquals(1, subacks(harness.drain()));
        assertTrue(acks.isEmpty(), "nothing was acknowledged: no route change added another node");
    }

    @Test
    void shouldAcknowledgeARouteChangeThatAddsAnotherNode()
    {
        route("k/#", 0b001);
        route("k/#", 0b101 | 1L << SELF);
        route("k/#", 0b101);            // this node's own bit leaves: nothing to acknowledge
        assertEquals(List.of(0b001L, 0b100L), ackNodes, "each node the changes added, once");
        assertTrue(forwards.isEmpty());
        final ForwardCodec codec = new ForwardCodec();
        for (final byte[] ack : acks)
        {
            assertTrue(codec.wrap(new UnsafeBuffer(ack), 0, ack.length));
            assertTrue(codec.routeApplied());
            assertEquals(SELF, codec.originNode());
            assertEquals("k/#", new String(ack, codec.topicOffset(), codec.topicLength(), StandardCharsets.UTF_8));
        }
    }

    private static long subacks(final List<RouterHarness.Out> out)
    {
        return out.stream().filter(o -> o.body().length > 0 && o.packetType() == PacketType.SUBACK).count();
    }

    @Test
    void shouldSendAWaitingSubackWhenTheControlPlaneDoesNotAnswerInTime()
    {
        harness.connect(SUB, "a", MqttVersion.MQTT_5, true, 0);
        harness.drain();
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("slow/#", 1));
        harness.event.control(RingEvent.TICK, 0, -1, 0, System.nanoTime() + RouteConfirmations.TIMEOUT_NS / 2);
        harness.router.onEvent(harness.event, harness.sequence++, true);
        assertTrue(harness.drain(SUB, PacketType.SUBACK).isEmpty());
        harness.event.control(RingEvent.TICK, 0, -1, 0, System.nanoTime() + RouteConfirmations.TIMEOUT_NS * 2);
        harness.router.onEvent(harness.event, harness.sequence++, true);
        assertEquals(1, harness.drain(SUB, PacketType.SUBACK).size(), "sent anyway, counted and logged");
    }

    @Test
    void shouldForwardOncePerNodeWithSubscribersAndAcknowledgeAsRouted()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        route("s/#", 0b0101);           // nodes 0 and 2
        route("s/+/t", 0b0110);         // node 2 again, and this node (ignored: served locally)
        route("other", 0b1000);
        peers = 0b1101;
        harness.drain();

        harness.publish(PUB, MqttVersion.MQTT_5, "s/a/t", "hello", 1, 7);
        assertEquals(List.of(0b0101L), forwardNodes, "one forward, to nodes 0 and 2");
        final ForwardCodec codec = new ForwardCodec();
        final byte[] message = forwards.get(0);
        assertTrue(codec.wrap(new UnsafeBuffer(message), 0, message.length));
        assertEquals(1, codec.qos());
        assertEquals(SELF, codec.originNode());
        assertEquals("s/a/t", new String(message, codec.topicOffset(), codec.topicLength(), StandardCharsets.UTF_8));
        assertEquals("hello", new String(message, codec.payloadOffset(), codec.payloadLength(),
            StandardCharsets.UTF_8));
        forwardAck(0, sequenceOf(0));
        forwardAck(2, sequenceOf(0));
        final List<RouterHarness.Out> acks = harness.drain(PUB, PacketType.PUBACK);
        assertEquals(1, acks.size());
        final byte[] routed = acks.get(0).body();
        assertTrue(routed.length == 4 || 0 == routed[4], "PUBACK success: subscribers on other nodes");
        harness.publish(PUB, MqttVersion.MQTT_5, "nobody/here", "x", 1, 9);
        final byte[] unmatched = harness.drain(PUB, PacketType.PUBACK).get(0).body();
        assertEquals(0x10, unmatched[4], "no matching subscribers anywhere");

        route("s/#", 0);
        route("s/+/t", 0b0010);
        harness.publish(PUB, MqttVersion.MQTT_5, "s/a/t", "again", 1, 8);
        assertEquals(1, forwards.size(), "no other node has subscribers any more");
    }

    @Test
    void shouldRefuseAQos1MessageANodeCannotQueueBeforeAnyLocalSubscriberHasIt()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("q/#", 1));
        route("q/#", 0b1);
        peers = 0b1;
        harness.drain();
        refuse = true;

        harness.publish(PUB, MqttVersion.MQTT_5, "q/1", "busy", 1, 5);
        assertEquals(0x97, harness.drain(PUB, PacketType.PUBACK).get(0).body()[4] & 0xFF, "quota exceeded");
        assertTrue(harness.drain(SUB, PacketType.PUBLISH).isEmpty(), "not delivered here either");

        harness.publish(PUB, MqttVersion.MQTT_5, "q/0", "qos 0 goes where it can", 0, 0);
        assertEquals(1, harness.drain(SUB, PacketType.PUBLISH).size());
    }

    @Test
    void shouldDeliverAForwardedMessageLocallyAndNeverForwardItAgain()
    {
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("f/+", 1));
        route("f/#", 0b1);
        harness.drain();

        put(RingEvent.FORWARDED, "f/z", "from node 0", 1, false);

        final List<RouterHarness.Out> publishes = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(1, publishes.size());
        final byte[] body = publishes.get(0).body();
        final PublishDecoder decoder = new PublishDecoder().fromServer(true)
            .wrap(new UnsafeBuffer(body), 0, body.length, MqttVersion.MQTT_5);
        assertEquals(1, decoder.qos());
        assertEquals("from node 0", new String(body, decoder.payloadOffset(), decoder.payloadLength(),
            StandardCharsets.UTF_8));
        assertTrue(forwards.isEmpty(), "a forwarded message is not forwarded again");
    }
    /** A forward acknowledgement from {@code node}: it took this node's forwards up to {@code sequence}. */
    private void forwardAck(final int node, final long sequence)
    {
        final org.agrona.MutableDirectBuffer frame = harness.event.frame(RingEvent.FORWARDED, 0, -1,
            ForwardDescriptor.HEADER_LENGTH, System.nanoTime());
        ForwardCodec.encodeForwardAck(frame, 0, node, sequence);
        harness.router.onEvent(harness.event, harness.sequence++, true);
    }

    /** @return the origin sequence of the {@code index}th forward this node sent. */
    private long sequenceOf(final int index)
    {
        final ForwardCodec codec = new ForwardCodec();
        final byte[] message = forwards.get(index);
        assertTrue(codec.wrap(new UnsafeBuffer(message), 0, message.length));
        return codec.originSequence();
    }

    /** Nodes 0 and 2 live, a v5 publisher, and two routes. */
    private void publisherAndRoutes(final String filter, final long nodes, final String other, final long otherNodes)
    {
        peers = 0b0101;
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        route(filter, nodes);
        route(other, otherNodes);
        harness.drain();
    }

    @Test
    void shouldAcknowledgeAPublisherOnceEveryLiveNodeTookItsForwardInOrder()
    {
        publisherAndRoutes("s/#", 0b0101, "t/#", 0b0100);

        harness.publish(PUB, MqttVersion.MQTT_5, "s/1", "to 0 and 2", 1, 7);
        harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "to 2", 1, 8);
        harness.publish(PUB, MqttVersion.MQTT_5, "nobody", "here", 1, 9);
        harness.publish(PUB, MqttVersion.MQTT_5, "s/2", "qos 0 waits for nobody", 0, 0);
        assertTrue(harness.drain(PUB, PacketType.PUBACK).isEmpty(), "no node has taken the first forward");

        forwardAck(0, sequenceOf(0));
        assertTrue(harness.drain(PUB, PacketType.PUBACK).isEmpty(), "node 2 has not taken it");
        forwardAck(2, sequenceOf(0));
        assertEquals(List.of(7), packetIds(harness.drain(PUB, PacketType.PUBACK)),
            "the first, and not the second: node 2 has not taken it");
        forwardAck(2, sequenceOf(1));
        assertEquals(List.of(8, 9), packetIds(harness.drain(PUB, PacketType.PUBACK)),
            "the second, then the one with no forward that waited behind it");

        harness.publish(PUB, MqttVersion.MQTT_5, "t/2", "to 2", 1, 10);
        harness.publish(PUB, MqttVersion.MQTT_5, "s/3", "to 0 and 2", 1, 11);
        assertEquals(5, forwards.size(), "the QoS 0 message was forwarded too (index 2)");
        forwardAck(0, sequenceOf(4));
        forwardAck(2, sequenceOf(3));
        assertEquals(List.of(10), packetIds(harness.drain(PUB, PacketType.PUBACK)));
        forwardAck(2, sequenceOf(4));
        assertEquals(List.of(11), packetIds(harness.drain(PUB, PacketType.PUBACK)));
        forwardAck(2, sequenceOf(4));
        assertTrue(harness.drain(PUB, PacketType.PUBACK).isEmpty(), "an acknowledgement again releases nothing");

        harness.publish(PUB, MqttVersion.MQTT_5, "t/3", "QoS 2 to 2", 2, 12);
        assertTrue(harness.drain(PUB, PacketType.PUBREC).isEmpty(), "a PUBREC waits like a PUBACK");
        forwardAck(2, sequenceOf(5));
        assertEquals(List.of(12), packetIds(harness.drain(PUB, PacketType.PUBREC)));
    }

    @Test
    void shouldCountAcknowledgementsAPublisherPastItsWindowGetsBeforeTheForwardIsTaken()
    {
        harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0).receiveMaximum(2));
        harness.router.clusterLink(link());
        publisherAndRoutes("s/#", 0b0100, "t/#", 0b0100);

        harness.publish(PUB, MqttVersion.MQTT_5, "s/1", "to 2", 1, 1);
        harness.publish(PUB, MqttVersion.MQTT_5, "s/2", "to 2", 1, 2);
        assertTrue(harness.drain(PUB, PacketType.PUBACK).isEmpty(), "within its window: held");
        harness.publish(PUB, MqttVersion.MQTT_5, "s/3", "to 2", 1, 3);
        assertEquals(List.of(1, 2), packetIds(harness.drain(PUB, PacketType.PUBACK)),
            "past the bound the oldest go early");
        harness.tick();
        assertEquals(2, harness.router.snapshot().acksBeforeForwardTaken(), "and they are counted");
        forwardAck(2, sequenceOf(2));
        assertEquals(List.of(3), packetIds(harness.drain(PUB, PacketType.PUBACK)));
    }

    @Test
    void shouldStopWaitingForANodeThatLeftOrStoppedAcknowledging()
    {
        publisherAndRoutes("a/#", 0b0001, "b/#", 0b0100);

        harness.publish(PUB, MqttVersion.MQTT_5, "a/1", "to 0", 1, 1);
        harness.tick();
        assertTrue(harness.drain(PUB, PacketType.PUBACK).isEmpty());
        peers = 0b0100;   // node 0's lease ended
        harness.tick();
        assertEquals(List.of(1), packetIds(harness.drain(PUB, PacketType.PUBACK)), "a node that left owes nothing");

        harness.publish(PUB, MqttVersion.MQTT_5, "b/1", "to 2", 1, 2);
        final long now = System.nanoTime();
        harness.tick(now + ForwardWindows.ACK_TIMEOUT_NS / 2);
        assertTrue(harness.drain(PUB, PacketType.PUBACK).isEmpty(), "node 2 is live: waited for");
        harness.tick(now + ForwardWindows.ACK_TIMEOUT_NS + 1_000_000_000L);
        assertEquals(List.of(2), packetIds(harness.drain(PUB, PacketType.PUBACK)), "released after the timeout");
        assertEquals(1, harness.router.snapshot().forwardAckTimeouts());
    }

    @Test
    void shouldAcknowledgeQos1And2ForwardsOncePerBatchToTheirOrigin()
    {
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("f/+", 2));
        harness.drain();

        put(RingEvent.FORWARDED, "f/0", "qos 0: not acknowledged", 0, false);
        assertTrue(forwardAcks.isEmpty());
        put(RingEvent.FORWARDED, "f/1", "qos 1", 1, false);
        assertEquals(1, forwardAcks.size());
        assertEquals(1L, forwardAcks.get(0)[0], "to node 0, the origin");
        assertEquals(forwardSequence - 1, forwardAcks.get(0)[1]);
        put(RingEvent.FORWARDED, "nobody/here", "qos 2, routed to nobody: acknowledged all the same", 2, false);
        assertEquals(forwardSequence - 1, forwardAcks.get(1)[1]);

        refuse = true;     // the origin's queue is full: sent again at the next batch's end
        put(RingEvent.FORWARDED, "f/2", "qos 1", 1, false);
        refuse = false;
        harness.tick();
        assertEquals(forwardSequence - 1, forwardAcks.get(forwardAcks.size() - 1)[1]);
        assertEquals(4, forwardAcks.size(), "one refused, then sent");
    }

    @Test
    void shouldAcknowledgeAForwardOnlyOnceTheJournalRecordsForItAreForced(@TempDir final Path dir) throws Exception
    {
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0), journal);
            harness.router.clusterLink(link());
            harness.connect(SUB, "persistent", MqttVersion.MQTT_5, false, 3600);
            owner("persistent", SELF, -1, 1);   // a resume's CONNACK waits for the directory
            harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("f/+", 1));
            journal.log().force(journal.log().position());
            harness.synced();
            harness.drain();

            put(RingEvent.FORWARDED, "f/1", "journaled for a persistent session", 1, false);
            assertTrue(forwardAcks.isEmpty(), "its records are not forced yet");
            journal.log().force(journal.log().position());   // what the journaller does, then it says so:
            harness.synced();
            assertEquals(1, forwardAcks.size(), "acknowledged once forced");
            assertEquals(forwardSequence - 1, forwardAcks.get(0)[1]);
        }
    }

    @Test
    void shouldRefuseNewClientIdsButServeItsOwnWhileCutOffFromTheControlPlane()
    {
        harness.connect(SUB, "mine", MqttVersion.MQTT_5, false, 3600);
        owner("mine", SELF, -1, 1);     // a resume's CONNACK waits for the directory
        harness.closed(SUB);            // offline, its session kept here: this node claimed the id
        harness.drain();

        reachable = false;
        harness.connect(PUB, "stranger", MqttVersion.MQTT_5, true, 0);
        final List<RouterHarness.Out> refused = harness.drain(PUB, PacketType.CONNACK);
        assertEquals(1, refused.size());
        assertEquals(0x88, refused.get(0).body()[3] & 0xFF, "server unavailable: its owner cannot be known");
        harness.tick();     // the counters' snapshot is taken on the tick
        assertEquals(1, harness.router.snapshot().refusedClusterUnreachable());

        harness.connect(SUB2, "mine", MqttVersion.MQTT_5, false, 3600);
        final List<RouterHarness.Out> resumed = harness.drain(SUB2, PacketType.CONNACK);
        assertEquals(0, resumed.get(0).body()[3], "an id this node owns is served");
        assertEquals(1, resumed.get(0).body()[2] & 0x01, "its session present");

        reachable = true;
        final long again = 9;   // a new connection: the refused one was closed
        harness.connect(again, "stranger", MqttVersion.MQTT_5, true, 0);
        assertEquals(0, harness.drain(again, PacketType.CONNACK).get(0).body()[3], "reachable again: accepted");
    }

    private static List<Integer> packetIds(final List<RouterHarness.Out> acks)
    {
        final List<Integer> ids = new ArrayList<>();
        for (final RouterHarness.Out ack : acks)
        {
            ids.add((ack.body()[2] & 0xFF) << 8 | (ack.body()[3] & 0xFF));
        }
        return ids;
    }
}
