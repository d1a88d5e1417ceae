package io.ringmq.transport.auth.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ringmq.auth.Access;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import io.ringmq.core.SuppressForbidden;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SuppressForbidden(reason = "com.sun.net.httpserver is the JDK's own small HTTP server, exported API of jdk.httpserver")
class HttpAuthHookTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Headers> headers = new ConcurrentLinkedQueue<>();
    private final AtomicInteger hits = new AtomicInteger();
    private volatile int status = 200;
    private volatile String answer = "{\"result\":\"allow\"}";
    private volatile long delayMs;

    private HttpServer server;
    private ExecutorService serverThreads;
    private HttpAuthHook hook;

    @BeforeEach
    void startServer() throws IOException
    {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool(task ->
        {
            final Thread thread = new Thread(task, "test-http-hook-server");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(serverThreads);
        server.createContext("/auth", this::handle);
        server.start();
    }

    @AfterEach
    void stop()
    {
        if (null != hook)
        {
            hook.close();
        }
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        hits.incrementAndGet();
        bodies.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
        headers.add(exchange.getRequestHeaders());
        try
        {
            if (delayMs > 0)
            {
                Thread.sleep(delayMs);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        final byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        if (204 == status)
        {
            exchange.sendResponseHeaders(204, -1);
        }
        else
        {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        }
        exchange.close();
    }

    private URI url()
    {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/auth");
    }

    private HttpAuthHook hook(final HttpHookConfig config)
    {
        hook = new HttpAuthHook(config);
        return hook;
    }

    private HttpHookConfig config(final long requestTimeoutMs, final int cacheSize, final boolean failOpen)
    {
        return new HttpHookConfig(url(), Map.of("Authorization", "Bearer hook-secret"), requestTimeoutMs, 1000,
            cacheSize, 60_000, failOpen, 2, 1024);
    }

    @Test
    void shouldAllowWithAclAndExpiry()
    {
        final long expireAt = System.currentTimeMillis() / 1000 + 3600;
        answer = "{\"result\":\"allow\",\"is_superuser\":false,\"expire_at\":" + expireAt +
            ",\"acl\":[{\"permission\":\"allow\",\"action\":\"publish\",\"topic\":\"up/%c\"}]}";

        final AuthResult result = hook(HttpHookConfig.forUrl(url())).authenticate(client("dev1", "pw"));

        assertEquals(Decision.ALLOW, result.decision(), result::toString);
        assertEquals(expireAt * 1000, result.expiresAtMillis());
        assertEquals(List.of(new AclEntry(Access.WRITE, "up/dev1")), result.acl());
    }

    @Test
    void shouldDenyAndIgnoreAsAnswered()
    {
        final HttpAuthHook http = hook(config(2000, 0, false));
        answer = "{\"result\":\"deny\"}";
        final AuthResult denied = http.authenticate(client("dev1", "pw"));
        assertEquals(Decision.DENY, denied.decision());
        assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, denied.reasonCode());

        answer = "{\"result\":\"IGNORE\"}";
        assertSame(AuthResult.ignore(), http.authenticate(client("dev1", "pw")));

        answer = "{\"result\":\"allow\"}";
        final AuthResult allowed = http.authenticate(client("dev1", "pw"));
        assertEquals(Decision.ALLOW, allowed.decision());
        assertNull(allowed.acl());
        assertEquals(0, allowed.expiresAtMillis());
        assertEquals(0, http.failures());
    }

    @Test
    void shouldAllowOn204AndDenyOn4xx()
    {
        final HttpAuthHook http = hook(config(2000, 0, false));
        status = 204;
        assertEquals(Decision.ALLOW, http.authenticate(client("dev1", "pw")).decision());

        status = 403;
        answer = "{}";
        final AuthResult denied = http.authenticate(client("dev1", "pw"));
        assertEquals(Decision.DENY, denied.decision());
        assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, denied.reasonCode());
        assertTrue(denied.reason().contains("403"), denied.reason());
    }

    @Test
    void shouldSendTheClientAsJson() throws IOException
    {
        final ClientInfo info = new ClientInfo("dev-7", "alice", "s3cr\u00e9t".getBytes(StandardCharsets.UTF_8), 4,
            "tls", "[::1]:4242", "CN=dev-7,O=RingMQ", "dev-7");

        hook(config(2000, 0, false)).authenticate(info);

        assertEquals(1, bodies.size());
        final JsonNode sent = bodies.peek();
        assertEquals(JSON.readTree("{\"clientid\":\"dev-7\",\"username\":\"alice\",\"password\":\"s3cr\u00e9t\"," +
            "\"peerhost\":\"::1\",\"peerport\":4242,\"listener\":\"tls\",\"cert_subject\":\"CN=dev-7,O=RingMQ\"," +
            "\"cert_common_name\":\"dev-7\",\"protocol\":4}"), sent);
        final Headers seen = headers.peek();
        assertEquals("Bearer hook-secret", seen.getFirst("Authorization"));
        assertEquals("application/json", seen.getFirst("Content-Type"));
    }

    @Test
    void shouldSendNullsForAbsentFields()
    {
        hook(config(2000, 0, false)).authenticate(new ClientInfo("dev-8", null, null, 5, "default", "10.0.0.1:1",
            null, null));

        final JsonNode sent = bodies.peek();
        assertTrue(sent.get("username").isNull());
        assertTrue(sent.get("password").isNull());
        assertTrue(sent.get("cert_subject").isNull());
        assertEquals("10.0.0.1", sent.get("peerhost").textValue());
        assertEquals(1, sent.get("peerport").intValue());
    }

    @Test
    void shouldFailClosedWhenServiceIsTooSlow()
    {
        delayMs = 1500;
        final HttpAuthHook http = hook(config(200, 100, false));
        final long startNs = System.nanoTime();

        final AuthResult result = http.authenticate(client("dev1", "pw"));

        assertTrue(System.nanoTime() - startNs < 1_400_000_000L, "waited for the slow answer");
        assertEquals(Decision.DENY, result.decision());
        assertEquals(AuthResult.SERVER_UNAVAILABLE, result.reasonCode());
        assertEquals(1, http.timeouts());
        assertEquals(1, http.failures());
        assertEquals(0, http.cachedAnswers());
    }

    @Test
    void shouldIgnoreWhenServiceIsTooSlowAndFailingOpen()
    {
        delayMs = 1500;
        final HttpAuthHook http = hook(config(200, 100, true));

        assertSame(AuthResult.ignore(), http.authenticate(client("dev1", "pw")));
        assertEquals(1, http.timeouts());
    }

    @Test
    void shouldFailOnServerErrorAndNotCacheIt()
    {
        status = 500;
        final HttpAuthHook http = hook(config(2000, 100, false));

        final AuthResult first = http.authenticate(client("dev1", "pw"));
        final AuthResult second = http.authenticate(client("dev1", "pw"));

        assertEquals(AuthResult.SERVER_UNAVAILABLE, first.reasonCode());
        assertEquals(AuthResult.SERVER_UNAVAILABLE, second.reasonCode());
        assertEquals(2, hits.get());
        assertEquals(2, http.serverErrors());
        assertEquals(0, http.cacheHits());
    }

    @Test
    void shouldFailWithoutCachingWhenServiceIsBusy()
    {
        status = 429;
        final HttpAuthHook http = hook(config(2000, 100, false));

        assertEquals(AuthResult.SERVER_UNAVAILABLE, http.authenticate(client("dev1", "pw")).reasonCode());
        status = 200;
        assertEquals(Decision.ALLOW, http.authenticate(client("dev1", "pw")).decision());
        assertEquals(2, hits.get());
    }

    @Test
    void shouldRefuseRestrictedHeaderAtStart()
    {
        assertThrows(IllegalArgumentException.class, () -> hook(new HttpHookConfig(url(),
            Map.of("Content-Length", "1"), 2000, 1000, 1, 1, false, 1, 1024)));
    }

    @Test
    void shouldFailOnUnparsableOrOverlongAnswer()
    {
        final HttpAuthHook http = hook(config(2000, 0, false));
        for (final String bad : new String[]{"not json", "[]", "{}", "{\"result\":\"maybe\"}",
            "{\"result\":\"allow\",\"acl\":{\"pub\":[\"a/#/b\"]}}", "{\"result\":\"allow\",\"expire_at\":\"soon\"}",
            "{\"result\":\"allow\",\"pad\":\"" + "x".repeat(2000) + "\"}"})
        {
            answer = bad;
            final AuthResult result = http.authenticate(client("dev1", "pw"));
            assertEquals(AuthResult.SERVER_UNAVAILABLE, result.reasonCode(), bad);
        }
        assertEquals(7, http.badAnswers());
    }

    @Test
    void shouldFailWhenNothingListens() throws IOException
    {
        final int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            port = socket.getLocalPort();
        }
        final HttpAuthHook http = hook(new HttpHookConfig(URI.create("http://127.0.0.1:" + port + "/auth"), Map.of(),
            2000, 1000, 100, 60_000, false, 1, 1024));

        final AuthResult result = http.authenticate(client("dev1", "pw"));

        assertEquals(AuthResult.SERVER_UNAVAILABLE, result.reasonCode(), result::toString);
        assertEquals(1, http.connectFailures());
    }

    @Test
    void shouldServeRepeatedClientFromCache()
    {
        final HttpAuthHook http = hook(config(2000, 100, false));

        final AuthResult first = http.authenticate(client("dev1", "pw"));
        final AuthResult second = http.authenticate(new ClientInfo("dev1", "user", "pw".getBytes(
            StandardCharsets.UTF_8), 5, "default", "127.0.0.1:60001", null, null));

        assertEquals(Decision.ALLOW, first.decision());
        assertSame(first, second);
        assertEquals(1, hits.get());
        assertEquals(1, http.requests());
        assertEquals(1, http.cacheHits());
    }

    @Test
    void shouldNotShareCacheEntriesBetweenPasswords()
    {
        final HttpAuthHook http = hook(config(2000, 100, false));
        http.authenticate(client("dev1", "right"));

        answer = "{\"result\":\"deny\"}";
        final AuthResult other = http.authenticate(client("dev1", "wrong"));

        assertEquals(Decision.DENY, other.decision());
        assertEquals(2, hits.get());
        assertEquals(Decision.ALLOW, http.authenticate(client("dev1", "right")).decision());
        assertEquals(Decision.DENY, http.authenticate(client("dev1", "wrong")).decision());
        assertEquals(2, hits.get());
    }

    @Test
    void shouldBoundTheCache()
    {
        final HttpAuthHook http = hook(config(2000, 2, false));
        http.authenticate(client("a", "pw"));
        http.authenticate(client("b", "pw"));
        http.authenticate(client("c", "pw"));

        assertEquals(2, http.cachedAnswers());
        assertEquals(1, http.cacheEvictions());
        http.authenticate(client("c", "pw"));
        assertEquals(3, hits.get());
        http.authenticate(client("a", "pw"));
        assertEquals(4, hits.get());
    }

    @Test
    void shouldForgetCachedAnswersAfterTheTtl()
    {
        final AtomicLong nowNs = new AtomicLong(1_000);
        hook = new HttpAuthHook(new HttpHookConfig(url(), Map.of(), 2000, 1000, 100, 500, false, 1, 1024),
            nowNs::get);
        hook.authenticate(client("dev1", "pw"));
        nowNs.addAndGet(499_000_000L);
        hook.authenticate(client("dev1", "pw"));
        assertEquals(1, hits.get());

        nowNs.addAndGet(1_000_000L);
        hook.authenticate(client("dev1", "pw"));
        assertEquals(2, hits.get());
    }

    @Test
    void shouldNotCacheIgnoreAnswers()
    {
        answer = "{\"result\":\"ignore\"}";
        final HttpAuthHook http = hook(config(2000, 100, false));

        http.authenticate(client("dev1", "pw"));
        http.authenticate(client("dev1", "pw"));

        assertEquals(2, hits.get());
    }

    @Test
    void shouldRefuseAfterClose()
    {
        final HttpAuthHook http = hook(config(2000, 100, false));
        http.close();

        assertEquals(AuthResult.SERVER_UNAVAILABLE, http.authenticate(client("dev1", "pw")).reasonCode());
        assertEquals(0, hits.get());
    }

    @Test
    void shouldSplitHostAndPort()
    {
        assertEquals("10.1.2.3", HttpAuthHook.host("10.1.2.3:1883"));
        assertEquals(1883, HttpAuthHook.port("10.1.2.3:1883"));
        assertEquals("fe80::1", HttpAuthHook.host("[fe80::1]:1883"));
        assertEquals(1883, HttpAuthHook.port("[fe80::1]:1883"));
        assertEquals("fe80::1", HttpAuthHook.host("fe80::1"));
        assertNull(HttpAuthHook.port("fe80::1"));
        assertNull(HttpAuthHook.port("host"));
        assertNull(HttpAuthHook.host(null));
    }

    @Test
    void shouldKeepHeaderValuesOutOfToString()
    {
        final HttpHookConfig config = new HttpHookConfig(URI.create("https://user:pass@auth.example/hook"),
            Map.of("Authorization", "Bearer hook-secret"), 2000, 1000, 1, 1, false, 1, 1024);

        assertFalse(config.toString().contains("hook-secret"), config.toString());
        assertFalse(config.toString().contains("pass"), config.toString());
    }

    private static ClientInfo client(final String clientId, final String password)
    {
        return new ClientInfo(clientId, "user", password.getBytes(StandardCharsets.UTF_8), 5, "default",
            "127.0.0.1:50000", null, null);
    }
}
