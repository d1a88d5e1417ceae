package io.ringmq.transport.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.ringmq.transport.config.TlsConfig;
import io.ringmq.transport.it.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link TlsContextFactory} and {@link KeyMaterial} on the formats a server's key and certificate come in, and on the
 * files that cannot be used: every refusal names the file or the certificate at fault.
 */
@Timeout(60)
class TlsContextFactoryTest
{
    @TempDir
    static Path dir;
    private static TestCertificates certificates;

    @BeforeAll
    static void makeCertificates()
    {
        certificates = TestCertificates.create(dir);
    }

    private static TlsConfig pem(final Path cert, final Path key)
    {
        return new TlsConfig().certFile(cert.toString()).keyFile(key.toString());
    }

    private static void assertRefused(final TlsConfig config, final String... fragments)
    {
        final TlsMaterialException ex = assertThrows(TlsMaterialException.class,
            () -> TlsContextFactory.build(config.conclude()));
        for (final String fragment : fragments)
        {
            assertTrue(ex.getMessage().contains(fragment), "expected '" + fragment + "' in: " + ex.getMessage());
        }
    }

    @Test
    void shouldBuildFromPemChainAndPkcs8Key()
    {
        final TlsConfig config = certificates.serverTls().conclude();
        final KeyMaterial material = KeyMaterial.read(config);
        assertEquals(certificates.server().serial(), material.leaf().getSerialNumber());
        assertEquals(2, material.chain().length, "leaf and CA");
        assertNotNull(TlsContextFactory.build(config));
    }

    @Test
    void shouldBuildWithJdkProvider()
    {
        final TlsConfig config = certificates.serverTls().provider(TlsConfig.Provider.JDK).conclude();
        assertEquals(SslProvider.JDK, TlsContextFactory.provider(config));
        final SslContext context = TlsContextFactory.build(config);
        assertTrue(context.isServer());
    }

    @Test
    void shouldBuildWithOpenSslProviderWhenAvailable()
    {
        assumeTrue(TlsContextFactory.openSslAvailable(), "netty-tcnative does not load here");
        final TlsConfig config = certificates.serverTls().provider(TlsConfig.Provider.OPENSSL).conclude();
        assertEquals(SslProvider.OPENSSL, TlsContextFactory.provider(config));
        assertTrue(TlsContextFactory.build(config).isServer());
    }

    @Test
    void shouldBuildWithClientCertificateChecksAndCrl()
    {
        final TlsConfig config = certificates.serverTls().caFile(certificates.caFile().toString())
            .crlFile(certificates.crlFile().toString()).clientAuth(TlsConfig.ClientAuth.REQUIRE).conclude();
        assertTrue(TlsContextFactory.build(config).isServer());
    }

    @Test
    void shouldReadEncryptedPkcs8KeyWithRightPassword()
    {
        final TlsConfig config = pem(certificates.server().chain(), certificates.serverEncryptedKey())
            .keyPassword(TestCertificates.PASSWORD).conclude();
        assertEquals(certificates.server().serial(), KeyMaterial.read(config).leaf().getSerialNumber());
        assertNotNull(TlsContextFactory.build(config));
    }

    @Test
    void shouldRefuseEncryptedPkcs8KeyWithWrongPassword()
    {
        assertRefused(pem(certificates.server().chain(), certificates.serverEncryptedKey()).keyPassword("wrong"),
            "cannot decrypt key-file", certificates.serverEncryptedKey().toString(), "wrong key-password?");
    }

    @Test
    void shouldRefuseEncryptedPkcs8KeyWithoutPassword()
    {
        assertRefused(pem(certificates.server().chain(), certificates.serverEncryptedKey()),
            certificates.serverEncryptedKey().toString(), "is encrypted: give key-password");
    }

