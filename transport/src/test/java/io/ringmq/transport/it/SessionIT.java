package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.QUIET;
import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.await;
import static io.ringmq.transport.it.BrokerFixture.utf8;
import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * Session state across connections: clean session / clean start, session present, offline queueing, MQTT 5
 * session expiry and session takeover (MQTT 3.1.1 sections 3.1.2.4 and 4.1, MQTT 5 sections 3.1.2.4, 3.1.2.11.2
 * and 4.1).
 */
@Timeout(30)
final class SessionIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    @Test
    void shouldKeepSubscriptionsInPersistentSessionPerMqtt_3_1_2_4() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Paho3Client first = FIXTURE.paho3("sub").connect(false);
        first.client().subscribe(topic, 1);
        first.client().disconnect();
        first.close();

        final Paho3Client second = FIXTURE.paho3("sub").connect(false);
        final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("still subscribed")).send();
        assertEquals("still subscribed", second.inbox().take(TIMEOUT).text());
    }

    @Test
    void shouldQueueQos1And2WhileOfflinePerMqtt_3_1_2_4() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Mqtt3BlockingClient sub = FIXTURE.mqtt3("sub");
        sub.connectWith().cleanSession(false).send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
        sub.disconnect();

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        final List<String> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            final MqttQos qos = i % 2 == 0 ? MqttQos.AT_LEAST_ONCE : MqttQos.EXACTLY_ONCE;
            pub.publishWith().topic(topic).qos(qos).payload(utf8("m" + i)).send();
            sent.add("m" + i);
        }
        // QoS 0 to an offline session may be dropped: sent, but not asserted on.
        pub.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(utf8("q0")).send();

        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            assertTrue(sub.connectWith().cleanSession(false).send().isSessionPresent());
            final List<String> received = new ArrayList<>();
            while (received.size() < sent.size())
            {
                final String text = publishes.receive(5, TimeUnit.SECONDS)
                    .map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8))
                    .orElseThrow(() -> new AssertionError("queued messages missing, got " + received));
                if (!"q0".equals(text))
                {
                    received.add(text);
                }
            }
            assertEquals(sent, received, "every queued QoS 1/2 message, in order");
        }
    }

    @Test
    void shouldQueueForOfflineMqtt5SessionWithExpiryPerMqtt5_3_1_2_23() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Paho5Client sub = FIXTURE.paho5("sub").connect(true, 60);
        sub.client().subscribe(new MqttSubscription[]{ new MqttSubscription(topic, 1) });
        sub.client().disconnect();

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("while away")).send();

        sub.connect(false, 60);
        assertEquals("while away", sub.inbox().take(TIMEOUT).text());
    }

    @Test
    void shouldDiscardSessionOnCleanSessionPerMqtt_3_1_2_6() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Mqtt3BlockingClient sub = FIXTURE.mqtt3("sub");
        sub.connectWith().cleanSession(false).send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("queued")).send();

        final Mqtt3BlockingClient again = FIXTURE.mqtt3("sub"); // a fresh client object: no client-side state
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL))
        {
            assertFalse(again.connectWith().cleanSession(true).send().isSessionPresent(), "[MQTT-3.2.2-1]");
            assertFalse(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent(), "queue discarded");
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("after")).send();
            assertFalse(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent(), "subscription gone");
        }
    }

    @Test
    void shouldDiscardSessionOnCleanStartPerMqtt5_3_1_2_4() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("queued")).send();

        final Mqtt5BlockingClient again = FIXTURE.mqtt5("sub"); // a fresh client object: no client-side state
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL))
        {
            assertFalse(again.connectWith().cleanStart(true).sessionExpiryInterval(60).send().isSessionPresent(),
                "[MQTT-3.2.2-2]");
            assertFalse(publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS).isPresent(), "queue discarded");
        }
    }

    @Test
    void shouldEndSessionAtDisconnectWhenExpiryIsZeroPerMqtt5Section_3_1_2_11_2() throws Exception
    {
        final Mqtt5BlockingClient client = FIXTURE.mqtt5("c");
        client.connectWith().cleanStart(false).sessionExpiryInterval(0).send();
        client.subscribeWith().topicFilter(FIXTURE.topic("t")).send();
        client.disconnect();
        assertFalse(client.connectWith().cleanStart(false).send().isSessionPresent());
    }

    @Test
    void shouldExpireSessionAfterSessionExpiryIntervalPerMqtt5Section_3_1_2_11_2() throws Exception
    {
        final String willTopic = FIXTURE.topic("session-end");
        final Mqtt5BlockingClient observer = FIXTURE.mqtt5("observer");
        observer.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes ends = observer.publishes(MqttGlobalPublishFilter.ALL))
        {
            observer.subscribeWith().topicFilter(willTopic).qos(MqttQos.AT_LEAST_ONCE).send();
            final String clientId = FIXTURE.clientId("c");
            final RawMqttClient raw = FIXTURE.raw();
            raw.connect(RawPackets.connect(MQTT_5, clientId).clean(false)
                .properties(new PacketBuilder().intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 1))
                .will(willTopic, "ended", 0, false,
                    new PacketBuilder().intProperty(RawProperties.WILL_DELAY_INTERVAL, 3600))
                .build());
            raw.send(RawPackets.subscribe(MQTT_5, 1, FIXTURE.topic("t"), 1, null));
            raw.expect(RawPackets.SUBACK);
            raw.close();

            // The will is published when the session ends (its delay is an hour), which tells us the 1 s session
            // expiry has run without sleeping for a guessed time.
            BrokerFixture.receive(ends, Duration.ofSeconds(5));
            final RawMqttClient again = FIXTURE.raw();
            assertFalse(again.connect(RawPackets.connect(MQTT_5, clientId).clean(false).build()).sessionPresent(),
                "the session expired");
        }
    }

    @Test
    void shouldCloseExistingConnectionOnTakeoverPerMqtt_3_1_4_2() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Paho3Client old = FIXTURE.paho3("c").connect(false);
        old.client().subscribe(topic, 1);

        final Paho3Client taker = FIXTURE.paho3("c").connect(false);
        await("old connection closed", () -> !old.client().isConnected(), TIMEOUT);

        final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("to the new one")).send();
        assertEquals("to the new one", taker.inbox().take(TIMEOUT).text(), "the session moved to the new connection");
        assertNull(old.inbox().poll(QUIET));
    }

    @Test
    void shouldResumeSessionOnMqtt5TakeoverPerMqtt5_3_1_4_3() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final AtomicReference<Throwable> cause = new AtomicReference<>();
        final Mqtt5BlockingClient old = FIXTURE.track(FIXTURE.mqtt5Builder("c")
            .addDisconnectedListener(context -> cause.set(context.getCause())).buildBlocking());
        old.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
        old.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

        final Mqtt5BlockingClient taker = FIXTURE.mqtt5("c");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = taker.publishes(MqttGlobalPublishFilter.ALL))
        {
            assertTrue(taker.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent());
            await("old client disconnected", () -> null != cause.get(), TIMEOUT);
            if (FIXTURE.isRingMq() || cause.get() instanceof Mqtt5DisconnectException)
            {
                assertTrue(cause.get() instanceof Mqtt5DisconnectException, "DISCONNECT expected: " + cause.get());
                assertEquals(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER,
                    ((Mqtt5DisconnectException)cause.get()).getMqttMessage().getReasonCode());
            }

            final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
            pub.connect();
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("moved")).send();
            final Mqtt5Publish publish = BrokerFixture.receive(publishes, TIMEOUT);
            assertEquals("moved", new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8));
        }
    }
}
