package io.ringmq.transport.auth.http;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of the {@code http} authentication source (an HTTP service that decides). Immutable; validated on
 * construction.
 *
 * @param url              where to POST each request: {@code http} or {@code https} with a host. Required.
 * @param headers          extra request headers, e.g. {@code Authorization} (default none). Names the JDK client
 *                         reserves ({@code Host}, {@code Content-Length}, ...) are refused when the hook is built.
 * @param requestTimeoutMs longest wait for a whole answer, in milliseconds (default
 *                         {@value #DEFAULT_REQUEST_TIMEOUT_MS}, range 1..60000).
 * @param connectTimeoutMs longest wait for a TCP (and TLS) connection, in milliseconds (default
 *                         {@value #DEFAULT_CONNECT_TIMEOUT_MS}, range 1..60000).
 * @param cacheSize        most answers kept (default {@value #DEFAULT_CACHE_SIZE}; 0 turns the cache off); the
 *                         least recently used one goes first.
 * @param cacheTtlMs       how long an allow or deny answer is reused, in milliseconds (default
 *                         {@value #DEFAULT_CACHE_TTL_MS}; 0 turns the cache off); never beyond the answer's
 *                         {@code expire_at}.
 * @param failOpen         when the service cannot answer (timeout, refused connection, 5xx, unparsable answer):
 *                         false (default) refuses the client with 0x88 Server unavailable, true ignores it so the
 *                         next source in the chain decides.
 * @param threads          threads of the HTTP client's own executor (default {@value #DEFAULT_THREADS}, range 1..64).
 * @param maxResponseBytes longest answer body read, in bytes (default {@value #DEFAULT_MAX_RESPONSE_BYTES}, range
 *                         256..16777216); a longer one is an unparsable answer.
 */
public record HttpHookConfig(
    URI url,
    Map<String, String> headers,
    long requestTimeoutMs,
    long connectTimeoutMs,
    int cacheSize,
    long cacheTtlMs,
    boolean failOpen,
    int threads,
    int maxResponseBytes)
{
    /** Default {@link #requestTimeoutMs}. */
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 2000;
    /** Default {@link #connectTimeoutMs}. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 1000;
    /** Default {@link #cacheSize}. */
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    /** Default {@link #cacheTtlMs}. */
    public static final long DEFAULT_CACHE_TTL_MS = 60_000;
    /** Default {@link #threads}. */
    public static final int DEFAULT_THREADS = 2;
    /** Default {@link #maxResponseBytes}. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

    /**
     * Validates the settings.
     *
     * @param url              the service's URL.
     * @param headers          extra request headers.
     * @param requestTimeoutMs request timeout in ms.
     * @param connectTimeoutMs connect timeout in ms.
     * @param cacheSize        most cached answers.
     * @param cacheTtlMs       cache lifetime in ms.
     * @param failOpen         ignore instead of refuse when the service fails.
     * @param threads          client threads.
     * @param maxResponseBytes longest answer in bytes.
     */
    public HttpHookConfig
    {
        if (null == url || null == url.getScheme() || null == url.getHost())
        {
            throw new IllegalArgumentException("http hook: url needs a scheme and a host: " + safe(url));
        }
        final String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme))
        {
            throw new IllegalArgumentException("http hook: url must be http or https: " + safe(url));
        }
        headers = null == headers ? Map.of() : Map.copyOf(headers);
        for (final Map.Entry<String, String> header : headers.entrySet())
        {
            if (header.getKey().isEmpty() || hasLineBreak(header.getKey()) || hasLineBreak(header.getValue()))
            {
                throw new IllegalArgumentException("http hook: bad header name or value for '" + header.getKey() +
                    "'");
            }
        }
        requireRange("request timeout (ms)", requestTimeoutMs, 1, 60_000);
        requireRange("connect timeout (ms)", connectTimeoutMs, 1, 60_000);
        requireRange("cache size", cacheSize, 0, 10_000_000);
        requireRange("cache ttl (ms)", cacheTtlMs, 0, 86_400_000);
        requireRange("threads", threads, 1, 64);
        requireRange("max response bytes", maxResponseBytes, 256, 16 << 20);
    }

    /**
     * @param url the service's URL.
     * @return settings with every other field at its default: no extra headers, 2 s request and 1 s connect
     * timeout, 10,000 answers cached for 60 s, fail closed, 2 threads, 64 KiB answers.
     */
    public static HttpHookConfig forUrl(final URI url)
    {
        return new HttpHookConfig(url, Map.of(), DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS,
            DEFAULT_CACHE_SIZE, DEFAULT_CACHE_TTL_MS, false, DEFAULT_THREADS, DEFAULT_MAX_RESPONSE_BYTES);
    }

    /** @return true if answers are cached. */
    public boolean cacheEnabled()
    {
        return cacheSize > 0 && cacheTtlMs > 0;
    }

    /** Keeps header values (they may be credentials) out of logs. */
    @Override
    public String toString()
    {
        return "HttpHookConfig{url=" + safe(url) + ", headers=" + headers.keySet() + ", requestTimeoutMs=" +
            requestTimeoutMs + ", connectTimeoutMs=" + connectTimeoutMs + ", cacheSize=" + cacheSize +
            ", cacheTtlMs=" + cacheTtlMs + ", failOpen=" + failOpen + ", threads=" + threads +
            ", maxResponseBytes=" + maxResponseBytes + "}";
    }

    /**
     * @param url a URL.
     * @return it without user information (which may hold a password), for logs.
     */
    static String safe(final URI url)
    {
        if (null == url)
        {
            return "null";
        }
        return null == url.getRawUserInfo() ? url.toString() : url.toString().replace(url.getRawUserInfo() + "@",
            "***@");
    }

    private static boolean hasLineBreak(final String text)
    {
        return null == text || text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0;
    }

    private static void requireRange(final String name, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException("http hook: " + name + " must be " + min + ".." + max + ": " + value);
        }
    }
}
