package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.List;

/**
 * Encoder and decoder of SUBACK and UNSUBACK, which share one layout:
 * <pre>
 * type&lt;&lt;4 | Remaining Length | Packet Identifier (u16) | [v5: Property Length + Reason String / User Properties]
 * | reason codes, one byte per Topic Filter (UNSUBACK in MQTT 3.x has none)
 * </pre>
 * MQTT 3.x SUBACK codes may only be 0, 1, 2 and 0x80 (any failure is written as 0x80); MQTT 3.x UNSUBACK carries
 * no codes, so they are ignored for it.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class AckListCodec
{
    private AckListCodec()
    {
    }

    static void checkType(final int packetType)
    {
        if (packetType != PacketType.SUBACK && packetType != PacketType.UNSUBACK)
        {
            throw new IllegalArgumentException("packetType must be SUBACK or UNSUBACK: " + packetType);
        }
    }

    /**
     * Bytes {@link #encode(int, MutableDirectBuffer, int, int, int[], int, String, int)} writes.
     *
     * @param packetType   SUBACK or UNSUBACK.
     * @param count        number of reason codes.
     * @param reasonString Reason String (MQTT 5) or null.
     * @param version      protocol level of the receiver.
     * @return length of the whole frame.
     */
    public static int encodedLength(final int packetType, final int count, final String reasonString,
        final int version)
    {
        return WireWriter.frameLength(remainingLength(packetType, count, reasonString, null, version));
    }

    /**
     * Encode a SUBACK or UNSUBACK (server side, no allocation).
     *
     * @param packetType   SUBACK or UNSUBACK.
     * @param buffer       to write into.
     * @param offset       of the first byte of the fixed header.
     * @param packetId     Packet Identifier of the request.
     * @param reasonCodes  one per Topic Filter of the request.
     * @param count        number of codes used from {@code reasonCodes}.
     * @param reasonString Reason String (MQTT 5) or null.
     * @param version      protocol level of the receiver.
     * @return bytes written.
     */
    public static int encode(
        final int packetType,
        final MutableDirectBuffer buffer,
        final int offset,
        final int packetId,
        final int[] reasonCodes,
        final int count,
        final String reasonString,
        final int version)
    {
        checkType(packetType);
        return encode(packetType, buffer, offset, packetId, reasonCodes, count, reasonString, null, version);
    }

    /**
     * Bytes {@link #encode(AckListPacket, MutableDirectBuffer, int, int)} writes.
     *
     * @param packet  the packet.
     * @param version protocol level of the receiver.
     * @return length of the whole frame.
     */
    public static int encodedLength(final AckListPacket packet, final int version)
    {
        return WireWriter.frameLength(remainingLength(packet.packetType(), packet.reasonCodes().length,
            packet.reasonString(), packet.userProperties(), version));
    }

    /**
     * Encode a packet, User Properties included.
     *
     * @param packet  the packet.
     * @param buffer  to write into.
     * @param offset  of the first byte of the fixed header.
     * @param version protocol level of the receiver.
     * @return bytes written.
     */
    public static int encode(
        final AckListPacket packet, final MutableDirectBuffer buffer, final int offset, final int version)
    {
        return encode(packet.packetType(), buffer, offset, packet.packetId(), packet.reasonCodes(),
            packet.reasonCodes().length, packet.reasonString(), packet.userProperties(), version);
    }

    /**
     * Decode a whole SUBACK or UNSUBACK frame (client side).
     *
     * @param packetType SUBACK or UNSUBACK.
     * @param buffer     holding the frame.
     * @param offset     of the first byte of the fixed header.
     * @param length     of the whole frame.
     * @param version    protocol level the client connected with.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks.
     */
    public static AckListPacket decode(
        final int packetType, final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        final AckListPacket packet = new AckListPacket().packetType(packetType);
        decode(packetType, buffer, offset, length, version, packet);
        return packet;
    }

    static boolean hasCodes(final int packetType, final int version)
    {
        return packetType == PacketType.SUBACK || version == MqttVersion.MQTT_5;
    }

    private static int remainingLength(
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

    private static int encode(
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

    private static void decode(
        final int packetType,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int version,
        final AckListPacket packet)
    {
        final int bodyOffset = FixedHeader.validate(buffer, offset, length, packetType, version);
        final WireReader reader = new WireReader(buffer, bodyOffset, offset + length, version);
        final String name = PacketType.name(packetType);
        try
        {
            final int packetId = PacketIds.read(reader);
            String reasonString = null;
            final List<String[]> userProperties = packet.userProperties();
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

            packet.packetId(packetId).reasonCodes(codes).reasonString(reasonString);
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
