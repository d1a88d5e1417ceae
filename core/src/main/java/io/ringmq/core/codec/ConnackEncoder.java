package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.Property;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Server-side CONNACK encoder: set the fields with the chained setters, then {@link #encodedLength()} and
 * {@link #encode(MutableDirectBuffer, int)}; {@link #reset()} before the next use. MQTT 5 properties are written only
 * when they differ from what their absence means.
 * <pre>
 * 0x20 | Remaining Length | flags (bit 0 Session Present) | reason/return code | [v5: Property Length, properties]
 * </pre>
 * Session Present is written as 0 with a failure code (MQTT-3.2.2-6 / MQTT-3.2.2-4) and for MQTT 3.1, whose CONNACK
 * has no such flag.
 * <p>
 * <b>Threading:</b> not thread-safe; one instance per thread.
 */
public final class ConnackEncoder
{
    private int version = MqttVersion.MQTT_5;
    private boolean sessionPresent = false;
    private int reasonCode = ReasonCode.SUCCESS;
    private long sessionExpiryInterval = -1;
    private int receiveMaximum = 65535;
    private int maximumQos = 2;
    private boolean retainAvailable = true;
    private long maximumPacketSize = 0;
    private String assignedClientIdentifier = null;
    private int topicAliasMaximum = 0;
    private String reasonString = null;
    private boolean wildcardSubscriptionAvailable = true;
    private boolean subscriptionIdentifiersAvailable = true;
    private boolean sharedSubscriptionAvailable = true;
    private int serverKeepAlive = -1;
    private String responseInformation = null;
    private String serverReference = null;
    private String authenticationMethod = null;
    private byte[] authenticationData = null;
    private final List<String[]> userProperties = new ArrayList<>();

    /**
     * Clear every field back to its default.
     *
     * @return this.
     */
    public ConnackEncoder reset()
    {
        version = MqttVersion.MQTT_5;
        sessionPresent = false;
        reasonCode = ReasonCode.SUCCESS;
        sessionExpiryInterval = -1;
        receiveMaximum = 65535;
        maximumQos = 2;
        retainAvailable = true;
        maximumPacketSize = 0;
        assignedClientIdentifier = null;
        topicAliasMaximum = 0;
        reasonString = null;
        wildcardSubscriptionAvailable = true;
        subscriptionIdentifiersAvailable = true;
        sharedSubscriptionAvailable = true;
        serverKeepAlive = -1;
        responseInformation = null;
        serverReference = null;
        authenticationMethod = null;
        authenticationData = null;
        userProperties.clear();
        return this;
    }

    /**
     * Protocol level of the client: 3, 4 or 5.
     *
     * @return the value.
     */
    public int version()
    {
        return version;
    }

    /**
     * Set the protocol level of the client: 3, 4 or 5.
     *
     * @param version the value.
     * @return this.
     */
    public ConnackEncoder version(final int version)
    {
        this.version = version;
        return this;
    }

    /**
     * Session Present flag (always written as 0 with a failure code or for MQTT 3.1).
     *
     * @return the value.
     */
    public boolean sessionPresent()
    {
        return sessionPresent;
    }

    /**
     * Set the Session Present flag (always written as 0 with a failure code or for MQTT 3.1).
     *
     * @param sessionPresent the value.
     * @return this.
     */
    public ConnackEncoder sessionPresent(final boolean sessionPresent)
    {
        this.sessionPresent = sessionPresent;
        return this;
    }

    /**
     * MQTT 5 reason code; for 3.x the encoder writes ReasonCode.toConnectReturnCode of it.
     *
     * @return the value.
     */
    public int reasonCode()
    {
        return reasonCode;
    }

    /**
     * Set the MQTT 5 reason code; for 3.x the encoder writes ReasonCode.toConnectReturnCode of it.
     *
     * @param reasonCode the value.
     * @return this.
     */
    public ConnackEncoder reasonCode(final int reasonCode)
    {
        this.reasonCode = reasonCode;
        return this;
    }

    /**
     * Session Expiry Interval in seconds, -1 to omit.
     *
     * @return the value.
     */
    public long sessionExpiryInterval()
    {
        return sessionExpiryInterval;
    }

    /**
     * Set the Session Expiry Interval in seconds, -1 to omit.
     *
     * @param sessionExpiryInterval the value.
     * @return this.
     */
    public ConnackEncoder sessionExpiryInterval(final long sessionExpiryInterval)
    {
        this.sessionExpiryInterval = sessionExpiryInterval;
        return this;
    }

    /**
     * Receive Maximum, omitted when 0 or 65535.
     *
     * @return the value.
     */
    public int receiveMaximum()
    {
        return receiveMaximum;
    }

    /**
     * Set the Receive Maximum, omitted when 0 or 65535.
     *
     * @param receiveMaximum the value.
     * @return this.
     */
    public ConnackEncoder receiveMaximum(final int receiveMaximum)
    {
        this.receiveMaximum = receiveMaximum;
        return this;
    }

    /**
     * Maximum QoS, omitted when 2.
     *
     * @return the value.
     */
    public int maximumQos()
    {
        return maximumQos;
    }

    /**
     * Set the Maximum QoS, omitted when 2.
     *
     * @param maximumQos the value.
     * @return this.
     */
    public ConnackEncoder maximumQos(final int maximumQos)
    {
        this.maximumQos = maximumQos;
        return this;
    }

    /**
     * Retain Available, omitted when true.
     *
     * @return the value.
     */
    public boolean retainAvailable()
    {
        return retainAvailable;
    }

    /**
     * Set the Retain Available, omitted when true.
     *
     * @param retainAvailable the value.
     * @return this.
     */
    public ConnackEncoder retainAvailable(final boolean retainAvailable)
    {
        this.retainAvailable = retainAvailable;
        return this;
    }

    /**
     * Maximum Packet Size, omitted when 0 (no limit).
     *
     * @return the value.
     */
    public long maximumPacketSize()
    {
        return maximumPacketSize;
    }

    /**
     * Set the Maximum Packet Size, omitted when 0 (no limit).
     *
     * @param maximumPacketSize the value.
     * @return this.
     */
    public ConnackEncoder maximumPacketSize(final long maximumPacketSize)
    {
        this.maximumPacketSize = maximumPacketSize;
        return this;
    }

    /**
     * Assigned Client Identifier, omitted when null.
     *
     * @return the value.
     */
    public String assignedClientIdentifier()
    {
        return assignedClientIdentifier;
    }

    /**
     * Set the Assigned Client Identifier, omitted when null.
     *
     * @param assignedClientIdentifier the value.
     * @return this.
     */
    public ConnackEncoder assignedClientIdentifier(final String assignedClientIdentifier)
    {
        this.assignedClientIdentifier = assignedClientIdentifier;
        return this;
    }

    /**
     * Topic Alias Maximum, omitted when 0.
     *
     * @return the value.
     */
    public int topicAliasMaximum()
    {
        return topicAliasMaximum;
    }

    /**
     * Set the Topic Alias Maximum, omitted when 0.
     *
     * @param topicAliasMaximum the value.
     * @return this.
     */
    public ConnackEncoder topicAliasMaximum(final int topicAliasMaximum)
    {
        this.topicAliasMaximum = topicAliasMaximum;
        return this;
    }

    /**
     * Reason String, omitted when null.
     *
     * @return the value.
     */
    public String reasonString()
    {
        return reasonString;
    }

    /**
     * Set the Reason String, omitted when null.
     *
     * @param reasonString the value.
     * @return this.
     */
    public ConnackEncoder reasonString(final String reasonString)
    {
        this.reasonString = reasonString;
        return this;
    }

    /**
     * Wildcard Subscription Available, omitted when true.
     *
     * @return the value.
     */
    public boolean wildcardSubscriptionAvailable()
    {
        return wildcardSubscriptionAvailable;
    }

    /**
     * Set the Wildcard Subscription Available, omitted when true.
     *
     * @param wildcardSubscriptionAvailable the value.
     * @return this.
     */
    public ConnackEncoder wildcardSubscriptionAvailable(final boolean wildcardSubscriptionAvailable)
    {
        this.wildcardSubscriptionAvailable = wildcardSubscriptionAvailable;
        return this;
    }

    /**
     * Subscription Identifier Available, omitted when true.
     *
     * @return the value.
     */
    public boolean subscriptionIdentifiersAvailable()
    {
        return subscriptionIdentifiersAvailable;
    }

    /**
     * Set the Subscription Identifier Available, omitted when true.
     *
     * @param subscriptionIdentifiersAvailable the value.
     * @return this.
     */
    public ConnackEncoder subscriptionIdentifiersAvailable(final boolean subscriptionIdentifiersAvailable)
    {
        this.subscriptionIdentifiersAvailable = subscriptionIdentifiersAvailable;
        return this;
    }

    /**
     * Shared Subscription Available, omitted when true.
     *
     * @return the value.
     */
    public boolean sharedSubscriptionAvailable()
    {
        return sharedSubscriptionAvailable;
    }

    /**
     * Set the Shared Subscription Available, omitted when true.
     *
     * @param sharedSubscriptionAvailable the value.
     * @return this.
     */
    public ConnackEncoder sharedSubscriptionAvailable(final boolean sharedSubscriptionAvailable)
    {
        this.sharedSubscriptionAvailable = sharedSubscriptionAvailable;
        return this;
    }

    /**
     * Server Keep Alive in seconds, -1 to omit.
     *
     * @return the value.
     */
    public int serverKeepAlive()
    {
        return serverKeepAlive;
    }

    /**
     * Set the Server Keep Alive in seconds, -1 to omit.
     *
     * @param serverKeepAlive the value.
     * @return this.
     */
    public ConnackEncoder serverKeepAlive(final int serverKeepAlive)
    {
        this.serverKeepAlive = serverKeepAlive;
        return this;
    }

    /**
     * Response Information, omitted when null.
     *
     * @return the value.
     */
    public String responseInformation()
    {
        return responseInformation;
    }

    /**
     * Set the Response Information, omitted when null.
     *
     * @param responseInformation the value.
     * @return this.
     */
    public ConnackEncoder responseInformation(final String responseInformation)
    {
        this.responseInformation = responseInformation;
        return this;
    }

    /**
     * Server Reference, omitted when null.
     *
     * @return the value.
     */
    public String serverReference()
    {
        return serverReference;
    }

    /**
     * Set the Server Reference, omitted when null.
     *
     * @param serverReference the value.
     * @return this.
     */
    public ConnackEncoder serverReference(final String serverReference)
    {
        this.serverReference = serverReference;
        return this;
    }

    /**
     * Authentication Method, omitted when null.
     *
     * @return the value.
     */
    public String authenticationMethod()
    {
        return authenticationMethod;
    }

    /**
     * Set the Authentication Method, omitted when null.
     *
     * @param authenticationMethod the value.
     * @return this.
     */
    public ConnackEncoder authenticationMethod(final String authenticationMethod)
    {
        this.authenticationMethod = authenticationMethod;
        return this;
    }

    /**
     * Authentication Data, omitted when null.
     *
     * @return the value.
     */
    public byte[] authenticationData()
    {
        return authenticationData;
    }

    /**
     * Set the Authentication Data, omitted when null.
     *
     * @param authenticationData the value.
     * @return this.
     */
    public ConnackEncoder authenticationData(final byte[] authenticationData)
    {
        this.authenticationData = authenticationData;
        return this;
    }

    /**
     * Append a User Property.
     *
     * @param name  property name.
     * @param value property value.
     * @return this.
     */
    public ConnackEncoder addUserProperty(final String name, final String value)
    {
        userProperties.add(new String[]{ name, value });
        return this;
    }

    /**
     * Replace the User Properties.
     *
     * @param userProperties name/value pairs, copied.
     * @return this.
     */
    public ConnackEncoder userProperties(final List<String[]> userProperties)
    {
        this.userProperties.clear();
        this.userProperties.addAll(userProperties);
        return this;
    }

    /**
     * User Properties to be written.
     *
     * @return the list, owned by this encoder.
     */
    public List<String[]> userProperties()
    {
        return userProperties;
    }

    /**
     * Bytes {@link #encode(MutableDirectBuffer, int)} will write.
     *
     * @return length of the whole frame.
     */
    public int encodedLength()
    {
        return WireWriter.frameLength(remainingLength());
    }

    /**
     * Encode the CONNACK.
     *
     * @param buffer to write to.
     * @param offset of the first byte.
     * @return bytes written.
     */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        int position = offset + WireWriter.putFixedHeader(buffer, offset, PacketType.CONNACK << 4, remainingLength());
        final boolean writeSessionPresent = sessionPresent && reasonCode == ReasonCode.SUCCESS &&
            version != MqttVersion.MQTT_3_1;
        buffer.putByte(position++, (byte)(writeSessionPresent ? 1 : 0));
        if (version == MqttVersion.MQTT_5)
        {
            buffer.putByte(position++, (byte)reasonCode);
            final int propertiesLength = propertiesLength();
            position += VariableByteInteger.encode(buffer, position, propertiesLength);
            position += putProperties(buffer, position);
        }
        else
        {
            buffer.putByte(position++, (byte)ReasonCode.toConnectReturnCode(reasonCode));
        }
        return position - offset;
    }

    private int remainingLength()
    {
        return version == MqttVersion.MQTT_5 ? 2 + WireWriter.sizeOfPropertyBlock(propertiesLength()) : 2;
    }

    private boolean writesReceiveMaximum()
    {
        return receiveMaximum != 0 && receiveMaximum != 65535;
    }

    private int propertiesLength()
    {
        int length = 0;
        length += sessionExpiryInterval >= 0 ? 5 : 0;
        length += writesReceiveMaximum() ? 3 : 0;
        length += maximumQos != 2 ? 2 : 0;
        length += !retainAvailable ? 2 : 0;
        length += maximumPacketSize != 0 ? 5 : 0;
        length += WireWriter.sizeOfStringProperty(assignedClientIdentifier);
        length += topicAliasMaximum != 0 ? 3 : 0;
        length += WireWriter.sizeOfStringProperty(reasonString);
        length += !wildcardSubscriptionAvailable ? 2 : 0;
        length += !subscriptionIdentifiersAvailable ? 2 : 0;
        length += !sharedSubscriptionAvailable ? 2 : 0;
        length += serverKeepAlive >= 0 ? 3 : 0;
        length += WireWriter.sizeOfStringProperty(responseInformation);
        length += WireWriter.sizeOfStringProperty(serverReference);
        length += WireWriter.sizeOfStringProperty(authenticationMethod);
        length += WireWriter.sizeOfBinaryProperty(authenticationData);
        length += WireWriter.sizeOfUserProperties(userProperties);
        return length;
    }

    private int putProperties(final MutableDirectBuffer buffer, final int offset)
    {
        int p = offset;
        if (sessionExpiryInterval >= 0)
        {
            p += WireWriter.putU32Property(buffer, p, Property.SESSION_EXPIRY_INTERVAL, sessionExpiryInterval);
        }
        if (writesReceiveMaximum())
        {
            p += WireWriter.putU16Property(buffer, p, Property.RECEIVE_MAXIMUM, receiveMaximum);
        }
        if (maximumQos != 2)
        {
            p += WireWriter.putByteProperty(buffer, p, Property.MAXIMUM_QOS, maximumQos);
        }
        if (!retainAvailable)
        {
            p += WireWriter.putByteProperty(buffer, p, Property.RETAIN_AVAILABLE, 0);
        }
        if (maximumPacketSize != 0)
        {
            p += WireWriter.putU32Property(buffer, p, Property.MAXIMUM_PACKET_SIZE, maximumPacketSize);
        }
        p += WireWriter.putStringProperty(buffer, p, Property.ASSIGNED_CLIENT_IDENTIFIER, assignedClientIdentifier);
        if (topicAliasMaximum != 0)
        {
            p += WireWriter.putU16Property(buffer, p, Property.TOPIC_ALIAS_MAXIMUM, topicAliasMaximum);
        }
        p += WireWriter.putStringProperty(buffer, p, Property.REASON_STRING, reasonString);
        if (!wildcardSubscriptionAvailable)
        {
            p += WireWriter.putByteProperty(buffer, p, Property.WILDCARD_SUBSCRIPTION_AVAILABLE, 0);
        }
        if (!subscriptionIdentifiersAvailable)
        {
            p += WireWriter.putByteProperty(buffer, p, Property.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0);
        }
        if (!sharedSubscriptionAvailable)
        {
            p += WireWriter.putByteProperty(buffer, p, Property.SHARED_SUBSCRIPTION_AVAILABLE, 0);
        }
        if (serverKeepAlive >= 0)
        {
            p += WireWriter.putU16Property(buffer, p, Property.SERVER_KEEP_ALIVE, serverKeepAlive);
        }
        p += WireWriter.putStringProperty(buffer, p, Property.RESPONSE_INFORMATION, responseInformation);
        p += WireWriter.putStringProperty(buffer, p, Property.SERVER_REFERENCE, serverReference);
        p += WireWriter.putStringProperty(buffer, p, Property.AUTHENTICATION_METHOD, authenticationMethod);
        p += WireWriter.putBinaryProperty(buffer, p, Property.AUTHENTICATION_DATA, authenticationData);
        p += WireWriter.putUserProperties(buffer, p, userProperties);
        return p - offset;
    }
}
