package io.ringmq.transport.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.ringmq.transport.config.ListenerConfig.ProxyMode;
import io.ringmq.transport.netty.ConnectionAttributes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ProxyProtocolHandlerTest
{
    /** An MQTT 3.1.1 CONNECT, client id "c": what follows the header, or what a client sends without one. */
    private static final byte[] CONNECT =
        {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 'c'};

    private final List<ByteBuf> inputs = new ArrayList<>();
    private final List<String> refusals = new ArrayList<>();
    private final Recorder recorder = new Recorder();
    private EmbeddedChannel channel;

    @AfterEach
    void tearDown()
    {
        if (null != channel)
        {
            channel.finishAndReleaseAll();
        }
        for (final ByteBuf input : inputs)
        {
            assertEquals(0, input.refCnt(), "every buffer written in is released");
        }
    }

    private EmbeddedChannel channel(final ProxyMode mode)
    {
        channel = new EmbeddedChannel(
            new ProxyProtocolHandler(mode, (address, why, nowNs) -> refusals.add(why)), recorder);
        return channel;
    }

    private void write(final byte[]... parts)
    {
        for (final byte[] part : parts)
        {
            final ByteBuf buffer = Unpooled.directBuffer(part.length).writeBytes(part);
            inputs.add(buffer);
            channel.writeInbound(buffer);
        }
    }

    /** All the bytes that reached the handler after the PROXY handler, in order; each buffer read is released. */
    private byte[] passedOn()
    {
        final ByteBuf all = Unpooled.buffer();
        ByteBuf read;
        while (null != (read = channel.readInbound()))
        {
            all.writeBytes(read);
            read.release();
        }
        final byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        return bytes;
    }

    private static byte[] concat(final byte[] first, final byte[] second)
    {
        final byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 header, encoded by Netty's own encoder. */
    private static byte[] v2(final HAProxyCommand command, final HAProxyProxiedProtocol protocol,
        final String source, final String destination, final int sourcePort, final int destinationPort)
    {
        final EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        assertTrue(encoder.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, command, protocol, source,
            destination, sourcePort, destinationPort)));
        final ByteBuf encoded = encoder.readOutbound();
        final byte[] bytes = new byte[encoded.readableBytes()];
        encoded.readBytes(bytes);
        encoded.release();
        assertFalse(encoder.finishAndReleaseAll());
        return bytes;
    }

    private void assertOnlyRecorderLeft()
    {
        assertNull(channel.pipeline().get(ProxyProtocolHandler.class));
        assertNull(channel.pipeline().get(HAProxyMessageDecoder.class));
        assertNull(channel.pipeline().get(ProxyHeaderHandler.class));
        assertTrue(channel.isActive());
    }

    @Test
    void shouldTakeClientAddressFromV1HeaderAndPassPayloadReadWithIt()
    {
        channel(ProxyMode.REQUIRED);
        write(concat(ascii("PROXY TCP4 192.0.2.1 198.51.100.2 56324 1883\r\n"), CONNECT));

        assertEquals(new InetSocketAddress("192.0.2.1", 56324), channel.attr(ConnectionAttributes.PROXIED_ADDRESS)
            .get());
        assertEquals(new InetSocketAddress("192.0.2.1", 56324), ConnectionAttributes.clientAddress(channel));
        assertEquals(List.of("event", "read"), recorder.seen, "the event comes before the bytes after the header");
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
        assertTrue(refusals.isEmpty());
    }

    @Test
    void shouldTakeClientAddressFromV1Tcp6Header()
    {
        channel(ProxyMode.OPTIONAL);
        write(ascii("PROXY TCP6 2001:db8::1 2001:db8::2 4000 8883\r\n"), CONNECT);

        assertEquals(new InetSocketAddress("2001:db8::1", 4000), channel.attr(ConnectionAttributes.PROXIED_ADDRESS)
            .get());
        assertEquals(1, recorder.events);
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
    }

    @Test
    void shouldTakeClientAddressFromV2HeaderAndPassPayloadReadWithIt()
    {
        channel(ProxyMode.REQUIRED);
        write(concat(v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4, "203.0.113.9", "10.0.0.1", 40000, 1883),
            CONNECT));

        assertEquals(new InetSocketAddress("203.0.113.9", 40000), channel.attr(ConnectionAttributes.PROXIED_ADDRESS)
            .get());
        assertEquals(List.of("event", "read"), recorder.seen);
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
    }

    @Test
    void shouldTakeClientAddressFromV2Tcp6Header()
    {
        channel(ProxyMode.REQUIRED);
        write(v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6, "2001:db8::7", "2001:db8::1", 5555, 8883));

        assertEquals(new InetSocketAddress("2001:db8::7", 5555), channel.attr(ConnectionAttributes.PROXIED_ADDRESS)
            .get());
        assertEquals(1, recorder.events);
        write(CONNECT);
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
    }

    @Test
    void shouldReadV2HeaderSplitAcrossTwoReads()
    {
        channel(ProxyMode.REQUIRED);
        final byte[] header =
            concat(v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4, "198.51.100.4", "10.0.0.1", 1234, 1883),
                CONNECT);
        final int split = 20;
        final byte[] first = new byte[split];
        final byte[] second = new byte[header.length - split];
        System.arraycopy(header, 0, first, 0, split);
        System.arraycopy(header, split, second, 0, second.length);

        write(first);
        assertNull(channel.attr(ConnectionAttributes.PROXIED_ADDRESS).get());
        assertEquals(0, recorder.events);
        write(second);

        assertEquals(new InetSocketAddress("198.51.100.4", 1234), channel.attr(ConnectionAttributes.PROXIED_ADDRESS)
            .get());
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
    }

    @Test
    void shouldReadV1HeaderSentOneByteAtATime()
    {
        channel(ProxyMode.OPTIONAL);
        final byte[] all = concat(ascii("PROXY TCP4 192.0.2.33 198.51.100.2 1000 1883\r\n"), CONNECT);
        for (final byte b : all)
        {
            write(new byte[] {b});
        }

        assertEquals(new InetSocketAddress("192.0.2.33", 1000), channel.attr(ConnectionAttributes.PROXIED_ADDRESS)
            .get());
        assertEquals(1, recorder.events);
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
        assertTrue(refusals.isEmpty());
    }

    @Test
    void shouldKeepSocketAddressForV2LocalCommand()
    {
        channel(ProxyMode.REQUIRED);
        final SocketAddress socket = channel.remoteAddress();
        write(concat(v2(HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0), CONNECT));

        assertNull(channel.attr(ConnectionAttributes.PROXIED_ADDRESS).get());
        assertEquals(socket, ConnectionAttributes.clientAddress(channel));
        assertEquals(1, recorder.events);
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
    }

    @Test
    void shouldKeepSocketAddressForV1Unknown()
    {
        channel(ProxyMode.REQUIRED);
        write(concat(ascii("PROXY UNKNOWN\r\n"), CONNECT));

        assertNull(channel.attr(ConnectionAttributes.PROXIED_ADDRESS).get());
        assertEquals(1, recorder.events);
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
    }

    @Test
    void shouldCloseConnectionWithoutHeaderWhenRequired()
    {
        channel(ProxyMode.REQUIRED);
        write(CONNECT);

        assertFalse(channel.isActive());
        assertEquals(List.of("no PROXY header"), refusals);
        assertEquals(0, recorder.events);
        assertArrayEquals(new byte[0], passedOn());
    }

    @Test
    void shouldDecideFromFirstByteThatNoHeaderComes()
    {
        channel(ProxyMode.REQUIRED);
        write(new byte[] {0x16});

        assertFalse(channel.isActive(), "a TLS ClientHello's first byte is enough to tell");
        assertEquals(1, refusals.size());
    }

    @Test
    void shouldCloseConnectionWithMalformedV1HeaderWhenRequired()
    {
        channel(ProxyMode.REQUIRED);
        write(concat(ascii("PROXY TCP4 999.0.2.1 198.51.100.2 56324 1883\r\n"), CONNECT));

        assertFalse(channel.isActive());
        assertEquals(1, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).startsWith("malformed PROXY header"), refusals.get(0));
        assertEquals(0, recorder.events);
        assertNull(channel.attr(ConnectionAttributes.PROXIED_ADDRESS).get());
        assertArrayEquals(new byte[0], passedOn());
    }

    @Test
    void shouldCloseConnectionWithV1HeaderLongerThanAllowed()
    {
        channel(ProxyMode.OPTIONAL);
        final StringBuilder line = new StringBuilder("PROXY TCP4 ");
        while (line.length() < 200)
        {
            line.append('1');
        }
        write(ascii(line.toString()));

        assertFalse(channel.isActive());
        assertEquals(1, refusals.size());
        assertEquals(0, recorder.events);
    }

    @Test
    void shouldCloseConnectionWithMalformedV2Header()
    {
        channel(ProxyMode.OPTIONAL);
        final byte[] header =
            v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4, "203.0.113.9", "10.0.0.1", 40000, 1883);
        header[12] = 0x31; // version 3
        write(concat(header, CONNECT));

        assertFalse(channel.isActive());
        assertEquals(1, refusals.size(), refusals.toString());
        assertEquals(0, recorder.events);
        assertArrayEquals(new byte[0], passedOn());
    }

    @Test
    void shouldPassBytesOnUntouchedWithoutHeaderWhenOptional()
    {
        channel(ProxyMode.OPTIONAL);
        write(CONNECT);

        assertTrue(channel.isActive());
        assertNull(channel.attr(ConnectionAttributes.PROXIED_ADDRESS).get());
        assertEquals(List.of("event", "read"), recorder.seen);
        assertArrayEquals(CONNECT, passedOn());
        assertOnlyRecorderLeft();
        assertTrue(refusals.isEmpty());
    }

    @Test
    void shouldWaitWhileFirstBytesMayStartHeaderWhenOptional()
    {
        channel(ProxyMode.OPTIONAL);
        write(ascii("PRO"));
        assertEquals(0, recorder.events);
        assertArrayEquals(new byte[0], passedOn());

        write(ascii("TOCOL"));

        assertEquals(1, recorder.events);
        assertArrayEquals(ascii("PROTOCOL"), passedOn(), "held bytes are passed on in order");
        assertOnlyRecorderLeft();
    }

    @Test
    void shouldRefuseToBeInstalledWhenOff()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new ProxyProtocolHandler(ProxyMode.OFF, (address, why, nowNs) -> refusals.add(why)));
    }

    /** Records the order of events and reads after the PROXY handler, and passes everything on. */
    private static final class Recorder extends ChannelInboundHandlerAdapter
    {
        final List<String> seen = new ArrayList<>();
        int events;

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
        {
            if (ClientAddressKnown.INSTANCE == evt)
            {
                events++;
                seen.add("event");
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            seen.add("read");
            ctx.fireChannelRead(msg);
        }
    }
}
