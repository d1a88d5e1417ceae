package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.ringmq.core.codec.Bytes.bytes;
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
class ConnectCodecTest
{
    private static final byte[] PASSWORD = { 1, 2, 3, (byte)0xFF };

    private static ConnectPacket decode(final byte[] frame)
    {
        return ConnectDecoder.decode(at(frame), OFFSET, frame.length);
    }

    private static byte[] encode(final ConnectPacket packet)
    {
        return encoded(ConnectEncoder.encodedLength(packet), (b) -> ConnectEncoder.encode(packet, b, OFFSET));
    }

    /** A 3.1.1 CONNECT: name, level, flags, keep alive, then the payload fields. */
    private static Bytes v311(final int flags)
    {
        return bytes().str("MQTT").u8(4, flags).u16(30);
    }

    private static Bytes v5(final int flags, final Bytes properties)
    {
        return bytes().str("MQTT").u8(5, flags).u16(30).props(properties);
    }

    @Test
    void shouldDecodeAndEncodeMqtt311Connect()
    {
        final byte[] frame = v311(0xC0 | 0x20 | 0x08 | 0x04 | 0x02)
            .str("client-1").str("will/topic").bin("bye".getBytes(StandardCharsets.UTF_8))
            .str("user").bin(PASSWORD).frame(0x10);

        final ConnectPacket packet = decode(frame);

        assertEquals("MQTT", packet.protocolName());
        assertEquals(MqttVersion.MQTT_3_1_1, packet.protocolVersion());
        assertTrue(packet.cleanStart());
        assertEquals(30, packet.keepAliveSeconds());
        assertEquals("client-1", packet.clientId());
        assertTrue(packet.willFlag());
        assertEquals(1, packet.willQos());
        assertTrue(packet.willRetain());
        assertEquals("will/topic", packet.willTopic());
        assertArrayEquals("bye".getBytes(StandardCharsets.UTF_8), packet.willPayload());
        assertEquals("user", packet.username());
        assertArrayEquals(PASSWORD, packet.password());
        assertEquals(0, packet.willForwardProperties().length);
        assertEquals(-1, packet.willMessageExpirySeconds());
        assertEquals(65535, packet.receiveMaximum());
        assertTrue(packet.requestProblemInformation());

        assertBytes(frame, encode(packet));
    }

    @Test
    void shouldDecodeAndEncodeMqtt311ConnectWithEmptyClientIdAndNoFlags()
    {
        final byte[] frame = v311(0).str("").frame(0x10);
        final ConnectPacket packet = decode(frame);

        assertEquals("", packet.clientId());
        assertFalse(packet.cleanStart());
        assertFalse(packet.willFlag());
        assertNull(packet.username());
        assertNull(packet.password());
        assertBytes(frame, encode(packet));
    }

    @Test
    void shouldDecodeAndEncodeMqtt31MQIsdpConnect()
    {
        final byte[] frame = bytes().str("MQIsdp").u8(3, 0x02 | 0x80).u16(10).str("legacy").str("bob").frame(0x10);
        final ConnectPacket packet = decode(frame);

        assertEquals("MQIsdp", packet.protocolName());
        assertEquals(MqttVersion.MQTT_3_1, packet.protocolVersion());
        assertEquals("legacy", packet.clientId());
        assertEquals("bob", packet.username());
        assertBytes(frame, encode(packet));

        final ConnectPacket built = new ConnectPacket().protocolVersion(MqttVersion.MQTT_3_1).keepAliveSeconds(10)
            .clientId("legacy").username("bob");
        assertBytes(frame, encode(built));
    }

