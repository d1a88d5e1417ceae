package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;

/**
 * Server-side decoder of SUBSCRIBE.
 * <pre>
 * 0x82 | Remaining Length | Packet Identifier (u16) | [v5: Property Length + properties]
 * | (Topic Filter (u16 len + UTF-8), options (u8))+
 * </pre>
 * Encoding errors (lengths, UTF-8, reserved bits) reject the packet; a Topic Filter with bad syntax only marks its
 * {@link TopicSubscription#invalidReason()} so the server can fail that entry alone.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class SubscribeDecoder
{
    private SubscribeDecoder()
    {
    }

    /**
     * Decode a whole SUBSCRIBE frame.
     *
     * @param buffer         holding the frame.
     * @param offset         of the first byte of the fixed header.
     * @param length         of the whole frame.
     * @param version        protocol level of the sender.
     * @param maxTopicLevels most levels a Topic Filter may have.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks.
     */
    public static SubscribePacket decode(
        final DirectBuffer buffer, final int offset, final int length, final int version, final int maxTopicLevels)
    {
        try
        {
            final int bodyOffset = FixedHeader.validate(buffer, offset, length, PacketType.SUBSCRIBE, version);
            return decodeBody(new WireReader(buffer, bodyOffset, offset + length, version), maxTopicLevels);
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }

    private static SubscribePacket decodeBody(final WireReader reader, final int maxTopicLevels)
    {
        final boolean v5 = reader.version() == MqttVersion.MQTT_5;
        final SubscribePacket packet = new SubscribePacket();
        packet.packetId(PacketIds.read(reader));

        if (v5)
        {
            final PropertyReader properties =
                reader.properties(new PropertyReader(), PropertyReader.SUBSCRIBE_PROPERTIES, "SUBSCRIBE");
            while (properties.hasNext())
            {
                if (properties.next() == Property.SUBSCRIPTION_IDENTIFIER)
                {
                    packet.subscriptionIdentifier(properties.intValue());
                }
                else
                {
                    WireReader.addUserProperty(packet.userProperties(), properties);
                }
            }
        }

        if (!reader.hasRemaining())
        {
            throw new MqttProtocolException(reader.protocolErrorCode(),
                (v5 ? "MQTT-3.8.3-2" : "MQTT-3.8.3-3") + ": SUBSCRIBE must contain at least one Topic Filter",
                reader.version());
        }

        while (reader.hasRemaining())
        {
            final String filter = reader.utf8("Topic Filter");
            final int options = reader.u8("Subscription Options");
            packet.addSubscription(subscription(reader, filter, options, maxTopicLevels));
        }
        return packet;
    }

    private static TopicSubscription subscription(
        final WireReader reader, final String filter, final int options, final int maxTopicLevels)
    {
        final boolean v5 = reader.version() == MqttVersion.MQTT_5;
        final int qos = options & 0x03;
        if (!v5)
        {
            if ((options & 0xFC) != 0 || qos == 3)
            {
                throw reader.malformed("MQTT-3-8.3-4: reserved bits of the requested QoS byte must be 0 and QoS " +
                    "must be 0, 1 or 2, got 0x" + Integer.toHexString(options));
            }
        }
        else
        {
            if ((options & 0xC0) != 0)
            {
                throw reader.malformed("MQTT-3.8.3-5: reserved bits of the Subscription Options must be 0");
            }
            if (qos == 3)
            {
                throw reader.protocolError("3.8.3.1: Maximum QoS 3 is not allowed");
            }
            if (((options >>> 4) & 0x03) == 3)
            {
                throw reader.protocolError("3.8.3.1: Retain Handling 3 is not allowed");
            }
        }

        final boolean noLocal = v5 && (options & 0x04) != 0;
        final boolean retainAsPublished = v5 && (options & 0x08) != 0;
        final int retainHandling = v5 ? (options >>> 4) & 0x03 : 0;
        final int invalidReason = null == TopicValidator.topicFilterError(filter, maxTopicLevels) ?
            ReasonCode.SUCCESS : ReasonCode.TOPIC_FILTER_INVALID;
        if (noLocal && TopicValidator.isShared(filter))
        {
            throw reader.protocolError("MQTT-3.8.3-4: No Local must not be set on a Shared Subscription");
        }

        return new TopicSubscription(filter, qos, noLocal, retainAsPublished, retainHandling, invalidReason);
    }
}
