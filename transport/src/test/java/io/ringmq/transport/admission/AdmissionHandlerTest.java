package io.ringmq.transport.admission;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.ringmq.transport.config.ListenerConfig.ProxyMode;
import io.ringmq.transport.proxy.ProxyProtocolHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class AdmissionHandlerTest
{
    private static final byte[] CONNECT =
        {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 'c'};

    /** One connection per address per 1000 s: the second from an address within a test is over its rate. */
    private final ConnectionAdmission admission =
        new ConnectionAdmission("test", 0, 0, 0, 0.001, 1, 1024, System.nanoTime());
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<ByteBuf> inputs = new ArrayList<>();

    @AfterEach
    void tearDown()
    {
        for (final EmbeddedChannel channel : channels)
        {
            channel.finishAndReleaseAll();
        }
        for (final ByteBuf input : inputs)
        {
            assertEquals(0, input.refCnt(), "every buffer written in is released");
        }
    }

    private EmbeddedChannel proxied()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new ProxyProtocolHandler(ProxyMode.REQUIRED, admission),
            new AdmissionHandler(admission, true));
        channels.add(channel);
        return channel;
    }

    private EmbeddedChannel direct(final String host, final int port) throws Exception
    {
        final EmbeddedChannel channel = new RemoteChannel(new InetSocketAddress(host, port),
            new AdmissionHandler(admission, false));
        channels.add(channel);
        return channel;
    }

    private void write(final EmbeddedChannel channel, final byte[] bytes)
    {
        final ByteBuf buffer = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        inputs.add(buffer);
        channel.writeInbound(buffer);
    }

    private static byte[] header(final String source)
    {
        final byte[] line = ("PROXY TCP4 " + source + " 198.51.100.2 50000 1883\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        final byte[] both = new byte[line.length + CONNECT.length];
        System.arraycopy(line, 0, both, 0, line.length);
        System.arraycopy(CONNECT, 0, both, line.length, CONNECT.length);
        return both;
    }

    private static int readAll(final EmbeddedChannel channel)
    {
        int bytes = 0;
        ByteBuf read;
        while (null != (read = channel.readInbound()))
        {
            bytes += read.readableBytes();
            read.release();
        }
        return bytes;
    }

    @Test
    void shouldRefuseProxiedAddressOverItsRate()
    {
        final EmbeddedChannel first = proxied();
        write(first, header("192.0.2.10"));
        assertTrue(first.isActive());
        assertEquals(CONNECT.length, readAll(first));
        assertNull(first.pipeline().get(AdmissionHandler.class), "an admitted connection loses the handler");

        final EmbeddedChannel second = proxied();
        write(second, header("192.0.2.10"));
        assertFalse(second.isActive(), "same client address behind the proxy: over its rate");
        assertEquals(0, readAll(second), "nothing of a refused connection is passed on");
        assertEquals(1, admission.refused(ConnectionAdmission.ADDRESS_RATE));

        final EmbeddedChannel third = proxied();
        write(third, header("192.0.2.11"));
        assertTrue(third.isActive(), "another client through the same proxy");
        assertEquals(CONNECT.length, readAll(third));
    }

    @Test
    void shouldCheckSocketAddressOnChannelActiveWithoutProxyHandler() throws Exception
    {
        final EmbeddedChannel first = direct("192.0.2.20", 1000);
        assertTrue(first.isActive());
        assertNull(first.pipeline().get(AdmissionHandler.class));

        final EmbeddedChannel second = direct("192.0.2.20", 1001);
        assertFalse(second.isActive());
        assertEquals(1, admission.refused(ConnectionAdmission.ADDRESS_RATE));

        final EmbeddedChannel third = direct("192.0.2.21", 1000);
        assertTrue(third.isActive());
        write(third, CONNECT);
        assertEquals(CONNECT.length, readAll(third));
    }

    @Test
    void shouldCountMissingProxyHeaderAsProxyHeaderRefusal()
    {
        final EmbeddedChannel channel = proxied();
        write(channel, CONNECT);

        assertFalse(channel.isActive());
        assertEquals(1, admission.refused(ConnectionAdmission.PROXY_HEADER));
        assertEquals(0, admission.refused(ConnectionAdmission.ADDRESS_RATE));
        assertEquals(0, readAll(channel));
    }

    /** An embedded channel whose peer is an IP socket address, registered after the address is set. */
    private static final class RemoteChannel extends EmbeddedChannel
    {
        private final SocketAddress remote;

        RemoteChannel(final SocketAddress remote, final ChannelHandler... handlers) throws Exception
        {
            super(false, false, handlers);
            this.remote = remote;
            register();
        }

        @Override
        protected SocketAddress remoteAddress0()
        {
            return isActive() ? remote : null;
        }
    }
}
