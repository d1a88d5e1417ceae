package io.ringmq.jmh;

import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.Property;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Benchmark inputs shared by several benchmarks: the fleet-shaped topic, payloads, an MQTT 5 property block with
 * user properties, and PUBLISH frames built with the production {@link PublishEncoder}. Used only in setup, so it
 * may allocate.
 */
final class Frames
{
    /** Topic of the telemetry messages, shaped like the fleet subscriptions of {@link TopicMatchBenchmark}. */
    static final String TOPIC = "fleet/r3/dev000042/telemetry";
    /** Packet identifier used for QoS 1 frames. */
    static final int PACKET_ID = 4242;

    private Frames()
    {
    }

    /**
     * Off-heap buffer, cache-line aligned, like the ring's frame slots.
     *
     * @param capacity in bytes.
     * @return a zeroed buffer.
     */
    static UnsafeBuffer direct(final int capacity)
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity, 64));
    }

    /**
     * UTF-8 bytes of a string in an off-heap buffer of exactly that length.
     *
     * @param text to copy.
     * @return the buffer.
     */
    static UnsafeBuffer utf8(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = direct(bytes.length);
        buffer.putBytes(0, bytes);
        return buffer;
    }

    /**
     * Pseudo-random payload bytes (binary telemetry, no Payload Format Indicator), same bytes for the same length.
     *
     * @param length in bytes.
     * @return off-heap buffer of exactly that length.
     */
    static UnsafeBuffer payload(final int length)
    {
        final byte[] bytes = new byte[length];
        final SplittableRandom random = new SplittableRandom(length);
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        final UnsafeBuffer buffer = direct(Math.max(1, length));
        buffer.putBytes(0, bytes);
        return new UnsafeBuffer(buffer, 0, length);
    }

    /**
     * MQTT 5 PUBLISH property block (without its Property Length) with two User Properties, as a device SDK sends.
     *
     * @return off-heap buffer of exactly the block's length.
     */
    static UnsafeBuffer userProperties()
    {
        final UnsafeBuffer scratch = direct(256);
        int position = 0;
        position = putUserProperty(scratch, position, "source", "sensor-7");
        position = putUserProperty(scratch, position, "unit", "celsius");
        return new UnsafeBuffer(scratch, 0, position);
    }

    private static int putUserProperty(
        final MutableDirectBuffer buffer, final int offset, final String name, final String value)
    {
        int position = offset;
        buffer.putByte(position++, (byte)Property.USER_PROPERTY);
        position = putString(buffer, position, name);
        return putString(buffer, position, value);
    }

    private static int putString(final MutableDirectBuffer buffer, final int offset, final String value)
    {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        buffer.putShort(offset, (short)bytes.length, ByteOrder.BIG_ENDIAN);
        buffer.putBytes(offset + 2, bytes);
        return offset + 2 + bytes.length;
    }

    /**
     * Set a PUBLISH on an encoder: topic {@link #TOPIC}, the given QoS, user properties for MQTT 5.
     *
     * @param encoder    to configure (reset first).
     * @param version    protocol level, 4 or 5.
     * @param qos        0 or 1.
     * @param topic      topic bytes.
     * @param properties MQTT 5 property block, ignored for 3.1.1.
     * @param payload    payload bytes.
     * @return the encoder.
     */
    static PublishEncoder publish(
        final PublishEncoder encoder,
        final int version,
        final int qos,
        final DirectBuffer topic,
        final DirectBuffer properties,
        final DirectBuffer payload)
    {
        encoder.reset().version(version).qos(qos).packetId(0 == qos ? 0 : PACKET_ID)
            .topic(topic, 0, topic.capacity())
            .payload(payload, 0, payload.capacity());
        if (MqttVersion.MQTT_5 == version)
        {
            encoder.forwardProperties(properties, 0, properties.capacity());
        }
        return encoder;
    }

    /**
     * A whole PUBLISH frame off-heap.
     *
     * @param version       protocol level, 4 or 5.
     * @param qos           0 or 1.
     * @param payloadLength payload bytes.
     * @return buffer of exactly the frame's length.
     */
    static UnsafeBuffer publishFrame(final int version, final int qos, final int payloadLength)
    {
        final PublishEncoder encoder = publish(
            new PublishEncoder(), version, qos, utf8(TOPIC), userProperties(), payload(payloadLength));
        final UnsafeBuffer frame = direct(encoder.encodedLength());
        final int length = encoder.encode(frame, 0);
        if (length != frame.capacity())
        {
            throw new IllegalStateException("encodedLength " + frame.capacity() + " but encode wrote " + length);
        }
        return frame;
    }
}
