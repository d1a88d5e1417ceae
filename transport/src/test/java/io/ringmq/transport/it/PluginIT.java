package io.ringmq.transport.it;

import io.ringmq.auth.AuthResult;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.example.auth.DeviceKeyAuthenticator;
import io.ringmq.transport.BrokerStartException;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.auth.PluginLoader;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example plugin (module auth-plugin-example), loaded from a plugins folder as an operator would install it:
 * its authenticator decides device keys and its authorizer confines each device to its own topics.
 */
@Timeout(60)
class PluginIT
{
    private static final String HOST = BrokerFixture.HOST;
    private static final String SECRET = "fleet-secret-for-the-test";

    @TempDir
    Path work;
    private RingMqBroker broker;

    @AfterEach
    void stop()
    {
        System.clearProperty("ringmq.example.fleet-secret");
        if (null != broker)
        {
            broker.close();
        }
    }

    /** The plugin's jar: the module's own when the build made one, else one made here from its classes. */
    private Path pluginsDir(final String version) throws Exception
    {
        final Path dir = Files.createDirectories(work.resolve("plugins"));
        final Path classes = Path.of(DeviceKeyAuthenticator.class.getProtectionDomain().getCodeSource().getLocation()
            .toURI());
        final Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name(PluginLoader.API_VERSION_ATTRIBUTE), version);
        if (Files.isRegularFile(classes) && "1".equals(version))
        {
            Files.copy(classes, dir.resolve("example.jar"));
            return dir;
        }
        final Path root = Files.isRegularFile(classes) ? null : classes;
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(dir.resolve("example.jar")), manifest))
        {
            if (null == root)
            {
                try (java.util.jar.JarFile source = new java.util.jar.JarFile(classes.toFile()))
                {
                    for (final JarEntry entry : java.util.Collections.list(source.entries()))
                    {
                        if (!entry.isDirectory() && !entry.getName().equals("META-INF/MANIFEST.MF"))
                        {
                            jar.putNextEntry(new JarEntry(entry.getName()));
                            source.getInputStream(entry).transferTo(jar);
                        }
                    }
                }
            }
            else
            {
                try (Stream<Path> files = Files.walk(root))
                {
                    for (final Path file : (Iterable<Path>)files.filter(Files::isRegularFile)::iterator)
                    {
                        jar.putNextEntry(new JarEntry(root.relativize(file).toString().replace('\\', '/')));
                        copy(file, jar);
                    }
                }
            }
        }
        return dir;
    }

    private static void copy(final Path file, final OutputStream out) throws IOException
    {
        out.write(Files.readAllBytes(file));
    }

    private RingMqBroker start(final Path plugins)
    {
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress(HOST).port(0).eventLoops(1)
            .dataDir(work.resolve("data").toString()).persistence("false").sysIntervalSeconds(0));
        config.set("plugins-dir", plugins.toString());
        return RingMqBroker.start(config);
    }

    private RawPacket connect(final RawMqttClient client, final String clientId, final String password)
        throws IOException
    {
        return client.connect(RawPackets.connect(PacketBuilder.MQTT_5, clientId).credentials(clientId, password)
            .build());
    }

    @Test
    void shouldAuthenticateAndConfineDevicesThroughThePlugin() throws Exception
    {
        System.setProperty("ringmq.example.fleet-secret", SECRET);
        broker = start(pluginsDir("1"));
        final String key7 = DeviceKeyAuthenticator.keyFor(SECRET.getBytes(StandardCharsets.UTF_8), "device-7");
        try (RawMqttClient wrong = new RawMqttClient(HOST, broker.port()))
        {
            assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, connect(wrong, "device-7", "0000").reasonCode());
        }
        try (RawMqttClient stranger = new RawMqttClient(HOST, broker.port()))
        {
            assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, connect(stranger, "laptop", "x").reasonCode(),
                "a client no plugin source knows is refused");
        }
        try (RawMqttClient device = new RawMqttClient(HOST, broker.port()))
        {
            assertEquals(0, connect(device, "device-7", key7).reasonCode());
            device.send(RawPackets.subscribe(PacketBuilder.MQTT_5, 1, "devices/device-8/#", 1, null));
            assertEquals(List.of(0x87), device.expect(RawPackets.SUBACK).subAckCodes(PacketBuilder.MQTT_5));
            device.send(RawPackets.subscribe(PacketBuilder.MQTT_5, 2, "#", 0, null));
            assertEquals(List.of(0), device.expect(RawPackets.SUBACK).subAckCodes(PacketBuilder.MQTT_5));

            device.send(RawPackets.publish(PacketBuilder.MQTT_5, 1, "devices/device-8/cmd", 3, "not mine"));
            assertEquals(0x87, device.expect(RawPackets.PUBACK).reasonCode());
            device.send(RawPackets.publish(PacketBuilder.MQTT_5, 1, "devices/device-7/state", 4, "mine"));
            final RawPacket first = device.read(Duration.ofSeconds(5));
            final RawPacket second = device.read(Duration.ofSeconds(5));
            assertTrue(first.type() == RawPackets.PUBLISH || second.type() == RawPackets.PUBLISH,
                "its own message comes back through '#': " + first + ", " + second);
            assertNull(device.poll(Duration.ofMillis(300)), "nothing else");
        }
    }

    @Test
    void shouldRefuseToStartWithAPluginBuiltForANewerApi() throws Exception
    {
        final Path plugins = pluginsDir("99");
        final BrokerStartException refused = assertThrows(BrokerStartException.class, () -> start(plugins));
        assertTrue(refused.getMessage().contains("needs auth API version 99"), refused.getMessage());
    }
}
