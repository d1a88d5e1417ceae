package io.ringmq.core.protocol;

/**
 * MQTT 5 property identifiers (section 2.2.2.2 of the MQTT 5.0 specification) and the data type of each.
 * <p>
 * Every identifier defined so far is below 0x80, so on the wire it is a one-byte Variable Byte Integer; all of them
 * are below 64, so a {@code long} bit set indexed by identifier can track which were seen.
 * <p>
 * <b>Threading:</b> constants and immutable lookup tables, safe from any thread.
 */
public final class Property
{
    /** Payload Format Indicator: 0 unspecified bytes, 1 UTF-8 (PUBLISH, Will). */
    public static final int PAYLOAD_FORMAT_INDICATOR = 0x01;
    /** Message Expiry Interval in seconds (PUBLISH, Will). */
    public static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    /** Content Type (PUBLISH, Will). */
    public static final int CONTENT_TYPE = 0x03;
    /** Response Topic (PUBLISH, Will). */
    public static final int RESPONSE_TOPIC = 0x08;
    /** Correlation Data (PUBLISH, Will). */
    public static final int CORRELATION_DATA = 0x09;
    /** Subscription Identifier (PUBLISH server to client, SUBSCRIBE). */
    public static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
    /** Session Expiry Interval in seconds (CONNECT, CONNACK, DISCONNECT). */
    public static final int SESSION_EXPIRY_INTERVAL = 0x11;
    /** Assigned Client Identifier (CONNACK). */
    public static final int ASSIGNED_CLIENT_IDENTIFIER = 0x12;
    /** Server Keep Alive in seconds (CONNACK). */
    public static final int SERVER_KEEP_ALIVE = 0x13;
    /** Authentication Method (CONNECT, CONNACK, AUTH). */
    public static final int AUTHENTICATION_METHOD = 0x15;
    /** Authentication Data (CONNECT, CONNACK, AUTH). */
    public static final int AUTHENTICATION_DATA = 0x16;
    /** Request Problem Information (CONNECT). */
    public static final int REQUEST_PROBLEM_INFORMATION = 0x17;
    /** Will Delay Interval in seconds (Will). */
    public static final int WILL_DELAY_INTERVAL = 0x18;
    /** Request Response Information (CONNECT). */
    public static final int REQUEST_RESPONSE_INFORMATION = 0x19;
    /** Response Information (CONNACK). */
    public static final int RESPONSE_INFORMATION = 0x1A;
    /** Server Reference (CONNACK, DISCONNECT). */
    public static final int SERVER_REFERENCE = 0x1C;
    /** Reason String (all acknowledgements, DISCONNECT, AUTH). */
    public static final int REASON_STRING = 0x1F;
    /** Receive Maximum (CONNECT, CONNACK). */
    public static final int RECEIVE_MAXIMUM = 0x21;
    /** Topic Alias Maximum (CONNECT, CONNACK). */
    public static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    /** Topic Alias (PUBLISH). */
    public static final int TOPIC_ALIAS = 0x23;
    /** Maximum QoS (CONNACK). */
    public static final int MAXIMUM_QOS = 0x24;
    /** Retain Available (CONNACK). */
    public static final int RETAIN_AVAILABLE = 0x25;
    /** User Property (every packet with properties). */
    public static final int USER_PROPERTY = 0x26;
    /** Maximum Packet Size (CONNECT, CONNACK). */
    public static final int MAXIMUM_PACKET_SIZE = 0x27;
    /** Wildcard Subscription Available (CONNACK). */
    public static final int WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28;
    /** Subscription Identifier Available (CONNACK). */
    public static final int SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29;
    /** Shared Subscription Available (CONNACK). */
    public static final int SHARED_SUBSCRIPTION_AVAILABLE = 0x2A;

    /** Largest identifier defined by MQTT 5.0. */
    public static final int MAX_ID = SHARED_SUBSCRIPTION_AVAILABLE;

    /** Data type: identifier not defined. */
    public static final int TYPE_UNKNOWN = 0;
    /** Data type: one byte. */
    public static final int TYPE_BYTE = 1;
    /** Data type: two-byte big-endian unsigned integer. */
    public static final int TYPE_TWO_BYTE_INTEGER = 2;
    /** Data type: four-byte big-endian unsigned integer. */
    public static final int TYPE_FOUR_BYTE_INTEGER = 3;
    /** Data type: Variable Byte Integer. */
    public static final int TYPE_VARIABLE_BYTE_INTEGER = 4;
    /** Data type: UTF-8 Encoded String (two-byte length prefix). */
    public static final int TYPE_UTF8_STRING = 5;
    /** Data type: Binary Data (two-byte length prefix). */
    public static final int TYPE_BINARY_DATA = 6;
    /** Data type: UTF-8 String Pair (two length-prefixed strings). */
    public static final int TYPE_UTF8_STRING_PAIR = 7;

