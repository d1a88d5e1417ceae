package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight decoder of PUBACK, PUBREC, PUBREL and PUBCOMP. Zero allocation unless the frame is rejected.
 * <pre>
 * type&lt;&lt;4 | flags (0b0010 for PUBREL, else 0) | Remaining Length | Packet Identifier (u16)
 * [v5: Reason Code (u8, absent = Success) [Property Length VBI + Reason String / User Properties]]
 * </pre>
 * <b>Threading:</b> not thread-safe; one instance per decoding thread.
 */
public final class AckDecoder
{
    private static final String[] CONTEXT = { "", "", "", "", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP" };
    private static final String[] REASON_STATEMENT =
    {
        "", "", "", "", "MQTT-3.4.2-1", "MQTT-3.5.2-1", "MQTT-3.6.2-1", "MQTT-3.7.2-1"
    };

    private final PropertyReader properties = new PropertyReader();
    private DirectBuffer buffer;
    private int packetType;
    private int packetId;
    private int reasonCode;
    private int propertiesOffset;
    private int propertiesLength;
    private int reasonStringOffset;
    private int reasonStringLength;

    /**
     * Validate a whole acknowledgement frame and point this flyweight at it.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level of the sender.
     * @return this.
     * @throws MqttProtocolException for any rule the frame breaks.
     */
    public AckDecoder wrap(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        try
        {
            decode(buffer, offset, length, version);
            return this;
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }

    private void decode(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        this.buffer = buffer;
        final int type = FixedHeader.typeAndFlags(buffer, offset, length, version) >>> 4;
        if (type < PacketType.PUBACK || type > PacketType.PUBCOMP)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.2: expected PUBACK, PUBREC, PUBREL or PUBCOMP but got " + PacketType.name(type));
        }
        packetType = type;
        final int bodyOffset = FixedHeader.validate(buffer, offset, length, type, version);
        final int remainingLength = offset + length - bodyOffset;
        final boolean v5 = version == MqttVersion.MQTT_5;
        if (remainingLength < 2 || (!v5 && remainingLength != 2))
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.4: Remaining Length " + remainingLength + " is invalid for " + PacketType.name(type));
        }

        packetId = buffer.getShort(bodyOffset, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (packetId == 0)
        {
            throw v5 ?
                new MqttProtocolException(ReasonCode.PROTOCOL_ERROR, "MQTT-2.2.1-3: Packet Identifier 0") :
                new MqttProtocolException(ReasonCode.MALFORMED_PACKET, "MQTT-2.3.1-1: Packet Identifier 0");
        }

        reasonCode = ReasonCode.SUCCESS;
        propertiesOffset = offset + length;
        propertiesLength = 0;
        reasonStringOffset = 0;
        reasonStringLength = 0;
        if (remainingLength >= 3)
        {
            reasonCode = buffer.getByte(bodyOffset + 2) & 0xFF;
            if (!ReasonCode.isValidFor(type, reasonCode))
            {
                throw new MqttProtocolException(ReasonCode.PROTOCOL_ERROR, REASON_STATEMENT[type] +
                    ": invalid " + PacketType.name(type) + " Reason Code 0x" + Integer.toHexString(reasonCode));
            }
        }
        if (remainingLength >= 4)
        {
            readProperties(buffer, bodyOffset + 3, offset + length, type);
        }
    }

    private void readProperties(final DirectBuffer buffer, final int position, final int limit, final int type)
    {
        final long decoded = VariableByteInteger.decode(buffer, position, limit);
        if (VariableByteInteger.INCOMPLETE == decoded)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, "2.1.4: Property Length runs past the end");
        }
        propertiesOffset = position + VariableByteInteger.length(decoded);
        propertiesLength = VariableByteInteger.value(decoded);
        if (propertiesOffset + propertiesLength != limit)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.4: Property Length " + propertiesLength + " does not match the rest of " +
                PacketType.name(type));
        }

        properties.wrap(buffer, propertiesOffset, propertiesLength, PropertyReader.ACK_PROPERTIES, CONTEXT[type]);
        while (properties.hasNext())
        {
            if (properties.next() == Property.REASON_STRING)
            {
                reasonStringOffset = properties.valueOffset();
                reasonStringLength = properties.valueLength();
            }
        }
    }

    /**
     * Buffer the frame is in.
     *
     * @return the wrapped buffer.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Which acknowledgement this is.
     *
     * @return {@link PacketType#PUBACK}, PUBREC, PUBREL or PUBCOMP.
     */
    public int packetType()
    {
        return packetType;
    }

    /**
     * Packet Identifier.
     *
     * @return 1 to 65535.
     */
    public int packetId()
    {
        return packetId;
    }

    /**
     * Reason Code.
     *
     * @return the code, {@link ReasonCode#SUCCESS} when absent (always for MQTT 3.x).
     */
    public int reasonCode()
    {
        return reasonCode;
    }

    /**
     * Start of the Reason String bytes.
     *
     * @return index in {@link #buffer()}, meaningful when {@link #reasonStringLength()} &gt; 0.
     */
    public int reasonStringOffset()
    {
        return reasonStringOffset;
    }

    /**
     * Length of the Reason String.
     *
     * @return bytes, 0 if absent.
     */
    public int reasonStringLength()
    {
        return reasonStringLength;
    }

    /**
     * Start of the raw property bytes.
     *
     * @return index in {@link #buffer()}.
     */
    public int propertiesOffset()
    {
        return propertiesOffset;
    }

    /**
     * Length of the raw property bytes.
     *
     * @return bytes, 0 if absent.
     */
    public int propertiesLength()
    {
        return propertiesLength;
    }
}
