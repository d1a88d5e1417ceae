package io.ringmq.transport.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.ringmq.transport.netty.ConnectionAttributes;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Placed after the {@link io.netty.handler.codec.haproxy.HAProxyMessageDecoder} by {@link ProxyProtocolHandler}:
 * takes the decoded header, records the client's address, fires {@link ClientAddressKnown} and removes itself
 * (the decoder removes itself too, and then passes on the bytes it read after the header). Turns the decoder's
 * {@link HAProxyProtocolException} for a malformed header (the decoder has closed the connection already) into one
 * refusal reported to the {@link ProxyRefusalListener}; later bytes and repeated exceptions are dropped.
 * <p>
 * <b>Threading:</b> one instance per connection, confined to its event loop.
 */
final class ProxyHeaderHandler extends ChannelInboundHandlerAdapter
{
    private final ProxyRefusalListener refusals;
    /** Set once the connection was closed for its header. */
    private boolean refused;

    ProxyHeaderHandler(final ProxyRefusalListener refusals)
    {
        this.refusals = refusals;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (msg instanceof HAProxyMessage header)
        {
            try
            {
                onHeader(ctx, header);
            }
            finally
            {
                header.release();
            }
        }
        else if (refused)
        {
            ReferenceCountUtil.release(msg);
        }
        else
        {
            ctx.fireChannelRead(msg);
        }
    }

    private void onHeader(final ChannelHandlerContext ctx, final HAProxyMessage header)
    {
        if (refused)
        {
            return;
        }
        final HAProxyProxiedProtocol protocol = header.proxiedProtocol();
        if (HAProxyCommand.PROXY == header.command() &&
            (HAProxyProxiedProtocol.TCP4 == protocol || HAProxyProxiedProtocol.TCP6 == protocol))
        {
            // A literal, parsed without a name lookup; the decoder has checked its syntax already.
            final InetAddress source = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
            if (null == source)
            {
                refuse(ctx, "unparsable source address in PROXY header");
                ctx.close();
                return;
            }
            ctx.channel().attr(ConnectionAttributes.PROXIED_ADDRESS)
                .set(new InetSocketAddress(source, header.sourcePort()));
        }
        // LOCAL (the proxy's own health check), UNKNOWN, UNIX and UDP sources: the socket's peer stays the address.
        ctx.fireUserEventTriggered(ClientAddressKnown.INSTANCE);
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        if (cause instanceof HAProxyProtocolException)
        {
            // The decoder closed the connection before throwing; the exception ends here, counted once.
            if (!refused)
            {
                refuse(ctx, "malformed PROXY header: " + cause.getMessage());
            }
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void refuse(final ChannelHandlerContext ctx, final String why)
    {
        refused = true;
        refusals.onProxyHeaderRefused(ctx.channel().remoteAddress(), why, System.nanoTime());
    }
}
