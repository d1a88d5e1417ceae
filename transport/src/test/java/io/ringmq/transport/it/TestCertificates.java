package io.ringmq.transport.it;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;

import io.netty.handler.ssl.util.SimpleKeyManagerFactory;
import io.ringmq.transport.config.TlsConfig;

/**
 * Certificates made at test time with the {@code openssl} command line (and {@code keytool} for JKS), into a
 * directory the test owns (a {@code @TempDir}); nothing is checked in. {@link #create(Path)} makes:
 * <ul>
 *     <li>a test CA and a second, unrelated CA (EC P-256);</li>
 *     <li>a server certificate for {@code localhost} (SAN {@code DNS:localhost}, {@code IP:127.0.0.1}, RSA 2048):
 *     PEM chain (leaf, then the CA) and PKCS#8 key, the same key as encrypted PKCS#8 ({@link #PASSWORD}), a PKCS#12
 *     and a JKS keystore holding key and chain (password {@link #PASSWORD});</li>
 *     <li>an expired server certificate and one for the wrong host name ({@code wrong.example});</li>
 *     <li>client certificates {@code CN=device-1} and {@code CN=device-2}, a revoked one ({@code CN=device-revoked})
 *     listed in {@link #crlFile()}, and {@code CN=device-1} from the other CA.</li>
 * </ul>
 * More server or client certificates from the test CA come from {@link #issueServer(String)} and
 * {@link #issueClient(String)} (for rotation tests). Client-side trust for the test CA: {@link #trustManagerFactory()},
 * {@link #sslContext(Issued)} and {@link #sslConfig()} (HiveMQ client); server-side settings: {@link #serverTls()}.
 * <p>
 * <b>Threading:</b> issuing is synchronized (openssl ca keeps its state in files); the rest is read-only.
 */
public final class TestCertificates
{
    /** Password of the encrypted key and of the keystores. */
    public static final String PASSWORD = "ringmq-test-secret";
    /** Organisation in every subject the test CA issues. */
    public static final String ORGANISATION = "RingMQ Test";

    private static final long PROCESS_TIMEOUT_S = 60;
    private static final String SAN_VARIABLE = "RINGMQ_SAN";
    private static final String CA_CONFIG = String.join("\n",
        "[ ca ]",
        "default_ca = ca_default",
        "[ ca_default ]",
        "dir = .",
        "database = $dir/index.txt",
        "new_certs_dir = $dir/issued",
        "serial = $dir/serial",
        "certificate = $dir/ca.pem",
        "private_key = $dir/ca.key",
        "crlnumber = $dir/crlnumber",
        "default_md = sha256",
        "default_days = 30",
        "default_crl_days = 30",
        "policy = policy_any",
        "unique_subject = no",
        "preserve = yes",
        "copy_extensions = none",
        "[ policy_any ]",
        "organizationName = optional",
        "commonName = supplied",
        "[ req ]",
        "distinguished_name = req_dn",
        "[ req_dn ]",
        "[ ca_ext ]",
        "basicConstraints = critical,CA:true",
        "keyUsage = critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier = hash",
        "[ server_ext ]",
        "basicConstraints = critical,CA:false",
        "keyUsage = critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage = serverAuth",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
        "subjectAltName = $ENV::RINGMQ_SAN",
        "[ client_ext ]",
        "basicConstraints = critical,CA:false",
        "keyUsage = critical,digitalSignature",
        "extendedKeyUsage = clientAuth",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
        "");

    /**
     * A certificate the CA issued, with its key.
     *
     * @param chain       PEM file: the certificate, then the CA's.
     * @param key         PEM file: the private key, unencrypted PKCS#8.
     * @param certificate the certificate itself.
     */
    public record Issued(Path chain, Path key, X509Certificate certificate)
    {
        /** @return the certificate's serial number. */
        public BigInteger serial()
        {
            return certificate.getSerialNumber();
        }

        /** @return the subject as RFC 2253 text, as the broker reads it. */
        public String subject()
        {
            return certificate.getSubjectX500Principal().getName();
        }
    }

