package io.ringmq.core.routing;

import io.ringmq.core.journal.Journal;
import io.ringmq.core.codec.AckEncoder;
import io.ringmq.core.codec.AuthEncoder;
import io.ringmq.core.codec.AuthPacket;
import io.ringmq.core.codec.AckListCodec;
import io.ringmq.core.codec.ConnackEncoder;
import io.ringmq.core.codec.ConnackPacket;
import io.ringmq.core.codec.DisconnectEncoder;
import io.ringmq.core.codec.PingEncoder;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.session.ClientConnection;

/**
 * Encodes control packets for clients straight into the owning event loop's {@link OutboundQueue}.
 * <p>
 * <b>Threading:</b> Router thread only; it is the single producer of every outbound queue.
 */
final class PacketSender
{
    private final OutboundQueue[] queues;
    private final Journal journal;
    private final AckEncoder ackEncoder = new AckEncoder();
    private final DisconnectEncoder disconnectEncoder = new DisconnectEncoder();

    /**
     * Acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, CONNACK) claimed while the journal has
     * unforced records are held until they are forced ({@code sync=batch}): no acknowledgement reaches a client
     * before what it acknowledges is on the device. Other packets of the same connection queue behind a held one;
     * other connections are not delayed.
     *
     * @param queues  one queue per event loop.
     * @param journal the journal acknowledgements wait for.
     */
    PacketSender(final OutboundQueue[] queues, final Journal journal)
    {
        this.queues = queues;
        this.journal = journal;
    }

    /** @return the journal packets are held for. */
    Journal journal()
    {
        return journal;
    }

    OutboundQueue queue(final ClientConnection connection)
    {
        return queues[connection.loopIndex()];
    }

    void ack(final ClientConnection connection, final int packetType, final int packetId, final int reasonCode)
    {
        final OutboundQueue queue = queue(connection);
        final int length = AckEncoder.encodedLength(packetType, reasonCode, connection.version());
        final int offset = queue.claim(OutboundQueue.PACKET, connection.connectionId(), length, journal.holdUntil());
        ackEncoder.encode(queue.buffer(), offset, packetType, packetId, reasonCode, connection.version());
        queue.commit();
    }

    void connack(final ClientConnection connection, final ConnackPacket connack)
    {
        final OutboundQueue queue = queue(connection);
        final int offset = queue.claim(OutboundQueue.PACKET, connection.connectionId(),
            ConnackEncoder.encodedLength(connack), journal.holdUntil());
        ConnackEncoder.encode(connack, queue.buffer(), offset);
        queue.commit();
    }

    /** SUBACK or UNSUBACK: one reason code per filter of the request. */
    void ackList(final ClientConnection connection, final int packetType, final int packetId, final int[] codes,
        final int count)
    {
        final OutboundQueue queue = queue(connection);
        final int length = AckListCodec.encodedLength(packetType, count, null, connection.version());
        final int offset = queue.claim(OutboundQueue.PACKET, connection.connectionId(), length, journal.holdUntil());
        AckListCodec.encode(packetType, queue.buffer(), offset, packetId, codes, count, null, connection.version());
        queue.commit();
    }

    void pingresp(final ClientConnection connection)
    {
        final OutboundQueue queue = queue(connection);
        final int offset = queue.claim(OutboundQueue.PACKET, connection.connectionId(), PingEncoder.LENGTH);
        PingEncoder.encodePingresp(queue.buffer(), offset);
        queue.commit();
    }

    /**
     * MQTT 5 DISCONNECT from the server (3.1.1 has none: the caller just closes).
     */
    void disconnect(final ClientConnection connection, final int reasonCode, final String reasonString)
    {
        if (connection.version() != MqttVersion.MQTT_5)
        {
            return;
        }
        final String reason = connection.requestProblemInformation() ? reasonString : null;
        final OutboundQueue queue = queue(connection);
        disconnectEncoder.reset().version(MqttVersion.MQTT_5).reasonCode(reasonCode).reasonString(reason);
        final int offset = queue.claim(OutboundQueue.PACKET, connection.connectionId(),
            disconnectEncoder.encodedLength());
        disconnectEncoder.encode(queue.buffer(), offset);
        queue.commit();
    }

    /** MQTT 5 AUTH from the server: the end of a re-authentication (reason 0x00), with its last data. */
    void auth(final ClientConnection connection, final AuthPacket packet)
    {
        final OutboundQueue queue = queue(connection);
        final int offset = queue.claim(OutboundQueue.PACKET, connection.connectionId(),
            AuthEncoder.encodedLength(packet));
        AuthEncoder.encode(packet, queue.buffer(), offset);
        queue.commit();
    }

    /** Tell the event loop the connection is accepted, with the keep-alive it must enforce (set on it). */
    void connected(final ClientConnection connection)
    {
        final int keepAliveSeconds = connection.keepAliveSeconds();
        final OutboundQueue queue = queue(connection);
        final int offset = queue.claim(OutboundQueue.CONNECTED, connection.connectionId(), 8);
        queue.buffer().putInt(offset, connection.version());
        queue.buffer().putInt(offset + 4, keepAliveSeconds * 1000);
        queue.commit();
    }

    /** Ask the event loop for a {@link io.ringmq.core.ring.RingEvent#WRITABLE} event once the socket takes more. */
    void writableRequest(final ClientConnection connection)
    {
        final OutboundQueue queue = queue(connection);
        queue.claim(OutboundQueue.WRITABLE_REQUEST, connection.connectionId(), 0);
        queue.commit();
    }

    /** Ask the event loop to flush what it has and close the connection. */
    void close(final ClientConnection connection)
    {
        close(connection, OutboundQueue.CLOSE);
    }

    /**
     * Close after the client's DISCONNECT: flush, then close without a half-close ({@link OutboundQueue#CLOSE_NOW}).
     */
    void closeAfterClientDisconnect(final ClientConnection connection)
    {
        close(connection, OutboundQueue.CLOSE_NOW);
    }

    private void close(final ClientConnection connection, final int type)
    {
        final OutboundQueue queue = queue(connection);
        queue.claim(type, connection.connectionId(), 0);
        queue.commit();
    }

    /**
     * End of a ring batch: publish what the batch appended to the journal, move backlog records whose log
     * position is durable into the rings, and wake every loop that has new records.
     */
    void endOfBatch()
    {
        journal.publishAppended();
        final long durable = journal.durablePosition();
        for (final OutboundQueue queue : queues)
        {
            if (queue.hasBacklog())
            {
                queue.release(durable);
            }
            queue.signal();
        }
    }
}
