package io.ringmq.transport.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.admission.ConnectionAdmission;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.netty.Listener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PROXY protocol with a real HAProxy (Debian package) in front of the broker on loopback: HAProxy connects from
 * 127.0.0.1 for every client, so only the header can tell the broker who the client is. Clients connect to HAProxy
 * from 127.0.0.2 and 127.0.0.3; the proxied listener allows one connection per client address (per-address rate,
 * burst 1), so a second connection from 127.0.0.2 is refused while the first from 127.0.0.3 is not. A connection
 * without a header, or with a malformed one, is refused where the header is required, and accepted as it is where
 * the header is optional.
 * <p>
 * Without HAProxy installed the test is skipped, except under CI ({@code CI=true}), where {@code .ci/run} installs it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class ProxyProtocolIT
{
    private static final String LOOPBACK = "127.0.0.1";

    @TempDir
    Path dir;

    private RingMqBroker broker;
    private Process haproxy;
    private int v1Port;
    private int v2Port;
    private int probes;

    @BeforeEach
    void start() throws Exception
    {
        final Path haproxyBinary = Path.of("/usr/sbin/haproxy");
        if (!"true".equals(System.getenv("CI")))
        {
            Assumptions.assumeTrue(Files.isExecutable(haproxyBinary), "haproxy not installed");
        }
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress(LOOPBACK).persistence("false")
            .sysIntervalSeconds(0));
        config.addListener(new ListenerConfig().name("proxied").port(0)
            .proxyProtocol(ListenerConfig.ProxyMode.REQUIRED).connectRatePerAddress(0.001, 1));
        config.addListener(new ListenerConfig().name("optional").port(0)
            .proxyProtocol(ListenerConfig.ProxyMode.OPTIONAL));
        broker = RingMqBroker.start(config);
        v1Port = freePort();
        v2Port = freePort();
        final Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, String.join("\n",
            "global",
            "    maxconn 100",
            "defaults",
            "    mode tcp",
            "    timeout connect 5s",
            "    timeout client 30s",
            "    timeout server 30s",
            "frontend v1",
            "    bind " + LOOPBACK + ":" + v1Port,
            "    default_backend broker_v1",
            "frontend v2",
            "    bind " + LOOPBACK + ":" + v2Port,
            "    default_backend broker_v2",
            "backend broker_v1",
            "    server b " + LOOPBACK + ":" + broker.port("proxied") + " send-proxy",
            "backend broker_v2",
            "    server b " + LOOPBACK + ":" + broker.port("proxied") + " send-proxy-v2",
            ""));
        haproxy = new ProcessBuilder(haproxyBinary.toString(), "-db", "-f", cfg.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        await("haproxy listening", () -> accepts(v1Port) && accepts(v2Port), TIMEOUT);
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        if (null != haproxy)
        {
            haproxy.destroy();
            haproxy.waitFor(5, TimeUnit.SECONDS);
        }
        if (null != broker)
        {
            broker.close();
        }
    }

    @Test
    void shouldTakeTheClientAddressFromTheProxyHeaderForItsLimits() throws Exception
    {
        final Listener proxied = listener("proxied");
        final Mqtt5BlockingClient sub = client("sub", "127.0.0.2", v2Port);
        sub.connect();
        sub.subscribeWith().topicFilter("proxy/#").qos(MqttQos.AT_LEAST_ONCE).send();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL))
        {
            final Mqtt5BlockingClient pub = client("pub", "127.0.0.3", v1Port);
            pub.connect();
            pub.publishWith().topic("proxy/1").payload("through haproxy".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).send();
            final String got = new String(publishes.receive(5, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes(),
                StandardCharsets.UTF_8);
            assertEquals("through haproxy", got, "v1 publisher to v2 subscriber through the proxy");
            pub.disconnect();
        }
        assertEquals(0, proxied.admission().refused(ConnectionAdmission.ADDRESS_RATE),
            "127.0.0.2 and 127.0.0.3 are different clients, though HAProxy is 127.0.0.1 for both");

        final Mqtt5BlockingClient again = client("again", "127.0.0.2", v2Port);
        assertThrows(RuntimeException.class, again::connect, "a second connection from 127.0.0.2 is over its rate");
        await("refusal counted", () -> 1 == proxied.admission().refused(ConnectionAdmission.ADDRESS_RATE), TIMEOUT);
        assertTrue(sub.getState().isConnected(), "the first client of that address is untouched");
        sub.disconnect();
    }

    @Test
    void shouldRefuseConnectionsWithoutAValidHeaderWhereItIsRequired() throws Exception
    {
        final Listener proxied = listener("proxied");
        assertTrue(closedAfterSending(broker.port("proxied"), connectBytes()),
            "MQTT without a header is refused where the header is required");
        assertTrue(closedAfterSending(broker.port("proxied"),
            "PROXY TCP4 not-an-address 127.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII)),
            "a malformed header is refused");
        await("both refusals counted", () -> 2 == proxied.admission().refused(ConnectionAdmission.PROXY_HEADER),
            TIMEOUT);

        final Mqtt5BlockingClient direct = MqttClient.builder().useMqttVersion5().identifier("direct")
            .serverHost(LOOPBACK).serverPort(broker.port("optional")).buildBlocking();
        direct.connect();
        assertTrue(direct.getState().isConnected(), "where the header is optional, a client without one is served");
        direct.disconnect();
        assertEquals(0, listener("optional").admission().refusedTotal());
    }

    private Listener listener(final String name)
    {
        return broker.listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    private static Mqtt5BlockingClient client(final String id, final String from, final int port)
    {
        return MqttClient.builder().useMqttVersion5().identifier("proxy-" + id)
            .transportConfig(MqttClientTransportConfig.builder().serverHost(LOOPBACK).serverPort(port)
                .localAddress(new InetSocketAddress(from, 0)).build())
            .buildBlocking();
    }

    /** A minimal MQTT 3.1.1 CONNECT with client id "x". */
    private static byte[] connectBytes()
    {
        return new byte[] {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'x'};
    }

    /** Send bytes and report whether the broker closed the connection without answering. */
    private static boolean closedAfterSending(final int port, final byte[] bytes) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 5000);
            socket.setSoTimeout(5000);
            final OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            final InputStream in = socket.getInputStream();
            return in.read() < 0;
        }
        catch (final java.net.SocketException ex)
        {
            return true;  // reset: closed as well
        }
    }

    /**
     * Whether HAProxy accepts on {@code port}; each probe comes from an address of its own (127.0.1.n), since HAProxy
     * passes it on to the broker, whose per-address limit must not see the probes as one client.
     */
    private boolean accepts(final int port)
    {
        try (Socket socket = new Socket())
        {
            socket.bind(new InetSocketAddress("127.0.1." + (++probes), 0));
            socket.connect(new InetSocketAddress(LOOPBACK, port), 500);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName(LOOPBACK)))
        {
            return socket.getLocalPort();
        }
    }
}
