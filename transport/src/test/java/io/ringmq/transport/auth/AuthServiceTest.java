package io.ringmq.transport.auth;

import io.ringmq.auth.AclEntry;
import io.ringmq.auth.Access;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.transport.auth.acl.AclCompiler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chain's decisions: order, ignore, deny, anonymous clients, sources that throw, a full pool, permissions made
 * from the credential's ACL and the authorizers, and the slow-down of repeated failures.
 */
class AuthServiceTest
{
    private final List<AuthService> services = new ArrayList<>();

    @AfterEach
    void close()
    {
        services.forEach(AuthService::close);
    }

    private static Authenticator source(final String name, final java.util.function.Function<ClientInfo,
        AuthResult> decide)
    {
        return new Authenticator()
        {
            @Override
            public String name()
            {
                return name;
            }

            @Override
            public AuthResult authenticate(final ClientInfo client)
            {
                return decide.apply(client);
            }
        };
    }

    private AuthService service(final List<Authenticator> chain, final List<Authorizer> authorizers,
        final boolean anonymous, final int threads, final int queue)
    {
        final AuthService service = new AuthService(chain, List.of(), authorizers, anonymous, AclCompiler::compile,
            threads, queue);
        services.add(service);
        return service;
    }

    private static ClientInfo client(final String user, final String password, final String address)
    {
        return new ClientInfo("c-" + user, user, null == password ? null : password.getBytes(StandardCharsets.UTF_8),
            5, "mqtt", address, null, null);
    }

    private static AuthDecision decide(final AuthService service, final ClientInfo client) throws Exception
    {
        final CompletableFuture<AuthDecision> decision = new CompletableFuture<>();
        service.authenticate(client, false, decision::complete);
        return decision.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldAskSourcesInOrderUntilOneDecides() throws Exception
    {
        final List<String> asked = new ArrayList<>();
        final AuthService service = service(List.of(
            source("first", c ->
            {
                asked.add("first");
                return AuthResult.ignore();
            }),
            source("second", c ->
            {
                asked.add("second");
                return "bad".equals(c.username()) ? AuthResult.deny(0x86, "no") : AuthResult.allow();
            }),
            source("third", c ->
            {
                asked.add("third");
                return AuthResult.allow();
            })), List.of(), false, 1, 10);
        assertTrue(decide(service, client("good", "pw", "10.0.0.1:1")).outcome().accepted());
        final AuthDecision refused = decide(service, client("bad", "pw", "10.0.0.1:2"));
        assertEquals(0x86, refused.outcome().reasonCode());
        assertTrue(refused.outcome().reason().startsWith("second"), refused.outcome().reason());
        assertEquals(List.of("first", "second", "first", "second"), asked, "the third is never asked");
    }

    @Test
    void shouldRefuseAnonymousClientsUnlessAllowedAndUnknownUsersAlways() throws Exception
    {
        final Authenticator none = source("none", c -> AuthResult.ignore());
        final AuthService strict = service(List.of(none), List.of(), false, 1, 10);
        assertEquals(0x87, decide(strict, client(null, null, "a:1")).outcome().reasonCode());
        assertEquals(0x86, decide(strict, client("who", "x", "a:1")).outcome().reasonCode());
        final AuthService lenient = service(List.of(none), List.of(), true, 1, 10);
        assertTrue(decide(lenient, client(null, null, "a:1")).outcome().accepted());
        assertEquals(0x86, decide(lenient, client("who", "x", "a:1")).outcome().reasonCode(),
            "a named client no source knows is refused even when anonymous clients are allowed");
    }

    @Test
    void shouldFailClosedWhenASourceThrows() throws Exception
    {
        final AuthService service = service(List.of(source("broken", c ->
        {
            throw new IllegalStateException("directory down");
        })), List.of(), true, 1, 10);
        final AuthDecision decision = decide(service, client("u", "p", "a:1"));
        assertEquals(AuthResult.SERVER_UNAVAILABLE, decision.outcome().reasonCode());
        assertEquals(1, service.sourceErrors());
    }

    @Test
    void shouldRefuseAtOnceWhenThePoolIsFull() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final AuthService service = service(List.of(source("slow", c ->
        {
            try
            {
                release.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return AuthResult.allow();
        })), List.of(), false, 1, 1);
        final List<CompletableFuture<AuthDecision>> pending = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            final CompletableFuture<AuthDecision> decision = new CompletableFuture<>();
            service.authenticate(client("u" + i, "p", "b:" + i), false, decision::complete);
            pending.add(decision);
        }
        // One runs, one waits in the queue, the third is refused on the spot: 0x88, never an unbounded queue.
        final AuthDecision third = pending.get(2).get(1, TimeUnit.SECONDS);
        assertEquals(AuthResult.SERVER_UNAVAILABLE, third.outcome().reasonCode());
        assertEquals(1, service.poolFull());
        release.countDown();
        assertTrue(pending.get(0).get(10, TimeUnit.SECONDS).outcome().accepted());
        assertTrue(pending.get(1).get(10, TimeUnit.SECONDS).outcome().accepted());
    }

