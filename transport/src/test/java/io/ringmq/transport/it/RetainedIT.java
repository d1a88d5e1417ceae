package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.QUIET;
import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;

/**
 * Retained messages (MQTT 3.1.1 section 3.3.1.3, MQTT 5 section 3.3.1.3 with Retain As Published and Retain
 * Handling).
 */
@Timeout(30)
final class RetainedIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    private final List<String> retainedTopics = new ArrayList<>();

    @AfterEach
    void clearRetained()
    {
        if (retainedTopics.isEmpty())
        {
            return;
        }
        final Mqtt5BlockingClient cleaner = FIXTURE.mqtt5("cleaner");
        cleaner.connect();
        for (final String topic : retainedTopics)
        {
            cleaner.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).send();
        }
        cleaner.disconnect();
    }

    @Test
    void shouldSendRetainedMessageOnSubscribeWithRetainFlagPerMqtt_3_3_1_6And_3_3_1_8() throws Exception
    {
        final String topic = retained("t");
        final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).retain(true).payload(utf8("kept")).send();

        final Paho3Client sub = FIXTURE.paho3("sub").connect(true);
        sub.client().subscribe(topic, 1);
        final Paho3Client.Message message = sub.inbox().take(TIMEOUT);
        assertEquals("kept", message.text());
        assertTrue(message.message().isRetained(), "RETAIN 1 on delivery of a retained message [MQTT-3.3.1-8]");
        assertEquals(1, message.message().getQos(), "min(published 2, granted 1)");
    }

    @Test
    void shouldReplaceRetainedMessagePerMqtt_3_3_1_5() throws Exception
    {
        final String topic = retained("t");
        final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("v1")).send();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("v2")).send();

        final Paho3Client sub = FIXTURE.paho3("sub").connect(true);
        sub.client().subscribe(topic, 1);
        assertEquals("v2", sub.inbox().take(TIMEOUT).text());
        assertNull(sub.inbox().poll(QUIET), "only the latest retained message");
    }

    @Test
    void shouldClearRetainedMessageWithEmptyPayloadPerMqtt_3_3_1_10And_3_3_1_11() throws Exception
    {
        final String topic = retained("t");
        final Mqtt3BlockingClient pub = FIXTURE.mqtt3("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("old")).send();

        final Paho3Client live = FIXTURE.paho3("live").connect(true);
        live.client().subscribe(topic, 1);
        assertEquals("old", live.inbox().take(TIMEOUT).text());

        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).send();
        final Paho3Client.Message cleared = live.inbox().take(TIMEOUT);
        assertEquals(0, cleared.message().getPayload().length, "the empty message is delivered as normal");
        assertFalse(cleared.message().isRetained());

        final Paho3Client late = FIXTURE.paho3("late").connect(true);
        late.client().subscribe(topic, 1);
        assertNull(late.inbox().poll(QUIET), "no retained message after clearing");
    }

    @Test
    void shouldClearRetainFlagOnLiveDeliveryPerMqtt_3_3_1_9() throws Exception
    {
        final String topic = retained("t");
        final Mqtt3BlockingClient sub = FIXTURE.mqtt3("sub");
        sub.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            final Paho3Client pub = FIXTURE.paho3("pub").connect(true);
            pub.client().publish(topic, utf8("live"), 1, true);
            final var publish = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertEquals("live", new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8));
            assertFalse(publish.isRetain(), "3.1.1 clears RETAIN on delivery to an established subscription");
        }
    }

    @Test
    void shouldKeepRetainFlagOnlyWithRetainAsPublishedPerMqtt5_3_3_1_12And_3_3_1_13() throws Exception
    {
        final String topic = retained("t");
        final Mqtt5BlockingClient keep = FIXTURE.mqtt5("keep");
        final Mqtt5BlockingClient plain = FIXTURE.mqtt5("plain");
        keep.connect();
        plain.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes keepIn = keep.publishes(MqttGlobalPublishFilter.ALL);
            Mqtt5BlockingClient.Mqtt5Publishes plainIn = plain.publishes(MqttGlobalPublishFilter.ALL))
        {
            keep.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).retainAsPublished(true).send();
            plain.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
            pub.connect();
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("r")).send();
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("n")).send();

            assertTrue(BrokerFixture.receive(keepIn, TIMEOUT).isRetain(), "Retain As Published keeps RETAIN 1");
            assertFalse(BrokerFixture.receive(keepIn, TIMEOUT).isRetain(), "and RETAIN 0");
            assertFalse(BrokerFixture.receive(plainIn, TIMEOUT).isRetain(), "without it RETAIN is cleared");
            assertFalse(BrokerFixture.receive(plainIn, TIMEOUT).isRetain());
        }
    }

    @Test
    void shouldHonourRetainHandlingPerMqtt5_3_3_1_9To_3_3_1_11() throws Exception
    {
        final String topic = retained("t");
        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("kept")).send();

        assertEquals(2, retainedOnTwoSubscribes("rh0", topic, Mqtt5RetainHandling.SEND), "0: on every subscribe");
        assertEquals(1, retainedOnTwoSubscribes("rh1", topic, Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST),
            "1: only when the subscription is new");
        assertEquals(0, retainedOnTwoSubscribes("rh2", topic, Mqtt5RetainHandling.DO_NOT_SEND), "2: never");
    }

    @Test
    void shouldSendEveryMatchingRetainedMessageToWildcardSubscriber() throws Exception
    {
        final String a = retained("w/a");
        final String b = retained("w/b/c");
        final Mqtt5BlockingClient pub = FIXTURE.mqtt5("pub");
        pub.connect();
        pub.publishWith().topic(a).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("a")).send();
        pub.publishWith().topic(b).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("b")).send();

        final Mqtt5BlockingClient sub = FIXTURE.mqtt5("sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(FIXTURE.topic("w/#")).qos(MqttQos.AT_LEAST_ONCE).send();
            final Set<String> topics = new TreeSet<>();
            topics.add(BrokerFixture.receive(publishes, TIMEOUT).getTopic().toString());
            topics.add(BrokerFixture.receive(publishes, TIMEOUT).getTopic().toString());
            assertEquals(new TreeSet<>(List.of(a, b)), topics);
        }
    }

    private int retainedOnTwoSubscribes(final String name, final String topic, final Mqtt5RetainHandling handling)
        throws InterruptedException
    {
        final Mqtt5BlockingClient sub = FIXTURE.mqtt5(name);
        sub.connect();
        int count = 0;
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            for (int i = 0; i < 2; i++)
            {
                sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).retainHandling(handling).send();
                final Optional<Mqtt5Publish> publish =
                    publishes.receive(QUIET.toMillis(), TimeUnit.MILLISECONDS);
                if (publish.isPresent())
                {
                    assertTrue(publish.get().isRetain());
                    count++;
                }
            }
        }
        sub.disconnect();
        return count;
    }

    private String retained(final String name)
    {
        final String topic = FIXTURE.topic(name);
        retainedTopics.add(topic);
        return topic;
    }
}
