package io.ringmq.transport.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One immutable generation of verification keys, read from the PEM and JWKS files of a {@link JwtConfig}, with the
 * files' stamps (modification time, size, file key) so that a reload can tell whether anything changed.
 * <p>
 * <b>Threading:</b> immutable once built; the verifiers create their JCA objects per call and are safe to share.
 */
final class JwtKeys
{
    /** Smallest RSA modulus accepted, in bits (RFC 7518 section 3.3). */
    static final int MIN_RSA_BITS = 2048;

    private static final Pattern PEM = Pattern.compile(
        "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final long MAX_FILE_BYTES = 1 << 20;

    /**
     * One key: a PEM key has no id and matches any {@code kid}; a JWKS key matches only its own.
     *
     * @param keyId     the JWKS {@code kid}, or null for a PEM key (or a JWKS key without one).
     * @param fromJwks  true for a JWKS key.
     * @param algorithm RS256 or ES256.
     * @param verifier  checks a signature with the key.
     */
    record VerificationKey(String keyId, boolean fromJwks, JWSAlgorithm algorithm, JWSVerifier verifier)
    {
        boolean matches(final JWSAlgorithm alg, final String kid)
        {
            return algorithm.equals(alg) && (null == kid || !fromJwks || kid.equals(keyId));
        }
    }

    private final List<VerificationKey> keys;
    private final List<Object> stamp;

    private JwtKeys(final List<VerificationKey> keys, final List<Object> stamp)
    {
        this.keys = List.copyOf(keys);
        this.stamp = List.copyOf(stamp);
    }

    /**
     * @param config where the keys are.
     * @return the keys read now.
     * @throws IOException naming the file and what is wrong with it.
     */
    static JwtKeys load(final JwtConfig config) throws IOException
    {
        // Stamp before reading: a file replaced while it is read shows as changed at the next reload.
        final List<Object> stamp = stamp(config);
        final List<VerificationKey> keys = new ArrayList<>();
        for (final Path file : config.publicKeyFiles())
        {
            readPem(file, keys);
        }
        if (null != config.jwksFile())
        {
            readJwks(config.jwksFile(), keys);
        }
        return new JwtKeys(keys, stamp);
    }

    static List<Object> stamp(final JwtConfig config)
    {
        final List<Object> now = new ArrayList<>();
        for (final Path file : config.keyFiles())
        {
            try
            {
                final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                now.add(attributes.lastModifiedTime());
                now.add(attributes.size());
                now.add(Objects.toString(attributes.fileKey()));
            }
            catch (final IOException ex)
            {
                now.add("missing");
            }
        }
        return now;
    }

    List<Object> stamp()
    {
        return stamp;
    }

    int size()
    {
        return keys.size();
    }

    /**
     * @param algorithm the token's algorithm.
     * @param keyId     the token's {@code kid}, or null.
     * @return the keys to try, possibly none.
     */
    List<VerificationKey> select(final JWSAlgorithm algorithm, final String keyId)
    {
        final List<VerificationKey> selected = new ArrayList<>(2);
        for (final VerificationKey key : keys)
        {
            if (key.matches(algorithm, keyId))
            {
                selected.add(key);
            }
        }
        return selected;
    }

    private static String read(final Path file) throws IOException
    {
        try
        {
            if (Files.size(file) > MAX_FILE_BYTES)
            {
                throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IOException("jwt: key file " + file + " cannot be read: " + ex, ex);
        }
    }

    private static void readPem(final Path file, final List<VerificationKey> keys) throws IOException
    {
        final Matcher matcher = PEM.matcher(read(file));
        int found = 0;
        while (matcher.find())
        {
            final String type = matcher.group(1);
            final byte[] der;
            try
            {
                der = Base64.getMimeDecoder().decode(matcher.group(2));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IOException("jwt: key file " + file + ": bad base64 in " + type, ex);
            }
            final PublicKey key = switch (type)
            {
                case "PUBLIC KEY" -> publicKey(file, der);
                case "CERTIFICATE" -> certificateKey(file, der);
                default -> throw new IOException("jwt: key file " + file + ": unsupported PEM block " + type +
                    " (expected PUBLIC KEY or CERTIFICATE)");
            };
            keys.add(verificationKey(file, null, false, key));
            found++;
        }
        if (0 == found)
        {
            throw new IOException("jwt: key file " + file + " holds no PEM PUBLIC KEY or CERTIFICATE");
        }
    }

    private static PublicKey publicKey(final Path file, final byte[] der) throws IOException
    {
        for (final String algorithm : new String[]{"RSA", "EC"})
        {
            try
            {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            }
            catch (final GeneralSecurityException ex)
            {
                // not this type: try the next
            }
        }
        throw new IOException("jwt: key file " + file + ": PUBLIC KEY is neither RSA nor EC");
    }

    private static PublicKey certificateKey(final Path file, final byte[] der) throws IOException
    {
        try
        {
            // The certificate is only a wrapper for a key trusted explicitly: its dates and issuer are not checked.
            return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der))
                .getPublicKey();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("jwt: key file " + file + ": bad CERTIFICATE: " + ex.getMessage(), ex);
        }
    }

