package io.ringmq.core.routing;

import io.ringmq.core.SuppressForbidden;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.store.log.LogRecord;
import io.ringmq.store.log.MessageLog;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Routers as two nodes, the data plane a queue each way that loses what is sent to a node that is down (as
 * Aeron does): what the origin forwarded to a node that was down, or lost on a link that closed, reaches that node's
 * persistent session once the node is back, once and in order.
 */
class ForwardOutboxTest
{
    private static final int A = 1;
    private static final int B = 2;
    private static final long DEV = 10;
    private static final long PUB = 11;

    private final ClusterTestNode a = new ClusterTestNode(A);
    private final ClusterTestNode b = new ClusterTestNode(B);

    /** B holds "dev", a persistent session subscribed to t/# whose client has left; A routes t/# to B. */
    private void offlineSessionOnB()
    {
        offlineSessionOn(b);
    }

    private void offlineSessionOn(final ClusterTestNode node)
    {
        offlineSessionOn(node, "t/#", 1);
    }

    /** As above, "dev" subscribed to {@code filter} and owned under {@code epoch}; A routes t/# to B. */
    private void offlineSessionOn(final ClusterTestNode node, final String filter, final long epoch)
    {
        a.peers = 1L << B;
        node.peers = 1L << A;
        persistentSession(node, DEV, "dev", filter, epoch);
        node.harness.closed(DEV);
        node.harness.drain();
        a.route("t/#", 1L << B);
        a.harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        a.harness.drain();
    }

    /** A persistent session on {@code node} (owned there under {@code epoch}) subscribed at QoS 2 to a filter. */
    private static void persistentSession(final ClusterTestNode node, final long connection, final String clientId,
        final String filter, final long epoch)
    {
        node.harness.connect(connection, clientId, MqttVersion.MQTT_5, true, 3600);
        node.session(ClusterLink.SESSION_OWNER, clientId, B, -1, epoch);
        node.harness.subscribe(connection, MqttVersion.MQTT_5, 1, 0, new TopicSubscription(filter, 2));
    }

    private List<String> resumeDevOnB()
    {
        return resumeDevOn(b);
    }

    private static List<String> resumeDevOn(final ClusterTestNode node)
    {
        return resumeOn(node, DEV, "dev", 2);
    }

    /** Resume a persistent session on {@code node} (owned there under {@code epoch}): the payloads it gets. */
    private static List<String> resumeOn(final ClusterTestNode node, final long connection, final String clientId,
        final long epoch)
    {
        node.harness.connect(connection, clientId, MqttVersion.MQTT_5, false, 3600);
        node.session(ClusterLink.SESSION_OWNER, clientId, B, -1, epoch);
        if (node.journal.enabled())
        {
            node.journal.log().force(node.journal.log().position());   // what the journaller does, then says so
            node.harness.synced();
        }
        final List<String> payloads = new ArrayList<>();
        for (final RouterHarness.Out record : node.harness.drain(connection, PacketType.PUBLISH))
        {
            final PublishDecoder decoder = new PublishDecoder().fromServer(true)
                .wrap(new UnsafeBuffer(record.body()), 0, record.body().length, MqttVersion.MQTT_5);
            payloads.add(new String(record.body(), decoder.payloadOffset(), decoder.payloadLength(),
                StandardCharsets.UTF_8));
        }
        return payloads;
    }

