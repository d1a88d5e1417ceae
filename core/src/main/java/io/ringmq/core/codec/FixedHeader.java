package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

/**
 * Checks the fixed header of a whole frame for the decoders: packet type, reserved flags and that the Remaining
 * Length matches the frame length.
 * <pre>
 *   Bit     7   6   5   4   3   2   1   0
 *         +---------------+---------------+
 * byte 1  |  packet type  |     flags     |
 *         +---------------+---------------+
 * byte 2+ |  Remaining Length (1-4 bytes)  |
 *         +-------------------------------+
 * </pre>
 * <b>Threading:</b> stateless, safe from any thread.
 */
final class FixedHeader
{
    private FixedHeader()
    {
    }

    /**
     * Validate the fixed header of a frame that is not a PUBLISH.
     *
     * @param buffer       holding the frame.
     * @param offset       of the first byte of the frame.
     * @param length       of the whole frame.
     * @param expectedType packet type the caller decodes.
     * @param version      protocol level, for the exception; 0 if not known.
     * @return index of the first byte after the fixed header.
     */
    static int validate(
        final DirectBuffer buffer, final int offset, final int length, final int expectedType, final int version)
    {
        final int typeAndFlags = typeAndFlags(buffer, offset, length, version);
        final int type = typeAndFlags >>> 4;
        if (type != expectedType)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.2: expected " + PacketType.name(expectedType) + " but got " + PacketType.name(type), version);
        }

        final int flags = typeAndFlags & 0x0F;
        if (flags != PacketType.requiredFlags(type))
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                flagsStatement(type, version) + ": reserved fixed header flags of " + PacketType.name(type) +
                " must be 0b" + Integer.toBinaryString(PacketType.requiredFlags(type)) + ", got 0b" +
                Integer.toBinaryString(flags), version);
        }

        return bodyOffset(buffer, offset, length, version);
    }

    /**
     * Read the first byte of a frame after checking it has at least two bytes.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the frame.
     * @param length  of the whole frame.
     * @param version protocol level, for the exception.
     * @return the first byte, 0 to 255.
     */
    static int typeAndFlags(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        if (length < 2)
        {
            throw new MqttProtocolException(
                ReasonCode.MALFORMED_PACKET, "2.1.1: frame shorter than a fixed header: " + length, version);
        }
        return buffer.getByte(offset) & 0xFF;
    }

    /**
     * Decode the Remaining Length and check it matches the frame length.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the frame.
     * @param length  of the whole frame.
     * @param version protocol level, for the exception.
     * @return index of the first byte after the fixed header.
     */
    static int bodyOffset(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        final long decoded = VariableByteInteger.decode(buffer, offset + 1, offset + length);
        if (VariableByteInteger.INCOMPLETE == decoded)
        {
            throw new MqttProtocolException(
                ReasonCode.MALFORMED_PACKET, "2.1.4: Remaining Length runs past the frame", version);
        }

        final int headerLength = 1 + VariableByteInteger.length(decoded);
        final int remainingLength = VariableByteInteger.value(decoded);
        if (headerLength + remainingLength != length)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.4: Remaining Length " + remainingLength + " does not match the frame length " + length, version);
        }

        return offset + headerLength;
    }

    private static String flagsStatement(final int type, final int version)
    {
        switch (type)
        {
            case PacketType.PUBREL:
                return "MQTT-3.6.1-1";
            case PacketType.SUBSCRIBE:
                return "MQTT-3.8.1-1";
            case PacketType.UNSUBSCRIBE:
                return "MQTT-3.10.1-1";
            case PacketType.DISCONNECT:
                return "MQTT-3.14.1-1";
            case PacketType.AUTH:
                return "MQTT-3.15.1-1";
            default:
                return version == MqttVersion.MQTT_5 || version == 0 ? "MQTT-2.1.3-1" : "MQTT-2.2.2-1";
        }
    }
}