    @Test
    void shouldDecodeAndEncodeMqtt5ConnectWithAllPropertiesAndWill()
    {
        final Bytes willForward = bytes()
            .u8(0x01, 1)
            .u8(0x03).str("text/plain")
            .u8(0x08).str("reply/here")
            .u8(0x09).bin(new byte[]{ 9, 8, 7 })
            .u8(0x26).str("wk").str("wv");
        final Bytes willProperties = bytes()
            .u8(0x18).u32(120)
            .u8(0x02).u32(3600)
            .raw(willForward);
        final Bytes properties = bytes()
            .u8(0x11).u32(0xFFFF_FFFFL)
            .u8(0x21).u16(100)
            .u8(0x27).u32(65536)
            .u8(0x22).u16(10)
            .u8(0x19, 1)
            .u8(0x17, 0)
            .u8(0x26).str("k1").str("v1")
            .u8(0x26).str("k1").str("v2")
            .u8(0x15).str("SCRAM-SHA-1")
            .u8(0x16).bin(new byte[]{ 0x42 });
        final byte[] frame = v5(0xC0 | 0x10 | 0x04, properties)
            .str("c5")
            .props(willProperties).str("dead/c5").bin("gone \u00e9".getBytes(StandardCharsets.UTF_8))
            .str("u").bin(PASSWORD)
            .frame(0x10);

        final ConnectPacket packet = decode(frame);

        assertEquals(MqttVersion.MQTT_5, packet.protocolVersion());
        assertFalse(packet.cleanStart());
        assertEquals(0xFFFF_FFFFL, packet.sessionExpiryIntervalSeconds());
        assertEquals(100, packet.receiveMaximum());
        assertEquals(65536, packet.maximumPacketSize());
        assertEquals(10, packet.topicAliasMaximum());
        assertTrue(packet.requestResponseInformation());
        assertFalse(packet.requestProblemInformation());
        assertUserProperties(List.of(new String[]{ "k1", "v1" }, new String[]{ "k1", "v2" }),
            packet.userProperties());
        assertEquals("SCRAM-SHA-1", packet.authenticationMethod());
        assertArrayEquals(new byte[]{ 0x42 }, packet.authenticationData());
        assertEquals("c5", packet.clientId());
        assertTrue(packet.willFlag());
        assertEquals(2, packet.willQos());
        assertFalse(packet.willRetain());
        assertEquals(120, packet.willDelayIntervalSeconds());
        assertEquals(3600, packet.willMessageExpirySeconds());
        assertEquals(1, packet.willPayloadFormatIndicator());
        assertBytes(willForward.toArray(), packet.willForwardProperties());
        assertEquals("dead/c5", packet.willTopic());
        assertEquals("u", packet.username());
        assertArrayEquals(PASSWORD, packet.password());

        assertBytes(frame, encode(packet));
    }

    @Test
    void shouldEncodeWillPayloadFormatIndicatorFromFieldWhenNotForwarded()
    {
        final ConnectPacket packet = new ConnectPacket().clientId("c").keepAliveSeconds(0).cleanStart(true)
            .will("t", new byte[]{ 'x' }, 0, false).willPayloadFormatIndicator(1);
        final byte[] expected = v5WithKeepAlive(0x02 | 0x04, bytes(), 0)
            .str("c").props(bytes().u8(0x01, 1)).str("t").bin(new byte[]{ 'x' }).frame(0x10);

        assertBytes(expected, encode(packet));
        assertEquals(1, decode(expected).willPayloadFormatIndicator());
    }

    private static Bytes v5WithKeepAlive(final int flags, final Bytes properties, final int keepAlive)
    {
        return bytes().str("MQTT").u8(5, flags).u16(keepAlive).props(properties);
    }

    @Test
    void shouldAcceptPasswordWithoutUserNameInMqtt5()
    {
        final byte[] frame = v5(0x40, bytes()).str("c").bin(PASSWORD).frame(0x10);
        final ConnectPacket packet = decode(frame);
        assertNull(packet.username());
        assertArrayEquals(PASSWORD, packet.password());
        assertBytes(frame, encode(packet));
    }