    private final Path dir;
    private final Path caDir;
    private final Path otherCaDir;
    private Issued server;
    private Path serverEncryptedKey;
    private Path serverPkcs12;
    private Path serverJks;
    private Issued expiredServer;
    private Issued wrongHostServer;
    private Issued client;
    private Issued client2;
    private Issued revokedClient;
    private Issued otherCaClient;
    private Path crlFile;

    private TestCertificates(final Path dir)
    {
        this.dir = dir;
        this.caDir = dir.resolve("ca");
        this.otherCaDir = dir.resolve("other-ca");
    }

    /**
     * Make every certificate, key and store into a directory (about a second).
     *
     * @param dir an empty directory the caller owns, e.g. a {@code @TempDir}.
     * @return the certificates.
     * @throws IllegalStateException if {@code openssl} or {@code keytool} is missing or fails.
     */
    public static TestCertificates create(final Path dir)
    {
        final TestCertificates certificates = new TestCertificates(dir);
        try
        {
            certificates.make();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot make test certificates in " + dir + ": " + ex.getMessage(), ex);
        }
        return certificates;
    }

    private synchronized void make() throws IOException
    {
        newCa(caDir, "RingMQ Test CA");
        newCa(otherCaDir, "Unrelated Test CA");
        server = issue(caDir, "server", "localhost", true, "DNS:localhost,IP:127.0.0.1", null);
        serverEncryptedKey = dir.resolve("server-encrypted.key");
        openssl(dir, "pkcs8", "-topk8", "-in", server.key().toString(), "-out", serverEncryptedKey.toString(),
            "-passout", "pass:" + PASSWORD, "-v2", "aes-256-cbc");
        serverPkcs12 = dir.resolve("server.p12");
        openssl(dir, "pkcs12", "-export", "-in", server.chain().toString(), "-inkey", server.key().toString(),
            "-name", "server", "-out", serverPkcs12.toString(), "-passout", "pass:" + PASSWORD);
        serverJks = dir.resolve("server.jks");
        run(dir, Map.of(), Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-importkeystore", "-noprompt", "-srckeystore", serverPkcs12.toString(), "-srcstoretype", "PKCS12",
            "-srcstorepass", PASSWORD, "-destkeystore", serverJks.toString(), "-deststoretype", "JKS",
            "-deststorepass", PASSWORD);
        expiredServer = issue(caDir, "server-expired", "localhost", true, "DNS:localhost,IP:127.0.0.1",
            new String[] {"-startdate", "20200101000000Z", "-enddate", "20200201000000Z"});
        wrongHostServer = issue(caDir, "server-wrong-host", "wrong.example", true, "DNS:wrong.example", null);
        client = issue(caDir, "device-1", "device-1", false, null, null);
        client2 = issue(caDir, "device-2", "device-2", false, null, null);
        revokedClient = issue(caDir, "device-revoked", "device-revoked", false, null, null);
        otherCaClient = issue(otherCaDir, "device-1", "device-1", false, null, null);
        openssl(caDir, "ca", "-batch", "-config", "ca.cnf", "-revoke", revokedClient.chain().toString());
        crlFile = dir.resolve("crl.pem");
        openssl(caDir, "ca", "-batch", "-config", "ca.cnf", "-gencrl", "-out", crlFile.toString());
    }

