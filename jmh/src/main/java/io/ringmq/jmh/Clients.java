package io.ringmq.jmh;

import io.ringmq.core.codec.ConnectEncoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.codec.SubscribeEncoder;
import io.ringmq.core.codec.SubscribePacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.ring.OutboundQueue;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;

/**
 * CONNECT and SUBSCRIBE frames for setting up Router-based benchmarks the way a client does, plus a counter of what
 * the Router queued in reply. Setup only: allocates.
 */
final class Clients
{
    /** Filter the subscribers use: matches {@link Frames#TOPIC}. */
    static final String FILTER = "fleet/+/+/telemetry";

    private Clients()
    {
    }

    /**
     * Encode a CONNECT (clean start, keep-alive 60 s).
     *
     * @param buffer   to write to, from index 0.
     * @param clientId client identifier.
     * @param version  protocol level, 4 or 5.
     * @return frame length.
     */
    static int connect(final MutableDirectBuffer buffer, final String clientId, final int version)
    {
        final ConnectPacket connect = new ConnectPacket().protocolName("MQTT").protocolVersion(version)
            .clientId(clientId).cleanStart(true).keepAliveSeconds(60);
        return ConnectEncoder.encode(connect, buffer, 0);
    }

    /**
     * Encode a CONNECT that keeps a persistent session (Clean Session 0; MQTT 5: session expiry one day).
     *
     * @param buffer   to write to, from index 0.
     * @param clientId client identifier.
     * @param version  protocol level, 4 or 5.
     * @return frame length.
     */
    static int connectPersistent(final MutableDirectBuffer buffer, final String clientId, final int version)
    {
        final ConnectPacket connect = new ConnectPacket().protocolName("MQTT").protocolVersion(version)
            .clientId(clientId).cleanStart(false).keepAliveSeconds(60).sessionExpiryIntervalSeconds(86_400);
        return ConnectEncoder.encode(connect, buffer, 0);
    }

    /**
     * Encode a SUBSCRIBE of {@link #FILTER}.
     *
     * @param buffer  to write to, from index 0.
     * @param version protocol level, 4 or 5.
     * @param qos     Maximum QoS of the subscription.
     * @return frame length.
     */
    static int subscribe(final MutableDirectBuffer buffer, final int version, final int qos)
    {
        final SubscribePacket subscribe = new SubscribePacket().packetId(1)
            .addSubscription(new TopicSubscription(FILTER, qos));
        return SubscribeEncoder.encode(subscribe, buffer, 0, version);
    }

    /** Counts the records a drain read, by type. */
    static final class RecordCounter implements MessageHandler
    {
        int records;
        int packets;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            records++;
            if (OutboundQueue.PACKET == msgTypeId || OutboundQueue.DROPPABLE_PACKET == msgTypeId)
            {
                packets++;
            }
        }
    }
}