    @Test
    void shouldRejectUnknownProtocolNamePerMqtt_3_1_2_1()
    {
        final byte[] frame = bytes().str("MQTX").u8(5, 0).u16(0).props(bytes()).str("c").frame(0x10);
        final MqttProtocolException ex =
            assertRejected(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-1", () -> decode(frame));
        assertEquals(5, ex.protocolVersion());
    }

    @Test
    void shouldRejectUnsupportedProtocolLevelPerMqtt_3_1_2_2()
    {
        final byte[] frame = bytes().str("MQTT").u8(6, 0).u16(0).str("c").frame(0x10);
        final MqttProtocolException ex =
            assertRejected(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2", () -> decode(frame));
        assertEquals(6, ex.protocolVersion());
    }

    @Test
    void shouldRejectMQIsdpWithLevel4PerMqtt_3_1_2_2()
    {
        final byte[] frame = bytes().str("MQIsdp").u8(4, 0).u16(0).str("c").frame(0x10);
        assertRejected(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2", () -> decode(frame));
    }

    @Test
    void shouldRejectMqttNameWithLevel3PerMqtt_3_1_2_2()
    {
        final byte[] frame = bytes().str("MQTT").u8(3, 0).u16(0).str("c").frame(0x10);
        final MqttProtocolException ex =
            assertRejected(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2", () -> decode(frame));
        assertEquals(3, ex.protocolVersion());
    }

    @Test
    void shouldRejectReservedConnectFlagPerMqtt_3_1_2_3()
    {
        final byte[] frame = v311(0x01).str("c").frame(0x10);
        final MqttProtocolException ex =
            assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-3", () -> decode(frame));
        assertEquals(MqttVersion.MQTT_3_1_1, ex.protocolVersion());
    }

    @Test
    void shouldRejectWillQosWithoutWillFlagPerMqtt_3_1_2_11()
    {
        final byte[] frame = v5(0x08, bytes()).str("c").frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-11", () -> decode(frame));
    }

    @Test
    void shouldRejectWillQosWithoutWillFlagIn311PerMqtt_3_1_2_13()
    {
        final byte[] frame = v311(0x10).str("c").frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-13", () -> decode(frame));
    }

    @Test
    void shouldRejectWillRetainWithoutWillFlagPerMqtt_3_1_2_13()
    {
        final byte[] frame = v5(0x20, bytes()).str("c").frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-13", () -> decode(frame));
    }

    @Test
    void shouldRejectWillRetainWithoutWillFlagIn311PerMqtt_3_1_2_15()
    {
        final byte[] frame = v311(0x20).str("c").frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-15", () -> decode(frame));
    }

    @Test
    void shouldRejectWillQos3PerMqtt_3_1_2_12()
    {
        final byte[] frame = v5(0x18 | 0x04, bytes()).str("c").props(bytes()).str("t").bin(new byte[0])
            .frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-12", () -> decode(frame));
    }

    @Test
    void shouldRejectWillQos3In311PerMqtt_3_1_2_14()
    {
        final byte[] frame = v311(0x18 | 0x04).str("c").str("t").bin(new byte[0]).frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-14", () -> decode(frame));
    }

    @Test
    void shouldRejectPasswordWithoutUserNamePerMqtt_3_1_2_22()
    {
        final byte[] frame = v311(0x40).str("c").bin(PASSWORD).frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-22", () -> decode(frame));
    }

    @Test
    void shouldRejectIllFormedUtf8ClientIdPerMqtt_1_5_4_1()
    {
        final byte[] frame = v311(0).bin(new byte[]{ 'a', (byte)0xC0, (byte)0x80 }).frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-1", () -> decode(frame));
    }

    @Test
    void shouldRejectNullCharacterInUserNamePerMqtt_1_5_4_2()
    {
        final byte[] frame = v311(0x80).str("c").bin(new byte[]{ 'a', 0 }).frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.4-2", () -> decode(frame));
    }

    @Test
    void shouldRejectNonZeroFixedHeaderFlagsPerMqtt_2_1_3_1()
    {
        final byte[] frame = v5(0, bytes()).str("c").frame(0x12);
        assertRejected(ReasonCode.MALFORMED_PACKET, "MQTT-2.1.3-1", () -> decode(frame));
    }

    @Test
    void shouldRejectRemainingLengthNotMatchingFrame()
    {
        final byte[] frame = v311(0).str("c").frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4",
            () -> ConnectDecoder.decode(at(frame), OFFSET, frame.length + 1));
    }

    @Test
    void shouldRejectTrailingBytesAfterPayload()
    {
        final byte[] frame = v311(0).str("c").u8(0).frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(frame));
    }

    @Test
    void shouldRejectMissingPassword()
    {
        final byte[] frame = v311(0xC0).str("c").str("user").frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.1.4", () -> decode(frame));
    }

    @Test
    void shouldRejectDuplicateSessionExpiryIntervalAsProtocolError()
    {
        final byte[] frame = v5(0, bytes().u8(0x11).u32(1).u8(0x11).u32(2)).str("c").frame(0x10);
        final MqttProtocolException ex =
            assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame));
        assertEquals(MqttVersion.MQTT_5, ex.protocolVersion());
    }

