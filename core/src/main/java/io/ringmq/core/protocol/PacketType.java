package io.ringmq.core.protocol;

/**
 * MQTT Control Packet types: the value of the high nibble of the first byte of the fixed header.
 * <p>
 * <b>Threading:</b> constants only, safe from any thread.
 */
public final class PacketType
{
    /** Client request to connect to the server. */
    public static final int CONNECT = 1;
    /** Connect acknowledgement. */
    public static final int CONNACK = 2;
    /** Publish message. */
    public static final int PUBLISH = 3;
    /** Publish acknowledgement (QoS 1). */
    public static final int PUBACK = 4;
    /** Publish received (QoS 2, part 1). */
    public static final int PUBREC = 5;
    /** Publish release (QoS 2, part 2). */
    public static final int PUBREL = 6;
    /** Publish complete (QoS 2, part 3). */
    public static final int PUBCOMP = 7;
    /** Subscribe request. */
    public static final int SUBSCRIBE = 8;
    /** Subscribe acknowledgement. */
    public static final int SUBACK = 9;
    /** Unsubscribe request. */
    public static final int UNSUBSCRIBE = 10;
    /** Unsubscribe acknowledgement. */
    public static final int UNSUBACK = 11;
    /** Ping request. */
    public static final int PINGREQ = 12;
    /** Ping response. */
    public static final int PINGRESP = 13;
    /** Disconnect notification. */
    public static final int DISCONNECT = 14;
    /** Authentication exchange (MQTT 5 only). */
    public static final int AUTH = 15;

    private static final String[] NAMES =
    {
        "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
        "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"
    };

    private PacketType()
    {
    }

    /**
     * Name of a packet type, for logs and error messages.
     *
     * @param type packet type, 0 to 15.
     * @return the upper-case name, "RESERVED" for 0 and "UNKNOWN(n)" outside 0..15.
     */
    public static String name(final int type)
    {
        if (type < 0 || type >= NAMES.length)
        {
            return "UNKNOWN(" + type + ")";
        }
        return NAMES[type];
    }

    /**
     * The value the low nibble of the first fixed-header byte must have for a type, PUBLISH excepted
     * (its flags carry DUP, QoS and RETAIN).
     *
     * @param type packet type.
     * @return 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, 0 for the others.
     */
    public static int requiredFlags(final int type)
    {
        return type == PUBREL || type == SUBSCRIBE || type == UNSUBSCRIBE ? 0b0010 : 0;
    }
}
