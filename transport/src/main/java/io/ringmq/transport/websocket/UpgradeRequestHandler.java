package io.ringmq.transport.websocket;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Checks the HTTP request of a WebSocket listener before Netty's handshaker sees it, and answers every request the
 * broker will not upgrade with an HTTP error and a close: a wrong path (404), a method other than GET (405), a request
 * that is not a WebSocket upgrade or offers no MQTT subprotocol (400), a WebSocket version other than 13 (426, with
 * the version the broker speaks).
 * <p>
 * The subprotocol check is the reason this handler exists: when none of the client's
 * {@code Sec-WebSocket-Protocol} tokens matches, Netty's handshaker still answers 101, only without the header, and
 * the broker would hold a WebSocket that is not MQTT (MQTT 5 and 3.1.1 section 6.0: the client includes
 * {@code mqtt} in the list of WebSocket subprotocols it offers). An acceptable request is passed on unchanged and
 * this handler leaves the pipeline.
 * <p>
 * <b>Ownership:</b> a refused request is released here; an accepted one is passed on (the handshaker releases it).
 * After a refusal every further inbound message is released until the close completes.
 * <p>
 * <b>Threading:</b> one instance per channel, used on its event loop only.
 */
final class UpgradeRequestHandler extends ChannelInboundHandlerAdapter
{
    private static final Logger LOG = LoggerFactory.getLogger(UpgradeRequestHandler.class);
    private static final List<String> SUBPROTOCOLS = List.of(WebSocketPipeline.SUBPROTOCOLS.split(","));

    private final String path;
    /** Set when a request was refused: the response and the close are under way, input is dropped. */
    private boolean refused;

    UpgradeRequestHandler(final String path)
    {
        this.path = path;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (refused && msg instanceof HttpObject)
        {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof HttpRequest))
        {
            ctx.fireChannelRead(msg);
            return;
        }

        final HttpRequest request = (HttpRequest)msg;
        final HttpResponseStatus refusal = check(request);
        if (null == refusal)
        {
            // Out of the way before the handshake starts, which replaces the HTTP handlers with the WebSocket ones.
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }

        refused = true;
        if (LOG.isDebugEnabled())
        {
            LOG.debug("{} WebSocket upgrade refused with {}: {} {} (upgrade {}, version {}, subprotocols {})",
                ctx.channel(), refusal.code(), request.method(), request.uri(),
                request.headers().get(HttpHeaderNames.UPGRADE),
                request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION),
                request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
        }
        ReferenceCountUtil.release(msg);
        refuse(ctx, refusal);
    }

    /**
     * @return the status that refuses the request, or null to let it through to the handshaker.
     */
    private HttpResponseStatus check(final HttpRequest request)
    {
        final HttpHeaders headers = request.headers();
        if (!request.decoderResult().isSuccess())
        {
            return HttpResponseStatus.BAD_REQUEST;
        }
        if (!path.equals(request.uri()))
        {
            return HttpResponseStatus.NOT_FOUND;
        }
        if (!HttpMethod.GET.equals(request.method()))
        {
            return HttpResponseStatus.METHOD_NOT_ALLOWED;
        }
        if (!headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true) ||
            !headers.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true) ||
            null == headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY))
        {
            return HttpResponseStatus.BAD_REQUEST;
        }
        if (!WebSocketVersion.V13.toHttpHeaderValue().equals(headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION)))
        {
            return HttpResponseStatus.UPGRADE_REQUIRED;
        }
        return offersMqtt(headers) ? null : HttpResponseStatus.BAD_REQUEST;
    }

    /**
     * Whether one of the offered subprotocol tokens is one of ours, compared as Netty's handshaker selects them
     * (trimmed, exact), so what passes here is what the handshaker puts in its answer.
     */
    private static boolean offersMqtt(final HttpHeaders headers)
    {
        for (final String offered : headers.getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL))
        {
            for (final String token : offered.split(","))
            {
                if (SUBPROTOCOLS.contains(token.trim()))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static void refuse(final ChannelHandlerContext ctx, final HttpResponseStatus status)
    {
        final FullHttpResponse response =
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        final HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_LENGTH, 0);
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (HttpResponseStatus.UPGRADE_REQUIRED.equals(status))
        {
            headers.set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, WebSocketVersion.V13.toHttpHeaderValue());
        }
        else if (HttpResponseStatus.METHOD_NOT_ALLOWED.equals(status))
        {
            headers.set(HttpHeaderNames.ALLOW, HttpMethod.GET.name());
        }
        // Closed from here, towards the socket: the WebSocket handlers further in have nothing to say to HTTP.
        ctx.writeAndFlush(response).addListener(future -> ctx.close());
    }
}
