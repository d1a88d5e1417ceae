package io.ringmq.transport.it;

import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;

import io.ringmq.core.ring.FrameBufferPool;
import io.ringmq.transport.RingMqBroker;

/**
 * Frames larger than a ring slot keeps travel in the transport's pooled buffers: many 512 KiB messages, sent faster
 * than the pool holds, all arrive intact while the pool never grows past its bound and gets every buffer back
 * (issue #8, item 9).
 */
@Timeout(180)
final class LargeFramesIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    private static final int PAYLOAD_BYTES = 512 * 1024;
    private static final int MESSAGES = 400;
    /** Publishes sent before waiting for their acknowledgements: more than the pool's buffers. */
    private static final int WINDOW = 100;

    @Test
    void shouldDeliverManyLargeMessagesThroughABoundedReusedPool() throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.persistence("false")
            .maxPacketSize(1024 * 1024).maxQueuedBytes(1L << 30));
        final FrameBufferPool pool = broker.largeFrames();
        final String topic = FIXTURE.topic("large");

        final AtomicInteger received = new AtomicInteger();
        final AtomicInteger intact = new AtomicInteger();
        final Mqtt5BlockingClient sub = FIXTURE.track(FIXTURE.mqtt5Builder("sub")
            .serverPort(broker.port()).buildBlocking());
        sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, publish ->
        {
            final ByteBuffer payload = publish.getPayload().orElseThrow();
            final int index = received.getAndIncrement();
            if (payload.remaining() == PAYLOAD_BYTES && payload.getInt(0) == index &&
                payload.get(PAYLOAD_BYTES - 1) == (byte)index)
            {
                intact.incrementAndGet();
            }
        });
        sub.connect();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

        final RawMqttClient pub = FIXTURE.raw(broker.port());
        pub.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("pub")).build());
        final byte[] payload = new byte[PAYLOAD_BYTES];
        for (int sent = 0; sent < MESSAGES; sent += WINDOW)
        {
            for (int i = sent; i < sent + WINDOW; i++)
            {
                ByteBuffer.wrap(payload).putInt(0, i);
                payload[PAYLOAD_BYTES - 1] = (byte)i;
                pub.send(RawPackets.publish(MQTT_5, 1, false, false, topic, i % 65535 + 1, payload, null));
            }
            for (int i = 0; i < WINDOW; i++)
            {
                assertEquals(0, pub.expect(RawPackets.PUBACK).reasonCode(), "accepted");
            }
            assertTrue(pool.allocated() <= pool.maxBuffers(), "bounded: " + pool.allocated());
        }

        final long deadlineNs = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (received.get() < MESSAGES && System.nanoTime() - deadlineNs < 0)
        {
            BrokerFixture.quietFor(Duration.ofMillis(50));
        }
        assertEquals(MESSAGES, received.get(), "every message delivered");
        assertEquals(MESSAGES, intact.get(), "in order and intact");
        assertTrue(pool.allocated() <= pool.maxBuffers(), "at most " + pool.maxBuffers() + " buffers");
        assertEquals(pool.allocated(), pool.available(), "every buffer given back");
        assertEquals(0, broker.router().counters().routerErrors);
    }
}
