package io.ringmq.transport.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import io.ringmq.auth.Authorizer;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;

/**
 * JUnit 5 extension giving each black-box test class a broker, unique names and clients that are cleaned up.
 * <p>
 * If the system property {@value #EXTERNAL_PORT_PROPERTY} is set, tests talk to an already running broker on
 * 127.0.0.1 at that port (e.g. Mosquitto, to validate the suite itself) and tests that need RingMQ-specific
 * configuration or behaviour are skipped through {@link #assumeRingMq(String)}. Otherwise one RingMQ broker is started
 * per test class on an ephemeral loopback port; a test may start another with its own configuration
 * ({@link #startBroker(UnaryOperator)}), which is closed after that test.
 * <p>
 * Use: {@code @RegisterExtension static final BrokerFixture FIXTURE = new BrokerFixture();}
 * <p>
 * <b>Threading:</b> used from the JUnit test thread only.
 */
public final class BrokerFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback
{
    /** System property naming the port of an external broker on 127.0.0.1. */
    public static final String EXTERNAL_PORT_PROPERTY = "ringmq.it.externalPort";
    /**
     * System property: the routing stage's wait strategy for the suite's brokers ({@code auto} unless set; the
     * WebSocket run of the protocol suite uses {@code blocking}, a routing thread of its own).
     */
    public static final String WAIT_STRATEGY_PROPERTY = "ringmq.it.wait-strategy";
    /** Loopback address every client connects to. */
    public static final String HOST = "127.0.0.1";
    /** Default wait for something that is expected to happen. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** Window used to show that something does not happen (kept short on purpose). */
    public static final Duration QUIET = Duration.ofMillis(500);

    private final Integer externalPort = Integer.getInteger(EXTERNAL_PORT_PROPERTY);
    private final Deque<AutoCloseable> perTest = new ArrayDeque<>();
    private RingMqBroker broker;
    private Path dataDir;
    private String prefix = "setup";

    @Override
    public void beforeAll(final ExtensionContext context) throws IOException
    {
        if (null == externalPort)
        {
            dataDir = Path.of("target", "it-data", context.getRequiredTestClass().getSimpleName() + "-" + suffix());
            broker = RingMqBroker.start(serverConfig(defaultConfig(dataDir.resolve("main"))));
        }
    }