    @Test
    void shouldReadPkcs12Keystore()
    {
        final TlsConfig config = new TlsConfig().keystore(certificates.serverPkcs12().toString())
            .keystorePassword(TestCertificates.PASSWORD).conclude();
        final KeyMaterial material = KeyMaterial.read(config);
        assertEquals(certificates.server().serial(), material.leaf().getSerialNumber());
        assertEquals(2, material.chain().length);
        assertNotNull(TlsContextFactory.build(config));
    }

    @Test
    void shouldReadJksKeystoreTellingTheTypeFromTheFileName()
    {
        final TlsConfig config = new TlsConfig().keystore(certificates.serverJks().toString())
            .keystorePassword(TestCertificates.PASSWORD).conclude();
        assertEquals(certificates.server().serial(), KeyMaterial.read(config).leaf().getSerialNumber());
        assertNotNull(TlsContextFactory.build(config));
    }

    @Test
    void shouldRefuseKeystoreWithWrongPassword()
    {
        assertRefused(new TlsConfig().keystore(certificates.serverPkcs12().toString()).keystorePassword("wrong"),
            "cannot read keystore", certificates.serverPkcs12().toString());
    }

    @Test
    void shouldReadJksKeystoreOfTheTypeGiven() throws IOException
    {
        final Path store = Files.copy(certificates.serverJks(), dir.resolve("server.keystore"));
        final TlsConfig config = new TlsConfig().keystore(store.toString()).keystoreType("jks")
            .keystorePassword(TestCertificates.PASSWORD).conclude();
        assertEquals(certificates.server().serial(), KeyMaterial.read(config).leaf().getSerialNumber());
    }

    @Test
    void shouldRefuseKeyThatDoesNotBelongToTheCertificate()
    {
        // Both RSA: the key parses, and only the signature check shows it is another certificate's.
        assertRefused(pem(certificates.server().chain(), certificates.wrongHostServer().key()),
            "the private key does not belong to the certificate", certificates.server().subject());
    }

    @Test
    void shouldRefuseKeyOfAnotherAlgorithmNamingTheKeyFile()
    {
        // An EC client key under the RSA server certificate.
        assertRefused(pem(certificates.server().chain(), certificates.client().key()),
            "key-file " + certificates.client().key(), "is not a RSA key");
    }

    @Test
    void shouldRefuseMissingCertificateFile()
    {
        final Path missing = dir.resolve("no-such-chain.pem");
        assertRefused(pem(missing, certificates.server().key()), "cert-file", missing.toString());
    }

    @Test
    void shouldRefuseMissingKeyFile()
    {
        final Path missing = dir.resolve("no-such.key");
        assertRefused(pem(certificates.server().chain(), missing), "key-file", missing.toString());
    }

    @Test
    void shouldRefuseMissingKeystore()
    {
        final Path missing = dir.resolve("no-such.p12");
        assertRefused(new TlsConfig().keystore(missing.toString()), "keystore", missing.toString());
    }

    @Test
    void shouldRefuseEmptyCaFile() throws IOException
    {
        final Path empty = Files.writeString(dir.resolve("empty-ca.pem"), "", StandardCharsets.US_ASCII);
        assertRefused(certificates.serverTls().caFile(empty.toString()), "ca-file", empty.toString(),
            "holds no certificate");
    }

    @Test
    void shouldRefuseMissingCrlFile()
    {
        final Path missing = dir.resolve("no-such-crl.pem");
        assertRefused(certificates.serverTls().caFile(certificates.caFile().toString()).crlFile(missing.toString()),
            missing.toString());
    }

    @Test
    void shouldRefuseFileWithoutPemKey() throws IOException
    {
        final Path garbage = Files.writeString(dir.resolve("garbage.key"), "not a key\n", StandardCharsets.US_ASCII);
        assertRefused(pem(certificates.server().chain(), garbage), "key-file " + garbage, "holds no PEM key");
    }

    @Test
    void shouldRefuseCertificateFileWithoutCertificate() throws IOException
    {
        final Path garbage = Files.writeString(dir.resolve("garbage.pem"), "", StandardCharsets.US_ASCII);
        assertRefused(pem(garbage, certificates.server().key()), "cert-file " + garbage);
    }
}
