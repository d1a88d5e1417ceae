package io.ringmq.transport.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.ringmq.auth.AuthExchange;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.AuthStep;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.EnhancedAuthenticator;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The authentication pipeline with real clients and sources given in the test: the decision is made on the
 * authentication pool, off the routing thread, in order with the connection's other packets; refusals carry the
 * source's reason code (MQTT 5) or the 3.1.1 return code; MQTT 5 enhanced authentication and re-authentication run
 * the AUTH exchange; a credential that expires ends the connection with DISCONNECT 0x87.
 */
@Timeout(60)
class AuthenticationIT
{
    private static final String HOST = BrokerFixture.HOST;
    private static final Duration TIMEOUT = BrokerFixture.TIMEOUT;

    @TempDir
    Path dataDir;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** alice/secret is allowed, with a credential that expires when the password says "expiring"; bob is denied. */
    private static final class TestAuthenticator implements Authenticator
    {
        private final CountDownLatch release;

        TestAuthenticator(final CountDownLatch release)
        {
            this.release = release;
        }

        @Override
        public String name()
        {
            return "test";
        }

        @Override
        public AuthResult authenticate(final ClientInfo client) throws Exception
        {
            if ("slow".equals(client.username()))
            {
                release.await(20, TimeUnit.SECONDS);    // a slow identity service: holds a pool thread only
                return AuthResult.allow();
            }
            if (!"alice".equals(client.username()))
            {
                return AuthResult.ignore();
            }
            final String password = new String(client.password(), StandardCharsets.UTF_8);
            if ("expiring".equals(password))
            {
                return AuthResult.allow().withExpiry(System.currentTimeMillis() + 1_000);
            }
            return "secret".equals(password) ? AuthResult.allow() :
                AuthResult.deny(AuthResult.BAD_USER_NAME_OR_PASSWORD, "wrong password");
        }
    }

    /** "ECHO": the client sends its name, the server challenges with "prove <name>", the client answers "<name>!". */
    private static final class EchoAuthenticator implements EnhancedAuthenticator
    {
        @Override
        public String method()
        {
            return "ECHO";
        }

        @Override
        public AuthExchange start(final ClientInfo client)
        {
            return new AuthExchange()
            {
                private String name;

                @Override
                public AuthStep next(final byte[] data)
                {
                    final String text = new String(data, StandardCharsets.UTF_8);
                    if (null == name)
                    {
                        name = text;
                        return AuthStep.challenge(("prove " + name).getBytes(StandardCharsets.UTF_8));
                    }
                    return AuthStep.done(text.equals(name + "!") ?
                        AuthResult.allow().withAuthData(("welcome " + name).getBytes(StandardCharsets.UTF_8)) :
                        AuthResult.deny(AuthResult.NOT_AUTHORIZED, "bad proof"));
                }
            };
        }
    }

    private RingMqBroker start(final CountDownLatch release)
    {
        final BrokerConfig config = new BrokerConfig().bindAddress(HOST).port(0).eventLoops(2)
            .dataDir(dataDir.toString()).persistence("false").sysIntervalSeconds(0);
        final ServerConfig server = new ServerConfig(config);
        final RingMqBroker broker = RingMqBroker.start(server, List.of(new TestAuthenticator(release)), List.of());
        closeables.add(broker);
        return broker;
    }

    private RingMqBroker startWithEcho()
    {
        final BrokerConfig config = new BrokerConfig().bindAddress(HOST).port(0).eventLoops(2)
            .dataDir(dataDir.toString()).persistence("false").sysIntervalSeconds(0);
        final RingMqBroker broker = RingMqBroker.start(new ServerConfig(config), List.of(),
            List.of(new EchoAuthenticator()), List.of());
        closeables.add(broker);
        return broker;
    }

    @AfterEach
    void close() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    private RawMqttClient raw(final RingMqBroker broker) throws Exception
    {
        final RawMqttClient client = new RawMqttClient(HOST, broker.port());
        closeables.add(client);
        return client;
    }

