package io.ringmq.transport.auth.scram;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * What the server keeps for one user and mechanism (RFC 5802 section 3): salt, iteration count, StoredKey =
 * H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key"). Neither key lets anyone
 * log in as the user without the password, and the password cannot be recovered from them. Immutable; {@link
 * #toString()} shows no key material.
 */
public final class ScramCredential
{
    /** Iteration count written unless told otherwise (the RFC 7677 minimum recommendation). */
    public static final int DEFAULT_ITERATIONS = 4096;
    /** Salt length written. */
    public static final int SALT_LENGTH = 16;
    /** Lowest iteration count accepted (RFC 7677 asks for at least 4096; older files may have less). */
    public static final int MIN_ITERATIONS = 1;
    /** Highest iteration count accepted; more would make each login a denial of service. */
    public static final int MAX_ITERATIONS = 10_000_000;

    private final ScramMechanism mechanism;
    private final int iterations;
    private final byte[] salt;
    private final byte[] storedKey;
    private final byte[] serverKey;

    /**
     * @param mechanism  the mechanism.
     * @param iterations the iteration count.
     * @param salt       the salt, not empty.
     * @param storedKey  StoredKey, the mechanism's hash length.
     * @param serverKey  ServerKey, the mechanism's hash length.
     */
    public ScramCredential(final ScramMechanism mechanism, final int iterations, final byte[] salt,
        final byte[] storedKey, final byte[] serverKey)
    {
        this.mechanism = Objects.requireNonNull(mechanism, "mechanism");
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS)
        {
            throw new IllegalArgumentException("iteration count must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS +
                ": " + iterations);
        }
        if (0 == salt.length)
        {
            throw new IllegalArgumentException("salt is empty");
        }
        if (storedKey.length != mechanism.hashLength() || serverKey.length != mechanism.hashLength())
        {
            throw new IllegalArgumentException(mechanism.mechanismName() + " keys must be " +
                mechanism.hashLength() + " bytes");
        }
        this.iterations = iterations;
        this.salt = salt.clone();
        this.storedKey = storedKey.clone();
        this.serverKey = serverKey.clone();
    }

    /**
     * @param mechanism  the mechanism.
     * @param password   the password (SASLprep is applied here).
     * @param iterations the iteration count.
     * @param random     source of the salt.
     * @return a credential for the password with a fresh salt.
     */
    public static ScramCredential derive(final ScramMechanism mechanism, final String password, final int iterations,
        final SecureRandom random)
    {
        final byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        return derive(mechanism, password, salt, iterations);
    }

    /**
     * @param mechanism  the mechanism.
     * @param password   the password (SASLprep is applied here).
     * @param salt       the salt.
     * @param iterations the iteration count.
     * @return the credential.
     */
    public static ScramCredential derive(final ScramMechanism mechanism, final String password, final byte[] salt,
        final int iterations)
    {
        final byte[] normalized = SaslPrep.prepare(password).getBytes(StandardCharsets.UTF_8);
        final byte[] salted = mechanism.saltedPassword(normalized, salt, iterations);
        final byte[] clientKey = mechanism.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        final byte[] serverKey = mechanism.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
        return new ScramCredential(mechanism, iterations, salt, mechanism.hash(clientKey), serverKey);
    }

    /** @return the mechanism. */
    public ScramMechanism mechanism()
    {
        return mechanism;
    }

    /** @return the iteration count. */
    public int iterations()
    {
        return iterations;
    }

    /** @return a copy of the salt. */
    public byte[] salt()
    {
        return salt.clone();
    }

    /** @return a copy of StoredKey. */
    public byte[] storedKey()
    {
        return storedKey.clone();
    }

    /** @return a copy of ServerKey. */
    public byte[] serverKey()
    {
        return serverKey.clone();
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof ScramCredential))
        {
            return false;
        }
        final ScramCredential that = (ScramCredential)o;
        return mechanism == that.mechanism && iterations == that.iterations && Arrays.equals(salt, that.salt) &&
            Arrays.equals(storedKey, that.storedKey) && Arrays.equals(serverKey, that.serverKey);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(mechanism, iterations, Arrays.hashCode(salt));
    }

    /** Never shows key material. */
    @Override
    public String toString()
    {
        return "ScramCredential{" + mechanism.mechanismName() + ", iterations=" + iterations + "}";
    }
}
