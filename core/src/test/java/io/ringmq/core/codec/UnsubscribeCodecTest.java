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

@Timeout(10)
class UnsubscribeCodecTest
{
    private static UnsubscribePacket decode(final byte[] frame, final int version)
    {
        return UnsubscribeDecoder.decode(at(frame), OFFSET, frame.length, version);
    }

    private static byte[] encode(final UnsubscribePacket packet, final int version)
    {
        return encoded(UnsubscribeEncoder.encodedLength(packet, version),
            (b) -> UnsubscribeEncoder.encode(packet, b, OFFSET, version));
    }

    @Test
    void shouldDecodeAndEncodeMqtt311Unsubscribe()
    {
        final byte[] frame = bytes().u16(5).str("a/b").str("$share/g/#").frame(0xA2);
        final UnsubscribePacket packet = decode(frame, MqttVersion.MQTT_3_1_1);
        assertEquals(5, packet.packetId());
        assertEquals(List.of("a/b", "$share/g/#"), packet.filters());
        assertBytes(frame, encode(packet, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldDecodeAndEncodeMqtt5UnsubscribeWithUserProperties()
    {
        final byte[] frame = bytes().u16(6).props(bytes().u8(0x26).str("k").str("v")).str("x").frame(0xA2);
        final UnsubscribePacket packet = decode(frame, MqttVersion.MQTT_5);
        assertEquals(List.of("x"), packet.filters());
        assertUserProperties(List.<String[]>of(new String[]{ "k", "v" }), packet.userProperties());
        assertBytes(frame, encode(packet, MqttVersion.MQTT_5));

        final UnsubscribePacket built = new UnsubscribePacket().packetId(6).addFilter("x").addUserProperty("k", "v");
        assertBytes(frame, encode(built, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectWrongFixedHeaderFlagsPerMqtt_3_10_1_1()
    {
        final byte[] frame = bytes().u16(1).str("a").frame(0xA0);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.10.1-1", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectNoTopicFilterPerMqtt_3_10_3_2()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.10.3-2",
            () -> decode(bytes().u16(1).u8(0).frame(0xA2), MqttVersion.MQTT_5));
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.10.3-2",
            () -> decode(bytes().u16(1).frame(0xA2), MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectPacketIdZeroPerMqtt_2_3_1_1()
    {
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.3.1-1",
            () -> decode(bytes().u16(0).str("a").frame(0xA2), MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldRejectPropertyNotAllowedInUnsubscribe()
    {
        final byte[] frame = bytes().u16(1).props(bytes().u8(0x0B, 1)).str("a").frame(0xA2);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame, MqttVersion.MQTT_5));
    }

    @Test
    void shouldRejectTruncatedTopicFilter()
    {
        final byte[] frame = bytes().u16(1).u16(9).u8('a').frame(0xA2);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(frame, MqttVersion.MQTT_3_1_1));
    }

    @Test
    void shouldEncodeAndDecodeMqtt311UnsubackWithoutReasonCodes()
    {
        final int[] codes = { ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED };
        final byte[] frame = encoded(AckListCodec.encodedLength(PacketType.UNSUBACK, 2, null, 4),
            (b) -> AckListCodec.encode(PacketType.UNSUBACK, b, OFFSET, 5, codes, 2, null, MqttVersion.MQTT_3_1_1));
        assertBytes(hex("B0 02 00 05"), frame);

        final AckListPacket packet = AckListCodec.decode(PacketType.UNSUBACK, at(frame), OFFSET, frame.length, 4);
        assertEquals(5, packet.packetId());
        assertEquals(0, packet.reasonCodes().length);
    }

    @Test
    void shouldEncodeAndDecodeMqtt5Unsuback()
    {
        final int[] codes = { ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED };
        final byte[] frame = encoded(AckListCodec.encodedLength(PacketType.UNSUBACK, 2, null, 5),
            (b) -> AckListCodec.encode(PacketType.UNSUBACK, b, OFFSET, 5, codes, 2, null, MqttVersion.MQTT_5));
        assertBytes(hex("B0 05 00 05 00 00 11"), frame);

        final AckListPacket packet = AckListCodec.decode(PacketType.UNSUBACK, at(frame), OFFSET, frame.length, 5);
        assertArrayEquals(codes, packet.reasonCodes());

        final byte[] expected = bytes().u16(5).props(bytes().u8(0x1F).str("r")).u8(0x00, 0x11).frame(0xB0);
        final byte[] withReason = encoded(AckListCodec.encodedLength(PacketType.UNSUBACK, 2, "r", 5),
            (b) -> AckListCodec.encode(PacketType.UNSUBACK, b, OFFSET, 5, codes, 2, "r", MqttVersion.MQTT_5));
        assertBytes(expected, withReason);
        assertEquals("r", AckListCodec.decode(PacketType.UNSUBACK, at(expected), OFFSET, expected.length,
            5).reasonString());
    }

    @Test
    void shouldRejectInvalidUnsubackReasonCode()
    {
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.9.3",
            () -> AckListCodec.decode(PacketType.UNSUBACK, at(hex("B0 04 00 01 00 02")), OFFSET, 6,
                MqttVersion.MQTT_5));
    }
}