    @Test
    void shouldRejectReceiveMaximumZeroAsProtocolError()
    {
        final byte[] frame = v5(0, bytes().u8(0x21).u16(0)).str("c").frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectMaximumPacketSizeZeroAsProtocolError()
    {
        final byte[] frame = v5(0, bytes().u8(0x27).u32(0)).str("c").frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectRequestProblemInformationOtherThan0Or1AsProtocolError()
    {
        final byte[] frame = v5(0, bytes().u8(0x17, 2)).str("c").frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectRequestResponseInformationOtherThan0Or1AsProtocolError()
    {
        final byte[] frame = v5(0, bytes().u8(0x19, 7)).str("c").frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectAuthenticationDataWithoutMethodAsProtocolError()
    {
        final byte[] frame = v5(0, bytes().u8(0x16).bin(new byte[]{ 1 })).str("c").frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "3.1.2.11.10", () -> decode(frame));
    }

    @Test
    void shouldRejectUnknownPropertyIdentifierAsMalformed()
    {
        final byte[] frame = v5(0, bytes().u8(0x7F, 0)).str("c").frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectPropertyNotAllowedInConnectAsProtocolError()
    {
        final byte[] frame = v5(0, bytes().u8(0x23).u16(1)).str("c").frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectPropertyOverrunningPropertyLengthAsMalformed()
    {
        final byte[] frame = v5(0, bytes().u8(0x11, 0, 0)).str("c").frame(0x10);
        assertRejected(ReasonCode.MALFORMED_PACKET, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectSessionExpiryInWillPropertiesAsProtocolError()
    {
        final byte[] frame = v5(0x04, bytes()).str("c").props(bytes().u8(0x11).u32(5)).str("t").bin(new byte[0])
            .frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectDuplicateWillDelayIntervalAsProtocolError()
    {
        final byte[] frame = v5(0x04, bytes()).str("c").props(bytes().u8(0x18).u32(5).u8(0x18).u32(6))
            .str("t").bin(new byte[0]).frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "2.2.2.2", () -> decode(frame));
    }

    @Test
    void shouldRejectWillPayloadNotUtf8WhenFormatIndicatorIsOne()
    {
        final byte[] frame = v5(0x04, bytes()).str("c").props(bytes().u8(0x01, 1)).str("t")
            .bin(new byte[]{ (byte)0xFF }).frame(0x10);
        assertRejected(ReasonCode.PAYLOAD_FORMAT_INVALID, "3.1.3.2.3", () -> decode(frame));
    }

    @Test
    void shouldRejectWildcardInWillTopicPerMqtt_3_3_2_2()
    {
        final byte[] frame = v311(0x04).str("c").str("a/#").bin(new byte[0]).frame(0x10);
        assertRejected(ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2", () -> decode(frame));
    }

    @Test
    void shouldRejectEmptyWillTopicPerMqtt_4_7_3_1()
    {
        final byte[] frame = v311(0x04).str("c").str("").bin(new byte[0]).frame(0x10);
        assertRejected(ReasonCode.TOPIC_NAME_INVALID, "MQTT-4.7.3-1", () -> decode(frame));
    }

    @Test
    void shouldRejectWildcardInWillResponseTopicPerMqtt_3_3_2_14()
    {
        final byte[] frame = v5(0x04, bytes()).str("c").props(bytes().u8(0x08).str("r/+")).str("t")
            .bin(new byte[0]).frame(0x10);
        assertRejected(ReasonCode.PROTOCOL_ERROR, "MQTT-3.3.2-14", () -> decode(frame));
    }
}
