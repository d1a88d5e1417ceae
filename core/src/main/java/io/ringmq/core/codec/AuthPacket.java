package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;

import java.util.ArrayList;
import java.util.List;

/**
 * An AUTH packet (MQTT 5 only), decoded by {@link AuthDecoder} and encoded by {@link AuthEncoder}.
 * <p>
 * <b>Threading:</b> not thread-safe.
 */
public final class AuthPacket
{
    private int reasonCode = ReasonCode.SUCCESS;
    private String authenticationMethod = null;
    private byte[] authenticationData = null;
    private String reasonString = null;
    private final List<String[]> userProperties = new ArrayList<>();

    /**
     * Authenticate Reason Code: Success, Continue authentication or Re-authenticate.
     *
     * @return the value.
     */
    public int reasonCode()
    {
        return reasonCode;
    }

    /**
     * Set the Authenticate Reason Code: Success, Continue authentication or Re-authenticate.
     *
     * @param reasonCode the value.
     * @return this.
     */
    public AuthPacket reasonCode(final int reasonCode)
    {
        this.reasonCode = reasonCode;
        return this;
    }

    /**
     * Authentication Method, null when absent.
     *
     * @return the value.
     */
    public String authenticationMethod()
    {
        return authenticationMethod;
    }

    /**
     * Set the Authentication Method, null when absent.
     *
     * @param authenticationMethod the value.
     * @return this.
     */
    public AuthPacket authenticationMethod(final String authenticationMethod)
    {
        this.authenticationMethod = authenticationMethod;
        return this;
    }

    /**
     * Authentication Data, null when absent.
     *
     * @return the value.
     */
    public byte[] authenticationData()
    {
        return authenticationData;
    }

    /**
     * Set the Authentication Data, null when absent.
     *
     * @param authenticationData the value.
     * @return this.
     */
    public AuthPacket authenticationData(final byte[] authenticationData)
    {
        this.authenticationData = authenticationData;
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
    public AuthPacket reasonString(final String reasonString)
    {
        this.reasonString = reasonString;
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
    public AuthPacket addUserProperty(final String name, final String value)
    {
        userProperties.add(new String[]{ name, value });
        return this;
    }
}
