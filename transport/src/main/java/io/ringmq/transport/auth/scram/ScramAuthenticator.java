package io.ringmq.transport.auth.scram;

import io.ringmq.auth.AuthExchange;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.EnhancedAuthenticator;
import io.ringmq.transport.auth.password.CredentialFileException;
import io.ringmq.transport.auth.password.FileStamp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * MQTT 5 enhanced authentication with SCRAM (RFC 5802; SCRAM-SHA-256 as RFC 7677, SCRAM-SHA-512 the same way),
 * checked against a {@link ScramCredentials} file. One instance per method; both may read the same file. Channel
 * binding is not offered (no {@code -PLUS} mechanisms): {@code p=} is refused, {@code n} and {@code y} accepted.
 * <p>
 * The exchange: the CONNECT's Authentication Data is the client-first-message; the server answers with an AUTH
 * (0x18) carrying the server-first-message; the client's AUTH carries the client-final-message; the CONNACK carries
 * the server-final-message ({@code v=}) for the client to verify. An unknown user gets a salt derived from the name
 * and a per-process secret, and the file's iteration count, and fails only at the proof, so the exchange does not
 * tell which users exist. When the CONNECT also carries a user name, it must be the SCRAM user name, so the broker's
 * ACLs apply to the identity that was proven.
 * <p>
 * Thread-safe: the credentials are an immutable snapshot swapped in by {@link #reload()}; each exchange has its own
 * state.
 */
public final class ScramAuthenticator implements EnhancedAuthenticator
{
    private static final int NONCE_BYTES = 18;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final ScramMechanism mechanism;
    private final Supplier<String> nonces;
    private final byte[] fakeSaltSecret = new byte[32];
    private volatile Snapshot snapshot;
    private FileStamp stamp;

    /** The credentials in force and the iteration count shown to unknown users. */
    record Snapshot(ScramCredentials credentials, int fakeIterations)
    {
    }

    /**
     * Reads the file once; a missing or malformed file fails the start.
     *
     * @param file      the credentials file.
     * @param mechanism the mechanism this instance handles.
     * @throws CredentialFileException if the file cannot be read or parsed.
     */
    public ScramAuthenticator(final Path file, final ScramMechanism mechanism) throws CredentialFileException
    {
        this(file, mechanism, ScramAuthenticator::randomNonce);
    }

    /** For tests: a fixed server nonce (RFC 7677 test vector). */
    ScramAuthenticator(final Path file, final ScramMechanism mechanism, final Supplier<String> nonces)
        throws CredentialFileException
    {
        this.file = Objects.requireNonNull(file, "file");
        this.mechanism = Objects.requireNonNull(mechanism, "mechanism");
        this.nonces = nonces;
        RANDOM.nextBytes(fakeSaltSecret);
        synchronized (this)
        {
            this.stamp = stamp(file);
            this.snapshot = snapshot(ScramCredentials.read(file));
        }
    }

    private static String randomNonce()
    {
        final byte[] bytes = new byte[NONCE_BYTES];
        RANDOM.nextBytes(bytes);
        // Base64 never contains ',' and is all printable, as the nonce must be.
        return Base64.getEncoder().encodeToString(bytes);
    }

    private Snapshot snapshot(final ScramCredentials credentials)
    {
        int iterations = 0;
        for (final String user : credentials.users())
        {
            final ScramCredential credential = credentials.lookup(user, mechanism);
            if (null != credential)
            {
                iterations = Math.max(iterations, credential.iterations());
            }
        }
        return new Snapshot(credentials, 0 == iterations ? ScramCredential.DEFAULT_ITERATIONS : iterations);
    }

    private static FileStamp stamp(final Path file) throws CredentialFileException
    {
        try
        {
            return FileStamp.of(file);
        }
        catch (final IOException ex)
        {
            throw new CredentialFileException("cannot read " + file + ": " + ex, ex);
        }
    }

    @Override
    public String method()
    {
        return mechanism.mechanismName();
    }

    /** @return the mechanism. */
    public ScramMechanism mechanism()
    {
        return mechanism;
    }

    @Override
    public AuthExchange start(final ClientInfo client)
    {
        return new ScramExchange(this, snapshot, client.username());
    }

    /**
     * Re-reads the file if its modified time, size or inode changed. A file that fails to parse leaves the old
     * credentials in force and throws with the reason. Exchanges already started finish with the credentials they
     * started with.
     *
     * @return true if the credentials changed.
     * @throws CredentialFileException if the file cannot be read or parsed.
     */
    @Override
    public synchronized boolean reload() throws CredentialFileException
    {
        final FileStamp now = stamp(file);
        if (now.equals(stamp))
        {
            return false;
        }
        final ScramCredentials fresh = ScramCredentials.read(file);
        final boolean changed = !fresh.equals(snapshot.credentials());
        snapshot = snapshot(fresh);
        stamp = now;
        return changed;
    }

    String nextNonce()
    {
        return nonces.get();
    }

    /**
     * @param user the user name.
     * @param iterations the iteration count to show.
     * @return a credential no password matches, with a salt that is the same each time for the same name.
     */
    ScramCredential fakeCredential(final String user, final int iterations)
    {
        final byte[] digest = ScramMechanism.SCRAM_SHA_256.hmac(fakeSaltSecret, (mechanism.mechanismName() + ':' +
            user).getBytes(StandardCharsets.UTF_8));
        final byte[] salt = Arrays.copyOf(digest, ScramCredential.SALT_LENGTH);
        // Keys no ClientKey hashes to (in practice): derived from the secret, never sent.
        final byte[] key = mechanism.hmac(fakeSaltSecret, digest);
        return new ScramCredential(mechanism, iterations, salt, key, key);
    }

    @Override
    public String toString()
    {
        return mechanism.mechanismName() + "(" + file + ")";
    }
}
