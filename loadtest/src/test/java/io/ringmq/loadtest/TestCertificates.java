package io.ringmq.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA, a server certificate for localhost (SAN DNS:localhost, IP:127.0.0.1) and a client certificate, made with the
 * {@code openssl} command line into a directory at test time (never checked in). Keys are unencrypted PKCS#8 PEM.
 */
final class TestCertificates
{
    final Path caCert;
    final Path serverCert;
    final Path serverKey;
    final Path clientCert;
    final Path clientKey;
    /** A second CA that signed nothing the server uses: trusting it must fail the handshake. */
    final Path otherCaCert;

    private TestCertificates(final Path dir)
    {
        this.caCert = dir.resolve("ca.pem");
        this.serverCert = dir.resolve("server.pem");
        this.serverKey = dir.resolve("server.key");
        this.clientCert = dir.resolve("client.pem");
        this.clientKey = dir.resolve("client.key");
        this.otherCaCert = dir.resolve("other-ca.pem");
    }

    /**
     * Make the files.
     *
     * @param dir empty directory.
     * @return their paths.
     * @throws IOException if openssl fails.
     * @throws InterruptedException if interrupted.
     */
    static TestCertificates generate(final Path dir) throws IOException, InterruptedException
    {
        final TestCertificates c = new TestCertificates(dir);
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n" +
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        Files.writeString(dir.resolve("client.ext"), "basicConstraints=CA:FALSE\n" +
            "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=ringmq loadtest CA");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out",
            "other-ca.pem", "-days", "2", "-subj", "/CN=someone else");
        leaf(dir, "server", "/CN=localhost");
        leaf(dir, "client", "/CN=device-1");
        return c;
    }

    private static void leaf(final Path dir, final String name, final String subject)
        throws IOException, InterruptedException
    {
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".rsa", "-out", name + ".csr",
            "-subj", subject);
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
        openssl(dir, "pkcs8", "-topk8", "-nocrypt", "-in", name + ".rsa", "-out", name + ".key");
    }

    private static void openssl(final Path dir, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            process.destroyForcibly();
            throw new IOException("openssl " + String.join(" ", args) + " failed: " +
                Files.readString(dir.resolve("openssl.log")));
        }
    }
}
