package io.ringmq.transport.auth.password;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Both directions against the real Mosquitto 2.0 tools: files written by {@code mosquitto_passwd} verify here, and
 * files written here let clients into a real {@code mosquitto} broker (and only with the right password).
 */
class MosquittoInteropTest
{
    private static final Path PASSWD_TOOL = Paths.get("/usr/bin/mosquitto_passwd");
    private static final Path BROKER = Paths.get("/usr/sbin/mosquitto");
    private static final Path PUB_TOOL = Paths.get("/usr/bin/mosquitto_pub");

    @TempDir
    Path dir;

    private static int run(final Path log, final String... command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        try
        {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
            return process.exitValue();
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldVerifyFilesWrittenByMosquittoPasswd() throws Exception
    {
        assumeTrue("true".equals(System.getenv("CI")) || Files.isExecutable(PASSWD_TOOL),
            "mosquitto_passwd not installed (apt-get install mosquitto)");
        final Path file = dir.resolve("pw");
        final Path log = dir.resolve("log");
        assertEquals(0, run(log, PASSWD_TOOL.toString(), "-b", "-c", file.toString(), "alice", "s3cret pass"));
        assertEquals(0, run(log, PASSWD_TOOL.toString(), "-H", "sha512", "-b", file.toString(), "bob", "hunter2"));
        assertEquals(0, run(log, PASSWD_TOOL.toString(), "-b", file.toString(), "empty", ""));
        assertEquals(0, run(log, PASSWD_TOOL.toString(), "-b", file.toString(), "ünï", "pässwörd"));

        final MosquittoPasswords passwords = MosquittoPasswords.read(file);
        assertEquals(PasswordHash.Scheme.PBKDF2_SHA512, passwords.entries().get("alice").scheme());
        assertEquals(PasswordHash.DEFAULT_ITERATIONS, passwords.entries().get("alice").iterations());
        assertEquals(PasswordHash.Scheme.SHA512, passwords.entries().get("bob").scheme());
        assertEquals(MosquittoPasswords.Verification.MATCH, passwords.verify("alice", utf8("s3cret pass")));
        assertEquals(MosquittoPasswords.Verification.MISMATCH, passwords.verify("alice", utf8("s3cret")));
        assertEquals(MosquittoPasswords.Verification.MATCH, passwords.verify("bob", utf8("hunter2")));
        assertEquals(MosquittoPasswords.Verification.MISMATCH, passwords.verify("bob", utf8("hunter3")));
        assertEquals(MosquittoPasswords.Verification.MATCH, passwords.verify("empty", utf8("")));
        assertEquals(MosquittoPasswords.Verification.MISMATCH, passwords.verify("empty", utf8("x")));
        assertEquals(MosquittoPasswords.Verification.MATCH, passwords.verify("ünï", utf8("pässwörd")));

        // Our rewrite of their file is still theirs to update: mosquitto_passwd reads it back.
        passwords.with("carol", PasswordHash.pbkdf2(utf8("c"), 101, new SecureRandom())).write(file);
        assertEquals(0, run(log, PASSWD_TOOL.toString(), "-b", file.toString(), "dave", "d"));
        final MosquittoPasswords updated = MosquittoPasswords.read(file);
        assertEquals(MosquittoPasswords.Verification.MATCH, updated.verify("carol", utf8("c")));
        assertEquals(MosquittoPasswords.Verification.MATCH, updated.verify("dave", utf8("d")));
        assertEquals(MosquittoPasswords.Verification.MATCH, updated.verify("alice", utf8("s3cret pass")));
    }

    @Test
    void shouldLetMosquittoCheckPasswordsWrittenHere() throws Exception
    {
        assumeTrue("true".equals(System.getenv("CI")) || Files.isExecutable(BROKER) && Files.isExecutable(PUB_TOOL),
            "mosquitto and mosquitto_pub not installed (apt-get install mosquitto mosquitto-clients)");
        final Path passwords = dir.resolve("passwords");
        final SecureRandom random = new SecureRandom();
        final int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            port = socket.getLocalPort();
        }
        assertEquals(0, PasswdCommand.run(new String[] { "-c", "-b", passwords.toString(), "alice", "right" },
            new java.io.ByteArrayInputStream(new byte[0]), new java.io.PrintStream(new java.io.ByteArrayOutputStream(),
            true, StandardCharsets.UTF_8), new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8)));
        MosquittoPasswords.read(passwords)
            .with("bob", PasswordHash.sha512(utf8("old-style"), random))
            .with("carol", PasswordHash.pbkdf2(utf8("many rounds"), 1000, random))
            .write(passwords);
        final Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, String.join("\n",
            "listener " + port + " 127.0.0.1",
            "allow_anonymous false",
            "password_file " + passwords,
            "persistence false",
            "user " + System.getProperty("user.name"),
            ""));
        final Path brokerLog = dir.resolve("broker.log");
        final Process broker = new ProcessBuilder(BROKER.toString(), "-c", conf.toString()).redirectErrorStream(true)
            .redirectOutput(brokerLog.toFile()).start();
        try
        {
            awaitListening(port, broker, brokerLog);
            final Path log = dir.resolve("pub.log");
            assertEquals(0, publish(log, port, "alice", "right"), () -> read(log));
            assertEquals(0, publish(log, port, "bob", "old-style"), () -> read(log));
            assertEquals(0, publish(log, port, "carol", "many rounds"), () -> read(log));
            assertNotEquals(0, publish(log, port, "alice", "wrong"));
            assertNotEquals(0, publish(log, port, "bob", "wrong"));
            assertNotEquals(0, publish(log, port, "nobody", "right"));
        }
        finally
        {
            broker.destroy();
            if (!broker.waitFor(10, TimeUnit.SECONDS))
            {
                broker.destroyForcibly();
            }
        }
    }

    private int publish(final Path log, final int port, final String user, final String password) throws Exception
    {
        return run(log, PUB_TOOL.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-u", user, "-P",
            password, "-t", "interop/test", "-m", "hello", "-q", "1");
    }

    private static void awaitListening(final int port, final Process broker, final Path log) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        final List<String> failures = new ArrayList<>();
        while (System.nanoTime() < deadline)
        {
            assertTrue(broker.isAlive(), () -> "mosquitto exited: " + read(log));
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            }
            catch (final IOException ex)
            {
                failures.add(ex.toString());
                Thread.sleep(50);
            }
        }
        throw new AssertionError("mosquitto did not listen on " + port + ": " + read(log));
    }

    private static String read(final Path log)
    {
        try
        {
            return Files.readString(log);
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }
}
