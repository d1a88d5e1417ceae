package io.ringmq.transport.config;

import java.util.List;
import java.util.Locale;

/**
 * TLS settings of one listener: where the certificate and key come from (PEM files, or a PKCS#12/JKS keystore), how
 * client certificates are checked, which protocols, cipher suites and ALPN names are offered, and which provider
 * does the work. The files are read when the listener starts and again whenever they change
 * ({@link io.ringmq.transport.tls.TlsContextHolder}); these settings themselves never change while the broker runs.
 * <p>
 * <b>Threading:</b> as {@link ListenerConfig}.
 */
public final class TlsConfig
{
    /** TLS versions offered unless configured: 1.0 and 1.1 are refused. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** How often the certificate, key, CA and CRL files are checked for a change, unless configured. */
    public static final int DEFAULT_WATCH_INTERVAL_MS = 1000;

    /** Whether a client must present a certificate. */
    public enum ClientAuth
    {
        /** No client certificate is asked for. */
        NONE,
        /** A certificate is asked for and checked when given; clients without one are accepted. */
        OPTIONAL,
        /** A valid client certificate is required for the handshake to succeed. */
        REQUIRE;

        /**
         * @param value {@code none}, {@code optional} or {@code require}/{@code required}.
         * @return the mode.
         */
        public static ClientAuth parse(final String value)
        {
            return switch (value.trim().toLowerCase(Locale.ROOT))
            {
                case "none", "false", "off" -> NONE;
                case "optional", "want" -> OPTIONAL;
                case "require", "required", "true", "need" -> REQUIRE;
                default -> throw new IllegalArgumentException("client-auth must be none, optional or require: " +
                    value);
            };
        }

        @Override
        public String toString()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Which TLS implementation does the handshakes and the cipher. */
    public enum Provider
    {
        /** OpenSSL (BoringSSL, netty-tcnative) when it loads on this machine, else the JDK. */
        AUTO,
        /** OpenSSL only: the listener fails to start when it is not available. */
        OPENSSL,
        /** The JDK's own provider. */
        JDK;

        /**
         * @param value {@code auto}, {@code openssl} or {@code jdk}.
         * @return the provider.
         */
        public static Provider parse(final String value)
        {
            try
            {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("tls provider must be auto, openssl or jdk: " + value, ex);
            }
        }

        @Override
        public String toString()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private String certFile;
    private String keyFile;
    private String keyPassword;
    private String keystore;
    private String keystorePassword;
    private String keystoreType;
    private String caFile;
    private String crlFile;
    private ClientAuth clientAuth;
    private List<String> protocols = DEFAULT_PROTOCOLS;
    private List<String> ciphers = List.of();
    private List<String> alpn = List.of();
    private boolean useIdentityAsUsername;
    private boolean useSubjectAsUsername;
    private Provider provider = Provider.AUTO;
    private int watchIntervalMs = DEFAULT_WATCH_INTERVAL_MS;

    /**
     * Check the settings together.
     *
     * @return this.
     * @throws IllegalArgumentException naming what is missing or contradictory.
     */
    public TlsConfig conclude()
    {
        final boolean pem = null != certFile || null != keyFile;
        if (pem && null != keystore)
        {
            throw new IllegalArgumentException("give either cert-file and key-file or keystore, not both");
        }
        if (pem && (null == certFile || null == keyFile))
        {
            throw new IllegalArgumentException("cert-file and key-file go together");
        }
        if (!pem && null == keystore)
        {
            throw new IllegalArgumentException("tls needs cert-file and key-file, or keystore");
        }
        if (null == clientAuth)
        {
            clientAuth = null == caFile ? ClientAuth.NONE : ClientAuth.OPTIONAL;
        }
        if (clientAuth != ClientAuth.NONE && null == caFile)
        {
            throw new IllegalArgumentException("client-auth " + clientAuth + " needs ca-file (the CAs that sign " +
                "client certificates)");
        }
        if ((useIdentityAsUsername || useSubjectAsUsername) && clientAuth == ClientAuth.NONE)
        {
            throw new IllegalArgumentException("use-identity-as-username and use-subject-as-username need client " +
                "certificates (ca-file and client-auth optional or require)");
        }
        if (useIdentityAsUsername && useSubjectAsUsername)
        {
            throw new IllegalArgumentException("use-identity-as-username and use-subject-as-username exclude each " +
                "other");
        }
        if (null != crlFile && null == caFile)
        {
            throw new IllegalArgumentException("crl-file needs ca-file");
        }
        for (final String protocol : protocols)
        {
            if (!protocol.equals("TLSv1.2") && !protocol.equals("TLSv1.3"))
            {
                throw new IllegalArgumentException("tls protocols may be TLSv1.2 and TLSv1.3: " + protocol);
            }
        }
        if (protocols.isEmpty())
        {
            throw new IllegalArgumentException("tls protocols must not be empty");
        }
        return this;
    }

    /** @return PEM certificate chain file, or null with a keystore. */
    public String certFile()
    {
        return certFile;
    }

    /**
     * @param file PEM certificate chain, leaf first.
     * @return this.
     */
    public TlsConfig certFile(final String file)
    {
        this.certFile = file;
        return this;
    }

    /** @return PEM private key file (PKCS#8, encrypted or not, or PKCS#1), or null with a keystore. */
    public String keyFile()
    {
        return keyFile;
    }

    /**
     * @param file PEM private key.
     * @return this.
     */
    public TlsConfig keyFile(final String file)
    {
        this.keyFile = file;
        return this;
    }

