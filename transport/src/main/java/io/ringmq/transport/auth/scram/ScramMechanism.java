package io.ringmq.transport.auth.scram;

import io.ringmq.transport.auth.password.Pbkdf2;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;

/** The SCRAM mechanisms RingMQ offers (RFC 5802 with the hash of RFC 7677 or SHA-512), named as MQTT 5 names them. */
public enum ScramMechanism
{
    /** SCRAM-SHA-256 (RFC 7677). */
    SCRAM_SHA_256("SCRAM-SHA-256", "SHA-256", "HmacSHA256"),
    /** SCRAM-SHA-512 (same construction with SHA-512). */
    SCRAM_SHA_512("SCRAM-SHA-512", "SHA-512", "HmacSHA512");

    private final String mechanismName;
    private final String digestAlgorithm;
    private final String macAlgorithm;

    ScramMechanism(final String mechanismName, final String digestAlgorithm, final String macAlgorithm)
    {
        this.mechanismName = mechanismName;
        this.digestAlgorithm = digestAlgorithm;
        this.macAlgorithm = macAlgorithm;
    }

    /** @return the SASL name, also the MQTT Authentication Method, e.g. {@code SCRAM-SHA-256}. */
    public String mechanismName()
    {
        return mechanismName;
    }

    /**
     * @param name a SASL mechanism name, compared exactly.
     * @return the mechanism, or null if it is not one of these.
     */
    public static ScramMechanism forName(final String name)
    {
        for (final ScramMechanism mechanism : values())
        {
            if (mechanism.mechanismName.equals(name))
            {
                return mechanism;
            }
        }
        return null;
    }

    /** @return the output length of the hash in bytes. */
    public int hashLength()
    {
        return SCRAM_SHA_256 == this ? 32 : 64;
    }

    /**
     * @param key  the HMAC key.
     * @param data the data.
     * @return HMAC(key, data).
     */
    public byte[] hmac(final byte[] key, final byte[] data)
    {
        final Mac mac = Pbkdf2.mac(macAlgorithm, key);
        return mac.doFinal(data);
    }

    /**
     * @param data the data.
     * @return H(data).
     */
    public byte[] hash(final byte[] data)
    {
        try
        {
            return MessageDigest.getInstance(digestAlgorithm).digest(data);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every Java platform has " + digestAlgorithm, ex);
        }
    }

    /**
     * @param normalizedPassword the SASLprep'd password, UTF-8.
     * @param salt               the salt.
     * @param iterations         the iteration count.
     * @return SaltedPassword = Hi(password, salt, i), which is PBKDF2 with one block.
     */
    public byte[] saltedPassword(final byte[] normalizedPassword, final byte[] salt, final int iterations)
    {
        return Pbkdf2.derive(macAlgorithm, normalizedPassword, salt, iterations, hashLength());
    }
}