    private static void newCa(final Path ca, final String commonName) throws IOException
    {
        Files.createDirectories(ca.resolve("issued"));
        Files.writeString(ca.resolve("ca.cnf"), CA_CONFIG, StandardCharsets.US_ASCII);
        Files.writeString(ca.resolve("index.txt"), "", StandardCharsets.US_ASCII);
        Files.writeString(ca.resolve("index.txt.attr"), "unique_subject = no\n", StandardCharsets.US_ASCII);
        Files.writeString(ca.resolve("serial"), "1000\n", StandardCharsets.US_ASCII);
        Files.writeString(ca.resolve("crlnumber"), "01\n", StandardCharsets.US_ASCII);
        openssl(ca, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
        openssl(ca, "req", "-x509", "-new", "-config", "ca.cnf", "-extensions", "ca_ext", "-key", "ca.key",
            "-subj", "/O=" + ORGANISATION + "/CN=" + commonName, "-days", "3650", "-sha256", "-out", "ca.pem");
    }

    /**
     * Issue a certificate and a new key from a CA: {@code name.pem} (chain) and {@code name.key}.
     *
     * @param ca       the CA's directory.
     * @param name     file name stem.
     * @param host     common name.
     * @param rsa      an RSA 2048 key, else EC P-256.
     * @param san      subject alternative names in openssl syntax for a server certificate; null for a client one.
     * @param validity openssl ca options giving the validity, or null for 30 days from now.
     * @return the certificate and its files.
     * @throws IOException if a file cannot be written or read.
     */
    private static Issued issue(final Path ca, final String name, final String host, final boolean rsa,
        final String san, final String[] validity) throws IOException
    {
        final Path key = ca.getParent().resolve(relative(ca, name) + ".key");
        final Path csr = ca.resolve(name + ".csr");
        final Path leaf = ca.resolve("issued").resolve(name + ".pem");
        final Path chain = ca.getParent().resolve(relative(ca, name) + ".pem");
        if (rsa)
        {
            openssl(ca, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
        }
        else
        {
            openssl(ca, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        }
        openssl(ca, "req", "-new", "-config", "ca.cnf", "-key", key.toString(), "-subj",
            "/O=" + ORGANISATION + "/CN=" + host, "-out", csr.toString());
        final List<String> args = new ArrayList<>(List.of("ca", "-batch", "-notext", "-config", "ca.cnf",
            "-extensions", null != san ? "server_ext" : "client_ext", "-in", csr.toString(), "-out",
            leaf.toString()));
        if (null != validity)
        {
            args.addAll(List.of(validity));
        }
        run(ca, Map.of(SAN_VARIABLE, null == san ? "DNS:unused.invalid" : san), "openssl",
            args.toArray(new String[0]));
        final String leafPem = Files.readString(leaf, StandardCharsets.US_ASCII);
        final String caPem = Files.readString(ca.resolve("ca.pem"), StandardCharsets.US_ASCII);
        Files.writeString(chain, leafPem + caPem, StandardCharsets.US_ASCII);
        return new Issued(chain, key, readCertificates(leaf).get(0));
    }

    /** Files of the other CA get a prefix so they do not clash with the test CA's of the same name. */
    private static String relative(final Path ca, final String name)
    {
        return "ca".equals(String.valueOf(ca.getFileName())) ? name : ca.getFileName() + "-" + name;
    }

    /**
     * Issue another server certificate for {@code localhost} and {@code 127.0.0.1} from the test CA, with a new key.
     *
     * @param name file name stem, unique among issued certificates.
     * @return the certificate, with a new serial number.
     */
    public synchronized Issued issueServer(final String name)
    {
        try
        {
            return issue(caDir, name, "localhost", true, "DNS:localhost,IP:127.0.0.1", null);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot issue " + name + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Issue another client certificate from the test CA.
     *
     * @param commonName the subject's CN, also the file name stem.
     * @return the certificate.
     */
    public synchronized Issued issueClient(final String commonName)
    {
        try
        {
            return issue(caDir, commonName, commonName, false, null, null);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot issue " + commonName + ": " + ex.getMessage(), ex);
        }
    }

    /** @return PEM file of the test CA's certificate: trust it to accept the server, give it as ca-file. */
    public Path caFile()
    {
        return caDir.resolve("ca.pem");
    }

    /** @return PEM file of the unrelated CA's certificate. */
    public Path otherCaFile()
    {
        return otherCaDir.resolve("ca.pem");
    }

    /** @return the server certificate for localhost/127.0.0.1, RSA key. */
    public Issued server()
    {
        return server;
    }

    /** @return the server's key as encrypted PKCS#8, password {@link #PASSWORD}. */
    public Path serverEncryptedKey()
    {
        return serverEncryptedKey;
    }

    /** @return PKCS#12 keystore with the server's key and chain, store and key password {@link #PASSWORD}. */
    public Path serverPkcs12()
    {
        return serverPkcs12;
    }

    /** @return JKS keystore (file name ends in .jks) with the server's key and chain, password {@link #PASSWORD}. */
    public Path serverJks()
    {
        return serverJks;
    }

    /** @return a server certificate for localhost that expired in 2020. */
    public Issued expiredServer()
    {
        return expiredServer;
    }

    /** @return a server certificate for wrong.example only. */
    public Issued wrongHostServer()
    {
        return wrongHostServer;
    }

    /** @return client certificate {@code CN=device-1} from the test CA. */
    public Issued client()
    {
        return client;
    }

    /** @return client certificate {@code CN=device-2} from the test CA. */
    public Issued client2()
    {
        return client2;
    }

    /** @return client certificate {@code CN=device-revoked} from the test CA, revoked in {@link #crlFile()}. */
    public Issued revokedClient()
    {
        return revokedClient;
    }

    /** @return client certificate {@code CN=device-1} from the unrelated CA. */
    public Issued otherCaClient()
    {
        return otherCaClient;
    }

    /** @return PEM CRL of the test CA revoking {@link #revokedClient()}. */
    public Path crlFile()
    {
        return crlFile;
    }

    /** @return listener TLS settings with the server's PEM chain and key, to be completed and concluded. */
    public TlsConfig serverTls()
    {
        return new TlsConfig().certFile(server.chain().toString()).keyFile(server.key().toString());
    }

    /** @return trust in the test CA only. */
    public TrustManagerFactory trustManagerFactory()
    {
        return trustManagerFactory(caFile());
    }

    /**
     * @param caFile PEM file of the CA certificates to trust.
     * @return trust in those CAs only.
     */
    public static TrustManagerFactory trustManagerFactory(final Path caFile)
    {
        try
        {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (final X509Certificate ca : readCertificates(caFile))
            {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            final TrustManagerFactory factory = TrustManagerFactory.getInstance(
                TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot trust " + caFile + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @param issued a certificate with its key, e.g. {@link #client()}.
     * @return key managers presenting it.
     */
    public static KeyManagerFactory keyManagerFactory(final Issued issued)
    {
        try
        {
            final char[] password = PASSWORD.toCharArray();
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            final List<X509Certificate> chain = readCertificates(issued.chain());
            store.setKeyEntry("key", readKey(issued.key(), issued.certificate()), password,
                chain.toArray(new Certificate[0]));
            final KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory;
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot use " + issued.key() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Key managers that present the certificate whatever CAs the server asks for. A normal client sends no
     * certificate when its issuer is not among the server's accepted CAs, so this is what shows the server itself
     * refusing a certificate from an unrelated CA.
     *
     * @param issued a certificate with its key, e.g. {@link #otherCaClient()}.
     * @return key managers always presenting it.
     */
    public static KeyManagerFactory keyManagerFactoryIgnoringIssuers(final Issued issued)
    {
        final X509ExtendedKeyManager delegate = (X509ExtendedKeyManager)keyManagerFactory(issued).getKeyManagers()[0];
        final X509ExtendedKeyManager always = new AlwaysPresentingKeyManager(delegate);
        return new SimpleKeyManagerFactory()
        {
            @Override
            protected void engineInit(final KeyStore keyStore, final char[] password)
            {
                // nothing to read: the key manager is given
            }

            @Override
            protected void engineInit(final ManagerFactoryParameters parameters)
            {
                // nothing to read: the key manager is given
            }

            @Override
            protected KeyManager[] engineGetKeyManagers()
            {
                return new KeyManager[] {always};
            }
        };
    }

    /** Chooses the one key entry for any key type and issuer list; the rest is the delegate's. */
    private static final class AlwaysPresentingKeyManager extends X509ExtendedKeyManager
    {
        private static final String ALIAS = "key";
        private final X509ExtendedKeyManager delegate;

        AlwaysPresentingKeyManager(final X509ExtendedKeyManager delegate)
        {
            this.delegate = delegate;
        }

        @Override
        public String[] getClientAliases(final String keyType, final Principal[] issuers)
        {
            return new String[] {ALIAS};
        }

        @Override
        public String chooseClientAlias(final String[] keyType, final Principal[] issuers, final Socket socket)
        {
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(final String[] keyType, final Principal[] issuers,
            final SSLEngine engine)
        {
            return ALIAS;
        }

        @Override
        public String[] getServerAliases(final String keyType, final Principal[] issuers)
        {
            return delegate.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(final String keyType, final Principal[] issuers, final Socket socket)
        {
            return delegate.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(final String alias)
        {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(final String alias)
        {
            return delegate.getPrivateKey(alias);
        }
    }

    /**
     * A JDK client context trusting the test CA.
     *
     * @param clientCertificate the certificate to present, or null for none.
     * @return a TLS context.
     */
    public SSLContext sslContext(final Issued clientCertificate)
    {
        try
        {
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null == clientCertificate ? null : keyManagerFactory(clientCertificate).getKeyManagers(),
                trustManagerFactory().getTrustManagers(), null);
            return context;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot make an SSLContext: " + ex.getMessage(), ex);
        }
    }

    /** @return HiveMQ client TLS settings trusting the test CA (host name verified by the client's default). */
    public MqttClientSslConfigBuilder sslConfig()
    {
        return MqttClientSslConfig.builder().trustManagerFactory(trustManagerFactory());
    }

    /**
     * @param clientCertificate the certificate to present.
     * @return HiveMQ client TLS settings trusting the test CA and presenting the certificate.
     */
    public MqttClientSslConfigBuilder sslConfig(final Issued clientCertificate)
    {
        return sslConfig().keyManagerFactory(keyManagerFactory(clientCertificate));
    }

    /**
     * @param file PEM file of certificates.
     * @return them, in file order.
     */
    public static List<X509Certificate> readCertificates(final Path file)
    {
        try (InputStream in = Files.newInputStream(file))
        {
            final Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509")
                .generateCertificates(in);
            final List<X509Certificate> certificates = new ArrayList<>();
            for (final Certificate certificate : all)
            {
                certificates.add((X509Certificate)certificate);
            }
            return certificates;
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static PrivateKey readKey(final Path file, final X509Certificate certificate)
        throws IOException, GeneralSecurityException
    {
        final String text = Files.readString(file, StandardCharsets.US_ASCII);
        final String base64 = text.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "");
        final byte[] der = Base64.getMimeDecoder().decode(base64.strip());
        return KeyFactory.getInstance(certificate.getPublicKey().getAlgorithm())
            .generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /**
     * Replace a file atomically with new content: write a temporary file beside it, then rename it over the target,
     * as a secret rotation does (a reader never sees a half-written file).
     *
     * @param source file whose bytes to take.
     * @param target file to replace.
     * @throws IOException if the copy or the rename fails.
     */
    public static void replaceAtomically(final Path source, final Path target) throws IOException
    {
        final Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void openssl(final Path workDir, final String... args) throws IOException
    {
        // The configuration names the variable; openssl refuses it unset even where the section goes unused.
        run(workDir, Map.of(SAN_VARIABLE, "DNS:unused.invalid"), "openssl", args);
    }

    private static void run(final Path workDir, final Map<String, String> env, final String command,
        final String... args) throws IOException
    {
        final List<String> line = new ArrayList<>();
        line.add(command);
        line.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(line).directory(workDir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        final Process process;
        try
        {
            process = builder.start();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot run " + command + " (is it installed? CI installs openssl in " +
                ".ci/run): " + ex.getMessage(), ex);
        }
        try
        {
            final byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(PROCESS_TIMEOUT_S, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", line) + " did not finish");
            }
            if (0 != process.exitValue())
            {
                throw new IllegalStateException(String.join(" ", line) + " failed with exit code " +
                    process.exitValue() + ": " + new String(output, StandardCharsets.UTF_8));
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while running " + command, ex);
        }
    }
}
