package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import org.agrona.MutableDirectBuffer;

import java.util.List;

/**
 * Client-side encoder of SUBSCRIBE (tests, load tester). For MQTT 3.x only the QoS of each option byte is written.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class SubscribeEncoder
{
    private SubscribeEncoder()
    {
    }

    /**
     * Bytes {@link #encode(SubscribePacket, MutableDirectBuffer, int, int)} will write.
     *
     * @param packet  to encode.
     * @param version protocol level.
     * @return length of the whole frame.
     */
    public static int encodedLength(final SubscribePacket packet, final int version)
    {
        return WireWriter.frameLength(remainingLength(packet, version));
    }

    /**
     * Encode a SUBSCRIBE frame.
     *
     * @param packet  to encode.
     * @param buffer  to write to.
     * @param offset  of the first byte.
     * @param version protocol level.
     * @return bytes written.
     */
    public static int encode(
        final SubscribePacket packet, final MutableDirectBuffer buffer, final int offset, final int version)
    {
        final boolean v5 = version == MqttVersion.MQTT_5;
        int position = offset + WireWriter.putFixedHeader(
            buffer, offset, (PacketType.SUBSCRIBE << 4) | 0b0010, remainingLength(packet, version));
        position += WireWriter.putU16(buffer, position, packet.packetId());
        if (v5)
        {
            position += VariableByteInteger.encode(buffer, position, propertiesLength(packet));
            if (packet.subscriptionIdentifier() != 0)
            {
                position += WireWriter.putVbiProperty(
                    buffer, position, Property.SUBSCRIPTION_IDENTIFIER, packet.subscriptionIdentifier());
            }
            position += WireWriter.putUserProperties(buffer, position, packet.userProperties());
        }

        final List<TopicSubscription> subscriptions = packet.subscriptions();
        for (int i = 0, n = subscriptions.size(); i < n; i++)
        {
            final TopicSubscription subscription = subscriptions.get(i);
            position += WireWriter.putString(buffer, position, subscription.filter());
            buffer.putByte(position++, (byte)(v5 ? subscription.options() : subscription.qos()));
        }
        return position - offset;
    }

    private static int propertiesLength(final SubscribePacket packet)
    {
        int length = packet.subscriptionIdentifier() != 0 ?
            WireWriter.sizeOfVbiProperty(packet.subscriptionIdentifier()) : 0;
        length += WireWriter.sizeOfUserProperties(packet.userProperties());
        return length;
    }

    private static int remainingLength(final SubscribePacket packet, final int version)
    {
        int length = 2;
        if (version == MqttVersion.MQTT_5)
        {
            length += WireWriter.sizeOfPropertyBlock(propertiesLength(packet));
        }
        final List<TopicSubscription> subscriptions = packet.subscriptions();
        for (int i = 0, n = subscriptions.size(); i < n; i++)
        {
            length += WireWriter.sizeOfString(subscriptions.get(i).filter()) + 1;
        }
        return length;
    }
}
