package io.ringmq.jmh;

import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.Router;
import io.ringmq.core.status.TransportStats;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * {@link Router#onEvent} for one PUBLISH, on one thread and without the ring: decode, authorize, topic match,
 * encode one copy per subscriber into the {@link OutboundQueue}, end of batch; then the queue is drained (as the
 * event loop would) so it never fills. The deterministic single-thread counterpart of {@link RingHandoffBenchmark},
 * used to pin allocation on the routing path itself.
 * <ul>
 *     <li>{@code qos} 0: the fire-and-forget path. Must allocate nothing.</li>
 *     <li>{@code qos} 1: the publisher gets a PUBACK, each subscriber gets a QoS 1 copy and answers with a PUBACK
 *     (fed back in the same invocation, so the inflight window never fills); the figure is the whole QoS 1
 *     exchange. This path keeps the message until it is acknowledged, so it allocates by design (the stored
 *     {@code Message} copy, one {@code Delivery} per subscriber); {@code gc.alloc.rate.norm} shows how much.</li>
 * </ul>
 * <p>
 * Setup follows {@code RouterHarness} in core's tests: one outbound queue with a no-op wakeup, clients connected
 * and subscribed by feeding CONNECT and SUBSCRIBE frames. {@code fanOut} subscribers each hold
 * {@link Clients#FILTER}; the publisher sends on {@link Frames#TOPIC} with a 64-byte payload (and two User
 * Properties in MQTT 5).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class RouterPublishBenchmark
{
    private static final Runnable NO_WAKEUP = () -> {};
    private static final long PUBLISHER_ID = 1;
    private static final int PAYLOAD_LENGTH = 64;
    private static final int PUBACK_LENGTH = 4;

    /** Protocol level of every client: 4 (3.1.1) or 5. */
    @Param({"4", "5"})
    int version;

    /** Subscribers that receive each message. */
    @Param({"1", "10"})
    int fanOut;

    /** QoS of the PUBLISH and of the subscriptions. */
    @Param({"0", "1"})
    int qos;

    private final RingEvent event = new RingEvent();
    private final PublishCollector deliveries = new PublishCollector();
    private final UnsafeBuffer puback = new UnsafeBuffer(new byte[PUBACK_LENGTH]);
    private OutboundQueue queue;
    private Router router;
    private UnsafeBuffer publish;
    private int publishLength;
    private long sequence;

    /** Router, connected publisher and subscribers, and the PUBLISH frame. */
    @Setup(Level.Trial)
    public void setup()
    {
        final BrokerConfig config = new BrokerConfig();
        queue = new OutboundQueue(config.outboundQueueBytes(), NO_WAKEUP);
        router = new Router(config, new OutboundQueue[] {queue}, TopicPermissions.ALLOW_ALL,
            TransportStats.NONE);

        final Clients.RecordCounter counter = new Clients.RecordCounter();
        final UnsafeBuffer scratch = Frames.direct(1024);
        feed(PUBLISHER_ID, scratch, Clients.connect(scratch, "publisher", version));
        for (int i = 0; i < fanOut; i++)
        {
            final long subscriberId = 100 + i;
            feed(subscriberId, scratch, Clients.connect(scratch, "subscriber-" + i, version));
            feed(subscriberId, scratch, Clients.subscribe(scratch, version, qos));
        }
        queue.drain(counter, Integer.MAX_VALUE);
        final int expected = 2 + 3 * fanOut;    // CONNECTED + CONNACK each, SUBACK per subscriber
        if (counter.records != expected)
        {
            throw new IllegalStateException("setup queued " + counter.records + " records, expected " + expected);
        }

        publish = Frames.publishFrame(version, qos, PAYLOAD_LENGTH);
        publishLength = publish.capacity();
        puback.putByte(0, (byte)(PacketType.PUBACK << 4));
        puback.putByte(1, (byte)(PUBACK_LENGTH - 2));
        deliveries.capacity(fanOut);
        // More rounds than the inflight window plus the session queue hold: proves each PUBACK frees its slot.
        final int rounds = config.maxInflight() + config.maxQueuedMessages() + 1;
        final int expectedAcks = 0 == qos ? 0 : fanOut;
        for (int i = 0; i < rounds; i++)
        {
            route();
            if (deliveries.publishes != fanOut || deliveries.acknowledged != expectedAcks)
            {
                throw new IllegalStateException("one QoS " + qos + " PUBLISH delivered " + deliveries.publishes +
                    " copies (" + deliveries.acknowledged + " acknowledged), not " + fanOut);
            }
        }
    }

    private void feed(final long connectionId, final UnsafeBuffer frame, final int length)
    {
        event.frame(connectionId, 0, length, System.nanoTime()).putBytes(0, frame, 0, length);
        router.onEvent(event, sequence++, true);
    }

    /**
     * Route one PUBLISH as a ring event, drain what it queued and, for QoS 1, acknowledge each copy.
     *
     * @return records drained.
     */
    @Benchmark
    public int route()
    {
        final RingEvent event = this.event;
        event.frame(PUBLISHER_ID, 0, publishLength, System.nanoTime()).putBytes(0, publish, 0, publishLength);
        router.onEvent(event, sequence++, true);

        final PublishCollector deliveries = this.deliveries;
        deliveries.reset();
        final int drained = queue.drain(deliveries, Integer.MAX_VALUE);
        final int unacknowledged = deliveries.unacknowledged;
        for (int i = 0; i < unacknowledged; i++)
        {
            puback.putShort(2, (short)deliveries.packetIds[i], ByteOrder.BIG_ENDIAN);
            event.frame(deliveries.connectionIds[i], 0, PUBACK_LENGTH, System.nanoTime())
                .putBytes(0, puback, 0, PUBACK_LENGTH);
            router.onEvent(event, sequence++, i == unacknowledged - 1);
        }
        deliveries.acknowledged = unacknowledged;
        return drained;
    }

    /**
     * Drain handler playing the subscribers' clients: notes the connection and packet id of every QoS 1 PUBLISH so
     * the benchmark can answer with PUBACK. Preallocated arrays: allocates nothing per record.
     */
    static final class PublishCollector implements MessageHandler
    {
        long[] connectionIds = new long[0];
        int[] packetIds = new int[0];
        int publishes;
        int unacknowledged;
        int acknowledged;

        void capacity(final int capacity)
        {
            connectionIds = new long[capacity];
            packetIds = new int[capacity];
        }

        void reset()
        {
            publishes = 0;
            unacknowledged = 0;
            acknowledged = 0;
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final int frame = index + OutboundQueue.HEADER_LENGTH;
            final int typeAndFlags = buffer.getByte(frame) & 0xFF;
            if (OutboundQueue.CONNECTED == msgTypeId || OutboundQueue.CLOSE == msgTypeId ||
                OutboundQueue.CLOSE_NOW == msgTypeId || PacketType.PUBLISH != typeAndFlags >>> 4 ||
                buffer.getLong(index) == PUBLISHER_ID)
            {
                return;
            }
            publishes++;
            if (0 == ((typeAndFlags >>> 1) & 0x03) || unacknowledged == packetIds.length)
            {
                return;
            }
            int position = frame + 1;
            while ((buffer.getByte(position) & 0x80) != 0)    // Remaining Length: skip its continuation bytes
            {
                position++;
            }
            position++;
            final int topicLength = buffer.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            position += 2 + topicLength;
            connectionIds[unacknowledged] = buffer.getLong(index);
            packetIds[unacknowledged] = buffer.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            unacknowledged++;
        }
    }
}
