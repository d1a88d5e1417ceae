package io.ringmq.transport.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
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
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Routes one HTTP request of the admin endpoint. Open (load balancers, Prometheus and browsers carry no token):
 * {@code /health/live}, {@code /health/ready}, {@code /metrics}, the dashboard's static files under
 * {@code /dashboard/} ({@code /} redirects there) and {@code /openapi.yaml}. Paths under {@code /api/} need the
 * token, as a bearer token ({@code Authorization: Bearer TOKEN}) or as the password of basic auth (any user name), and
 * go to the {@link AdminApi}. Unknown paths get 404, a method a path does not take 405.
 * <p>
 * The handler is the endpoint's error boundary: a request that fails is answered 500 (or the connection closed),
 * counted and logged rate-limited; nothing reaches MQTT traffic, which runs on other event loops.
 * <p>
 * <b>Threading:</b> one instance shared by every connection of the endpoint, all on its single event loop; admin
 * API answers that complete on the Router thread are written from the connection's event loop.
 */
@ChannelHandler.Sharable
final class AdminRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest>
{
    private static final Logger LOG = LoggerFactory.getLogger(AdminRequestHandler.class);
    private static final String JSON = "application/json";
    private static final String API_PREFIX = "/api/";

    private final BrokerMetrics metrics;
    private final Readiness readiness;
    private final AdminApi api;
    private final StaticFiles files = new StaticFiles();
    /** The admin API's token as bytes, or null when none is configured (the API then refuses everything). */
    private final byte[] token;
    /** Failed requests; thread-safe, and a client can cause them at will, so lines are rate-limited. */
    private final RateLimitedLog failures = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));

    AdminRequestHandler(final BrokerMetrics metrics, final Readiness readiness, final AdminApi api,
        final String token)
    {
        this.metrics = metrics;
        this.readiness = readiness;
        this.api = api;
        this.token = null == token ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) throws Exception
    {
        final Exchange exchange = new Exchange(ctx, request);
        if (!request.decoderResult().isSuccess())
        {
            exchange.send(AdminApi.error(HttpResponseStatus.BAD_REQUEST, "malformed request"));
            return;
        }
        final String path = new QueryStringDecoder(request.uri()).path();
        if (path.startsWith(API_PREFIX))
        {
            api(exchange, request);
            return;
        }
        final boolean get = HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method());
        if (!get && (path.equals("/") || isKnown(path)))
        {
            exchange.send(AdminApi.error(HttpResponseStatus.METHOD_NOT_ALLOWED, request.method() +
                " not allowed on " + path), "GET, HEAD");
            return;
        }
        switch (path)
        {
            case "/health/live" -> exchange.json(HttpResponseStatus.OK, "{\"status\":\"live\"}");
            case "/health/ready" ->
            {
                final String reason = readiness.notReadyReason();
                if (null == reason)
                {
                    exchange.json(HttpResponseStatus.OK, "{\"status\":\"ready\"}");
                }
                else
                {
                    exchange.send(HttpResponseStatus.SERVICE_UNAVAILABLE, JSON, Unpooled.wrappedBuffer(
                        AdminApi.toJson(Map.of("status", "not ready", "reason", reason))), null);
                }
            }
            case "/metrics" ->
            {
                final BrokerMetrics.Scrape scrape = metrics.scrape(request.headers().get(HttpHeaderNames.ACCEPT));
                exchange.send(HttpResponseStatus.OK, scrape.contentType(), Unpooled.wrappedBuffer(scrape.body()),
                    null);
            }
            case "/" ->
            {
                final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.FOUND, Unpooled.EMPTY_BUFFER);
                response.headers().set(HttpHeaderNames.LOCATION, StaticFiles.DASHBOARD);
                Exchange.secure(response);
                exchange.send(response);
            }
            default ->
            {
                final StaticFiles.File file = files.find(path);
                if (null == file)
                {
                    exchange.send(AdminApi.error(HttpResponseStatus.NOT_FOUND, "not found: " + path));
                }
                else
                {
                    exchange.send(HttpResponseStatus.OK, file.contentType(), Unpooled.wrappedBuffer(file.bytes()),
                        null);
                }
            }
        }
    }

    private boolean isKnown(final String path)
    {
        return "/health/live".equals(path) || "/health/ready".equals(path) || "/metrics".equals(path) ||
            null != files.find(path);
    }

    /** The admin API: refused without the token (401, and no API at all without a configured token). */
    private void api(final Exchange exchange, final FullHttpRequest request)
    {
        if (null == token)
        {
            exchange.send(AdminApi.error(HttpResponseStatus.UNAUTHORIZED,
                "the admin API is disabled: set --http-token to enable it"));
            return;
        }
        if (!authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION)))
        {
            final AdminApi.Response refused = AdminApi.error(HttpResponseStatus.UNAUTHORIZED,
                "a valid bearer token (or basic auth with the token as password) is required");
            final FullHttpResponse response = exchange.response(refused.status(), JSON,
                Unpooled.wrappedBuffer(refused.body()));
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"ringmq\"");
            exchange.send(response);
            return;
        }
        final byte[] body = ByteBufUtil.getBytes(request.content());
        api.handle(request.method(), request.uri(), body).whenCompleteAsync((response, failure) ->
        {
            if (null != failure)
            {
                exceptionCaught(exchange.ctx, failure);
            }
            else
            {
                exchange.send(response);
            }
        }, exchange.ctx.executor());
    }

    /** Compared in constant time: the token is a secret a client may probe byte by byte. */
    private boolean authorized(final String authorization)
    {
        if (null == authorization)
        {
            return false;
        }
        final String value = authorization.trim();
        byte[] presented = null;
        if (value.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            presented = value.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        }
        else if (value.regionMatches(true, 0, "Basic ", 0, 6))
        {
            try
            {
                final String pair = new String(Base64.getDecoder().decode(value.substring(6).trim()),
                    StandardCharsets.UTF_8);
                final int colon = pair.indexOf(':');
                presented = colon < 0 ? null : pair.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
            }
            catch (final IllegalArgumentException ex)
            {
                return false;
            }
        }
        return null != presented && MessageDigest.isEqual(token, presented);
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
            final AdminApi.Response error = AdminApi.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, error.status(),
                Unpooled.wrappedBuffer(error.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON);
            HttpUtil.setContentLength(response, response.content().readableBytes());
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The endpoint is closing: stop what the API runs off the loop. */
    void close()
    {
        api.close();
    }

    /** @return failed requests since start, in the endpoint and in the admin API's operations. */
    long failures()
    {
        return failures.total() + api.failures();
    }

    /**
     * What a response needs of its request, taken before the request is released (an admin API answer is written
     * after {@code channelRead0} returned): the channel, HEAD or not, keep-alive or not.
     */
    private static final class Exchange
    {
        private final ChannelHandlerContext ctx;
        private final boolean head;
        private final boolean keepAlive;

        Exchange(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            this.ctx = ctx;
            this.head = HttpMethod.HEAD.equals(request.method());
            this.keepAlive = HttpUtil.isKeepAlive(request);
        }

        void json(final HttpResponseStatus status, final String body)
        {
            send(status, JSON, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), null);
        }

        void send(final AdminApi.Response answer)
        {
            send(answer, answer.allow());
        }

        void send(final AdminApi.Response answer, final String allow)
        {
            send(answer.status(), JSON, Unpooled.wrappedBuffer(answer.body()), allow);
        }

        void send(final HttpResponseStatus status, final String contentType, final ByteBuf body, final String allow)
        {
            final FullHttpResponse response = response(status, contentType, body);
            if (null != allow)
            {
                response.headers().set(HttpHeaderNames.ALLOW, allow);
            }
            send(response);
        }

        FullHttpResponse response(final HttpResponseStatus status, final String contentType, final ByteBuf body)
        {
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
            secure(response);
            return response;
        }

        /**
         * Headers that keep the dashboard to itself: only its own scripts and styles, never in a frame (no
         * clickjacking of the disconnect button), no content sniffing, no referrer with the page's URL.
         */
        static void secure(final FullHttpResponse response)
        {
            response.headers().set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
            response.headers().set("X-Content-Type-Options", "nosniff");
            response.headers().set("Referrer-Policy", "no-referrer");
        }

        /** Write the response (HEAD: headers only, same length); keep the connection if the client asked to. */
        void send(final FullHttpResponse response)
        {
            HttpUtil.setContentLength(response, response.content().readableBytes());
            if (head)
            {
                response.content().clear();
            }
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
    }
}