    @Test
    void shouldReplayWhatWasPublishedForANodeWhileItWasDownOnceItIsBack()
    {
        offlineSessionOnB();
        a.link(0);      // B is down; the control plane holds its routes
        for (int i = 1; i <= 3; i++)
        {
            a.harness.publish(PUB, MqttVersion.MQTT_5, "t/" + i, "m" + i, 1, i);
        }
        final List<RouterHarness.Out> acks = a.harness.drain(PUB, PacketType.PUBACK);
        assertEquals(3, acks.size(), "acknowledged: kept for B");
        assertEquals(0, acks.get(0).body().length > 4 ? acks.get(0).body()[4] : 0, "success, not 'no subscribers'");
        assertTrue(a.toPeer.isEmpty(), "nothing sent to a node that is down");
        a.harness.tick();
        assertEquals(3L, a.harness.router.snapshot().forwardsKept());

        a.link(1L << B);    // B is back: A replays
        a.flushTo(b, true);
        b.flushTo(a, true); // B's acknowledgement releases A's copies
        assertEquals(List.of("m1", "m2", "m3"), resumeDevOnB());
        a.harness.tick();
        assertEquals(3L, a.harness.router.snapshot().forwardsReplayed());
        assertEquals(0L, a.harness.router.outboxHeldBytes(B), "acknowledged: nothing kept");
    }

