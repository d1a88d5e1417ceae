package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;

import java.util.ArrayList;
import java.util.List;

/**
 * A DISCONNECT, decoded by {@link DisconnectDecoder} and encoded by {@link DisconnectEncoder}. MQTT 3.x
 * DISCONNECT carries nothing, so only the defaults apply to it.
 * <p>
 * <b>Threading:</b> not thread-safe.
 */
public final class DisconnectPacket
{
    private int reasonCode = ReasonCode.NORMAL_DISCONNECTION;
    private long sessionExpiryInterval = -1;
    private String reasonString = null;
    private String serverReference = null;
    private final List<String[]> userProperties = new ArrayList<>();

    /**
     * Disconnect Reason Code (MQTT 5).
     *
     * @return the value.
     */
    public int reasonCode()
    {
        return reasonCode;
    }

    /**
     * Set the Disconnect Reason Code (MQTT 5).
     *
     * @param reasonCode the value.
     * @return this.
     */
    public DisconnectPacket reasonCode(final int reasonCode)
    {
        this.reasonCode = reasonCode;
        return this;
    }

    /**
     * Session Expiry Interval in seconds, -1 when absent.
     *
     * @return the value.
     */
    public long sessionExpiryInterval()
    {
        return sessionExpiryInterval;
    }

    /**
     * Set the Session Expiry Interval in seconds, -1 when absent.
     *
     * @param sessionExpiryInterval the value.
     * @return this.
     */
    public DisconnectPacket sessionExpiryInterval(final long sessionExpiryInterval)
    {
        this.sessionExpiryInterval = sessionExpiryInterval;
        return this;
    }

    /**
     * Reason String, null when absent.
     *
     * @return the value.
     */
    public String reasonString()
    {
        return reasonString;
    }

    /**
     * Set the Reason String, null when absent.
     *
     * @param reasonString the value.
     * @return this.
     */
    public DisconnectPacket reasonString(final String reasonString)
    {
        this.reasonString = reasonString;
        return this;
    }

    /**
     * Server Reference, null when absent.
     *
     * @return the value.
     */
    public String serverReference()
    {
        return serverReference;
    }

    /**
     * Set the Server Reference, null when absent.
     *
     * @param serverReference the value.
     * @return this.
     */
    public DisconnectPacket serverReference(final String serverReference)
    {
        this.serverReference = serverReference;
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
    public DisconnectPacket addUserProperty(final String name, final String value)
    {
        userProperties.add(new String[]{ name, value });
        return this;
    }
}
