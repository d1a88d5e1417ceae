package io.ringmq.core.codec;

import io.ringmq.core.protocol.ConnectReturnCode;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

/**
 * Client-side decoder of CONNACK (tests, load tester).
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class ConnackDecoder
{
    private static final String CONNACK = "CONNACK";

    private ConnackDecoder()
    {
    }

    /**
     * Decode a whole CONNACK frame.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level the client connected with.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks.
     */
    public static ConnackPacket decode(
        final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        final int bodyOffset = FixedHeader.validate(buffer, offset, length, PacketType.CONNACK, version);
        final WireReader reader = new WireReader(buffer, bodyOffset, offset + length, version);
        final ConnackPacket packet = new ConnackPacket().version(version);
        try
        {
            final int flags = reader.u8("Connect Acknowledge Flags");
            if ((flags & 0xFE) != 0)
            {
                throw reader.malformed("MQTT-3.2.2-1: reserved Connect Acknowledge Flags must be 0");
            }
            packet.sessionPresent((flags & 0x01) != 0);
            final int code = reader.u8("Connect Reason Code");
            packet.reasonCode(code);

            if (version == MqttVersion.MQTT_5)
            {
                if (!ReasonCode.isValidFor(PacketType.CONNACK, code))
                {
                    throw reader.protocolError("3.2.2.2: invalid CONNACK Reason Code 0x" + Integer.toHexString(code));
                }
                readProperties(reader.properties(new PropertyReader(), PropertyReader.CONNACK_PROPERTIES, CONNACK),
                    packet);
            }
            else if (code > ConnectReturnCode.NOT_AUTHORIZED)
            {
                throw reader.malformed("3.2.2.3: invalid CONNACK return code " + code);
            }

            reader.expectEnd("CONNACK");
            return packet;
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }

    private static void readProperties(final PropertyReader properties, final ConnackPacket packet)
    {
        while (properties.hasNext())
        {
            switch (properties.next())
            {
                case Property.SESSION_EXPIRY_INTERVAL:
                    packet.sessionExpiryInterval(properties.value());
                    break;
                case Property.RECEIVE_MAXIMUM:
                    packet.receiveMaximum(properties.intValue());
                    break;
                case Property.MAXIMUM_QOS:
                    packet.maximumQos(properties.intValue());
                    break;
                case Property.RETAIN_AVAILABLE:
                    packet.retainAvailable(properties.value() == 1);
                    break;
                case Property.MAXIMUM_PACKET_SIZE:
                    packet.maximumPacketSize(properties.value());
                    break;
                case Property.ASSIGNED_CLIENT_IDENTIFIER:
                    packet.assignedClientIdentifier(properties.stringValue());
                    break;
                case Property.TOPIC_ALIAS_MAXIMUM:
                    packet.topicAliasMaximum(properties.intValue());
                    break;
                case Property.REASON_STRING:
                    packet.reasonString(properties.stringValue());
                    break;
                case Property.WILDCARD_SUBSCRIPTION_AVAILABLE:
                    packet.wildcardSubscriptionAvailable(properties.value() == 1);
                    break;
                case Property.SUBSCRIPTION_IDENTIFIER_AVAILABLE:
                    packet.subscriptionIdentifiersAvailable(properties.value() == 1);
                    break;
                case Property.SHARED_SUBSCRIPTION_AVAILABLE:
                    packet.sharedSubscriptionAvailable(properties.value() == 1);
                    break;
                case Property.SERVER_KEEP_ALIVE:
                    packet.serverKeepAlive(properties.intValue());
                    break;
                case Property.RESPONSE_INFORMATION:
                    packet.responseInformation(properties.stringValue());
                    break;
                case Property.SERVER_REFERENCE:
                    packet.serverReference(properties.stringValue());
                    break;
                case Property.AUTHENTICATION_METHOD:
                    packet.authenticationMethod(properties.stringValue());
                    break;
                case Property.AUTHENTICATION_DATA:
                    packet.authenticationData(properties.bytesValue());
                    break;
                default:
                    WireReader.addUserProperty(packet.userProperties(), properties);
                    break;
            }
        }
    }
}
