package io.ringmq.transport;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.transport.config.ServerConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warm-up's packets after CONNACK, against a real broker of the warm-up's settings. */
class WarmUpTrafficTest
{
    private static final int CONNECTIONS = 4 * WarmUpTraffic.SHARE;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverBothMessagesBackToEveryConnectionThatTakesPartAtEitherVersion() throws Exception
    {
        try (RingMqBroker broker = RingMqBroker.start(
            StartUpWarmUp.throwawayConfig(new BrokerConfig(), dir.resolve("data"))))
        {
            final List<Socket> sockets = connect(broker.port("mqtt"), 0, CONNECTIONS);
            try
            {
                final WarmUpTraffic traffic = new WarmUpTraffic(new BrokerConfig().maxPacketSize());
                traffic.exchange(sockets, 0);

                int v3 = 0;
                int v5 = 0;
                for (int n = 0; n < CONNECTIONS; n++)
                {
                    if (WarmUpTraffic.takesPart(n))
                    {
                        v3 += StartUpWarmUp.versionOf(n) == MqttVersion.MQTT_3_1_1 ? 1 : 0;
                        v5 += StartUpWarmUp.versionOf(n) == MqttVersion.MQTT_5 ? 1 : 0;
                    }
                }
                assertEquals(CONNECTIONS / WarmUpTraffic.SHARE, v3 + v5, "one in SHARE takes part");
                assertTrue(v3 > 0 && v5 > 0, "at both protocol levels: " + v3 + " and " + v5);
                final int takers = v3 + v5;
                assertEquals(2L * takers, traffic.deliveries(), "a QoS 0 and a QoS 1 delivery each");
            }
            finally
            {
                for (final Socket socket : sockets)
                {
                    socket.close();
                }
            }
        }
    }

    @Test
    void shouldFailWhenTheBrokerDoesNotAnswer() throws Exception
    {
        try (RingMqBroker broker = RingMqBroker.start(
            StartUpWarmUp.throwawayConfig(new BrokerConfig(), dir.resolve("data"))))
        {
            final List<Socket> sockets = connect(broker.port("mqtt"), 0, WarmUpTraffic.SHARE);
            try
            {
                for (final Socket socket : sockets)
                {
                    socket.shutdownInput();     // every answer reads as the end of the stream
                }
                final WarmUpTraffic traffic = new WarmUpTraffic(WarmUpTraffic.LARGEST_PACKET);
                assertThrows(IOException.class, () -> traffic.exchange(sockets, 0));
            }
            finally
            {
                for (final Socket socket : sockets)
                {
                    socket.close();
                }
            }
        }
    }

    @Test
    void shouldLeaveOutTheTrafficWhereTheMaximumPacketSizeRefusesItAndStillMakeEveryConnection()
    {
        final int tiny = 64;    // the smallest allowed: the PUBLISH of the exchange is longer
        final ServerConfig real = new ServerConfig(new BrokerConfig().dataDir(dir.resolve("data").toString())
            .maxPacketSize(tiny));

        assertEquals(200, StartUpWarmUp.run(200, real), "a refused SUBSCRIBE or PUBLISH would end the warm-up");
    }

    private static List<Socket> connect(final int port, final int first, final int count) throws IOException
    {
        final List<Socket> sockets = new ArrayList<>();
        final UnsafeBuffer connack = new UnsafeBuffer(new byte[2 + 127]);
        for (int n = first; n < first + count; n++)
        {
            final Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            sockets.add(socket);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(StartUpWarmUp.connect(n));
            StartUpWarmUp.readConnack(socket.getInputStream(), connack, n);
        }
        return sockets;
    }
}