    @Test
    void shouldAcceptTheRightPasswordAndRefuseWrongUnknownAndAnonymousClients() throws Exception
    {
        final RingMqBroker broker = start(new CountDownLatch(0));
        try (RawMqttClient ok = raw(broker))
        {
            final RawPacket connack = ok.connect(RawPackets.connect(PacketBuilder.MQTT_5, "a1")
                .credentials("alice", "secret").build());
            assertEquals(0, connack.reasonCode());
        }
        final int[][] cases = {
            // version, expected reason/return code
            {PacketBuilder.MQTT_5, AuthResult.BAD_USER_NAME_OR_PASSWORD},
            {PacketBuilder.MQTT_3_1_1, 4},
        };
        for (final int[] c : cases)
        {
            try (RawMqttClient wrong = raw(broker))
            {
                assertEquals(c[1], wrong.connect(RawPackets.connect(c[0], "w" + c[0])
                    .credentials("alice", "guess").build()).reasonCode(), "wrong password, v" + c[0]);
            }
            try (RawMqttClient unknown = raw(broker))
            {
                assertEquals(c[1], unknown.connect(RawPackets.connect(c[0], "u" + c[0])
                    .credentials("mallory", "x").build()).reasonCode(), "unknown user, v" + c[0]);
            }
        }
        try (RawMqttClient anonymous = raw(broker))
        {
            assertEquals(AuthResult.NOT_AUTHORIZED, anonymous.connect(RawPackets.connect(PacketBuilder.MQTT_5, "n")
                .build()).reasonCode(), "anonymous refused by default once a source is configured");
        }
        try (RawMqttClient anonymous = raw(broker))
        {
            assertEquals(5, anonymous.connect(RawPackets.connect(PacketBuilder.MQTT_3_1_1, "n3").build())
                .reasonCode());
        }
        assertTrue(broker.auth().refused() >= 5, "refusals counted: " + broker.auth().refused());
    }

    @Test
    void shouldKeepPacketsSentBeforeConnackBehindTheDecision() throws Exception
    {
        final RingMqBroker broker = start(new CountDownLatch(0));
        try (RawMqttClient client = raw(broker))
        {
            // CONNECT, SUBSCRIBE and PUBLISH in one write: nothing may overtake the CONNECT's decision.
            final byte[] connect = RawPackets.connect(PacketBuilder.MQTT_5, "pipelined").credentials("alice",
                "secret").build();
            final byte[] subscribe = RawPackets.subscribe(PacketBuilder.MQTT_5, 1, "p/t", 1, null);
            final byte[] publish = RawPackets.publish(PacketBuilder.MQTT_5, 1, "p/t", 2, "hello");
            final byte[] all = new byte[connect.length + subscribe.length + publish.length];
            System.arraycopy(connect, 0, all, 0, connect.length);
            System.arraycopy(subscribe, 0, all, connect.length, subscribe.length);
            System.arraycopy(publish, 0, all, connect.length + subscribe.length, publish.length);
            client.send(all);
            assertEquals(RawPackets.CONNACK, client.read(TIMEOUT).type());
            assertEquals(RawPackets.SUBACK, client.read(TIMEOUT).type());
            final List<Integer> rest = new ArrayList<>();
            rest.add(client.read(TIMEOUT).type());
            rest.add(client.read(TIMEOUT).type());
            rest.sort(null);
            assertEquals(List.of(RawPackets.PUBLISH, RawPackets.PUBACK), rest);
        }
    }

