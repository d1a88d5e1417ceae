package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.MutableDirectBuffer;

/**
 * Encoder of PUBACK, PUBREC, PUBREL and PUBCOMP. Holds no state: one instance can be reused for every frame, the
 * {@code encodedLength} companions are static. Without a reason string, zero allocation.
 * <p>
 * MQTT 5: Success without a Reason String gives Remaining Length 2, another code gives 3, a Reason String adds the
 * Property Length and the property. MQTT 3.x: always Remaining Length 2.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class AckEncoder
{
    /**
     * Bytes {@link #encode(MutableDirectBuffer, int, int, int, int, int)} writes.
     *
     * @param packetType PUBACK, PUBREC, PUBREL or PUBCOMP.
     * @param reasonCode MQTT 5 reason code.
     * @param version    protocol level of the receiver.
     * @return length of the whole frame.
     */
    public static int encodedLength(final int packetType, final int reasonCode, final int version)
    {
        return encodedLength(packetType, reasonCode, null, version);
    }

    /**
     * Bytes {@link #encode(MutableDirectBuffer, int, int, int, int, String, int)} writes.
     *
     * @param packetType   PUBACK, PUBREC, PUBREL or PUBCOMP.
     * @param reasonCode   MQTT 5 reason code.
     * @param reasonString Reason String or null.
     * @param version      protocol level of the receiver.
     * @return length of the whole frame.
     */
    public static int encodedLength(
        final int packetType, final int reasonCode, final String reasonString, final int version)
    {
        return WireWriter.frameLength(remainingLength(reasonCode, reasonString, version));
    }

    /**
     * Encode an acknowledgement without a Reason String.
     *
     * @param buffer     to write to.
     * @param offset     of the first byte.
     * @param packetType PUBACK, PUBREC, PUBREL or PUBCOMP.
     * @param packetId   Packet Identifier.
     * @param reasonCode MQTT 5 reason code (ignored for 3.x).
     * @param version    protocol level of the receiver.
     * @return bytes written.
     */
    public int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int packetType,
        final int packetId,
        final int reasonCode,
        final int version)
    {
        return encode(buffer, offset, packetType, packetId, reasonCode, null, version);
    }

    /**
     * Encode an acknowledgement.
     *
     * @param buffer       to write to.
     * @param offset       of the first byte.
     * @param packetType   PUBACK, PUBREC, PUBREL or PUBCOMP.
     * @param packetId     Packet Identifier.
     * @param reasonCode   MQTT 5 reason code (ignored for 3.x).
     * @param reasonString Reason String (MQTT 5) or null.
     * @param version      protocol level of the receiver.
     * @return bytes written.
     */
    public int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int packetType,
        final int packetId,
        final int reasonCode,
        final String reasonString,
        final int version)
    {
        if (packetType < PacketType.PUBACK || packetType > PacketType.PUBCOMP)
        {
            throw new IllegalArgumentException("not an acknowledgement type: " + PacketType.name(packetType));
        }
        final int remainingLength = remainingLength(reasonCode, reasonString, version);
        int position = offset + WireWriter.putFixedHeader(
            buffer, offset, (packetType << 4) | PacketType.requiredFlags(packetType), remainingLength);
        position += WireWriter.putU16(buffer, position, packetId);
        if (remainingLength >= 3)
        {
            buffer.putByte(position++, (byte)reasonCode);
        }
        if (remainingLength >= 4)
        {
            final int propertiesLength = WireWriter.sizeOfStringProperty(reasonString);
            position += VariableByteInteger.encode(buffer, position, propertiesLength);
            position += WireWriter.putStringProperty(buffer, position, Property.REASON_STRING, reasonString);
        }
        return position - offset;
    }

    private static int remainingLength(final int reasonCode, final String reasonString, final int version)
    {
        if (version != MqttVersion.MQTT_5)
        {
            return 2;
        }
        if (null != reasonString)
        {
            return 3 + WireWriter.sizeOfPropertyBlock(WireWriter.sizeOfStringProperty(reasonString));
        }
        return reasonCode == ReasonCode.SUCCESS ? 2 : 3;
    }
}
