package io.ringmq.transport.auth.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.ClientInfo;
import io.ringmq.transport.auth.AclJson;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The {@code http} authentication source: asks an HTTP service about each client, in the style of EMQX's HTTP
 * authenticator.
 * <p>
 * <b>Request:</b> {@code POST} of a JSON object {@code clientid}, {@code username}, {@code password} (the password
 * bytes as UTF-8 text, invalid sequences replaced), {@code peerhost}, {@code peerport} (a number),
 * {@code listener}, {@code cert_subject}, {@code cert_common_name} and {@code protocol} (the MQTT protocol level: 3,
 * 4 or 5); absent values are {@code null}.
 * <p>
 * <b>Answer:</b> 200 with {@code {"result":"allow"|"deny"|"ignore"}}, and with an allow optionally {@code "acl"}
 * (either form of {@link AclJson}) and {@code "expire_at"} (epoch seconds); 204 allows (the EMQX convention); any
 * 4xx refuses with 0x86, except 408 and 429 (the service is busy: a failure). Anything else (timeout, refused
 * connection, 5xx, another status, an answer that does not parse) is a failure: counted, and the client refused
 * with 0x88 Server unavailable, or ignored when {@link HttpHookConfig#failOpen()}.
 * <p>
 * <b>Cache:</b> allow and deny answers are kept for {@link HttpHookConfig#cacheTtlMs()}, keyed by a salted SHA-256
 * over client id, user name, source host (not port, which changes with every connection), listener, certificate
 * subject and password; the password itself is never stored. Ignore answers and failures are not cached.
 * <p>
 * <b>Threading:</b> thread-safe; {@link #authenticate} blocks the calling auth-pool thread for at most the request
 * timeout. The HTTP client runs on its own small executor, which {@link #close()} shuts down.
 */
public final class HttpAuthHook implements Authenticator
{
    /** The name in logs and in {@code auth.chain}. */
    public static final String NAME = "http";

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpHookConfig config;
    private final LongSupplier nanoClock;
    private final ObjectMapper mapper;
    private final ExecutorService executor;
    private final HttpClient client;
    private final ResultCache cache;
    private final byte[] salt = new byte[32];
    private volatile boolean closed;

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private final AtomicLong badAnswers = new AtomicLong();
    private final AtomicLong ioFailures = new AtomicLong();

    /**
     * @param config the settings.
     * @throws IllegalArgumentException if a configured header is one the JDK client refuses to set.
     */
    public HttpAuthHook(final HttpHookConfig config)
    {
        this(config, System::nanoTime);
    }

    HttpAuthHook(final HttpHookConfig config, final LongSupplier nanoClock)
    {
        this.config = config;
        this.nanoClock = nanoClock;
        this.mapper = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(AclJson.MAX_NESTING_DEPTH)
                .build())
            .build()).build();
        request(new byte[0]);  // throws here, at start, for a header name the JDK client refuses
        this.cache = config.cacheEnabled() ? new ResultCache(config.cacheSize()) : null;
        RANDOM.nextBytes(salt);
        final int instance = INSTANCES.incrementAndGet();
        final AtomicInteger threadCount = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(config.threads(), task ->
        {
            final Thread thread = new Thread(task, "ringmq-auth-http-" + instance + "-" +
                threadCount.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        // HTTP/1.1: a plain-http service is not offered an h2c upgrade it may mishandle; connections are kept alive.
        this.client = HttpClient.newBuilder()
            .executor(executor)
            .connectTimeout(Duration.ofMillis(config.connectTimeoutMs()))
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    }

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public AuthResult authenticate(final ClientInfo info)
    {
        if (closed)
        {
            return failed("closed");
        }
        final String key = null == cache ? null : cacheKey(info);
        if (null != key)
        {
            final AuthResult cached = cache.get(key, nanoClock.getAsLong());
            if (null != cached)
            {
                cacheHits.incrementAndGet();
                return cached;
            }
        }
        requests.incrementAndGet();
        final HttpResponse<byte[]> response;
        try
        {
            response = send(requestBody(info));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            ioFailures.incrementAndGet();
            return failed("interrupted");
        }
        catch (final TimeoutException | HttpTimeoutException ex)
        {
            if (ex instanceof HttpConnectTimeoutException)
            {
                connectFailures.incrementAndGet();
                return failed("connect timed out after " + config.connectTimeoutMs() + " ms");
            }
            timeouts.incrementAndGet();
            return failed("no answer within " + config.requestTimeoutMs() + " ms");
        }
        catch (final ConnectException ex)
        {
            connectFailures.incrementAndGet();
            return failed("cannot connect: " + ex);
        }
        catch (final BoundedBodySubscriber.TooLongException ex)
        {
            badAnswers.incrementAndGet();
            return failed(ex.getMessage());
        }
        catch (final IOException ex)
        {
            ioFailures.incrementAndGet();
            return failed("I/O error: " + ex);
        }
        return answer(response, info, key);
    }

    private HttpResponse<byte[]> send(final byte[] body) throws IOException, InterruptedException, TimeoutException
    {
        final HttpRequest request = request(body);
        final CompletableFuture<HttpResponse<byte[]>> future =
            client.sendAsync(request, responseInfo -> new BoundedBodySubscriber(config.maxResponseBytes()));
        try
        {
            // The request timeout covers the headers only: this bound also covers a body that trickles in.
            return future.get(config.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException | InterruptedException ex)
        {
            future.cancel(true);
            throw ex;
        }
        catch (final ExecutionException ex)
        {
            Throwable cause = ex.getCause();
            while (cause instanceof IOException && !(cause instanceof HttpTimeoutException) &&
                !(cause instanceof ConnectException) && !(cause instanceof BoundedBodySubscriber.TooLongException) &&
                cause.getCause() instanceof IOException)
            {
                cause = cause.getCause();  // the client wraps the cause in IOExceptions of its own
            }
            if (cause instanceof IOException io)
            {
                throw io;
            }
            throw new IOException(String.valueOf(cause), cause);
        }
    }

    private HttpRequest request(final byte[] body)
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(config.url())
            .timeout(Duration.ofMillis(config.requestTimeoutMs()))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        for (final Map.Entry<String, String> header : config.headers().entrySet())
        {
            builder.header(header.getKey(), header.getValue());
        }
        return builder.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private AuthResult answer(final HttpResponse<byte[]> response, final ClientInfo info, final String key)
    {
        final int status = response.statusCode();
        if (204 == status)
        {
            return remember(key, AuthResult.allow());
        }
        if (408 == status || 429 == status)
        {
            // Request Timeout and Too Many Requests say nothing about the client: a failure, never a cached denial.
            serverErrors.incrementAndGet();
            return failed("answered " + status);
        }
        if (status >= 400 && status < 500)
        {
            return remember(key, AuthResult.deny(AuthResult.BAD_USER_NAME_OR_PASSWORD,
                "http hook: answered " + status));
        }
        if (status >= 500)
        {
            serverErrors.incrementAndGet();
            return failed("answered " + status);
        }
        if (200 != status)
        {
            badAnswers.incrementAndGet();
            return failed("unexpected status " + status);
        }
        final AuthResult result;
        try
        {
            result = parse(response.body(), info);
        }
        catch (final IllegalArgumentException ex)
        {
            badAnswers.incrementAndGet();
            return failed("unparsable answer: " + ex.getMessage());
        }
        return AuthResult.ignore() == result ? result : remember(key, result);
    }

    private AuthResult parse(final byte[] body, final ClientInfo info)
    {
        final JsonNode answer;
        try
        {
            answer = mapper.readTree(body);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(ex instanceof JsonProcessingException json ?
                json.getOriginalMessage() : ex.toString(), ex);
        }
        if (null == answer || !answer.isObject())
        {
            throw new IllegalArgumentException("not a JSON object");
        }
        final JsonNode result = answer.get("result");
        if (null == result || !result.isTextual())
        {
            throw new IllegalArgumentException("no result");
        }
        switch (result.textValue().toLowerCase(Locale.ROOT))
        {
            case "ignore":
                return AuthResult.ignore();
            case "deny":
                return AuthResult.deny(AuthResult.BAD_USER_NAME_OR_PASSWORD, "http hook: denied");
            case "allow":
                break;
            default:
                throw new IllegalArgumentException("result must be allow, deny or ignore");
        }
        AuthResult allow = AuthResult.allow();
        final JsonNode expireAt = answer.get("expire_at");
        if (null != expireAt && !expireAt.isNull())
        {
            if (!expireAt.canConvertToExactIntegral() || !expireAt.canConvertToLong() || expireAt.longValue() <= 0 ||
                expireAt.longValue() > Long.MAX_VALUE / 1000)
            {
                throw new IllegalArgumentException("expire_at must be epoch seconds");
            }
            allow = allow.withExpiry(expireAt.longValue() * 1000);
        }
        final JsonNode acl = answer.get("acl");
        if (null != acl && !acl.isNull())
        {
            final List<AclEntry> entries = AclJson.parse(acl, info);
            allow = allow.withAcl(entries);
        }
        return allow;
    }

    private AuthResult remember(final String key, final AuthResult result)
    {
        if (null != key)
        {
            final long nowNs = nanoClock.getAsLong();
            long ttlNs = TimeUnit.MILLISECONDS.toNanos(config.cacheTtlMs());
            if (0 != result.expiresAtMillis())
            {
                // Never serve an allow from the cache past the moment the service said it ends.
                ttlNs = Math.min(ttlNs, TimeUnit.MILLISECONDS.toNanos(result.expiresAtMillis() -
                    System.currentTimeMillis()));
            }
            if (ttlNs > 0)
            {
                cache.put(key, result, nowNs + ttlNs);
            }
        }
        return result;
    }

    private AuthResult failed(final String why)
    {
        return config.failOpen() ? AuthResult.ignore() :
            AuthResult.deny(AuthResult.SERVER_UNAVAILABLE, "http hook: " + why);
    }

    private byte[] requestBody(final ClientInfo info) throws JsonProcessingException
    {
        final ObjectNode body = mapper.createObjectNode();
        body.put("clientid", info.clientId());
        body.put("username", info.username());
        final byte[] password = info.password();
        body.put("password", null == password ? null : new String(password, StandardCharsets.UTF_8));
        body.put("peerhost", host(info.clientAddress()));
        body.put("peerport", port(info.clientAddress()));
        body.put("listener", info.listener());
        body.put("cert_subject", info.certificateSubject());
        body.put("cert_common_name", info.certificateCn());
        body.put("protocol", info.protocolVersion());
        return mapper.writeValueAsBytes(body);
    }

    /**
     * @param address {@code host:port} or {@code [v6]:port} as the broker formats it, or a bare host.
     * @return the host part, without brackets, or null.
     */
    static String host(final String address)
    {
        if (null == address)
        {
            return null;
        }
        if (address.startsWith("["))
        {
            final int end = address.indexOf(']');
            return end < 0 ? address : address.substring(1, end);
        }
        final int colon = address.indexOf(':');
        return colon < 0 || colon != address.lastIndexOf(':') ? address : address.substring(0, colon);
    }

    /**
     * @param address {@code host:port} or {@code [v6]:port}.
     * @return the port, or null if there is none.
     */
    static Integer port(final String address)
    {
        if (null == address)
        {
            return null;
        }
        final int colon = address.lastIndexOf(':');
        final boolean hasPort = colon > 0 && (address.startsWith("[") ? address.charAt(colon - 1) == ']' :
            address.indexOf(':') == colon);
        if (!hasPort)
        {
            return null;
        }
        try
        {
            return Integer.valueOf(address.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    private String cacheKey(final ClientInfo info)
    {
        final MessageDigest digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
        digest.update(salt);
        field(digest, info.clientId());
        field(digest, info.username());
        field(digest, host(info.clientAddress()));
        field(digest, info.listener());
        field(digest, info.certificateSubject());
        final byte[] password = info.password();
        field(digest, password);
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void field(final MessageDigest digest, final String value)
    {
        field(digest, null == value ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static void field(final MessageDigest digest, final byte[] value)
    {
        // Length-prefixed (-1 for absent), so that ("ab", "c") and ("a", "bc") never share a key.
        digest.update(ByteBuffer.allocate(4).putInt(null == value ? -1 : value.length).array());
        if (null != value)
        {
            digest.update(value);
        }
    }

    /** @return requests sent to the service (cache misses). */
    public long requests()
    {
        return requests.get();
    }

    /** @return answers served from the cache. */
    public long cacheHits()
    {
        return cacheHits.get();
    }

    /** @return answers currently cached. */
    public int cachedAnswers()
    {
        return null == cache ? 0 : cache.entryCount();
    }

    /** @return cached answers pushed out because the cache was full. */
    public long cacheEvictions()
    {
        return null == cache ? 0 : cache.evictions();
    }

    /** @return requests that got no answer within the request timeout. */
    public long timeouts()
    {
        return timeouts.get();
    }

    /** @return requests that could not connect (refused, unreachable, connect timeout). */
    public long connectFailures()
    {
        return connectFailures.get();
    }

    /** @return 5xx answers. */
    public long serverErrors()
    {
        return serverErrors.get();
    }

    /** @return answers that did not parse, were too long or had an unexpected status. */
    public long badAnswers()
    {
        return badAnswers.get();
    }

    /** @return other I/O failures (connection reset, TLS errors, interruption). */
    public long ioFailures()
    {
        return ioFailures.get();
    }

    /** @return all failures: the sum of the five kinds above. */
    public long failures()
    {
        return timeouts.get() + connectFailures.get() + serverErrors.get() + badAnswers.get() + ioFailures.get();
    }

    /** Stops the client's threads; later calls are refused with 0x88 (or ignored when failing open). */
    @Override
    public void close()
    {
        closed = true;
        executor.shutdownNow();
    }
}
