package io.ringmq.transport.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionState;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.ringmq.transport.config.ListenerConfig.ProxyMode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads the PROXY protocol header (v1 text or v2 binary) that a load balancer sends before the client's own bytes,
 * and records the client's address it carries in
 * {@link io.ringmq.transport.netty.ConnectionAttributes#PROXIED_ADDRESS}.
 * Installed first in the pipeline of a listener whose {@link ProxyMode} is not {@link ProxyMode#OFF}.
 * <p>
 * <b>What it does with the first bytes</b> (decided as soon as they allow it, from at most 12 bytes, so nothing but
 * those few bytes is held while deciding):
 * <ul>
 *     <li>They start a v1 or v2 header ({@link HAProxyMessageDecoder#detectProtocol(ByteBuf)}): this handler replaces
 *     itself with a {@link HAProxyMessageDecoder} (bounded: 108 bytes for v1, 16 + 216 + {@link #MAX_TLV_BYTES} for
 *     v2) followed by a header handler, and hands them the bytes. A well-formed header sets the address (command
 *     PROXY with TCP4 or TCP6; a LOCAL command, as in v2 health checks, or an UNKNOWN or UNIX source keeps the
 *     socket's address), then both remove themselves, so the bytes after the header, even those read together with
 *     it, reach the next handler unchanged. A malformed or oversized header closes the connection.</li>
 *     <li>They cannot start a header: in {@link ProxyMode#REQUIRED} mode the connection is closed at once and
 *     whatever it sends is discarded; in {@link ProxyMode#OPTIONAL} mode this handler removes itself and passes
 *     the bytes on untouched.</li>
 * </ul>
 * A connection closed for its header is reported to the {@link ProxyRefusalListener} (counted and logged there,
 * rate-limited) exactly once; nothing is thrown out of the pipeline for it.
 * <p>
 * <b>Ordering:</b> when the address is final (after the header, or on the first bytes without one in optional
 * mode), {@link ClientAddressKnown} is fired down the pipeline <em>before</em> any byte that follows is passed on,
 * so that admission can refuse the connection by the real client's address before a TLS handshake starts.
 * A connection that sends nothing is not decided here: the listener's handshake timeout closes it.
 * <p>
 * <b>Threading:</b> one instance per connection, confined to its event loop.
 */
public final class ProxyProtocolHandler extends ByteToMessageDecoder
{
    /**
     * Largest block of TLVs (type-length-value extensions) accepted in a v2 header. Proxies send a few small ones
     * (AWS NLB the VPC endpoint id, HAProxy the TLS version and SNI); the bound keeps what an unauthenticated
     * connection can make the broker hold small. A larger header closes the connection.
     */
    public static final int MAX_TLV_BYTES = 4096;

    /** Start of a v1 header. */
    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** Start of a v2 header (12 bytes); {@link HAProxyMessageDecoder#detectProtocol} decides once it is all read. */
    private static final byte[] V2_SIGNATURE =
        {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final ProxyMode mode;
    private final ProxyRefusalListener refusals;
    /** Set when the connection was closed for having no header: later bytes are discarded. */
    private boolean refused;

    /**
     * @param mode     {@link ProxyMode#OPTIONAL} or {@link ProxyMode#REQUIRED}.
     * @param refusals told of each connection closed for its header.
     * @throws IllegalArgumentException for {@link ProxyMode#OFF}: then no handler is installed at all.
     */
    public ProxyProtocolHandler(final ProxyMode mode, final ProxyRefusalListener refusals)
    {
        if (ProxyMode.OFF == mode || null == mode)
        {
            throw new IllegalArgumentException("ProxyProtocolHandler is only installed when proxy-protocol is " +
                "optional or required: " + mode);
        }
        if (null == refusals)
        {
            throw new IllegalArgumentException("refusals must not be null");
        }
        this.mode = mode;
        this.refusals = refusals;
    }

    /** @return the mode this handler was made for. */
    public ProxyMode mode()
    {
        return mode;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        if (refused)
        {
            in.skipBytes(in.readableBytes());
            return;
        }
        final ProtocolDetectionState state = detect(in);
        if (ProtocolDetectionState.NEEDS_MORE_DATA == state)
        {
            return;
        }
        final ChannelPipeline pipeline = ctx.pipeline();
        if (ProtocolDetectionState.DETECTED == state)
        {
            // Resulting order: this, decoder, header handler. Removing this handler hands its cumulated bytes
            // (ByteToMessageDecoder.handlerRemoved, once decode returns) to the decoder.
            pipeline.addAfter(ctx.name(), null, new ProxyHeaderHandler(refusals));
            pipeline.addAfter(ctx.name(), null, new HAProxyMessageDecoder(MAX_TLV_BYTES));
            pipeline.remove(this);
        }
        else if (ProxyMode.REQUIRED == mode)
        {
            refused = true;
            in.skipBytes(in.readableBytes());
            // Counted before the close, so whoever sees the connection closed sees it counted.
            refusals.onProxyHeaderRefused(ctx.channel().remoteAddress(), "no PROXY header", System.nanoTime());
            ctx.close();
        }
        else
        {
            // The event first, then the bytes: removing this handler passes them on after decode returns.
            ctx.fireUserEventTriggered(ClientAddressKnown.INSTANCE);
            pipeline.remove(this);
        }
    }

    /**
     * @param in the first bytes of a connection.
     * @return DETECTED when they start a v1 or v2 header, INVALID when they cannot, NEEDS_MORE_DATA when too few
     *     were read to tell (fewer than 12, all matching the start of a header).
     */
    static ProtocolDetectionState detect(final ByteBuf in)
    {
        if (in.readableBytes() >= V2_SIGNATURE.length)
        {
            return HAProxyMessageDecoder.detectProtocol(in).state();
        }
        return startsLike(in, V1_SIGNATURE) || startsLike(in, V2_SIGNATURE) ?
            ProtocolDetectionState.NEEDS_MORE_DATA : ProtocolDetectionState.INVALID;
    }

    private static boolean startsLike(final ByteBuf in, final byte[] signature)
    {
        final int length = Math.min(in.readableBytes(), signature.length);
        final int start = in.readerIndex();
        for (int i = 0; i < length; i++)
        {
            if (in.getByte(start + i) != signature[i])
            {
                return false;
            }
        }
        return true;
    }
}