    @Test
    void shouldKeepRoutingForConnectedClientsWhileAnAuthenticationIsSlow() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final RingMqBroker broker = start(release);
        final Mqtt5BlockingClient sub = Mqtt5Client.builder().identifier("sub").serverHost(HOST)
            .serverPort(broker.port()).simpleAuth().username("alice").password("secret".getBytes(
            StandardCharsets.UTF_8)).applySimpleAuth().buildBlocking();
        sub.connect();
        closeables.add(sub::disconnect);
        sub.subscribeWith().topicFilter("live").qos(MqttQos.AT_LEAST_ONCE).send();
        final Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(
            com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL);
        closeables.add(publishes);
        final RawMqttClient slow = raw(broker);
        slow.send(RawPackets.connect(PacketBuilder.MQTT_5, "slow").credentials("slow", "x").build());
        for (int i = 0; i < 20; i++)
        {
            sub.publishWith().topic("live").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {(byte)i}).send();
            assertTrue(publishes.receive(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isPresent(),
                "message " + i + " routed while another client's authentication waits");
        }
        assertEquals(null, slow.poll(Duration.ofMillis(100)), "the slow client has no CONNACK yet");
        release.countDown();
        assertEquals(0, slow.expect(RawPackets.CONNACK).reasonCode());
    }

    @Test
    void shouldRefuseAnUnknownAuthenticationMethodWith0x8C() throws Exception
    {
        final RingMqBroker broker = start(new CountDownLatch(0));
        final Mqtt5BlockingClient client = Mqtt5Client.builder().identifier("m").serverHost(HOST)
            .serverPort(broker.port()).enhancedAuth(new HiveMqEcho("x", false)).buildBlocking();
        final Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, client::connect);
        assertEquals(Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD, refused.getMqttMessage().getReasonCode());
    }

    @Test
    void shouldRunTheEnhancedAuthenticationExchangeAndReauthenticate() throws Exception
    {
        final RingMqBroker broker = startWithEcho();
        final HiveMqEcho echo = new HiveMqEcho("dev-1", false);
        final Mqtt5BlockingClient client = Mqtt5Client.builder().identifier("echo").serverHost(HOST)
            .serverPort(broker.port()).enhancedAuth(echo).buildBlocking();
        client.connect();
        closeables.add(client::disconnect);
        assertArrayEquals("welcome dev-1".getBytes(StandardCharsets.UTF_8), echo.lastServerData());
        client.toAsync().reauth().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(2, echo.challenges(), "one challenge at CONNECT, one at re-authentication");
        client.subscribeWith().topicFilter("still/here").send();    // the connection goes on

        final HiveMqEcho liar = new HiveMqEcho("dev-2", true);
        final Mqtt5BlockingClient bad = Mqtt5Client.builder().identifier("liar").serverHost(HOST)
            .serverPort(broker.port()).enhancedAuth(liar).buildBlocking();
        final Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, bad::connect);
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, refused.getMqttMessage().getReasonCode());
    }

    @Test
    void shouldDisconnectWhenTheCredentialExpires() throws Exception
    {
        final RingMqBroker broker = start(new CountDownLatch(0));
        final RawMqttClient client = raw(broker);
        assertEquals(0, client.connect(RawPackets.connect(PacketBuilder.MQTT_5, "exp")
            .credentials("alice", "expiring").build()).reasonCode());
        final RawPacket disconnect = client.read(Duration.ofSeconds(5));
        assertEquals(RawPackets.DISCONNECT, disconnect.type());
        assertEquals(AuthResult.NOT_AUTHORIZED, disconnect.reasonCode());
    }

    /** The client side of "ECHO" for the HiveMQ client. */
    private static final class HiveMqEcho implements com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism
    {
        private final String name;
        private final boolean lie;
        private volatile byte[] lastServerData;
        private volatile int challenges;

        HiveMqEcho(final String name, final boolean lie)
        {
            this.name = name;
            this.lie = lie;
        }

        byte[] lastServerData()
        {
            return lastServerData;
        }

        int challenges()
        {
            return challenges;
        }

        @Override
        public com.hivemq.client.mqtt.datatypes.MqttUtf8String getMethod()
        {
            return com.hivemq.client.mqtt.datatypes.MqttUtf8String.of("x".equals(name) ? "NOPE" : "ECHO");
        }

        @Override
        public int getTimeout()
        {
            return 10;
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> onAuth(
            final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect connect,
            final com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder authBuilder)
        {
            authBuilder.data(name.getBytes(StandardCharsets.UTF_8));
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> onReAuth(
            final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder authBuilder)
        {
            authBuilder.data(name.getBytes(StandardCharsets.UTF_8));
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Boolean> onServerReAuth(
            final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth auth,
            final com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder authBuilder)
        {
            return java.util.concurrent.CompletableFuture.completedFuture(false);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Boolean> onContinue(
            final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth auth,
            final com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder authBuilder)
        {
            challenges++;
            final String challenge = auth.getData().map(b ->
            {
                final byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                return new String(bytes, StandardCharsets.UTF_8);
            }).orElse("");
            if (!challenge.equals("prove " + name))
            {
                return java.util.concurrent.CompletableFuture.completedFuture(false);
            }
            authBuilder.data((lie ? "not " + name : name + "!").getBytes(StandardCharsets.UTF_8));
            return java.util.concurrent.CompletableFuture.completedFuture(true);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Boolean> onAuthSuccess(
            final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck connAck)
        {
            lastServerData = connAck.getEnhancedAuth().flatMap(a -> a.getData()).map(AuthenticationIT::bytes)
                .orElse(null);
            return java.util.concurrent.CompletableFuture.completedFuture(true);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Boolean> onReAuthSuccess(
            final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth auth)
        {
            lastServerData = auth.getData().map(AuthenticationIT::bytes).orElse(null);
            return java.util.concurrent.CompletableFuture.completedFuture(true);
        }

        @Override
        public void onAuthRejected(final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck connAck)
        {
        }

        @Override
        public void onReAuthRejected(final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect disconnect)
        {
        }

        @Override
        public void onAuthError(final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final Throwable cause)
        {
        }

        @Override
        public void onReAuthError(final com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig clientConfig,
            final Throwable cause)
        {
        }
    }

    private static byte[] bytes(final java.nio.ByteBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return Arrays.copyOf(bytes, bytes.length);
    }
}
