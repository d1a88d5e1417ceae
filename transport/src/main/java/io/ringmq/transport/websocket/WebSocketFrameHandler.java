package io.ringmq.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseNotifier;
import io.ringmq.transport.netty.BrokerCloseEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;

/**
 * Between Netty's WebSocket protocol handler and the MQTT handler: makes a WebSocket connection look like a TCP
 * byte stream, so the MQTT handler is the same for both (MQTT 5 and 3.1.1 section 6).
 * <ul>
 * <li>Inbound binary and continuation frames: their content is passed on as a {@code ByteBuf}. MQTT packets may be
 * split across frames or joined in one [MQTT-6.0.0-2]; the MQTT handler frames the stream as it does for TCP.</li>
 * <li>Inbound text frames: refused with a Close frame, status 1003, and the connection closed [MQTT-6.0.0-1].
 * Ping, Pong and Close frames never get here (Netty's protocol handler answers them).</li>
 * <li>Outbound {@code ByteBuf}s: wrapped, without a copy, in one binary frame each. Empty ones are not framed: they
 * write nothing and only carry a promise (the MQTT handler's last write before its half-close). Everything else
 * written (frames of other handlers) passes unchanged.</li>
 * <li>{@link BrokerCloseEvent}: a Close frame with status 1000 after what the broker wrote, so the client sees an
 * orderly WebSocket close. Later {@code ByteBuf} writes are not sent (no data frame may follow a Close): an empty one
 * completes when the Close frame is written, so the MQTT handler's half-close follows the Close frame; one with bytes
 * fails.</li>
 * </ul>
 * <p>
 * <b>Ownership:</b> an inbound frame received here is owned here; passing its content on hands that ownership to the
 * next handler (the frame and its content share one reference count), every other frame is released here. An
 * outbound {@code ByteBuf} becomes the content of the frame written, which the encoder releases; one not sent is
 * released here.
 * <p>
 * <b>Threading:</b> one instance per channel, used on its event loop only.
 */
final class WebSocketFrameHandler extends ChannelDuplexHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketFrameHandler.class);

    /** Set by {@link HandshakeComplete}: from then on the channel speaks WebSocket frames, not HTTP. */
    private boolean open;
    /** Set when a text frame was refused: data frames are dropped until the close completes. */
    private boolean refusing;
    /** Write of the Close frame this handler sent on {@link BrokerCloseEvent}; null until then. */
    private ChannelFuture closeFrameWrite;

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame)
        {
            final ByteBuf content = ((WebSocketFrame)msg).content();
            if (refusing || !content.isReadable())
            {
                content.release();
                return;
            }
            ctx.fireChannelRead(content);   // the next handler owns it now
        }
        else if (msg instanceof TextWebSocketFrame)
        {
            ReferenceCountUtil.release(msg);
            refuseText(ctx);
        }
        else
        {
            // Nothing else reaches the MQTT handler: it reads ByteBufs only.
            LOG.debug("{} dropped unexpected inbound {}", ctx.channel(), msg.getClass().getSimpleName());
            ReferenceCountUtil.release(msg);
        }
    }

    private void refuseText(final ChannelHandlerContext ctx)
    {
        if (refusing)
        {
            return;
        }
        refusing = true;
        LOG.debug("{} text frame refused: MQTT is carried in binary frames only (MQTT-6.0.0-1)", ctx.channel());
        if (null == closeFrameWrite)
        {
            closeFrameWrite = ctx.writeAndFlush(new CloseWebSocketFrame(true, 0, ctx.alloc(),
                WebSocketCloseStatus.INVALID_MESSAGE_TYPE.code(), "MQTT needs binary frames"));
            closeFrameWrite.addListener(ChannelFutureListener.CLOSE);
        }
        else
        {
            ctx.close();
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
    {
        if (evt instanceof HandshakeComplete)
        {
            onHandshakeComplete(ctx, (HandshakeComplete)evt);
        }
        else if (evt == BrokerCloseEvent.INSTANCE && open && null == closeFrameWrite)
        {
            // Written after everything the broker wrote before the event, before its last (empty) write.
            closeFrameWrite = ctx.writeAndFlush(new CloseWebSocketFrame(true, 0, ctx.alloc(),
                WebSocketCloseStatus.NORMAL_CLOSURE.code(), null));
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void onHandshakeComplete(final ChannelHandlerContext ctx, final HandshakeComplete handshake)
    {
        open = true;
        if (null == handshake.selectedSubprotocol())
        {
            // UpgradeRequestHandler lets no such request through; kept so no WebSocket without MQTT stays open.
            LOG.debug("{} WebSocket without an MQTT subprotocol closed", ctx.channel());
            ctx.close();
        }
        else
        {
            LOG.debug("{} WebSocket open on {}, subprotocol {}", ctx.channel(), handshake.requestUri(),
                handshake.selectedSubprotocol());
        }
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise)
    {
        if (!(msg instanceof ByteBuf))
        {
            ctx.write(msg, promise);
            return;
        }
        final ByteBuf buf = (ByteBuf)msg;
        if (null != closeFrameWrite)
        {
            writeAfterClose(buf, promise);
        }
        else if (buf.isReadable())
        {
            ctx.write(new BinaryWebSocketFrame(buf), promise);
        }
        else
        {
            ctx.write(buf, promise);
        }
    }

    private void writeAfterClose(final ByteBuf buf, final ChannelPromise promise)
    {
        final boolean hasBytes = buf.isReadable();
        buf.release();
        if (promise.isVoid())
        {
            return;
        }
        if (hasBytes)
        {
            promise.tryFailure(new ClosedChannelException());
        }
        else
        {
            closeFrameWrite.addListener(new PromiseNotifier<Void, ChannelFuture>(false, promise));
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        if (cause instanceof CorruptedWebSocketFrameException)
        {
            // The frame decoder sent the Close frame (1002, 1009, ...) and the protocol handler closes the channel:
            // a bad client, not a fault of the broker, so it ends here.
            LOG.debug("{} WebSocket protocol violation: {}", ctx.channel(), cause.getMessage());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
