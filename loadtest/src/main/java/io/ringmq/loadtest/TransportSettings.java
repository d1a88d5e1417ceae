package io.ringmq.loadtest;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the connections of one run speak under MQTT: plain TCP, TLS, WebSocket or WebSocket over TLS, with the TLS
 * material loaded once from PEM files into one {@link SSLContext} shared by every I/O thread (it is thread-safe; each
 * connection gets its own {@link SSLEngine}).
 * <p>
 * Every connection makes a full handshake: a simulated device is a new client with no session of its own. The JDK
 * client looks for a session to resume by the engine's peer host and port, and the port is only a hint (it is not
 * used to connect or to check the certificate), so each engine gets a port hint of its own and the lookup never
 * matches; the client session cache holds at most one entry, so 19k connections do not keep 19k sessions alive.
 * (Invalidating each session after its handshake is not enough: the TLS 1.3 NewSessionTicket that follows it is
 * cached anew.)
 * <p>
 * <b>Threading:</b> built on the main thread, then read-only except for the port hint counter (atomic), used by every
 * I/O thread.
 */
final class TransportSettings
{
    static final String PROVIDER_JDK = "jdk";
    static final String PROVIDER_OPENSSL = "openssl";

    final boolean tls;
    final boolean webSocket;
    final String host;
    final int port;
    final String webSocketPath;
    final int packetBufferSize;
    final int applicationBufferSize;
    private final SSLContext context;
    /** With {@code --tls-provider openssl}: Netty's OpenSSL (BoringSSL) engines, which are SSLEngines too. */
    private final SslContext openSsl;
    private final boolean verifyHostname;
    private final AtomicInteger portHints = new AtomicInteger();

    private TransportSettings(
        final LoadOptions options, final SSLContext context, final SslContext openSsl, final int packetBufferSize,
        final int applicationBufferSize)
    {
        this.openSsl = openSsl;
        this.tls = options.tls;
        this.webSocket = options.webSocket;
        this.host = options.host;
        this.port = options.port;
        this.webSocketPath = options.webSocketPath;
        this.context = context;
        this.verifyHostname = !options.insecure;
        this.packetBufferSize = packetBufferSize;
        this.applicationBufferSize = applicationBufferSize;
    }

    /**
     * Settings of a run; loads and checks the PEM files.
     *
     * @param options the run's options (validated).
     * @return settings, also for plain TCP.
     * @throws IllegalArgumentException naming the file or option at fault.
     */
    static TransportSettings from(final LoadOptions options)
    {
        if (!options.tls)
        {
            return new TransportSettings(options, null, null, 0, 0);
        }
        try
        {
            final SSLContext context = SSLContext.getInstance("TLS");
            final TrustManager[] trust = options.insecure ? new TrustManager[]{ new TrustAnything() } :
                trustManagers(Path.of(options.caFile));
            final KeyManagerFactory keys = null == options.certFile ? null :
                keyManagers(Path.of(options.certFile), Path.of(options.keyFile));
            if (PROVIDER_OPENSSL.equals(options.tlsProvider))
            {
                return openSsl(options, trust, keys);
            }
            context.init(null == keys ? null : keys.getKeyManagers(), trust, new SecureRandom());
            context.getClientSessionContext().setSessionCacheSize(1);
            final SSLSession session = context.createSSLEngine().getSession();
            return new TransportSettings(
                options, context, null, session.getPacketBufferSize(), session.getApplicationBufferSize());
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new IllegalArgumentException("TLS set-up failed: " + ex.getMessage(), ex);
        }
    }

    private static TransportSettings openSsl(final LoadOptions options, final TrustManager[] trust,
        final KeyManagerFactory keys) throws IOException
    {
        if (!OpenSsl.isAvailable())
        {
            throw new IllegalArgumentException("--tls-provider openssl: OpenSSL does not load here: " +
                OpenSsl.unavailabilityCause());
        }
        final SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
            .trustManager((X509TrustManager)trust[0]).keyManager(keys).sessionCacheSize(1)
            .endpointIdentificationAlgorithm(options.insecure ? null : "HTTPS");
        final SslContext context = builder.build();
        final SSLSession session = context.newEngine(ByteBufAllocator.DEFAULT).getSession();
        return new TransportSettings(options, null, context, session.getPacketBufferSize(),
            session.getApplicationBufferSize());
    }