    private static final int[] TYPES = new int[MAX_ID + 1];
    private static final String[] NAMES = new String[MAX_ID + 1];

    static
    {
        define(PAYLOAD_FORMAT_INDICATOR, TYPE_BYTE, "Payload Format Indicator");
        define(MESSAGE_EXPIRY_INTERVAL, TYPE_FOUR_BYTE_INTEGER, "Message Expiry Interval");
        define(CONTENT_TYPE, TYPE_UTF8_STRING, "Content Type");
        define(RESPONSE_TOPIC, TYPE_UTF8_STRING, "Response Topic");
        define(CORRELATION_DATA, TYPE_BINARY_DATA, "Correlation Data");
        define(SUBSCRIPTION_IDENTIFIER, TYPE_VARIABLE_BYTE_INTEGER, "Subscription Identifier");
        define(SESSION_EXPIRY_INTERVAL, TYPE_FOUR_BYTE_INTEGER, "Session Expiry Interval");
        define(ASSIGNED_CLIENT_IDENTIFIER, TYPE_UTF8_STRING, "Assigned Client Identifier");
        define(SERVER_KEEP_ALIVE, TYPE_TWO_BYTE_INTEGER, "Server Keep Alive");
        define(AUTHENTICATION_METHOD, TYPE_UTF8_STRING, "Authentication Method");
        define(AUTHENTICATION_DATA, TYPE_BINARY_DATA, "Authentication Data");
        define(REQUEST_PROBLEM_INFORMATION, TYPE_BYTE, "Request Problem Information");
        define(WILL_DELAY_INTERVAL, TYPE_FOUR_BYTE_INTEGER, "Will Delay Interval");
        define(REQUEST_RESPONSE_INFORMATION, TYPE_BYTE, "Request Response Information");
        define(RESPONSE_INFORMATION, TYPE_UTF8_STRING, "Response Information");
        define(SERVER_REFERENCE, TYPE_UTF8_STRING, "Server Reference");
        define(REASON_STRING, TYPE_UTF8_STRING, "Reason String");
        define(RECEIVE_MAXIMUM, TYPE_TWO_BYTE_INTEGER, "Receive Maximum");
        define(TOPIC_ALIAS_MAXIMUM, TYPE_TWO_BYTE_INTEGER, "Topic Alias Maximum");
        define(TOPIC_ALIAS, TYPE_TWO_BYTE_INTEGER, "Topic Alias");
        define(MAXIMUM_QOS, TYPE_BYTE, "Maximum QoS");
        define(RETAIN_AVAILABLE, TYPE_BYTE, "Retain Available");
        define(USER_PROPERTY, TYPE_UTF8_STRING_PAIR, "User Property");
        define(MAXIMUM_PACKET_SIZE, TYPE_FOUR_BYTE_INTEGER, "Maximum Packet Size");
        define(WILDCARD_SUBSCRIPTION_AVAILABLE, TYPE_BYTE, "Wildcard Subscription Available");
        define(SUBSCRIPTION_IDENTIFIER_AVAILABLE, TYPE_BYTE, "Subscription Identifier Available");
        define(SHARED_SUBSCRIPTION_AVAILABLE, TYPE_BYTE, "Shared Subscription Available");
    }

    private Property()
    {
    }

    private static void define(final int id, final int type, final String name)
    {
        TYPES[id] = type;
        NAMES[id] = name;
    }

    /**
     * Data type of a property identifier.
     *
     * @param id property identifier.
     * @return one of the {@code TYPE_*} constants, {@link #TYPE_UNKNOWN} if not defined.
     */
    public static int type(final int id)
    {
        return id > 0 && id <= MAX_ID ? TYPES[id] : TYPE_UNKNOWN;
    }

    /**
     * Name of a property as written in the specification, for error messages.
     *
     * @param id property identifier.
     * @return the name, or "Unknown(0x..)".
     */
    public static String name(final int id)
    {
        final String name = id > 0 && id <= MAX_ID ? NAMES[id] : null;
        return null != name ? name : "Unknown(0x" + Integer.toHexString(id) + ")";
    }
}