    @Override
    public void afterAll(final ExtensionContext context) throws IOException
    {
        if (null != broker)
        {
            broker.close();
            broker = null;
        }
        if (null != dataDir && Files.exists(dataDir))
        {
            try (Stream<Path> paths = Files.walk(dataDir))
            {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Override
    public void beforeEach(final ExtensionContext context)
    {
        final String method = context.getRequiredTestMethod().getName();
        prefix = (method.length() > 40 ? method.substring(0, 40) : method) + "-" + suffix();
    }

    @Override
    public void afterEach(final ExtensionContext context)
    {
        while (!perTest.isEmpty())
        {
            try
            {
                perTest.pop().close();
            }
            catch (final Exception ignore)
            {
                // clean-up is best effort: the broker under test may already have closed the connection
            }
        }
    }

    /** @return true when the suite runs against an external broker rather than RingMQ. */
    public boolean isExternal()
    {
        return null != externalPort;
    }

    /** @return true when the broker under test is RingMQ. */
    public boolean isRingMq()
    {
        return null == externalPort;
    }

    /**
     * Skip the calling test unless the broker under test is RingMQ.
     *
     * @param why what RingMQ-specific configuration or behaviour the test relies on.
     */
    public void assumeRingMq(final String why)
    {
        Assumptions.assumeTrue(isRingMq(), "RingMQ-only: " + why);
    }

    /** @return port of the broker under test. */
    public int port()
    {
        return isExternal() ? externalPort : broker.port();
    }

    /**
     * Start an extra RingMQ broker with a custom configuration, closed after the current test. RingMQ-only.
     *
     * @param customiser changes applied to the default test configuration.
     * @return the running broker.
     */
    public RingMqBroker startBroker(final UnaryOperator<BrokerConfig> customiser)
    {
        return startBroker(customiser, null);
    }

    /**
     * Start an extra RingMQ broker with a custom configuration and authorizer, closed after the current test.
     *
     * @param customiser changes applied to the default test configuration.
     * @param authorizer an authorizer (fault-injection tests throw from its permissions), or null for none.
     * @return the running broker.
     */
    public RingMqBroker startBroker(final UnaryOperator<BrokerConfig> customiser, final Authorizer authorizer)
    {
        assumeRingMq("needs a broker with a custom configuration");
        final RingMqBroker extra = RingMqBroker.start(
            serverConfig(customiser.apply(defaultConfig(dataDir.resolve(prefix)))), java.util.List.of(),
            null == authorizer ? java.util.List.of() : java.util.List.of(authorizer));
        return track(extra);
    }

    /**
     * @param name role of the client in the test, e.g. "sub".
     * @return a client identifier unique to this test run.
     */
    public String clientId(final String name)
    {
        return prefix + "-" + name;
    }

    /**
     * @param name last level(s) of the topic.
     * @return a topic unique to this test run.
     */
    public String topic(final String name)
    {
        return "it/" + prefix + "/" + name;
    }

    /**
     * @param resource closed (in reverse order) after the current test.
     * @param <T>      resource type.
     * @return the resource.
     */
    public <T extends AutoCloseable> T track(final T resource)
    {
        perTest.push(resource);
        return resource;
    }

    /**
     * @param name role of the client in the test.
     * @return a HiveMQ MQTT 5 client builder aimed at the broker under test.
     */
    public Mqtt5ClientBuilder mqtt5Builder(final String name)
    {
        return transport().apply(MqttClient.builder().useMqttVersion5().identifier(clientId(name)).serverHost(HOST)
            .serverPort(port()));
    }

    /**
     * @param name role of the client in the test.
     * @return a HiveMQ MQTT 5 blocking client, not yet connected, disconnected after the test.
     */
    public Mqtt5BlockingClient mqtt5(final String name)
    {
        return track(mqtt5Builder(name).buildBlocking());
    }

    /**
     * @param client HiveMQ MQTT 5 client to disconnect after the test.
     * @return the client.
     */
    public Mqtt5BlockingClient track(final Mqtt5BlockingClient client)
    {
        track(() ->
        {
            if (client.getState().isConnected())
            {
                client.disconnect();
            }
        });
        return client;
    }

    /**
     * @param name role of the client in the test.
     * @return a HiveMQ MQTT 3.1.1 client builder aimed at the broker under test.
     */
    public Mqtt3ClientBuilder mqtt3Builder(final String name)
    {
        return transport().apply(MqttClient.builder().useMqttVersion3().identifier(clientId(name)).serverHost(HOST)
            .serverPort(port()));
    }

    /**
     * @param name role of the client in the test.
     * @return a HiveMQ MQTT 3.1.1 blocking client, not yet connected, disconnected after the test.
     */
    public Mqtt3BlockingClient mqtt3(final String name)
    {
        final Mqtt3BlockingClient client = mqtt3Builder(name).buildBlocking();
        track(() ->
        {
            if (client.getState().isConnected())
            {
                client.disconnect();
            }
        });
        return client;
    }

    /**
     * @param name role of the client in the test.
     * @return a Paho MQTT 3.1.1 client, not yet connected, closed after the test.
     * @throws Exception if Paho refuses the arguments.
     */
    public Paho3Client paho3(final String name) throws Exception
    {
        return track(new Paho3Client(transport().pahoUri(HOST, port()), clientId(name)));
    }

    /**
     * @param name role of the client in the test.
     * @return a Paho MQTT 5 client, not yet connected, closed after the test.
     * @throws Exception if Paho refuses the arguments.
     */
    public Paho5Client paho5(final String name) throws Exception
    {
        return track(new Paho5Client(transport().pahoUri(HOST, port()), clientId(name)));
    }

    /**
     * @return a raw socket client connected (TCP only) to the broker under test, closed after the test.
     * @throws IOException if the connection fails.
     */
    public RawMqttClient raw() throws IOException
    {
        return raw(port());
    }

    /**
     * @param port port of the broker to connect to.
     * @return a raw socket client connected (TCP only), closed after the test.
     * @throws IOException if the connection fails.
     */
    public RawMqttClient raw(final int port) throws IOException
    {
        return track(new RawMqttClient(HOST, port));
    }

    /**
     * Prove the broker still serves other clients: a fresh MQTT 5 QoS 1 round trip.
     *
     * @throws InterruptedException if interrupted.
     */
    public void assertBrokerServes() throws InterruptedException
    {
        final String topic = topic("still-serving");
        final Mqtt5BlockingClient sub = mqtt5("check-sub");
        sub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            final Mqtt5BlockingClient pub = mqtt5("check-pub");
            pub.connect();
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("alive")).send();
            final Mqtt5Publish received = receive(publishes, TIMEOUT);
            assertArrayEquals(utf8("alive"), received.getPayloadAsBytes());
        }
    }

    /**
     * Assert the broker closes a raw connection after a violation. For MQTT 5 the packet that carries the reason code
     * (CONNACK for an error in CONNECT, DISCONNECT otherwise) must have one of the expected codes if it is sent. The
     * spec only says SHOULD send it, but RingMQ always does (STYLE section 5), so with RingMQ it is required.
     *
     * @param raw          connection that committed the violation.
     * @param version      its protocol level.
     * @param reasonPacket {@link RawPackets#CONNACK} or {@link RawPackets#DISCONNECT}.
     * @param reasonCodes  acceptable MQTT 5 reason codes (ignored below 5).
     * @return packets received before the close.
     * @throws IOException on I/O failure.
     */
    public List<RawPacket> assertClosed(
        final RawMqttClient raw, final int version, final int reasonPacket, final int... reasonCodes)
        throws IOException
    {
        return assertClosed(raw, TIMEOUT, version, reasonPacket, reasonCodes);
    }

    /**
     * As {@link #assertClosed(RawMqttClient, int, int, int...)} with an explicit time limit.
     *
     * @param raw          connection that committed the violation.
     * @param within       how long the broker may take to close.
     * @param version      its protocol level.
     * @param reasonPacket {@link RawPackets#CONNACK} or {@link RawPackets#DISCONNECT}.
     * @param reasonCodes  acceptable MQTT 5 reason codes (ignored below 5).
     * @return packets received before the close.
     * @throws IOException on I/O failure.
     */
    public List<RawPacket> assertClosed(
        final RawMqttClient raw,
        final Duration within,
        final int version,
        final int reasonPacket,
        final int... reasonCodes)
        throws IOException
    {
        final List<RawPacket> packets = raw.readUntilClosed(within);
        if (version >= PacketBuilder.MQTT_5)
        {
            RawPacket withReason = null;
            for (final RawPacket packet : packets)
            {
                if (packet.type() == reasonPacket)
                {
                    withReason = packet;
                }
            }
            if (isRingMq())
            {
                assertTrue(null != withReason, "RingMQ must send packet type " + reasonPacket + " with a reason " +
                    "code before closing, received " + packets);
            }
            if (null != withReason)
            {
                final int actual = withReason.reasonCode();
                boolean expected = false;
                for (final int code : reasonCodes)
                {
                    expected |= code == actual;
                }
                assertTrue(expected, "unexpected reason code 0x" + Integer.toHexString(actual) + " in " + withReason);
            }
        }
        return packets;
    }

    /**
     * @param publishes HiveMQ publishes stream.
     * @param timeout   how long to wait.
     * @return the next message.
     * @throws InterruptedException if interrupted.
     */
    public static Mqtt5Publish receive(final Mqtt5BlockingClient.Mqtt5Publishes publishes, final Duration timeout)
        throws InterruptedException
    {
        final Optional<Mqtt5Publish> publish = publishes.receive(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(publish.isPresent(), "no message within " + timeout);
        return publish.get();
    }

    /**
     * Poll a condition until it holds.
     *
     * @param condition condition to wait for.
     * @param timeout   how long it may take.
     * @throws AssertionError if it does not hold in time.
     */
    public static void await(final BooleanSupplier condition, final Duration timeout)
    {
        await("condition", condition, timeout);
    }

    /**
     * Poll a condition until it holds.
     *
     * @param what      description for the failure message.
     * @param condition condition to wait for.
     * @param timeout   how long it may take.
     * @throws AssertionError if it does not hold in time.
     */
    public static void await(final String what, final BooleanSupplier condition, final Duration timeout)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError(what + " not met within " + timeout);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /**
     * Let time pass. Only for proving that something does NOT happen within a window, or for letting a protocol
     * timer (message expiry) run out; never for synchronisation.
     *
     * @param window how long.
     */
    public static void quietFor(final Duration window)
    {
        final long deadlineNs = System.nanoTime() + window.toNanos();
        long remainingNs;
        while ((remainingNs = deadlineNs - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(remainingNs);
        }
    }

    /**
     * @param text text.
     * @return UTF-8 bytes.
     */
    public static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @return the transport the suite runs over; always TCP against an external broker.
     */
    public ItTransport transport()
    {
        return isExternal() ? ItTransport.TCP : ItTransport.current();
    }

    /** The broker's settings with the one listener of the suite's transport (TCP: the default listener). */
    private static ServerConfig serverConfig(final BrokerConfig config)
    {
        final ServerConfig server = new ServerConfig(config);
        final ListenerConfig listener = ItTransport.current().listener();
        if (null != listener)
        {
            server.addListener(listener);
        }
        return server;
    }

    private static BrokerConfig defaultConfig(final Path dataDir)
    {
        return new BrokerConfig()
            .bindAddress(HOST)
            .port(0)
            .eventLoops(2)
            .dataDir(dataDir.toString())
            .sysIntervalSeconds(1)
            .waitStrategy(System.getProperty(WAIT_STRATEGY_PROPERTY, "auto"));
    }

    private static String suffix()
    {
        return Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    }
}
