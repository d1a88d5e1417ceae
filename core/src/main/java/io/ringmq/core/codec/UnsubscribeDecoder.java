package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import org.agrona.DirectBuffer;

/**
 * Server-side decoder of UNSUBSCRIBE.
 * <pre>
 * 0xA2 | Remaining Length | Packet Identifier (u16) | [v5: Property Length + User Properties]
 * | (Topic Filter (u16 len + UTF-8))+
 * </pre>
 * Topic Filter syntax is not checked: a filter that matches no subscription is answered with No subscription
 * existed (MQTT 5) by the server.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class UnsubscribeDecoder
{
    private UnsubscribeDecoder()
    {
    }

    /**
     * Decode a whole UNSUBSCRIBE frame.
     *
     * @param buffer  holding the frame.
     * @param offset  of the first byte of the fixed header.
     * @param length  of the whole frame.
     * @param version protocol level of the sender.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks.
     */
    public static UnsubscribePacket decode(
        final DirectBuffer buffer, final int offset, final int length, final int version)
    {
        try
        {
            final int bodyOffset = FixedHeader.validate(buffer, offset, length, PacketType.UNSUBSCRIBE, version);
            final WireReader reader = new WireReader(buffer, bodyOffset, offset + length, version);
            final UnsubscribePacket packet = new UnsubscribePacket();
            packet.packetId(PacketIds.read(reader));
            if (version == MqttVersion.MQTT_5)
            {
                final PropertyReader properties =
                    reader.properties(new PropertyReader(), PropertyReader.UNSUBSCRIBE_PROPERTIES, "UNSUBSCRIBE");
                while (properties.hasNext())
                {
                    properties.next();
                    WireReader.addUserProperty(packet.userProperties(), properties);
                }
            }

            if (!reader.hasRemaining())
            {
                throw new MqttProtocolException(reader.protocolErrorCode(),
                    "MQTT-3.10.3-2: UNSUBSCRIBE must contain at least one Topic Filter", version);
            }
            while (reader.hasRemaining())
            {
                packet.addFilter(reader.utf8("Topic Filter"));
            }
            return packet;
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }
}
