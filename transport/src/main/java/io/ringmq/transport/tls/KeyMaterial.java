package io.ringmq.transport.tls;

import io.ringmq.transport.config.TlsConfig;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * A server's private key and certificate chain, read from PEM files (the key as PKCS#8, encrypted or not) or from a
 * PKCS#12/JKS keystore, and checked to belong together (the key signs, the leaf certificate's public key verifies):
 * a rotation that replaced the certificate but not yet the key is refused here rather than failing every handshake.
 *
 * @param key   the private key.
 * @param chain the certificate chain, leaf first.
 */
record KeyMaterial(PrivateKey key, X509Certificate[] chain)
{
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String PBES2 = "PBES2";
    private static final String PBES2_OID = "1.2.840.113549.1.5.13";

    /**
     * @param config TLS settings naming the files.
     * @return the key and chain, checked.
     * @throws TlsMaterialException naming the file and the problem.
     */
    static KeyMaterial read(final TlsConfig config)
    {
        final KeyMaterial material = null != config.certFile() ?
            fromPem(Path.of(config.certFile()), Path.of(config.keyFile()), config.keyPassword()) :
            fromKeystore(config);
        material.checkPair();
        return material;
    }

    /** @return the leaf certificate. */
    X509Certificate leaf()
    {
        return chain[0];
    }

    private static KeyMaterial fromPem(final Path certFile, final Path keyFile, final String password)
    {
        final List<X509Certificate> chain = readCertificates(certFile, "cert-file");
        final String text;
        try
        {
            text = Files.readString(keyFile, StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            throw new TlsMaterialException("cannot read key-file " + keyFile + ": " + why(ex), ex);
        }
        final int begin = text.indexOf(BEGIN);
        final int labelEnd = begin < 0 ? -1 : text.indexOf("-----", begin + BEGIN.length());
        if (labelEnd < 0)
        {
            throw new TlsMaterialException("key-file " + keyFile + " holds no PEM key", null);
        }
        final String label = text.substring(begin + BEGIN.length(), labelEnd);
        final int end = text.indexOf(END + label, labelEnd);
        if (end < 0)
        {
            throw new TlsMaterialException("key-file " + keyFile + ": no END line for " + label, null);
        }
        final byte[] der;
        try
        {
            der = Base64.getMimeDecoder().decode(text.substring(labelEnd + 5, end));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new TlsMaterialException("key-file " + keyFile + ": bad base64: " + ex.getMessage(), ex);
        }
        final PKCS8EncodedKeySpec spec = switch (label)
        {
            case "PRIVATE KEY" -> new PKCS8EncodedKeySpec(der);
            case "ENCRYPTED PRIVATE KEY" -> decrypt(keyFile, der, password);
            default -> throw new TlsMaterialException("key-file " + keyFile + " holds a " + label + "; RingMQ reads " +
                "PKCS#8 keys (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY): convert it with " +
                "'openssl pkcs8 -topk8 -nocrypt -in " + keyFile.getFileName() + "'", null);
        };
        return new KeyMaterial(privateKey(keyFile, spec, chain.get(0)), chain.toArray(new X509Certificate[0]));
    }

    private static PKCS8EncodedKeySpec decrypt(final Path keyFile, final byte[] der, final String password)
    {
        if (null == password)
        {
            throw new TlsMaterialException("key-file " + keyFile + " is encrypted: give key-password", null);
        }
        try
        {
            final EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // OpenSSL encrypts with PBES2 (PBKDF2 and AES) by default; the JDK names no SecretKeyFactory or Cipher
            // "PBES2", but the parameters name the concrete scheme, e.g. PBEWithHmacSHA256AndAES_256.
            final String algorithm = PBES2.equalsIgnoreCase(info.getAlgName()) || PBES2_OID.equals(info.getAlgName()) ?
                info.getAlgParameters().toString() : info.getAlgName();
            final SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
            final Key secret = factory.generateSecret(new PBEKeySpec(password.toCharArray()));
            final Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, secret, info.getAlgParameters());
            return info.getKeySpec(cipher);
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new TlsMaterialException("cannot decrypt key-file " + keyFile + " (wrong key-password?): " +
                ex.getMessage(), ex);
        }
    }

