package io.ringmq.core.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * A UNSUBACK as decoded by {@link UnsubackDecoder} on the client side.
 * <p>
 * <b>Threading:</b> not thread-safe.
 */
public final class UnsubackPacket
{
    private int packetId;
    private int[] reasonCodes = new int[0];
    private String reasonString;
    private final List<String[]> userProperties = new ArrayList<>();

    /**
     * Packet Identifier of the acknowledged request.
     *
     * @return 1 to 65535.
     */
    public int packetId()
    {
        return packetId;
    }

    /**
     * Set the Packet Identifier.
     *
     * @param packetId 1 to 65535.
     * @return this.
     */
    public UnsubackPacket packetId(final int packetId)
    {
        this.packetId = packetId;
        return this;
    }

    /**
     * Reason codes, one per Topic Filter of the UNSUBSCRIBE (empty for MQTT 3.x, which has none).
     *
     * @return the codes.
     */
    public int[] reasonCodes()
    {
        return reasonCodes;
    }

    /**
     * Set the reason codes.
     *
     * @param reasonCodes the codes.
     * @return this.
     */
    public UnsubackPacket reasonCodes(final int[] reasonCodes)
    {
        this.reasonCodes = reasonCodes;
        return this;
    }

    /**
     * Reason String (MQTT 5).
     *
     * @return the string, or null if absent.
     */
    public String reasonString()
    {
        return reasonString;
    }

    /**
     * Set the Reason String.
     *
     * @param reasonString the string or null.
     * @return this.
     */
    public UnsubackPacket reasonString(final String reasonString)
    {
        this.reasonString = reasonString;
        return this;
    }

    /**
     * User Properties (MQTT 5) as name/value pairs, in order.
     *
     * @return the mutable list.
     */
    public List<String[]> userProperties()
    {
        return userProperties;
    }
}
