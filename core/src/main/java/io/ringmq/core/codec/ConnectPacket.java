package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;

import java.util.ArrayList;
import java.util.List;

/**
 * A CONNECT packet, decoded by {@link ConnectDecoder} on the server and built for {@link ConnectEncoder} by clients.
 * Plain mutable holder: accessors without get/set, setters return {@code this}. Defaults are what a packet without
 * the optional field means.
 * <p>
 * <b>Threading:</b> not thread-safe; hand it to another thread only through a happens-before edge (the ring).
 */
public final class ConnectPacket
{
    private static final byte[] EMPTY = new byte[0];

    private String protocolName = null;
    private int protocolVersion = MqttVersion.MQTT_5;
    private boolean cleanStart = true;
    private int keepAliveSeconds = 60;
    private String clientId = "";
    private String username = null;
    private byte[] password = null;
    private boolean willFlag = false;
    private int willQos = 0;
    private boolean willRetain = false;
    private String willTopic = null;
    private byte[] willPayload = null;
    private long willDelayIntervalSeconds = 0;
    private long willMessageExpirySeconds = -1;
    private int willPayloadFormatIndicator = 0;
    private byte[] willForwardProperties = EMPTY;
    private long sessionExpiryIntervalSeconds = 0;
    private int receiveMaximum = 65535;
    private long maximumPacketSize = 0;
    private int topicAliasMaximum = 0;
    private boolean requestResponseInformation = false;
    private boolean requestProblemInformation = true;
    private List<String[]> userProperties = new ArrayList<>();
    private String authenticationMethod = null;
    private byte[] authenticationData = null;

    /**
     * Protocol Name: "MQTT" or "MQIsdp"; null lets the encoder derive it from the version.
     *
     * @return the value.
     */
    public String protocolName()
    {
        return protocolName;
    }

    /**
     * Set: Protocol Name: "MQTT" or "MQIsdp"; null lets the encoder derive it from the version.
     *
     * @param protocolName the value.
     * @return this.
     */
    public ConnectPacket protocolName(final String protocolName)
    {
        this.protocolName = protocolName;
        return this;
    }

    /**
     * Protocol Level: 3, 4 or 5.
     *
     * @return the value.
     */
    public int protocolVersion()
    {
        return protocolVersion;
    }

    /**
     * Set: Protocol Level: 3, 4 or 5.
     *
     * @param protocolVersion the value.
     * @return this.
     */
    public ConnectPacket protocolVersion(final int protocolVersion)
    {
        this.protocolVersion = protocolVersion;
        return this;
    }

    /**
     * Clean Start (MQTT 5) or Clean Session (3.x) flag.
     *
     * @return the value.
     */
    public boolean cleanStart()
    {
        return cleanStart;
    }

    /**
     * Set: Clean Start (MQTT 5) or Clean Session (3.x) flag.
     *
     * @param cleanStart the value.
     * @return this.
     */
    public ConnectPacket cleanStart(final boolean cleanStart)
    {
        this.cleanStart = cleanStart;
        return this;
    }

    /**
     * Keep Alive in seconds, 0 to 65535; 0 turns keep-alive off.
     *
     * @return the value.
     */
    public int keepAliveSeconds()
    {
        return keepAliveSeconds;
    }

    /**
     * Set: Keep Alive in seconds, 0 to 65535; 0 turns keep-alive off.
     *
     * @param keepAliveSeconds the value.
     * @return this.
     */
    public ConnectPacket keepAliveSeconds(final int keepAliveSeconds)
    {
        this.keepAliveSeconds = keepAliveSeconds;
        return this;
    }

    /**
     * Client Identifier, possibly empty.
     *
     * @return the value.
     */
    public String clientId()
    {
        return clientId;
    }

    /**
     * Set: Client Identifier, possibly empty.
     *
     * @param clientId the value.
     * @return this.
     */
    public ConnectPacket clientId(final String clientId)
    {
        this.clientId = clientId;
        return this;
    }

    /**
     * User Name, null when the flag is not set.
     *
     * @return the value.
     */
    public String username()
    {
        return username;
    }

    /**
     * Set: User Name, null when the flag is not set.
     *
     * @param username the value.
     * @return this.
     */
    public ConnectPacket username(final String username)
    {
        this.username = username;
        return this;
    }

    /**
     * Password, null when the flag is not set.
     *
     * @return the value.
     */
    public byte[] password()
    {
        return password;
    }

    /**
     * Set: Password, null when the flag is not set.
     *
     * @param password the value.
     * @return this.
     */
    public ConnectPacket password(final byte[] password)
    {
        this.password = password;
        return this;
    }

    /**
     * Will Flag.
     *
     * @return the value.
     */
    public boolean willFlag()
    {
        return willFlag;
    }

