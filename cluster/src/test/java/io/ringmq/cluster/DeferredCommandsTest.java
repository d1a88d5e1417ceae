package io.ringmq.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class DeferredCommandsTest
{
    private final List<String> sent = new ArrayList<>();
    private final List<String> dropped = new ArrayList<>();
    private boolean full;

    private void send(final DeferredCommands commands, final String command)
    {
        commands.send("route", command, () ->
        {
            if (full)
            {
                return false;
            }
            sent.add(command);
            return true;
        });
    }

    @Test
    void shouldKeepWhatAFullQueueRefusesAndSendItInOrderBeforeNewerCommands()
    {
        final DeferredCommands commands = new DeferredCommands(3, (what, about) -> dropped.add(about));
        send(commands, "+a");
        full = true;
        send(commands, "-a");
        send(commands, "+b");
        assertEquals(List.of("+a"), sent);
        assertEquals(2, commands.retry(), "still full");

        full = false;
        send(commands, "+c");
        assertEquals(List.of("+a"), sent, "a newer command waits behind the kept ones");
        assertEquals(0, commands.retry());
        assertEquals(List.of("+a", "-a", "+b", "+c"), sent);
        send(commands, "+d");
        assertEquals("+d", sent.get(sent.size() - 1), "nothing kept: sent at once");
        assertEquals(List.of(), dropped);
    }

    @Test
    void shouldDropAndReportPastTheBound()
    {
        final DeferredCommands commands = new DeferredCommands(2, (what, about) -> dropped.add(about));
        full = true;
        send(commands, "+a");
        send(commands, "+b");
        send(commands, "+c");
        assertEquals(List.of("+c"), dropped);
        full = false;
        assertEquals(0, commands.retry());
        assertEquals(List.of("+a", "+b"), sent);
    }
}
