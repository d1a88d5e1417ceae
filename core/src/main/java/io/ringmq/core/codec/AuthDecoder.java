package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

/**
 * Decoder of AUTH (MQTT 5 only), both directions.
 * <pre>
 * 0xF0 | Remaining Length | [Reason Code | Property Length + properties]
 * </pre>
 * Remaining Length 0 means Success without properties; otherwise the Authentication Method is required.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class AuthDecoder
{
    private AuthDecoder()
    {
    }

    /**
     * Decode a whole AUTH frame.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level of the sender; AUTH is a Malformed Packet below MQTT 5.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks.
     */
    public static AuthPacket decode(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        if (version != MqttVersion.MQTT_5)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "MQTT-2.2.2-1: packet type 15 is reserved before MQTT 5", version);
        }
        try
        {
            final int bodyOffset = FixedHeader.validate(buffer, offset, length, PacketType.AUTH, version);
            final WireReader reader = new WireReader(buffer, bodyOffset, offset + length, version);
            final AuthPacket packet = new AuthPacket();
            if (!reader.hasRemaining())
            {
                return packet;
            }

            final int reasonCode = reader.u8("Reason Code");
            if (!ReasonCode.isValidFor(PacketType.AUTH, reasonCode))
            {
                throw reader.protocolError(
                    "MQTT-3.15.2-1: invalid AUTH Reason Code 0x" + Integer.toHexString(reasonCode));
            }
            packet.reasonCode(reasonCode);

            final PropertyReader properties = new PropertyReader();
            if (reader.hasRemaining())
            {
                reader.properties(properties, PropertyReader.AUTH_PROPERTIES, "AUTH");
                while (properties.hasNext())
                {
                    switch (properties.next())
                    {
                        case Property.AUTHENTICATION_METHOD:
                            packet.authenticationMethod(properties.stringValue());
                            break;
                        case Property.AUTHENTICATION_DATA:
                            packet.authenticationData(properties.bytesValue());
                            break;
                        case Property.REASON_STRING:
                            packet.reasonString(properties.stringValue());
                            break;
                        default:
                            WireReader.addUserProperty(packet.userProperties(), properties);
                            break;
                    }
                }
            }
            reader.expectEnd("AUTH properties");
            if (null == packet.authenticationMethod())
            {
                throw reader.protocolError("3.15.2.2.2: AUTH without an Authentication Method");
            }
            return packet;
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }
}
