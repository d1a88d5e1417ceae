package io.ringmq.transport.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.ringmq.core.admin.AdminView;
import io.ringmq.core.admin.PageQuery;
import io.ringmq.core.admin.PublishRequest;
import io.ringmq.core.admin.RetainedSummary;
import io.ringmq.core.admin.SubscriptionRequest;
import io.ringmq.core.codec.Utf8Validator;
import io.ringmq.core.status.RateLimitedLog;
import io.ringmq.transport.logging.LogLevels;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The admin API, version 1, under {@code /api/v1/} (documented in {@code openapi.yaml} beside this class): JSON in
 * and out, routed here by method and path. Operations on clients, sessions, subscriptions, retained messages and
 * publishing go to the Router through the {@link AdminGateway}; broker information, configuration, metrics and
 * reload are answered here. Listings are paged ({@code limit} up to {@value PageQuery#MAX_LIMIT}, {@code after}
 * the last key of the previous page).
 * <p>
 * Errors are JSON {@code {"error": "..."}}: 400 for bad input (bad JSON, unknown fields, values out of range, an
 * invalid topic), 404 for an unknown path or a client, session or retained message that does not exist, 405 for a
 * method the path does not take, 503 while the broker starts or when it is too busy to take the request (retry).
 * <p>
 * <b>Threading:</b> {@link #handle} on the HTTP event loop; its answer completes there or on the Router thread.
 */
final class AdminApi
{
    static final String PREFIX = "/api/v1/";
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    /** Thread-safe once configured; shared by every request. */
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> PUBLISH_FIELDS = Set.of("topic", "payload", "encoding", "qos", "retain",
        "messageExpiry");
    private static final Set<String> LOGGING_FIELDS = Set.of("level");
    private static final Set<String> SUBSCRIPTION_FIELDS = Set.of("filter", "qos", "noLocal", "retainAsPublished",
        "retainHandling");

    private final AdminGateway gateway;
    /** Runs reloads off the HTTP loop: one thread, no queue beyond the one running (see {@link #reload()}). */
    private final ThreadPoolExecutor reloads = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new SynchronousQueue<>(), runnable ->
        {
            final Thread thread = new Thread(runnable, "ringmq-reload");
            thread.setDaemon(true);
            return thread;
        });
    /** Made on first use (HTTP loop only): it needs Logback as the SLF4J provider, which an embedding may lack. */
    private LogLevels logLevels;
    private final BrokerControl broker;
    private final BooleanSupplier started;
    /** Failed operations (not bad input): logged rate-limited, an operator can repeat them at will. */
    private final RateLimitedLog failures = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));

    /** An answer: status, JSON body, and for 405 the methods allowed. */
    record Response(HttpResponseStatus status, byte[] body, String allow)
    {
    }

    /**
     * @param gateway the way to the Router.
     * @param broker  information and control of the broker.
     * @param started whether the Router runs (false during recovery: the API then answers 503).
     */
    AdminApi(final AdminGateway gateway, final BrokerControl broker, final BooleanSupplier started)
    {
        this.gateway = gateway;
        this.broker = broker;
        this.started = started;
    }

    /**
     * @param method the request's method.
     * @param uri    the request's URI, starting with {@link #PREFIX} or not (then 404).
     * @param body   the request's body, possibly empty.
     * @return the answer.
     */
    CompletableFuture<Response> handle(final HttpMethod method, final String uri, final byte[] body)
    {
        try
        {
            return route(method, new QueryStringDecoder(uri), body)
                .exceptionally(this::failure);
        }
        catch (final RuntimeException ex)
        {
            return CompletableFuture.completedFuture(failure(ex));
        }
    }

    private CompletableFuture<Response> route(final HttpMethod method, final QueryStringDecoder uri, final byte[] body)
    {
        final String rawPath = uri.rawPath();
        if (!rawPath.startsWith(PREFIX))
        {
            return done(notFound("not found: " + uri.path()));
        }
        final String[] path = segments(rawPath.substring(PREFIX.length()));
        if (path.length > 0 && !started.getAsBoolean() && !"broker".equals(path[0]) && !"config".equals(path[0]))
        {
            return done(error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the broker is starting (journal recovery)"));
        }
        final String resource = path.length == 0 ? "" : path[0];
        return switch (resource)
        {
            case "broker" -> only(path, 1, method, "GET", () -> done(ok(broker.info())));
            case "config" -> only(path, 1, method, "GET", () -> done(ok(broker.configuration())));
            case "metrics" -> only(path, 1, method, "GET", () -> done(ok(broker.metrics())));
            case "reload" -> only(path, 1, method, "POST", this::reload);
            case "publish" -> only(path, 1, method, "POST", () -> publish(body));
            case "logging" -> logging(method, path, body);
            case "clients" -> clients(method, uri, path, body);
            case "sessions" -> sessions(method, uri, path);
            case "retained" -> retained(method, uri, rawPath);
            default -> done(notFound("not found: " + uri.path()));
        };
    }

    private CompletableFuture<Response> clients(final HttpMethod method, final QueryStringDecoder uri,
        final String[] path, final byte[] body)
    {
        if (1 == path.length)
        {
            return only(path, 1, method, "GET", () ->
            {
                final PageQuery query = pageQuery(uri);
                return call(view -> view.clients(query));
            });
        }
        final String clientId = path[1];
        if (2 == path.length)
        {
            if (HttpMethod.GET.equals(method))
            {
                return ask(view -> view.client(clientId)).thenApply(d -> found(d, "no session for client " +
                    clientId));
            }
            if (HttpMethod.DELETE.equals(method))
            {
                return disconnect(clientId);
            }
            return done(notAllowed("GET, DELETE"));
        }
        if (3 == path.length && "disconnect".equals(path[2]))
        {
            return only(path, 3, method, "POST", () -> disconnect(clientId));
        }
        if (3 == path.length && "subscriptions".equals(path[2]))
        {
            if (HttpMethod.GET.equals(method))
            {
                return ask(view -> view.subscriptions(clientId)).thenApply(s -> found(s, "no session for client " +
                    clientId));
            }
            if (HttpMethod.POST.equals(method))
            {
                final SubscriptionRequest request = subscription(body);
                return ask(view -> view.subscribe(clientId, request)).thenApply(code -> code < 0 ?
                    notFound("no session for client " + clientId) :
                    ok(Map.of("filter", request.filter(), "reasonCode", code, "granted", code < 0x80)));
            }
            if (HttpMethod.DELETE.equals(method))
            {
                final String filter = required(uri, "filter");
                return ask(view -> view.unsubscribe(clientId, filter)).thenApply(removed -> removed ?
                    ok(Map.of("filter", filter, "removed", true)) :
                    notFound("client " + clientId + " has no subscription " + filter));
            }
            return done(notAllowed("GET, POST, DELETE"));
        }
        return done(notFound("not found: " + uri.path()));
    }

    private CompletableFuture<Response> disconnect(final String clientId)
    {
        return ask(view -> view.disconnect(clientId)).thenApply(done -> done ?
            ok(Map.of("clientId", clientId, "disconnected", true)) : notFound("client " + clientId +
            " is not connected"));
    }

    private CompletableFuture<Response> sessions(final HttpMethod method, final QueryStringDecoder uri,
        final String[] path)
    {
        if (1 == path.length)
        {
            return only(path, 1, method, "GET", () ->
            {
                final PageQuery query = pageQuery(uri);
                final String connected = parameter(uri, "connected");
                final Boolean filter = null == connected ? null : bool("connected", connected);
                return call(view -> view.sessions(query, filter));
            });
        }
        if (2 == path.length)
        {
            final String clientId = path[1];
            if (HttpMethod.GET.equals(method))
            {
                return ask(view -> view.client(clientId)).thenApply(d -> null == d ?
                    notFound("no session for client " + clientId) : ok(d.session()));
            }
            if (HttpMethod.DELETE.equals(method))
            {
                return ask(view -> view.deleteSession(clientId)).thenApply(deleted -> deleted ?
                    ok(Map.of("clientId", clientId, "deleted", true)) :
                    notFound("no session for client " + clientId));
            }
            return done(notAllowed("GET, DELETE"));
        }
        return done(notFound("not found: " + uri.path()));
    }

    private CompletableFuture<Response> retained(final HttpMethod method, final QueryStringDecoder uri,
        final String rawPath)
    {
        final String base = PREFIX + "retained";
        if (rawPath.equals(base))
        {
            if (!HttpMethod.GET.equals(method))
            {
                return done(notAllowed("GET"));
            }
            final PageQuery query = pageQuery(uri);
            final String filter = null == parameter(uri, "filter") ? "#" : parameter(uri, "filter");
            return call(view -> view.retained(query, filter));
        }
        // The topic is the rest of the path, slashes and all, percent-decoded ('+' and '#' cannot be in a topic).
        final String topic = QueryStringDecoder.decodeComponent(rawPath.substring(base.length() + 1));
        if (HttpMethod.GET.equals(method))
        {
            return ask(view -> view.retainedMessage(topic)).thenApply(m -> null == m ?
                notFound("no retained message on " + topic) : ok(withText(m)));
        }
        if (HttpMethod.DELETE.equals(method))
        {
            return ask(view -> view.deleteRetained(topic)).thenApply(deleted -> deleted ?
                ok(Map.of("topic", topic, "deleted", true)) : notFound("no retained message on " + topic));
        }
        return done(notAllowed("GET, DELETE"));
    }

    /**
     * A reload reads files and waits for the Router: it runs on a thread of its own, never on the HTTP loop (health
     * checks go on meanwhile), one at a time; a second one while the first runs is refused (503).
     */
    private CompletableFuture<Response> reload()
    {
        try
        {
            return CompletableFuture.supplyAsync(() -> ok(Map.of("changes", broker.reload())), reloads);
        }
        catch (final RejectedExecutionException ex)
        {
            return done(error(HttpResponseStatus.SERVICE_UNAVAILABLE, "a reload is in progress; retry"));
        }
    }

    /** Stop the reload thread (the endpoint is closing). */
    void close()
    {
        reloads.shutdownNow();
    }

    /** Logging levels: read them all, or change one logger's (not through the Router: Logback is thread-safe). */
    private CompletableFuture<Response> logging(final HttpMethod method, final String[] path, final byte[] body)
    {
        if (null == logLevels)
        {
            try
            {
                logLevels = new LogLevels();
            }
            catch (final IllegalStateException ex)
            {
                return done(error(HttpResponseStatus.NOT_IMPLEMENTED, ex.getMessage()));
            }
        }
        if (1 == path.length)
        {
            return only(path, 1, method, "GET", () -> done(ok(logLevels.levels())));
        }
        if (2 != path.length)
        {
            return done(notFound("not found: /" + String.join("/", path)));
        }
        if (!HttpMethod.PUT.equals(method))
        {
            return done(notAllowed("PUT"));
        }
        final String level = text(object(body, LOGGING_FIELDS), "level", null);
        final String logger = path[1];
        final String previous = logLevels.set(logger, level);
        LOG.info("admin: logger '{}' set to {} (was {})", logger, level, previous);
        final Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("logger", logger);
        answer.put("level", logLevels.effectiveLevel(logger));
        answer.put("previous", previous);
        return done(ok(answer));
    }

    private CompletableFuture<Response> publish(final byte[] body)
    {
        final JsonNode node = object(body, PUBLISH_FIELDS);
        final String encoding = text(node, "encoding", "utf-8");
        final String payload = text(node, "payload", "");
        final byte[] bytes = switch (encoding)
        {
            case "utf-8" -> payload.getBytes(StandardCharsets.UTF_8);
            case "base64" -> base64(payload);
            default -> throw new IllegalArgumentException("encoding must be utf-8 or base64, got " + encoding);
        };
        final PublishRequest request = new PublishRequest(text(node, "topic", null), bytes,
            (int)number(node, "qos", 0, 0, 2), bool(node, "retain"),
            number(node, "messageExpiry", -1, -1, 0xFFFF_FFFFL));
        return ask(view -> view.publish(request)).thenApply(this::ok);
    }

    private static SubscriptionRequest subscription(final byte[] body)
    {
        final JsonNode node = object(body, SUBSCRIPTION_FIELDS);
        return new SubscriptionRequest(text(node, "filter", null), (int)number(node, "qos", 0, 0, 2),
            bool(node, "noLocal"), bool(node, "retainAsPublished"), (int)number(node, "retainHandling", 0, 0, 2));
    }

    // ---------------------------------------------------------------- plumbing

    private <T> CompletableFuture<Response> call(final Function<AdminView, T> operation)
    {
        return ask(operation).thenApply(this::ok);
    }

    private <T> CompletableFuture<T> ask(final Function<AdminView, T> operation)
    {
        return gateway.submit(operation);
    }

    private static CompletableFuture<Response> only(final String[] path, final int length, final HttpMethod method,
        final String allowed, final Supplier<CompletableFuture<Response>> action)
    {
        if (path.length != length)
        {
            return done(notFound("not found: /" + String.join("/", path)));
        }
        if (!allowed.equals(method.name()))
        {
            return done(notAllowed(allowed));
        }
        return action.get();
    }

    private Response ok(final Object value)
    {
        return value instanceof Response response ? response : new Response(HttpResponseStatus.OK, toJson(value),
            null);
    }

    private Response found(final Object value, final String otherwise)
    {
        return null == value ? notFound(otherwise) : ok(value);
    }

    private ObjectNode withText(final RetainedSummary message)
    {
        final ObjectNode node = MAPPER.valueToTree(message);
        final UnsafeBuffer payload = new UnsafeBuffer(message.payload());
        if (Utf8Validator.isWellFormed(payload, 0, message.payload().length))
        {
            node.put("payloadText", new String(message.payload(), StandardCharsets.UTF_8));
        }
        return node;
    }

    private Response failure(final Throwable thrown)
    {
        final Throwable cause = thrown instanceof CompletionException && null != thrown.getCause() ?
            thrown.getCause() : thrown;
        if (cause instanceof IllegalArgumentException)
        {
            return error(HttpResponseStatus.BAD_REQUEST, cause.getMessage());
        }
        if (cause instanceof AdminGateway.BusyException)
        {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, cause.getMessage() + "; retry");
        }
        if (cause instanceof TimeoutException)
        {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the broker did not answer in time; retry");
        }
        final long due = failures.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.warn("admin API: {} operation(s) failed since the last report, latest: {}", due, cause.toString(),
                cause);
        }
        return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + cause);
    }

    /** @return failed operations since start (not bad input). */
    long failures()
    {
        return failures.total();
    }

    static Response error(final HttpResponseStatus status, final String message)
    {
        return new Response(status, toJson(Map.of("error", null == message ? status.reasonPhrase() : message)),
            null);
    }

    /**
     * @param value a JSON-serialisable value.
     * @return its JSON.
     */
    static byte[] toJson(final Object value)
    {
        try
        {
            return MAPPER.writeValueAsBytes(value);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException("cannot write the answer as JSON", ex);
        }
    }

    private static Response notFound(final String message)
    {
        return error(HttpResponseStatus.NOT_FOUND, message);
    }

    private static Response notAllowed(final String allow)
    {
        final Response response = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed; allowed: " +
            allow);
        return new Response(response.status(), response.body(), allow);
    }

    private static CompletableFuture<Response> done(final Response response)
    {
        return CompletableFuture.completedFuture(response);
    }

    private static String[] segments(final String rawRest)
    {
        if (rawRest.isEmpty())
        {
            return new String[0];
        }
        final String[] raw = rawRest.split("/", -1);
        final List<String> decoded = new ArrayList<>(raw.length);
        for (final String segment : raw)
        {
            decoded.add(QueryStringDecoder.decodeComponent(segment));
        }
        return decoded.toArray(new String[0]);
    }

    private static PageQuery pageQuery(final QueryStringDecoder uri)
    {
        final String limit = parameter(uri, "limit");
        return new PageQuery(parameter(uri, "after"), null == limit ? PageQuery.DEFAULT_LIMIT :
            (int)parse("limit", limit, 1, PageQuery.MAX_LIMIT), parameter(uri, "search"));
    }

    private static String parameter(final QueryStringDecoder uri, final String name)
    {
        final List<String> values = uri.parameters().get(name);
        return null == values || values.isEmpty() ? null : values.get(0);
    }

    private static String required(final QueryStringDecoder uri, final String name)
    {
        final String value = parameter(uri, name);
        if (null == value || value.isEmpty())
        {
            throw new IllegalArgumentException("query parameter '" + name + "' is required");
        }
        return value;
    }

    private static long parse(final String name, final String value, final long min, final long max)
    {
        final long parsed;
        try
        {
            parsed = Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a number " + min + ".." + max + ", got '" + value +
                "'", ex);
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + parsed);
        }
        return parsed;
    }

    private static boolean bool(final String name, final String value)
    {
        return switch (value)
        {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, got '" + value + "'");
        };
    }

    private static byte[] base64(final String value)
    {
        try
        {
            return Base64.getDecoder().decode(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("payload is not valid base64: " + ex.getMessage(), ex);
        }
    }

    /** Parse a JSON object body, refusing anything else and any field not in {@code fields} (a typo is an error). */
    private static JsonNode object(final byte[] body, final Set<String> fields)
    {
        final JsonNode node;
        try
        {
            node = MAPPER.readTree(body);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalArgumentException("the body is not JSON: " + ex.getOriginalMessage(), ex);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("the body cannot be read: " + ex.getMessage(), ex);
        }
        if (null == node || !node.isObject())
        {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        for (final Iterator<String> names = node.fieldNames(); names.hasNext(); )
        {
            final String name = names.next();
            if (!fields.contains(name))
            {
                throw new IllegalArgumentException("unknown field '" + name + "'; known: " + fields);
            }
        }
        return node;
    }

    private static String text(final JsonNode node, final String name, final String otherwise)
    {
        final JsonNode value = node.get(name);
        if (null == value || value.isNull())
        {
            if (null == otherwise)
            {
                throw new IllegalArgumentException("field '" + name + "' is required");
            }
            return otherwise;
        }
        if (!value.isTextual())
        {
            throw new IllegalArgumentException("field '" + name + "' must be a string");
        }
        return value.asText();
    }

    private static long number(final JsonNode node, final String name, final long otherwise, final long min,
        final long max)
    {
        final JsonNode value = node.get(name);
        if (null == value || value.isNull())
        {
            return otherwise;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber())
        {
            throw new IllegalArgumentException("field '" + name + "' must be an integer " + min + ".." + max);
        }
        final long parsed = value.asLong();
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException("field '" + name + "' must be " + min + ".." + max + ", got " +
                parsed);
        }
        return parsed;
    }

    private static boolean bool(final JsonNode node, final String name)
    {
        final JsonNode value = node.get(name);
        if (null == value || value.isNull())
        {
            return false;
        }
        if (!value.isBoolean())
        {
            throw new IllegalArgumentException("field '" + name + "' must be true or false");
        }
        return value.asBoolean();
    }
}
