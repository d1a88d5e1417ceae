package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.PacketBuilder.MQTT_3_1_1;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;

import io.ringmq.transport.RingMqBroker;

/**
 * Keep-alive, PINGREQ and PINGRESP (MQTT 3.1.1 sections 3.1.2.10 and 3.12-3.13, MQTT 5 sections 3.1.2.10 and
 * 3.2.2.3.14 Server Keep Alive).
 */
@Timeout(30)
final class KeepAliveIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    /** 1.5 x keep-alive, plus slack for brokers that check timers once a second (Mosquitto). */
    private static final Duration CLOSE_WITHIN = Duration.ofMillis(1500 + 2500);

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldCloseSilentClientAfterOneAndAHalfKeepAlivePerMqtt_3_1_2_24(final int version) throws Exception
    {
        FIXTURE.assumeRingMq("Mosquitto 2.0 checks keep-alive coarsely and closes a silent 1 s client after " +
            "2.4 to 6 s instead of 1.5 s");
        final long elapsedMs = closeSilentClient(version, CLOSE_WITHIN);
        assertTrue(elapsedMs >= 1000, "closed too early: " + elapsedMs + " ms");
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldEventuallyCloseSilentClientAndPublishWillPerMqtt_3_1_2_24(final int version) throws Exception
    {
        final long elapsedMs = closeSilentClient(version, Duration.ofSeconds(10));
        assertTrue(elapsedMs >= 1000, "closed too early: " + elapsedMs + " ms");
    }

    private static long closeSilentClient(final int version, final Duration closeWithin) throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        final Mqtt5BlockingClient observer = FIXTURE.mqtt5("observer");
        observer.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes wills = observer.publishes(MqttGlobalPublishFilter.ALL))
        {
            observer.subscribeWith().topicFilter(willTopic).qos(MqttQos.AT_LEAST_ONCE).send();

            final RawMqttClient silent = FIXTURE.raw();
            final long connectedNs = System.nanoTime();
            silent.connect(RawPackets.connect(version, FIXTURE.clientId("silent")).keepAlive(1)
                .will(willTopic, "timed out", 1, false, null).build());
            FIXTURE.assertClosed(silent, closeWithin, version, RawPackets.DISCONNECT, 0x8D);
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedNs);

            assertEquals("timed out", new String(BrokerFixture.receive(wills, TIMEOUT).getPayloadAsBytes(),
                StandardCharsets.UTF_8), "a keep-alive timeout publishes the will");
            return elapsedMs;
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { MQTT_3_1_1, MQTT_5 })
    void shouldAnswerPingReqAndStayConnectedPerMqtt_3_12_4_1(final int version) throws Exception
    {
        final RawMqttClient client = FIXTURE.raw();
        client.connect(RawPackets.connect(version, FIXTURE.clientId("pinger")).keepAlive(1).build());
        final long untilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000);
        while (System.nanoTime() < untilNs)
        {
            client.send(RawPackets.pingReq());
            final RawPacket pong = client.expect(RawPackets.PINGRESP);
            assertEquals(0, pong.body().length);
            // Pace the pings at half the keep-alive: the client's own workload, not synchronisation.
            BrokerFixture.quietFor(Duration.ofMillis(500));
        }
        assertFalse(client.isClosedByPeer(), "pinging within the keep-alive keeps the connection open");
    }

    @Test
    void shouldImposeServerKeepAlivePerMqtt5Section_3_2_2_3_14() throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(config -> config.maxKeepAliveSeconds(1));
        final RawMqttClient client = FIXTURE.raw(broker.port());
        final RawPacket connAck = client.connect(RawPackets.connect(MQTT_5, FIXTURE.clientId("c")).keepAlive(60)
            .build());
        assertEquals(0, connAck.reasonCode());
        assertEquals(1L, connAck.properties().number(RawProperties.SERVER_KEEP_ALIVE));
        final long connectedNs = System.nanoTime();
        FIXTURE.assertClosed(client, CLOSE_WITHIN, MQTT_5, RawPackets.DISCONNECT, 0x8D);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedNs) <= CLOSE_WITHIN.toMillis(),
            "the server keep-alive applies, not the requested 60 s");
    }
}
