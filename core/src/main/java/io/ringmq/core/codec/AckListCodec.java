package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.List;

/**
 * Shared layout of SUBACK and UNSUBACK:
 * <pre>
 * type&lt;&lt;4 | Remaining Length | Packet Identifier (u16) | [v5: Property Length + Reason String / User Properties]
 * | reason codes, one byte per Topic Filter (UNSUBACK in MQTT 3.x has none)
 * </pre>
 * <b>Threading:</b> stateless.
 */
final class AckListCodec
{
    private AckListCodec()
    {
    }

    static boolean hasCodes(final int packetType, final int version)
    {
        return packetType == PacketType.SUBACK || version == MqttVersion.MQTT_5;
    }

    static int remainingLength(
        final int packetType, final int count, final String reasonString, final List<String[]> userProperties,
        final int version)
    {
        int length = 2 + (hasCodes(packetType, version) ? count : 0);
        if (version == MqttVersion.MQTT_5)
        {
            length += WireWriter.sizeOfPropertyBlock(propertiesLength(reasonString, userProperties));
        }
        return length;
    }

    private static int propertiesLength(final String reasonString, final List<String[]> userProperties)
    {
        return WireWriter.sizeOfStringProperty(reasonString) + WireWriter.sizeOfUserProperties(userProperties);
    }

    static int encode(
        final int packetType,
        final MutableDirectBuffer buffer,
        final int offset,
        final int packetId,
        final int[] reasonCodes,
        final int count,
        final String reasonString,
        final List<String[]> userProperties,
        final int version)
    {
        final boolean v5 = version == MqttVersion.MQTT_5;
        int position = offset + WireWriter.putFixedHeader(buffer, offset, packetType << 4,
            remainingLength(packetType, count, reasonString, userProperties, version));
        position += WireWriter.putU16(buffer, position, packetId);
        if (v5)
        {
            position += VariableByteInteger.encode(buffer, position, propertiesLength(reasonString, userProperties));
            position += WireWriter.putStringProperty(buffer, position, Property.REASON_STRING, reasonString);
            position += WireWriter.putUserProperties(buffer, position, userProperties);
        }
        if (hasCodes(packetType, version))
        {
            for (int i = 0; i < count; i++)
            {
                final int code = reasonCodes[i];
                buffer.putByte(position++, (byte)(v5 || code < ReasonCode.UNSPECIFIED_ERROR ?
                    code : ReasonCode.UNSPECIFIED_ERROR));
            }
        }
        return position - offset;
    }

    static void decode(
        final int packetType,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int version,
        final SubackPacket suback,
        final UnsubackPacket unsuback)
    {
        final int bodyOffset = FixedHeader.validate(buffer, offset, length, packetType, version);
        final WireReader reader = new WireReader(buffer, bodyOffset, offset + length, version);
        final String name = PacketType.name(packetType);
        try
        {
            final int packetId = PacketIds.read(reader);
            String reasonString = null;
            final List<String[]> userProperties = null != suback ? suback.userProperties() : unsuback.userProperties();
            if (version == MqttVersion.MQTT_5)
            {
                final PropertyReader properties =
                    reader.properties(new PropertyReader(), PropertyReader.ACK_PROPERTIES, name);
                while (properties.hasNext())
                {
                    if (properties.next() == Property.REASON_STRING)
                    {
                        reasonString = properties.stringValue();
                    }
                    else
                    {
                        WireReader.addUserProperty(userProperties, properties);
                    }
                }
            }

            final int[] codes = new int[hasCodes(packetType, version) ? reader.remaining() : 0];
            if (hasCodes(packetType, version) && codes.length == 0)
            {
                throw reader.protocolError("3.9.3: " + name + " must carry at least one reason code");
            }
            for (int i = 0; i < codes.length; i++)
            {
                codes[i] = reader.u8("Reason Code");
                if (!isValid(packetType, codes[i], version))
                {
                    throw reader.protocolError(
                        "3.9.3: invalid " + name + " reason code 0x" + Integer.toHexString(codes[i]));
                }
            }
            reader.expectEnd(name);

            if (null != suback)
            {
                suback.packetId(packetId).reasonCodes(codes).reasonString(reasonString);
            }
            else
            {
                unsuback.packetId(packetId).reasonCodes(codes).reasonString(reasonString);
            }
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }

    private static boolean isValid(final int packetType, final int code, final int version)
    {
        if (version == MqttVersion.MQTT_5)
        {
            return ReasonCode.isValidFor(packetType, code);
        }
        return code <= 2 || code == ReasonCode.UNSPECIFIED_ERROR;
    }
}