    /** @return password of an encrypted key (PEM or keystore entry), or null. */
    public String keyPassword()
    {
        return keyPassword;
    }

    /**
     * @param password password of an encrypted key.
     * @return this.
     */
    public TlsConfig keyPassword(final String password)
    {
        this.keyPassword = password;
        return this;
    }

    /** @return PKCS#12 or JKS keystore holding the key and its chain, or null with PEM files. */
    public String keystore()
    {
        return keystore;
    }

    /**
     * @param file keystore file.
     * @return this.
     */
    public TlsConfig keystore(final String file)
    {
        this.keystore = file;
        return this;
    }

    /** @return keystore password, or null. */
    public String keystorePassword()
    {
        return keystorePassword;
    }

    /**
     * @param password keystore password.
     * @return this.
     */
    public TlsConfig keystorePassword(final String password)
    {
        this.keystorePassword = password;
        return this;
    }

    /** @return {@code PKCS12} or {@code JKS}; null to tell from the file name (.jks is JKS, else PKCS12). */
    public String keystoreType()
    {
        return keystoreType;
    }

    /**
     * @param type {@code PKCS12} or {@code JKS}.
     * @return this.
     */
    public TlsConfig keystoreType(final String type)
    {
        final String upper = type.trim().toUpperCase(Locale.ROOT);
        if (!upper.equals("PKCS12") && !upper.equals("JKS"))
        {
            throw new IllegalArgumentException("keystore-type must be PKCS12 or JKS: " + type);
        }
        this.keystoreType = upper;
        return this;
    }

    /** @return PEM bundle of the CAs that sign client certificates, or null. */
    public String caFile()
    {
        return caFile;
    }

    /**
     * @param file PEM CA bundle for client certificates.
     * @return this.
     */
    public TlsConfig caFile(final String file)
    {
        this.caFile = file;
        return this;
    }

    /** @return PEM or DER file of certificate revocation lists, or null. */
    public String crlFile()
    {
        return crlFile;
    }

    /**
     * @param file CRL file (PEM or DER, one or more lists).
     * @return this.
     */
    public TlsConfig crlFile(final String file)
    {
        this.crlFile = file;
        return this;
    }

    /** @return whether a client certificate is asked for; known after {@link #conclude()}. */
    public ClientAuth clientAuth()
    {
        return clientAuth;
    }

    /**
     * @param mode client certificate mode.
     * @return this.
     */
    public TlsConfig clientAuth(final ClientAuth mode)
    {
        this.clientAuth = mode;
        return this;
    }

    /** @return TLS versions offered. */
    public List<String> protocols()
    {
        return protocols;
    }

    /**
     * @param protocols TLS versions, from TLSv1.2 and TLSv1.3.
     * @return this.
     */
    public TlsConfig protocols(final List<String> protocols)
    {
        this.protocols = List.copyOf(protocols);
        return this;
    }

    /** @return cipher suites offered, empty for the provider's defaults. */
    public List<String> ciphers()
    {
        return ciphers;
    }

    /**
     * @param ciphers cipher suites, IANA or OpenSSL names as the provider takes them.
     * @return this.
     */
    public TlsConfig ciphers(final List<String> ciphers)
    {
        this.ciphers = List.copyOf(ciphers);
        return this;
    }

    /** @return ALPN protocol names offered, empty for no ALPN. */
    public List<String> alpn()
    {
        return alpn;
    }

    /**
     * @param alpn ALPN names, e.g. {@code mqtt}.
     * @return this.
     */
    public TlsConfig alpn(final List<String> alpn)
    {
        this.alpn = List.copyOf(alpn);
        return this;
    }

    /** @return whether the client certificate's CN becomes the MQTT username (Mosquitto's use_identity_as_username). */
    public boolean useIdentityAsUsername()
    {
        return useIdentityAsUsername;
    }

    /**
     * @param value the certificate's CN becomes the username.
     * @return this.
     */
    public TlsConfig useIdentityAsUsername(final boolean value)
    {
        this.useIdentityAsUsername = value;
        return this;
    }

    /** @return whether the certificate's whole subject DN becomes the username (use_subject_as_username). */
    public boolean useSubjectAsUsername()
    {
        return useSubjectAsUsername;
    }

    /**
     * @param value the certificate's subject (RFC 2253) becomes the username.
     * @return this.
     */
    public TlsConfig useSubjectAsUsername(final boolean value)
    {
        this.useSubjectAsUsername = value;
        return this;
    }

    /** @return which TLS implementation is used. */
    public Provider provider()
    {
        return provider;
    }

    /**
     * @param provider TLS implementation.
     * @return this.
     */
    public TlsConfig provider(final Provider provider)
    {
        this.provider = provider;
        return this;
    }

    /** @return ms between checks of the files for a change; 0 reloads on SIGHUP only. */
    public int watchIntervalMs()
    {
        return watchIntervalMs;
    }

    /**
     * @param ms ms between checks of the files, 0 for SIGHUP only.
     * @return this.
     */
    public TlsConfig watchIntervalMs(final int ms)
    {
        if (ms < 0)
        {
            throw new IllegalArgumentException("watch-interval must not be negative: " + ms);
        }
        this.watchIntervalMs = ms;
        return this;
    }

    /** @return the files whose change reloads the TLS material. */
    public List<String> watchedFiles()
    {
        final java.util.ArrayList<String> files = new java.util.ArrayList<>(5);
        for (final String file : new String[] {certFile, keyFile, keystore, caFile, crlFile})
        {
            if (null != file)
            {
                files.add(file);
            }
        }
        return files;
    }
}
