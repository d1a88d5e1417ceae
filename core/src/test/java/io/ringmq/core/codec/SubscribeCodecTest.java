package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static io.ringmq.core.codec.Bytes.bytes;
import static io.ringmq.core.codec.Bytes.hex;
import static io.ringmq.core.codec.CodecAssertions.OFFSET;
import static io.ringmq.core.codec.CodecAssertions.assertBytes;
import static io.ringmq.core.codec.CodecAssertions.assertRejected;
import static io.ringmq.core.codec.CodecAssertions.assertUserProperties;
import static io.ringmq.core.codec.CodecAssertions.at;
import static io.ringmq.core.codec.CodecAssertions.encoded;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class SubscribeCodecTest
{
    private static SubscribePacket decode(final byte[] frame, final int version)
    {
        return SubscribeDecoder.decode(at(frame), OFFSET, frame.length, version, 128);
    }

    private static byte[] encode(final SubscribePacket packet, final int version)
    {
        return encoded(SubscribeEncoder.encodedLength(packet, version),
            (b) -> SubscribeEncoder.encode(packet, b, OFFSET, version));
    }

    @Test
    void shouldDecodeAndEncodeMqtt311Subscribe()
    {
        final byte[] frame = bytes().u16(10).str("a/b").u8(1).str("#").u8(2).str("x/+/y").u8(0).frame(0x82);
        final SubscribePacket packet = decode(frame, MqttVersion.MQTT_3_1_1);

        assertEquals(10, packet.packetId());
        assertEquals(0, packet.subscriptionIdentifier());
        assertEquals(3, packet.subscriptions().size());
        assertEquals(new TopicSubscription("a/b", 1), packet.subscriptions().get(0));
        assertEquals(new TopicSubscription("#", 2), packet.subscriptions().get(1));
        assertEquals(new TopicSubscription("x/+/y", 0), packet.subscriptions().get(2));
        assertBytes(frame, encode(packet, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldDecodeAndEncodeMqtt5SubscribeWithOptionsAndProperties()
    {
        final byte[] frame = bytes().u16(0xFFFF)
            .props(bytes().u8(0x0B).vbi(200_000).u8(0x26).str("app").str("x"))
            .str("a/b").u8(0x01 | 0x04 | 0x08 | 0x20)
            .str("$share/g/c/#").u8(0x02 | 0x10)
            .frame(0x82);
        final SubscribePacket packet = decode(frame, MqttVersion.MQTT_5);

        assertEquals(0xFFFF, packet.packetId());
        assertEquals(200_000, packet.subscriptionIdentifier());
        assertUserProperties(List.<String[]>of(new String[]{ "app", "x" }), packet.userProperties());
        final TopicSubscription first = packet.subscriptions().get(0);
        assertEquals(1, first.qos());
        assertTrue(first.noLocal());
        assertTrue(first.retainAsPublished());
        assertEquals(2, first.retainHandling());
        assertTrue(first.valid());
        final TopicSubscription second = packet.subscriptions().get(1);
        assertTrue(second.isShared());
        assertEquals(2, second.qos());
        assertFalse(second.noLocal());
        assertEquals(1, second.retainHandling());

        assertBytes(frame, encode(packet, MqttVersion.MQTT_5));
    }

    @Test
    void shouldMarkInvalidTopicFilterWithoutFailingThePacket()
    {
        final byte[] frame = bytes().u16(1).u8(0).str("ok/#").u8(1).str("bad/#/x").u8(1).str("").u8(0)
            .str("$share//t").u8(0).frame(0x82);
        final SubscribePacket packet = decode(frame, MqttVersion.MQTT_5);

        assertTrue(packet.subscriptions().get(0).valid());
        assertFalse(packet.subscriptions().get(1).valid());
        assertEquals(ReasonCode.TOPIC_FILTER_INVALID, packet.subscriptions().get(1).invalidReason());
        assertFalse(packet.subscriptions().get(2).valid());
        assertFalse(packet.subscriptions().get(3).valid());

        final SubscribePacket v311 = decode(bytes().u16(1).str("a+").u8(0).frame(0x82), MqttVersion.MQTT_3_1_1);
        assertFalse(v311.subscriptions().get(0).valid());
    }

    @Test
    void shouldMarkFilterWithTooManyLevelsInvalid()
    {
        final byte[] frame = bytes().u16(1).str("a/b/c").u8(0).frame(0x82);
        final SubscribePacket packet = SubscribeDecoder.decode(at(frame), OFFSET, frame.length, 4, 2);
        assertFalse(packet.subscriptions().get(0).valid());
    }

    @Test
    void shouldRejectWrongFixedHeaderFlagsPerMqtt_3_8_1_1()
    {
        final byte[] frame = bytes().u16(1).str("a").u8(0).frame(0x80);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.8.1-1", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectNoTopicFilterPerMqtt_3_8_3_2()
    {
        final byte[] frame = bytes().u16(1).u8(0).frame(0x82);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.8.3-2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectNoTopicFilterIn311PerMqtt_3_8_3_3()
    {
        final byte[] frame = bytes().u16(1).frame(0x82);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.8.3-3", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectReservedOptionBitsPerMqtt_3_8_3_5()
    {
        final byte[] frame = bytes().u16(1).u8(0).str("a").u8(0x40).frame(0x82);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.8.3-5", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectUpperQosBitsIn311PerMqtt_3_8_3_4()
    {
        final byte[] frame = bytes().u16(1).str("a").u8(0x04).frame(0x82);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3-8.3-4", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectQos3In311PerMqtt_3_8_3_4()
    {
        final byte[] frame = bytes().u16(1).str("a").u8(0x03).frame(0x82);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3-8.3-4", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectMaximumQos3InMqtt5AsProtocolError()
    {
        final byte[] frame = bytes().u16(1).u8(0).str("a").u8(0x03).frame(0x82);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.8.3.1", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectRetainHandling3AsProtocolError()
    {
        final byte[] frame = bytes().u16(1).u8(0).str("a").u8(0x30).frame(0x82);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.8.3.1", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectNoLocalOnSharedSubscriptionPerMqtt_3_8_3_4()
    {
        final byte[] frame = bytes().u16(1).u8(0).str("$share/g/a").u8(0x04).frame(0x82);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.8.3-4", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectSubscriptionIdentifierZeroAsProtocolError()
    {
        final byte[] frame = bytes().u16(1).props(bytes().u8(0x0B, 0)).str("a").u8(0).frame(0x82);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectDuplicateSubscriptionIdentifierAsProtocolError()
    {
        final byte[] frame = bytes().u16(1).props(bytes().u8(0x0B, 1, 0x0B, 2)).str("a").u8(0).frame(0x82);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectPacketIdZeroPerMqtt_2_2_1_3()
    {
        final byte[] frame = bytes().u16(0).u8(0).str("a").u8(0).frame(0x82);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-2.2.1-3", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectIllFormedUtf8FilterPerMqtt_1_5_4_1()
    {
        final byte[] frame = bytes().u16(1).bin(new byte[]{ (byte)0xC0, (byte)0xAF }).u8(0).frame(0x82);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-1", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectMissingOptionsByte()
    {
        final byte[] frame = bytes().u16(1).str("a").frame(0x82);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldEncodeAndDecodeMqtt311Suback()
    {
        final int[] codes = { 0, 1, 2, ReasonCode.UNSPECIFIED_ERROR, ReasonCode.TOPIC_FILTER_INVALID };
        final byte[] frame = encoded(AckListCodec.encodedLength(PacketType.SUBACK, 5, null, 4),
            (b) -> AckListCodec.encode(PacketType.SUBACK, b, OFFSET, 0x0A0B, codes, 5, null, MqttVersion.MQTT_3_1_1));
        assertBytes(hex("90 07 0A 0B 00 01 02 80 80"), frame);

        final AckListPacket packet = AckListCodec.decode(PacketType.SUBACK, at(frame), OFFSET, frame.length,
            MqttVersion.MQTT_3_1_1);
        assertEquals(0x0A0B, packet.packetId());
        assertArrayEquals(new int[]{ 0, 1, 2, 0x80, 0x80 }, packet.reasonCodes());
        assertNull(packet.reasonString());
    }

    @Test
    void shouldEncodeAndDecodeMqtt5Suback()
    {
        final int[] codes = { 1, ReasonCode.TOPIC_FILTER_INVALID, ReasonCode.NOT_AUTHORIZED };
        final byte[] plain = encoded(AckListCodec.encodedLength(PacketType.SUBACK, 3, null, 5),
            (b) -> AckListCodec.encode(PacketType.SUBACK, b, OFFSET, 7, codes, 3, null, MqttVersion.MQTT_5));
        assertBytes(hex("90 06 00 07 00 01 8F 87"), plain);

        final byte[] expected = bytes().u16(7).props(bytes().u8(0x1F).str("partly")).u8(1, 0x8F, 0x87).frame(0x90);
        final byte[] withReason = encoded(AckListCodec.encodedLength(PacketType.SUBACK, 3, "partly", 5),
            (b) -> AckListCodec.encode(PacketType.SUBACK, b, OFFSET, 7, codes, 3, "partly", MqttVersion.MQTT_5));
        assertBytes(expected, withReason);

        final AckListPacket packet = AckListCodec.decode(PacketType.SUBACK, at(expected), OFFSET, expected.length,
            MqttVersion.MQTT_5);
        assertArrayEquals(codes, packet.reasonCodes());
        assertEquals("partly", packet.reasonString());

        packet.userProperties().add(new String[]{ "u", "v" });
        final byte[] full = encoded(AckListCodec.encodedLength(packet, 5),
            (b) -> AckListCodec.encode(packet, b, OFFSET, 5));
        final AckListPacket again = AckListCodec.decode(PacketType.SUBACK, at(full), OFFSET, full.length, 5);
        assertUserProperties(packet.userProperties(), again.userProperties());
    }

    @Test
    void shouldRejectInvalidSubackReturnCodeIn311()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.9.3",
            () -> AckListCodec.decode(PacketType.SUBACK, at(hex("90 03 00 01 03")), OFFSET, 5, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectSubackWithoutReasonCodes()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.9.3",
            () -> AckListCodec.decode(PacketType.SUBACK, at(hex("90 03 00 01 00")), OFFSET, 5, MqttVersion.MQTT_5));
    }
}
