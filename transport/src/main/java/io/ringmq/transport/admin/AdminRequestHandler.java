package io.ringmq.transport.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.ringmq.core.status.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Routes one HTTP request of the admin endpoint: {@code /health/live}, {@code /health/ready} and {@code /metrics}
 * are open (load balancers and Prometheus carry no token); paths under {@code /api/} need the bearer token. Unknown
 * paths get 404, methods other than GET and HEAD 405. The handler is the endpoint's error boundary: a request that
 * fails is answered 500 (or the connection closed), counted and logged rate-limited; nothing reaches MQTT traffic,
 * which runs on other event loops.
 * <p>
 * <b>Threading:</b> one instance shared by every connection of the endpoint, all on its single event loop.
 */
@ChannelHandler.Sharable
final class AdminRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest>
{
    private static final Logger LOG = LoggerFactory.getLogger(AdminRequestHandler.class);
    private static final String JSON = "application/json";
    private static final String API_PREFIX = "/api/";

    private final BrokerMetrics metrics;
    private final Readiness readiness;
    /** The admin API's token as bytes, or null when none is configured (the API then refuses everything). */
    private final byte[] token;
    /** Failed requests; thread-safe, and a client can cause them at will, so lines are rate-limited. */
    private final RateLimitedLog failures = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));

    AdminRequestHandler(final BrokerMetrics metrics, final Readiness readiness, final String token)
    {
        this.metrics = metrics;
        this.readiness = readiness;
        this.token = null == token ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) throws Exception
    {
        if (!request.decoderResult().isSuccess())
        {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, JSON, json("error", "malformed request"));
            return;
        }
        final String path = new QueryStringDecoder(request.uri()).path();
        final boolean get = HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method());
        if (path.startsWith(API_PREFIX))
        {
            api(ctx, request);
            return;
        }
        switch (path)
        {
            case "/health/live" ->
            {
                if (get)
                {
                    respond(ctx, request, HttpResponseStatus.OK, JSON, json("status", "live"));
                    return;
                }
            }
            case "/health/ready" ->
            {
                if (get)
                {
                    final String reason = readiness.notReadyReason();
                    if (null == reason)
                    {
                        respond(ctx, request, HttpResponseStatus.OK, JSON, json("status", "ready"));
                    }
                    else
                    {
                        respond(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, JSON,
                            "{\"status\":\"not ready\",\"reason\":" + quote(reason) + "}");
                    }
                    return;
                }
            }
            case "/metrics" ->
            {
                if (get)
                {
                    final BrokerMetrics.Scrape scrape = metrics.scrape(request.headers().get(HttpHeaderNames.ACCEPT));
                    respond(ctx, request, HttpResponseStatus.OK, scrape.contentType(),
                        Unpooled.wrappedBuffer(scrape.body()));
                    return;
                }
            }
            default ->
            {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, JSON, json("error", "not found: " + path));
                return;
            }
        }
        final FullHttpResponse response = response(request, HttpResponseStatus.METHOD_NOT_ALLOWED, JSON,
            text(json("error", request.method() + " not allowed on " + path)));
        response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        send(ctx, request, response);
    }

    /**
     * The admin API: refused without the bearer token (401, and no API without a configured token); its endpoints
     * are the next step of the operations work, so an authorized request finds none (404).
     */
    private void api(final ChannelHandlerContext ctx, final FullHttpRequest request)
    {
        final String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (null == token)
        {
            respond(ctx, request, HttpResponseStatus.UNAUTHORIZED, JSON,
                json("error", "the admin API is disabled: set --http-token to enable it"));
            return;
        }
        // Compared in constant time: the token is a secret a client may probe byte by byte.
        if (null == authorization ||
            !MessageDigest.isEqual(token, authorization.trim().getBytes(StandardCharsets.UTF_8)))
        {
            final FullHttpResponse response = response(request, HttpResponseStatus.UNAUTHORIZED, JSON,
                text(json("error", "a valid bearer token is required")));
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"ringmq\"");
            send(ctx, request, response);
            return;
        }
        respond(ctx, request, HttpResponseStatus.NOT_FOUND, JSON,
            json("error", "not found: " + new QueryStringDecoder(request.uri()).path()));
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        final long due = failures.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.warn("HTTP endpoint: {} request(s) failed since the last report, latest from {}: {}", due,
                ctx.channel().remoteAddress(), cause.toString());
        }
        if (ctx.channel().isActive())
        {
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.INTERNAL_SERVER_ERROR, text(json("error", "internal error")));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON);
            HttpUtil.setContentLength(response, response.content().readableBytes());
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** @return failed requests since start. */
    long failures()
    {
        return failures.total();
    }

    private static void respond(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final HttpResponseStatus status, final String contentType, final String body)
    {
        send(ctx, request, response(request, status, contentType, text(body)));
    }

    private static void respond(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final HttpResponseStatus status, final String contentType, final ByteBuf body)
    {
        send(ctx, request, response(request, status, contentType, body));
    }

    private static FullHttpResponse response(final FullHttpRequest request, final HttpResponseStatus status,
        final String contentType, final ByteBuf body)
    {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        HttpUtil.setContentLength(response, body.readableBytes());
        return response;
    }

    /** Write the response (HEAD: headers only, same length); keep the connection if the client asked to. */
    private static void send(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final FullHttpResponse response)
    {
        if (HttpMethod.HEAD.equals(request.method()))
        {
            response.content().clear();
        }
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive)
        {
            ctx.writeAndFlush(response);
        }
        else
        {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static ByteBuf text(final String body)
    {
        return Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    }

    private static String json(final String name, final String value)
    {
        return "{" + quote(name) + ":" + quote(value) + "}";
    }

    /** A JSON string: quotes, backslashes and control characters escaped. */
    static String quote(final String value)
    {
        final StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if ('"' == c || '\\' == c)
            {
                sb.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
