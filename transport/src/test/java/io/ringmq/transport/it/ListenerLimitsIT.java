package io.ringmq.transport.it;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.admission.ConnectionAdmission;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.netty.Listener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connection admission per listener, black-box over loopback: the listener's own maximum, its connection rate, the
 * rate per source address (clients on 127.0.0.x), and the time a connection has to finish its handshakes and
 * CONNECT. Every refusal is counted by reason, and a refusal on one listener leaves the others alone.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class ListenerLimitsIT
{
    private static final byte[] CONNECT = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'x'};

    private final List<Socket> sockets = new ArrayList<>();
    private RingMqBroker broker;

    private void start(final ListenerConfig... listeners)
    {
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress("127.0.0.1").persistence("false")
            .sysIntervalSeconds(0));
        for (final ListenerConfig listener : listeners)
        {
            config.addListener(listener);
        }
        broker = RingMqBroker.start(config);
    }

    @AfterEach
    void stop() throws IOException
    {
        for (final Socket socket : sockets)
        {
            socket.close();
        }
        if (null != broker)
        {
            broker.close();
        }
    }

    @Test
    void shouldRefuseOverTheListenersMaximumAndServeTheOtherListener() throws IOException
    {
        start(new ListenerConfig().name("small").port(0).maxConnections(3), new ListenerConfig().name("other").port(0));
        for (int i = 0; i < 3; i++)
        {
            assertTrue(served(open("small", "127.0.0.1")), "connection " + (i + 1) + " of 3 is served");
        }
        assertFalse(served(open("small", "127.0.0.1")), "the fourth is refused");
        assertTrue(served(open("other", "127.0.0.1")), "the other listener is not limited by it");
        assertEquals(1, listener("small").admission().refused(ConnectionAdmission.LISTENER_FULL));
        assertEquals(0, listener("other").admission().refusedTotal());
        sockets.remove(0).close();
        await("a place is free again", () -> listener("small").connections() < 3, TIMEOUT);
        assertTrue(served(open("small", "127.0.0.1")), "after one closed, a new one is served");
    }

    @Test
    void shouldRefuseOverTheConnectionRateOfTheListenerAndOfOneAddress() throws IOException
    {
        start(new ListenerConfig().name("rate").port(0).connectRate(0.001, 2),
            new ListenerConfig().name("per-address").port(0).connectRatePerAddress(0.001, 1));
        assertTrue(served(open("rate", "127.0.0.1")));
        assertTrue(served(open("rate", "127.0.0.2")));
        assertFalse(served(open("rate", "127.0.0.3")), "burst of 2 for the listener: the third is refused");
        assertEquals(1, listener("rate").admission().refused(ConnectionAdmission.RATE));

        assertTrue(served(open("per-address", "127.0.0.5")));
        assertFalse(served(open("per-address", "127.0.0.5")), "the second from 127.0.0.5 is over its rate");
        assertTrue(served(open("per-address", "127.0.0.6")), "127.0.0.6 has a bucket of its own");
        assertEquals(1, listener("per-address").admission().refused(ConnectionAdmission.ADDRESS_RATE));
    }

    @Test
    void shouldCloseAConnectionThatDoesNotConnectWithinTheHandshakeTimeout() throws IOException
    {
        start(new ListenerConfig().name("quick").port(0).handshakeTimeoutMs(300));
        final Socket silent = open("quick", "127.0.0.1");
        silent.setSoTimeout(5000);
        final long startNs = System.nanoTime();
        assertTrue(closedByPeer(silent), "closed for saying nothing");
        assertTrue(System.nanoTime() - startNs >= TimeUnit.MILLISECONDS.toNanos(250), "not before the timeout");
        await("timeout counted", () -> 1 == listener("quick").admission()
            .refused(ConnectionAdmission.HANDSHAKE_TIMEOUT), TIMEOUT);
        assertTrue(served(open("quick", "127.0.0.1")), "a client that sends CONNECT in time is served");
    }

    private Listener listener(final String name)
    {
        return broker.listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    private Socket open(final String listener, final String from) throws IOException
    {
        final Socket socket = new Socket();
        sockets.add(socket);
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", broker.port(listener)), 5000);
        return socket;
    }

    /** Send CONNECT and report whether a CONNACK comes back. */
    private static boolean served(final Socket socket) throws IOException
    {
        socket.setSoTimeout(5000);
        try
        {
            socket.getOutputStream().write(CONNECT);
            socket.getOutputStream().flush();
            return 0x20 == socket.getInputStream().read();
        }
        catch (final SocketException ex)
        {
            return false;  // reset: refused
        }
    }

    private static boolean closedByPeer(final Socket socket) throws IOException
    {
        try
        {
            return socket.getInputStream().read() < 0;
        }
        catch (final SocketTimeoutException ex)
        {
            return false;
        }
        catch (final SocketException ex)
        {
            return true;
        }
    }
}
