package io.ringmq.transport.auth.password;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * One Mosquitto password hash, as {@code mosquitto_passwd} 2.0 writes it after the user name and colon:
 * <pre>
 *   $7$&lt;iterations&gt;$&lt;base64 salt&gt;$&lt;base64 PBKDF2-HMAC-SHA512(password, salt, iterations, 64)&gt;
 *   $6$&lt;base64 salt&gt;$&lt;base64 SHA-512(password || salt)&gt;      (Mosquitto 1.6 and earlier)
 * </pre>
 * Immutable. {@link #toString()} never shows the salt or hash.
 */
public final class PasswordHash
{
    /** Iterations {@code mosquitto_passwd} uses for {@code $7$} unless told otherwise. */
    public static final int DEFAULT_ITERATIONS = 101;
    /** Salt length {@code mosquitto_passwd} uses. */
    public static final int SALT_LENGTH = 12;
    /** Length of a SHA-512 output, the only hash length either scheme has. */
    public static final int HASH_LENGTH = 64;
    /** A larger count would make every CONNECT for that user a denial of service; no real file has one. */
    public static final int MAX_ITERATIONS = 10_000_000;

    private static final String MAC = "HmacSHA512";

    /** The two schemes Mosquitto 2.0 reads. */
    public enum Scheme
    {
        /** {@code $6$}: one round of SHA-512 over password then salt. */
        SHA512,
        /** {@code $7$}: PBKDF2 with HMAC-SHA512. */
        PBKDF2_SHA512
    }

    private final Scheme scheme;
    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(final Scheme scheme, final int iterations, final byte[] salt, final byte[] hash)
    {
        this.scheme = scheme;
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /**
     * @param password   the password bytes.
     * @param iterations PBKDF2 iterations, 1 to {@link #MAX_ITERATIONS}.
     * @param random     source of the salt.
     * @return a new {@code $7$} hash with a fresh 12-byte salt.
     */
    public static PasswordHash pbkdf2(final byte[] password, final int iterations, final SecureRandom random)
    {
        checkIterations(iterations);
        final byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        return new PasswordHash(Scheme.PBKDF2_SHA512, iterations, salt, compute(Scheme.PBKDF2_SHA512, iterations,
            salt, password));
    }

    /**
     * @param iterations PBKDF2 iterations.
     * @param random     source of the salt and hash.
     * @return a {@code $7$} entry no password is known to match, for spending an unknown user's hashing cost;
     * random instead of derived, so making one costs nothing.
     */
    static PasswordHash dummy(final int iterations, final SecureRandom random)
    {
        checkIterations(iterations);
        final byte[] salt = new byte[SALT_LENGTH];
        final byte[] hash = new byte[HASH_LENGTH];
        random.nextBytes(salt);
        random.nextBytes(hash);
        return new PasswordHash(Scheme.PBKDF2_SHA512, iterations, salt, hash);
    }

    /**
     * @param password the password bytes.
     * @param random   source of the salt.
     * @return a new {@code $6$} hash (only for files shared with Mosquitto 1.6 and earlier).
     */
    public static PasswordHash sha512(final byte[] password, final SecureRandom random)
    {
        final byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        return new PasswordHash(Scheme.SHA512, 1, salt, compute(Scheme.SHA512, 1, salt, password));
    }

    /**
     * @param encoded the part of a password file line after the first colon.
     * @return the hash.
     * @throws IllegalArgumentException naming what is wrong, never quoting the hash.
     */
    public static PasswordHash parse(final String encoded)
    {
        if (!encoded.startsWith("$"))
        {
            throw new IllegalArgumentException("password is not hashed (expected $6$ or $7$; run mosquitto_passwd -U)");
        }
        final String[] parts = encoded.split("\\$", -1);
        if ("6".equals(parts[1]))
        {
            if (parts.length != 4)
            {
                throw new IllegalArgumentException("a $6$ hash has the form $6$salt$hash");
            }
            return new PasswordHash(Scheme.SHA512, 1, decode(parts[2], "salt"), checkHash(decode(parts[3], "hash")));
        }
        if ("7".equals(parts[1]))
        {
            if (parts.length != 5)
            {
                throw new IllegalArgumentException("a $7$ hash has the form $7$iterations$salt$hash");
            }
            final int iterations;
            try
            {
                iterations = Integer.parseInt(parts[2]);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("iteration count is not a number", ex);
            }
            checkIterations(iterations);
            return new PasswordHash(Scheme.PBKDF2_SHA512, iterations, decode(parts[3], "salt"),
                checkHash(decode(parts[4], "hash")));
        }
        throw new IllegalArgumentException("unknown hash type (expected $6$ or $7$)");
    }

    private static void checkIterations(final int iterations)
    {
        if (iterations < 1 || iterations > MAX_ITERATIONS)
        {
            throw new IllegalArgumentException("iteration count must be 1.." + MAX_ITERATIONS + ": " + iterations);
        }
    }

    private static byte[] decode(final String base64, final String what)
    {
        final byte[] bytes;
        try
        {
            bytes = Base64.getDecoder().decode(base64);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(what + " is not valid base64", ex);
        }
        if (0 == bytes.length)
        {
            throw new IllegalArgumentException(what + " is empty");
        }
        return bytes;
    }

    private static byte[] checkHash(final byte[] hash)
    {
        if (hash.length != HASH_LENGTH)
        {
            throw new IllegalArgumentException("hash must be " + HASH_LENGTH + " bytes, not " + hash.length);
        }
        return hash;
    }

    private static byte[] compute(final Scheme scheme, final int iterations, final byte[] salt,
        final byte[] password)
    {
        if (Scheme.PBKDF2_SHA512 == scheme)
        {
            return Pbkdf2.derive(MAC, password, salt, iterations, HASH_LENGTH);
        }
        try
        {
            final MessageDigest digest = MessageDigest.getInstance("SHA-512");
            digest.update(password);
            digest.update(salt);
            return digest.digest();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every Java platform has SHA-512", ex);
        }
    }

    /**
     * Hashes the candidate with this entry's salt and parameters and compares in constant time.
     *
     * @param password the candidate password bytes.
     * @return true if it is the password.
     */
    public boolean matches(final byte[] password)
    {
        return MessageDigest.isEqual(hash, compute(scheme, iterations, salt, password));
    }

    /** @return the text after the user name and colon, as {@code mosquitto_passwd} writes it. */
    public String encode()
    {
        final Base64.Encoder encoder = Base64.getEncoder();
        return Scheme.SHA512 == scheme ?
            "$6$" + encoder.encodeToString(salt) + "$" + encoder.encodeToString(hash) :
            "$7$" + iterations + "$" + encoder.encodeToString(salt) + "$" + encoder.encodeToString(hash);
    }

    /** @return the scheme. */
    public Scheme scheme()
    {
        return scheme;
    }

    /** @return the PBKDF2 iteration count, 1 for {@code $6$}. */
    public int iterations()
    {
        return iterations;
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof PasswordHash))
        {
            return false;
        }
        final PasswordHash that = (PasswordHash)o;
        return scheme == that.scheme && iterations == that.iterations && Arrays.equals(salt, that.salt) &&
            Arrays.equals(hash, that.hash);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(scheme, iterations, Arrays.hashCode(salt));
    }

    /** Never shows the salt or hash. */
    @Override
    public String toString()
    {
        return "PasswordHash{" + scheme + ", iterations=" + iterations + "}";
    }
}
