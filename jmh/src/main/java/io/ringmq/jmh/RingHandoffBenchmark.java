package io.ringmq.jmh;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.Router;
import io.ringmq.core.status.TransportStats;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The inbound hand-off end to end in one JVM, three threads:
 * <ol>
 *     <li>{@code publish} (JMH thread, an event loop's role): claims a slot of the multi-producer Disruptor ring of
 *     {@link RingEvent} with {@code tryNext}, copies a QoS 0 PUBLISH frame into it with
 *     {@code get(seq).frame(...).putBytes(...)} and publishes, as {@code MqttConnectionHandler} does;</li>
 *     <li>the {@link Router} on the Disruptor's consumer thread (production wait strategy: phased back-off with a
 *     lite lock): decodes, matches, encodes the copy for the subscriber into the {@link OutboundQueue};</li>
 *     <li>{@code drain} (JMH thread, the subscriber's event loop): drains the outbound queue.</li>
 * </ol>
 * The Router is set up as {@code RouterHarness} does (one outbound queue, no-op wakeup), and the subscriber and
 * publisher connect and subscribe by sending CONNECT and SUBSCRIBE frames through the ring first. Figures of merit
 * are the auxiliary counters: {@code delivered} (PUBLISH records drained by the subscriber's loop, msgs/s),
 * {@code published} and {@code ringFull} (tryNext refused: back-pressure, where a real loop stops reading). A side
 * that finds nothing to do yields, as an event loop would wait; a full or empty ring is part of the result.
 * <p>
 * <b>Noisy on a 2-core machine:</b> three busy threads share two cores, so the figure depends on the scheduler
 * more than on the code; compare runs on the same machine only. Steady state must allocate nothing on any of the
 * three threads ({@code -prof gc} counts all threads).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class RingHandoffBenchmark
{
    private static final long PUBLISHER_ID = 1;
    private static final long SUBSCRIBER_ID = 2;
    private static final int PAYLOAD_LENGTH = 64;
    /** Records per drain, as the transport's event loop. */
    private static final int DRAIN_LIMIT = 4096;
    private static final long SETUP_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Ring, Router and outbound queue shared by the producer and the draining thread. */
    @State(Scope.Group)
    public static class Pipeline
    {
        /** Protocol level of both clients: 4 (3.1.1) or 5. */
        @Param({"4", "5"})
        int version;

        Disruptor<RingEvent> disruptor;
        RingBuffer<RingEvent> ring;
        OutboundQueue queue;
        UnsafeBuffer publish;
        int publishLength;

        /** Start the ring and the Router, connect both clients through the ring, subscribe. */
        @Setup(Level.Trial)
        public void setup()
        {
            final BrokerConfig config = new BrokerConfig();
            queue = new OutboundQueue(config.outboundQueueBytes(), () -> {});
            final Router router = new Router(config, new OutboundQueue[] {queue}, TopicPermissions.ALLOW_ALL,
                TransportStats.NONE);
            disruptor = new Disruptor<>(RingEvent::new, config.ringSize(), runnable ->
            {
                final Thread thread = new Thread(runnable, "ringmq-router");
                thread.setDaemon(true);
                return thread;
            }, ProducerType.MULTI, PhasedBackoffWaitStrategy.withLiteLock(20, 200, TimeUnit.MICROSECONDS));
            disruptor.handleEventsWith(router);
            ring = disruptor.start();

            final UnsafeBuffer scratch = Frames.direct(1024);
            publishBlocking(SUBSCRIBER_ID, scratch, Clients.connect(scratch, "subscriber", version));
            publishBlocking(SUBSCRIBER_ID, scratch, Clients.subscribe(scratch, version, 0));
            publishBlocking(PUBLISHER_ID, scratch, Clients.connect(scratch, "publisher", version));
            awaitRecords(5);    // CONNECTED + CONNACK per client, SUBACK

            publish = Frames.publishFrame(version, 0, PAYLOAD_LENGTH);
            publishLength = publish.capacity();
        }

        private void publishBlocking(final long connectionId, final UnsafeBuffer frame, final int length)
        {
            final long sequence = ring.next();
            ring.get(sequence).frame(connectionId, 0, length, System.nanoTime()).putBytes(0, frame, 0, length);
            ring.publish(sequence);
        }

        private void awaitRecords(final int expected)
        {
            final Clients.RecordCounter counter = new Clients.RecordCounter();
            final long deadlineNs = System.nanoTime() + SETUP_TIMEOUT_NS;
            while (counter.records < expected)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException("Router queued " + counter.records + " of " + expected +
                        " setup records");
                }
                queue.drain(counter, DRAIN_LIMIT);
                Thread.yield();
            }
        }

        /** Stop the Router thread. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            disruptor.halt();
        }
    }

    /** Producer-side counters, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Published
    {
        /** PUBLISH frames put on the ring. */
        public long published;
        /** tryNext refusals: the ring was full. */
        public long ringFull;

        /** Counters are per iteration. */
        @Setup(Level.Iteration)
        public void reset()
        {
            published = 0;
            ringFull = 0;
        }
    }

    /** Consumer-side counter, reported per second; also the drain handler, so draining allocates nothing. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Delivered implements MessageHandler
    {
        /** PUBLISH records the subscriber's event loop drained. */
        public long delivered;

        /** Counters are per iteration. */
        @Setup(Level.Iteration)
        public void reset()
        {
            delivered = 0;
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (OutboundQueue.DROPPABLE_PACKET == msgTypeId)
            {
                delivered++;
            }
        }
    }

    /**
     * Event loop of the publisher: one PUBLISH onto the ring, or a yield when the ring is full.
     *
     * @param pipeline the ring.
     * @param counters producer counters.
     */
    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void publish(final Pipeline pipeline, final Published counters)
    {
        final RingBuffer<RingEvent> ring = pipeline.ring;
        final long sequence;
        try
        {
            sequence = ring.tryNext();
        }
        catch (final InsufficientCapacityException ex)
        {
            counters.ringFull++;
            Thread.yield();
            return;
        }
        final int length = pipeline.publishLength;
        ring.get(sequence).frame(PUBLISHER_ID, 0, length, System.nanoTime()).putBytes(0, pipeline.publish, 0, length);
        ring.publish(sequence);
        counters.published++;
    }

    /**
     * Event loop of the subscriber: drain the outbound queue, or yield when it is empty.
     *
     * @param pipeline the queue.
     * @param counters consumer counter and drain handler.
     * @return records drained.
     */
    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public int drain(final Pipeline pipeline, final Delivered counters)
    {
        final int read = pipeline.queue.drain(counters, DRAIN_LIMIT);
        if (0 == read)
        {
            Thread.yield();
        }
        return read;
    }
}
