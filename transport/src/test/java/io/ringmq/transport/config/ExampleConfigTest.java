package io.ringmq.transport.config;

import io.ringmq.core.config.BrokerConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example configuration shipped in {@code config/} must stay a file the broker accepts: every key in it is read,
 * and its listeners come out as the comments say.
 */
class ExampleConfigTest
{
    private static final Path EXAMPLE = Path.of("..", "config", "ringmq.example.yaml");

    @Test
    void shouldReadTheShippedExampleConfiguration()
    {
        assertTrue(Files.isRegularFile(EXAMPLE), "example missing at " + EXAMPLE.toAbsolutePath());
        final ServerConfig config = new ServerConfig(new BrokerConfig());
        ConfigFile.read(EXAMPLE, config);
        final List<ListenerConfig> listeners = config.listeners();
        assertEquals(List.of("tcp", "devices-tls", "browsers", "behind-haproxy"),
            listeners.stream().map(ListenerConfig::name).toList());
        assertEquals(ListenerConfig.Protocol.MQTTS, listeners.get(1).protocol());
        assertEquals(TlsConfig.ClientAuth.REQUIRE, listeners.get(1).tls().clientAuth());
        assertTrue(listeners.get(1).tls().useIdentityAsUsername());
        assertEquals(20.0, listeners.get(0).connectRatePerAddress());
        assertEquals("/mqtt", listeners.get(2).webSocketPath());
        assertEquals(ListenerConfig.ProxyMode.REQUIRED, listeners.get(3).proxyProtocol());
        assertEquals("/etc/ringmq/passwd", config.auth().passwordFile());
        assertEquals("/etc/ringmq/acl", config.auth().aclFile());
        assertEquals(false, config.auth().anonymousAllowed(false), "allow-anonymous: false is taken as written");
        assertEquals(4, config.auth().threads());
        assertEquals(10_000, config.auth().queue());
        assertEquals("127.0.0.1", listeners.get(3).bind());
        assertEquals("/var/lib/ringmq", config.broker().dataDir());
        assertEquals(8080, config.httpPort());
        assertEquals("127.0.0.1", config.httpBind());
        assertEquals(null, config.httpToken(), "the token is commented out in the example");
    }
}
