package io.ringmq.core.routing;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.admin.AdminRequest;
import io.ringmq.core.codec.ConnectEncoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.ring.SignalWaitStrategy;
import io.ringmq.core.status.TransportStats;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Router without a thread: runs are queued on an executor this test runs by hand, as an event loop would.
 */
@Timeout(10)
class PolledRouterTest
{
    private static final int RING_SIZE = 4096;
    private static final byte PINGREQ = (byte)0xC0;
    private static final int CONNACK = 2;
    private static final int PINGRESP = 13;

    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean rejecting;
    private final Executor executor = task ->
    {
        if (rejecting)
        {
            throw new RejectedExecutionException("stopped");
        }
        tasks.addLast(task);
    };
    private final AtomicInteger wakeups = new AtomicInteger();
    private final OutboundQueue queue = new OutboundQueue(1 << 20, wakeups::incrementAndGet);
    private final Router router = new Router(new BrokerConfig(), new OutboundQueue[] {queue},
        TopicPermissions.ALLOW_ALL, TransportStats.NONE);
    private final SignalWaitStrategy strategy = new SignalWaitStrategy();
    private final RingBuffer<RingEvent> ring = RingBuffer.createMultiProducer(RingEvent::new, RING_SIZE, strategy);
    private final List<Throwable> fatal = new ArrayList<>();
    private final PolledRouter polled = new PolledRouter(router, ring, executor, (stage, cause) -> fatal.add(cause));
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(256);

    PolledRouterTest()
    {
        strategy.signal(polled::signal);
    }

    @Test
    void shouldQueueOneRunForManyPublishesAndRouteThemAllInIt()
    {
        for (int i = 0; i < 5; i++)
        {
            publishNoop();
        }
        assertEquals(1, tasks.size(), "one run queued, however many publishes");
        runAll();
        assertEquals(4, routedUpTo(), "every event routed");
        assertEquals(0, tasks.size(), "nothing left: no run queued again");
    }

    @Test
    void shouldEndTheBatchSoThatAnswersReachTheEventLoop()
    {
        publishConnect(1, "a");
        runAll();
        assertEquals(1, wakeups.get(), "the CONNACK was handed to the event loop at the end of the run's batch");
        assertTrue(queue.usedBytes() > 0, "the CONNACK is in the outbound queue");
    }

    @Test
    void shouldYieldToTheExecutorAfterABoundedRunAndQueueTheRest()
    {
        for (int i = 0; i < PolledRouter.MAX_EVENTS_PER_RUN - 1; i++)
        {
            publishNoop();
        }
        publishConnect(1, "a");     // the last event a full run takes: its batch must end there
        for (int i = 0; i < 10; i++)
        {
            publishNoop();
        }
        tasks.pollFirst().run();
        assertEquals(PolledRouter.MAX_EVENTS_PER_RUN - 1, routedUpTo(), "a run takes at most the limit");
        assertEquals(1, wakeups.get(), "the batch ended at the limit: the CONNACK is not held back");
        assertEquals(1, tasks.size(), "the rest has a run of its own, after the executor's other work");
        runAll();
        assertEquals(PolledRouter.MAX_EVENTS_PER_RUN + 9, routedUpTo());
    }

    @Test
    void shouldNotLetProducersOverwriteEventsNotYetRouted()
    {
        for (int i = 0; i < RING_SIZE; i++)
        {
            publishNoop();
        }
        assertThrows(InsufficientCapacityException.class, ring::tryNext, "the poller's sequence gates the ring");
        runAll();
        publishNoop();
        runAll();
        assertEquals(RING_SIZE, routedUpTo());
    }

    @Test
    void shouldSeeAPublishMadeWhileARunIsQueued()
    {
        publishNoop();
        final Runnable run = tasks.pollFirst();
        publishNoop();              // its signal finds a run queued: no second run
        assertEquals(0, tasks.size());
        run.run();
        assertEquals(1, routedUpTo(), "the queued run routes both");
    }

    @Test
    void shouldRouteNothingAfterHaltAndTellTheRouterItStopped() throws InterruptedException
    {
        publishNoop();
        polled.halt();
        assertFalse(router.awaitStopped(0), "told on the executor, after any run queued before the halt");
        runAll();
        assertEquals(-1, routedUpTo(), "a run after the halt routes nothing");
        assertTrue(router.awaitStopped(0));
    }

    @Test
    void shouldTellTheRouterAtOnceWhenTheExecutorHasStopped() throws InterruptedException
    {
        rejecting = true;
        publishNoop();              // the signal is refused: nothing routes, nothing throws
        polled.halt();
        assertTrue(router.awaitStopped(0));
        assertTrue(fatal.isEmpty());
    }

