package io.ringmq.transport.auth.password;

import io.ringmq.auth.AuthResult;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasswordFileAuthenticatorTest
{
    @TempDir
    Path dir;

    private static ClientInfo client(final String user, final String password)
    {
        return new ClientInfo("c1", user, null == password ? null : password.getBytes(StandardCharsets.UTF_8), 5,
            "default", "127.0.0.1:1234", null, null);
    }

    private Path file(final String... lines) throws Exception
    {
        final Path file = dir.resolve("passwords");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void shouldAllowDenyOrIgnoreAsTheFileSays() throws Exception
    {
        final PasswordFileAuthenticator authenticator = new PasswordFileAuthenticator(
            file(MosquittoPasswordsTest.pbkdf2Line("alice", "secret", 101),
            MosquittoPasswordsTest.sha512Line("bob", "pw")));

        assertEquals("password-file", authenticator.name());
        assertSame(AuthResult.allow(), authenticator.authenticate(client("alice", "secret")));
        assertSame(AuthResult.allow(), authenticator.authenticate(client("bob", "pw")));
        final AuthResult wrong = authenticator.authenticate(client("alice", "Secret"));
        assertEquals(Decision.DENY, wrong.decision());
        assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, wrong.reasonCode());
        assertEquals("wrong password for user alice", wrong.reason());
        final AuthResult missing = authenticator.authenticate(client("alice", null));
        assertEquals(Decision.DENY, missing.decision());
        assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, missing.reasonCode());
        assertSame(AuthResult.ignore(), authenticator.authenticate(client("carol", "secret")));
        assertSame(AuthResult.ignore(), authenticator.authenticate(client("carol", null)));
        assertSame(AuthResult.ignore(), authenticator.authenticate(client(null, null)));
        assertSame(AuthResult.ignore(), authenticator.authenticate(client(null, "secret")));
    }

    @Test
    void shouldFailToStartOnAMissingOrMalformedFile() throws Exception
    {
        assertThrows(CredentialFileException.class, () -> new PasswordFileAuthenticator(dir.resolve("missing")));
        final CredentialFileException ex = assertThrows(CredentialFileException.class,
            () -> new PasswordFileAuthenticator(file("# ok", "alice:plain")));
        assertEquals(2, ex.lineNumber());
    }

    @Test
    void shouldReloadOnlyWhenTheFileChangedAndKeepOldEntriesOnError() throws Exception
    {
        final Path file = file(MosquittoPasswordsTest.pbkdf2Line("alice", "one", 5));
        final PasswordFileAuthenticator authenticator = new PasswordFileAuthenticator(file);
        assertFalse(authenticator.reload(), "unchanged file");

        // A new file moved into place: a different inode, even if time and size were to match.
        final Path next = dir.resolve("next");
        Files.writeString(next, MosquittoPasswordsTest.pbkdf2Line("alice", "two", 5) + "\n");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertTrue(authenticator.reload());
        assertSame(AuthResult.allow(), authenticator.authenticate(client("alice", "two")));
        assertEquals(Decision.DENY, authenticator.authenticate(client("alice", "one")).decision());

        // Same entries, new modified time: re-read, but nothing changed.
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() - 5000));
        assertFalse(authenticator.reload());

        Files.writeString(file, "alice:$7$broken\n");
        final CredentialFileException ex = assertThrows(CredentialFileException.class, authenticator::reload);
        assertTrue(ex.getMessage().contains("line 1"), ex.getMessage());
        assertSame(AuthResult.allow(), authenticator.authenticate(client("alice", "two")), "old entries in force");
        assertThrows(CredentialFileException.class, authenticator::reload, "still broken, still reported");

        Files.delete(file);
        assertThrows(CredentialFileException.class, authenticator::reload);
        assertSame(AuthResult.allow(), authenticator.authenticate(client("alice", "two")));
    }

    @Test
    void shouldAnswerConcurrentCallersWhileReloading() throws Exception
    {
        final Path file = file(MosquittoPasswordsTest.pbkdf2Line("alice", "pw", 50),
            MosquittoPasswordsTest.pbkdf2Line("bob", "pw", 50));
        final PasswordFileAuthenticator authenticator = new PasswordFileAuthenticator(file);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try
        {
            final List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                final String user = 0 == (i & 1) ? "alice" : "bob";
                results.add(pool.submit(() -> authenticator.authenticate(client(user, "pw")) == AuthResult.allow()));
            }
            for (int i = 0; i < 5; i++)
            {
                Files.setLastModifiedTime(file, FileTime.fromMillis(1000L * i));
                authenticator.reload();
            }
            for (final Future<Boolean> result : results)
            {
                assertTrue(result.get());
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }
}
