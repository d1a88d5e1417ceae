package io.ringmq.core.routing;

import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.session.Session;
import io.ringmq.store.log.LogCorruptedException;
import io.ringmq.store.log.LogRecord;
import io.ringmq.store.log.MessageLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal as the Router uses it: state written by one Router is rebuilt by the next one from the same folder.
 * A "restart" closes the journal without the broker's shutdown (no SHUTDOWN event: wills stay due, nothing is
 * tidied up), which leaves the files as a killed process leaves its mapped pages.
 */
@Timeout(60)
class JournalRecoveryTest
{
    private static final long PUB = 1;
    private static final long SUB = 2;
    private static final long OTHER = 3;
    private static final int V5 = MqttVersion.MQTT_5;
    private static final int SEGMENT = 64 * 1024;

    @TempDir
    Path dir;

    private final List<Journal> journals = new ArrayList<>();
    private BrokerConfig config = new BrokerConfig().sysIntervalSeconds(0).maxPacketSize(16 * 1024);

    @AfterEach
    void closeAll()
    {
        for (final Journal journal : journals)
        {
            journal.close();
        }
    }

    private RecoveryResult lastRecovery;

    private RouterHarness start(final String sync, final long maxBytes) throws IOException
    {
        final Journal journal = Journal.open(dir, SEGMENT, maxBytes, sync);
        journals.add(journal);
        final RouterHarness harness = new RouterHarness(config, journal);
        lastRecovery = harness.router.recover(System.nanoTime());
        return harness;
    }

    private RouterHarness start() throws IOException
    {
        return start(Journal.SYNC_NONE, 0);
    }

    private RouterHarness restart() throws IOException
    {
        journals.remove(journals.size() - 1).close();
        return start(Journal.SYNC_NONE, 0);
    }