    /**
     * Set: Will Flag.
     *
     * @param willFlag the value.
     * @return this.
     */
    public ConnectPacket willFlag(final boolean willFlag)
    {
        this.willFlag = willFlag;
        return this;
    }

    /**
     * Will QoS, 0 to 2.
     *
     * @return the value.
     */
    public int willQos()
    {
        return willQos;
    }

    /**
     * Set: Will QoS, 0 to 2.
     *
     * @param willQos the value.
     * @return this.
     */
    public ConnectPacket willQos(final int willQos)
    {
        this.willQos = willQos;
        return this;
    }

    /**
     * Will Retain.
     *
     * @return the value.
     */
    public boolean willRetain()
    {
        return willRetain;
    }

    /**
     * Set: Will Retain.
     *
     * @param willRetain the value.
     * @return this.
     */
    public ConnectPacket willRetain(final boolean willRetain)
    {
        this.willRetain = willRetain;
        return this;
    }

    /**
     * Will Topic, set when the Will Flag is.
     *
     * @return the value.
     */
    public String willTopic()
    {
        return willTopic;
    }

    /**
     * Set: Will Topic, set when the Will Flag is.
     *
     * @param willTopic the value.
     * @return this.
     */
    public ConnectPacket willTopic(final String willTopic)
    {
        this.willTopic = willTopic;
        return this;
    }

    /**
     * Will Payload, set when the Will Flag is.
     *
     * @return the value.
     */
    public byte[] willPayload()
    {
        return willPayload;
    }

    /**
     * Set: Will Payload, set when the Will Flag is.
     *
     * @param willPayload the value.
     * @return this.
     */
    public ConnectPacket willPayload(final byte[] willPayload)
    {
        this.willPayload = willPayload;
        return this;
    }

    /**
     * Will Delay Interval in seconds (MQTT 5), 0 when absent.
     *
     * @return the value.
     */
    public long willDelayIntervalSeconds()
    {
        return willDelayIntervalSeconds;
    }

    /**
     * Set: Will Delay Interval in seconds (MQTT 5), 0 when absent.
     *
     * @param willDelayIntervalSeconds the value.
     * @return this.
     */
    public ConnectPacket willDelayIntervalSeconds(final long willDelayIntervalSeconds)
    {
        this.willDelayIntervalSeconds = willDelayIntervalSeconds;
        return this;
    }

    /**
     * Will Message Expiry Interval in seconds (MQTT 5), -1 when absent.
     *
     * @return the value.
     */
    public long willMessageExpirySeconds()
    {
        return willMessageExpirySeconds;
    }

    /**
     * Set: Will Message Expiry Interval in seconds (MQTT 5), -1 when absent.
     *
     * @param willMessageExpirySeconds the value.
     * @return this.
     */
    public ConnectPacket willMessageExpirySeconds(final long willMessageExpirySeconds)
    {
        this.willMessageExpirySeconds = willMessageExpirySeconds;
        return this;
    }

    /**
     * Will Payload Format Indicator (MQTT 5): 0 bytes, 1 UTF-8.
     *
     * @return the value.
     */
    public int willPayloadFormatIndicator()
    {
        return willPayloadFormatIndicator;
    }

    /**
     * Set: Will Payload Format Indicator (MQTT 5): 0 bytes, 1 UTF-8.
     *
     * @param willPayloadFormatIndicator the value.
     * @return this.
     */
    public ConnectPacket willPayloadFormatIndicator(final int willPayloadFormatIndicator)
    {
        this.willPayloadFormatIndicator = willPayloadFormatIndicator;
        return this;
    }

    /**
     * Will property block without Will Delay Interval and Message Expiry Interval: what the broker copies verbatim
     * into the will PUBLISH; empty when none.
     *
     * @return the value.
     */
    public byte[] willForwardProperties()
    {
        return willForwardProperties;
    }

    /**
     * Set: Will property block without Will Delay Interval and Message Expiry Interval: what the broker copies...
     *
     * @param willForwardProperties the value.
     * @return this.
     */
    public ConnectPacket willForwardProperties(final byte[] willForwardProperties)
    {
        this.willForwardProperties = willForwardProperties;
        return this;
    }

    /**
     * Session Expiry Interval in seconds (MQTT 5), 0 when absent.
     *
     * @return the value.
     */
    public long sessionExpiryIntervalSeconds()
    {
        return sessionExpiryIntervalSeconds;
    }

    /**
     * Set: Session Expiry Interval in seconds (MQTT 5), 0 when absent.
     *
     * @param sessionExpiryIntervalSeconds the value.
     * @return this.
     */
    public ConnectPacket sessionExpiryIntervalSeconds(final long sessionExpiryIntervalSeconds)
    {
        this.sessionExpiryIntervalSeconds = sessionExpiryIntervalSeconds;
        return this;
    }

