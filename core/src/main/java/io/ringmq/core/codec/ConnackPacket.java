package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;

import java.util.ArrayList;
import java.util.List;

/**
 * A CONNACK, built by the server for {@link ConnackEncoder} (reuse it with {@link #reset()}) or decoded by
 * {@link ConnackDecoder} on the client side. Fields hold what the absence of a property means (Receive Maximum
 * 65535, Maximum QoS 2, the availability flags true, -1 for absent intervals), so the encoder writes a property only
 * when it differs. To encode, {@link #reasonCode()} is an MQTT 5 reason code, mapped to a return code for 3.x;
 * decoded from MQTT 3.x it is the raw return code (see {@link io.ringmq.core.protocol.ConnectReturnCode}).
 * <p>
 * <b>Threading:</b> not thread-safe.
 */
public final class ConnackPacket
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
    public ConnackPacket reset()
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
    public ConnackPacket version(final int version)
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
    public ConnackPacket sessionPresent(final boolean sessionPresent)
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
    public ConnackPacket reasonCode(final int reasonCode)
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
    public ConnackPacket sessionExpiryInterval(final long sessionExpiryInterval)
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
    public ConnackPacket receiveMaximum(final int receiveMaximum)
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
    public ConnackPacket maximumQos(final int maximumQos)
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
    public ConnackPacket retainAvailable(final boolean retainAvailable)
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
    public ConnackPacket maximumPacketSize(final long maximumPacketSize)
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
    public ConnackPacket assignedClientIdentifier(final String assignedClientIdentifier)
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
    public ConnackPacket topicAliasMaximum(final int topicAliasMaximum)
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
    public ConnackPacket reasonString(final String reasonString)
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
    public ConnackPacket wildcardSubscriptionAvailable(final boolean wildcardSubscriptionAvailable)
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
    public ConnackPacket subscriptionIdentifiersAvailable(final boolean subscriptionIdentifiersAvailable)
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
    public ConnackPacket sharedSubscriptionAvailable(final boolean sharedSubscriptionAvailable)
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
    public ConnackPacket serverKeepAlive(final int serverKeepAlive)
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
    public ConnackPacket responseInformation(final String responseInformation)
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
    public ConnackPacket serverReference(final String serverReference)
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
    public ConnackPacket authenticationMethod(final String authenticationMethod)
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
    public ConnackPacket authenticationData(final byte[] authenticationData)
    {
        this.authenticationData = authenticationData;
        return this;
    }

    /**
     * User Properties as name/value pairs, in order.
     *
     * @return the mutable list.
     */
    public List<String[]> userProperties()
    {
        return userProperties;
    }

    /**
     * Append a User Property.
     *
     * @param name  property name.
     * @param value property value.
     * @return this.
     */
    public ConnackPacket addUserProperty(final String name, final String value)
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
    public ConnackPacket userProperties(final List<String[]> userProperties)
    {
        this.userProperties.clear();
        this.userProperties.addAll(userProperties);
        return this;
    }
}
