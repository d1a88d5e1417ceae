package io.ringmq.transport.auth.password;

import io.ringmq.transport.auth.scram.ScramCredentials;
import io.ringmq.transport.auth.scram.ScramMechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasswdCommandTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String stdin, final String... args)
    {
        out.reset();
        err.reset();
        return PasswdCommand.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static MosquittoPasswords.Verification verify(final Path file, final String user, final String password)
        throws Exception
    {
        return MosquittoPasswords.read(file).verify(user, password.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldCreateAddUpdateAndDeleteMosquittoEntries() throws Exception
    {
        final String file = dir.resolve("pw").toString();
        assertEquals(0, run("", "-c", "-b", file, "alice", "one"));
        assertEquals(0, run("", "-b", file, "bob", "two"));
        assertEquals(0, run("", "-b", "-I", "7", file, "carol", "three"));
        final String bobLine = Files.readAllLines(Path.of(file)).get(1);
        assertEquals(0, run("", "-b", file, "alice", "uno"));

        assertEquals(MosquittoPasswords.Verification.MATCH, verify(Path.of(file), "alice", "uno"));
        assertEquals(MosquittoPasswords.Verification.MISMATCH, verify(Path.of(file), "alice", "one"));
        assertEquals(MosquittoPasswords.Verification.MATCH, verify(Path.of(file), "bob", "two"));
        assertEquals(7, MosquittoPasswords.read(Path.of(file)).entries().get("carol").iterations());
        assertEquals(101, MosquittoPasswords.read(Path.of(file)).entries().get("alice").iterations());
        assertEquals(bobLine, Files.readAllLines(Path.of(file)).get(1), "other users untouched");
        assertTrue(Files.readAllLines(Path.of(file)).get(0).startsWith("alice:$7$101$"), "updated in place");

        assertEquals(0, run("", "-D", file, "bob"));
        assertFalse(MosquittoPasswords.read(Path.of(file)).contains("bob"));
        assertEquals(2, run("", "-D", file, "bob"));
        assertTrue(err().contains("not found"), err());

        assertEquals(0, run("", "-c", "-b", file, "dave", "four"));
        assertEquals(1, MosquittoPasswords.read(Path.of(file)).users().size(), "-c overwrites");
    }

    @Test
    void shouldKeepCommentsWhenUpdating() throws Exception
    {
        final Path file = dir.resolve("pw");
        Files.writeString(file, "# managed by hand\n" + MosquittoPasswordsTest.pbkdf2Line("alice", "a", 5) + "\n");
        assertEquals(0, run("", "-b", file.toString(), "bob", "b"));
        assertEquals("# managed by hand", Files.readAllLines(file).get(0));
        assertEquals(MosquittoPasswords.Verification.MATCH, verify(file, "alice", "a"));
    }

    @Test
    void shouldReadThePasswordFromStdinWithoutATerminal() throws Exception
    {
        final String file = dir.resolve("pw").toString();
        assertEquals(0, run("from stdin\r\nignored\n", "-c", file, "alice"));
        assertEquals(MosquittoPasswords.Verification.MATCH, verify(Path.of(file), "alice", "from stdin"));
        assertEquals(1, run("", file, "bob"));
        assertTrue(err().contains("no password"), err());
    }

    @Test
    void shouldWriteOwnerOnlyFiles() throws Exception
    {
        final Path file = dir.resolve("pw");
        Files.writeString(file, "");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(0, run("", "-b", file.toString(), "alice", "a"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(0, run("", "--scram", "-c", "-b", dir.resolve("scram").toString(), "alice", "a"));
        assertEquals("rw-------",
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("scram"))));
    }

    @Test
    void shouldWriteScramEntriesForBothMechanisms() throws Exception
    {
        final Path file = dir.resolve("scram");
        // Passwords with characters base64 never writes, so a salt or key cannot contain them by chance.
        assertEquals(0, run("", "--scram", "-c", "-b", file.toString(), "alice", "pw!1"));
        assertEquals(0, run("pw!2\n", "--scram", "-I", "5000", file.toString(), "bob"));
        final ScramCredentials credentials = ScramCredentials.read(file);
        assertEquals(4, credentials.size());
        assertEquals(4096, credentials.lookup("alice", ScramMechanism.SCRAM_SHA_256).iterations());
        assertEquals(5000, credentials.lookup("bob", ScramMechanism.SCRAM_SHA_512).iterations());
        final String content = Files.readString(file);
        assertFalse(content.contains("pw!1") || content.contains("pw!2"), "no password in the file");

        assertEquals(0, run("", "--scram", "-D", file.toString(), "alice"));
        assertNull(ScramCredentials.read(file).lookup("alice", ScramMechanism.SCRAM_SHA_256));
        assertNotNull(ScramCredentials.read(file).lookup("bob", ScramMechanism.SCRAM_SHA_256));
    }

    @Test
    void shouldRefuseBadCommandLinesWithTheUsage()
    {
        final String file = dir.resolve("pw").toString();
        final String[][] bad = {
            {},
            { file },
            { "-b", file, "alice" },
            { file, "alice", "password-without-b" },
            { "-c", "-D", file, "alice" },
            { "-D", "-b", file, "alice", "pw" },
            { "-I", file, "alice" },
            { "-I", "0", "-b", file, "alice", "pw" },
            { "-I", "many", "-b", file, "alice", "pw" },
            { "-x", file, "alice" },
            { "-b", file, "alice", "pw", "extra" },
        };
        for (final String[] args : bad)
        {
            assertEquals(1, run("", args), String.join(" ", args));
            assertTrue(err().contains("Error: ") && err().contains("Usage: ringmq passwd"), err());
        }
        assertEquals(1, run("", "-c", "-b", file, "a:b", "pw"));
        assertTrue(err().contains("':'"), err());
        assertFalse(Files.exists(Path.of(file)));
    }

    @Test
    void shouldPrintHelp()
    {
        assertEquals(0, run("", "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: ringmq passwd"));
        assertEquals(0, run("", "-h"));
    }

    @Test
    void shouldReportMissingOrMalformedFiles() throws Exception
    {
        assertEquals(2, run("", "-b", dir.resolve("missing").toString(), "alice", "pw"));
        assertTrue(err().contains("-c"), err());
        final Path file = dir.resolve("pw");
        Files.writeString(file, "alice:plaintext\n");
        assertEquals(2, run("", "-b", file.toString(), "bob", "pw"));
        assertTrue(err().contains("line 1"), err());
        assertEquals("alice:plaintext\n", Files.readString(file), "a file that fails to parse is left alone");
    }
}
