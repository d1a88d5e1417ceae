package io.ringmq.core.routing;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Routers as two nodes of a cluster, their data plane a queue each way and the control plane played by the test
 * in log order: a session resumed on the other node moves with its deliveries in flight, its queue and its inbound
 * QoS 2 packet ids, and every message published around the move reaches it once.
 */
class SessionHandoffTest
{
    private static final int A = 1;
    private static final int B = 2;
    private static final long DEV = 10;
    private static final long PUB = 11;

    private final ClusterTestNode a = new ClusterTestNode(A);
    private final ClusterTestNode b = new ClusterTestNode(B);

    /**
     * A owns "dev", a persistent session subscribed to t/# whose client has left; each payload is then published to
     * it on A (t/1, t/2, ...: QoS 1), so that it waits in the session's queue.
     */
    private void offlineSessionOnA(final String... queued)
    {
        a.harness.connect(DEV, "dev", MqttVersion.MQTT_5, true, 3600);
        a.session(ClusterLink.SESSION_OWNER, "dev", A, -1, 1);
        a.harness.subscribe(DEV, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t/#", 1));
        a.harness.closed(DEV);
        if (queued.length > 0)
        {
            a.harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        }
        for (int i = 0; i < queued.length; i++)
        {
            a.harness.publish(PUB, MqttVersion.MQTT_5, "t/" + (i + 1), queued[i], 1, i + 1);
        }
        a.harness.drain();
    }

    /**
     * "dev", offline on A with one message queued, resumes on B; A applies the hand-off (epoch 2) from the log and
     * answers on the data plane before B has applied the same event.
     */
    private void resumeOnBAnsweredByAFirst()
    {
        a.peers = 1L << B;
        b.peers = 1L << A;
        offlineSessionOnA("queued");
        b.harness.connect(DEV, "dev", MqttVersion.MQTT_5, false, 3600);
        a.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        a.flushTo(b);
    }

    /**
     * "dev", offline on A with {@code queued} in its queue, resumes on B; both apply the hand-off (epoch 2) and B's
     * arriving copy has the session's subscriptions.
     */
    private void moveToBBegun(final String... queued)
    {
        a.peers = 1L << B;
        b.peers = 1L << A;
        offlineSessionOnA(queued);
        b.harness.connect(DEV, "dev", MqttVersion.MQTT_5, false, 3600);
        b.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        a.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        a.flushTo(b);
        assertTrue(b.commands.contains("+t/#"), "B's arriving copy subscribed: " + b.commands);
    }

    /**
     * Both nodes apply the cut of "dev" (epoch 2, from A to B) and the data plane runs: B's client gets its CONNACK
     * with session present and then the queued messages.
     */
    private void cutAndAssertResumedOnB(final String... queued)
    {
        a.session(ClusterLink.SESSION_CUT, "dev", B, A, 2);
        b.session(ClusterLink.SESSION_CUT, "dev", B, A, 2);
        b.flushTo(a);
        a.flushTo(b);
        b.flushTo(a);
        final List<RouterHarness.Out> out = b.harness.drain();
        assertEquals(1, out.stream().filter(o -> o.connectionId() == DEV && o.body().length > 0 &&
            o.packetType() == PacketType.CONNACK && (o.body()[2] & 1) == 1).count(), "session present");
        assertEquals(List.of(queued), publishes(out.stream().filter(o -> o.connectionId() == DEV &&
            o.body().length > 0 && o.packetType() == PacketType.PUBLISH).toList(), new ArrayList<>(),
            new ArrayList<>()));
    }

    private static List<String> publishes(final List<RouterHarness.Out> out, final List<Integer> packetIds,
        final List<Boolean> dups)
    {
        final List<String> payloads = new ArrayList<>();
        for (final RouterHarness.Out record : out)
        {
            final PublishDecoder decoder = new PublishDecoder().fromServer(true)
                .wrap(new UnsafeBuffer(record.body()), 0, record.body().length, MqttVersion.MQTT_5);
            payloads.add(new String(record.body(), decoder.payloadOffset(), decoder.payloadLength(),
                StandardCharsets.UTF_8));
            packetIds.add(decoder.packetId());
            dups.add(decoder.dup());
        }
        return payloads;
    }

    @Test
    void shouldMoveASessionWithItsInflightQueuedAndInboundQos2StateAndLoseNothingAroundTheCut()
    {
        a.peers = 1L << B;
        b.peers = 1L << A;
        // On A: dev resumes nothing (nobody owns it), subscribes, gets two messages it never acknowledges, leaves
        // a QoS 2 publish of its own unreleased, and goes away; two more messages queue for it.
        a.harness.connect(DEV, "dev", MqttVersion.MQTT_5, false, 3600);
        assertEquals(List.of("resume dev"), a.commands);
        assertTrue(a.harness.drain(DEV, PacketType.CONNACK).isEmpty(), "the CONNACK waits for the directory");
        a.session(ClusterLink.SESSION_OWNER, "dev", A, -1, 1);
        assertEquals(1, a.harness.drain(DEV, PacketType.CONNACK).size());
        a.harness.subscribe(DEV, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t/#", 2));
        a.harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "m1", 1, 1);
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/2", "m2", 2, 2);
        a.harness.publish(DEV, MqttVersion.MQTT_5, "elsewhere", "mine", 2, 7);
        final List<Integer> idsOnA = new ArrayList<>();
        assertEquals(List.of("m1", "m2"), publishes(a.harness.drain(DEV, PacketType.PUBLISH), idsOnA,
            new ArrayList<>()));
        a.harness.closed(DEV);
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/3", "m3", 1, 3);
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/4", "m4", 2, 4);
        a.harness.drain();

        // The client resumes on B: B claims, the directory hands the session over from A.
        b.harness.connect(DEV, "dev", MqttVersion.MQTT_5, false, 3600);
        assertEquals(List.of("resume dev"), b.commands);
        b.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        a.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        a.flushTo(b);
        assertTrue(b.commands.containsAll(List.of("+t/#", "cut dev 1 2")), "routes first, then the cut: " +
            b.commands);
        assertTrue(b.harness.drain(DEV, PacketType.CONNACK).isEmpty(), "still waiting for the session");

        // Before A's cut a message published on A belongs to A's copy; one published on B before B's cut too (B
        // forwards it to A, which still has the route).
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/5", "m5", 1, 5);
        b.route("t/#", 1L << A);
        b.harness.connect(PUB, "pub-b", MqttVersion.MQTT_5, true, 0);
        b.harness.publish(PUB, MqttVersion.MQTT_5, "t/6", "m6", 1, 6);
        b.flushTo(a);
        assertTrue(b.harness.drain(DEV, PacketType.PUBLISH).isEmpty());

        // The cut, in log order on both; after it, what each node publishes goes to B's copy only.
        a.route("t/#", 1L << B);
        a.session(ClusterLink.SESSION_CUT, "dev", B, A, 2);
        b.session(ClusterLink.SESSION_CUT, "dev", B, A, 2);
        b.harness.publish(PUB, MqttVersion.MQTT_5, "t/7", "m7", 1, 7);
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/8", "m8", 1, 8);
        assertFalse(a.toPeer.isEmpty());
        b.flushTo(a);                // B's marker (and m7, which A's copy no longer takes)
        a.flushTo(b);                // A's marker, m8, then the session's records
        b.flushTo(a);                // DONE
        assertTrue(a.commands.contains("-t/#"), "A dropped its copy once B had it: " + a.commands);
        a.harness.tick();
        b.harness.tick();
        assertEquals(1L, b.harness.router.snapshot().sessionsHandedIn());
        assertEquals(1L, a.harness.router.snapshot().sessionsHandedOut());

        final List<RouterHarness.Out> out = b.harness.drain();
        assertEquals(1, out.stream().filter(o -> o.connectionId() == DEV && o.body().length > 0 &&
            o.packetType() == PacketType.CONNACK && (o.body()[2] & 1) == 1).count(), "CONNACK, session present");
        final List<Integer> ids = new ArrayList<>();
        final List<Boolean> dups = new ArrayList<>();
        final List<String> got = publishes(out.stream().filter(o -> o.connectionId() == DEV &&
            o.body().length > 0 && o.packetType() == PacketType.PUBLISH).toList(), ids, dups);
        assertEquals(List.of("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"), got.stream().sorted().toList(),
            "every message once: " + got);
        assertEquals(idsOnA, ids.subList(0, 2), "the deliveries in flight keep their packet ids");
        assertEquals(List.of(true, true), dups.subList(0, 2), "and are sent again as duplicates");
        assertEquals(List.of("m3", "m4", "m5", "m6"), got.subList(2, 6), "A's queue before what B routed");

        // The publisher's QoS 2 exchange goes on on B: its PUBREL is answered, not refused.
        b.harness.raw(DEV, 0x62, 0x02, 0x00, 7);
        assertEquals(1, b.harness.drain(DEV, PacketType.PUBCOMP).size());
    }

    @Test
    void shouldLetANewerHandoffReplaceAnOlderOneWithoutRefusingTheClientItIsFor()
    {
        moveToBBegun();

        // A newer decision for the same session: B's partial copy of the older move goes; the client still waits.
        b.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 3);
        assertTrue(b.commands.contains("-t/#"), "the older partial copy is dropped: " + b.commands);
        assertTrue(b.harness.drain(DEV, PacketType.CONNACK).isEmpty(), "the waiting client is not refused");
        a.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 3);
        assertTrue(a.toPeer.isEmpty(), "A, already moving the session, does not answer the newer move with nothing");

