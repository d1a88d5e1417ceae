package io.ringmq.core.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * A SUBACK or UNSUBACK (they share one layout), as decoded by {@link AckListCodec} on the client side or built
 * to be encoded.
 * <p>
 * <b>Threading:</b> not thread-safe.
 */
public final class AckListPacket
{
    private int packetType;
    private int packetId;
    private int[] reasonCodes = new int[0];
    private String reasonString;
    private final List<String[]> userProperties = new ArrayList<>();

    /**
     * Packet type.
     *
     * @return {@link io.ringmq.core.protocol.PacketType#SUBACK} or {@link io.ringmq.core.protocol.PacketType#UNSUBACK}.
     */
    public int packetType()
    {
        return packetType;
    }

    /**
     * Set the packet type.
     *
     * @param packetType SUBACK or UNSUBACK.
     * @return this.
     */
    public AckListPacket packetType(final int packetType)
    {
        AckListCodec.checkType(packetType);
        this.packetType = packetType;
        return this;
    }

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
    public AckListPacket packetId(final int packetId)
    {
        this.packetId = packetId;
        return this;
    }

    /**
     * Reason codes, one per Topic Filter of the request (SUBACK in MQTT 3.x: 0, 1, 2 or 0x80; UNSUBACK in 3.x: none).
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
    public AckListPacket reasonCodes(final int[] reasonCodes)
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
    public AckListPacket reasonString(final String reasonString)
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
