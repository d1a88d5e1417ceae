package io.ringmq.core.ring;

/**
 * Why the transport saw a connection end; carried by {@link RingEvent#CONNECTION_CLOSED}.
 */
public final class CloseReason
{
    /** The peer closed the socket or it failed (no DISCONNECT seen by the transport). */
    public static final int PEER_CLOSED = 0;
    /** The transport closed it on the broker's request (after a DISCONNECT, takeover or violation). */
    public static final int CLOSED_BY_BROKER = 1;
    /** No packet within 1.5 times the keep-alive (MQTT-3.1.2-24). */
    public static final int KEEP_ALIVE_TIMEOUT = 2;
    /** No CONNECT within the connect timeout. */
    public static final int CONNECT_TIMEOUT = 3;
    /** The credential the client authenticated with expired (a token's {@code exp}) and it did not re-authenticate. */
    public static final int CREDENTIAL_EXPIRED = 4;
    /** Number of reasons (one past the largest). */
    public static final int COUNT = 5;

    private CloseReason()
    {
    }

    /**
     * @param reason a reason constant.
     * @return a short text for log lines.
     */
    public static String name(final int reason)
    {
        return switch (reason)
        {
            case PEER_CLOSED -> "connection lost";
            case CLOSED_BY_BROKER -> "closed by broker";
            case KEEP_ALIVE_TIMEOUT -> "keep-alive timeout";
            case CONNECT_TIMEOUT -> "connect timeout";
            case CREDENTIAL_EXPIRED -> "credential expired";
            default -> "reason " + reason;
        };
    }
}
