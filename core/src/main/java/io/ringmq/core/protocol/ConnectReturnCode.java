package io.ringmq.core.protocol;

/**
 * CONNACK return codes of MQTT 3.1 and 3.1.1 (MQTT 5 uses {@link ReasonCode} instead).
 * <p>
 * <b>Threading:</b> constants only, safe from any thread.
 */
public final class ConnectReturnCode
{
    /** Connection accepted. */
    public static final int ACCEPTED = 0;
    /** The server does not support the protocol level requested by the client. */
    public static final int UNACCEPTABLE_PROTOCOL_VERSION = 1;
    /** The client identifier is well-formed UTF-8 but not allowed by the server. */
    public static final int IDENTIFIER_REJECTED = 2;
    /** The network connection was made but the MQTT service is unavailable. */
    public static final int SERVER_UNAVAILABLE = 3;
    /** The data in the user name or password is malformed. */
    public static final int BAD_USER_NAME_OR_PASSWORD = 4;
    /** The client is not authorized to connect. */
    public static final int NOT_AUTHORIZED = 5;

    private ConnectReturnCode()
    {
    }

    /**
     * Name of a return code, for logs.
     *
     * @param returnCode return code.
     * @return the upper-case name or "UNKNOWN(n)".
     */
    public static String name(final int returnCode)
    {
        switch (returnCode)
        {
            case ACCEPTED:
                return "ACCEPTED";
            case UNACCEPTABLE_PROTOCOL_VERSION:
                return "UNACCEPTABLE_PROTOCOL_VERSION";
            case IDENTIFIER_REJECTED:
                return "IDENTIFIER_REJECTED";
            case SERVER_UNAVAILABLE:
                return "SERVER_UNAVAILABLE";
            case BAD_USER_NAME_OR_PASSWORD:
                return "BAD_USER_NAME_OR_PASSWORD";
            case NOT_AUTHORIZED:
                return "NOT_AUTHORIZED";
            default:
                return "UNKNOWN(" + returnCode + ")";
        }
    }
}
