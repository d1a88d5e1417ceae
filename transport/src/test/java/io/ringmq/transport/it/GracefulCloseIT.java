package io.ringmq.transport.it;

import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker closes a connection with a reason (an MQTT 5 DISCONNECT or a refusing CONNACK) while the client is
 * still sending. The client must read the reason and then an orderly end-of-stream, never a reset: a reset tells the
 * client that data was lost and may discard what the broker sent last.
 * <p>
 * Each round floods PUBLISH packets from a second thread, triggers the close in the middle of the flood and goes on
 * writing; the test thread starts reading only once the writer has sent a good deal more after the trigger (or its
 * write failed), as a client busy writing would. A write that fails before the client has read the end-of-stream is a
 * reset too. Rounds repeat because a single close can be lucky.
 */
@Timeout(120)
final class GracefulCloseIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    private static final int ROUNDS = 10;
    private static final int PROTOCOL_ERROR = 0x82;
    private static final int BAD_AUTHENTICATION_METHOD = 0x8C;
    private static final int SESSION_TAKEN_OVER = 0x8E;
    private static final int AUTHENTICATION_METHOD = 0x15;
    /** PUBLISH packets sent before the trigger. */
    private static final int BURST_PACKETS = 256;
    /** Bytes the writer sends after the trigger before the test thread starts reading. */
    private static final long BYTES_BEFORE_READING = 512 * 1024;
    private static final byte[] PAYLOAD = new byte[1000];

    @Test
    void shouldDeliverProtocolErrorBeforeEndOfStreamWhileClientFloods() throws Exception
    {
        assumeGracefulClose();
        for (int round = 0; round < ROUNDS; round++)
        {
            final RawMqttClient raw = FIXTURE.raw();
            assertEquals(0, raw.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("flood-" + round)).build())
                .reasonCode());
            final ByteArrayOutputStream first = burst(FIXTURE.topic("flood"));
            // MQTT-3.1.0-2: a second CONNECT is a Protocol Error.
            first.write(RawPackets.connect(MQTT_5, FIXTURE.clientId("flood-" + round)).build());
            floodThenExpect(raw, first.toByteArray(), RawPackets.DISCONNECT, PROTOCOL_ERROR);
        }
        FIXTURE.assertBrokerServes();
    }

    @Test
    void shouldDeliverRefusingConnAckBeforeEndOfStreamWhileClientFloods() throws Exception
    {
        assumeGracefulClose();
        for (int round = 0; round < ROUNDS; round++)
        {
            final RawMqttClient raw = FIXTURE.raw();
            final byte[] connect = RawPackets.connect(MQTT_5, FIXTURE.clientId("refused-" + round))
                .properties(new PacketBuilder().stringProperty(AUTHENTICATION_METHOD, "no-such-method"))
                .build();
            floodThenExpect(raw, connect, RawPackets.CONNACK, BAD_AUTHENTICATION_METHOD);
        }
        FIXTURE.assertBrokerServes();
    }

    @Test
    void shouldDeliverSessionTakenOverBeforeEndOfStreamWhileClientFloods() throws Exception
    {
        assumeGracefulClose();
        for (int round = 0; round < ROUNDS; round++)
        {
            final String clientId = FIXTURE.clientId("taken-" + round);
            final RawMqttClient raw = FIXTURE.raw();
            assertEquals(0, raw.connect(RawPackets.connect(MQTT_5, clientId).build()).reasonCode());
            final Flooder flooder = new Flooder(raw.output(), burst(FIXTURE.topic("taken")).toByteArray());
            final Thread writer = start(flooder);
            try
            {
                final RawMqttClient successor = FIXTURE.raw();
                assertEquals(0, successor.connect(RawPackets.connect(MQTT_5, clientId).build()).reasonCode());
                expectReasonThenEndOfStream(raw, flooder, RawPackets.DISCONNECT, SESSION_TAKEN_OVER);
            }
            finally
            {
                stop(raw, flooder, writer);
            }
        }
        FIXTURE.assertBrokerServes();
    }

    private static void assumeGracefulClose()
    {
        FIXTURE.assumeRingMq("other brokers may reset a client that is still sending when they close it");
    }

    /** @return PUBLISH packets (QoS 0, no subscriber) to send before the trigger. */
    private static ByteArrayOutputStream burst(final String topic) throws IOException
    {
        final byte[] publish = RawPackets.publish(MQTT_5, 0, false, false, topic, 0, PAYLOAD, null);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(BURST_PACKETS * publish.length + 256);
        for (int i = 0; i < BURST_PACKETS; i++)
        {
            bytes.write(publish);
        }
        return bytes;
    }

    private static void floodThenExpect(
        final RawMqttClient raw, final byte[] first, final int reasonPacket, final int reasonCode) throws Exception
    {
        final Flooder flooder = new Flooder(raw.output(), first);
        final Thread writer = start(flooder);
        try
        {
            expectReasonThenEndOfStream(raw, flooder, reasonPacket, reasonCode);
        }
        finally
        {
            stop(raw, flooder, writer);
        }
    }

    private static void expectReasonThenEndOfStream(
        final RawMqttClient raw, final Flooder flooder, final int reasonPacket, final int reasonCode)
        throws IOException
    {
        BrokerFixture.await("the writer went on after the trigger",
            () -> flooder.failed || flooder.bytesAfterFirst.get() >= BYTES_BEFORE_READING, BrokerFixture.TIMEOUT);
        final List<RawPacket> packets = raw.readUntilClosed(BrokerFixture.TIMEOUT);
        // Linux hides a reset that follows the FIN from the reader (it reports end-of-stream), so the writer is the
        // other witness: while the broker lingers after its FIN, writing must go on working.
        assertFalse(flooder.failed, "the broker reset the connection while the client was still sending; read " +
            packets);
        assertFalse(raw.isResetByPeer(), "orderly end-of-stream expected, the connection was reset after " +
            packets);
        assertEquals(1, packets.size(), "only the packet with the reason before the close: " + packets);
        assertEquals(reasonPacket, packets.get(0).type(), "packet with the reason: " + packets.get(0));
        assertEquals(reasonCode, packets.get(0).reasonCode(), "reason code in " + packets.get(0));
        assertTrue(raw.isClosedByPeer());
    }

    private static Thread start(final Flooder flooder)
    {
        final Thread writer = new Thread(flooder, "flooder");
        writer.setDaemon(true);
        writer.start();
        return writer;
    }

    private static void stop(final RawMqttClient raw, final Flooder flooder, final Thread writer)
        throws InterruptedException
    {
        flooder.stop = true;
        raw.close();
        writer.join(BrokerFixture.TIMEOUT.toMillis());
        assertFalse(writer.isAlive(), "writer stopped");
    }

    /**
     * Writes {@code first}, then PUBLISH packets as fast as the socket takes them until stopped or a write fails.
     * <p>
     * <b>Threading:</b> runs on its own thread; the test thread reads the volatile fields and the counter.
     */
    private static final class Flooder implements Runnable
    {
        private final OutputStream out;
        private final byte[] first;
        private final byte[] chunk;
        private final AtomicLong bytesAfterFirst = new AtomicLong();
        private volatile boolean stop;
        private volatile boolean failed;

        Flooder(final OutputStream out, final byte[] first) throws IOException
        {
            this.out = out;
            this.first = first;
            this.chunk = burst(FIXTURE.topic("after")).toByteArray();
        }

        @Override
        public void run()
        {
            try
            {
                out.write(first);
                out.flush();
                while (!stop)
                {
                    out.write(chunk);
                    bytesAfterFirst.addAndGet(chunk.length);
                }
            }
            catch (final IOException ex)
            {
                // Broken pipe or reset: the broker closed the connection completely.
                failed = true;
            }
        }
    }
}
