package io.ringmq.core.cluster;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandoffCodecTest
{
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
    private final ForwardCodec message = new ForwardCodec();
    private final HandoffCodec record = new HandoffCodec();

    /** A message's parts, each in its own buffer. */
    private record Parts(UnsafeBuffer topic, UnsafeBuffer properties, UnsafeBuffer payload) implements MessageParts
    {
        static Parts of(final String topic, final byte[] properties, final String payload)
        {
            return new Parts(new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8)), new UnsafeBuffer(properties),
                new UnsafeBuffer(payload.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public DirectBuffer topicBuffer()
        {
            return topic;
        }

        @Override
        public int topicOffset()
        {
            return 0;
        }

        @Override
        public int topicLength()
        {
            return topic.capacity();
        }

        @Override
        public DirectBuffer propertiesBuffer()
        {
            return properties;
        }

        @Override
        public int propertiesOffset()
        {
            return 0;
        }

        @Override
        public int propertiesLength()
        {
            return properties.capacity();
        }

        @Override
        public DirectBuffer payloadBuffer()
        {
            return payload;
        }

        @Override
        public int payloadOffset()
        {
            return 0;
        }

        @Override
        public int payloadLength()
        {
            return payload.capacity();
        }
    }

    @Test
    void shouldCarryADeliveryWithItsMessageAndState()
    {
        final Parts parts = Parts.of("a/b", new byte[] {0x01, 0x01}, "payload");
        final byte[] id = HandoffCodec.utf8("dév");
        final int length = HandoffCodec.deliveryLength(parts, id.length, 2);
        final int written = HandoffCodec.encodeDelivery(buffer, 0, 3, 77L, id, parts, 2, true, 30, 1, 513, 1, true,
            new int[] {5, 9});
        assertEquals(length, written);

        assertTrue(message.wrap(buffer, 0, length));
        assertTrue(message.handoff());
        assertFalse(message.forwardAck());
        assertEquals(2, message.qos());
        assertTrue(message.retain());
        assertEquals(30, message.expirySeconds());
        assertEquals("a/b", buffer.getStringWithoutLengthUtf8(message.topicOffset(), message.topicLength()));
        assertEquals("payload", buffer.getStringWithoutLengthUtf8(message.payloadOffset(), message.payloadLength()));
        assertEquals(2, message.propertiesLength());

        assertTrue(record.wrap(message, buffer));
        assertEquals(HandoffCodec.DELIVERY, record.kind());
        assertEquals(3, record.node());
        assertEquals(77L, record.epoch());
        assertEquals("dév", record.clientId());
        assertEquals(1, record.a());
        assertEquals(513, record.b());
        assertEquals(1 | 0b100, record.c());
        assertEquals(8, record.bodyLength());
        assertEquals(9, buffer.getInt(record.bodyOffset() + 4, ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void shouldCarryARecordWithoutAMessage()
    {
        final byte[] id = HandoffCodec.utf8("c");
        final UnsafeBuffer body = new UnsafeBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        final int length = HandoffCodec.encode(buffer, 0, HandoffCodec.END, 2, 5L, id, 100, 4, 2, body, 8);
        assertEquals(HandoffCodec.length(1, 8), length);
        assertTrue(message.wrap(buffer, 0, length), "no topic, yet a valid message");
        assertTrue(record.wrap(message, buffer));
        assertEquals(HandoffCodec.END, record.kind());
        assertEquals("c", record.clientId());
        assertEquals(100, record.a());
        assertEquals(8, record.bodyLength());
        assertEquals(8, buffer.getByte(record.bodyOffset() + 7));
    }

    @Test
    void shouldRefuseMalformedRecords()
    {
        final byte[] id = HandoffCodec.utf8("client");
        final int length = HandoffCodec.encode(buffer, 0, HandoffCodec.MARKER, 1, 1L, id, 0, 0, 0, null, 0);
        final int groupLength = length - ForwardDescriptor.HEADER_LENGTH;
        // A client id longer than the record.
        buffer.putInt(ForwardDescriptor.HEADER_LENGTH + 16, groupLength, ByteOrder.LITTLE_ENDIAN);
        assertTrue(message.wrap(buffer, 0, length));
        assertFalse(record.wrap(message, buffer));
        buffer.putInt(ForwardDescriptor.HEADER_LENGTH + 16, -1, ByteOrder.LITTLE_ENDIAN);
        assertFalse(record.wrap(message, buffer));

        // Random bytes: the message or the record is refused, or every accessor stays inside the buffer.
        final Random random = new Random(7);
        for (int i = 0; i < 10_000; i++)
        {
            final byte[] bytes = new byte[ForwardDescriptor.HEADER_LENGTH + random.nextInt(64)];
            random.nextBytes(bytes);
            final UnsafeBuffer junk = new UnsafeBuffer(bytes);
            junk.putInt(ForwardDescriptor.FLAGS_OFFSET, ForwardDescriptor.HANDOFF_FLAG, ByteOrder.LITTLE_ENDIAN);
            junk.putInt(ForwardDescriptor.TOPIC_LENGTH_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
            junk.putInt(ForwardDescriptor.PROPERTIES_LENGTH_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
            junk.putInt(ForwardDescriptor.PAYLOAD_LENGTH_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
            junk.putInt(ForwardDescriptor.GROUP_LENGTH_OFFSET, bytes.length - ForwardDescriptor.HEADER_LENGTH,
                ByteOrder.LITTLE_ENDIAN);
            if (message.wrap(junk, 0, bytes.length) && record.wrap(message, junk))
            {
                assertTrue(record.bodyOffset() + record.bodyLength() <= bytes.length);
                assertTrue(record.bodyLength() >= 0);
                record.clientId();
            }
        }
    }
}
