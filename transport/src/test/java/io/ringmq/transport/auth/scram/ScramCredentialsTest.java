package io.ringmq.transport.auth.scram;

import io.ringmq.transport.auth.password.CredentialFileException;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScramCredentialsTest
{
    private static final Base64.Encoder B64 = Base64.getEncoder();

    private static String line(final String user, final String mechanism, final int keyLength)
    {
        return user + ":" + mechanism + ":4096:" + B64.encodeToString(new byte[16]) + ":" +
            B64.encodeToString(new byte[keyLength]) + ":" + B64.encodeToString(new byte[keyLength]);
    }

    @Test
    void shouldParseFormatAndUpdateKeepingComments() throws Exception
    {
        final String text = "# scram users\n\n" + line("alice", "SCRAM-SHA-256", 32) + "\n" +
            line("alice", "SCRAM-SHA-512", 64) + "\n" + line("bob", "SCRAM-SHA-256", 32) + "\n";
        final ScramCredentials credentials = ScramCredentials.parse(text, "t");
        assertEquals(3, credentials.size());
        assertEquals(Set.of("alice", "bob"), credentials.users());
        assertEquals(4096, credentials.lookup("alice", ScramMechanism.SCRAM_SHA_512).iterations());
        assertNull(credentials.lookup("bob", ScramMechanism.SCRAM_SHA_512));
        assertEquals(text, credentials.format(), "untouched file written back as it was");

        // A password with characters base64 never has: the random salt and keys cannot contain it by chance.
        final String password = "pass word!";
        final ScramCredential fresh = ScramCredential.derive(ScramMechanism.SCRAM_SHA_256, password, 10,
            new SecureRandom());
        final ScramCredentials updated = credentials.with("alice", fresh).without("bob");
        final List<String> lines = io.ringmq.transport.auth.password.AtomicFiles.lines(updated.format());
        assertEquals(4, lines.size());
        assertEquals("# scram users", lines.get(0));
        assertTrue(lines.get(2).startsWith("alice:SCRAM-SHA-256:10:"));
        assertEquals(fresh, ScramCredentials.parse(updated.format(), "t").lookup("alice",
            ScramMechanism.SCRAM_SHA_256));
        assertFalse(updated.format().contains(password));
    }

    @Test
    void shouldReportMalformedLinesByNumber()
    {
        final String[] bad = {
            "alice",
            "alice:SCRAM-SHA-256:4096:AAAA:AAAA",
            "alice:SCRAM-SHA-1:4096:" + B64.encodeToString(new byte[16]) + ":AAAA:AAAA",
            line("alice", "SCRAM-SHA-256", 64),
            line("alice", "SCRAM-SHA-256", 32).replace(":4096:", ":x:"),
            line("alice", "SCRAM-SHA-256", 32).replace(":4096:", ":0:"),
            line("alice", "SCRAM-SHA-256", 32).replace(":4096:", ":4096:!"),
            line("", "SCRAM-SHA-256", 32),
            line("good", "SCRAM-SHA-256", 32),
        };
        for (final String line : bad)
        {
            final CredentialFileException ex = assertThrows(CredentialFileException.class,
                () -> ScramCredentials.parse("# c\n" + line("good", "SCRAM-SHA-256", 32) + "\n" + line, "f"), line);
            assertEquals(3, ex.lineNumber(), ex.getMessage());
            assertTrue(ex.getMessage().startsWith("f line 3: "), ex.getMessage());
        }
    }

    @Test
    void shouldNeverShowKeysInToString() throws Exception
    {
        final ScramCredential credential = ScramCredential.derive(ScramMechanism.SCRAM_SHA_512, "pw", 4096,
            new SecureRandom());
        final String key = B64.encodeToString(credential.storedKey()).substring(0, 12);
        assertFalse(credential.toString().contains(key));
        assertFalse(ScramCredentials.empty().with("a", credential).toString().contains(key));
    }
}
