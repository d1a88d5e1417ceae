package io.ringmq.core.protocol;

/**
 * MQTT 5 Reason Codes (section 2.4 of the MQTT 5.0 specification), which sets of them each packet type may carry,
 * and the mapping to the MQTT 3.1.1 CONNACK return codes.
 * <p>
 * Several names share a value (0x00 is SUCCESS, NORMAL_DISCONNECTION and GRANTED_QOS_0): the meaning depends on the
 * packet that carries it.
 * <p>
 * <b>Threading:</b> constants and immutable lookup tables built in the static initialiser, safe from any thread.
 */
public final class ReasonCode
{
    /** Success (CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH). */
    public static final int SUCCESS = 0x00;
    /** Normal disconnection (DISCONNECT). */
    public static final int NORMAL_DISCONNECTION = 0x00;
    /** Granted QoS 0 (SUBACK). */
    public static final int GRANTED_QOS_0 = 0x00;
    /** Granted QoS 1 (SUBACK). */
    public static final int GRANTED_QOS_1 = 0x01;
    /** Granted QoS 2 (SUBACK). */
    public static final int GRANTED_QOS_2 = 0x02;
    /** Disconnect with Will Message (DISCONNECT). */
    public static final int DISCONNECT_WITH_WILL_MESSAGE = 0x04;
    /** No matching subscribers (PUBACK, PUBREC). */
    public static final int NO_MATCHING_SUBSCRIBERS = 0x10;
    /** No subscription existed (UNSUBACK). */
    public static final int NO_SUBSCRIPTION_EXISTED = 0x11;
    /** Continue authentication (AUTH). */
    public static final int CONTINUE_AUTHENTICATION = 0x18;
    /** Re-authenticate (AUTH). */
    public static final int RE_AUTHENTICATE = 0x19;
    /** Unspecified error. */
    public static final int UNSPECIFIED_ERROR = 0x80;
    /** Malformed Packet. */
    public static final int MALFORMED_PACKET = 0x81;
    /** Protocol Error. */
    public static final int PROTOCOL_ERROR = 0x82;
    /** Implementation specific error. */
    public static final int IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
    /** Unsupported Protocol Version (CONNACK). */
    public static final int UNSUPPORTED_PROTOCOL_VERSION = 0x84;
    /** Client Identifier not valid (CONNACK). */
    public static final int CLIENT_IDENTIFIER_NOT_VALID = 0x85;
    /** Bad User Name or Password (CONNACK). */
    public static final int BAD_USER_NAME_OR_PASSWORD = 0x86;
    /** Not authorized. */
    public static final int NOT_AUTHORIZED = 0x87;
    /** Server unavailable (CONNACK). */
    public static final int SERVER_UNAVAILABLE = 0x88;
    /** Server busy. */
    public static final int SERVER_BUSY = 0x89;
    /** Banned (CONNACK). */
    public static final int BANNED = 0x8A;
    /** Server shutting down (DISCONNECT). */
    public static final int SERVER_SHUTTING_DOWN = 0x8B;
    /** Bad authentication method. */
    public static final int BAD_AUTHENTICATION_METHOD = 0x8C;
    /** Keep Alive timeout (DISCONNECT). */
    public static final int KEEP_ALIVE_TIMEOUT = 0x8D;
    /** Session taken over (DISCONNECT). */
    public static final int SESSION_TAKEN_OVER = 0x8E;
    /** Topic Filter invalid. */
    public static final int TOPIC_FILTER_INVALID = 0x8F;
    /** Topic Name invalid. */
    public static final int TOPIC_NAME_INVALID = 0x90;
    /** Packet Identifier in use. */
    public static final int PACKET_IDENTIFIER_IN_USE = 0x91;
    /** Packet Identifier not found (PUBREL, PUBCOMP). */
    public static final int PACKET_IDENTIFIER_NOT_FOUND = 0x92;
    /** Receive Maximum exceeded (DISCONNECT). */
    public static final int RECEIVE_MAXIMUM_EXCEEDED = 0x93;
    /** Topic Alias invalid (DISCONNECT). */
    public static final int TOPIC_ALIAS_INVALID = 0x94;
    /** Packet too large. */
    public static final int PACKET_TOO_LARGE = 0x95;
    /** Message rate too high (DISCONNECT). */
    public static final int MESSAGE_RATE_TOO_HIGH = 0x96;
    /** Quota exceeded. */
    public static final int QUOTA_EXCEEDED = 0x97;
    /** Administrative action (DISCONNECT). */
    public static final int ADMINISTRATIVE_ACTION = 0x98;
    /** Payload format invalid. */
    public static final int PAYLOAD_FORMAT_INVALID = 0x99;
    /** Retain not supported. */
    public static final int RETAIN_NOT_SUPPORTED = 0x9A;
    /** QoS not supported. */
    public static final int QOS_NOT_SUPPORTED = 0x9B;
    /** Use another server. */
    public static final int USE_ANOTHER_SERVER = 0x9C;
    /** Server moved. */
    public static final int SERVER_MOVED = 0x9D;
    /** Shared Subscriptions not supported. */
    public static final int SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E;
    /** Connection rate exceeded. */
    public static final int CONNECTION_RATE_EXCEEDED = 0x9F;
    /** Maximum connect time (DISCONNECT). */
    public static final int MAXIMUM_CONNECT_TIME = 0xA0;
    /** Subscription Identifiers not supported. */
    public static final int SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = 0xA1;
    /** Wildcard Subscriptions not supported. */
    public static final int WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2;