    @Test
    void shouldSendAgainWhatALinkThatClosedLostAndDiscardWhatTheNodeHadRoutedAlready()
    {
        offlineSessionOnB();
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "m1", 1, 1);
        a.flushTo(b, true);                         // B routed m1, but its acknowledgement is lost
        b.toPeer.clear();
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/2", "m2", 1, 2);
        a.link(1L << B);                            // m2 is lost with the link; the link opens again
        a.flushTo(b, true);
        b.harness.tick();
        assertEquals(1L, b.harness.router.snapshot().forwardDuplicates(), "m1 again: discarded");
        b.flushTo(a, true);
        assertTrue(a.harness.router.outboxHeldBytes(B) == 0, "both acknowledged");
        assertEquals(List.of("m1", "m2"), resumeDevOnB());
    }

    @Test
    void shouldKeepOrderBehindAReplayThatIsBackedUp()
    {
        offlineSessionOnB();
        a.link(0);
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "m1", 1, 1);
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/2", "m2", 1, 2);
        a.backedUp = true;
        a.link(1L << B);                            // back, but its queue takes nothing yet
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/3", "m3", 1, 3);
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/4", "m4", 1, 4);
        assertTrue(a.toPeer.isEmpty());
        a.backedUp = false;
        a.harness.tick();
        a.flushTo(b, true);
        b.flushTo(a, true);
        assertEquals(List.of("m1", "m2", "m3", "m4"), resumeDevOnB(), "nothing overtakes the replay");
        assertEquals(0L, a.harness.router.outboxHeldBytes(B));
    }

    @Test
    void shouldSendAgainWhatALiveNodeLeftUnacknowledgedPastTheTimeoutOnALinkThatStayedOpen()
    {
        offlineSessionOnB();
        a.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "m1", 1, 1);
        a.toPeer.clear();                           // lost, though the link stays open (a partition)
        a.harness.tick(System.nanoTime() + ForwardWindows.ACK_TIMEOUT_NS / 2);
        assertTrue(a.toPeer.isEmpty(), "not yet");
        a.harness.tick(System.nanoTime() + ForwardWindows.ACK_TIMEOUT_NS + 1_000_000_000L);
        assertEquals(1, a.toPeer.size(), "sent again");
        a.flushTo(b, true);
        b.flushTo(a, true);
        assertEquals(0L, a.harness.router.outboxHeldBytes(B));
        assertEquals(List.of("m1"), resumeDevOnB());
    }

    @Test
    void shouldDiscardAfterItsRestartAForwardANodeRoutedAndJournaledBeforeIt(@TempDir final Path dir) throws Exception
    {
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode before = new ClusterTestNode(B, journal);
            offlineSessionOn(before);
            a.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "exactly once", 2, 1);
            a.flushTo(before, true);                // routed and journaled, then B dies before it acknowledges
        }
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode after = new ClusterTestNode(B, journal);
            after.harness.router.recover(System.nanoTime());
            after.peers = 1L << A;
            a.link(1L << B);                        // B is back: A sends again what B had not acknowledged
            assertEquals(1, a.toPeer.size());
            a.flushTo(after, true);
            after.harness.tick();
            assertEquals(1L, after.harness.router.snapshot().forwardDuplicates(), "known from the journal");
            after.flushTo(a, true);
            assertEquals(0L, a.harness.router.outboxHeldBytes(B), "acknowledged again");
            assertEquals(List.of("exactly once"), resumeDevOn(after));
        }
    }

    /**
     * The crash cut B's batch after the forward's DELIVERIES record but before its FORWARDS_ROUTED (written at the
     * end of the batch): the journal gives "dev" the message, and A, never acknowledged, sends it again. Routed again
     * in full, "dev" would hold it twice: a QoS 2 message delivered twice (ClusterIT saw it after kill -9).
     */
    @Test
    void shouldNotDeliverTwiceAForwardWhoseBatchTheCrashCutBeforeItsRoutedRecord(@TempDir final Path dir)
        throws Exception
    {
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode before = new ClusterTestNode(B, journal);
            offlineSessionOn(before);
            a.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "exactly once", 2, 1);
            a.flushTo(before, true);
            cutFromLast(journal, JournalDescriptor.FORWARDS_ROUTED);
        }
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode after = new ClusterTestNode(B, journal);
            after.harness.router.recover(System.nanoTime());
            after.peers = 1L << A;
            a.link(1L << B);
            assertEquals(1, a.toPeer.size(), "A sends it again");
            a.flushTo(after, true);
            after.flushTo(a, true);
            assertEquals(0L, a.harness.router.outboxHeldBytes(B), "acknowledged");
            assertEquals(List.of("exactly once"), resumeDevOn(after));
            after.harness.tick();
            assertEquals(1L, after.harness.router.snapshot().forwardDuplicates(), "known in part from the journal");
        }
    }

    /**
     * The crash cut B's batch between two sessions' entries: "live" (connected, QoS 2: its OUT_QOS2 record wrote the
     * pending entries first) has the message in its journal, "dev" does not. The forward sent again reaches "dev"
     * and not "live": neither twice nor lost.
     */
    @Test
    void shouldGiveAForwardCutBetweenTwoSessionsOnlyToTheSessionThatHasNotGotIt(@TempDir final Path dir)
        throws Exception
    {
        final long live = 12;
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode before = new ClusterTestNode(B, journal);
            persistentSession(before, live, "live", "t/#", 1);
            offlineSessionOn(before, "t/+", 2);
            a.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "once each", 2, 1);
            a.flushTo(before, true);
            cutFromLast(journal, JournalDescriptor.DELIVERIES);   // "live"'s entry was written before, "dev"'s here
        }
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode after = new ClusterTestNode(B, journal);
            after.harness.router.recover(System.nanoTime());
            after.peers = 1L << A;
            a.link(1L << B);
            a.flushTo(after, true);
            assertEquals(List.of("once each"), resumeDevOn(after), "dev: its entry was cut, so it gets it now");
            after.harness.connect(live, "live", MqttVersion.MQTT_5, false, 3600);
            after.session(ClusterLink.SESSION_OWNER, "live", B, -1, 3);
            after.journal.log().force(after.journal.log().position());
            after.harness.synced();
            assertEquals(1, after.harness.drain(live, PacketType.PUBLISH).size(), "live: the journal's copy only");
            after.harness.tick();
            assertEquals(1L, after.harness.router.snapshot().forwardDuplicates(), "known in part from the journal");
        }
    }

    /**
     * A shared group's forward cut in the middle of its batch: the member whose turn it was has it in its journal.
     * After the restart the group's turn starts over and may fall to another member for the forward sent again; the
     * group has been served, so no member gets it again.
     */
    @Test
    void shouldNotGiveASharedGroupAgainAForwardCutInTheMiddleOfItsBatch(@TempDir final Path dir) throws Exception
    {
        final String[] members = {"m0", "m1", "m2"};
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode before = new ClusterTestNode(B, journal);
            for (int i = 0; i < members.length; i++)
            {
                persistentSession(before, 20 + i, members[i], "$share/g/t/#", 1 + i);
                before.harness.closed(20 + i);
            }
            offlineSessionOn(before, "nothing/#", 9);
            a.route("$share/g/t/#", 1L << B);
            for (int i = 1; i <= members.length; i++)
            {
                a.harness.publish(PUB, MqttVersion.MQTT_5, "t/" + i, "m-" + i, 2, i);
                a.flushTo(before, true);            // each in a batch of its own, a member's turn each
            }
            cutFromLast(journal, JournalDescriptor.FORWARDS_ROUTED);
        }
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode after = new ClusterTestNode(B, journal);
            after.harness.router.recover(System.nanoTime());
            after.peers = 1L << A;
            a.link(1L << B);                        // A sends all three again: B acknowledged none
            a.flushTo(after, true);
            final List<String> group = new ArrayList<>();
            for (int i = 0; i < members.length; i++)
            {
                group.addAll(resumeOn(after, 20 + i, members[i], 10 + i));
            }
            group.sort(null);
            assertEquals(List.of("m-1", "m-2", "m-3"), group, "the group gets each message once");
        }
    }

    /** A crash that ended the log just before the last record of {@code type}: that record and all after it gone. */
    private static void cutFromLast(final Journal journal, final int type)
    {
        final MessageLog log = journal.log();
        final LogRecord record = new LogRecord();
        long cut = -1;
        for (long position = log.startPosition(); position < log.position() && log.read(position, record);
            position = record.nextPosition())
        {
            if (record.type() == type)
            {
                cut = position;
            }
        }
        assertTrue(cut >= 0, "a record of type " + type + " to cut at");
        final int mask = log.segmentLength() - 1;
        assertEquals(log.position() & ~mask, cut & ~mask, "in the current segment");
        log.buffer().setMemory((int)(cut & mask), (int)(log.position() - cut), (byte)0);
    }

    @Test
    @SuppressForbidden(reason = "com.sun.management.ThreadMXBean gives per-thread allocated bytes; HotSpot-only test")
    void shouldNotAllocateOnAWarmedUpQos1ForwardKeptUntilAcknowledged()
    {
        offlineSessionOnB();
        a.discard = true;
        final RouterHarness harness = a.harness;
        final UnsafeBuffer ack = new UnsafeBuffer(new byte[64]);
        final long[] sent = new long[1];
        final MessageHandler counter = (type, buffer, index, length) -> sent[0]++;
        final ExpandableArrayBuffer[] publishes = new ExpandableArrayBuffer[100];
        final int publishLength = harness.encodePublish(MqttVersion.MQTT_5, "t/x", new byte[16], 1, 1, false);
        for (int id = 1; id <= publishes.length; id++)
        {
            publishes[id - 1] = new ExpandableArrayBuffer(64);
            harness.encodePublish(MqttVersion.MQTT_5, "t/x", new byte[16], 1, id, false);
            publishes[id - 1].putBytes(0, harness.scratch, 0, publishLength);
        }
        final Runnable publishAndAck = () ->
        {
            for (final ExpandableArrayBuffer publish : publishes)
            {
                harness.frame(PUB, publish, publishLength);
            }
            final int length = ForwardCodec.encodeForwardAck(ack, 0, B, a.lastSequence);
            harness.event.frame(RingEvent.FORWARDED, 0, -1, length, System.nanoTime()).putBytes(0, ack, 0, length);
            harness.router.onEvent(harness.event, harness.sequence++, true);
            harness.queue.drain(counter, Integer.MAX_VALUE);
        };
        for (int i = 0; i < 500; i++)
        {
            publishAndAck.run();
        }

        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        sent[0] = 0;
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < 1_000; i++)
        {
            publishAndAck.run();
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;

        assertEquals(100_000, sent[0], "each publish acknowledged once B took its forward");
        assertEquals(0L, a.harness.router.outboxHeldBytes(B), "and released from the box");
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes over 100k forwards");
    }

    @Test
    void shouldKeepWhatItAcknowledgedForANodeThatIsDownAcrossItsOwnRestart(@TempDir final Path dir) throws Exception
    {
        offlineSessionOnB();
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode origin = new ClusterTestNode(A, journal);
            origin.route("t/#", 1L << B);          // B is down: its routes are held
            origin.harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
            origin.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "kept across a crash", 1, 1);
            journal.log().force(journal.log().position());
            origin.harness.synced();
            assertEquals(1, origin.harness.drain(PUB, PacketType.PUBACK).size(), "acknowledged once journaled");
        }
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode origin = new ClusterTestNode(A, journal);
            origin.harness.router.recover(System.nanoTime());
            assertTrue(origin.harness.router.outboxHeldBytes(B) > 0, "back in the box from the journal");
            origin.link(1L << B);                   // B is back
            origin.flushTo(b, true);
            b.flushTo(origin, true);
            assertEquals(0L, origin.harness.router.outboxHeldBytes(B));
            assertEquals(List.of("kept across a crash"), resumeDevOnB());
        }
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode origin = new ClusterTestNode(A, journal);
            origin.harness.router.recover(System.nanoTime());
            assertEquals(0L, origin.harness.router.outboxHeldBytes(B), "taken: finished in the journal too");
        }
    }

    @Test
    void shouldStartItsForwardSequencesAboveWhatAPreviousRunReservedWhateverTheClock(@TempDir final Path dir)
        throws Exception
    {
        final long reservedAhead = (System.currentTimeMillis() + 3_600_000L) << 20;    // a clock an hour ahead
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            assertTrue(journal.appendSequencesReserved(reservedAhead) >= 0);
            journal.log().force(journal.log().position());
        }
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final ClusterTestNode origin = new ClusterTestNode(A, journal);
            origin.harness.router.recover(System.nanoTime());
            origin.peers = 1L << B;
            origin.route("t/#", 1L << B);
            origin.harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
            origin.harness.publish(PUB, MqttVersion.MQTT_5, "t/1", "after a clock step back", 1, 1);
            final ForwardCodec codec = new ForwardCodec();
            byte[] forward;
            do
            {
                forward = origin.toPeer.poll();
                assertTrue(codec.wrap(new UnsafeBuffer(forward), 0, forward.length));
            }
            while (codec.routeApplied());   // the route's acknowledgement to B comes first
            assertTrue(codec.originSequence() > reservedAhead, "above the previous run's reservation, not the clock");
        }
    }

    @Test
    void shouldRefuseToItsPublisherAMessageALiveNodesFullBoxCannotKeep()
    {
        offlineSessionOnB();
        final byte[] payload = new byte[1_000_000];
        int refused = 0;
        int accepted = 0;
        for (int id = 1; id <= 80 && 0 == refused; id++)     // never acknowledged by B: the box fills
        {
            final int length = a.harness.encodePublish(MqttVersion.MQTT_5, "t/big", payload, 1, id, false);
            a.harness.frame(PUB, a.harness.scratch, length);
            for (final RouterHarness.Out ack : a.harness.drain(PUB, PacketType.PUBACK))
            {
                assertEquals(0x97, ack.body()[4] & 0xFF, "only a refusal is answered before B takes it");
                refused++;
            }
            accepted = 0 == refused ? id : accepted;
        }
        assertEquals(1, refused, "refused once the box is full");
        assertTrue(accepted >= 60, "after most of 64 MiB: " + accepted);
        assertEquals(accepted, a.toPeer.stream().filter(f -> f.length > 1_000_000).count(), "the accepted ones went");
        a.harness.tick();
        assertEquals(1L, a.harness.router.snapshot().forwardsNotKept());
    }
}
