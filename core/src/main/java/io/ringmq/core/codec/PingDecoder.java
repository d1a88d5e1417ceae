package io.ringmq.core.codec;

import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

/**
 * Validates PINGREQ and PINGRESP frames: flags 0 and Remaining Length 0. Zero allocation unless rejected.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class PingDecoder
{
    private PingDecoder()
    {
    }

    /**
     * Validate a PINGREQ or PINGRESP frame.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level of the sender, for the exception.
     * @return {@link PacketType#PINGREQ} or {@link PacketType#PINGRESP}.
     * @throws MqttProtocolException MALFORMED_PACKET on bad flags or a non-zero Remaining Length.
     */
    public static int decode(final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        final int type = FixedHeader.typeAndFlags(buffer, offset, length, version) >>> 4;
        if (type != PacketType.PINGREQ && type != PacketType.PINGRESP)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.2: expected PINGREQ or PINGRESP but got " + PacketType.name(type), version);
        }
        FixedHeader.validate(buffer, offset, length, type, version);
        if (length != 2)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.4: " + PacketType.name(type) + " must have Remaining Length 0", version);
        }
        return type;
    }

    /**
     * Validate a PINGREQ or PINGRESP frame of an unknown protocol level.
     *
     * @param buffer holding the frame.
     * @param offset of the first byte of the fixed header.
     * @param length of the whole frame.
     * @return {@link PacketType#PINGREQ} or {@link PacketType#PINGRESP}.
     */
    public static int decode(final DirectBuffer buffer, final int offset, final int length)
    {
        return decode(buffer, offset, length, 0);
    }

    /**
     * Validate a PINGREQ frame (server side).
     *
     * @param buffer holding the frame.
     * @param offset of the first byte of the fixed header.
     * @param length of the whole frame.
     * @throws MqttProtocolException MALFORMED_PACKET if it is not a well-formed PINGREQ.
     */
    public static void validatePingreq(final DirectBuffer buffer, final int offset, final int length)
    {
        expect(PacketType.PINGREQ, decode(buffer, offset, length, 0));
    }

    /**
     * Validate a PINGRESP frame (client side).
     *
     * @param buffer holding the frame.
     * @param offset of the first byte of the fixed header.
     * @param length of the whole frame.
     * @throws MqttProtocolException MALFORMED_PACKET if it is not a well-formed PINGRESP.
     */
    public static void validatePingresp(final DirectBuffer buffer, final int offset, final int length)
    {
        expect(PacketType.PINGRESP, decode(buffer, offset, length, 0));
    }

    private static void expect(final int expected, final int actual)
    {
        if (expected != actual)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "2.1.2: expected " + PacketType.name(expected) + " but got " + PacketType.name(actual));
        }
    }
}
