package io.ringmq.transport.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.ringmq.transport.config.TlsConfig;

import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds a server {@link SslContext} from a listener's {@link TlsConfig}: the certificate chain and key from PEM
 * files or a PKCS#12/JKS keystore, the CA bundle and CRLs that check client certificates, protocols, cipher suites
 * and ALPN, on OpenSSL (BoringSSL through netty-tcnative) when it is available and the JDK provider otherwise.
 * <p>
 * <b>Threading:</b> stateless; called by whichever thread starts or reloads a listener.
 */
public final class TlsContextFactory
{
    private TlsContextFactory()
    {
    }

    /** @return whether OpenSSL loaded on this machine. */
    public static boolean openSslAvailable()
    {
        return OpenSsl.isAvailable();
    }

    /**
     * @param config the listener's TLS settings, concluded.
     * @return the provider {@link #build} uses for them.
     * @throws TlsMaterialException if OpenSSL is required and not available.
     */
    public static SslProvider provider(final TlsConfig config)
    {
        return switch (config.provider())
        {
            case JDK -> SslProvider.JDK;
            case OPENSSL ->
            {
                if (!OpenSsl.isAvailable())
                {
                    throw new TlsMaterialException("tls provider openssl is not available here: " +
                        OpenSsl.unavailabilityCause(), OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }

    /**
     * Read the files the settings name and build a context.
     *
     * @param config the listener's TLS settings, concluded.
     * @return a new server context.
     * @throws TlsMaterialException naming the file and what is wrong with it.
     */
    public static SslContext build(final TlsConfig config)
    {
        return build(config, KeyMaterial.read(config));
    }

    /**
     * Build a context around key material already read (and checked), so the caller knows which certificate the
     * context presents without reading the files a second time.
     *
     * @param config   the listener's TLS settings, concluded.
     * @param material the key and chain read from the files the settings name.
     * @return a new server context.
     * @throws TlsMaterialException naming the file and what is wrong with it.
     */
    static SslContext build(final TlsConfig config, final KeyMaterial material)
    {
        final SslContextBuilder builder = SslContextBuilder.forServer(material.key(), material.chain());
        builder.sslProvider(provider(config))
            .protocols(config.protocols())
            .clientAuth(switch (config.clientAuth())
            {
                case NONE -> ClientAuth.NONE;
                case OPTIONAL -> ClientAuth.OPTIONAL;
                case REQUIRE -> ClientAuth.REQUIRE;
            });
        if (!config.ciphers().isEmpty())
        {
            builder.ciphers(config.ciphers(), SupportedCipherSuiteFilter.INSTANCE);
        }
        if (!config.alpn().isEmpty())
        {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, config.alpn()));
        }
        if (null != config.caFile())
        {
            builder.trustManager(trustManagerFactory(config));
        }
        try
        {
            return builder.build();
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new TlsMaterialException("cannot build the TLS context: " + ex.getMessage(), ex);
        }
    }

    /**
     * Trust for client certificates: the CA bundle, and with a CRL file, PKIX validation that checks revocation
     * against those lists only (no network fetches: a broker must not stall handshakes on a CRL or OCSP server).
     */
    private static TrustManagerFactory trustManagerFactory(final TlsConfig config)
    {
        final List<X509Certificate> cas = KeyMaterial.readCertificates(Path.of(config.caFile()), "ca-file");
        try
        {
            final TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            if (null == config.crlFile())
            {
                final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                for (int i = 0; i < cas.size(); i++)
                {
                    store.setCertificateEntry("ca-" + i, cas.get(i));
                }
                factory.init(store);
                return factory;
            }
            final Set<TrustAnchor> anchors = new HashSet<>();
            for (final X509Certificate ca : cas)
            {
                anchors.add(new TrustAnchor(ca, null));
            }
            final PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
            parameters.addCertStore(CertStore.getInstance("Collection",
                new CollectionCertStoreParameters(readCrls(config.crlFile()))));
            parameters.setRevocationEnabled(true);
            factory.init(new CertPathTrustManagerParameters(parameters));
            return factory;
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new TlsMaterialException("cannot set up client certificate checks: " + rootMessage(ex), ex);
        }
    }

    private static Collection<X509CRL> readCrls(final String file)
    {
        final Path path = readable(file);
        try (InputStream in = Files.newInputStream(path))
        {
            final List<X509CRL> crls = new ArrayList<>();
            for (final CRL crl : CertificateFactory.getInstance("X.509").generateCRLs(in))
            {
                crls.add((X509CRL)crl);
            }
            if (crls.isEmpty())
            {
                throw new TlsMaterialException("crl-file " + path + " holds no CRL", null);
            }
            return crls;
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new TlsMaterialException("cannot read crl-file " + path + ": " + rootMessage(ex), ex);
        }
    }

    private static Path readable(final String file)
    {
        final Path path = Path.of(file);
        if (!Files.isReadable(path))
        {
            throw new TlsMaterialException("cannot read " + path + ": no such file or not readable", null);
        }
        return path;
    }

    private static String rootMessage(final Throwable ex)
    {
        Throwable cause = ex;
        while (null != cause.getCause() && cause.getCause() != cause)
        {
            cause = cause.getCause();
        }
        return cause == ex ? String.valueOf(ex.getMessage()) : ex.getMessage() + " (" + cause + ")";
    }
}
