package io.ringmq.transport.it;

import java.nio.charset.StandardCharsets;

/**
 * Hand-built, well-formed MQTT packets for {@link RawMqttClient}. Malformed variants are built in the tests with
 * {@link PacketBuilder} so that each one shows exactly which byte is wrong.
 */
public final class RawPackets
{
    /** CONNECT. */
    public static final int CONNECT = 1;
    /** CONNACK. */
    public static final int CONNACK = 2;
    /** PUBLISH. */
    public static final int PUBLISH = 3;
    /** PUBACK. */
    public static final int PUBACK = 4;
    /** PUBREC. */
    public static final int PUBREC = 5;
    /** PUBREL. */
    public static final int PUBREL = 6;
    /** PUBCOMP. */
    public static final int PUBCOMP = 7;
    /** SUBSCRIBE. */
    public static final int SUBSCRIBE = 8;
    /** SUBACK. */
    public static final int SUBACK = 9;
    /** UNSUBSCRIBE. */
    public static final int UNSUBSCRIBE = 10;
    /** UNSUBACK. */
    public static final int UNSUBACK = 11;
    /** PINGREQ. */
    public static final int PINGREQ = 12;
    /** PINGRESP. */
    public static final int PINGRESP = 13;
    /** DISCONNECT. */
    public static final int DISCONNECT = 14;
    /** AUTH. */
    public static final int AUTH = 15;

    private RawPackets()
    {
    }

    /**
     * @param version  {@link PacketBuilder#MQTT_3_1}, {@link PacketBuilder#MQTT_3_1_1} or {@link PacketBuilder#MQTT_5}.
     * @param clientId client identifier, may be empty.
     * @return a CONNECT builder with clean session/start set and keep-alive 60 s.
     */
    public static Connect connect(final int version, final String clientId)
    {
        return new Connect(version, clientId);
    }

