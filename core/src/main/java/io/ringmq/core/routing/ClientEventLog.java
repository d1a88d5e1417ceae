package io.ringmq.core.routing;

import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.TransportIdentity;
import io.ringmq.core.status.LogText;
import io.ringmq.core.status.RateLimitedLog;
import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;

/**
 * The log of one kind of per-client event that a client can cause at will (a protocol violation, a refused
 * CONNECT, a takeover, a keep-alive timeout): each event at DEBUG, and at INFO a summary of at most one line per
 * ten seconds with the count and the latest client. Client-supplied text (client ids, authentication methods) is
 * escaped and cut, so it can neither forge log lines nor fill the log.
 * <p>
 * <b>Threading:</b> Router thread only (the limiter itself is thread-safe).
 */
final class ClientEventLog
{
    private static final long INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final String what;
    private final RateLimitedLog limiter = new RateLimitedLog(INTERVAL_NS);

    /**
     * @param log  where the lines go.
     * @param what the event, e.g. "protocol violation".
     */
    ClientEventLog(final Logger log, final String what)
    {
        this.log = log;
        this.what = what;
    }

    /**
     * @param nowNs      current time.
     * @param connection the client's connection: its id as the client sent it (escaped here), the connection id, and
     *                   the client's address when the transport knew it (TLS, PROXY protocol).
     * @param detail     what happened; may hold client-supplied text (escaped here).
     */
    void onEvent(final long nowNs, final ClientConnection connection, final String detail)
    {
        if (log.isDebugEnabled())
        {
            log.debug("{}: client '{}' (connection {}{}): {}", what, LogText.escape(connection.clientId()),
                connection.connectionId(), from(connection), LogText.escape(detail));
        }
        final long count = limiter.onEvent(nowNs);
        if (count > 0)
        {
            log.info("{}: {} since the last report, latest client '{}' (connection {}{}): {}", what, count,
                LogText.escape(connection.clientId()), connection.connectionId(), from(connection),
                LogText.escape(detail));
        }
    }

    private static String from(final ClientConnection connection)
    {
        final TransportIdentity identity = connection.identity();
        return null == identity ? "" : " from " + identity.clientAddress() + " on " + identity.listener();
    }
}
