package io.ringmq.loadtest;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.config.TlsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Short scenarios over mqtts, ws and wss against the RingMQ broker started in-process with one listener of each kind
 * on ephemeral loopback ports; certificates made by {@code openssl} at test time.
 */
@Timeout(300)
class TransportLoadIT
{
    private static RingMqBroker broker;
    private static TestCertificates certificates;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startBroker() throws Exception
    {
        final Path certs = dir.resolve("certs");
        Files.createDirectories(certs);
        certificates = TestCertificates.generate(certs);
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress("127.0.0.1").port(0)
            .eventLoops(2).dataDir(dir.resolve("data").toString()));
        config.addListener(new ListenerConfig().name("mqtt").port(0));
        config.addListener(new ListenerConfig().name("mqtts").protocol(ListenerConfig.Protocol.MQTTS).port(0)
            .tls(tls()));
        config.addListener(new ListenerConfig().name("ws").protocol(ListenerConfig.Protocol.WS).port(0));
        config.addListener(new ListenerConfig().name("wss").protocol(ListenerConfig.Protocol.WSS).port(0)
            .tls(tls()));
        broker = RingMqBroker.start(config);
    }

    private static TlsConfig tls()
    {
        return new TlsConfig().certFile(certificates.serverCert.toString()).keyFile(certificates.serverKey.toString())
            .caFile(certificates.caCert.toString()).clientAuth(TlsConfig.ClientAuth.OPTIONAL);
    }

    @AfterAll
    static void stopBroker()
    {
        if (null != broker)
        {
            broker.close();
        }
    }

    @Test
    void shouldLoseNothingInQos1FanInOverMqtts() throws Exception
    {
        assertFanIn(run("mqtts", "fan-in", "--publishers", "3", "--subscribers", "2", "--qos", "1", "--rate", "300"));
    }

    @Test
    void shouldLoseNothingInQos1FanInOverWebSocket() throws Exception
    {
        assertFanIn(run("ws", "fan-in", "--publishers", "3", "--subscribers", "2", "--qos", "1", "--rate", "300"));
    }

    @Test
    void shouldLoseNothingInQos1FanInOverSecureWebSocketWithMqtt5() throws Exception
    {
        assertFanIn(run("wss", "fan-in", "--publishers", "3", "--subscribers", "2", "--qos", "1", "--rate", "300",
            "--protocol", "5"));
    }

    @Test
    void shouldDeliverEveryQos1MessageOfUnlimitedPairsWithLargePayloadsOverWss() throws Exception
    {
        // Unlimited rate and 20 KB payloads: frames and TLS records split across reads and writes.
        final LoadResult r = run("wss", "pairs", "--pairs", "3", "--qos", "1", "--payload", "20000", "--inflight",
            "16");
        assertEquals(6, r.connectionsEstablished);
        assertTrue(r.sent > 100, "sent " + r.sent);
        assertEquals(r.sent, r.acknowledged);
        assertEquals(r.sent, r.received);
        assertEquals(0, r.lost);
        assertEquals(0, r.duplicated);
    }

    @Test
    void shouldPresentAClientCertificateOverMqtts() throws Exception
    {
        assertFanIn(run("mqtts", "fan-in", "--publishers", "2", "--subscribers", "1", "--qos", "1", "--rate", "200",
            "--certfile", certificates.clientCert.toString(), "--keyfile", certificates.clientKey.toString()));
    }

    @Test
    void shouldTimeTheHandshakeInTheConnectStormAndPingOverEachTransport() throws Exception
    {
        for (final String transport : new String[]{ "mqtts", "ws", "wss" })
        {
            final LoadResult storm = run(transport, "connect-storm", "--connections", "40");
            assertEquals(40, storm.connectionsEstablished, transport);
            assertEquals(0, storm.connectionsFailed, transport);
            assertEquals(40, storm.histogram.getTotalCount(), transport);

            final LoadResult idle = run(transport, "idle", "--connections", "10", "--keep-alive", "1", "--duration",
                "1500ms");
            assertEquals(10, idle.connectionsEstablished, transport);
            assertTrue(idle.errors.get("pongs") > 0, transport + ": keep-alive answered");
        }
    }

    @Test
    void shouldChurnSecureWebSocketConnections() throws Exception
    {
        final LoadResult r = run("wss", "connect-storm", "--connections", "5", "--reconnect", "--duration", "1s");
        assertTrue(r.connectAttempts > 10, "attempts " + r.connectAttempts);
        assertEquals(0, r.connectionsFailed);
    }

    private static void assertFanIn(final LoadResult r)
    {
        assertTrue(r.sent >= 100, "sent " + r.sent);
        assertEquals(r.sent, r.acknowledged);
        assertEquals(0, r.lost);
        assertEquals(r.expected, r.distinct);
        assertEquals(0, r.duplicated);
        assertTrue(r.histogram.getTotalCount() > 0);
    }

    private static LoadResult run(final String transport, final String scenario, final String... args)
        throws Exception
    {
        final List<String> list = new ArrayList<>(Arrays.asList(args));
        if (!list.contains("--duration"))
        {
            list.addAll(List.of("--duration", "1s"));
        }
        list.addAll(List.of("--port", Integer.toString(broker.port(transport)), "--warmup", "200ms", "--threads",
            "2", "--no-progress", "--drain", "10s", "--connect-timeout", "20s"));
        if (transport.startsWith("ws"))
        {
            list.add("--websocket");
        }
        if (transport.equals("mqtts") || transport.equals("wss"))
        {
            list.addAll(List.of("--tls", "--cafile", certificates.caCert.toString()));
        }
        final LoadOptions options = LoadOptions.parse(Scenario.of(scenario), list);
        final LoadResult result = new ScenarioRunner(options, System.err).run();
        Summary.print(result, System.out);
        final long errors = result.errors.get("ioErrors") + result.errors.get("protocolErrors") +
            result.errors.get("setupTimeouts");
        assertEquals(0, errors, transport + " " + scenario + ": " + result.errors);
        return result;
    }
}
