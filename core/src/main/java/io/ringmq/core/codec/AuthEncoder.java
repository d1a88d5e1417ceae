package io.ringmq.core.codec;

import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.MutableDirectBuffer;

/**
 * Encoder of AUTH (MQTT 5 only), both directions. Success without any property is written as {@code 0xF0 0x00}.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class AuthEncoder
{
    private AuthEncoder()
    {
    }

    /**
     * Bytes {@link #encode(AuthPacket, MutableDirectBuffer, int)} will write.
     *
     * @param packet to encode.
     * @return length of the whole frame.
     */
    public static int encodedLength(final AuthPacket packet)
    {
        return WireWriter.frameLength(remainingLength(packet));
    }

    /**
     * Encode an AUTH frame.
     *
     * @param packet to encode.
     * @param buffer to write to.
     * @param offset of the first byte.
     * @return bytes written.
     */
    public static int encode(final AuthPacket packet, final MutableDirectBuffer buffer, final int offset)
    {
        final int remainingLength = remainingLength(packet);
        int position = offset + WireWriter.putFixedHeader(buffer, offset, PacketType.AUTH << 4, remainingLength);
        if (remainingLength > 0)
        {
            buffer.putByte(position++, (byte)packet.reasonCode());
            position += VariableByteInteger.encode(buffer, position, propertiesLength(packet));
            position += WireWriter.putStringProperty(
                buffer, position, Property.AUTHENTICATION_METHOD, packet.authenticationMethod());
            position += WireWriter.putBinaryProperty(
                buffer, position, Property.AUTHENTICATION_DATA, packet.authenticationData());
            position += WireWriter.putStringProperty(buffer, position, Property.REASON_STRING, packet.reasonString());
            position += WireWriter.putUserProperties(buffer, position, packet.userProperties());
        }
        return position - offset;
    }

    private static int propertiesLength(final AuthPacket packet)
    {
        return WireWriter.sizeOfStringProperty(packet.authenticationMethod()) +
            WireWriter.sizeOfBinaryProperty(packet.authenticationData()) +
            WireWriter.sizeOfStringProperty(packet.reasonString()) +
            WireWriter.sizeOfUserProperties(packet.userProperties());
    }

    private static int remainingLength(final AuthPacket packet)
    {
        final int propertiesLength = propertiesLength(packet);
        if (propertiesLength == 0 && packet.reasonCode() == ReasonCode.SUCCESS)
        {
            return 0;
        }
        return 1 + WireWriter.sizeOfPropertyBlock(propertiesLength);
    }
}
