package io.ringmq.jmh;

import io.ringmq.core.codec.ConnectDecoder;
import io.ringmq.core.codec.ConnectEncoder;
import io.ringmq.core.codec.ConnectPacket;
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

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * {@link ConnectDecoder#decode}: a device's CONNECT (client id, user name, password, will; for MQTT 5 also Session
 * Expiry, Receive Maximum, Topic Alias Maximum, a User Property and a will delay). CONNECT happens once per
 * connection, so the decoder <b>allocates by design</b>: a {@link ConnectPacket}, its strings and byte arrays. The
 * {@code gc.alloc.rate.norm} reported here is that cost per connect, not a hot-path leak.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class ConnectDecodeBenchmark
{
    /** Protocol level: 4 (3.1.1) or 5. */
    @Param({"4", "5"})
    int version;

    private UnsafeBuffer frame;
    private int frameLength;
    private int maxTopicLevels;

    /** Encode the CONNECT once. */
    @Setup(Level.Trial)
    public void setup()
    {
        final ConnectPacket connect = new ConnectPacket()
            .protocolName("MQTT")
            .protocolVersion(version)
            .clientId("fleet-r3-dev000042")
            .cleanStart(false)
            .keepAliveSeconds(60)
            .username("dev000042")
            .password("s3cr3t-t0ken-0042".getBytes(StandardCharsets.UTF_8))
            .will("fleet/r3/dev000042/status", "offline".getBytes(StandardCharsets.UTF_8), 1, true);
        if (MqttVersion.MQTT_5 == version)
        {
            connect.sessionExpiryIntervalSeconds(3600)
                .receiveMaximum(100)
                .topicAliasMaximum(16)
                .willDelayIntervalSeconds(5)
                .addUserProperty("firmware", "4.2.1");
        }
        final UnsafeBuffer scratch = Frames.direct(ConnectEncoder.encodedLength(connect));
        frameLength = ConnectEncoder.encode(connect, scratch, 0);
        frame = scratch;
        maxTopicLevels = new BrokerConfig().maxTopicLevels();
    }

    /**
     * Decode one CONNECT.
     *
     * @return the new packet (consumed by JMH).
     */
    @Benchmark
    public ConnectPacket decode()
    {
        return ConnectDecoder.decode(frame, 0, frameLength, maxTopicLevels);
    }
}
