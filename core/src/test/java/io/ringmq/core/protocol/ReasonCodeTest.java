package io.ringmq.core.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ReasonCodeTest
{
    @Test
    void shouldHaveSpecificationValues()
    {
        assertEquals(0x00, ReasonCode.SUCCESS);
        assertEquals(0x04, ReasonCode.DISCONNECT_WITH_WILL_MESSAGE);
        assertEquals(0x19, ReasonCode.RE_AUTHENTICATE);
        assertEquals(0x81, ReasonCode.MALFORMED_PACKET);
        assertEquals(0x8F, ReasonCode.TOPIC_FILTER_INVALID);
        assertEquals(0x99, ReasonCode.PAYLOAD_FORMAT_INVALID);
        assertEquals(0xA2, ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED);
    }

    @Test
    void shouldMapToMqtt311ConnectReturnCodes()
    {
        assertEquals(ConnectReturnCode.ACCEPTED, ReasonCode.toConnectReturnCode(ReasonCode.SUCCESS));
        assertEquals(ConnectReturnCode.UNACCEPTABLE_PROTOCOL_VERSION,
            ReasonCode.toConnectReturnCode(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION));
        assertEquals(ConnectReturnCode.IDENTIFIER_REJECTED,
            ReasonCode.toConnectReturnCode(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID));
        assertEquals(ConnectReturnCode.SERVER_UNAVAILABLE,
            ReasonCode.toConnectReturnCode(ReasonCode.SERVER_UNAVAILABLE));
        assertEquals(ConnectReturnCode.SERVER_UNAVAILABLE, ReasonCode.toConnectReturnCode(ReasonCode.SERVER_BUSY));
        assertEquals(ConnectReturnCode.BAD_USER_NAME_OR_PASSWORD,
            ReasonCode.toConnectReturnCode(ReasonCode.BAD_USER_NAME_OR_PASSWORD));
        assertEquals(ConnectReturnCode.NOT_AUTHORIZED, ReasonCode.toConnectReturnCode(ReasonCode.NOT_AUTHORIZED));
        assertEquals(ConnectReturnCode.NOT_AUTHORIZED, ReasonCode.toConnectReturnCode(ReasonCode.BANNED));
    }

    @Test
    void shouldKnowWhichCodesEachPacketMayCarry()
    {
        assertTrue(ReasonCode.isValidFor(PacketType.PUBACK, ReasonCode.NO_MATCHING_SUBSCRIBERS));
        assertFalse(ReasonCode.isValidFor(PacketType.PUBREL, ReasonCode.NO_MATCHING_SUBSCRIBERS));
        assertTrue(ReasonCode.isValidFor(PacketType.PUBCOMP, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND));
        assertTrue(ReasonCode.isValidFor(PacketType.SUBACK, ReasonCode.GRANTED_QOS_2));
        assertFalse(ReasonCode.isValidFor(PacketType.UNSUBACK, ReasonCode.GRANTED_QOS_2));
        assertTrue(ReasonCode.isValidFor(PacketType.DISCONNECT, ReasonCode.SESSION_TAKEN_OVER));
        assertFalse(ReasonCode.isValidFor(PacketType.CONNACK, ReasonCode.SESSION_TAKEN_OVER));
        assertFalse(ReasonCode.isValidFor(PacketType.PUBLISH, ReasonCode.SUCCESS));
        assertFalse(ReasonCode.isValidFor(PacketType.AUTH, 0x300));
    }

    @Test
    void shouldNameCodesTypesAndProperties()
    {
        assertEquals("SUCCESS", ReasonCode.name(0));
        assertEquals("TOPIC_ALIAS_INVALID", ReasonCode.name(0x94));
        assertEquals("UNKNOWN(0x7)", ReasonCode.name(7));
        assertEquals("PUBREL", PacketType.name(PacketType.PUBREL));
        assertEquals("AUTH", PacketType.name(15));
        assertEquals("Topic Alias", Property.name(Property.TOPIC_ALIAS));
        assertEquals(Property.TYPE_UTF8_STRING_PAIR, Property.type(Property.USER_PROPERTY));
        assertEquals(Property.TYPE_UNKNOWN, Property.type(0x04));
        assertEquals(0b0010, PacketType.requiredFlags(PacketType.SUBSCRIBE));
        assertEquals("3.1.1", MqttVersion.name(MqttVersion.MQTT_3_1_1));
    }
}
