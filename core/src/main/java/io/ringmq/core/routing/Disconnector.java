package io.ringmq.core.routing;

import io.ringmq.core.codec.ConnackPacket;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.status.BrokerCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The one place that ends a connection for a protocol violation or a broker decision: one log line, one counter,
 * the right MQTT 5 packet (CONNACK before the session exists, DISCONNECT after), then close. After this the
 * connection is CLOSING and the Router discards anything else it sends.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class Disconnector
{
    private static final Logger LOG = LoggerFactory.getLogger(Disconnector.class);

    private final PacketSender sender;
    private final BrokerCounters counters;
    private final Consumer<ClientConnection> onEnd;
    private final ConnackPacket connack = new ConnackPacket();
    private final ClientEventLog violations = new ClientEventLog(LOG, "protocol violation");
    private final ClientEventLog refusals = new ClientEventLog(LOG, "connect refused");

    /**
     * @param sender   outbound packets.
     * @param counters counters.
     * @param onEnd    detaches the connection from its session (will, expiry); called once per connection.
     */
    Disconnector(final PacketSender sender, final BrokerCounters counters, final Consumer<ClientConnection> onEnd)
    {
        this.sender = sender;
        this.counters = counters;
        this.onEnd = onEnd;
    }

    /**
     * Close for a protocol violation by the client.
     *
     * @param connection the connection.
     * @param reasonCode MQTT 5 reason code.
     * @param reason     text naming the normative statement.
     */
    void violation(final ClientConnection connection, final int reasonCode, final String reason)
    {
        if (connection.state() == ClientConnection.CLOSING)
        {
            return;
        }
        counters.protocolViolations++;
        violations.onEvent(System.nanoTime(), connection,
            reason + " [" + ReasonCode.name(reasonCode) + "]");
        close(connection, reasonCode, reason);
    }

    /**
     * Close on the broker's decision (takeover, shutdown, quota, keep-alive, a 3.1.1 publisher the journal cannot
     * take).
     *
     * @param connection the connection.
     * @param reasonCode MQTT 5 reason code for the DISCONNECT, or -1 to send none.
     * @param reason     reason string or null.
     */
    void close(final ClientConnection connection, final int reasonCode, final String reason)
    {
        close(connection, reasonCode, reason, false);
    }

    /**
     * Close after the client's DISCONNECT (counted as a normal disconnection, 0x00): the connection goes at once,
     * without the half-close that a close on the broker's decision makes.
     *
     * @param connection the connection.
     */
    void closeAfterClientDisconnect(final ClientConnection connection)
    {
        close(connection, -1, null, true);
    }

    private void close(final ClientConnection connection, final int reasonCode, final String reason,
        final boolean clientDone)
    {
        if (connection.state() == ClientConnection.CLOSING)
        {
            return;
        }
        if (connection.state() == ClientConnection.CONNECTED)
        {
            counters.disconnectsByReasonCode[reasonCode < 0 ? 0 : reasonCode & 0xFF]++;
        }
        if (connection.version() == MqttVersion.MQTT_5 && reasonCode >= 0)
        {
            if (connection.state() == ClientConnection.NEW)
            {
                connack.reset().version(MqttVersion.MQTT_5).reasonCode(reasonCode)
                    .reasonString(connection.requestProblemInformation() ? reason : null);
                sender.connack(connection, connack);
            }
            else
            {
                sender.disconnect(connection, reasonCode, reason);
            }
        }
        onEnd.accept(connection);
        connection.state(ClientConnection.CLOSING);
        if (clientDone)
        {
            sender.closeAfterClientDisconnect(connection);
        }
        else
        {
            sender.close(connection);
        }
    }

    /**
     * Refuse a CONNECT with a CONNACK in the client's protocol version, then close.
     *
     * @param connection connection, version set if known.
     * @param reasonCode MQTT 5 reason code; mapped for 3.x.
     * @param reason     text for the log line.
     */
    void refuseConnect(final ClientConnection connection, final int reasonCode, final String reason)
    {
        refusals.onEvent(System.nanoTime(), connection,
            reason + " [" + ReasonCode.name(reasonCode) + "]");
        final int version = 0 == connection.version() ? MqttVersion.MQTT_3_1_1 : connection.version();
        connack.reset().version(version).reasonCode(reasonCode);
        sender.connack(connection, connack);
        connection.state(ClientConnection.CLOSING);
        sender.close(connection);
    }
}
