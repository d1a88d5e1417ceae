package io.ringmq.jmh;

import io.ringmq.core.codec.SubscribeDecoder;
import io.ringmq.core.codec.SubscribeEncoder;
import io.ringmq.core.codec.SubscribePacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
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
 * {@link SubscribeDecoder#decode}: a SUBSCRIBE with three filters — an exact device topic, a {@code +} fleet filter
 * and a {@code $share} group — plus, for MQTT 5, a Subscription Identifier and per-filter options. Each filter is
 * validated. SUBSCRIBE is a control-plane packet, so the decoder <b>allocates by design</b>: a
 * {@link SubscribePacket}, its list, one {@link TopicSubscription} and one filter {@code String} per entry.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class SubscribeDecodeBenchmark
{
    /** Protocol level: 4 (3.1.1) or 5. */
    @Param({"4", "5"})
    int version;

    private UnsafeBuffer frame;
    private int frameLength;
    private int maxTopicLevels;

    /** Encode the SUBSCRIBE once. */
    @Setup(Level.Trial)
    public void setup()
    {
        final boolean v5 = MqttVersion.MQTT_5 == version;
        final SubscribePacket subscribe = new SubscribePacket()
            .packetId(17)
            .subscriptionIdentifier(v5 ? 7 : 0)
            .addSubscription(new TopicSubscription("fleet/r3/dev000042/telemetry", 1))
            .addSubscription(new TopicSubscription("fleet/+/+/alarm", 1, v5, v5, v5 ? 1 : 0))
            .addSubscription(new TopicSubscription("$share/ingest/fleet/r3/+/telemetry", 0));
        final UnsafeBuffer scratch = Frames.direct(SubscribeEncoder.encodedLength(subscribe, version));
        frameLength = SubscribeEncoder.encode(subscribe, scratch, 0, version);
        frame = scratch;
        maxTopicLevels = new BrokerConfig().maxTopicLevels();
    }

    /**
     * Decode one SUBSCRIBE.
     *
     * @return the new packet (consumed by JMH).
     */
    @Benchmark
    public SubscribePacket decode()
    {
        return SubscribeDecoder.decode(frame, 0, frameLength, version, maxTopicLevels);
    }
}
