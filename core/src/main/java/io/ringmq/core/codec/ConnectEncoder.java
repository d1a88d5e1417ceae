package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Client-side encoder of CONNECT (tests, load tester, bridges). Writes MQTT 5 properties only when they differ from
 * the value their absence means. Will properties are Will Delay Interval, Message Expiry Interval and Payload Format
 * Indicator from their fields, then {@link ConnectPacket#willForwardProperties()} verbatim (the indicator is not
 * written twice if the forwarded block already holds it).
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class ConnectEncoder
{
    private ConnectEncoder()
    {
    }

    /**
     * Bytes {@link #encode(ConnectPacket, MutableDirectBuffer, int)} will write.
     *
     * @param packet to encode.
     * @return length of the whole frame.
     */
    public static int encodedLength(final ConnectPacket packet)
    {
        return WireWriter.frameLength(remainingLength(packet));
    }

    /**
     * Encode a CONNECT frame.
     *
     * @param packet to encode.
     * @param buffer to write to.
     * @param offset of the first byte.
     * @return bytes written.
     */
    public static int encode(final ConnectPacket packet, final MutableDirectBuffer buffer, final int offset)
    {
        final boolean v5 = packet.protocolVersion() == MqttVersion.MQTT_5;
        int position = offset + WireWriter.putFixedHeader(buffer, offset, PacketType.CONNECT << 4,
            remainingLength(packet));

        position += WireWriter.putString(buffer, position, protocolName(packet));
        buffer.putByte(position++, (byte)packet.protocolVersion());
        buffer.putByte(position++, (byte)flags(packet));
        position += WireWriter.putU16(buffer, position, packet.keepAliveSeconds());

        if (v5)
        {
            final int propertiesLength = propertiesLength(packet);
            position += VariableByteInteger.encode(buffer, position, propertiesLength);
            position += putProperties(packet, buffer, position);
        }

        position += WireWriter.putString(buffer, position, packet.clientId());

        if (packet.willFlag())
        {
            if (v5)
            {
                position += VariableByteInteger.encode(buffer, position, willPropertiesLength(packet));
                position += putWillProperties(packet, buffer, position);
            }
            position += WireWriter.putString(buffer, position, packet.willTopic());
            position += WireWriter.putBinary(buffer, position, packet.willPayload());
        }
        if (null != packet.username())
        {
            position += WireWriter.putString(buffer, position, packet.username());
        }
        if (null != packet.password())
        {
            position += WireWriter.putBinary(buffer, position, packet.password());
        }

        return position - offset;
    }

    private static String protocolName(final ConnectPacket packet)
    {
        if (null != packet.protocolName())
        {
            return packet.protocolName();
        }
        return packet.protocolVersion() == MqttVersion.MQTT_3_1 ? "MQIsdp" : "MQTT";
    }

    private static int flags(final ConnectPacket packet)
    {
        int flags = packet.cleanStart() ? 0x02 : 0;
        if (packet.willFlag())
        {
            flags |= 0x04 | (packet.willQos() << 3) | (packet.willRetain() ? 0x20 : 0);
        }
        if (null != packet.password())
        {
            flags |= 0x40;
        }
        if (null != packet.username())
        {
            flags |= 0x80;
        }
        return flags;
    }

    private static int remainingLength(final ConnectPacket packet)
    {
        final boolean v5 = packet.protocolVersion() == MqttVersion.MQTT_5;
        int length = WireWriter.sizeOfString(protocolName(packet)) + 1 + 1 + 2;
        if (v5)
        {
            length += WireWriter.sizeOfPropertyBlock(propertiesLength(packet));
        }
        length += WireWriter.sizeOfString(packet.clientId());
        if (packet.willFlag())
        {
            if (v5)
            {
                length += WireWriter.sizeOfPropertyBlock(willPropertiesLength(packet));
            }
            length += WireWriter.sizeOfString(packet.willTopic()) + WireWriter.sizeOfBinary(packet.willPayload());
        }
        if (null != packet.username())
        {
            length += WireWriter.sizeOfString(packet.username());
        }
        if (null != packet.password())
        {
            length += WireWriter.sizeOfBinary(packet.password());
        }
        return length;
    }

    private static int propertiesLength(final ConnectPacket packet)
    {
        int length = 0;
        length += packet.sessionExpiryIntervalSeconds() != 0 ? 5 : 0;
        length += packet.receiveMaximum() != 65535 ? 3 : 0;
        length += packet.maximumPacketSize() != 0 ? 5 : 0;
        length += packet.topicAliasMaximum() != 0 ? 3 : 0;
        length += packet.requestResponseInformation() ? 2 : 0;
        length += !packet.requestProblemInformation() ? 2 : 0;
        length += WireWriter.sizeOfUserProperties(packet.userProperties());
        length += WireWriter.sizeOfStringProperty(packet.authenticationMethod());
        length += WireWriter.sizeOfBinaryProperty(packet.authenticationData());
        return length;
    }

    private static int putProperties(final ConnectPacket packet, final MutableDirectBuffer buffer, final int offset)
    {
        int position = offset;
        if (packet.sessionExpiryIntervalSeconds() != 0)
        {
            position += WireWriter.putU32Property(
                buffer, position, Property.SESSION_EXPIRY_INTERVAL, packet.sessionExpiryIntervalSeconds());
        }
        if (packet.receiveMaximum() != 65535)
        {
            position += WireWriter.putU16Property(buffer, position, Property.RECEIVE_MAXIMUM, packet.receiveMaximum());
        }
        if (packet.maximumPacketSize() != 0)
        {
            position += WireWriter.putU32Property(
                buffer, position, Property.MAXIMUM_PACKET_SIZE, packet.maximumPacketSize());
        }
        if (packet.topicAliasMaximum() != 0)
        {
            position += WireWriter.putU16Property(
                buffer, position, Property.TOPIC_ALIAS_MAXIMUM, packet.topicAliasMaximum());
        }
        if (packet.requestResponseInformation())
        {
            position += WireWriter.putByteProperty(buffer, position, Property.REQUEST_RESPONSE_INFORMATION, 1);
        }
        if (!packet.requestProblemInformation())
        {
            position += WireWriter.putByteProperty(buffer, position, Property.REQUEST_PROBLEM_INFORMATION, 0);
        }
        position += WireWriter.putUserProperties(buffer, position, packet.userProperties());
        position += WireWriter.putStringProperty(
            buffer, position, Property.AUTHENTICATION_METHOD, packet.authenticationMethod());
        position += WireWriter.putBinaryProperty(
            buffer, position, Property.AUTHENTICATION_DATA, packet.authenticationData());
        return position - offset;
    }

    private static boolean writesPayloadFormatIndicator(final ConnectPacket packet)
    {
        if (packet.willPayloadFormatIndicator() == 0)
        {
            return false;
        }
        final byte[] forward = forward(packet);
        final UnsafeBuffer buffer = new UnsafeBuffer(forward);
        for (int i = 0; i < forward.length; i = PropertyReader.entryEnd(buffer, i, forward.length))
        {
            if (forward[i] == Property.PAYLOAD_FORMAT_INDICATOR)
            {
                return false;
            }
        }
        return true;
    }

    private static byte[] forward(final ConnectPacket packet)
    {
        return null == packet.willForwardProperties() ? new byte[0] : packet.willForwardProperties();
    }

    private static int willPropertiesLength(final ConnectPacket packet)
    {
        int length = forward(packet).length;
        length += packet.willDelayIntervalSeconds() != 0 ? 5 : 0;
        length += packet.willMessageExpirySeconds() >= 0 ? 5 : 0;
        length += writesPayloadFormatIndicator(packet) ? 2 : 0;
        return length;
    }

    private static int putWillProperties(final ConnectPacket packet, final MutableDirectBuffer buffer, final int offset)
    {
        int position = offset;
        if (packet.willDelayIntervalSeconds() != 0)
        {
            position += WireWriter.putU32Property(
                buffer, position, Property.WILL_DELAY_INTERVAL, packet.willDelayIntervalSeconds());
        }
        if (packet.willMessageExpirySeconds() >= 0)
        {
            position += WireWriter.putU32Property(
                buffer, position, Property.MESSAGE_EXPIRY_INTERVAL, packet.willMessageExpirySeconds());
        }
        if (writesPayloadFormatIndicator(packet))
        {
            position += WireWriter.putByteProperty(
                buffer, position, Property.PAYLOAD_FORMAT_INDICATOR, packet.willPayloadFormatIndicator());
        }
        final byte[] forward = forward(packet);
        buffer.putBytes(position, forward);
        position += forward.length;
        return position - offset;
    }
}
