package io.ringmq.core.codec;

import io.ringmq.core.protocol.PacketType;
import org.agrona.DirectBuffer;

/**
 * Client-side UNSUBACK decoder (tests, load tester).
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class UnsubackDecoder
{
    private UnsubackDecoder()
    {
    }

    /**
     * Decode a whole UNSUBACK frame.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level the client connected with.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks.
     */
    public static UnsubackPacket decode(
        final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        final UnsubackPacket packet = new UnsubackPacket();
        AckListCodec.decode(PacketType.UNSUBACK, buffer, offset, length, version, null, packet);
        return packet;
    }
}
