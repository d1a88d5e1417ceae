package io.ringmq.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.aeron.DirectBufferVector;
import io.aeron.cluster.client.ClusterException;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.logbuffer.BufferClaim;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * A node's sync and its events on one egress stream that takes only so much: what the stream cannot take waits in the
 * node's backlog, in order, ahead of the sync's next records, and the sync goes on where it was instead of starting
 * over (which, under a steady flow of events, never ended).
 */
class ReplicaSyncTest
{
    private static final long SESSION_ID = 7;

    /** A node's egress: takes {@link #room} more messages, then reports back-pressure; keeps what it took. */
    static final class Egress implements ClientSession
    {
        final List<String> taken = new ArrayList<>();
        final ControlMessageDecoder decoder = new ControlMessageDecoder();
        int room = Integer.MAX_VALUE;

        @Override
        public long offer(final DirectBuffer buffer, final int offset, final int length)
        {
            if (room <= 0)
            {
                return io.aeron.Publication.BACK_PRESSURED;
            }
            room--;
            assertTrue(decoder.wrap(buffer, offset, length));
            taken.add(decoder.type() + (decoder.textLength() > 0 ? " " + decoder.text() : "") +
                (ControlMessageDescriptor.SYNC_BEGIN == decoder.type() ||
                ControlMessageDescriptor.SYNC_END == decoder.type() ? " g" + decoder.value() : ""));
            return 1;
        }

        @Override
        public long id()
        {
            return SESSION_ID;
        }

        @Override
        public int responseStreamId()
        {
            return 0;
        }

        @Override
        public String responseChannel()
        {
            return "";
        }

        @Override
        public byte[] encodedPrincipal()
        {
            return new byte[0];
        }

        @Override
        public void close()
        {
        }

        @Override
        public boolean isClosing()
        {
            return false;
        }

        @Override
        public long offer(final DirectBufferVector[] vectors)
        {
            throw new ClusterException("not used");
        }

        @Override
        public long tryClaim(final int length, final BufferClaim bufferClaim)
        {
            throw new ClusterException("not used");
        }
    }

    private final Egress egress = new Egress();
    private final ControlPlaneState state = new ControlPlaneState(10_000, 10, (ControlPlaneState.Events)Proxy
        .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ControlPlaneState.Events.class},
        (proxy, method, args) -> null));
    private final Cluster cluster = (Cluster)Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {Cluster.class}, (proxy, method, args) -> switch (method.getName())
        {
            case "getClientSession" -> SESSION_ID == (long)args[0] ? egress : null;
            case "time" -> 0L;
            case "timeUnit" -> TimeUnit.MILLISECONDS;
            default -> throw new UnsupportedOperationException(method.getName());
        });
    private final ReplicaSync syncs = new ReplicaSync(state, 1);
    private final ExpandableArrayBuffer event = new ExpandableArrayBuffer(256);
    private final ControlMessageEncoder encoder = new ControlMessageEncoder();

    private boolean send(final String filter)
    {
        final int length = encoder.encode(event, 0, ControlMessageDescriptor.ROUTE_ADDED, 2, 0, 0, filter);
        return syncs.send(egress, new UnsafeBuffer(event, 0, length), length);
    }

    ReplicaSyncTest()
    {
        state.join(2, SESSION_ID, true, "h2:1");
        for (int i = 0; i < 600; i++)
        {
            state.addRoute(2, String.format(java.util.Locale.ROOT, "r/%03d", i));
        }
    }

    @Test
    void shouldKeepEventsTheEgressCannotTakeInOrderAheadOfTheSyncAndFinishTheSync()
    {
        syncs.start(egress);
        egress.room = 100;
        syncs.doWork(cluster);
        assertEquals(100, egress.taken.size(), "the stream's room");
        assertTrue(send("e/1"), "kept");
        assertTrue(send("e/2"));
        assertEquals(100, egress.taken.size());
        assertTrue(syncs.isBusy());

        egress.room = Integer.MAX_VALUE;
        for (int i = 0; i < 10 && syncs.isBusy(); i++)
        {
            syncs.doWork(cluster);
        }
        assertFalse(syncs.isBusy(), "the sync ended");
        final List<String> taken = egress.taken;
        assertEquals(List.of("103 e/1", "103 e/2"), taken.subList(100, 102), "the events first, in order");
        assertEquals(1, taken.stream().filter(t -> t.startsWith("107 ")).count(), "one SYNC_BEGIN: not restarted");
        assertEquals(taken.get(0).replace("107", "108"), taken.get(taken.size() - 1), "its SYNC_END, same generation");
        assertEquals(600, taken.stream().filter(t -> t.startsWith("201 ")).count(), "every route once");

        assertTrue(send("e/3"), "nothing waits: sent at once");
        assertEquals("103 e/3", taken.get(taken.size() - 1));
        assertFalse(syncs.isBusy());
    }

    @Test
    void shouldNameTheSessionsAndTopicsOfTheSyncingNodeThatEndedWhileItWasDownUntilItHasSeenThem()
    {
        state.restoreExpired(2, "b");
        state.restoreExpired(2, "a");
        state.restoreExpired(3, "other");
        state.restoreClearedWhileDown(2, "t/cleared");
        syncs.start(egress);
        egress.room = 603;      // SYNC_BEGIN, NODE_UP, 600 routes, one of them
        for (int i = 0; i < 10; i++)
        {
            syncs.doWork(cluster);
        }
        assertEquals(603, egress.taken.size());
        egress.room = Integer.MAX_VALUE;
        for (int i = 0; i < 10 && syncs.isBusy(); i++)
        {
            syncs.doWork(cluster);
        }
        final List<String> taken = egress.taken;
        assertEquals(List.of("117 a", "117 b", "119 t/cleared"), taken.subList(602, 605),
            "its own, in order, across the slices, then the topics cleared while it was down");
        assertTrue(taken.get(605).startsWith("108 "), "then SYNC_END: " + taken);
        assertEquals(606, taken.size());

        assertTrue(state.expiredSeen(2, "a"));
        state.synced(2);
        syncs.start(egress);
        for (int i = 0; i < 10 && syncs.isBusy(); i++)
        {
            syncs.doWork(cluster);
        }
        assertEquals(List.of("117 b"), taken.stream().skip(606).filter(t -> t.startsWith("117 ") ||
            t.startsWith("119 ")).toList(), "b only now, and no topic once its sync was done");
    }

    @Test
    void shouldDropAFullBacklogAndStartTheSyncOver()
    {
        egress.room = 0;
        for (int i = 0; i < ReplicaSync.MAX_BACKLOG; i++)
        {
            assertTrue(send("e/" + i));
        }
        assertFalse(send("e/over"), "past the bound");
        egress.room = Integer.MAX_VALUE;
        for (int i = 0; i < 10 && syncs.isBusy(); i++)
        {
            syncs.doWork(cluster);
        }
        assertTrue(egress.taken.get(0).startsWith("107 "), "the node gets the whole state again: " +
            egress.taken.get(0));
        assertFalse(egress.taken.stream().anyMatch(t -> t.startsWith("103 e/")), "the dropped events are not sent");
        assertTrue(egress.taken.get(egress.taken.size() - 1).startsWith("108 "));
    }
}