        // The newer move is never served: B gives it back after its wait and refuses the client, which resumes again.
        b.harness.tick(System.nanoTime() + SessionHandoff.WAIT_NS + 1_000_000_000L);
        assertTrue(b.commands.contains("give-back dev 1 3"), b.commands.toString());
        assertEquals(1, b.harness.drain(DEV, PacketType.CONNACK).stream()
            .filter(o -> (o.body()[3] & 0xFF) == 0x88).count());
    }

    @Test
    void shouldEndAMoveOnEveryNodeWhenACleanStartElsewhereTakesTheClientIdMeanwhile()
    {
        moveToBBegun("queued");

        // Before the move is done, a clean start on node 3 takes the id: a plain claim, applied by both in log order.
        final int elsewhere = 3;
        a.session(ClusterLink.SESSION_OWNER, "dev", elsewhere, B, 3);
        b.session(ClusterLink.SESSION_OWNER, "dev", elsewhere, B, 3);
        assertTrue(b.commands.contains("-t/#"), "B's arriving copy ends: " + b.commands);
        assertTrue(a.commands.contains("-t/#"), "A's leaving copy ends: " + a.commands);
        assertEquals(1, b.harness.drain(DEV, PacketType.CONNACK).stream()
            .filter(o -> (o.body()[3] & 0xFF) == 0x88).count(), "B's waiting client is refused");

        // The move's later records and deadlines change nothing: no copy comes back, nothing is given back.
        a.commands.clear();
        b.commands.clear();
        a.session(ClusterLink.SESSION_CUT, "dev", B, A, 2);
        b.session(ClusterLink.SESSION_CUT, "dev", B, A, 2);
        b.flushTo(a);
        a.flushTo(b);
        b.flushTo(a);
        final long late = System.nanoTime() + SessionHandoff.WAIT_NS + 1_000_000_000L;
        a.harness.tick(late);
        b.harness.tick(late);
        a.flushTo(b);
        b.flushTo(a);
        assertFalse(b.commands.contains("+t/#"), "no copy on B: " + b.commands);
        assertFalse(a.commands.contains("+t/#"), "no copy on A: " + a.commands);
        assertFalse(b.commands.stream().anyMatch(c -> c.startsWith("give-back")), b.commands.toString());
        assertFalse(a.commands.stream().anyMatch(c -> c.startsWith("claim")), a.commands.toString());
        assertTrue(b.harness.drain(DEV, PacketType.CONNACK).isEmpty(), "no second answer to the refused client");
        assertEquals(1L, b.harness.router.snapshot().handoffsFailed());
        assertEquals(0L, b.harness.router.snapshot().sessionsHandedIn());
        assertEquals(0L, a.harness.router.snapshot().sessionsHandedOut());
    }

    @Test
    void shouldNotConfirmAHandoffWhosePartTheDataPlaneLostSoThePreviousOwnerKeepsTheSession()
    {
        a.peers = 1L << B;
        b.peers = 1L << A;
        offlineSessionOnA("queued");

        b.harness.connect(DEV, "dev", MqttVersion.MQTT_5, false, 3600);
        b.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        a.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        assertEquals(1, a.toPeer.size());
        a.toPeer.clear();   // the session's subscriptions, lost on the way (a data-plane drop)

        // A hands over anyway once its cut is seen (or its wait is over): its queue and END reach B.
        a.session(ClusterLink.SESSION_CUT, "dev", B, A, 2);
        b.session(ClusterLink.SESSION_CUT, "dev", B, A, 2);
        b.flushTo(a);
        a.harness.tick(System.nanoTime() + SessionHandoff.WAIT_NS + 1_000_000_000L);
        assertFalse(a.toPeer.isEmpty(), "A sent the rest of the session");
        a.flushTo(b);

        assertTrue(b.toPeer.isEmpty(), "B does not confirm (no DONE): it lacks the session's subscriptions");
        assertTrue(b.commands.contains("give-back dev 1 2"), b.commands.toString());
        assertEquals(1, b.harness.drain(DEV, PacketType.CONNACK).stream()
            .filter(o -> (o.body()[3] & 0xFF) == 0x88).count(), "the client is refused and resumes again");

        // A, never confirmed, keeps the session with its queue (the directory gave the id back to it): the client
        // resumes there and finds it.
        a.harness.tick(System.nanoTime() + 3 * SessionHandoff.WAIT_NS);
        assertFalse(a.commands.contains("-t/#"), "A kept the session and its routes: " + a.commands);
        a.harness.connect(DEV + 5, "dev", MqttVersion.MQTT_5, false, 3600);
        a.session(ClusterLink.SESSION_OWNER, "dev", A, -1, 4);
        final List<RouterHarness.Out> out = a.harness.drain();
        assertEquals(1, out.stream().filter(o -> o.connectionId() == DEV + 5 && o.body().length > 0 &&
            o.packetType() == PacketType.CONNACK && (o.body()[2] & 1) == 1).count(), "session present");
        assertEquals(List.of("queued"), publishes(out.stream().filter(o -> o.connectionId() == DEV + 5 &&
            o.body().length > 0 && o.packetType() == PacketType.PUBLISH).toList(), new ArrayList<>(),
            new ArrayList<>()), "nothing lost");
    }

    @Test
    void shouldTakeTheSubscriptionsOfAHandoffThatCameOnTheDataPlaneBeforeThisNodesOwnEvent()
    {
        resumeOnBAnsweredByAFirst();
        assertFalse(b.commands.contains("+t/#"), "nothing to arrive yet: " + b.commands);
        b.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        assertTrue(b.commands.containsAll(List.of("+t/#", "cut dev 1 2")), "kept, then taken with the event: " +
            b.commands);

        cutAndAssertResumedOnB("queued");
        assertEquals(0L, b.harness.router.snapshot().handoffsFailed());
    }

    @Test
    void shouldResumeThroughTheDirectorysAnswerToAQuestionWhenTheHandoffEventWasLostWithTheLeader()
    {
        resumeOnBAnsweredByAFirst();
        // B's SESSION_HANDOFF never comes (the leader died before sending it); a new leader syncs B.
        b.session(ClusterLink.SYNCED, "", B, 0, 0);
        assertTrue(b.commands.contains("query dev"), "the unanswered claim is asked after: " + b.commands);
        b.session(ClusterLink.SESSION_QUERIED, "dev", B, A + ClusterLink.QUERIED_HANDED_OVER, 2);
        assertTrue(b.commands.containsAll(List.of("+t/#", "cut dev 1 2")), "a hand-off, as the event: " +
            b.commands);

        cutAndAssertResumedOnB("queued");
    }

    @Test
    void shouldAnswerAResumeWhosePreviousOwnerSaidNoSessionBeforeThisNodesOwnEventAndDropStaleEarlyRecords()
    {
        a.peers = 1L << B;
        b.peers = 1L << A;
        b.harness.connect(DEV, "dev", MqttVersion.MQTT_5, false, 3600);
        a.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);   // A has no such session: END at once
        a.flushTo(b);
        b.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        assertEquals(1, b.harness.drain(DEV, PacketType.CONNACK).stream()
            .filter(o -> (o.body()[3] & 0xFF) == 0 && (o.body()[2] & 1) == 0).count(), "accepted, no session");
        assertFalse(b.commands.contains("give-back dev 1 2"), b.commands.toString());

        // A second record of an epoch whose first waits for its event is not expected: dropped, counted.
        a.session(ClusterLink.SESSION_HANDOFF, "twice", B, A, 5);
        a.session(ClusterLink.SESSION_HANDOFF, "twice", B, A, 5);
        assertEquals(2, a.toPeer.size(), "A answered the event twice (no such session: END each time)");
        a.flushTo(b);
        b.harness.tick();
        assertEquals(1L, b.harness.router.snapshot().handoffsFailed());
        b.harness.tick(System.nanoTime() + SessionHandoff.WAIT_NS + 1_000_000_000L);
        assertEquals(2L, b.harness.router.snapshot().handoffsFailed(), "the first, when its event never came");

        // A record whose event never comes here is dropped after the wait, counted.
        a.session(ClusterLink.SESSION_HANDOFF, "other", B, A, 7);
        a.flushTo(b);
        b.harness.tick();
        assertEquals(2L, b.harness.router.snapshot().handoffsFailed());
        b.harness.tick(System.nanoTime() + SessionHandoff.WAIT_NS + 1_000_000_000L);
        assertEquals(3L, b.harness.router.snapshot().handoffsFailed());
        b.session(ClusterLink.SESSION_HANDOFF, "other", B, A, 7);
        b.harness.tick(System.nanoTime() + 3 * SessionHandoff.WAIT_NS);
        assertTrue(b.commands.contains("give-back other 1 7"), "the record went, so the late event is given back: " +
            b.commands);
    }

    @Test
    void shouldKeepADepartingSessionWhenItsNewOwnerGoesDown()
    {
        a.peers = 1L << B;
        offlineSessionOnA("queued");

        a.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        assertEquals(1, a.toPeer.size(), "its subscriptions went to the new owner");
        a.peers = 0;    // which went down before it took the session
        a.harness.tick();
        assertFalse(a.commands.contains("-t/#"), "the session and its routes stay: " + a.commands);
        assertEquals("claim dev", a.commands.get(a.commands.size() - 1), "and its ownership is taken back");
        a.session(ClusterLink.SESSION_OWNER, "dev", A, B, 3);
        a.harness.tick();
        assertEquals(1L, a.harness.router.snapshot().handoffsFailed());

        // It is still here, with its queue: the client resumes it on this node, at once (the node owns the id).
        a.harness.connect(DEV + 5, "dev", MqttVersion.MQTT_5, false, 3600);
        final List<RouterHarness.Out> out = a.harness.drain();
        assertEquals(1, out.stream().filter(o -> o.connectionId() == DEV + 5 && o.body().length > 0 &&
            o.packetType() == PacketType.CONNACK && (o.body()[2] & 1) == 1).count(), "session present");
        assertEquals(List.of("queued"), publishes(out.stream().filter(o -> o.connectionId() == DEV + 5 &&
            o.body().length > 0 && o.packetType() == PacketType.PUBLISH).toList(), new ArrayList<>(),
            new ArrayList<>()));
    }

    @Test
    void shouldRefuseAResumeWhileTheSessionsNodeIsDownAndGiveBackAHandoffThatDoesNotFinish()
    {
        b.peers = 1L << A;
        b.harness.connect(DEV, "dev", MqttVersion.MQTT_5, false, 3600);
        b.session(ClusterLink.SESSION_OWNER_DOWN, "dev", A, B, 0);
        assertEquals(1, b.harness.drain(DEV, PacketType.CONNACK).stream()
            .filter(o -> (o.body()[3] & 0xFF) == 0x88).count(), "0x88: its session comes back with its node");

        b.harness.connect(PUB, "dev", MqttVersion.MQTT_5, false, 3600);
        b.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 5);
        b.peers = 0;    // A went down during the hand-off
        b.harness.tick();
        assertTrue(b.commands.contains("give-back dev 1 5"), b.commands.toString());
        assertEquals(1, b.harness.drain(PUB, PacketType.CONNACK).stream()
            .filter(o -> (o.body()[3] & 0xFF) == 0x88).count());
        assertEquals(2L, b.harness.router.snapshot().handoffsFailed());

        // No answer at all (the claim went to a leader that died): 0x88 after the wait, and the next resume claims
        // again instead of taking the id as its own.
        final long lost = 20;
        b.commands.clear();
        b.harness.connect(lost, "dev", MqttVersion.MQTT_5, false, 3600);
        b.harness.tick(System.nanoTime() + SessionHandoff.WAIT_NS + 1_000_000_000L);
        assertEquals(1, b.harness.drain(lost, PacketType.CONNACK).stream()
            .filter(o -> (o.body()[3] & 0xFF) == 0x88).count());
        b.harness.connect(lost + 1, "dev", MqttVersion.MQTT_5, false, 3600);
        assertEquals(List.of("resume dev", "resume dev"), b.commands);
        assertTrue(b.harness.drain(lost + 1, PacketType.CONNACK).isEmpty(), "it waits for the directory again");
    }

    @Test
    void shouldBeginAHandoffOnlyOnceANodeJustRestartedKnowsWhichNodesAreUp()
    {
        offlineSessionOnA("queued");
        a.synced = false;           // just restarted: its sessions' resumes reach it before its first sync
        a.session(ClusterLink.SESSION_HANDOFF, "dev", B, A, 2);
        a.harness.tick();
        assertTrue(a.toPeer.isEmpty(), "B is not known to be up yet: nothing sent, nothing given up");
        a.synced = true;
        a.peers = 1L << B;          // the sync says B is up: its link opens
        a.generation++;
        a.harness.tick();
        assertEquals(1, a.toPeer.size(), "the subscriptions, once synced");
        a.harness.tick();
        assertEquals(0L, a.harness.router.snapshot().handoffsFailed());
    }

    @Test
    void shouldSendACutMarkerInOrderOnceANodeJustRestartedHasItsLink()
    {
        a.synced = false;
        a.session(ClusterLink.SESSION_CUT, "elsewhere", B, 3, 9);   // a move from node 3 to B, cut before the sync
        assertTrue(a.toPeer.isEmpty(), "B's link is not open yet");
        a.synced = true;
        a.peers = 1L << B;
        a.generation++;
        a.harness.tick();
        assertEquals(1, a.toPeer.size(), "the marker, kept in order until the link opened");
    }
}