    /**
     * Receive Maximum (MQTT 5), 65535 when absent.
     *
     * @return the value.
     */
    public int receiveMaximum()
    {
        return receiveMaximum;
    }

    /**
     * Set: Receive Maximum (MQTT 5), 65535 when absent.
     *
     * @param receiveMaximum the value.
     * @return this.
     */
    public ConnectPacket receiveMaximum(final int receiveMaximum)
    {
        this.receiveMaximum = receiveMaximum;
        return this;
    }

    /**
     * Maximum Packet Size (MQTT 5), 0 when absent meaning no limit.
     *
     * @return the value.
     */
    public long maximumPacketSize()
    {
        return maximumPacketSize;
    }

    /**
     * Set: Maximum Packet Size (MQTT 5), 0 when absent meaning no limit.
     *
     * @param maximumPacketSize the value.
     * @return this.
     */
    public ConnectPacket maximumPacketSize(final long maximumPacketSize)
    {
        this.maximumPacketSize = maximumPacketSize;
        return this;
    }

    /**
     * Topic Alias Maximum (MQTT 5), 0 when absent.
     *
     * @return the value.
     */
    public int topicAliasMaximum()
    {
        return topicAliasMaximum;
    }

    /**
     * Set: Topic Alias Maximum (MQTT 5), 0 when absent.
     *
     * @param topicAliasMaximum the value.
     * @return this.
     */
    public ConnectPacket topicAliasMaximum(final int topicAliasMaximum)
    {
        this.topicAliasMaximum = topicAliasMaximum;
        return this;
    }

    /**
     * Request Response Information (MQTT 5).
     *
     * @return the value.
     */
    public boolean requestResponseInformation()
    {
        return requestResponseInformation;
    }

    /**
     * Set: Request Response Information (MQTT 5).
     *
     * @param requestResponseInformation the value.
     * @return this.
     */
    public ConnectPacket requestResponseInformation(final boolean requestResponseInformation)
    {
        this.requestResponseInformation = requestResponseInformation;
        return this;
    }

    /**
     * Request Problem Information (MQTT 5), true when absent.
     *
     * @return the value.
     */
    public boolean requestProblemInformation()
    {
        return requestProblemInformation;
    }

    /**
     * Set: Request Problem Information (MQTT 5), true when absent.
     *
     * @param requestProblemInformation the value.
     * @return this.
     */
    public ConnectPacket requestProblemInformation(final boolean requestProblemInformation)
    {
        this.requestProblemInformation = requestProblemInformation;
        return this;
    }

    /**
     * User Properties (MQTT 5) as name/value pairs, in order.
     *
     * @return the value.
     */
    public List<String[]> userProperties()
    {
        return userProperties;
    }

    /**
     * Set: User Properties (MQTT 5) as name/value pairs, in order.
     *
     * @param userProperties the value.
     * @return this.
     */
    public ConnectPacket userProperties(final List<String[]> userProperties)
    {
        this.userProperties = userProperties;
        return this;
    }

    /**
     * Authentication Method (MQTT 5), null when absent.
     *
     * @return the value.
     */
    public String authenticationMethod()
    {
        return authenticationMethod;
    }

    /**
     * Set: Authentication Method (MQTT 5), null when absent.
     *
     * @param authenticationMethod the value.
     * @return this.
     */
    public ConnectPacket authenticationMethod(final String authenticationMethod)
    {
        this.authenticationMethod = authenticationMethod;
        return this;
    }

    /**
     * Authentication Data (MQTT 5), null when absent.
     *
     * @return the value.
     */
    public byte[] authenticationData()
    {
        return authenticationData;
    }

    /**
     * Set: Authentication Data (MQTT 5), null when absent.
     *
     * @param authenticationData the value.
     * @return this.
     */
    public ConnectPacket authenticationData(final byte[] authenticationData)
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
    public ConnectPacket addUserProperty(final String name, final String value)
    {
        userProperties.add(new String[]{ name, value });
        return this;
    }

    /**
     * Set the will in one call and raise the Will Flag.
     *
     * @param topic   Will Topic.
     * @param payload Will Payload.
     * @param qos     Will QoS.
     * @param retain  Will Retain.
     * @return this.
     */
    public ConnectPacket will(final String topic, final byte[] payload, final int qos, final boolean retain)
    {
        this.willFlag = true;
        this.willTopic = topic;
        this.willPayload = payload;
        this.willQos = qos;
        this.willRetain = retain;
        return this;
    }

    @Override
    public String toString()
    {
        return "ConnectPacket{version=" + protocolVersion + ", clientId='" + clientId + "', cleanStart=" + cleanStart +
            ", keepAlive=" + keepAliveSeconds + ", username=" + username + ", willFlag=" + willFlag +
            ", willTopic=" + willTopic + ", willQos=" + willQos + ", sessionExpiry=" + sessionExpiryIntervalSeconds +
            "}";
    }
}
