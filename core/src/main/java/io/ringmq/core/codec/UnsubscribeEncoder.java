package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import org.agrona.MutableDirectBuffer;

import java.util.List;

/**
 * Client-side encoder of UNSUBSCRIBE (tests, load tester).
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class UnsubscribeEncoder
{
    private UnsubscribeEncoder()
    {
    }

    /**
     * Bytes {@link #encode(UnsubscribePacket, MutableDirectBuffer, int, int)} will write.
     *
     * @param packet  to encode.
     * @param version protocol level.
     * @return length of the whole frame.
     */
    public static int encodedLength(final UnsubscribePacket packet, final int version)
    {
        return WireWriter.frameLength(remainingLength(packet, version));
    }

    /**
     * Encode an UNSUBSCRIBE frame.
     *
     * @param packet  to encode.
     * @param buffer  to write to.
     * @param offset  of the first byte.
     * @param version protocol level.
     * @return bytes written.
     */
    public static int encode(
        final UnsubscribePacket packet, final MutableDirectBuffer buffer, final int offset, final int version)
    {
        int position = offset + WireWriter.putFixedHeader(
            buffer, offset, (PacketType.UNSUBSCRIBE << 4) | 0b0010, remainingLength(packet, version));
        position += WireWriter.putU16(buffer, position, packet.packetId());
        if (version == MqttVersion.MQTT_5)
        {
            position += VariableByteInteger.encode(
                buffer, position, WireWriter.sizeOfUserProperties(packet.userProperties()));
            position += WireWriter.putUserProperties(buffer, position, packet.userProperties());
        }
        final List<String> filters = packet.filters();
        for (int i = 0, n = filters.size(); i < n; i++)
        {
            position += WireWriter.putString(buffer, position, filters.get(i));
        }
        return position - offset;
    }

    private static int remainingLength(final UnsubscribePacket packet, final int version)
    {
        int length = 2;
        if (version == MqttVersion.MQTT_5)
        {
            length += WireWriter.sizeOfPropertyBlock(WireWriter.sizeOfUserProperties(packet.userProperties()));
        }
        final List<String> filters = packet.filters();
        for (int i = 0, n = filters.size(); i < n; i++)
        {
            length += WireWriter.sizeOfString(filters.get(i));
        }
        return length;
    }
}
