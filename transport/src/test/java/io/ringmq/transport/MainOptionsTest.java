package io.ringmq.transport;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP endpoint's options: on by default from the command line only, overridden by the file and the line. */
class MainOptionsTest
{
    @TempDir
    Path dir;

    @Test
    void shouldOpenTheHttpEndpointOn8080FromTheCommandLineOnly()
    {
        final ServerConfig parsed = Main.parse(new String[0]);
        assertEquals(ServerConfig.DEFAULT_HTTP_PORT, parsed.httpPort());
        assertEquals("127.0.0.1", parsed.httpBind());
        assertNull(parsed.httpToken());
        assertEquals(0, new ServerConfig(new BrokerConfig()).httpPort(), "an embedded broker has no endpoint");
    }

    @Test
    void shouldTakeTheHttpOptionsFromTheCommandLine()
    {
        final ServerConfig parsed = Main.parse(new String[] {"--http-port", "0", "--http-bind", "0.0.0.0",
            "--http-token", "t0k"});
        assertEquals(0, parsed.httpPort());
        assertEquals("0.0.0.0", parsed.httpBind());
        assertEquals("t0k", parsed.httpToken());
    }

    @Test
    void shouldTakeTheHttpOptionsFromAFileBesideItsListeners() throws Exception
    {
        final Path file = dir.resolve("ringmq.yaml");
        Files.writeString(file, String.join("\n",
            "http-port: 9090",
            "http-token: from-file",
            "listeners:",
            "  - name: only",
            "    port: 1883",
            ""));
        final ServerConfig parsed = Main.parse(new String[] {"--config", file.toString()});
        assertEquals(9090, parsed.httpPort());
        assertEquals("from-file", parsed.httpToken());
        assertEquals(1, parsed.listeners().size(), "the HTTP options are not simple-case listener options");
        assertEquals(8081, Main.parse(new String[] {"--config", file.toString(), "--http-port", "8081"}).httpPort(),
            "the command line wins");
    }

    @Test
    void shouldRefuseABadHttpPort()
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> Main.parse(new String[] {"--http-port", "70000"}));
        assertTrue(refused.getMessage().startsWith("http-port:"), refused.getMessage());
        assertTrue(Main.usage().contains("--http-port"), "--help lists it");
    }
}