    private static String payload(final RouterHarness.Out publish)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(publish.body());
        final PublishDecoder decoder = new PublishDecoder().wrap(buffer, 0, publish.body().length, V5);
        return buffer.getStringWithoutLengthUtf8(decoder.payloadOffset(), decoder.payloadLength());
    }

    private static int packetId(final RouterHarness.Out packet)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(packet.body());
        return new PublishDecoder().wrap(buffer, 0, packet.body().length, V5).packetId();
    }

    private static int ackReason(final RouterHarness.Out ack)
    {
        return ack.body().length > 4 ? ack.body()[4] & 0xFF : 0;
    }

    private static List<RouterHarness.Out> only(final List<RouterHarness.Out> out, final int packetType)
    {
        final List<RouterHarness.Out> packets = new ArrayList<>();
        for (final RouterHarness.Out packet : out)
        {
            if (packet.body().length > 0 && packet.packetType() == packetType)
            {
                packets.add(packet);
            }
        }
        return packets;
    }

    private static List<String> payloads(final List<RouterHarness.Out> publishes)
    {
        final List<String> out = new ArrayList<>();
        for (final RouterHarness.Out publish : publishes)
        {
            out.add(payload(publish));
        }
        return out;
    }

    /** SUB online with a persistent session subscribed to {@code filter}, and PUB connected with a clean one. */
    private static void onlineSubscriber(final RouterHarness harness, final String filter, final int qos)
    {
        harness.connect(SUB, "sub", V5, false, 3600);
        harness.subscribe(SUB, V5, 1, 0, new TopicSubscription(filter, qos));
        harness.connect(PUB, "pub", V5, true, 0);
        harness.drain();
    }

    /** Restarts as node 1 of a cluster, with {@link #recordingLink}: recovery sees the cluster link. */
    private RouterHarness restartInCluster(final List<String> told) throws IOException
    {
        journals.remove(journals.size() - 1).close();
        final Journal journal = Journal.open(dir, SEGMENT, 0, Journal.SYNC_NONE);
        journals.add(journal);
        final RouterHarness harness = new RouterHarness(config, journal);
        harness.router.clusterLink(recordingLink(told));
        harness.router.recover(System.nanoTime());
        return harness;
    }

    /** A cluster link of node 1 that records the wills, expiries seen and route removals it is told. */
    private static ClusterLink recordingLink(final List<String> told)
    {
        return new ClusterLink()
        {
            public int nodeId()
            {
                return 1;
            }

            public void onLocalFilterAdded(final String filter)
            {
            }

            public void onLocalFilterRemoved(final String filter)
            {
                told.add("-" + filter);
            }

            public boolean forward(final long nodes, final DirectBuffer message, final int offset, final int length)
            {
                return true;
            }

            public long peers()
            {
                return 0;
            }

            public void claimSession(final String clientId)
            {
            }

            public void releaseSession(final String clientId, final long epoch)
            {
            }

            public void sessionExpiredSeen(final String clientId)
            {
                told.add("seen " + clientId);
            }

            public int maxRetainedLength()
            {
                return Integer.MAX_VALUE;
            }

            public boolean retain(final DirectBuffer message, final int offset, final int length)
            {
                return true;
            }

            public void registerWill(final String clientId, final DirectBuffer will, final int offset,
                final int length, final long delaySeconds, final boolean running)
            {
                told.add("set " + clientId);
            }

            public void clearWill(final String clientId)
            {
                told.add("clear " + clientId);
            }

            public void resetWills()
            {
                told.add("reset");
            }
        };
    }

    private void offlineSubscriber(final RouterHarness harness, final String filter, final int qos)
    {
        harness.connect(SUB, "sub", V5, false, 3600);
        harness.subscribe(SUB, V5, 1, 0, new TopicSubscription(filter, qos));
        harness.closed(SUB);
        harness.drain();
    }

    @Test
    void shouldCountRecoveredSessionsAndQueuesInTheBrokersSums() throws IOException
    {
        RouterHarness harness = start();
        onlineSubscriber(harness, "t/#", 1);
        harness.connect(OTHER, "other", V5, false, 3600);
        harness.closed(SUB);
        for (int i = 1; i <= 4; i++)
        {
            harness.publish(PUB, V5, "t/" + i, "m" + i, 1, i);
        }
        harness.tick();
        assertEquals(2, harness.router.snapshot().sessionTally().persistentSessions(),
            "sub and other are journaled, pub is clean");
        assertEquals(4, harness.router.snapshot().sessionTally().queuedMessages());

        harness = restart();
        harness.tick();
        assertEquals(2, harness.router.snapshot().sessionTally().persistentSessions(), "recovered sessions count once");
        assertEquals(4, harness.router.snapshot().sessionTally().queuedMessages(), "and so do their queues");
        final long bytes = harness.router.snapshot().sessionTally().queuedBytes();
        assertTrue(bytes > 0);

        harness.connect(SUB, "sub", V5, false, 3600);     // resumes: the queue goes out within the window
        harness.tick();
        assertEquals(0, harness.router.snapshot().sessionTally().queuedMessages());
        harness.admin(view -> view.deleteSession("other"));
        harness.tick();
        assertEquals(1, harness.router.snapshot().sessionTally().persistentSessions());
    }

    @Test
    void shouldRedeliverQueuedMessagesOfOfflineSessionAfterRestart() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "t/#", 1);
        harness.connect(PUB, "pub", V5, true, 0);
        for (int i = 1; i <= 5; i++)
        {
            harness.publish(PUB, V5, "t/" + i, "m" + i, 1, i);
        }
        final List<RouterHarness.Out> acks = harness.drain(PUB, PacketType.PUBACK);
        assertEquals(5, acks.size());

        harness = restart();
        harness.connect(SUB, "sub", V5, false, 3600);
        final List<RouterHarness.Out> out = harness.drain();
        assertEquals(PacketType.CONNACK, out.get(1).packetType());
        assertEquals(1, out.get(1).body()[2] & 0x01, "session present after restart");
        assertEquals(List.of("m1", "m2", "m3", "m4", "m5"), payloads(only(out, PacketType.PUBLISH)));
    }

    @Test
    void shouldNotRedeliverAcknowledgedMessagesAndKeepSubscriptions() throws IOException
    {
        RouterHarness harness = start();
        onlineSubscriber(harness, "t/#", 1);
        harness.publish(PUB, V5, "t/a", "acked", 1, 1);
        harness.publish(PUB, V5, "t/a", "unacked", 1, 2);
        final List<RouterHarness.Out> received = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(2, received.size());
        harness.raw(SUB, 0x40, 0x02, 0x00, packetId(received.get(0)));

        harness = restart();
        harness.connect(SUB, "sub", V5, false, 3600);
        assertEquals(List.of("unacked"), payloads(harness.drain(SUB, PacketType.PUBLISH)));
        harness.connect(PUB, "pub", V5, true, 0);
        harness.publish(PUB, V5, "t/b", "after", 1, 3);
        assertEquals(List.of("after"), payloads(harness.drain(SUB, PacketType.PUBLISH)),
            "the subscription came back without subscribing again");
    }

    @Test
    void shouldKeepRetainedMessagesAndTheirClearing() throws IOException
    {
        RouterHarness harness = start();
        harness.connect(PUB, "pub", V5, true, 0);
        final int kept = harness.encodePublishRetained(V5, "r/kept", "v2", 1, 1);
        harness.frame(PUB, harness.scratch, kept);
        harness.frame(PUB, harness.scratch, harness.encodePublishRetained(V5, "r/gone", "x", 0, 0));
        harness.frame(PUB, harness.scratch, harness.encodePublishRetained(V5, "r/gone", "", 0, 0));
        harness.drain();

        harness = restart();
        harness.connect(SUB, "fresh", V5, true, 0);
        harness.subscribe(SUB, V5, 1, 0, new TopicSubscription("r/#", 1));
        assertEquals(List.of("v2"), payloads(harness.drain(SUB, PacketType.PUBLISH)));
    }

    @Test
    void shouldNotDeliverAResentQos2PublishTwiceAcrossRestart() throws IOException
    {
        RouterHarness harness = start();
        harness.connect(SUB, "sub", V5, false, 3600);
        harness.subscribe(SUB, V5, 1, 0, new TopicSubscription("q/#", 2));
        harness.connect(PUB, "pub", V5, false, 3600);
        harness.drain();
        harness.publish(PUB, V5, "q/1", "once", 2, 7);
        assertEquals(1, harness.drain(PUB, PacketType.PUBREC).size());

        harness = restart();
        harness.connect(PUB, "pub", V5, false, 3600);
        harness.drain();
        harness.frame(PUB, harness.scratch, harness.encodePublish(V5, "q/1",
            "once".getBytes(StandardCharsets.UTF_8), 2, 7, true));
        assertEquals(1, harness.drain(PUB, PacketType.PUBREC).size(), "the duplicate is acknowledged again");
        harness.raw(PUB, 0x62, 0x02, 0x00, 7);
        final List<RouterHarness.Out> pubcomp = harness.drain(PUB, PacketType.PUBCOMP);
        assertEquals(1, pubcomp.size());
        assertEquals(2, pubcomp.get(0).body()[1], "PUBCOMP success: packet id was known");
        harness.connect(SUB, "sub", V5, false, 3600);
        final List<RouterHarness.Out> resent = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(List.of("once"), payloads(resent), "delivered once, not once per PUBLISH received");
    }

    @Test
    void shouldResumeOutboundQos2WithOriginalPacketIdsAndPubrel() throws IOException
    {
        RouterHarness harness = start();
        onlineSubscriber(harness, "q/#", 2);
        harness.publish(PUB, V5, "q/1", "released", 2, 1);
        harness.publish(PUB, V5, "q/2", "sent", 2, 2);
        final List<RouterHarness.Out> sent = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(2, sent.size());
        final int releasedId = packetId(sent.get(0));
        final int sentId = packetId(sent.get(1));
        harness.raw(SUB, 0x50, 0x02, 0x00, releasedId);
        assertEquals(1, harness.drain(SUB, PacketType.PUBREL).size());

        harness = restart();
        harness.connect(SUB, "sub", V5, false, 3600);
        final List<RouterHarness.Out> out = harness.drain();
        final List<RouterHarness.Out> pubrel = only(out, PacketType.PUBREL);
        final List<RouterHarness.Out> publish = only(out, PacketType.PUBLISH);
        assertEquals(1, pubrel.size());
        assertEquals(releasedId, ((pubrel.get(0).body()[2] & 0xFF) << 8) | (pubrel.get(0).body()[3] & 0xFF));
        assertEquals(1, publish.size());
        assertEquals(sentId, packetId(publish.get(0)), "resent under its original packet id");
        assertTrue((publish.get(0).flags() & 0x08) != 0, "with DUP");
        assertEquals("sent", payload(publish.get(0)));
    }

    @Test
    void shouldForgetSessionsEndedByCleanStart() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "t/#", 1);
        harness.connect(SUB, "sub", V5, true, 0);
        harness.closed(SUB);
        harness.connect(PUB, "pub", V5, true, 0);
        harness.publish(PUB, V5, "t/x", "nobody", 1, 1);
        harness.drain();

        harness = restart();
        harness.connect(SUB, "sub", V5, false, 3600);
        final List<RouterHarness.Out> out = harness.drain();
        assertEquals(PacketType.CONNACK, out.get(1).packetType());
        assertEquals(0, out.get(1).body()[2] & 0x01, "no session present");
        assertEquals(2, out.size(), "CONNECTED and CONNACK only: " + out);
    }

    @Test
    void shouldPublishWillOfConnectionCutOffByTheStop() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "wills/#", 1);
        harness.connectWithWill(OTHER, "device", V5, "wills/device", "gone", 1);
        assertEquals(1, harness.drain(OTHER, PacketType.CONNACK).size());

        harness = restart();
        harness.connect(SUB, "sub", V5, false, 3600);
        assertEquals(List.of("gone"), payloads(harness.drain(SUB, PacketType.PUBLISH)));
    }

    @Test
    void shouldDropTheRecoveredSessionsThatExpiredInTheClusterWhileTheNodeWasDown() throws IOException
    {
        RouterHarness harness = start();
        for (final String id : List.of("expired", "kept", "claimed", "late"))
        {
            harness.connect(SUB, id, V5, false, 3600);
            harness.subscribe(SUB, V5, 1, 0, new TopicSubscription("t/" + id, 1));
            harness.closed(SUB);
        }
        harness.drain();

        final List<String> told = new ArrayList<>();
        harness = restartInCluster(told);
        harness.connect(SUB, "claimed", V5, false, 3600);    // before the sync: its resume claims the id
        harness.clusterSession(ClusterLink.SESSION_EXPIRED, "expired", 1, 0, 0);
        harness.clusterSession(ClusterLink.SESSION_EXPIRED, "claimed", 1, 0, 0);
        harness.clusterSession(ClusterLink.SESSION_EXPIRED, "unknown", 1, 0, 0);
        harness.clusterSession(ClusterLink.SYNCED, "", 1, 0, 0);
        harness.clusterSession(ClusterLink.SESSION_EXPIRED, "late", 1, 0, 0);
        assertEquals(List.of("-t/expired", "seen expired", "seen claimed", "seen unknown", "reset", "seen late"), told,
            "only the copy nothing of this run touched, and only before the first sync; each one seen");
        harness.tick();
        assertEquals(1, harness.router.snapshot().sessionsExpiredWhileDown());

        harness = restart();
        for (final String id : List.of("expired", "kept", "late"))
        {
            harness.connect(OTHER, id, V5, false, 3600);
            final List<RouterHarness.Out> out = harness.drain(OTHER, PacketType.CONNACK);
            assertEquals(!"expired".equals(id), 0 != (out.get(0).body()[2] & 0x01), id + ": session present");
            harness.closed(OTHER);
        }
    }

    @Test
    void shouldResumeARecoveredSessionUnlessTheDirectorySaysItExpiredWhileTheNodeWasDown() throws IOException
    {
        RouterHarness harness = start();
        for (final String id : List.of("expired", "unknown"))
        {
            harness.connect(SUB, id, V5, false, 3600);
            harness.subscribe(SUB, V5, 1, 0, new TopicSubscription("t/" + id, 1));
            harness.closed(SUB);
        }
        harness.drain();
        harness = restartInCluster(new ArrayList<>());

        // Both resumed before the first sync: each waits for the directory, which had no entry for either.
        harness.connect(SUB, "expired", V5, false, 3600);
        harness.connect(OTHER, "unknown", V5, false, 3600);
        harness.clusterSession(ClusterLink.SESSION_OWNER, "expired", 1, ClusterLink.PREVIOUS_EXPIRED, 7);
        harness.clusterSession(ClusterLink.SESSION_OWNER, "unknown", 1, -1, 8);
        final List<RouterHarness.Out> connacks = harness.drain().stream()
            .filter(o -> o.body().length > 2 && o.packetType() == PacketType.CONNACK).toList();
        assertEquals(List.of(SUB, OTHER), connacks.stream().map(RouterHarness.Out::connectionId).toList());
        assertEquals(0, connacks.get(0).body()[2] & 0x01,
            "expired in the cluster meanwhile: a fresh session, as on any node");
        assertEquals(1, connacks.get(1).body()[2] & 0x01,
            "never known to the directory (its claim lost in the crash): resumed, its queue kept");
        harness.tick();
        assertEquals(1, harness.router.snapshot().sessionsExpiredWhileDown());
    }

    @Test
    void shouldHoldTheWillsOfAClusterNodeUntilItsSyncSaysWhichTheControlPlaneTookOver() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "wills/#", 1);
        harness.connectWithWill(OTHER, "taken-published", V5, "wills/a", "a", 1);
        harness.connectWithWill(OTHER + 1, "taken-pending", V5, "wills/b", "b", 1);
        harness.connectWithWill(OTHER + 2, "never-registered", V5, "wills/c", "c", 1);
        harness.drain();

        final List<String> told = new ArrayList<>();
        harness = restartInCluster(told);
        assertTrue(queuedTopics(harness).isEmpty(), "held until the sync: " + queuedTopics(harness));

        harness.clusterSession(ClusterLink.WILL_TAKEN, "taken-published", 1, 1, 0);
        harness.clusterSession(ClusterLink.WILL_TAKEN, "taken-pending", 1, 0, 0);
        harness.clusterSession(ClusterLink.SYNCED, "", 1, 0, 0);
        assertEquals(List.of("wills/c"), queuedTopics(harness), "only the will the control plane never had");
        assertEquals(List.of("clear taken-published", "reset", "clear never-registered"), told,
            "the published one is known here now; the pending one stays the control plane's to publish");

        // The control plane has this node publish another node's will: routed here like any will.
        final UnsafeBuffer topic = new UnsafeBuffer("wills/d".getBytes(StandardCharsets.UTF_8));
        final UnsafeBuffer payload = new UnsafeBuffer("d".getBytes(StandardCharsets.UTF_8));
        final int length = ForwardCodec.length(topic.capacity(), 0, payload.capacity());
        final org.agrona.MutableDirectBuffer frame =
            harness.event.frame(RingEvent.CLUSTER_WILL, 2, -1, length, System.nanoTime());
        ForwardCodec.encode(frame, 0, 1, false, -1, 2, 0, topic, 0, topic.capacity(), payload, 0, payload.capacity());
        harness.router.onEvent(harness.event, harness.sequence++, true);
        assertEquals(List.of("wills/c", "wills/d"), queuedTopics(harness));
    }

    private static List<String> queuedTopics(final RouterHarness harness)
    {
        return harness.router.session("sub").queue().stream().map(d -> d.message().topicName()).toList();
    }

    @Test
    void shouldNotPublishWillOfConnectionThatDisconnectedNormally() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "wills/#", 1);
        harness.connectWithWill(OTHER, "device", V5, "wills/device", "gone", 1);
        harness.raw(OTHER, 0xE0, 0x00);
        harness.drain();

        harness = restart();
        harness.connect(SUB, "sub", V5, false, 3600);
        assertTrue(harness.drain(SUB, PacketType.PUBLISH).isEmpty());
    }

    @Test
    void shouldBoundTheLogWhileQueuedMessagesSurviveSnapshots() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "keep/#", 1);
        harness.connect(PUB, "pub", V5, true, 0);
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            harness.publish(PUB, V5, "keep/" + i, "k" + i, 1, 1 + i);
            expected.add("k" + i);
        }
        harness.connect(OTHER, "online", V5, false, 3600);
        harness.subscribe(OTHER, V5, 1, 0, new TopicSubscription("churn/#", 1));
        harness.drain();
        final Journal journal = journals.get(journals.size() - 1);
        final long maxOnDisk = churn(harness, 2_000, 0, 20);
        harness.tick();
        harness.tick();
        assertTrue(journal.log().startPosition() > 0, "old segments were deleted: start " +
            journal.log().startPosition() + " position " + journal.log().position() + " checkpoint " +
            journal.checkpoint().recoveryPosition() + "/" + journal.checkpoint().retainPosition() + " on disk " +
            journal.log().bytesOnDisk());
        // 2 MB went through the log; what stays is the live data plus the growth between snapshots.
        assertTrue(maxOnDisk <= 8L * SEGMENT, "at most 8 segments on disk, saw " + maxOnDisk);

        harness = restart();
        harness.connect(SUB, "sub", V5, false, 3600);
        assertEquals(expected, payloads(harness.drain(SUB, PacketType.PUBLISH)));
    }

    @Test
    void shouldHoldAcknowledgementsUntilTheLogIsForcedWithSyncBatch() throws IOException
    {
        final RouterHarness harness = start(Journal.SYNC_BATCH, 0);
        offlineSubscriber(harness, "t/#", 1);
        harness.connect(PUB, "pub", V5, true, 0);
        harness.drain();
        harness.publish(PUB, V5, "t/1", "durable", 1, 1);
        assertTrue(harness.drain(PUB, PacketType.PUBACK).isEmpty(), "no PUBACK before the force");

        final Journal journal = journals.get(0);
        journal.log().force(journal.log().position());
        harness.synced();
        assertEquals(1, harness.drain(PUB, PacketType.PUBACK).size());
    }

    @Test
    void shouldRefuseWithQuotaExceededWhenTheStoreIsFullAndLoseNothingAcknowledged() throws IOException
    {
        config = config.maxQueuedMessages(100_000);
        RouterHarness harness = start(Journal.SYNC_NONE, 3L * SEGMENT);
        offlineSubscriber(harness, "t/#", 1);
        harness.connect(PUB, "pub", V5, true, 0);
        harness.drain();
        final List<String> accepted = new ArrayList<>();
        int refused = 0;
        final String payload = ":" + "y".repeat(2000);
        for (int i = 0; i < 400 && refused < 3; i++)
        {
            harness.publish(PUB, V5, "t/" + i, i + ":" + payload, 1, 1 + i);
            final List<RouterHarness.Out> acks = harness.drain(PUB, PacketType.PUBACK);
            assertEquals(1, acks.size());
            if (ackReason(acks.get(0)) == ReasonCode.QUOTA_EXCEEDED)
            {
                refused++;
            }
            else
            {
                assertEquals(0, ackReason(acks.get(0)));
                accepted.add(i + ":" + payload);
            }
        }
        assertEquals(3, refused, "the full store refuses with 0x97");
        assertTrue(journals.get(journals.size() - 1).refusedRecords() >= refused, "every refused record is counted");
        assertFalse(accepted.isEmpty());

        journals.remove(journals.size() - 1).close();
        harness = start(Journal.SYNC_NONE, 3L * SEGMENT);
        harness.connect(SUB, "sub", V5, false, 3600);
        final List<String> delivered = new ArrayList<>();
        List<RouterHarness.Out> batch;
        while (!(batch = harness.drain(SUB, PacketType.PUBLISH)).isEmpty())
        {
            for (final RouterHarness.Out publish : batch)
            {
                delivered.add(payload(publish));
                final int id = packetId(publish);
                harness.raw(SUB, 0x40, 0x02, id >> 8, id & 0xFF);
            }
        }
        assertEquals(accepted.size(), delivered.size(), "every accepted message is delivered after the restart");
        assertTrue(accepted.equals(delivered), "in order and intact");

        // Everything is acknowledged now: a snapshot fits in the reserve, old segments go, the store takes more.
        final Journal journal = journals.get(journals.size() - 1);
        for (int i = 0; i < 200 && journal.log().isFull(); i++)
        {
            harness.tick();
            LockSupport.parkNanos(10_000_000L);  // the segment allocator thread creates the next segment
        }
        assertFalse(journal.log().isFull(), "the store recovers once the queue is drained: start " +
            journal.log().startPosition() + " position " + journal.log().position() + " disk " +
            journal.log().bytesOnDisk() + " remaining " + journal.log().remainingInSegment() + " checkpoint " +
            journal.checkpoint().recoveryPosition() + "/" + journal.checkpoint().retainPosition());
        harness.connect(PUB, "pub", V5, true, 0);
        harness.publish(PUB, V5, "t/again", "again", 1, 1);
        assertEquals(0, ackReason(harness.drain(PUB, PacketType.PUBACK).get(0)));
    }

    @Test
    void shouldReportWhatWasRecovered() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "t/#", 2);
        harness.connect(PUB, "pub", V5, true, 0);
        harness.publish(PUB, V5, "t/1", "a", 1, 1);
        harness.publish(PUB, V5, "t/2", "b", 2, 2);
        harness.drain();

        journals.remove(0).close();
        final Journal journal = Journal.open(dir, SEGMENT, 0, Journal.SYNC_NONE);
        journals.add(journal);
        harness = new RouterHarness(config, journal);
        final RecoveryResult result = harness.router.recover(System.nanoTime());
        assertNotNull(result);
        assertEquals(1, result.sessions());
        assertEquals(1, result.subscriptions());
        assertEquals(2, result.queued());
        assertEquals(0, result.log().truncatedBytes());
    }

    @Test
    void shouldKeepUnsubscribeAcrossRestart() throws IOException
    {
        RouterHarness harness = start();
        harness.connect(SUB, "sub", V5, false, 3600);
        harness.subscribe(SUB, V5, 1, 0, new TopicSubscription("a/#", 1), new TopicSubscription("b/#", 1));
        harness.frame(SUB, harness.scratch, harness.encodeUnsubscribe(V5, 2, "a/#"));
        harness.closed(SUB);
        harness.drain();

        harness = restart();
        harness.connect(PUB, "pub", V5, true, 0);
        harness.publish(PUB, V5, "a/1", "gone", 1, 1);
        harness.publish(PUB, V5, "b/1", "kept", 1, 2);
        harness.connect(SUB, "sub", V5, false, 3600);
        assertEquals(List.of("kept"), payloads(harness.drain(SUB, PacketType.PUBLISH)));
    }

    @Test
    void shouldKeepRetainedMessagesThroughSnapshotsAndSegmentDeletion() throws IOException
    {
        RouterHarness harness = start();
        harness.connect(PUB, "pub", V5, true, 0);
        harness.frame(PUB, harness.scratch, harness.encodePublishRetained(V5, "r/old", "survives", 1, 1));
        harness.connect(OTHER, "online", V5, false, 3600);
        harness.subscribe(OTHER, V5, 1, 0, new TopicSubscription("churn/#", 1));
        harness.drain();
        final Journal journal = journals.get(journals.size() - 1);
        churn(harness, 1_500, 0, 20);
        harness.tick();
        assertTrue(journal.log().startPosition() > 0, "the segment of the retained PUBLISH was deleted");

        harness = restart();
        harness.connect(SUB, "fresh", V5, true, 0);
        harness.subscribe(SUB, V5, 1, 0, new TopicSubscription("r/#", 1));
        assertEquals(List.of("survives"), payloads(harness.drain(SUB, PacketType.PUBLISH)));
    }

    @Test
    void shouldCutATornTailAndKeepEverythingBeforeIt() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "t/#", 1);
        harness.connect(PUB, "pub", V5, true, 0);
        harness.publish(PUB, V5, "t/1", "before", 1, 1);
        harness.drain();
        final Journal journal = journals.get(journals.size() - 1);
        final long tornAt = journal.log().position();
        harness.publish(PUB, V5, "t/2", "torn", 1, 2);
        harness.drain();
        final long end = journal.log().position();
        journals.remove(journals.size() - 1).close();

        // A power loss in the middle of the last records: the bytes after the first one of them never made it.
        final Path segment = dir.resolve("log").resolve(String.format(java.util.Locale.ROOT, "%020d.log",
            tornAt & ~(long)(SEGMENT - 1)));
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(segment,
            java.nio.file.StandardOpenOption.WRITE))
        {
            final int from = (int)(tornAt & (SEGMENT - 1)) + 24;
            channel.write(java.nio.ByteBuffer.allocate((int)(end - tornAt) - 24), from);
        }
        final Journal reopened = Journal.open(dir, SEGMENT, 0, Journal.SYNC_NONE);
        journals.add(reopened);
        harness = new RouterHarness(config, reopened);
        final RecoveryResult result = harness.router.recover(System.nanoTime());
        assertTrue(result.log().truncatedBytes() > 0, "the torn record was cut");
        assertEquals(tornAt, result.log().endPosition());
        harness.connect(SUB, "sub", V5, false, 3600);
        assertEquals(List.of("before"), payloads(harness.drain(SUB, PacketType.PUBLISH)));
    }

    @Test
    void shouldRefuseToCutAcknowledgedMessagesAfterMidLogDamageUnlessAllowed() throws IOException
    {
        RouterHarness harness = start();
        offlineSubscriber(harness, "t/#", 1);
        harness.connect(PUB, "pub", V5, true, 0);
        harness.drain();
        final Journal journal = journals.get(journals.size() - 1);
        final int messages = 200;
        final int damaged = 30;
        long damagedAt = -1;
        for (int i = 0; i < messages; i++)
        {
            if (i == damaged)
            {
                damagedAt = journal.log().position();  // the MESSAGE record of this PUBLISH goes here
            }
            harness.publish(PUB, V5, "t/" + i, String.format(Locale.ROOT, "m%03d-%0200d", i, 0), 1, i + 1);
            assertEquals(1, harness.drain(PUB, PacketType.PUBACK).size(), "acknowledged");
        }
        final long end = journal.log().position();
        journals.remove(journals.size() - 1).close();

        // What a cut at the damaged record would lose: every record after it, counted on the undamaged log.
        final Path logDir = dir.resolve("log");
        final long damagedRecordAt = damagedAt;
        final long[] after = new long[1];
        try (MessageLog log = MessageLog.open(logDir, SEGMENT, 0, 0))
        {
            log.recover(0, (record) -> after[0] += record.position() > damagedRecordAt ? 1 : 0);
        }
        assertTrue(after[0] > messages - damaged, "records after the damage: " + after[0]);
        // 64 bytes of garbage inside the MESSAGE record's body, in the middle of the log.
        final Path segment = logDir.resolve(String.format(Locale.ROOT, "%020d.log",
            damagedAt & ~(long)(SEGMENT - 1)));
        final byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte)0x5A);
        try (FileChannel channel = FileChannel.open(segment,
            StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.wrap(garbage), (damagedAt & (SEGMENT - 1)) + 40);
        }
        final byte[] damagedBytes = Files.readAllBytes(segment);

        final Journal refusing = Journal.open(dir, SEGMENT, 0, Journal.SYNC_NONE);
        journals.add(refusing);
        final RouterHarness refused = new RouterHarness(config, refusing);
        final LogCorruptedException ex = assertThrows(LogCorruptedException.class,
            () -> refused.router.recover(System.nanoTime()));
        assertEquals(damagedAt, ex.damagePosition());
        assertEquals(after[0], ex.followingRecords());
        assertEquals(end - damagedAt, ex.cutBytes());
        journals.remove(journals.size() - 1).close();
        assertArrayEquals(damagedBytes, Files.readAllBytes(segment),
            "a refusal changes nothing");

        final Journal allowing = Journal.open(dir, SEGMENT, 0, Journal.SYNC_NONE, true);
        journals.add(allowing);
        harness = new RouterHarness(config, allowing);
        final RecoveryResult result = harness.router.recover(System.nanoTime());
        assertEquals(damagedAt, result.log().endPosition());
        assertEquals(after[0], result.log().truncatedRecords());
        assertEquals(end - damagedAt, result.log().truncatedBytes());
        assertNotNull(result.log().quarantineFile());
        assertEquals(end - damagedAt, Files.size(result.log().quarantineFile()));
        harness.connect(SUB, "sub", V5, false, 3600);
        final List<String> received = payloads(harness.drain(SUB, PacketType.PUBLISH));
        assertEquals(damaged, received.size(), "the messages before the damage: " + received);
        for (int i = 0; i < damaged; i++)
        {
            assertTrue(received.get(i).startsWith(String.format(Locale.ROOT, "m%03d-", i)), received.get(i));
        }
    }

    @Test
    void shouldHoldQos2PublishToSubscriberButNotQos1UntilForcedWithSyncBatch() throws IOException
    {
        final RouterHarness harness = start(Journal.SYNC_BATCH, 0);
        final Journal journal = journals.get(0);
        harness.connect(SUB, "sub", V5, false, 3600);
        harness.subscribe(SUB, V5, 1, 0, new TopicSubscription("q/#", 2));
        harness.connect(PUB, "pub", V5, true, 0);
        journal.log().force(journal.log().position());
        harness.synced();
        harness.drain();

        harness.publish(PUB, V5, "q/1", "qos1", 1, 1);
        harness.publish(PUB, V5, "q/2", "qos2", 2, 2);
        final List<RouterHarness.Out> before = harness.drain();
        assertEquals(List.of("qos1"), payloads(only(before, PacketType.PUBLISH)),
            "QoS 1 goes out at once; the QoS 2 PUBLISH waits for its packet id to be durable");
        assertTrue(only(before, PacketType.PUBACK).isEmpty() && only(before, PacketType.PUBREC).isEmpty());

        journal.log().force(journal.log().position());
        harness.synced();
        final List<RouterHarness.Out> after = harness.drain();
        assertEquals(List.of("qos2"), payloads(only(after, PacketType.PUBLISH)));
        assertEquals(1, only(after, PacketType.PUBACK).size());
        assertEquals(1, only(after, PacketType.PUBREC).size());
    }

    @Test
    void shouldRefuseASecondJournalOnTheSameFolder() throws IOException
    {
        start();
        final IOException ex = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
            () -> Journal.open(dir, SEGMENT, 0, Journal.SYNC_NONE));
        assertTrue(ex.getMessage().contains("another broker"), ex.getMessage());
    }

    /** Persistent subscriber OTHER on churn/#, online, acknowledging: grows the log without live data. */
    private void churn(final RouterHarness harness, final int messages, final int firstPacketId)
    {
        churn(harness, messages, firstPacketId, 0);
    }

    /**
     * Churn with a timer tick every {@code tickEvery} messages (0: none), as the broker's 100 ms tick would come.
     *
     * @return the most bytes the journal had on disk meanwhile.
     */
    private long churn(final RouterHarness harness, final int messages, final int firstPacketId, final int tickEvery)
    {
        final MessageLog log = journals.get(journals.size() - 1).log();
        final String big = "c".repeat(1000);
        long maxOnDisk = 0;
        for (int i = 0; i < messages; i++)
        {
            harness.publish(PUB, V5, "churn/" + i, big, 1, 1 + (firstPacketId + i) % 60_000);
            drainAndAck(harness, OTHER);
            if (tickEvery > 0 && i % tickEvery == 0)
            {
                harness.tick();
            }
            maxOnDisk = Math.max(maxOnDisk, log.bytesOnDisk());
        }
        harness.drain();
        return maxOnDisk;
    }

    private List<String> drainAndAck(final RouterHarness harness, final long connectionId)
    {
        final List<String> delivered = new ArrayList<>();
        List<RouterHarness.Out> batch;
        while (!(batch = harness.drain(connectionId, PacketType.PUBLISH)).isEmpty())
        {
            for (final RouterHarness.Out publish : batch)
            {
                delivered.add(payload(publish));
                final int id = packetId(publish);
                harness.raw(connectionId, 0x40, 0x02, id >> 8, id & 0xFF);
            }
        }
        return delivered;
    }

    /**
     * A snapshot written in slices with traffic between them, completed or cut by a crash, after copying forward
     * messages that two offline sessions share: whatever happens, each session gets exactly what it should. Between
     * the slice that wrote one session (w) and the one that would write the other (u), u comes back with another
     * session expiry, takes three messages (acknowledging them under the copies' positions), leaves, and new
     * messages arrive for both.
     */
    private void snapshotInSlices(final boolean complete) throws IOException
    {
        RouterHarness harness = start();
        final long x = 10;
        final long y = 11;
        harness.connect(PUB, "pub", V5, true, 0);
        harness.connect(OTHER, "online", V5, false, 3600);
        harness.subscribe(OTHER, V5, 1, 0, new TopicSubscription("churn/#", 1));
        for (final long id : new long[] {x, y})
        {
            harness.connect(id, "s" + id, V5, false, 3600);
            harness.subscribe(id, V5, 1, 0, new TopicSubscription("s/#", 1));
            harness.closed(id);
        }
        final List<String> shared = new ArrayList<>();
        // Snapshot N copies what lies below the start of snapshot N-1: publish the shared messages between two
        // snapshots, so the one written in slices below copies them.
        for (int round = 0; round < 2; round++)
        {
            churn(harness, 150, round * 150);
            harness.tick();
            while (harness.router.snapshots().active())
            {
                harness.tick();
            }
            harness.tick();
            if (0 == round)
            {
                for (int i = 0; i < 8; i++)
                {
                    harness.publish(PUB, V5, "s/" + i, "old-" + i, 1, 100 + i);
                    shared.add("old-" + i);
                }
                harness.drain();
            }
        }
        churn(harness, 150, 300);
        harness.router.snapshots().sliceDeliveries(1);
        harness.tick();
        final Session sx = harness.router.session("s" + x);
        final Session sy = harness.router.session("s" + y);
        while (harness.router.snapshots().pending(sx) && harness.router.snapshots().pending(sy))
        {
            harness.tick();
        }
        assertTrue(harness.router.snapshots().active(), "the snapshot is half written");
        final long u = harness.router.snapshots().pending(sx) ? x : y;
        final long w = u == x ? y : x;

        harness.connect(u, "s" + u, V5, false, 7200);
        final List<RouterHarness.Out> first = harness.drain(u, PacketType.PUBLISH);
        final List<String> expectedU = new ArrayList<>(shared);
        for (int i = 0; i < 3; i++)
        {
            final int id = packetId(first.get(i));
            harness.raw(u, 0x40, 0x02, id >> 8, id & 0xFF);
            expectedU.remove(payload(first.get(i)));
        }
        harness.closed(u);
        harness.publish(PUB, V5, "s/new", "new", 1, 300);
        expectedU.add("new");
        final List<String> expectedW = new ArrayList<>(shared);
        expectedW.add("new");
        if (complete)
        {
            while (harness.router.snapshots().active())
            {
                harness.tick();
            }
            harness.publish(PUB, V5, "s/after", "after", 1, 301);
            expectedU.add("after");
            expectedW.add("after");
        }
        assertEquals(!complete, harness.router.snapshots().active());
        harness.drain();

        harness = restart();
        for (final long id : new long[] {w, u})
        {
            harness.connect(id, "s" + id, V5, false, 3600);
            final List<String> got = drainAndAck(harness, id);
            final List<String> expected = id == w ? expectedW : expectedU;
            assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(got), "session s" + id);
            assertEquals(expected.size(), got.size(), "session s" + id + ", no duplicates: " + got);
        }
    }

    @Test
    void shouldRecoverFromASnapshotWrittenInSlicesWithTrafficBetween() throws IOException
    {
        snapshotInSlices(true);
    }

    @Test
    void shouldRecoverWhenASnapshotInSlicesWasCutByTheCrash() throws IOException
    {
        snapshotInSlices(false);
    }

    @Test
    void shouldRecoverDeliveriesWrittenPerBatchWithSyncBatch() throws IOException
    {
        RouterHarness harness = start(Journal.SYNC_BATCH, 0);
        onlineSubscriber(harness, "t/#", 1);
        final Journal first = journals.get(0);
        first.log().force(first.log().position());
        harness.synced();
        harness.drain();
        for (int i = 1; i <= 6; i++)
        {
            harness.publish(PUB, V5, "t/" + i, "m" + i, 1, i);
        }
        final List<RouterHarness.Out> received = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(6, received.size(), "QoS 1 deliveries are not held");
        for (int i = 0; i < 2; i++)
        {
            final int id = packetId(received.get(i));
            harness.raw(SUB, 0x40, 0x02, id >> 8, id & 0xFF);
        }
        harness.closed(SUB);
        harness.publish(PUB, V5, "t/7", "m7", 1, 7);

        journals.remove(journals.size() - 1).close();
        harness = start(Journal.SYNC_BATCH, 0);
        harness.connect(SUB, "sub", V5, false, 3600);
        assertEquals(List.of("m3", "m4", "m5", "m6", "m7"), payloads(harness.drain(SUB, PacketType.PUBLISH)));
    }

    /**
     * A crash or power loss inside a Router batch can end the log anywhere in it (PowerLossIT found this with a
     * partial write-back): right after the IN_QOS2 record of a QoS 2 PUBLISH, the packet id must not be owned unless
     * the message's ENQUEUE entries are in the log too, or the resent PUBLISH is taken for a duplicate and the
     * message, acknowledged afterwards, reaches nobody.
     */
    @Test
    void shouldNotLoseAQos2MessageWhenTheLogEndsRightAfterItsInQos2RecordWithSyncBatch() throws IOException
    {
        resendAfterTheLogEndsAround(true);
    }

    /**
     * The other side of the same batch (PowerLossIT again, with the unforced tail kept up to a random byte): the log
     * ends after the message's ENQUEUE entries but before its IN_QOS2 record. The PUBREC was never sent, so the
     * publisher sends the message again; the deliveries of the first copy must not survive beside the second.
     */
    @Test
    void shouldNotDeliverAQos2MessageTwiceWhenTheLogEndsBeforeItsInQos2RecordWithSyncBatch() throws IOException
    {
        final RecoveryResult recovered = resendAfterTheLogEndsAround(false);
        assertEquals(1, recovered.unacknowledgedQos2());
        assertEquals(1, recovered.droppedDeliveries());
    }

    /**
     * Publish one QoS 2 message for an offline persistent subscriber with {@code sync=batch}, cut the log just after
     * (or just before) the message's IN_QOS2 record, restart, have the publisher send it again (DUP, same packet
     * id), and check the subscriber gets it exactly once.
     */
    private RecoveryResult resendAfterTheLogEndsAround(final boolean keepInQos2) throws IOException
    {
        RouterHarness harness = start(Journal.SYNC_BATCH, 0);
        offlineSubscriber(harness, "q/#", 2);
        harness.connect(PUB, "pub", V5, false, 3600);
        forceAndRelease(harness);
        harness.drain();
        final MessageLog log = journals.get(0).log();
        final long from = log.position();
        harness.publish(PUB, V5, "q/1", "once", 2, 7);
        assertTrue(harness.drain(PUB, PacketType.PUBREC).isEmpty(), "PUBREC held until forced");
        final long end = log.position();
        long cut = -1;
        boolean enqueued = false;
        final LogRecord record = new LogRecord();
        for (long position = from; position < end && log.read(position, record); position = record.nextPosition())
        {
            enqueued |= JournalDescriptor.DELIVERIES == record.type();
            if (JournalDescriptor.IN_QOS2 == record.type())
            {
                cut = keepInQos2 ? record.nextPosition() : position;
            }
        }
        assertTrue(cut > from && enqueued, "DELIVERIES and IN_QOS2 records written");
        journals.remove(journals.size() - 1).close();
        final Path segment = dir.resolve("log").resolve(String.format(Locale.ROOT, "%020d.log",
            cut & ~(long)(SEGMENT - 1)));
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate((int)(end - cut)), cut & (SEGMENT - 1));
        }

        harness = start(Journal.SYNC_BATCH, 0);
        final RecoveryResult recovered = lastRecovery;
        harness.connect(PUB, "pub", V5, false, 3600);
        forceAndRelease(harness);
        harness.drain();
        harness.frame(PUB, harness.scratch, harness.encodePublish(V5, "q/1",
            "once".getBytes(StandardCharsets.UTF_8), 2, 7, true));
        forceAndRelease(harness);
        assertEquals(1, harness.drain(PUB, PacketType.PUBREC).size());
        harness.connect(SUB, "sub", V5, false, 3600);
        forceAndRelease(harness);
        assertEquals(List.of("once"), payloads(harness.drain(SUB, PacketType.PUBLISH)),
            "the message the PUBREC acknowledges is queued for the subscriber, once");
        return recovered;
    }

    private void forceAndRelease(final RouterHarness harness)
    {
        final MessageLog log = journals.get(journals.size() - 1).log();
        log.force(log.position());
        harness.synced();
    }
}
