package io.ringmq.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.ringmq.transport.netty.BrokerCloseEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link WebSocketFrameHandler} alone: who owns which buffer, and what passes unchanged.
 */
@Timeout(10)
class WebSocketFrameHandlerTest
{
    private static final byte[] PINGREQ = {(byte)0xC0, 0x00};

    private final List<ByteBuf> buffers = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(new WebSocketFrameHandler());

    @AfterEach
    void tearDown()
    {
        channel.finishAndReleaseAll();
        for (final ByteBuf buffer : buffers)
        {
            assertEquals(0, buffer.refCnt(), "every buffer released");
        }
    }

    @Test
    void shouldPassBinaryFrameContentItselfOn()
    {
        final ByteBuf content = packet();

        channel.writeInbound(new BinaryWebSocketFrame(content));

        final ByteBuf in = channel.readInbound();
        assertSame(content, in, "the content is passed on, not a copy");
        assertEquals(1, in.refCnt(), "one reference, now the next handler's");
        in.release();
    }

    @Test
    void shouldWrapOutboundByteBufWithoutCopy()
    {
        final ByteBuf packet = packet();

        channel.writeOutbound(packet);

        final BinaryWebSocketFrame frame = assertInstanceOf(BinaryWebSocketFrame.class, channel.readOutbound());
        assertSame(packet, frame.content());
        assertEquals(1, packet.refCnt());
        frame.release();
    }

    @Test
    void shouldPassOtherOutboundMessagesUnchanged()
    {
        final PingWebSocketFrame ping = new PingWebSocketFrame(packet());

        channel.writeOutbound(ping);

        assertSame(ping, channel.readOutbound());
        ping.release();
    }

    @Test
    void shouldPassEmptyByteBufUnframed()
    {
        channel.writeOutbound(Unpooled.EMPTY_BUFFER);

        assertSame(Unpooled.EMPTY_BUFFER, channel.readOutbound());
    }

    @Test
    void shouldReleaseUnexpectedInboundMessages()
    {
        final PingWebSocketFrame ping = new PingWebSocketFrame(packet());

        channel.writeInbound(ping, new BinaryWebSocketFrame(track(Unpooled.directBuffer(0))));

        assertNull(channel.readInbound(), "only ByteBufs with bytes go on");
        assertEquals(0, ping.refCnt());
    }

    @Test
    void shouldSendNormalCloseOnBrokerCloseEventOnlyOnce()
    {
        channel.pipeline().fireUserEventTriggered(new HandshakeComplete("/mqtt", new DefaultHttpHeaders(), "mqtt"));

        channel.pipeline().fireUserEventTriggered(BrokerCloseEvent.INSTANCE);
        channel.pipeline().fireUserEventTriggered(BrokerCloseEvent.INSTANCE);
        final ChannelFuture last = channel.writeAndFlush(Unpooled.EMPTY_BUFFER);

        final CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, channel.readOutbound());
        assertEquals(WebSocketCloseStatus.NORMAL_CLOSURE.code(), close.statusCode());
        close.release();
        assertNull(channel.readOutbound(), "one Close frame, and the empty write is not sent after it");
        assertTrue(last.isSuccess());
    }

    @Test
    void shouldCloseWhenHandshakeSelectedNoSubprotocol()
    {
        channel.pipeline().fireUserEventTriggered(new HandshakeComplete("/mqtt", new DefaultHttpHeaders(), null));

        assertFalse(channel.isOpen());
    }

    @Test
    void shouldNotPassFrameProtocolViolationOn()
    {
        channel.pipeline().fireExceptionCaught(
            new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "unmasked"));

        channel.checkException();   // would throw had the exception reached the tail
    }

    private ByteBuf packet()
    {
        return track(Unpooled.directBuffer(PINGREQ.length).writeBytes(PINGREQ));
    }

    private ByteBuf track(final ByteBuf buf)
    {
        buffers.add(buf);
        return buf;
    }
}