    private static final int[] CONNACK_CODES =
    {
        SUCCESS, UNSPECIFIED_ERROR, MALFORMED_PACKET, PROTOCOL_ERROR, IMPLEMENTATION_SPECIFIC_ERROR,
        UNSUPPORTED_PROTOCOL_VERSION, CLIENT_IDENTIFIER_NOT_VALID, BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED,
        SERVER_UNAVAILABLE, SERVER_BUSY, BANNED, BAD_AUTHENTICATION_METHOD, TOPIC_NAME_INVALID,
        PACKET_TOO_LARGE, QUOTA_EXCEEDED, PAYLOAD_FORMAT_INVALID, RETAIN_NOT_SUPPORTED, QOS_NOT_SUPPORTED,
        USE_ANOTHER_SERVER, SERVER_MOVED, CONNECTION_RATE_EXCEEDED
    };

    private static final int[] PUBACK_CODES =
    {
        SUCCESS, NO_MATCHING_SUBSCRIBERS, UNSPECIFIED_ERROR, IMPLEMENTATION_SPECIFIC_ERROR, NOT_AUTHORIZED,
        TOPIC_NAME_INVALID, PACKET_IDENTIFIER_IN_USE, QUOTA_EXCEEDED, PAYLOAD_FORMAT_INVALID
    };

    private static final int[] PUBREL_CODES =
    {
        SUCCESS, PACKET_IDENTIFIER_NOT_FOUND
    };

    private static final int[] SUBACK_CODES =
    {
        GRANTED_QOS_0, GRANTED_QOS_1, GRANTED_QOS_2, UNSPECIFIED_ERROR, IMPLEMENTATION_SPECIFIC_ERROR,
        NOT_AUTHORIZED, TOPIC_FILTER_INVALID, PACKET_IDENTIFIER_IN_USE, QUOTA_EXCEEDED,
        SHARED_SUBSCRIPTIONS_NOT_SUPPORTED, SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
        WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED
    };

    private static final int[] UNSUBACK_CODES =
    {
        SUCCESS, NO_SUBSCRIPTION_EXISTED, UNSPECIFIED_ERROR, IMPLEMENTATION_SPECIFIC_ERROR, NOT_AUTHORIZED,
        TOPIC_FILTER_INVALID, PACKET_IDENTIFIER_IN_USE
    };

    private static final int[] DISCONNECT_CODES =
    {
        NORMAL_DISCONNECTION, DISCONNECT_WITH_WILL_MESSAGE, UNSPECIFIED_ERROR, MALFORMED_PACKET, PROTOCOL_ERROR,
        IMPLEMENTATION_SPECIFIC_ERROR, NOT_AUTHORIZED, SERVER_BUSY, SERVER_SHUTTING_DOWN, KEEP_ALIVE_TIMEOUT,
        SESSION_TAKEN_OVER, TOPIC_FILTER_INVALID, TOPIC_NAME_INVALID, RECEIVE_MAXIMUM_EXCEEDED,
        TOPIC_ALIAS_INVALID, PACKET_TOO_LARGE, MESSAGE_RATE_TOO_HIGH, QUOTA_EXCEEDED, ADMINISTRATIVE_ACTION,
        PAYLOAD_FORMAT_INVALID, RETAIN_NOT_SUPPORTED, QOS_NOT_SUPPORTED, USE_ANOTHER_SERVER, SERVER_MOVED,
        SHARED_SUBSCRIPTIONS_NOT_SUPPORTED, CONNECTION_RATE_EXCEEDED, MAXIMUM_CONNECT_TIME,
        SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED, WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED
    };

