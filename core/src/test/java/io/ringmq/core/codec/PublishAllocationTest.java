package io.ringmq.core.codec;

import io.ringmq.core.SuppressForbidden;
import io.ringmq.core.protocol.MqttVersion;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import static io.ringmq.core.codec.Bytes.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PUBLISH hot path allocates nothing per message: decode and re-encode 100,000 warmed-up MQTT 5 frames and
 * compare the thread's allocated bytes before and after.
 */
@Timeout(10)
class PublishAllocationTest
{
    private static final int MESSAGES = 100_000;
    // One object per message would be at least 1.6 MB over 100k messages; the JIT's own compile-time allocations
    // can show up once as a few KiB on the measuring thread, independent of the message count.
    private static final long TOLERANCE_BYTES = 16 * 1024;

    private final PublishDecoder decoder = new PublishDecoder();
    private final PublishEncoder encoder = new PublishEncoder();
    private final int[] subscriptionIds = { 3, 200 };
    private UnsafeBuffer frame;
    private int frameLength;
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[4096]);

    @SuppressForbidden(reason = "com.sun.management.ThreadMXBean gives per-thread allocated bytes; HotSpot-only test")
    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean())
            .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private long run(final int count)
    {
        long checksum = 0;
        for (int i = 0; i < count; i++)
        {
            final PublishDecoder publish = decoder.wrap(frame, 0, frameLength, MqttVersion.MQTT_5);
            encoder.reset()
                .qos(publish.qos())
                .packetId(publish.packetId())
                .topic(publish.buffer(), publish.topicOffset(), publish.topicLength())
                .topicAlias(4)
                .messageExpiryInterval(publish.messageExpiryInterval() - 1)
                .subscriptionIdentifiers(subscriptionIds, 2)
                .forwardProperties(publish.buffer(), publish.propertiesOffset(), publish.propertiesLength())
                .payload(publish.buffer(), publish.payloadOffset(), publish.payloadLength());
            checksum += encoder.encodedLength();
            checksum += encoder.encode(out, 0);
        }
        return checksum;
    }

    @Test
    void shouldDecodeAndEncodePublishWithoutAllocating()
    {
        final byte[] bytes = bytes().str("sensors/building-7/floor-3/temperature").u16(42).props(bytes()
            .u8(0x01, 1)
            .u8(0x02).u32(600)
            .u8(0x23).u16(12)
            .u8(0x08).str("replies/7")
            .u8(0x09).bin(new byte[]{ 1, 2, 3, 4 })
            .u8(0x26).str("trace").str("abc-123"))
            .raw("{\"t\":21.5,\"unit\":\"C\"}".getBytes(StandardCharsets.UTF_8)).frame(0x32);
        frame = new UnsafeBuffer(bytes);
        frameLength = bytes.length;

        long warm = run(MESSAGES);
        for (int i = 0; i < 3; i++)
        {
            warm = run(MESSAGES);
        }
        allocatedBytes();
        final long before = allocatedBytes();
        final long checksum = run(MESSAGES);
        final long after = allocatedBytes();

        assertEquals(warm, checksum);
        assertTrue(after - before < TOLERANCE_BYTES,
            "allocated " + (after - before) + " bytes for " + MESSAGES + " PUBLISH decode+encode");
    }
}