    /**
     * @param version  protocol level.
     * @param qos      0, 1 or 2.
     * @param retain   RETAIN flag.
     * @param dup      DUP flag.
     * @param topic    topic name.
     * @param packetId packet identifier, written only when qos &gt; 0.
     * @param payload  application message.
     * @param props    MQTT 5 properties, ignored below 5; null for none.
     * @return the PUBLISH packet.
     */
    public static byte[] publish(
        final int version,
        final int qos,
        final boolean retain,
        final boolean dup,
        final String topic,
        final int packetId,
        final byte[] payload,
        final PacketBuilder props)
    {
        final PacketBuilder body = new PacketBuilder().utf8(topic);
        if (qos > 0)
        {
            body.u16(packetId);
        }
        if (version >= PacketBuilder.MQTT_5)
        {
            body.properties(props);
        }
        body.raw(payload);
        return body.packet(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0));
    }

    /**
     * @param version  protocol level.
     * @param qos      0, 1 or 2.
     * @param topic    topic name.
     * @param packetId packet identifier, used when qos &gt; 0.
     * @param payload  text payload.
     * @return the PUBLISH packet, no flags besides QoS.
     */
    public static byte[] publish(
        final int version, final int qos, final String topic, final int packetId, final String payload)
    {
        return publish(version, qos, false, false, topic, packetId, payload.getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * @param version  protocol level.
     * @param packetId packet identifier.
     * @param filter   topic filter.
     * @param options  requested QoS, plus the MQTT 5 option bits.
     * @param props    MQTT 5 properties (e.g. a subscription identifier), null for none.
     * @return the SUBSCRIBE packet.
     */
    public static byte[] subscribe(
        final int version, final int packetId, final String filter, final int options, final PacketBuilder props)
    {
        final PacketBuilder body = new PacketBuilder().u16(packetId);
        if (version >= PacketBuilder.MQTT_5)
        {
            body.properties(props);
        }
        return body.utf8(filter).u8(options).packet(0x82);
    }

    /**
     * @param version  protocol level.
     * @param packetId packet identifier.
     * @param filter   topic filter.
     * @return the UNSUBSCRIBE packet.
     */
    public static byte[] unsubscribe(final int version, final int packetId, final String filter)
    {
        final PacketBuilder body = new PacketBuilder().u16(packetId);
        if (version >= PacketBuilder.MQTT_5)
        {
            body.properties(null);
        }
        return body.utf8(filter).packet(0xA2);
    }

    /**
     * @param type     {@link #PUBACK}, {@link #PUBREC}, {@link #PUBREL} or {@link #PUBCOMP}.
     * @param packetId packet identifier.
     * @return the two-byte form of the acknowledgement (valid for every version: reason code 0 omitted).
     */
    public static byte[] ack(final int type, final int packetId)
    {
        return new PacketBuilder().u16(packetId).packet(type << 4 | (type == PUBREL ? 0x02 : 0));
    }

    /** @return PINGREQ. */
    public static byte[] pingReq()
    {
        return new byte[]{ (byte)0xC0, 0 };
    }

    /** @return DISCONNECT with no reason code (normal disconnection in every version). */
    public static byte[] disconnect()
    {
        return new byte[]{ (byte)0xE0, 0 };
    }

    /**
     * @param reasonCode MQTT 5 reason code.
     * @param props      properties, null for none.
     * @return an MQTT 5 DISCONNECT.
     */
    public static byte[] disconnect5(final int reasonCode, final PacketBuilder props)
    {
        return new PacketBuilder().u8(reasonCode).properties(props).packet(0xE0);
    }

    /** Fluent CONNECT builder. */
    public static final class Connect
    {
        private final int version;
        private final String clientId;
        private String protocolName;
        private int level;
        private boolean clean = true;
        private int keepAliveSeconds = 60;
        private int reservedFlag;
        private PacketBuilder properties;
        private String willTopic;
        private byte[] willPayload;
        private int willQos;
        private boolean willRetain;
        private PacketBuilder willProperties;
        private String userName;
        private byte[] password;

        private Connect(final int version, final String clientId)
        {
            this.version = version;
            this.clientId = clientId;
            this.protocolName = version == PacketBuilder.MQTT_3_1 ? "MQIsdp" : "MQTT";
            this.level = version;
        }

        /**
         * @param protocolName protocol name to send instead of the one for the version.
         * @param level        protocol level byte to send instead of the version.
         * @return this.
         */
        public Connect protocol(final String protocolName, final int level)
        {
            this.protocolName = protocolName;
            this.level = level;
            return this;
        }

        /**
         * @param clean clean session (3.x) or clean start (5).
         * @return this.
         */
        public Connect clean(final boolean clean)
        {
            this.clean = clean;
            return this;
        }

        /**
         * @param keepAliveSeconds keep-alive, 0 for none.
         * @return this.
         */
        public Connect keepAlive(final int keepAliveSeconds)
        {
            this.keepAliveSeconds = keepAliveSeconds;
            return this;
        }

        /** @return this with the reserved bit 0 of the connect flags set (a protocol violation). */
        public Connect reservedFlag()
        {
            this.reservedFlag = 1;
            return this;
        }

        /**
         * @param properties MQTT 5 CONNECT properties.
         * @return this.
         */
        public Connect properties(final PacketBuilder properties)
        {
            this.properties = properties;
            return this;
        }

        /**
         * @param topic   will topic.
         * @param payload will payload.
         * @param qos     will QoS.
         * @param retain  will retain.
         * @param props   MQTT 5 will properties, null for none.
         * @return this.
         */
        public Connect will(
            final String topic, final String payload, final int qos, final boolean retain, final PacketBuilder props)
        {
            this.willTopic = topic;
            this.willPayload = payload.getBytes(StandardCharsets.UTF_8);
            this.willQos = qos;
            this.willRetain = retain;
            this.willProperties = props;
            return this;
        }

        /**
         * @param userName user name, or null.
         * @param password password, or null.
         * @return this.
         */
        public Connect credentials(final String userName, final String password)
        {
            this.userName = userName;
            this.password = null == password ? null : password.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /** @return the CONNECT packet. */
        public byte[] build()
        {
            int flags = reservedFlag | (clean ? 0x02 : 0);
            if (null != willTopic)
            {
                flags |= 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
            }
            flags |= null != password ? 0x40 : 0;
            flags |= null != userName ? 0x80 : 0;

            final PacketBuilder body = new PacketBuilder().utf8(protocolName).u8(level).u8(flags).u16(keepAliveSeconds);
            final boolean v5 = version >= PacketBuilder.MQTT_5;
            if (v5)
            {
                body.properties(properties);
            }
            body.utf8(clientId);
            if (null != willTopic)
            {
                if (v5)
                {
                    body.properties(willProperties);
                }
                body.utf8(willTopic).binary(willPayload);
            }
            if (null != userName)
            {
                body.utf8(userName);
            }
            if (null != password)
            {
                body.binary(password);
            }
            return body.packet(0x10);
        }
    }
}
