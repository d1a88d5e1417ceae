package io.ringmq.transport.admission;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.ringmq.transport.netty.ConnectionAttributes;
import io.ringmq.transport.proxy.ClientAddressKnown;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Refuses a connection whose client address is over its connection rate ({@link ConnectionAdmission#ADDRESS_RATE}),
 * before anything expensive (a TLS handshake) happens: it closes the connection at once, writes nothing, and
 * discards whatever the connection still delivers. A connection within its rate loses this handler, which removes
 * itself.
 * <p>
 * <b>When it checks</b> (one rule, fixed at construction by whether the listener reads PROXY headers):
 * <ul>
 *     <li>{@code awaitProxyHeader} true (a {@link io.ringmq.transport.proxy.ProxyProtocolHandler} is before this
 *     one): on {@link ClientAddressKnown}, with the address the header gave. {@code channelActive} is passed on
 *     unchecked: the address is not known yet. A connection refused for its header never gets the event; it is
 *     closed by the PROXY handler.</li>
 *     <li>{@code awaitProxyHeader} false (no PROXY handler): on {@code channelActive}, with the socket's peer; a
 *     refused connection's {@code channelActive} is not passed on, so later handlers never see it active.</li>
 * </ul>
 * The address is {@link ConnectionAttributes#clientAddress}; one that is not an IP socket address (as in tests
 * with an embedded channel) is not limited.
 * <p>
 * <b>Threading:</b> one instance per connection, confined to its event loop; the shared
 * {@link ConnectionAdmission} is thread-safe.
 */
public final class AdmissionHandler extends ChannelInboundHandlerAdapter
{
    private final ConnectionAdmission admission;
    private final boolean awaitProxyHeader;
    /** Set when the connection was refused: the rest of what it delivers is released here. */
    private boolean refused;

    /**
     * @param admission        the listener's admission.
     * @param awaitProxyHeader whether a PROXY handler is before this one (the listener's proxy-protocol is not off):
     *                         then the check waits for {@link ClientAddressKnown}.
     */
    public AdmissionHandler(final ConnectionAdmission admission, final boolean awaitProxyHeader)
    {
        if (null == admission)
        {
            throw new IllegalArgumentException("admission must not be null");
        }
        this.admission = admission;
        this.awaitProxyHeader = awaitProxyHeader;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        if (awaitProxyHeader)
        {
            ctx.fireChannelActive();
        }
        else if (admit(ctx))
        {
            ctx.fireChannelActive();
            ctx.pipeline().remove(this);
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
    {
        if (ClientAddressKnown.INSTANCE == evt && awaitProxyHeader && !refused)
        {
            if (admit(ctx))
            {
                ctx.fireUserEventTriggered(evt);
                ctx.pipeline().remove(this);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (refused)
        {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        if (!refused)
        {
            ctx.fireChannelReadComplete();
        }
    }

    private boolean admit(final ChannelHandlerContext ctx)
    {
        final SocketAddress address = ConnectionAttributes.clientAddress(ctx.channel());
        if (address instanceof InetSocketAddress inet &&
            ConnectionAdmission.ACCEPTED != admission.tryAcceptAddress(inet.getAddress(), System.nanoTime()))
        {
            // Counted (and logged, rate-limited) by tryAcceptAddress, before the close.
            refused = true;
            ctx.close();
            return false;
        }
        return true;
    }
}