    private static PrivateKey privateKey(final Path keyFile, final PKCS8EncodedKeySpec spec,
        final X509Certificate leaf)
    {
        final String algorithm = leaf.getPublicKey().getAlgorithm();
        try
        {
            return KeyFactory.getInstance(algorithm).generatePrivate(spec);
        }
        catch (final InvalidKeySpecException ex)
        {
            throw new TlsMaterialException("key-file " + keyFile + " is not a " + algorithm + " key, as the " +
                "certificate's is: " + ex.getMessage(), ex);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new TlsMaterialException("key-file " + keyFile + ": " + ex.getMessage(), ex);
        }
    }

    private static KeyMaterial fromKeystore(final TlsConfig config)
    {
        final Path file = Path.of(config.keystore());
        final String type = null != config.keystoreType() ? config.keystoreType() :
            file.toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
        final char[] storePassword = null == config.keystorePassword() ? new char[0] :
            config.keystorePassword().toCharArray();
        final char[] keyPassword = null != config.keyPassword() ? config.keyPassword().toCharArray() : storePassword;
        try (InputStream in = Files.newInputStream(file))
        {
            final KeyStore store = KeyStore.getInstance(type);
            store.load(in, storePassword);
            final Enumeration<String> aliases = store.aliases();
            while (aliases.hasMoreElements())
            {
                final String alias = aliases.nextElement();
                if (store.isKeyEntry(alias))
                {
                    final Key key = store.getKey(alias, keyPassword);
                    final Certificate[] certificates = store.getCertificateChain(alias);
                    if (key instanceof PrivateKey && null != certificates && certificates.length > 0)
                    {
                        final X509Certificate[] chain = new X509Certificate[certificates.length];
                        for (int i = 0; i < chain.length; i++)
                        {
                            chain[i] = (X509Certificate)certificates[i];
                        }
                        return new KeyMaterial((PrivateKey)key, chain);
                    }
                }
            }
            throw new TlsMaterialException("keystore " + file + " holds no private key with a certificate chain",
                null);
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            final boolean io = ex instanceof java.nio.file.FileSystemException;
            throw new TlsMaterialException("cannot read keystore " + file + " (" + type + "): " +
                (io ? why(ex) : "wrong password or not a " + type + " file? " + ex.getMessage()), ex);
        }
    }

    /**
     * @param file PEM file of one or more certificates.
     * @param what the setting's name, for the message.
     * @return the certificates in file order.
     */
    static List<X509Certificate> readCertificates(final Path file, final String what)
    {
        final List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file))
        {
            for (final Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in))
            {
                certificates.add((X509Certificate)certificate);
            }
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new TlsMaterialException("cannot read " + what + " " + file + ": " + why(ex), ex);
        }
        if (certificates.isEmpty())
        {
            throw new TlsMaterialException(what + " " + file + " holds no certificate", null);
        }
        return certificates;
    }

    /** The reason an I/O exception gives, without repeating the file name the JDK puts in some of them. */
    private static String why(final Exception ex)
    {
        if (ex instanceof java.nio.file.NoSuchFileException)
        {
            return "no such file";
        }
        if (ex instanceof java.nio.file.AccessDeniedException)
        {
            return "permission denied";
        }
        return String.valueOf(ex.getMessage());
    }

    private void checkPair()
    {
        final PublicKey publicKey = leaf().getPublicKey();
        final String algorithm = switch (publicKey.getAlgorithm())
        {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (null == algorithm)
        {
            return;  // an unusual key type: the handshake will tell
        }
        try
        {
            final byte[] probe = "ringmq key check".getBytes(StandardCharsets.US_ASCII);
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            if (!verifier.verify(signature))
            {
                throw new TlsMaterialException("the private key does not belong to the certificate " +
                    leaf().getSubjectX500Principal().getName(), null);
            }
        }
        catch (final GeneralSecurityException ex)
        {
            throw new TlsMaterialException("the private key does not fit the certificate " +
                leaf().getSubjectX500Principal().getName() + ": " + ex.getMessage(), ex);
        }
    }
}
