package io.ringmq.transport.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.transport.RingMqBroker;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault injection into a running broker through its authorizer, which the routing thread calls for every PUBLISH:
 * an exception costs only the client whose packet raised it; an {@link Error} stops the broker cleanly and
 * promptly instead of leaving a dead routing thread behind a ring that fills.
 */
@Timeout(60)
final class FaultInjectionIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    /** Permissions that throw from publish() on the topic "boom" (on the routing thread). */
    private static Authorizer throwingOn(final RuntimeException exception, final Error error)
    {
        final TopicPermissions permissions = new TopicPermissions()
        {
            @Override
            public Decision publish(final DirectBuffer topic, final int offset, final int length)
            {
                if ("boom".equals(topic.getStringWithoutLengthUtf8(offset, length)))
                {
                    if (null != error)
                    {
                        throw error;
                    }
                    throw exception;
                }
                return Decision.ALLOW;
            }

            @Override
            public Decision read(final DirectBuffer topic, final int offset, final int length)
            {
                return Decision.ALLOW;
            }

            @Override
            public FilterAccess subscribe(final String filter)
            {
                return FilterAccess.ALL;
            }
        };
        return new Authorizer()
        {
            @Override
            public String name()
            {
                return "throwing";
            }

            @Override
            public TopicPermissions permissions(final ClientInfo client)
            {
                return permissions;
            }
        };
    }

    @Test
    void shouldCutOnlyTheClientWhosePacketFailed() throws Exception
    {
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.persistence("false"),
            throwingOn(new IllegalStateException("injected"), null));
        final Mqtt5BlockingClient sub = FIXTURE.track(FIXTURE.mqtt5Builder("sub").serverPort(broker.port())
            .buildBlocking());
        sub.connect();
        sub.subscribeWith().topicFilter("ok/#").qos(MqttQos.AT_LEAST_ONCE).send();
        final Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
        final Mqtt5BlockingClient bad = FIXTURE.track(FIXTURE.mqtt5Builder("bad").serverPort(broker.port())
            .buildBlocking());
        bad.connect();
        final Mqtt5BlockingClient good = FIXTURE.track(FIXTURE.mqtt5Builder("good").serverPort(broker.port())
            .buildBlocking());
        good.connect();

        bad.publishWith().topic("boom").qos(MqttQos.AT_MOST_ONCE).send();
        BrokerFixture.await("the failing client is disconnected", () -> !bad.getState().isConnected(),
            BrokerFixture.TIMEOUT);
        for (int i = 0; i < 10; i++)
        {
            good.publishWith().topic("ok/" + i).qos(MqttQos.AT_LEAST_ONCE)
                .payload(("m" + i).getBytes(StandardCharsets.UTF_8)).send();
        }
        for (int i = 0; i < 10; i++)
        {
            final Mqtt5Publish publish = BrokerFixture.receive(publishes, BrokerFixture.TIMEOUT);
            assertEquals("ok/" + i, publish.getTopic().toString());
        }
        assertTrue(good.getState().isConnected());
        assertEquals(1, broker.router().counters().routerErrors);
        assertNull(broker.failure());
    }

    @Test
    void shouldStopTheBrokerOnAnErrorInTheRoutingThread() throws Exception
    {
        final OutOfMemoryError injected = new OutOfMemoryError("injected");
        final RingMqBroker broker = FIXTURE.startBroker(c -> c.persistence("false"), throwingOn(null, injected));
        final int port = broker.port();
        final Mqtt5BlockingClient client = FIXTURE.track(FIXTURE.mqtt5Builder("c").serverPort(port)
            .buildBlocking());
        client.connect();

        client.publishWith().topic("boom").qos(MqttQos.AT_MOST_ONCE).send();

        assertTrue(broker.awaitStopped(Duration.ofSeconds(20).toMillis()), "the broker stops, it does not hang");
        assertSame(injected, broker.failure());
        BrokerFixture.await("the client is disconnected", () -> !client.getState().isConnected(),
            BrokerFixture.TIMEOUT);
        assertThrows(ConnectException.class, () -> connect(port), "nothing listens any more");
    }

    private static void connect(final int port) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(BrokerFixture.HOST, port), 1000);
        }
    }
}
