package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Server-side decoder of CONNECT for MQTT 3.1 ("MQIsdp", level 3), 3.1.1 and 5.0.
 * <pre>
 * fixed header  0x10, Remaining Length
 * variable      Protocol Name (u16 len + "MQTT"/"MQIsdp"), Protocol Level (u8), Connect Flags (u8),
 *               Keep Alive (u16), [v5: Property Length (VBI) + properties]
 * payload       Client Identifier, [Will: v5 Will Properties, Will Topic, Will Payload], [User Name], [Password]
 * Connect Flags: 7 user name | 6 password | 5 will retain | 4-3 will QoS | 2 will flag | 1 clean start | 0 reserved
 * </pre>
 * CONNECT happens once per connection, so this decoder allocates a {@link ConnectPacket} and its strings.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class ConnectDecoder
{
    private static final String CONNECT = "CONNECT";
    private static final String WILL = "Will Properties";
    private static final int RESERVED_FLAG = 0x01;
    private static final int CLEAN_START_FLAG = 0x02;
    private static final int WILL_FLAG = 0x04;
    private static final int WILL_QOS_SHIFT = 3;
    private static final int WILL_RETAIN_FLAG = 0x20;
    private static final int PASSWORD_FLAG = 0x40;
    private static final int USER_NAME_FLAG = 0x80;

    private ConnectDecoder()
    {
    }

    /**
     * Decode a whole CONNECT frame, with {@link TopicValidator#DEFAULT_MAX_LEVELS} for the Will Topic.
     *
     * @param buffer holding the frame.
     * @param offset of the first byte of the fixed header.
     * @param length of the whole frame.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks; UNSUPPORTED_PROTOCOL_VERSION carries the
     *                               Protocol Level the client sent as {@link MqttProtocolException#protocolVersion()}.
     */
    public static ConnectPacket decode(final DirectBuffer buffer, final int offset, final int length)
    {
        return decode(buffer, offset, length, TopicValidator.DEFAULT_MAX_LEVELS);
    }

    /**
     * Decode a whole CONNECT frame.
     *
     * @param buffer         holding the frame.
     * @param offset         of the first byte of the fixed header.
     * @param length         of the whole frame.
     * @param maxTopicLevels most levels the Will Topic may have.
     * @return a new packet.
     * @throws MqttProtocolException for any rule the packet breaks.
     */
    public static ConnectPacket decode(
        final DirectBuffer buffer, final int offset, final int length, final int maxTopicLevels)
    {
        final int bodyOffset = FixedHeader.validate(buffer, offset, length, PacketType.CONNECT, 0);
        final int version = protocolVersion(buffer, bodyOffset, offset + length);
        try
        {
            return decodeBody(new WireReader(buffer, bodyOffset, offset + length, version), maxTopicLevels);
        }
        catch (final MqttProtocolException ex)
        {
            throw ex.protocolVersion() != 0 ? ex : new MqttProtocolException(ex.reasonCode(), ex.getMessage(), version);
        }
    }

    private static ConnectPacket decodeBody(final WireReader reader, final int maxTopicLevels)
    {
        final int version = reader.version();
        final ConnectPacket packet = new ConnectPacket();

        packet.protocolName(reader.utf8("Protocol Name"));
        packet.protocolVersion(reader.u8("Protocol Level"));
        final int flags = reader.u8("Connect Flags");
        validateFlags(flags, version);

        packet.cleanStart((flags & CLEAN_START_FLAG) != 0);
        packet.willFlag((flags & WILL_FLAG) != 0);
        packet.willQos((flags >>> WILL_QOS_SHIFT) & 0x03);
        packet.willRetain((flags & WILL_RETAIN_FLAG) != 0);
        packet.keepAliveSeconds(reader.u16("Keep Alive"));

        final PropertyReader properties = new PropertyReader();
        if (version == MqttVersion.MQTT_5)
        {
            readProperties(reader.properties(properties, PropertyReader.CONNECT_PROPERTIES, CONNECT), packet);
        }

        packet.clientId(reader.utf8("Client Identifier"));

        if (packet.willFlag())
        {
            readWill(reader, properties, packet, maxTopicLevels);
        }
        if ((flags & USER_NAME_FLAG) != 0)
        {
            packet.username(reader.utf8("User Name"));
        }
        if ((flags & PASSWORD_FLAG) != 0)
        {
            packet.password(reader.binary("Password"));
        }

        reader.expectEnd("CONNECT payload");
        return packet;
    }

    private static int protocolVersion(final DirectBuffer buffer, final int bodyOffset, final int limit)
    {
        if (bodyOffset + 2 > limit)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET, "2.1.4: CONNECT has no Protocol Name");
        }
        final int nameLength = ((buffer.getByte(bodyOffset) & 0xFF) << 8) | (buffer.getByte(bodyOffset + 1) & 0xFF);
        final int levelOffset = bodyOffset + 2 + nameLength;
        if (levelOffset >= limit)
        {
            throw new MqttProtocolException(
                ReasonCode.MALFORMED_PACKET, "2.1.4: Protocol Name or Level runs past the end of CONNECT");
        }

        final int level = buffer.getByte(levelOffset) & 0xFF;
        final boolean mqtt = nameEquals(buffer, bodyOffset + 2, nameLength, "MQTT");
        final boolean mqisdp = nameEquals(buffer, bodyOffset + 2, nameLength, "MQIsdp");
        if (!mqtt && !mqisdp)
        {
            throw new MqttProtocolException(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION,
                "MQTT-3.1.2-1: unknown Protocol Name (length " + nameLength + ")", level);
        }
        if ((mqtt && level != MqttVersion.MQTT_3_1_1 && level != MqttVersion.MQTT_5) ||
            (mqisdp && level != MqttVersion.MQTT_3_1))
        {
            throw new MqttProtocolException(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION,
                "MQTT-3.1.2-2: unsupported Protocol Level " + level + " for " + (mqtt ? "MQTT" : "MQIsdp"), level);
        }
        return level;
    }

    private static boolean nameEquals(
        final DirectBuffer buffer, final int offset, final int length, final String expected)
    {
        if (length != expected.length())
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) != expected.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private static void validateFlags(final int flags, final int version)
    {
        final boolean v5 = version == MqttVersion.MQTT_5;
        if ((flags & RESERVED_FLAG) != 0)
        {
            throw new MqttProtocolException(
                ReasonCode.MALFORMED_PACKET, "MQTT-3.1.2-3: reserved Connect Flag must be 0", version);
        }

        final int willQos = (flags >>> WILL_QOS_SHIFT) & 0x03;
        if ((flags & WILL_FLAG) == 0)
        {
            if (willQos != 0)
            {
                throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                    (v5 ? "MQTT-3.1.2-11" : "MQTT-3.1.2-13") + ": Will QoS must be 0 when the Will Flag is 0",
                    version);
            }
            if ((flags & WILL_RETAIN_FLAG) != 0)
            {
                throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                    (v5 ? "MQTT-3.1.2-13" : "MQTT-3.1.2-15") + ": Will Retain must be 0 when the Will Flag is 0",
                    version);
            }
        }
        else if (willQos == 3)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                (v5 ? "MQTT-3.1.2-12" : "MQTT-3.1.2-14") + ": Will QoS 3 is not allowed", version);
        }

        if (!v5 && (flags & PASSWORD_FLAG) != 0 && (flags & USER_NAME_FLAG) == 0)
        {
            throw new MqttProtocolException(ReasonCode.MALFORMED_PACKET,
                "MQTT-3.1.2-22: Password Flag set without the User Name Flag", version);
        }
    }

    private static void readProperties(final PropertyReader properties, final ConnectPacket packet)
    {
        while (properties.hasNext())
        {
            switch (properties.next())
            {
                case Property.SESSION_EXPIRY_INTERVAL:
                    packet.sessionExpiryIntervalSeconds(properties.value());
                    break;
                case Property.RECEIVE_MAXIMUM:
                    packet.receiveMaximum(properties.intValue());
                    break;
                case Property.MAXIMUM_PACKET_SIZE:
                    packet.maximumPacketSize(properties.value());
                    break;
                case Property.TOPIC_ALIAS_MAXIMUM:
                    packet.topicAliasMaximum(properties.intValue());
                    break;
                case Property.REQUEST_RESPONSE_INFORMATION:
                    packet.requestResponseInformation(properties.value() == 1);
                    break;
                case Property.REQUEST_PROBLEM_INFORMATION:
                    packet.requestProblemInformation(properties.value() == 1);
                    break;
                case Property.USER_PROPERTY:
                    WireReader.addUserProperty(packet.userProperties(), properties);
                    break;
                case Property.AUTHENTICATION_METHOD:
                    packet.authenticationMethod(properties.stringValue());
                    break;
                default:
                    packet.authenticationData(properties.bytesValue());
                    break;
            }
        }

        if (properties.seen(Property.AUTHENTICATION_DATA) && !properties.seen(Property.AUTHENTICATION_METHOD))
        {
            throw new MqttProtocolException(ReasonCode.PROTOCOL_ERROR,
                "3.1.2.11.10: Authentication Data without an Authentication Method", MqttVersion.MQTT_5);
        }
    }

    private static void readWill(
        final WireReader reader, final PropertyReader properties, final ConnectPacket packet, final int maxTopicLevels)
    {
        final int version = reader.version();
        if (version == MqttVersion.MQTT_5)
        {
            final int blockStart = reader.position();
            reader.properties(properties, PropertyReader.WILL_PROPERTIES, WILL);
            final int propertiesStart = blockStart + VariableByteInteger.length(
                VariableByteInteger.decode(reader.buffer(), blockStart, reader.limit()));
            final byte[] forward = new byte[reader.position() - propertiesStart];
            final UnsafeBuffer forwardBuffer = new UnsafeBuffer(forward);
            int forwardLength = 0;

            while (properties.hasNext())
            {
                final int id = properties.next();
                if (id == Property.WILL_DELAY_INTERVAL)
                {
                    packet.willDelayIntervalSeconds(properties.value());
                    continue;
                }
                if (id == Property.MESSAGE_EXPIRY_INTERVAL)
                {
                    packet.willMessageExpirySeconds(properties.value());
                    continue;
                }
                if (id == Property.PAYLOAD_FORMAT_INDICATOR)
                {
                    packet.willPayloadFormatIndicator(properties.intValue());
                }
                final int entryLength = properties.entryEnd() - properties.entryOffset();
                forwardBuffer.putBytes(forwardLength, reader.buffer(), properties.entryOffset(), entryLength);
                forwardLength += entryLength;
            }

            packet.willForwardProperties(forwardLength == forward.length ?
                forward : Arrays.copyOf(forward, forwardLength));
        }

        final String willTopic = reader.utf8("Will Topic");
        if (willTopic.isEmpty())
        {
            throw new MqttProtocolException(
                ReasonCode.TOPIC_NAME_INVALID, "MQTT-4.7.3-1: Will Topic must not be empty", version);
        }
        final byte[] topicBytes = willTopic.getBytes(StandardCharsets.UTF_8);
        try
        {
            TopicValidator.validateTopicName(new UnsafeBuffer(topicBytes), 0, topicBytes.length, maxTopicLevels);
        }
        catch (final MqttProtocolException ex)
        {
            throw new MqttProtocolException(ex.reasonCode(), ex.getMessage() + " (Will Topic)", version);
        }
        packet.willTopic(willTopic);

        final int payloadLength = reader.u16("Will Payload");
        reader.require(payloadLength, "Will Payload");
        if (packet.willPayloadFormatIndicator() == 1 &&
            !Utf8Validator.isWellFormed(reader.buffer(), reader.position(), payloadLength))
        {
            throw new MqttProtocolException(ReasonCode.PAYLOAD_FORMAT_INVALID,
                "3.1.3.2.3: Will Payload is not valid UTF-8 but its Payload Format Indicator is 1", version);
        }
        packet.willPayload(reader.bytes(payloadLength, "Will Payload"));
    }
}
