package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.MutableDirectBuffer;

/**
 * Server-side CONNACK encoder of a {@link ConnackPacket}: {@link #encodedLength(ConnackPacket)}, then
 * {@link #encode(ConnackPacket, MutableDirectBuffer, int)}. MQTT 5 properties are written only when they differ
 * from what their absence means.
 * <pre>
 * 0x20 | Remaining Length | flags (bit 0 Session Present) | reason/return code | [v5: Property Length, properties]
 * </pre>
 * Session Present is written as 0 with a failure code (MQTT-3.2.2-6 / MQTT-3.2.2-4) and for MQTT 3.1, whose CONNACK
 * has no such flag.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class ConnackEncoder
{
    private ConnackEncoder()
    {
    }

    /**
     * Bytes {@link #encode(ConnackPacket, MutableDirectBuffer, int)} will write.
     *
     * @param p the CONNACK.
     * @return length of the whole frame.
     */
    public static int encodedLength(final ConnackPacket p)
    {
        return WireWriter.frameLength(remainingLength(p));
    }

    /**
     * Encode the CONNACK.
     *
     * @param p      the CONNACK; its reason code is an MQTT 5 code, mapped for 3.x.
     * @param buffer to write to.
     * @param offset of the first byte.
     * @return bytes written.
     */
    public static int encode(final ConnackPacket p, final MutableDirectBuffer buffer, final int offset)
    {
        int position = offset + WireWriter.putFixedHeader(buffer, offset, PacketType.CONNACK << 4,
            remainingLength(p));
        final boolean writeSessionPresent = p.sessionPresent() && p.reasonCode() == ReasonCode.SUCCESS &&
            p.version() != MqttVersion.MQTT_3_1;
        buffer.putByte(position++, (byte)(writeSessionPresent ? 1 : 0));
        if (p.version() == MqttVersion.MQTT_5)
        {
            buffer.putByte(position++, (byte)p.reasonCode());
            position += VariableByteInteger.encode(buffer, position, propertiesLength(p));
            position += putProperties(p, buffer, position);
        }
        else
        {
            buffer.putByte(position++, (byte)ReasonCode.toConnectReturnCode(p.reasonCode()));
        }
        return position - offset;
    }

    private static int remainingLength(final ConnackPacket p)
    {
        return p.version() == MqttVersion.MQTT_5 ? 2 + WireWriter.sizeOfPropertyBlock(propertiesLength(p)) : 2;
    }

    private static boolean writesReceiveMaximum(final ConnackPacket p)
    {
        return p.receiveMaximum() != 0 && p.receiveMaximum() != 65535;
    }

    private static int propertiesLength(final ConnackPacket p)
    {
        int length = 0;
        length += p.sessionExpiryInterval() >= 0 ? 5 : 0;
        length += writesReceiveMaximum(p) ? 3 : 0;
        length += p.maximumQos() != 2 ? 2 : 0;
        length += !p.retainAvailable() ? 2 : 0;
        length += p.maximumPacketSize() != 0 ? 5 : 0;
        length += WireWriter.sizeOfStringProperty(p.assignedClientIdentifier());
        length += p.topicAliasMaximum() != 0 ? 3 : 0;
        length += WireWriter.sizeOfStringProperty(p.reasonString());
        length += !p.wildcardSubscriptionAvailable() ? 2 : 0;
        length += !p.subscriptionIdentifiersAvailable() ? 2 : 0;
        length += !p.sharedSubscriptionAvailable() ? 2 : 0;
        length += p.serverKeepAlive() >= 0 ? 3 : 0;
        length += WireWriter.sizeOfStringProperty(p.responseInformation());
        length += WireWriter.sizeOfStringProperty(p.serverReference());
        length += WireWriter.sizeOfStringProperty(p.authenticationMethod());
        length += WireWriter.sizeOfBinaryProperty(p.authenticationData());
        length += WireWriter.sizeOfUserProperties(p.userProperties());
        return length;
    }

    private static int putProperties(final ConnackPacket p, final MutableDirectBuffer buffer, final int offset)
    {
        int pos = offset;
        if (p.sessionExpiryInterval() >= 0)
        {
            pos += WireWriter.putU32Property(buffer, pos, Property.SESSION_EXPIRY_INTERVAL, p.sessionExpiryInterval());
        }
        if (writesReceiveMaximum(p))
        {
            pos += WireWriter.putU16Property(buffer, pos, Property.RECEIVE_MAXIMUM, p.receiveMaximum());
        }
        if (p.maximumQos() != 2)
        {
            pos += WireWriter.putByteProperty(buffer, pos, Property.MAXIMUM_QOS, p.maximumQos());
        }
        if (!p.retainAvailable())
        {
            pos += WireWriter.putByteProperty(buffer, pos, Property.RETAIN_AVAILABLE, 0);
        }
        if (p.maximumPacketSize() != 0)
        {
            pos += WireWriter.putU32Property(buffer, pos, Property.MAXIMUM_PACKET_SIZE, p.maximumPacketSize());
        }
        pos += WireWriter.putStringProperty(
            buffer, pos, Property.ASSIGNED_CLIENT_IDENTIFIER, p.assignedClientIdentifier());
        if (p.topicAliasMaximum() != 0)
        {
            pos += WireWriter.putU16Property(buffer, pos, Property.TOPIC_ALIAS_MAXIMUM, p.topicAliasMaximum());
        }
        pos += WireWriter.putStringProperty(buffer, pos, Property.REASON_STRING, p.reasonString());
        if (!p.wildcardSubscriptionAvailable())
        {
            pos += WireWriter.putByteProperty(buffer, pos, Property.WILDCARD_SUBSCRIPTION_AVAILABLE, 0);
        }
        if (!p.subscriptionIdentifiersAvailable())
        {
            pos += WireWriter.putByteProperty(buffer, pos, Property.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0);
        }
        if (!p.sharedSubscriptionAvailable())
        {
            pos += WireWriter.putByteProperty(buffer, pos, Property.SHARED_SUBSCRIPTION_AVAILABLE, 0);
        }
        if (p.serverKeepAlive() >= 0)
        {
            pos += WireWriter.putU16Property(buffer, pos, Property.SERVER_KEEP_ALIVE, p.serverKeepAlive());
        }
        pos += WireWriter.putStringProperty(buffer, pos, Property.RESPONSE_INFORMATION, p.responseInformation());
        pos += WireWriter.putStringProperty(buffer, pos, Property.SERVER_REFERENCE, p.serverReference());
        pos += WireWriter.putStringProperty(buffer, pos, Property.AUTHENTICATION_METHOD, p.authenticationMethod());
        pos += WireWriter.putBinaryProperty(buffer, pos, Property.AUTHENTICATION_DATA, p.authenticationData());
        pos += WireWriter.putUserProperties(buffer, pos, p.userProperties());
        return pos - offset;
    }
}
