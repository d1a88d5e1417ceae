package io.ringmq.jmh;

import io.ringmq.core.codec.PublishDecoder;
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

import java.util.concurrent.TimeUnit;

/**
 * {@link PublishDecoder#wrap}: validation of a whole inbound PUBLISH frame (fixed header, topic UTF-8 and syntax,
 * packet id, MQTT 5 properties) on the Router thread. A QoS 1 frame on {@link Frames#TOPIC}; MQTT 5 frames carry two
 * User Properties. Per-message path: must allocate nothing ({@code -prof gc}: {@code gc.alloc.rate.norm} = 0).
 * The payload is not read (no Payload Format Indicator), so the cost should not grow with {@code payloadLength}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class PublishDecodeBenchmark
{
    /** Protocol level: 4 (3.1.1) or 5. */
    @Param({"4", "5"})
    int version;

    /** Payload bytes. */
    @Param({"16", "256", "4096", "16384"})
    int payloadLength;

    private final PublishDecoder decoder = new PublishDecoder();
    private UnsafeBuffer frame;
    private int frameLength;

    /** Encode the frame once. */
    @Setup(Level.Trial)
    public void setup()
    {
        frame = Frames.publishFrame(version, 1, payloadLength);
        frameLength = frame.capacity();
    }

    /**
     * Decode one frame.
     *
     * @return a few decoded fields, so the decode is not eliminated.
     */
    @Benchmark
    public int decode()
    {
        final PublishDecoder publish = decoder.wrap(frame, 0, frameLength, version);
        return publish.packetId() + publish.topicLength() + publish.propertiesLength() + publish.payloadOffset() +
            publish.payloadLength();
    }
}
