package io.ringmq.transport.tls;

import io.ringmq.transport.config.TlsConfig;
import io.ringmq.transport.it.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reloading a listener's material: broken or mismatched new files leave the old certificate in use and are counted,
 * good ones take over, and unchanged files are not read again.
 */
@Timeout(60)
class TlsContextHolderTest
{
    @TempDir
    static Path certificateDir;
    private static TestCertificates certificates;
    private static TestCertificates.Issued rotated;

    @TempDir
    Path live;
    private Path certFile;
    private Path keyFile;
    private TlsContextHolder holder;

    @BeforeAll
    static void makeCertificates()
    {
        certificates = TestCertificates.create(certificateDir);
        rotated = certificates.issueServer("rotated");
    }

    @BeforeEach
    void openHolder() throws IOException
    {
        certFile = live.resolve("chain.pem");
        keyFile = live.resolve("key.pem");
        Files.copy(certificates.server().chain(), certFile);
        Files.copy(certificates.server().key(), keyFile);
        holder = TlsContextHolder.open("test", new TlsConfig().certFile(certFile.toString())
            .keyFile(keyFile.toString()).conclude());
        assertEquals(certificates.server().serial(), holder.certificate().getSerialNumber());
    }

    @Test
    void shouldRefuseToOpenWithBrokenFiles() throws IOException
    {
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\nbroken\n", StandardCharsets.US_ASCII);
        assertThrows(TlsMaterialException.class, () -> TlsContextHolder.open("test",
            new TlsConfig().certFile(certFile.toString()).keyFile(keyFile.toString()).conclude()));
    }

    @Test
    void shouldTakeNewCertificateWhenTheNewFilesAreGood() throws IOException
    {
        TestCertificates.replaceAtomically(rotated.chain(), certFile);
        TestCertificates.replaceAtomically(rotated.key(), keyFile);

        assertTrue(holder.reload("test"));
        assertEquals(rotated.serial(), holder.certificate().getSerialNumber());
        assertEquals(1, holder.reloads());
        assertEquals(0, holder.reloadFailures());
    }

    @Test
    void shouldKeepOldCertificateWhenTheNewKeyIsBroken() throws IOException
    {
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n",
            StandardCharsets.US_ASCII);

        assertFalse(holder.reload("test"));
        assertEquals(certificates.server().serial(), holder.certificate().getSerialNumber());
        assertEquals(0, holder.reloads());
        assertEquals(1, holder.reloadFailures());
    }

    @Test
    void shouldKeepOldCertificateWhenOnlyTheCertificateWasReplaced() throws IOException
    {
        // Mid-rotation: the new certificate is there, its key not yet.
        TestCertificates.replaceAtomically(rotated.chain(), certFile);

        assertFalse(holder.reloadIfChanged());
        assertEquals(certificates.server().serial(), holder.certificate().getSerialNumber());
        assertEquals(1, holder.reloadFailures());

        TestCertificates.replaceAtomically(rotated.key(), keyFile);

        assertTrue(holder.reloadIfChanged());
        assertEquals(rotated.serial(), holder.certificate().getSerialNumber());
        assertEquals(1, holder.reloads());
    }

    @Test
    void shouldKeepOldCertificateWhileAFileIsMissing() throws IOException
    {
        Files.delete(keyFile);

        assertFalse(holder.reloadIfChanged());
        assertEquals(certificates.server().serial(), holder.certificate().getSerialNumber());
        assertEquals(1, holder.reloadFailures());
        assertFalse(holder.reloadIfChanged(), "the same missing file is not tried again");
        assertEquals(1, holder.reloadFailures());
    }

    @Test
    void shouldDoNothingWhenNothingChanged()
    {
        assertFalse(holder.reloadIfChanged());
        assertFalse(holder.reloadIfChanged());
        assertEquals(0, holder.reloads());
        assertEquals(0, holder.reloadFailures());
        assertEquals(certificates.server().serial(), holder.certificate().getSerialNumber());
    }

    @Test
    void shouldReloadUnchangedFilesWhenAsked()
    {
        final X509Certificate before = holder.certificate();
        assertTrue(holder.reload("SIGHUP"));
        assertEquals(1, holder.reloads());
        assertEquals(before.getSerialNumber(), holder.certificate().getSerialNumber());
        assertNotEquals(rotated.serial(), holder.certificate().getSerialNumber());
    }
}