    @Test
    void shouldRouteFramesInPlaceWhenNothingWaitsInTheRing()
    {
        final int connectAt = 7;    // the frames sit inside a larger read buffer, as in an event loop's
        final int connectLength = ConnectEncoder.encode(connect("a"), scratch, connectAt);
        assertTrue(polled.routeNow(1, 0, scratch, new int[] {connectAt}, new int[] {connectLength}, 1, 1L));
        assertEquals(0, tasks.size(), "nothing went through the ring: no run queued");
        assertEquals(1, wakeups.get(), "the frames' batch ended: the CONNACK was handed to the event loop");

        final int pingAt = connectAt + connectLength;
        scratch.putByte(pingAt, PINGREQ);
        scratch.putByte(pingAt + 1, (byte)0);
        scratch.putByte(pingAt + 2, PINGREQ);
        scratch.putByte(pingAt + 3, (byte)0);
        assertTrue(polled.routeNow(1, 0, scratch, new int[] {pingAt, pingAt + 2}, new int[] {2, 2}, 2, 2L));
        assertEquals(List.of(CONNACK, PINGRESP, PINGRESP), answers(), "each frame routed once, in order");
        assertEquals(3, polled.routedDirectly());
        assertEquals(-1, routedUpTo(), "the ring was not used");
    }

    @Test
    void shouldNotOvertakeAnEventThatWaitsInTheRing()
    {
        publishConnect(1, "a");     // published, not yet routed
        scratch.putByte(0, PINGREQ);
        scratch.putByte(1, (byte)0);
        assertFalse(polled.routeNow(1, 0, scratch, new int[] {0}, new int[] {2}, 1, 1L),
            "routed now, the PINGREQ would come before its connection's CONNECT");
        assertEquals(0, polled.routedDirectly());

        final long sequence = ring.next();  // what the caller does then: the ring, behind the CONNECT
        ring.get(sequence).frame(1, 0, 2, 2L).putBytes(0, scratch, 0, 2);
        ring.publish(sequence);
        runAll();
        assertEquals(List.of(CONNACK, PINGRESP), answers());
        assertTrue(polled.routeNow(1, 0, scratch, new int[] {0}, new int[] {2}, 1, 3L), "the ring is empty again");
        assertEquals(List.of(PINGRESP), answers());
    }

    @Test
    void shouldNotRouteInPlaceFromInsideTheRouter()
    {
        scratch.putByte(0, PINGREQ);
        scratch.putByte(1, (byte)0);
        final List<Boolean> inside = new ArrayList<>();
        final AdminRequest<Boolean> request = new AdminRequest<>(view ->
        {
            // As if the Router made this loop read a socket: the frame must queue, not nest a second Router call.
            inside.add(polled.routeNow(1, 0, scratch, new int[] {0}, new int[] {2}, 1, 1L));
            return true;
        });
        final long sequence = ring.next();
        ring.get(sequence).admin(request, 1L);
        ring.publish(sequence);
        runAll();
        assertEquals(List.of(false), inside);
        assertEquals(0, polled.routedDirectly());
    }

    @Test
    void shouldNotRouteInPlaceAfterHalt()
    {
        polled.halt();
        final int length = ConnectEncoder.encode(connect("a"), scratch, 0);
        assertFalse(polled.routeNow(1, 0, scratch, new int[] {0}, new int[] {length}, 1, 1L));
        assertEquals(0, polled.routedDirectly());
    }

    private static ConnectPacket connect(final String clientId)
    {
        return new ConnectPacket().protocolName("MQTT").protocolVersion(4).clientId(clientId).cleanStart(true)
            .keepAliveSeconds(60);
    }

    /** The packet types the Router handed to the event loop since the last call, in order. */
    private List<Integer> answers()
    {
        final List<Integer> types = new ArrayList<>();
        queue.drain((type, buffer, index, length) ->
        {
            if (OutboundQueue.PACKET == type)
            {
                types.add((buffer.getByte(index + OutboundQueue.HEADER_LENGTH) & 0xFF) >>> 4);
            }
        }, Integer.MAX_VALUE);
        return types;
    }

    private long routedUpTo()
    {
        return ring.getMinimumGatingSequence();
    }

    private void runAll()
    {
        Runnable task;
        while (null != (task = tasks.pollFirst()))
        {
            task.run();
        }
        assertTrue(fatal.isEmpty(), () -> "fatal: " + fatal);
    }

    private void publishNoop()
    {
        final long sequence = ring.next();
        ring.get(sequence).control(RingEvent.NOOP, 0, -1, 0, System.nanoTime());
        ring.publish(sequence);
    }

    private void publishConnect(final long connectionId, final String clientId)
    {
        final int length = ConnectEncoder.encode(connect(clientId), scratch, 0);
        final long sequence = ring.next();
        ring.get(sequence).frame(connectionId, 0, length, System.nanoTime()).putBytes(0, scratch, 0, length);
        ring.publish(sequence);
    }
}
