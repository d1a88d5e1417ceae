package io.ringmq.transport.auth.acl;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ringmq.auth.Access;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.SuppressForbidden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AclPermissionsTest
{
    private static final String FILE = String.join("\n",
        "topic read public/#",
        "topic write anon/in",
        "user alice",
        "topic readwrite alice/#",
        "topic deny alice/secret/#",
        "topic read shared/+/status",
        "topic write $SYS/broker/connection/+/state",
        "user bob",
        "topic read #",
        "topic deny pattern-denied/bob",
        "user admin",
        "topic readwrite #",
        "topic readwrite $SYS/#",
        "user nobody",
        "pattern readwrite clients/%c/#",
        "pattern read users/%u/inbox",
        "pattern deny clients/%c/locked",
        "pattern read pattern-denied/%u");

    @TempDir
    Path dir;

    private static UnsafeBuffer buffer(final String topic)
    {
        return new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean canRead(final TopicPermissions permissions, final String topic)
    {
        final UnsafeBuffer buffer = buffer(topic);
        return Decision.ALLOW == permissions.read(buffer, 0, buffer.capacity());
    }

    private static boolean canWrite(final TopicPermissions permissions, final String topic)
    {
        final UnsafeBuffer buffer = buffer(topic);
        return Decision.ALLOW == permissions.publish(buffer, 0, buffer.capacity());
    }

    private static CompiledAcl compile(final String clientId, final String username) throws AclFileException
    {
        return AclCompiler.compile(AclFile.parse("acl", FILE), clientId, username);
    }

    @Test
    void shouldGiveAnonymousClientsTheRulesBeforeTheFirstUserLine() throws Exception
    {
        final CompiledAcl anonymous = compile("anon-1", null);
        assertTrue(canRead(anonymous, "public/news"));
        assertTrue(canRead(anonymous, "public"));
        assertFalse(canWrite(anonymous, "public/news"));
        assertTrue(canWrite(anonymous, "anon/in"));
        assertFalse(canRead(anonymous, "anon/in"));
        assertFalse(canRead(anonymous, "alice/x"));
        // its patterns with %c apply, those with %u do not (no user name)
        assertTrue(canWrite(anonymous, "clients/anon-1/x"));
        assertFalse(canRead(anonymous, "users//inbox"));
    }

    @Test
    void shouldLetAUserDenyOverrideItsGrantsWhateverTheOrder() throws Exception
    {
        final CompiledAcl alice = compile("c1", "alice");
        assertTrue(canRead(alice, "alice/a/b"));
        assertTrue(canWrite(alice, "alice"));
        assertFalse(canRead(alice, "alice/secret"));
        assertFalse(canWrite(alice, "alice/secret/deeper"));
        assertTrue(canRead(alice, "shared/x/status"));
        assertFalse(canRead(alice, "shared/x/y/status"));
        assertFalse(canWrite(alice, "shared/x/status"));
        assertFalse(canRead(alice, "public/news")); // the anonymous rules are not hers
    }

    @Test
    void shouldKeepDollarTopicsOutOfWildcardRules() throws Exception
    {
        final CompiledAcl bob = compile("c2", "bob");
        assertTrue(canRead(bob, "anything/at/all"));
        assertFalse(canRead(bob, "$SYS/broker/uptime"));
        assertFalse(canRead(bob, "$other"));
        final CompiledAcl admin = compile("c3", "admin");
        assertTrue(canRead(admin, "$SYS/broker/uptime"));
        assertTrue(canWrite(admin, "$SYS/x"));
        assertFalse(canRead(admin, "$share/x"));
        final CompiledAcl alice = compile("c1", "alice");
        assertTrue(canWrite(alice, "$SYS/broker/connection/b1/state"));
        assertFalse(canRead(alice, "$SYS/broker/connection/b1/state"));
    }

    @Test
    void shouldCheckUserRulesBeforePatternsAsMosquittoDoes() throws Exception
    {
        // bob's own "topic read #" decides before the patterns are looked at.
        final CompiledAcl bob = compile("c2", "bob");
        assertTrue(canRead(bob, "clients/c2/locked"));
        // his own deny decides too, even though a pattern would grant it.
        assertFalse(canRead(bob, "pattern-denied/bob"));
        // a pattern deny beats a pattern grant, whatever the order in the file.
        final CompiledAcl nobody = compile("c4", "nobody");
        assertTrue(canRead(nobody, "clients/c4/open"));
        assertFalse(canRead(nobody, "clients/c4/locked"));
        assertFalse(canWrite(nobody, "clients/c4/locked"));
        assertTrue(canRead(nobody, "users/nobody/inbox"));
        assertFalse(canRead(nobody, "users/bob/inbox"));
        assertFalse(canRead(nobody, "clients/c5/open"));
    }

    @Test
    void shouldGiveAUserWithoutABlockOnlyThePatterns() throws Exception
    {
        final CompiledAcl carol = compile("c6", "carol");
        assertFalse(canRead(carol, "public/news"));
        assertTrue(canRead(carol, "users/carol/inbox"));
        assertTrue(canWrite(carol, "clients/c6"));
    }

    @Test
    void shouldRefusePatternsToDangerousIdentities() throws Exception
    {
        assertFalse(canRead(compile("c+", "carol"), "users/carol/inbox"));
        assertFalse(canRead(compile("c7", "ca#"), "users/ca#/inbox"));
        // the user's own rules still apply
        assertTrue(canRead(compile("#", "bob"), "anything"));
    }

    @Test
    void shouldSubstituteASlashInTheClientIdAsLevels() throws Exception
    {
        final CompiledAcl slash = compile("a/b", "carol");
        assertTrue(canWrite(slash, "clients/a/b/x"));
        assertFalse(canWrite(slash, "clients/a/x"));
    }

    @Test
    void shouldDenyWhatNoRuleMatches() throws Exception
    {
        final CompiledAcl empty = AclCompiler.compile(AclFile.parse("acl", ""), "c", "u");
        assertFalse(canRead(empty, "a"));
        assertFalse(canWrite(empty, "a"));
        assertEquals(FilterAccess.NONE, empty.subscribe("#"));
        assertFalse(canRead(compile("c1", "alice"), ""));
    }

    @Test
    void shouldCompileAclEntriesDenialsFirst()
    {
        final CompiledAcl acl = AclCompiler.compile(List.of(
            new AclEntry(Access.READWRITE, "devices/+/telemetry"),
            new AclEntry(Access.READ, "config/#"),
            new AclEntry(Access.DENY, "devices/blocked/#")));
        assertTrue(canWrite(acl, "devices/d1/telemetry"));
        assertFalse(canWrite(acl, "devices/blocked/telemetry"));
        assertTrue(canRead(acl, "config"));
        assertFalse(canWrite(acl, "config/x"));
        assertFalse(canRead(acl, "other"));
        assertEquals(FilterAccess.ALL, acl.subscribe("config/+"));
        assertEquals(FilterAccess.SOME, acl.subscribe("devices/+/telemetry"));
        assertEquals(FilterAccess.NONE, acl.subscribe("devices/blocked/telemetry"));
        assertEquals(FilterAccess.NONE, acl.subscribe("$SYS/#"));
        assertThrows(IllegalArgumentException.class,
            () -> AclCompiler.compile(List.of(new AclEntry(Access.READ, "a/#/b"))));
    }

    @Test
    void shouldMatchTheMosquittoModelOnRandomRulesAndTopics() throws Exception
    {
        final Random random = new Random(42);
        final String[] words = {"a", "b", "", "$x", "%c", "%u"};
        for (int round = 0; round < 400; round++)
        {
            final StringBuilder text = new StringBuilder();
            final int lines = 1 + random.nextInt(6);
            for (int i = 0; i < lines; i++)
            {
                if (random.nextInt(5) == 0)
                {
                    text.append("user ").append(random.nextBoolean() ? "u" : "v").append('\n');
                }
                text.append(random.nextBoolean() ? "topic " : "pattern ")
                    .append(List.of("read ", "write ", "readwrite ", "deny ").get(random.nextInt(4)))
                    .append(AclSubscribeTest.randomFilter(random, words)).append('\n');
            }
            final AclFile file;
            try
            {
                file = AclFile.parse("acl", text.toString());
            }
            catch (final AclFileException ex)
            {
                continue; // e.g. a filter that trims to something invalid
            }
            final String username = List.of("u", "v", "w", "a", "a+b").get(random.nextInt(5));
            final String user = random.nextInt(4) == 0 ? null : username;
            final String clientId = List.of("a", "b", "c/a", "").get(random.nextInt(4));
            final CompiledAcl acl = AclCompiler.compile(file, clientId, user);
            for (final String topic : AclSubscribeTest.topics(new String[] {"a", "b", "", "$x", "c"}, 3))
            {
                assertEquals(MosquittoAclModel.allowed(file, clientId, user, topic, false), canRead(acl, topic),
                    () -> "read " + topic + " as " + clientId + "/" + user + " with\n" + text);
                assertEquals(MosquittoAclModel.allowed(file, clientId, user, topic, true), canWrite(acl, topic),
                    () -> "write " + topic + " as " + clientId + "/" + user + " with\n" + text);
            }
        }
    }

    @Test
    @SuppressForbidden(reason = "com.sun.management.ThreadMXBean gives per-thread allocated bytes; HotSpot-only test")
    void shouldNotAllocateWhenChecking() throws Exception
    {
        final AclFileAuthorizer authorizer = authorizer(FILE);
        final TopicPermissions alice = authorizer.permissions(client("c1", "alice"));
        final UnsafeBuffer[] topics = {buffer("alice/a/b/c"), buffer("alice/secret/x"), buffer("shared/x/status"),
            buffer("$SYS/broker/connection/b1/state"), buffer("clients/c1/locked"), buffer("nowhere/at/all")};
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        int allowed = 0;
        for (int i = 0; i < 200_000; i++)
        {
            allowed += check(alice, topics[i % topics.length]);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++)
        {
            allowed += check(alice, topics[i % topics.length]);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allowed > 0);
        // One object per check would be megabytes; a JIT recompilation on a loaded machine can show as a few hundred
        // bytes once.
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes in 100k checks");
    }

    private static int check(final TopicPermissions permissions, final UnsafeBuffer topic)
    {
        return (Decision.ALLOW == permissions.read(topic, 0, topic.capacity()) ? 1 : 0) +
            (Decision.ALLOW == permissions.publish(topic, 0, topic.capacity()) ? 1 : 0);
    }

    @Test
    void shouldCompileOneClientQuicklyFromAFileOfManyUsers() throws Exception
    {
        final StringBuilder text = new StringBuilder("pattern readwrite clients/%c/#\n");
        for (int i = 0; i < 10_000; i++)
        {
            text.append("user user").append(i).append("\ntopic readwrite home/user").append(i).append("/#\n");
        }
        final long parseStart = System.nanoTime();
        final AclFileAuthorizer authorizer = authorizer(text.toString());
        final long parseMs = (System.nanoTime() - parseStart) / 1_000_000;
        assertEquals(10_000, authorizer.aclFile().userCount());
        final long start = System.nanoTime();
        TopicPermissions last = null;
        for (int i = 0; i < 10_000; i++)
        {
            last = authorizer.permissions(client("c" + i, "user" + i));
        }
        final long perClientUs = (System.nanoTime() - start) / 10_000 / 1_000;
        assertTrue(canRead(last, "home/user9999/x"));
        assertFalse(canRead(last, "home/user9998/x"));
        assertTrue(canRead(last, "clients/c9999/x"));
        // generous bounds for a shared 2-core machine: the point is no scan of all users per client
        assertTrue(perClientUs < 500, "compiling one client took " + perClientUs + " us");
        assertTrue(parseMs < 5_000, "parsing took " + parseMs + " ms");
    }

    private AclFileAuthorizer authorizer(final String text) throws Exception
    {
        final Path file = dir.resolve("acl");
        Files.writeString(file, text);
        return new AclFileAuthorizer(file);
    }

    private static ClientInfo client(final String clientId, final String username)
    {
        return new ClientInfo(clientId, username, null, 4, "default", "127.0.0.1:1", null, null);
    }

    private void replace(final Path file, final String text, final int secondsLater) throws Exception
    {
        // Written next to it and renamed over it, as an editor or config management would: a new inode.
        final Path next = dir.resolve("acl.next");
        Files.writeString(next, text);
        Files.setLastModifiedTime(next, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() +
            secondsLater * 1000L));
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void shouldReloadOnlyWhenTheFileChanged() throws Exception
    {
        final AclFileAuthorizer authorizer = authorizer("topic read a\n");
        assertEquals("acl-file", authorizer.name());
        assertFalse(authorizer.reload());
        assertEquals(1, authorizer.generation());
        replace(authorizer.file(), "topic read b\n", 1);
        assertTrue(authorizer.reload());
        assertEquals(2, authorizer.generation());
        assertFalse(authorizer.reload());
        assertEquals(2, authorizer.generation());
    }

    @Test
    void shouldMakeHandedOutPermissionsFollowAReload() throws Exception
    {
        final AclFileAuthorizer authorizer = authorizer("user u\ntopic read a\n");
        final TopicPermissions u = authorizer.permissions(client("c", "u"));
        assertTrue(canRead(u, "a"));
        assertFalse(canRead(u, "b"));
        assertEquals(FilterAccess.NONE, u.subscribe("b"));
        replace(authorizer.file(), "user u\ntopic read b\n", 1);
        assertTrue(authorizer.reload());
        assertFalse(canRead(u, "a"));
        assertTrue(canRead(u, "b"));
        assertEquals(FilterAccess.ALL, u.subscribe("b"));
        assertEquals(2, ((AclFilePermissions)u).generation());
    }

    @Test
    void shouldKeepTheOldRulesWhenTheNewFileIsBroken() throws Exception
    {
        final AclFileAuthorizer authorizer = authorizer("user u\ntopic read a\n");
        final TopicPermissions u = authorizer.permissions(client("c", "u"));
        replace(authorizer.file(), "user u\ntopic read b\ntopic sometimes c\n", 1);
        final AclFileException ex = assertThrows(AclFileException.class, authorizer::reload);
        assertEquals(3, ex.lineNumber());
        assertEquals(1, authorizer.generation());
        assertTrue(canRead(u, "a"));
        assertFalse(canRead(u, "b"));
        assertTrue(canRead(authorizer.permissions(client("c2", "u")), "a"));
        // fixed: the next reload takes it
        replace(authorizer.file(), "user u\ntopic read b\n", 2);
        assertTrue(authorizer.reload());
        assertTrue(canRead(u, "b"));
    }

    @Test
    void shouldHandleAClientIdThatMakesAVeryDeepPattern() throws Exception
    {
        final String deepId = "a/".repeat(20_000) + "a";
        final CompiledAcl acl = AclCompiler.compile(AclFile.parse("acl", "pattern readwrite clients/%c/#\n"),
            deepId, null);
        assertTrue(canWrite(acl, "clients/" + deepId + "/x"));
        assertFalse(canWrite(acl, "clients/" + deepId.substring(2) + "/x"));
        // too deep to explore exactly: the safe answer, without a stack overflow
        assertEquals(FilterAccess.SOME, acl.subscribe("clients/#"));
        assertEquals(FilterAccess.NONE, acl.subscribe("other/#"));
    }

    @Test
    void shouldHandOutPermissionsConcurrentlyWhileReloading() throws Exception
    {
        final AclFileAuthorizer authorizer = authorizer("user u\ntopic read a\n");
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try
        {
            final List<java.util.concurrent.Future<List<TopicPermissions>>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                results.add(pool.submit(() ->
                {
                    final List<TopicPermissions> kept = new java.util.ArrayList<>();
                    for (int i = 0; i < 2_000; i++)
                    {
                        final TopicPermissions p = authorizer.permissions(client("c" + i, "u"));
                        // a reload may land between the two checks, so each alone is one version or the other
                        canRead(p, "a");
                        canRead(p, "b");
                        if (0 == i % 100)
                        {
                            kept.add(p);
                        }
                    }
                    return kept;
                }));
            }
            for (int i = 1; i <= 20; i++)
            {
                replace(authorizer.file(), "user u\ntopic read " + (i % 2 == 0 ? "a" : "b") + "\n", i);
                assertTrue(authorizer.reload());
            }
            for (final java.util.concurrent.Future<List<TopicPermissions>> result : results)
            {
                final List<TopicPermissions> kept = result.get();
                assertEquals(20, kept.size());
                for (final TopicPermissions p : kept)
                {
                    // the last version (i = 20) reads "a" only, whichever version p was made from
                    assertTrue(canRead(p, "a"));
                    assertFalse(canRead(p, "b"));
                }
            }
            assertEquals(21, authorizer.generation());
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldKeepTheOldRulesWhenTheFileIsGone() throws Exception
    {
        final AclFileAuthorizer authorizer = authorizer("topic read a\n");
        Files.delete(authorizer.file());
        assertThrows(java.io.IOException.class, authorizer::reload);
        assertTrue(canRead(authorizer.permissions(client("c", null)), "a"));
    }
}