    private static final int[] AUTH_CODES =
    {
        SUCCESS, CONTINUE_AUTHENTICATION, RE_AUTHENTICATE
    };

    private static final String[] NAMES = new String[256];
    /** Indexed by packet type, then by reason code: is that code allowed in that packet. */
    private static final boolean[][] VALID = new boolean[16][256];

    static
    {
        NAMES[SUCCESS] = "SUCCESS";
        NAMES[GRANTED_QOS_1] = "GRANTED_QOS_1";
        NAMES[GRANTED_QOS_2] = "GRANTED_QOS_2";
        NAMES[DISCONNECT_WITH_WILL_MESSAGE] = "DISCONNECT_WITH_WILL_MESSAGE";
        NAMES[NO_MATCHING_SUBSCRIBERS] = "NO_MATCHING_SUBSCRIBERS";
        NAMES[NO_SUBSCRIPTION_EXISTED] = "NO_SUBSCRIPTION_EXISTED";
        NAMES[CONTINUE_AUTHENTICATION] = "CONTINUE_AUTHENTICATION";
        NAMES[RE_AUTHENTICATE] = "RE_AUTHENTICATE";
        NAMES[UNSPECIFIED_ERROR] = "UNSPECIFIED_ERROR";
        NAMES[MALFORMED_PACKET] = "MALFORMED_PACKET";
        NAMES[PROTOCOL_ERROR] = "PROTOCOL_ERROR";
        NAMES[IMPLEMENTATION_SPECIFIC_ERROR] = "IMPLEMENTATION_SPECIFIC_ERROR";
        NAMES[UNSUPPORTED_PROTOCOL_VERSION] = "UNSUPPORTED_PROTOCOL_VERSION";
        NAMES[CLIENT_IDENTIFIER_NOT_VALID] = "CLIENT_IDENTIFIER_NOT_VALID";
        NAMES[BAD_USER_NAME_OR_PASSWORD] = "BAD_USER_NAME_OR_PASSWORD";
        NAMES[NOT_AUTHORIZED] = "NOT_AUTHORIZED";
        NAMES[SERVER_UNAVAILABLE] = "SERVER_UNAVAILABLE";
        NAMES[SERVER_BUSY] = "SERVER_BUSY";
        NAMES[BANNED] = "BANNED";
        NAMES[SERVER_SHUTTING_DOWN] = "SERVER_SHUTTING_DOWN";
        NAMES[BAD_AUTHENTICATION_METHOD] = "BAD_AUTHENTICATION_METHOD";
        NAMES[KEEP_ALIVE_TIMEOUT] = "KEEP_ALIVE_TIMEOUT";
        NAMES[SESSION_TAKEN_OVER] = "SESSION_TAKEN_OVER";
        NAMES[TOPIC_FILTER_INVALID] = "TOPIC_FILTER_INVALID";
        NAMES[TOPIC_NAME_INVALID] = "TOPIC_NAME_INVALID";
        NAMES[PACKET_IDENTIFIER_IN_USE] = "PACKET_IDENTIFIER_IN_USE";
        NAMES[PACKET_IDENTIFIER_NOT_FOUND] = "PACKET_IDENTIFIER_NOT_FOUND";
        NAMES[RECEIVE_MAXIMUM_EXCEEDED] = "RECEIVE_MAXIMUM_EXCEEDED";
        NAMES[TOPIC_ALIAS_INVALID] = "TOPIC_ALIAS_INVALID";
        NAMES[PACKET_TOO_LARGE] = "PACKET_TOO_LARGE";
        NAMES[MESSAGE_RATE_TOO_HIGH] = "MESSAGE_RATE_TOO_HIGH";
        NAMES[QUOTA_EXCEEDED] = "QUOTA_EXCEEDED";
        NAMES[ADMINISTRATIVE_ACTION] = "ADMINISTRATIVE_ACTION";
        NAMES[PAYLOAD_FORMAT_INVALID] = "PAYLOAD_FORMAT_INVALID";
        NAMES[RETAIN_NOT_SUPPORTED] = "RETAIN_NOT_SUPPORTED";
        NAMES[QOS_NOT_SUPPORTED] = "QOS_NOT_SUPPORTED";
        NAMES[USE_ANOTHER_SERVER] = "USE_ANOTHER_SERVER";
        NAMES[SERVER_MOVED] = "SERVER_MOVED";
        NAMES[SHARED_SUBSCRIPTIONS_NOT_SUPPORTED] = "SHARED_SUBSCRIPTIONS_NOT_SUPPORTED";
        NAMES[CONNECTION_RATE_EXCEEDED] = "CONNECTION_RATE_EXCEEDED";
        NAMES[MAXIMUM_CONNECT_TIME] = "MAXIMUM_CONNECT_TIME";
        NAMES[SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED] = "SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED";
        NAMES[WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED] = "WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED";
        allow(PacketType.CONNACK, CONNACK_CODES);
        allow(PacketType.PUBACK, PUBACK_CODES);
        allow(PacketType.PUBREC, PUBACK_CODES);
        allow(PacketType.PUBREL, PUBREL_CODES);
        allow(PacketType.PUBCOMP, PUBREL_CODES);
        allow(PacketType.SUBACK, SUBACK_CODES);
        allow(PacketType.UNSUBACK, UNSUBACK_CODES);
        allow(PacketType.DISCONNECT, DISCONNECT_CODES);
        allow(PacketType.AUTH, AUTH_CODES);
    }