    private static VerificationKey verificationKey(final Path file, final String keyId, final boolean fromJwks,
        final PublicKey key) throws IOException
    {
        try
        {
            if (key instanceof RSAPublicKey rsa)
            {
                if (rsa.getModulus().bitLength() < MIN_RSA_BITS)
                {
                    throw new IOException("jwt: key file " + file + ": RSA key of " + rsa.getModulus().bitLength() +
                        " bits, at least " + MIN_RSA_BITS + " required");
                }
                return new VerificationKey(keyId, fromJwks, JWSAlgorithm.RS256, new RSASSAVerifier(rsa));
            }
            if (key instanceof ECPublicKey ec)
            {
                if (!Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams())))
                {
                    throw new IOException("jwt: key file " + file + ": EC key not on P-256 (only ES256 is allowed)");
                }
                return new VerificationKey(keyId, fromJwks, JWSAlgorithm.ES256, new ECDSAVerifier(ec));
            }
        }
        catch (final JOSEException ex)
        {
            throw new IOException("jwt: key file " + file + ": unusable key: " + ex.getMessage(), ex);
        }
        throw new IOException("jwt: key file " + file + ": unsupported key type " + key.getAlgorithm());
    }

    private static void readJwks(final Path file, final List<VerificationKey> keys) throws IOException
    {
        final JWKSet set;
        try
        {
            set = JWKSet.parse(read(file));
        }
        catch (final ParseException ex)
        {
            throw new IOException("jwt: JWKS file " + file + " does not parse: " + ex.getMessage(), ex);
        }
        int used = 0;
        for (final JWK jwk : set.getKeys())
        {
            // An identity provider's set may hold keys for other uses and algorithms: only those we can use count.
            if (KeyUse.ENCRYPTION.equals(jwk.getKeyUse()))
            {
                continue;
            }
            final String alg = null == jwk.getAlgorithm() ? null : jwk.getAlgorithm().getName();
            try
            {
                if (jwk instanceof RSAKey rsa && (null == alg || JWSAlgorithm.RS256.getName().equals(alg)))
                {
                    keys.add(verificationKey(file, jwk.getKeyID(), true, rsa.toRSAPublicKey()));
                    used++;
                }
                else if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()) &&
                    (null == alg || JWSAlgorithm.ES256.getName().equals(alg)))
                {
                    keys.add(verificationKey(file, jwk.getKeyID(), true, ec.toECPublicKey()));
                    used++;
                }
            }
            catch (final JOSEException ex)
            {
                throw new IOException("jwt: JWKS file " + file + ": key " + jwk.getKeyID() + " unusable: " +
                    ex.getMessage(), ex);
            }
        }
        if (0 == used)
        {
            throw new IOException("jwt: JWKS file " + file + " holds no RS256 or ES256 signature key");
        }
    }
}
