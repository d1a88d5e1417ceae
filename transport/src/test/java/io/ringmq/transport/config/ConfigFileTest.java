package io.ringmq.transport.config;

import io.ringmq.core.config.BrokerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration file: YAML with listeners and their TLS maps, unknown keys refused by their path, the
 * simple-case options against file listeners, duplicate listeners, and properties files.
 */
@Timeout(10)
class ConfigFileTest
{
    @TempDir
    Path dir;

    private ServerConfig read(final String fileName, final String... lines) throws IOException
    {
        final Path file = dir.resolve(fileName);
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        final ServerConfig config = new ServerConfig(new BrokerConfig());
        ConfigFile.read(file, config);
        return config;
    }

    private static void assertMessage(final IllegalArgumentException ex, final String... fragments)
    {
        for (final String fragment : fragments)
        {
            assertTrue(ex.getMessage().contains(fragment), "expected '" + fragment + "' in: " + ex.getMessage());
        }
    }

    @Test
    void shouldParseSeveralListenersWithTlsMaps() throws IOException
    {
        final ServerConfig config = read("ringmq.yaml",
            "bind: 127.0.0.1",
            "max-connections: 500",
            "listeners:",
            "  - name: plain",
            "    protocol: mqtt",
            "    port: 1883",
            "  - name: secure",
            "    protocol: mqtts",
            "    port: 8883",
            "    handshake-timeout: 5000",
            "    tls:",
            "      cert-file: /etc/ringmq/chain.pem",
            "      key-file: /etc/ringmq/key.pem",
            "      key-password: secret",
            "      ca-file: /etc/ringmq/ca.pem",
            "      crl-file: /etc/ringmq/crl.pem",
            "      client-auth: require",
            "      use-identity-as-username: true",
            "      protocols: [TLSv1.3]",
            "      ciphers: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384",
            "      alpn: [mqtt]",
            "      provider: jdk",
            "      watch-interval: 250",
            "  - protocol: wss",
            "    port: 8084",
            "    bind: 0.0.0.0",
            "    path: /ws",
            "    tls:",
            "      keystore: /etc/ringmq/server.p12",
            "      keystore-password: changeit");

        assertEquals(500, config.broker().maxConnections());
        final List<ListenerConfig> listeners = config.listeners();
        assertEquals(3, listeners.size());

        final ListenerConfig plain = listeners.get(0);
        assertEquals("plain", plain.name());
        assertEquals(ListenerConfig.Protocol.MQTT, plain.protocol());
        assertEquals("127.0.0.1", plain.bind());
        assertEquals(1883, plain.port());
        assertNull(plain.tls());

        final ListenerConfig secure = listeners.get(1);
        assertEquals("secure", secure.name());
        assertEquals(ListenerConfig.Protocol.MQTTS, secure.protocol());
        assertEquals(5000, secure.handshakeTimeoutMs());
        final TlsConfig tls = secure.tls();
        assertEquals("/etc/ringmq/chain.pem", tls.certFile());
        assertEquals("/etc/ringmq/key.pem", tls.keyFile());
        assertEquals("secret", tls.keyPassword());
        assertEquals("/etc/ringmq/ca.pem", tls.caFile());
        assertEquals("/etc/ringmq/crl.pem", tls.crlFile());
        assertEquals(TlsConfig.ClientAuth.REQUIRE, tls.clientAuth());
        assertTrue(tls.useIdentityAsUsername());
        assertEquals(List.of("TLSv1.3"), tls.protocols());
        assertEquals(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"), tls.ciphers());
        assertEquals(List.of("mqtt"), tls.alpn());
        assertEquals(TlsConfig.Provider.JDK, tls.provider());
        assertEquals(250, tls.watchIntervalMs());
        assertEquals(List.of("/etc/ringmq/chain.pem", "/etc/ringmq/key.pem", "/etc/ringmq/ca.pem",
            "/etc/ringmq/crl.pem"), tls.watchedFiles());

        final ListenerConfig wss = listeners.get(2);
        assertEquals("wss-8084", wss.name(), "named from protocol and port");
        assertEquals("0.0.0.0", wss.bind());
        assertEquals("/ws", wss.webSocketPath());
        assertEquals("/etc/ringmq/server.p12", wss.tls().keystore());
        assertEquals(TlsConfig.ClientAuth.NONE, wss.tls().clientAuth(), "no ca-file: no client certificates");
        assertEquals(TlsConfig.DEFAULT_PROTOCOLS, wss.tls().protocols());
    }

    @Test
    void shouldRefuseUnknownTlsKeyNamingItsPath()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> read("bad.yaml",
            "listeners:",
            "  - protocol: mqtt",
            "    port: 1883",
            "  - protocol: mqtts",
            "    port: 8883",
            "    tls:",
            "      cert-fil: /etc/ringmq/chain.pem",
            "      key-file: /etc/ringmq/key.pem"));
        assertMessage(ex, "bad.yaml", "listeners[1].tls.cert-fil", "unknown setting");
    }

    @Test
    void shouldRefuseUnknownListenerKeyNamingItsPath()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> read("bad.yml",
            "listeners:",
            "  - protocol: mqtt",
            "    prot: 1883"));
        assertMessage(ex, "listeners[0].prot", "unknown setting");
    }

    @Test
    void shouldRefuseUnknownTopLevelKey()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> read("bad.yaml",
            "max-conections: 5"));
        assertMessage(ex, "unknown setting max-conections");
    }

    @Test
    void shouldRefuseBadValueNamingItsPath()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> read("bad.yaml",
            "listeners:",
            "  - protocol: mqtts",
            "    tls:",
            "      client-auth: sometimes"));
        assertMessage(ex, "listeners[0].tls.client-auth", "client-auth must be none, optional or require");
    }

    @Test
    void shouldRefuseSimpleCaseOptionsWithFileListeners() throws IOException
    {
        final ServerConfig config = read("ringmq.yaml",
            "listeners:",
            "  - protocol: mqtt",
            "    port: 1883");
        config.set("mqtts-port", "8883").set("certfile", "chain.pem").set("keyfile", "key.pem");

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, config::listeners);
        assertMessage(ex, "declares listeners", "--mqtts-port");
    }

    @Test
    void shouldRefuseTwoListenersOnOnePort() throws IOException
    {
        final ServerConfig config = read("ringmq.yaml",
            "listeners:",
            "  - name: a",
            "    port: 1884",
            "  - name: b",
            "    port: 1884");

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, config::listeners);
        assertMessage(ex, "listener b", ":1884 is taken by another listener");
    }

    @Test
    void shouldAllowSeveralEphemeralPorts() throws IOException
    {
        final ServerConfig config = read("ringmq.yaml",
            "listeners:",
            "  - name: a",
            "    port: 0",
            "  - name: b",
            "    port: 0");

        assertEquals(2, config.listeners().size());
    }

    @Test
    void shouldRefuseTwoListenersWithOneName() throws IOException
    {
        final ServerConfig config = read("ringmq.yaml",
            "listeners:",
            "  - name: edge",
            "    port: 1884",
            "  - name: edge",
            "    port: 1885");

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, config::listeners);
        assertMessage(ex, "two listeners are named edge");
    }

    @Test
    void shouldRefuseTlsListenerWithoutTlsSettings() throws IOException
    {
        final ServerConfig config = read("ringmq.yaml",
            "listeners:",
            "  - name: secure",
            "    protocol: mqtts");

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, config::listeners);
        assertMessage(ex, "listener secure", "needs tls settings");
    }

    @Test
    void shouldReadPropertiesFileWithSimpleCaseOptions() throws IOException
    {
        final ServerConfig config = read("ringmq.properties",
            "port=1999",
            "max-connections=42",
            "mqtts-port=8884",
            "certfile=/etc/ringmq/chain.pem",
            "keyfile=/etc/ringmq/key.pem",
            "cafile=/etc/ringmq/ca.pem",
            "require-certificate=true",
            "use-identity-as-username=true");

        assertEquals(42, config.broker().maxConnections());
        final List<ListenerConfig> listeners = config.listeners();
        assertEquals(2, listeners.size());
        assertEquals("mqtt", listeners.get(0).name());
        assertEquals(1999, listeners.get(0).port());
        final ListenerConfig mqtts = listeners.get(1);
        assertEquals(ListenerConfig.Protocol.MQTTS, mqtts.protocol());
        assertEquals(8884, mqtts.port());
        assertEquals("/etc/ringmq/chain.pem", mqtts.tls().certFile());
        assertEquals(TlsConfig.ClientAuth.REQUIRE, mqtts.tls().clientAuth());
        assertTrue(mqtts.tls().useIdentityAsUsername());
    }

    @Test
    void shouldReadEmptyYamlAsDefaults() throws IOException
    {
        final ServerConfig config = read("empty.yaml", "");

        final List<ListenerConfig> listeners = config.listeners();
        assertEquals(1, listeners.size());
        assertEquals(ListenerConfig.Protocol.MQTT, listeners.get(0).protocol());
    }
}
