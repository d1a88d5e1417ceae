package io.ringmq.transport;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live reload of the configuration file: settings that can change while the broker runs take effect (a client
 * connecting afterwards sees them), the others are reported as needing a restart, and a file that does not parse
 * is refused whole while the running configuration stays.
 */
@Timeout(60)
class ReloadIT
{
    @TempDir
    Path dir;
    private RingMqBroker broker;
    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();

    @AfterEach
    void stop()
    {
        clients.stream().filter(c -> c.getState().isConnected()).forEach(Mqtt5BlockingClient::disconnect);
        if (null != broker)
        {
            broker.close();
        }
    }

    private Path writeConfig(final int maxKeepAlive, final int maxConnections, final String extra) throws IOException
    {
        final Path file = dir.resolve("ringmq.yaml");
        Files.writeString(file, "data-dir: " + dir.resolve("data") + "\n" +
            "persistence: false\n" +
            "max-keep-alive: " + maxKeepAlive + "\n" +
            extra +
            "listeners:\n" +
            "  - name: tcp\n" +
            "    protocol: mqtt\n" +
            "    bind: 127.0.0.1\n" +
            "    port: 0\n" +
            "    max-connections: " + maxConnections + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private void start(final Path file)
    {
        final BrokerCommandLine commandLine = new BrokerCommandLine(c -> 0, a -> 0);
        final ServerConfig config = commandLine.parse("--config", file.toString(), "--http-port", "0");
        broker = RingMqBroker.start(config);
    }

    private Mqtt5ConnAck connect(final String id)
    {
        final Mqtt5BlockingClient client = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1")
            .serverPort(broker.port("tcp")).buildBlocking();
        clients.add(client);
        return client.connectWith().keepAlive(0).send();
    }

    /** @return whether the listener kept a raw TCP connection open for a while (a refused one is closed at once). */
    private boolean acceptsAnotherConnection() throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", broker.port("tcp")), 2000);
            socket.setSoTimeout(500);
            try
            {
                return socket.getInputStream().read() >= 0;
            }
            catch (final java.net.SocketTimeoutException ex)
            {
                return true;    // still open after half a second: admitted (waiting for its CONNECT)
            }
        }
    }

    @Test
    void shouldApplyWhatCanChangeAndReportWhatNeedsARestart() throws Exception
    {
        final Path file = writeConfig(100, 1, "");
        start(file);
        assertEquals(100, connect("first").getServerKeepAlive().orElse(-1),
            "a client asking for no keep-alive gets the maximum");
        assertFalse(acceptsAnotherConnection(), "max-connections 1 on the listener");

        writeConfig(30, 3, "sys-interval: 5\n");
        final List<String> lines = broker.reload();
        final String all = String.join("\n", lines);
        assertTrue(all.contains("max-keep-alive: 100 -> 30 (applied)"), all);
        assertTrue(all.contains("sys-interval: null -> 5 (needs a restart)"), all);
        assertTrue(all.contains("listener tcp: max-connections 1 -> 3 (applied)"), all);

        assertEquals(30, connect("second").getServerKeepAlive().orElse(-1), "the new maximum is in force");
        assertTrue(acceptsAnotherConnection(), "the listener takes more connections now");

        final String again = String.join("\n", broker.reload());
        assertFalse(again.contains("max-keep-alive"), "an applied setting is not reported twice: " + again);
        assertTrue(again.contains("sys-interval: null -> 5 (needs a restart)"), "until restarted: " + again);
    }

    @Test
    void shouldApplyLimitsOnlyWhenTheyKeepTheRulesBetweenSettings() throws Exception
    {
        final Path file = writeConfig(100, 0, "max-inflight: 64\nmax-packet-size: 65536\n");
        start(file);
        writeConfig(100, 0, "max-inflight: 8\nmax-packet-size: 65536\nmax-retained-messages: 5\n");
        final String applied = String.join("\n", broker.reload());
        assertTrue(applied.contains("max-inflight: 64 -> 8 (applied)"), applied);
        assertTrue(applied.contains("max-retained-messages: null -> 5 (applied)"), applied);
        assertEquals(8, broker.config().maxInflight(), "the Router's settings took it");
        assertEquals(5, broker.config().maxRetainedMessages());

        // Valid in the new file, whose smaller max-packet-size needs a restart; with the running max-packet-size
        // the new max-queued-bytes would break a rule: refused, and nothing of it applied.
        writeConfig(100, 0, "max-inflight: 8\nmax-packet-size: 1024\nmax-retained-messages: 5\n" +
            "max-queued-bytes: 2000\n");
        final String refused = String.join("\n", broker.reload());
        assertTrue(refused.contains("max-packet-size: 65536 -> 1024 (needs a restart)"), refused);
        assertTrue(refused.contains("max-queued-bytes: null -> 2000 (refused: "), refused);
        assertTrue(broker.config().maxQueuedBytes() >= 65536, "the running value stays");
    }

    @Test
    void shouldRefuseAFileThatDoesNotParseAndKeepTheRunningConfiguration() throws Exception
    {
        final Path file = writeConfig(100, 0, "");
        start(file);
        Files.writeString(file, "max-keep-alive: lots\n", StandardCharsets.UTF_8);
        final String all = String.join("\n", broker.reload());
        assertTrue(all.contains("configuration refused, the running one stays"), all);
        assertTrue(all.contains("max-keep-alive"), "the refusal names the setting: " + all);
        assertEquals(100, connect("client").getServerKeepAlive().orElse(-1));
    }
}
