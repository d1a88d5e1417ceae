package io.ringmq.loadtest;

import io.ringmq.core.codec.ConnectDecoder;
import io.ringmq.core.codec.ConnectPacket;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --username}/{@code --password} reach the CONNECT of every simulated client, in MQTT 3.1.1 and 5.
 */
@Timeout(10)
class ConnectCredentialsTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
    private final ConnectPacket reused = new ConnectPacket();

    private ConnectPacket encodeAndDecode(final LoadOptions options, final int index)
    {
        final Connection c = new Connection(Connection.ROLE_STORM, index, "lt-x-c" + index, null, null);
        c.username = options.usernameOf(c.index);
        final int length = IoLoop.encodeConnect(reused, options, c, buffer);
        return ConnectDecoder.decode(buffer, 0, length);
    }

    @Test
    void shouldCarryUsernameAndPasswordWithMqtt311()
    {
        final LoadOptions options = LoadOptions.parse(Scenario.CONNECT_STORM,
            List.of("--protocol", "4", "--username", "loadtest", "--password", "s3cret"));

        final ConnectPacket connect = encodeAndDecode(options, 7);

        assertEquals(4, connect.protocolVersion());
        assertEquals("lt-x-c7", connect.clientId());
        assertEquals("loadtest", connect.username());
        assertArrayEquals("s3cret".getBytes(StandardCharsets.UTF_8), connect.password());
    }

    @Test
    void shouldCarryUsernameAndPasswordWithMqtt5()
    {
        final LoadOptions options = LoadOptions.parse(Scenario.FAN_IN,
            List.of("--protocol", "5", "--username", "dev%d", "--password", "pässword"));

        final ConnectPacket connect = encodeAndDecode(options, 42);

        assertEquals(5, connect.protocolVersion());
        assertEquals("dev42", connect.username());
        assertArrayEquals("pässword".getBytes(StandardCharsets.UTF_8), connect.password());
    }

    @Test
    void shouldSendNeitherWithoutTheOptions()
    {
        final LoadOptions withAuth = LoadOptions.parse(Scenario.PAIRS, List.of("--username", "u", "--password", "p"));
        final LoadOptions without = LoadOptions.parse(Scenario.PAIRS, List.of());

        encodeAndDecode(withAuth, 1);
        final ConnectPacket connect = encodeAndDecode(without, 1);

        assertNull(connect.username(), "the reused packet must not keep the previous client's User Name");
        assertNull(connect.password());
    }

    @Test
    void shouldRefuseAPasswordWithoutUsernameWithMqtt311()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(Scenario.PAIRS, List.of("--password", "p")));
        assertTrue(ex.getMessage().contains("--username"), ex.getMessage());
    }

    @Test
    void shouldNotShowThePasswordInTheDescription()
    {
        final LoadOptions options =
            LoadOptions.parse(Scenario.PAIRS, List.of("--username", "u", "--password", "hunter2secret"));

        assertTrue(options.describe().contains("--username u --password ***"), options.describe());
        assertFalse(options.describe().contains("hunter2secret"), options.describe());
    }
}