    /**
     * True when connections need a transport layer between MQTT and the socket.
     *
     * @return false for plain TCP.
     */
    boolean layered()
    {
        return tls || webSocket;
    }

    /**
     * A client engine for one connection, checking the server's name unless {@code --insecure}.
     *
     * @return new engine in client mode.
     */
    SSLEngine newEngine()
    {
        if (null != openSsl)
        {
            // Host name checking is set on the context; the port hint keeps the session cache from matching.
            return openSsl.newEngine(ByteBufAllocator.DEFAULT, host, nextPortHint());
        }
        final SSLEngine engine = context.createSSLEngine(host, nextPortHint());
        engine.setUseClientMode(true);
        if (verifyHostname)
        {
            final SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        return engine;
    }

    /**
     * A port hint no recent engine had, so the client session cache finds nothing to resume.
     *
     * @return 1 to {@link Integer#MAX_VALUE}, cycling.
     */
    private int nextPortHint()
    {
        return 1 + (portHints.getAndIncrement() & Integer.MAX_VALUE) % (Integer.MAX_VALUE - 1);
    }

    /**
     * Short name for reports: mqtt, mqtts, ws or wss.
     *
     * @return the transport's name.
     */
    String name()
    {
        return webSocket ? (tls ? "wss" : "ws") : (tls ? "mqtts" : "mqtt");
    }

    private static TrustManager[] trustManagers(final Path caFile) throws IOException, GeneralSecurityException
    {
        final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (final Certificate certificate : certificates(caFile))
        {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        if (i == 0)
        {
            throw new IllegalArgumentException("no certificate in --cafile " + caFile);
        }
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    private static KeyManagerFactory keyManagers(final Path certFile, final Path keyFile)
        throws IOException, GeneralSecurityException
    {
        final Collection<? extends Certificate> chain = certificates(certFile);
        if (chain.isEmpty())
        {
            throw new IllegalArgumentException("no certificate in --certfile " + certFile);
        }
        final PrivateKey key = privateKey(keyFile);
        final char[] password = "ringmq-loadtest".toCharArray();
        final KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
        final KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory;
    }

    private static Collection<? extends Certificate> certificates(final Path file)
        throws IOException, GeneralSecurityException
    {
        try (InputStream in = Files.newInputStream(file))
        {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    /**
     * An unencrypted PKCS#8 private key in PEM ({@code BEGIN PRIVATE KEY}), RSA, EC or EdDSA.
     */
    static PrivateKey privateKey(final Path file) throws IOException, GeneralSecurityException
    {
        final String text = Files.readString(file, StandardCharsets.US_ASCII);
        final String begin = "-----BEGIN PRIVATE KEY-----";
        final int start = text.indexOf(begin);
        final int end = text.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < start)
        {
            throw new IllegalArgumentException("--keyfile must be an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY): " +
                file);
        }
        final byte[] der = Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
        final PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        GeneralSecurityException last = null;
        for (final String algorithm : new String[]{ "RSA", "EC", "Ed25519", "Ed448" })
        {
            try
            {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            }
            catch (final GeneralSecurityException ex)
            {
                last = ex;
            }
        }
        throw new IllegalArgumentException("unsupported key algorithm in " + file + ": " +
            (null == last ? "" : last.getMessage()).toLowerCase(Locale.ROOT), last);
    }

    /**
     * {@code --insecure}: any server certificate is accepted. For benchmarking against a test certificate only.
     */
    private static final class TrustAnything implements X509TrustManager
    {
        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType)
        {
            // not a server
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType)
        {
            // --insecure: trust any certificate
        }

        @Override
        public X509Certificate[] getAcceptedIssuers()
        {
            return new X509Certificate[0];
        }
    }
}
