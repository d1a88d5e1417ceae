package io.ringmq.jmh;

import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.ring.OutboundQueue;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * {@link OutboundQueue}: the Router side ({@code claim}, encode the PUBLISH straight into the claimed space,
 * {@code commit}, {@code signal}) and the event-loop side ({@code drain}) on one thread, so the figure is the
 * queue's own cost without cross-core traffic (the two-thread hand-off is in {@link RingHandoffBenchmark}).
 * The queue has the broker's default capacity ({@link BrokerConfig#outboundQueueBytes()}, 16 MiB), and the records
 * are MQTT 5 QoS 0 publishes with two User Properties, as {@code Deliverer.write} queues them.
 * <ul>
 *     <li>{@code roundTrip}: one record, then one drain: a lightly loaded connection;</li>
 *     <li>{@code batch}: {@value #BATCH} records then one drain, as a Router batch followed by one event-loop
 *     wake-up; reported per record.</li>
 * </ul>
 * Per-message path: must allocate nothing. (Only a full queue allocates, by design: non-droppable records go to
 * the on-heap overflow list; the benchmark never fills it.)
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class OutboundQueueBenchmark
{
    /** Records per {@code batch} invocation. */
    static final int BATCH = 32;
    private static final Runnable NO_WAKEUP = () -> {};

    /** Payload bytes of each queued PUBLISH. */
    @Param({"16", "256", "4096"})
    int payloadLength;

    private final DrainHandler handler = new DrainHandler();
    private OutboundQueue queue;
    private PublishEncoder encoder;
    private long connectionId;

    /** Queue, and an encoder holding the PUBLISH to queue. */
    @Setup(Level.Trial)
    public void setup()
    {
        queue = new OutboundQueue(new BrokerConfig().outboundQueueBytes(), NO_WAKEUP);
        encoder = Frames.publish(new PublishEncoder(), MqttVersion.MQTT_5, 0, Frames.utf8(Frames.TOPIC),
            Frames.userProperties(), Frames.payload(payloadLength));
        connectionId = 42;
    }

    /**
     * Queue one PUBLISH and drain it.
     *
     * @return records drained (1).
     */
    @Benchmark
    public int roundTrip()
    {
        enqueue();
        queue.signal();
        return queue.drain(handler, BATCH);
    }

    /**
     * Queue {@value #BATCH} PUBLISH records, signal once, drain them all.
     *
     * @return records drained.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batch()
    {
        for (int i = 0; i < BATCH; i++)
        {
            enqueue();
        }
        queue.signal();
        return queue.drain(handler, BATCH);
    }

    private void enqueue()
    {
        final OutboundQueue queue = this.queue;
        final PublishEncoder encoder = this.encoder;
        final int offset = queue.claim(OutboundQueue.DROPPABLE_PACKET, connectionId, encoder.encodedLength());
        if (offset >= 0)
        {
            encoder.encode(queue.buffer(), offset);
            queue.commit();
        }
    }

    /** What an event loop does per record, minus the socket: read the header and the frame's first byte. */
    static final class DrainHandler implements MessageHandler
    {
        long checksum;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            checksum += msgTypeId + buffer.getLong(index) + buffer.getByte(index + OutboundQueue.HEADER_LENGTH) +
                length;
        }
    }
}
