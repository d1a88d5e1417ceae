package io.ringmq.jmh;

import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.protocol.MqttVersion;
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
 * {@link PublishEncoder}: one outbound PUBLISH as the Router's {@code Deliverer.write} does it per delivery —
 * {@code reset()}, the setters, {@code encodedLength()}, {@code encode(...)} into an off-heap buffer. QoS 1 on
 * {@link Frames#TOPIC}; for MQTT 5 the received property block (two User Properties) is forwarded, which walks it
 * twice (length, then copy). Per-message path: must allocate nothing. The payload copy grows with
 * {@code payloadLength}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class PublishEncodeBenchmark
{
    /** Protocol level of the receiver: 4 (3.1.1) or 5. */
    @Param({"4", "5"})
    int version;

    /** Payload bytes. */
    @Param({"16", "256", "4096", "16384"})
    int payloadLength;

    private final PublishEncoder encoder = new PublishEncoder();
    private UnsafeBuffer topic;
    private UnsafeBuffer properties;
    private UnsafeBuffer payload;
    private UnsafeBuffer out;
    private int qos;
    private int packetId;

    /** Build the inputs and an output buffer large enough for the frame. */
    @Setup(Level.Trial)
    public void setup()
    {
        topic = Frames.utf8(Frames.TOPIC);
        properties = Frames.userProperties();
        payload = Frames.payload(payloadLength);
        out = Frames.direct(payloadLength + 1024);
        qos = 1;
        packetId = Frames.PACKET_ID;
    }

    /**
     * Encode one frame.
     *
     * @return bytes written.
     */
    @Benchmark
    public int encode()
    {
        final PublishEncoder encoder = this.encoder;
        encoder.reset().version(version).qos(qos).packetId(packetId)
            .topic(topic, 0, topic.capacity())
            .payload(payload, 0, payload.capacity());
        if (MqttVersion.MQTT_5 == version)
        {
            encoder.forwardProperties(properties, 0, properties.capacity());
        }
        final int length = encoder.encodedLength();
        return encoder.encode(out, 0) + length;
    }
}