    @Test
    void shouldPutTheCredentialsAclBeforeTheAuthorizersAndDenyWhatNoneGrants() throws Exception
    {
        final Authorizer everythingUnderShared = new Authorizer()
        {
            @Override
            public String name()
            {
                return "shared";
            }

            @Override
            public TopicPermissions permissions(final ClientInfo client)
            {
                return AclCompiler.compile(List.of(new AclEntry(Access.READWRITE, "shared/#")));
            }
        };
        final AuthService service = service(List.of(source("token", c -> "t".equals(c.username()) ?
            AuthResult.allow().withAcl(List.of(new AclEntry(Access.WRITE, "token/#"))).withExpiry(123_000) :
            AuthResult.allow())), List.of(everythingUnderShared), false, 1, 10);
        final AuthDecision token = decide(service, client("t", "p", "c:1"));
        assertEquals(123_000, token.expiresAtMs());
        final TopicPermissions fromToken = token.outcome().permissions();
        assertEquals(Decision.ALLOW, publish(fromToken, "token/x"));
        assertEquals(Decision.DENY, publish(fromToken, "shared/x"), "the credential's ACL decides what it covers");

        final TopicPermissions plain = decide(service, client("p", "p", "c:2")).outcome().permissions();
        assertEquals(Decision.ALLOW, publish(plain, "shared/x"));
        assertEquals(Decision.DENY, publish(plain, "elsewhere"), "nothing grants it: denied");
    }

    private static Decision publish(final TopicPermissions permissions, final String topic)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
        return permissions.publish(buffer, 0, buffer.capacity());
    }

    @Test
    void shouldHoldBackRefusalsAfterRepeatedFailuresFromOneAddressOrUser() throws Exception
    {
        final AuthService service = service(List.of(source("pw", c -> "right".equals(new String(c.password(),
            StandardCharsets.UTF_8)) ? AuthResult.allow() : AuthResult.deny(0x86, "wrong"))), List.of(), false, 1,
            10);
        final List<Long> delays = new ArrayList<>();
        for (int i = 0; i < FailureThrottle.FREE_FAILURES + 3; i++)
        {
            delays.add(decide(service, client("victim", "guess" + i, "192.0.2.9:" + i)).delayMs());
        }
        for (int i = 0; i < FailureThrottle.FREE_FAILURES; i++)
        {
            assertEquals(0, delays.get(i), "the first failures are answered at once");
        }
        assertEquals(FailureThrottle.BASE_DELAY_MS, delays.get(FailureThrottle.FREE_FAILURES));
        assertEquals(FailureThrottle.BASE_DELAY_MS * 4, delays.get(FailureThrottle.FREE_FAILURES + 2),
            "then each one waits twice as long");
        assertEquals(FailureThrottle.BASE_DELAY_MS * 8,
            decide(service, client("other-user", "guess", "192.0.2.9:99")).delayMs(), "same address, other user");
        final AuthDecision success = decide(service, client("victim", "right", "198.51.100.1:1"));
        assertTrue(success.outcome().accepted());
        assertEquals(0, success.delayMs());
        assertEquals(0, decide(service, client("victim", "guess", "198.51.100.1:2")).delayMs(),
            "a success clears the user's count");
    }

    @Test
    void shouldBoundTheFailureTable()
    {
        final FailureThrottle throttle = new FailureThrottle(100);
        for (int i = 0; i < 1_000; i++)
        {
            throttle.onFailure("203.0.113." + i, null, System.nanoTime());
        }
        assertTrue(throttle.size() <= 100, "size " + throttle.size());
        assertTrue(throttle.resets() > 0, "a table full of recent failures starts over");
    }
}
