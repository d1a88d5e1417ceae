package io.ringmq.transport.auth.password;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * PBKDF2 (RFC 8018) over raw password bytes, and HMAC over raw keys. The JDK's {@code PBKDF2WithHmacSHA512} takes a
 * {@code char[]} and encodes it itself, but an MQTT password is binary data and Mosquitto hashes its bytes as they
 * are, so the derivation is done here on bytes. SCRAM's {@code Hi()} is the same function with one block.
 */
public final class Pbkdf2
{
    /** A zero byte: HMAC pads its key with zeros to the block length, so an empty key and this one are the same. */
    private static final byte[] EMPTY_KEY_EQUIVALENT = new byte[1];

    private Pbkdf2()
    {
    }

    /**
     * @param macAlgorithm JCA name of the HMAC, e.g. {@code HmacSHA512}.
     * @param key          the key, possibly empty.
     * @return a new, initialised {@link Mac}.
     */
    public static Mac mac(final String macAlgorithm, final byte[] key)
    {
        try
        {
            final Mac mac = Mac.getInstance(macAlgorithm);
            // SecretKeySpec refuses an empty key, yet an empty MQTT password is legal.
            mac.init(new SecretKeySpec(0 == key.length ? EMPTY_KEY_EQUIVALENT : key, macAlgorithm));
            return mac;
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every Java platform has " + macAlgorithm, ex);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HMAC refused its key", ex);
        }
    }

    /**
     * @param macAlgorithm    JCA name of the HMAC, e.g. {@code HmacSHA512}.
     * @param password        the password bytes.
     * @param salt            the salt.
     * @param iterations      the iteration count, at least 1.
     * @param lengthInBytes   the length of the derived key.
     * @return the derived key.
     */
    public static byte[] derive(final String macAlgorithm, final byte[] password, final byte[] salt,
        final int iterations, final int lengthInBytes)
    {
        if (iterations < 1)
        {
            throw new IllegalArgumentException("iterations must be at least 1: " + iterations);
        }
        final Mac mac = mac(macAlgorithm, password);
        final int blockLength = mac.getMacLength();
        final byte[] out = new byte[lengthInBytes];
        final byte[] u = new byte[blockLength];
        final byte[] t = new byte[blockLength];
        for (int block = 1, offset = 0; offset < lengthInBytes; block++, offset += blockLength)
        {
            mac.update(salt);
            mac.update(new byte[] { (byte)(block >>> 24), (byte)(block >>> 16), (byte)(block >>> 8), (byte)block });
            doFinal(mac, u);
            System.arraycopy(u, 0, t, 0, blockLength);
            for (int i = 1; i < iterations; i++)
            {
                mac.update(u);
                doFinal(mac, u);
                for (int j = 0; j < blockLength; j++)
                {
                    t[j] ^= u[j];
                }
            }
            System.arraycopy(t, 0, out, offset, Math.min(blockLength, lengthInBytes - offset));
        }
        return out;
    }

    private static void doFinal(final Mac mac, final byte[] into)
    {
        try
        {
            mac.doFinal(into, 0);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("the output array is the MAC's length", ex);
        }
    }
}