    private ReasonCode()
    {
    }

    private static void allow(final int packetType, final int[] codes)
    {
        for (final int code : codes)
        {
            VALID[packetType][code] = true;
        }
    }

    /**
     * Name of a reason code, for logs and error messages. Shared values get the first name in the specification's
     * table (0x00 is "SUCCESS").
     *
     * @param reasonCode reason code.
     * @return the upper-case name or "UNKNOWN(0x..)".
     */
    public static String name(final int reasonCode)
    {
        final String name = reasonCode >= 0 && reasonCode < NAMES.length ? NAMES[reasonCode] : null;
        return null != name ? name : "UNKNOWN(0x" + Integer.toHexString(reasonCode) + ")";
    }

    /**
     * Is a reason code one the specification lets this packet type carry. Allocation free.
     *
     * @param packetType one of {@link PacketType}.
     * @param reasonCode the code to check.
     * @return true if allowed; false for packet types that carry no reason code.
     */
    public static boolean isValidFor(final int packetType, final int reasonCode)
    {
        return packetType >= 0 && packetType < VALID.length && reasonCode >= 0 && reasonCode < 256 &&
            VALID[packetType][reasonCode];
    }

    /**
     * Is this an error code (0x80 and above).
     *
     * @param reasonCode reason code.
     * @return true if the code reports a failure.
     */
    public static boolean isError(final int reasonCode)
    {
        return reasonCode >= UNSPECIFIED_ERROR;
    }

    /**
     * Map an MQTT 5 CONNACK reason code to the closest MQTT 3.1/3.1.1 CONNACK return code. Codes without a
     * 3.1.1 counterpart become {@link ConnectReturnCode#SERVER_UNAVAILABLE}.
     *
     * @param reasonCode MQTT 5 reason code.
     * @return one of {@link ConnectReturnCode}.
     */
    public static int toConnectReturnCode(final int reasonCode)
    {
        switch (reasonCode)
        {
            case SUCCESS:
                return ConnectReturnCode.ACCEPTED;
            case UNSUPPORTED_PROTOCOL_VERSION:
                return ConnectReturnCode.UNACCEPTABLE_PROTOCOL_VERSION;
            case CLIENT_IDENTIFIER_NOT_VALID:
                return ConnectReturnCode.IDENTIFIER_REJECTED;
            case BAD_USER_NAME_OR_PASSWORD:
                return ConnectReturnCode.BAD_USER_NAME_OR_PASSWORD;
            case NOT_AUTHORIZED:
            case BANNED:
            case BAD_AUTHENTICATION_METHOD:
                return ConnectReturnCode.NOT_AUTHORIZED;
            default:
                return ConnectReturnCode.SERVER_UNAVAILABLE;
        }
    }
}
