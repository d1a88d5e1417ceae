package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Reusable DISCONNECT encoder, both directions: {@link #reset()}, chained setters, then {@link #encodedLength()} and
 * {@link #encode(MutableDirectBuffer, int)}. MQTT 3.x: always {@code 0xE0 0x00}. MQTT 5: the shortest form; Normal
 * disconnection without properties is also {@code 0xE0 0x00}, another code without properties adds one byte.
 * <p>
 * <b>Threading:</b> not thread-safe; one instance per thread, or the static {@code encode} for a bare reason code.
 */
public final class DisconnectEncoder
{
    private int version = MqttVersion.MQTT_5;
    private int reasonCode = ReasonCode.NORMAL_DISCONNECTION;
    private String reasonString;
    private String serverReference;
    private long sessionExpiryInterval = -1;
    private final List<String[]> userProperties = new ArrayList<>();

    /**
     * Bytes {@link #encode(MutableDirectBuffer, int, int, int)} writes.
     *
     * @param reasonCode MQTT 5 reason code.
     * @param version    protocol level of the receiver.
     * @return length of the whole frame.
     */
    public static int encodedLength(final int reasonCode, final int version)
    {
        return WireWriter.frameLength(remainingLength(reasonCode, 0, version));
    }

    /**
     * Encode a DISCONNECT with only a reason code. Zero allocation.
     *
     * @param buffer     to write to.
     * @param offset     of the first byte.
     * @param reasonCode MQTT 5 reason code (ignored for 3.x).
     * @param version    protocol level of the receiver.
     * @return bytes written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final int reasonCode, final int version)
    {
        final int remainingLength = remainingLength(reasonCode, 0, version);
        final int headerLength = WireWriter.putFixedHeader(buffer, offset, PacketType.DISCONNECT << 4, remainingLength);
        if (remainingLength == 1)
        {
            buffer.putByte(offset + headerLength, (byte)reasonCode);
        }
        return headerLength + remainingLength;
    }

    /**
     * Clear every field: MQTT 5, Normal disconnection, no properties.
     *
     * @return this.
     */
    public DisconnectEncoder reset()
    {
        version = MqttVersion.MQTT_5;
        reasonCode = ReasonCode.NORMAL_DISCONNECTION;
        reasonString = null;
        serverReference = null;
        sessionExpiryInterval = -1;
        userProperties.clear();
        return this;
    }

    /**
     * Protocol level of the receiver.
     *
     * @param version 3, 4 or 5.
     * @return this.
     */
    public DisconnectEncoder version(final int version)
    {
        this.version = version;
        return this;
    }

    /**
     * Disconnect Reason Code (MQTT 5).
     *
     * @param reasonCode one of the DISCONNECT codes of {@link ReasonCode}.
     * @return this.
     */
    public DisconnectEncoder reasonCode(final int reasonCode)
    {
        this.reasonCode = reasonCode;
        return this;
    }

    /**
     * Reason String (MQTT 5).
     *
     * @param reasonString the string, or null to omit.
     * @return this.
     */
    public DisconnectEncoder reasonString(final String reasonString)
    {
        this.reasonString = reasonString;
        return this;
    }

    /**
     * Server Reference (MQTT 5).
     *
     * @param serverReference the reference, or null to omit.
     * @return this.
     */
    public DisconnectEncoder serverReference(final String serverReference)
    {
        this.serverReference = serverReference;
        return this;
    }

    /**
     * Session Expiry Interval (MQTT 5, client to server only).
     *
     * @param sessionExpiryInterval seconds, or -1 to omit.
     * @return this.
     */
    public DisconnectEncoder sessionExpiryInterval(final long sessionExpiryInterval)
    {
        this.sessionExpiryInterval = sessionExpiryInterval;
        return this;
    }

    /**
     * Append a User Property (MQTT 5).
     *
     * @param name  property name.
     * @param value property value.
     * @return this.
     */
    public DisconnectEncoder addUserProperty(final String name, final String value)
    {
        userProperties.add(new String[]{ name, value });
        return this;
    }

    /**
     * Bytes {@link #encode(MutableDirectBuffer, int)} will write.
     *
     * @return length of the whole frame.
     */
    public int encodedLength()
    {
        return WireWriter.frameLength(remainingLength(reasonCode, propertiesLength(), version));
    }

    /**
     * Encode the DISCONNECT.
     *
     * @param buffer to write to.
     * @param offset of the first byte.
     * @return bytes written.
     */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        final int propertiesLength = propertiesLength();
        final int remainingLength = remainingLength(reasonCode, propertiesLength, version);
        int position = offset + WireWriter.putFixedHeader(buffer, offset, PacketType.DISCONNECT << 4, remainingLength);
        if (remainingLength >= 1)
        {
            buffer.putByte(position++, (byte)reasonCode);
        }
        if (remainingLength >= 2)
        {
            position += VariableByteInteger.encode(buffer, position, propertiesLength);
            if (sessionExpiryInterval >= 0)
            {
                position += WireWriter.putU32Property(
                    buffer, position, Property.SESSION_EXPIRY_INTERVAL, sessionExpiryInterval);
            }
            position += WireWriter.putStringProperty(buffer, position, Property.REASON_STRING, reasonString);
            position += WireWriter.putStringProperty(buffer, position, Property.SERVER_REFERENCE, serverReference);
            position += WireWriter.putUserProperties(buffer, position, userProperties);
        }
        return position - offset;
    }

    private int propertiesLength()
    {
        return (sessionExpiryInterval >= 0 ? 5 : 0) + WireWriter.sizeOfStringProperty(reasonString) +
            WireWriter.sizeOfStringProperty(serverReference) + WireWriter.sizeOfUserProperties(userProperties);
    }

    private static int remainingLength(final int reasonCode, final int propertiesLength, final int version)
    {
        if (version != MqttVersion.MQTT_5)
        {
            return 0;
        }
        if (propertiesLength > 0)
        {
            return 1 + WireWriter.sizeOfPropertyBlock(propertiesLength);
        }
        return reasonCode == ReasonCode.NORMAL_DISCONNECTION ? 0 : 1;
    }
}
