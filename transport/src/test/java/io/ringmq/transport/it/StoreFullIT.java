package io.ringmq.transport.it;

import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.ringmq.transport.RingMqBroker;

/**
 * A full store leaves the full state by itself once consumers drain, without a restart (issue #8, item 2): fill the
 * journal through an offline persistent session until QoS 1 publishes get 0x97, let the session drain everything,
 * then publish again.
 */
@Timeout(120)
final class StoreFullIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    private static final int PAYLOAD = 16 * 1024;

    @Test
    void shouldTakeMessagesAgainOnceTheFullStoreIsDrained() throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.storeMaxBytes(4L * 1024 * 1024)
            .logSegmentSize(1024 * 1024).maxPacketSize(262_144).maxQueuedMessages(100_000));
        final String topic = FIXTURE.topic("fill");
        final String subscriberId = FIXTURE.clientId("sub");
        final PacketBuilder expiry = new PacketBuilder().intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 3600);
        final RawMqttClient sub = FIXTURE.raw(broker.port());
        sub.connect(RawPackets.connect(MQTT_5, subscriberId).properties(expiry).build());
        sub.send(RawPackets.subscribe(MQTT_5, 1, topic, 1, null));
        sub.expect(RawPackets.SUBACK);
        sub.close();

        final RawMqttClient pub = FIXTURE.raw(broker.port());
        pub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub")).build());
        final byte[] payload = new byte[PAYLOAD];
        int accepted = 0;
        int packetId = 0;
        while (true)
        {
            packetId = packetId % 65535 + 1;
            pub.send(RawPackets.publish(MQTT_5, 1, false, false, topic, packetId, payload, null));
            final int reason = pub.expect(RawPackets.PUBACK).reasonCode();
            if (0x97 == reason)
            {
                break;
            }
            assertEquals(0, reason);
            accepted++;
            assertTrue(accepted < 2000, "the store never filled");
        }

        final RawMqttClient back = FIXTURE.raw(broker.port());
        back.connect(RawPackets.connect(MQTT_5, subscriberId).clean(false).properties(expiry).build());
        for (int i = 0; i < accepted; i++)
        {
            final RawPacket.Publish publish = back.expect(RawPackets.PUBLISH).publish(MQTT_5);
            back.send(RawPackets.ack(RawPackets.PUBACK, publish.packetId()));
        }

        final long deadlineNs = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int reason = -1;
        while (0 != reason && System.nanoTime() - deadlineNs < 0)
        {
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            packetId = packetId % 65535 + 1;
            pub.send(RawPackets.publish(MQTT_5, 1, false, false, topic, packetId, payload, null));
            reason = pub.expect(RawPackets.PUBACK).reasonCode();
            if (0 == reason)
            {
                back.expect(RawPackets.PUBLISH);
            }
        }
        assertEquals(0, reason, "the drained store takes messages again, without a restart (accepted before: " +
            accepted + ")");
    }
}
