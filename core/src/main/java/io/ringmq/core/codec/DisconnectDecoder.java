package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

/**
 * Flyweight decoder of DISCONNECT, both directions. Zero allocation unless the frame is rejected or a
 * {@code String} accessor is called; {@link #decode(DirectBuffer, int, int, int)} gives a full
 * {@link DisconnectPacket} instead.
 * <pre>
 * 0xE0 | Remaining Length | [v5: Reason Code (absent = Normal disconnection) [Property Length + properties]]
 * </pre>
 * MQTT 3.x: Remaining Length must be 0 (and the reserved flags 0, MQTT-3.14.1-1).
 * <p>
 * <b>Threading:</b> not thread-safe; one instance per thread, or use the static decode.
 */
public final class DisconnectDecoder
{
    private static final String DISCONNECT = "DISCONNECT";

    private final PropertyReader properties = new PropertyReader();
    private DirectBuffer buffer;
    private int reasonCode;
    private long sessionExpiryInterval;
    private int reasonStringOffset;
    private int reasonStringLength = -1;
    private int serverReferenceOffset;
    private int serverReferenceLength = -1;
    private int propertiesOffset;
    private int propertiesLength;

    /**
     * Decode a whole DISCONNECT frame into a new packet, User Properties included.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level of the sender.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks.
     */
    public static DisconnectPacket decode(
        final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        final DisconnectDecoder decoder = new DisconnectDecoder().wrap(buffer, offset, length, version);
        final DisconnectPacket packet = new DisconnectPacket()
            .reasonCode(decoder.reasonCode())
            .sessionExpiryInterval(decoder.sessionExpiryInterval())
            .reasonString(decoder.reasonString())
            .serverReference(decoder.serverReference());

        final PropertyReader properties = decoder.properties.wrap(buffer, decoder.propertiesOffset,
            decoder.propertiesLength, PropertyReader.DISCONNECT_PROPERTIES, DISCONNECT);
        while (properties.hasNext())
        {
            if (properties.next() == Property.USER_PROPERTY)
            {
                WireReader.addUserProperty(packet.userProperties(), properties);
            }
        }
        return packet;
    }

    /**
     * Validate a whole DISCONNECT frame and point this flyweight at it.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level of the sender.
     * @return this.
     * @throws MqttProtocolException for any rule the frame breaks.
     */
    public DisconnectDecoder wrap(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        this.buffer = buffer;
        reasonCode = ReasonCode.NORMAL_DISCONNECTION;
        sessionExpiryInterval = -1;
        reasonStringLength = -1;
        serverReferenceLength = -1;
        propertiesOffset = offset + length;
        propertiesLength = 0;

        final int bodyOffset = FixedHeader.validate(buffer, offset, length, PacketType.DISCONNECT, version);
        final int limit = offset + length;
        if (version != MqttVersion.MQTT_5)
        {
            if (bodyOffset != limit)
            {
                throw new MqttProtocolException(
                    ReasonCode.MALFORMED_PACKET, "2.1.4: DISCONNECT must have Remaining Length 0", version);
            }
            return this;
        }

        try
        {
            if (bodyOffset < limit)
            {
                reasonCode = buffer.getByte(bodyOffset) & 0xFF;
                if (!ReasonCode.isValidFor(PacketType.DISCONNECT, reasonCode))
                {
                    throw new MqttProtocolException(ReasonCode.PROTOCOL_ERROR,
                        "MQTT-3.14.2-1: invalid DISCONNECT Reason Code 0x" + Integer.toHexString(reasonCode));
                }
            }
            if (bodyOffset + 1 < limit)
            {
                readProperties(buffer, bodyOffset + 1, limit);
            }
            return this;
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }

    private void readProperties(final DirectBuffer buffer, final int position, final int limit)
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
                "2.1.4: Property Length " + propertiesLength + " does not match the rest of DISCONNECT");
        }

        properties.wrap(buffer, propertiesOffset, propertiesLength, PropertyReader.DISCONNECT_PROPERTIES, DISCONNECT);
        while (properties.hasNext())
        {
            switch (properties.next())
            {
                case Property.SESSION_EXPIRY_INTERVAL:
                    sessionExpiryInterval = properties.value();
                    break;
                case Property.REASON_STRING:
                    reasonStringOffset = properties.valueOffset();
                    reasonStringLength = properties.valueLength();
                    break;
                case Property.SERVER_REFERENCE:
                    serverReferenceOffset = properties.valueOffset();
                    serverReferenceLength = properties.valueLength();
                    break;
                default:
                    break;
            }
        }
    }

    /**
     * Disconnect Reason Code.
     *
     * @return the code; {@link ReasonCode#NORMAL_DISCONNECTION} when absent and always for MQTT 3.x.
     */
    public int reasonCode()
    {
        return reasonCode;
    }

    /**
     * Session Expiry Interval.
     *
     * @return seconds, or -1 if absent.
     */
    public long sessionExpiryInterval()
    {
        return sessionExpiryInterval;
    }

    /**
     * Start of the Reason String bytes.
     *
     * @return index in the buffer, meaningful when {@link #reasonStringLength()} &gt;= 0.
     */
    public int reasonStringOffset()
    {
        return reasonStringOffset;
    }

    /**
     * Length of the Reason String.
     *
     * @return bytes, or -1 if absent.
     */
    public int reasonStringLength()
    {
        return reasonStringLength;
    }

    /**
     * Reason String as a String. Allocates.
     *
     * @return the string, or null if absent.
     */
    public String reasonString()
    {
        return string(reasonStringOffset, reasonStringLength);
    }

    /**
     * Server Reference as a String. Allocates.
     *
     * @return the string, or null if absent.
     */
    public String serverReference()
    {
        return string(serverReferenceOffset, serverReferenceLength);
    }

    /**
     * Start of the raw property bytes.
     *
     * @return index in the buffer.
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

    private String string(final int offset, final int length)
    {
        if (length < 0)
        {
            return null;
        }
        return length == 0 ? "" : buffer.getStringWithoutLengthUtf8(offset, length);
    }
}
