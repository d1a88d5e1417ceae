package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;

import static io.ringmq.core.codec.Bytes.bytes;
import static io.ringmq.core.codec.CodecAssertions.OFFSET;
import static io.ringmq.core.codec.CodecAssertions.assertBytes;
import static io.ringmq.core.codec.CodecAssertions.assertRejected;
import static io.ringmq.core.codec.CodecAssertions.at;
import static io.ringmq.core.codec.CodecAssertions.encoded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class PublishCodecTest
{
    private static final byte[] TOPIC = "a/b".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PAYLOAD = "hello \u00e9".getBytes(StandardCharsets.UTF_8);

    private final PublishDecoder decoder = new PublishDecoder();
    private final PublishEncoder encoder = new PublishEncoder();

    private PublishDecoder decode(final byte[] frame, final int version)
    {
        return decoder.wrap(at(frame), OFFSET, frame.length, version);
    }

    private byte[] encode()
    {
        return encoded(encoder.encodedLength(), (b) -> encoder.encode(b, OFFSET));
    }

    private static byte[] bytesOf(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    /** Properties of a received PUBLISH: alias and expiry mixed with properties that must be forwarded. */
    private static Bytes receivedProperties()
    {
        return bytes()
            .u8(0x01, 1)
            .u8(0x23).u16(5)
            .u8(0x08).str("reply/to")
            .u8(0x02).u32(3600)
            .u8(0x09).bin(new byte[]{ 1, 2, 3 })
            .u8(0x26).str("k").str("v")
            .u8(0x03).str("text/plain");
    }

    /** What must survive forwarding: everything but Topic Alias, Message Expiry Interval, Subscription Id. */
    private static Bytes forwardedProperties()
    {
        return bytes()
            .u8(0x01, 1)
            .u8(0x08).str("reply/to")
            .u8(0x09).bin(new byte[]{ 1, 2, 3 })
            .u8(0x26).str("k").str("v")
            .u8(0x03).str("text/plain");
    }

    @Test
    void shouldDecodeAndEncodeMqtt311Qos0()
    {
        final byte[] frame = bytes().bin(TOPIC).raw(PAYLOAD).frame(0x30);
        final PublishDecoder publish = decode(frame, MqttVersion.MQTT_3_1_1);

        assertSame(decoder, publish);
        assertEquals(0, publish.qos());
        assertFalse(publish.dup());
        assertFalse(publish.retain());
        assertEquals(0, publish.packetId());
        assertBytes(TOPIC, bytesOf(publish.buffer(), publish.topicOffset(), publish.topicLength()));
        assertBytes(PAYLOAD, bytesOf(publish.buffer(), publish.payloadOffset(), publish.payloadLength()));
        assertEquals(0, publish.propertiesLength());
        assertEquals(-1, publish.messageExpiryInterval());
        assertEquals(0, publish.topicAlias());

        encoder.reset().version(MqttVersion.MQTT_3_1_1).topic(new UnsafeBuffer(TOPIC), 0, TOPIC.length)
            .payload(new UnsafeBuffer(PAYLOAD), 0, PAYLOAD.length);
        assertBytes(frame, encode());
    }

    @Test
    void shouldDecodeAndEncodeMqtt311Qos1DupRetain()
    {
        final byte[] frame = bytes().bin(TOPIC).u16(0xBEEF).raw(PAYLOAD).frame(0x3B);
        final PublishDecoder publish = decode(frame, MqttVersion.MQTT_3_1_1);

        assertEquals(1, publish.qos());
        assertTrue(publish.dup());
        assertTrue(publish.retain());
        assertEquals(0xBEEF, publish.packetId());

        encoder.reset().version(MqttVersion.MQTT_3_1_1).qos(1).dup(true).retain(true).packetId(0xBEEF)
            .topic(new UnsafeBuffer(TOPIC), 0, TOPIC.length).payload(new UnsafeBuffer(PAYLOAD), 0, PAYLOAD.length);
        assertBytes(frame, encode());
    }

    @Test
    void shouldDecodeAndEncodeMqtt311Qos2WithEmptyPayload()
    {
        final byte[] frame = bytes().bin(TOPIC).u16(1).frame(0x34);
        final PublishDecoder publish = decode(frame, MqttVersion.MQTT_3_1);
        assertEquals(2, publish.qos());
        assertEquals(0, publish.payloadLength());

        encoder.reset().version(MqttVersion.MQTT_3_1).qos(2).packetId(1).topic(new UnsafeBuffer(TOPIC), 0, 3);
        assertBytes(frame, encode());
    }

    @Test
    void shouldDecodeMqtt5Qos2WithProperties()
    {
        final Bytes properties = receivedProperties();
        final byte[] frame = bytes().bin(TOPIC).u16(7).props(properties).raw(PAYLOAD).frame(0x35);
        final PublishDecoder publish = decode(frame, MqttVersion.MQTT_5);

        assertEquals(2, publish.qos());
        assertTrue(publish.retain());
        assertEquals(7, publish.packetId());
        assertEquals(3600, publish.messageExpiryInterval());
        assertEquals(5, publish.topicAlias());
        assertEquals(1, publish.payloadFormatIndicator());
        assertBytes(properties.toArray(),
            bytesOf(publish.buffer(), publish.propertiesOffset(), publish.propertiesLength()));
        assertBytes(PAYLOAD, bytesOf(publish.buffer(), publish.payloadOffset(), publish.payloadLength()));
    }

    @Test
    void shouldEncodeMqtt5WithoutProperties()
    {
        encoder.reset().qos(1).packetId(2).topic(new UnsafeBuffer(TOPIC), 0, TOPIC.length);
        final byte[] frame = bytes().bin(TOPIC).u16(2).u8(0).frame(0x32);
        assertBytes(frame, encode());
        assertEquals(0, decode(frame, MqttVersion.MQTT_5).propertiesLength());
    }

    @Test
    void shouldAcceptEmptyTopicWithTopicAliasInMqtt5()
    {
        final byte[] frame = bytes().u16(0).props(bytes().u8(0x23).u16(9)).raw(PAYLOAD).frame(0x30);
        final PublishDecoder publish = decode(frame, MqttVersion.MQTT_5);
        assertEquals(0, publish.topicLength());
        assertEquals(9, publish.topicAlias());

        encoder.reset().topic(new UnsafeBuffer(TOPIC), 0, 0).topicAlias(9)
            .payload(new UnsafeBuffer(PAYLOAD), 0, PAYLOAD.length);
        assertBytes(frame, encode());
    }

    @Test
    void shouldDropAliasExpiryAndSubscriptionIdsFromForwardedProperties()
    {
        final byte[] received = bytes().bin(TOPIC).u16(7).props(receivedProperties().u8(0x0B, 0x05))
            .raw(PAYLOAD).frame(0x34);
        final PublishDecoder publish = decoder.fromServer(true).wrap(at(received), OFFSET, received.length, 5);

        final int[] subscriptionIds = { 1, 300 };
        encoder.reset().qos(1).packetId(0x0102).topic(publish.buffer(), publish.topicOffset(), publish.topicLength())
            .topicAlias(7).messageExpiryInterval(100).subscriptionIdentifiers(subscriptionIds, 2)
            .forwardProperties(publish.buffer(), publish.propertiesOffset(), publish.propertiesLength())
            .payload(publish.buffer(), publish.payloadOffset(), publish.payloadLength());

        final byte[] expected = bytes().bin(TOPIC).u16(0x0102).props(bytes()
            .u8(0x23).u16(7)
            .u8(0x02).u32(100)
            .u8(0x0B, 0x01)
            .u8(0x0B, 0xAC, 0x02)
            .raw(forwardedProperties())).raw(PAYLOAD).frame(0x32);
        assertBytes(expected, encode());
        assertEquals(forwardedProperties().length(), PublishEncoder.forwardPropertiesLength(
            publish.buffer(), publish.propertiesOffset(), publish.propertiesLength()));
    }

    @Test
    void shouldForwardPropertiesWithoutAddingAliasOrExpiry()
    {
        final byte[] received = bytes().bin(TOPIC).props(receivedProperties()).raw(PAYLOAD).frame(0x30);
        final PublishDecoder publish = decode(received, MqttVersion.MQTT_5);
        encoder.reset().topic(publish.buffer(), publish.topicOffset(), publish.topicLength())
            .forwardProperties(publish.buffer(), publish.propertiesOffset(), publish.propertiesLength())
            .payload(publish.buffer(), publish.payloadOffset(), publish.payloadLength());

        final byte[] expected = bytes().bin(TOPIC).props(forwardedProperties()).raw(PAYLOAD).frame(0x30);
        assertBytes(expected, encode());
    }

    @Test
    void shouldEncodeNoPropertiesForMqtt311EvenIfSet()
    {
        final byte[] received = bytes().bin(TOPIC).props(receivedProperties()).raw(PAYLOAD).frame(0x30);
        final PublishDecoder publish = decode(received, MqttVersion.MQTT_5);
        encoder.reset().version(MqttVersion.MQTT_3_1_1).topic(publish.buffer(), publish.topicOffset(), 3)
            .topicAlias(3).messageExpiryInterval(10).subscriptionIdentifiers(new int[]{ 4 }, 1)
            .forwardProperties(publish.buffer(), publish.propertiesOffset(), publish.propertiesLength())
            .payload(publish.buffer(), publish.payloadOffset(), publish.payloadLength());

        assertBytes(bytes().bin(TOPIC).raw(PAYLOAD).frame(0x30), encode());
    }

    @Test
    void shouldRoundTripSubscriptionIdentifiersOnClientSide()
    {
        final int[] ids = { 1, 127, 128, 268_435_455 };
        encoder.reset().topic(new UnsafeBuffer(TOPIC), 0, 3).subscriptionIdentifiers(ids, ids.length);
        final byte[] frame = encode();

        final PublishDecoder publish = decoder.fromServer(true).wrap(at(frame), OFFSET, frame.length, 5);
        assertEquals(4, publish.subscriptionIdentifierCount());
        final int[] copied = new int[4];
        assertEquals(4, publish.subscriptionIdentifiers(copied));
        assertEquals(java.util.Arrays.toString(ids), java.util.Arrays.toString(copied));
    }

    @Test
    void shouldRejectQos3PerMqtt_3_3_1_4()
    {
        final byte[] frame = bytes().bin(TOPIC).u16(1).frame(0x36);
        final MqttProtocolException ex =
            assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.3.1-4", () -> decode(frame, MqttVersion.MQTT_5));
        assertEquals(MqttVersion.MQTT_5, ex.protocolVersion());
    }

    @Test
    void shouldRejectDupWithQos0PerMqtt_3_3_1_2()
    {
        final byte[] frame = bytes().bin(TOPIC).frame(0x38);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.3.1-2", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectPacketIdZeroPerMqtt_2_2_1_3()
    {
        final byte[] frame = bytes().bin(TOPIC).u16(0).u8(0).frame(0x32);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-2.2.1-3", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectPacketIdZeroIn311PerMqtt_2_3_1_1()
    {
        final byte[] frame = bytes().bin(TOPIC).u16(0).frame(0x32);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.3.1-1", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectWildcardInTopicNamePerMqtt_3_3_2_2()
    {
        final byte[] frame = bytes().str("a/+").frame(0x30);
        final MqttProtocolException ex = assertRejected(
            ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2", () -> decode(frame, MqttVersion.MQTT_3_1_1));
        assertEquals(MqttVersion.MQTT_3_1_1, ex.protocolVersion());
    }

    @Test
    void shouldRejectEmptyTopicIn311PerMqtt_4_7_3_1()
    {
        final byte[] frame = bytes().u16(0).frame(0x30);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-4.7.3-1", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectEmptyTopicWithoutTopicAliasInMqtt5()
    {
        final byte[] frame = bytes().u16(0).u8(0).frame(0x30);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.3.2.3.4", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectTopicAliasZeroPerMqtt_3_3_2_8()
    {
        final byte[] frame = bytes().bin(TOPIC).props(bytes().u8(0x23).u16(0)).frame(0x30);
        assertRejected(ReasonCode.TOPIC_ALIAS_INVALID, "MQTT-3.3.2-8", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectSubscriptionIdentifierFromClientPerMqtt_3_3_4_6()
    {
        final byte[] frame = bytes().bin(TOPIC).props(bytes().u8(0x0B, 1)).frame(0x30);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.3.4-6", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectDuplicateMessageExpiryIntervalAsProtocolError()
    {
        final byte[] frame = bytes().bin(TOPIC).props(bytes().u8(0x02).u32(1).u8(0x02).u32(2)).frame(0x30);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectDuplicateTopicAliasAsProtocolError()
    {
        final byte[] frame = bytes().bin(TOPIC).props(bytes().u8(0x23).u16(1).u8(0x23).u16(2)).frame(0x30);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldAcceptRepeatedUserProperties()
    {
        final byte[] frame = bytes().bin(TOPIC)
            .props(bytes().u8(0x26).str("a").str("1").u8(0x26).str("a").str("2")).frame(0x30);
        assertEquals(0, decode(frame, MqttVersion.MQTT_5).payloadLength());
    }

    @Test
    void shouldRejectPropertyNotAllowedInPublishAsProtocolError()
    {
        final byte[] frame = bytes().bin(TOPIC).props(bytes().u8(0x11).u32(10)).frame(0x30);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectPayloadFormatIndicatorOtherThan0Or1AsProtocolError()
    {
        final byte[] frame = bytes().bin(TOPIC).props(bytes().u8(0x01, 2)).frame(0x30);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectNonUtf8PayloadWhenFormatIndicatorIsOne()
    {
        final byte[] frame = bytes().bin(TOPIC).props(bytes().u8(0x01, 1)).u8(0x61, 0xED, 0xA0, 0x80).frame(0x30);
        assertRejected(ReasonCode.PAYLOAD_FORMAT_INVALID, "3.3.2.3.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldAcceptBinaryPayloadWithoutFormatIndicator()
    {
        final byte[] frame = bytes().bin(TOPIC).u8(0).u8(0xFF, 0xFE, 0x00).frame(0x30);
        assertEquals(3, decode(frame, MqttVersion.MQTT_5).payloadLength());
    }

    @Test
    void shouldRejectWildcardInResponseTopicPerMqtt_3_3_2_14()
    {
        final byte[] frame = bytes().bin(TOPIC).props(bytes().u8(0x08).str("r/#")).frame(0x30);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.3.2-14", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectIllFormedUtf8TopicPerMqtt_1_5_4_1()
    {
        final byte[] frame = bytes().bin(new byte[]{ 'a', (byte)0xED, (byte)0xA0, (byte)0x80 }).frame(0x30);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-1", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectNullCharacterInTopicPerMqtt_1_5_4_2()
    {
        final byte[] frame = bytes().bin(new byte[]{ 'a', 0 }).frame(0x30);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-2", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectTopicLengthOverrunningFrame()
    {
        final byte[] frame = bytes().u16(50).u8('a', 'b').frame(0x30);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectMissingPacketIdentifier()
    {
        final byte[] frame = bytes().bin(TOPIC).u8(1).frame(0x32);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectPropertyLengthOverrunningFrame()
    {
        final byte[] frame = bytes().bin(TOPIC).u8(20, 0x01, 0x01).frame(0x30);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectPropertyValueOverrunningPropertyLength()
    {
        final byte[] frame = bytes().bin(TOPIC).u8(3, 0x02, 0, 0, 0, 0).frame(0x30);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectRemainingLengthNotMatchingFrame()
    {
        final byte[] frame = bytes().bin(TOPIC).raw(PAYLOAD).frame(0x30);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4",
            () -> decoder.wrap(at(frame), OFFSET, frame.length - 1, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectTooManyTopicLevels()
    {
        final byte[] frame = bytes().str("a/b/c").frame(0x30);
        decoder.maxTopicLevels(2);
        assertRejected(ReasonCode.TOPIC_NAME_INVALID, "4.7", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectOtherPacketTypes()
    {
        final byte[] frame = bytes().bin(TOPIC).frame(0x40);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.2", () -> decode(frame, MqttVersion.MQTT_5));
    }
}
