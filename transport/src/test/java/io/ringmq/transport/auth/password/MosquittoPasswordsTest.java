package io.ringmq.transport.auth.password;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MosquittoPasswordsTest
{
    private static final byte[] SALT = "0123456789ab".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    /** A $7$ line computed with the JDK's own PBKDF2 (not {@link Pbkdf2}). */
    static String pbkdf2Line(final String user, final String password, final int iterations) throws Exception
    {
        final SecretKeyFactory factory = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512");
        final byte[] hash = factory.generateSecret(new PBEKeySpec(password.toCharArray(), SALT, iterations, 512))
            .getEncoded();
        return user + ":$7$" + iterations + "$" + Base64.getEncoder().encodeToString(SALT) + "$" +
            Base64.getEncoder().encodeToString(hash);
    }

    static String sha512Line(final String user, final String password) throws Exception
    {
        final MessageDigest digest = MessageDigest.getInstance("SHA-512");
        digest.update(password.getBytes(StandardCharsets.UTF_8));
        digest.update(SALT);
        return user + ":$6$" + Base64.getEncoder().encodeToString(SALT) + "$" +
            Base64.getEncoder().encodeToString(digest.digest());
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldVerifyPbkdf2AndSha512EntriesComputedIndependently() throws Exception
    {
        final String text = pbkdf2Line("alice", "secret", 101) + "\n" + sha512Line("bob", "hunter2") + "\n" +
            pbkdf2Line("carol", "x", 7) + "\n";
        final MosquittoPasswords passwords = MosquittoPasswords.parse(text, "test");

        assertEquals(List.of("alice", "bob", "carol"), List.copyOf(passwords.users()));
        assertEquals(MosquittoPasswords.Verification.MATCH, passwords.verify("alice", utf8("secret")));
        assertEquals(MosquittoPasswords.Verification.MISMATCH, passwords.verify("alice", utf8("Secret")));
        assertEquals(MosquittoPasswords.Verification.MATCH, passwords.verify("bob", utf8("hunter2")));
        assertEquals(MosquittoPasswords.Verification.MISMATCH, passwords.verify("bob", utf8("")));
        assertEquals(MosquittoPasswords.Verification.MATCH, passwords.verify("carol", utf8("x")));
        assertEquals(MosquittoPasswords.Verification.UNKNOWN_USER, passwords.verify("dave", utf8("secret")));
    }

    @Test
    void shouldSpendTheHashingCostOnUnknownUsers() throws Exception
    {
        final MosquittoPasswords passwords = MosquittoPasswords.parse(pbkdf2Line("alice", "pw", 200_000), "t");
        long known = Long.MAX_VALUE;
        long unknown = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++)
        {
            final long start = System.nanoTime();
            passwords.verify("alice", utf8("wrong"));
            final long middle = System.nanoTime();
            passwords.verify("mallory", utf8("wrong"));
            known = Math.min(known, middle - start);
            unknown = Math.min(unknown, System.nanoTime() - middle);
        }
        // Without the dummy entry an unknown user answers in microseconds; with it, in about the same time.
        assertTrue(unknown * 3 > known, "unknown " + unknown + "ns vs known " + known + "ns");
    }

    @Test
    void shouldMatchJdkPbkdf2ForLongKeys() throws Exception
    {
        final SecretKeyFactory factory = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
        final byte[] expected = factory.generateSecret(new PBEKeySpec("pw".toCharArray(), SALT, 3, 8 * 80))
            .getEncoded();
        assertArrayEquals(expected, Pbkdf2.derive("HmacSHA256", utf8("pw"), SALT, 3, 80));
    }

    @Test
    void shouldAcceptAnEmptyPassword()
    {
        final PasswordHash hash = PasswordHash.pbkdf2(new byte[0], 101, new SecureRandom());
        assertTrue(hash.matches(new byte[0]));
        assertFalse(hash.matches(utf8("a")));
        // HMAC zero-pads its key, so PBKDF2-HMAC cannot tell "" from "\0" (OpenSSL, hence Mosquitto, the same).
        assertTrue(hash.matches(new byte[1]));
    }

    @Test
    void shouldSkipCommentsAndBlankLinesAndTrimBlanks() throws Exception
    {
        final String text = "# users\r\n\r\n   \n\t alice \t: " + pbkdf2Line("", "pw", 5).substring(1) + " \n";
        final MosquittoPasswords passwords = MosquittoPasswords.parse(text, "test");
        assertEquals(MosquittoPasswords.Verification.MATCH, passwords.verify("alice", utf8("pw")));
        assertEquals(1, passwords.users().size());
    }

    @Test
    void shouldReportMalformedLinesWithTheirNumberAndWithoutTheHash() throws Exception
    {
        final String good = pbkdf2Line("alice", "pw", 5);
        final String hash = good.substring(good.lastIndexOf('$') + 1);
        final String[] bad = {
            "no colon here",
            ":" + good.substring(good.indexOf(':') + 1),
            "bob:",
            "bob:plaintext",
            "bob:$5$abc$def",
            "bob:$7$x$" + Base64.getEncoder().encodeToString(SALT) + "$" + hash,
            "bob:$7$0$" + Base64.getEncoder().encodeToString(SALT) + "$" + hash,
            "bob:$7$101$!!!$" + hash,
            "bob:$7$101$" + Base64.getEncoder().encodeToString(SALT) + "$" + hash.substring(4),
            "bob:$7$101$" + Base64.getEncoder().encodeToString(SALT),
            "bob:$6$" + Base64.getEncoder().encodeToString(SALT) + "$" + hash + ":extra",
            "alice:$6$" + Base64.getEncoder().encodeToString(SALT) + "$" + hash,
        };
        for (final String line : bad)
        {
            final CredentialFileException ex = assertThrows(CredentialFileException.class,
                () -> MosquittoPasswords.parse("# header\n" + good + "\n" + line + "\n", "pwfile"), line);
            assertEquals(3, ex.lineNumber(), ex.getMessage());
            assertTrue(ex.getMessage().startsWith("pwfile line 3: "), ex.getMessage());
            assertFalse(ex.getMessage().contains(hash.substring(0, 20)), ex.getMessage());
        }
    }

    @Test
    void shouldUpdateInPlaceKeepingCommentsAndOtherUsers() throws Exception
    {
        final String alice = pbkdf2Line("alice", "a", 5);
        final String bob = sha512Line("bob", "b");
        final MosquittoPasswords original = MosquittoPasswords.parse("# c1\n" + alice + "\n\n" + bob + "\n", "t");
        final MosquittoPasswords updated = original
            .with("alice", PasswordHash.pbkdf2(utf8("new"), 9, new SecureRandom()))
            .with("carol", PasswordHash.sha512(utf8("c"), new SecureRandom()));

        final List<String> lines = AtomicFiles.lines(updated.format());
        assertEquals(5, lines.size());
        assertEquals("# c1", lines.get(0));
        assertTrue(lines.get(1).startsWith("alice:$7$9$"));
        assertEquals("", lines.get(2));
        assertEquals(bob, lines.get(3));
        assertTrue(lines.get(4).startsWith("carol:$6$"));

        final MosquittoPasswords reread = MosquittoPasswords.parse(updated.format(), "t");
        assertEquals(MosquittoPasswords.Verification.MATCH, reread.verify("alice", utf8("new")));
        assertEquals(MosquittoPasswords.Verification.MATCH, reread.verify("carol", utf8("c")));
        assertEquals(MosquittoPasswords.Verification.MISMATCH, reread.verify("alice", utf8("a")));

        final MosquittoPasswords deleted = reread.without("alice");
        assertEquals("# c1\n\n" + bob + "\n" + AtomicFiles.lines(updated.format()).get(4) + "\n", deleted.format());
        assertSame(deleted, deleted.without("nobody"));
    }

    @Test
    void shouldRefuseUserNamesMosquittoCannotStore()
    {
        final PasswordHash hash = PasswordHash.sha512(utf8("x"), new SecureRandom());
        final MosquittoPasswords empty = MosquittoPasswords.empty();
        assertThrows(IllegalArgumentException.class, () -> empty.with("a:b", hash));
        assertThrows(IllegalArgumentException.class, () -> empty.with("", hash));
        assertThrows(IllegalArgumentException.class, () -> empty.with("a\nb", hash));
        assertThrows(IllegalArgumentException.class, () -> empty.with("#a", hash));
    }

    @Test
    void shouldWriteAtomicallyWithOwnerOnlyPermissions() throws Exception
    {
        final Path file = dir.resolve("pw");
        MosquittoPasswords.empty().with("a", PasswordHash.sha512(utf8("x"), new SecureRandom())).write(file);
        assertEquals("rw-------",
            java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(MosquittoPasswords.Verification.MATCH, MosquittoPasswords.read(file).verify("a", utf8("x")));
        try (var files = Files.list(dir))
        {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void shouldNeverShowHashesInToString() throws Exception
    {
        final String line = pbkdf2Line("alice", "pw", 5);
        final MosquittoPasswords passwords = MosquittoPasswords.parse(line, "t");
        final String hash = line.substring(line.lastIndexOf('$') + 1, line.lastIndexOf('$') + 20);
        assertFalse(passwords.toString().contains(hash));
        assertFalse(passwords.entries().get("alice").toString().contains(hash));
    }

    @Test
    void shouldRefuseFilesThatAreNotUtf8() throws Exception
    {
        final Path file = dir.resolve("pw");
        Files.write(file, new byte[] { 'a', ':', (byte)0xC3, '\n' });
        assertThrows(CredentialFileException.class, () -> MosquittoPasswords.read(file));
    }
}
