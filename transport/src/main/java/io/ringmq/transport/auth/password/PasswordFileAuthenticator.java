package io.ringmq.transport.auth.password;

import io.ringmq.auth.AuthResult;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.ClientInfo;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Checks CONNECT user names and passwords against a Mosquitto password file ({@link MosquittoPasswords}), so an
 * existing Mosquitto {@code password_file} works unchanged.
 * <ul>
 *     <li>known user, right password: {@link AuthResult#allow()};</li>
 *     <li>known user, wrong or no password: {@link AuthResult#deny} with
 *     {@link AuthResult#BAD_USER_NAME_OR_PASSWORD};</li>
 *     <li>unknown user or anonymous client: {@link AuthResult#ignore()}, so the rest of the chain and
 *     {@code allow_anonymous} decide (an unknown user's password is still hashed, so the answer takes as long).</li>
 * </ul>
 * Thread-safe: the entries are an immutable snapshot swapped in by {@link #reload()}.
 */
public final class PasswordFileAuthenticator implements Authenticator
{
    /** The name in logs and the {@code auth.chain} setting. */
    public static final String NAME = "password-file";

    private static final byte[] NO_PASSWORD = new byte[0];

    private final Path file;
    private volatile MosquittoPasswords passwords;
    private FileStamp stamp;

    /**
     * Reads the file once; a missing or malformed file fails the start.
     *
     * @param file the password file.
     * @throws CredentialFileException if it cannot be read or parsed.
     */
    public PasswordFileAuthenticator(final Path file) throws CredentialFileException
    {
        this.file = Objects.requireNonNull(file, "file");
        synchronized (this)
        {
            this.stamp = stamp(file);
            this.passwords = MosquittoPasswords.read(file);
        }
    }

    private static FileStamp stamp(final Path file) throws CredentialFileException
    {
        try
        {
            return FileStamp.of(file);
        }
        catch (final java.io.IOException ex)
        {
            throw new CredentialFileException("cannot read " + file + ": " + ex, ex);
        }
    }

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public AuthResult authenticate(final ClientInfo client)
    {
        final String user = client.username();
        if (null == user)
        {
            return AuthResult.ignore();
        }
        final byte[] password = client.password();
        // Hashed even without a password, so the time taken does not tell a known user from an unknown one.
        final MosquittoPasswords.Verification verification =
            passwords.verify(user, null == password ? NO_PASSWORD : password);
        if (MosquittoPasswords.Verification.UNKNOWN_USER == verification)
        {
            return AuthResult.ignore();
        }
        if (null == password)
        {
            return AuthResult.deny(AuthResult.BAD_USER_NAME_OR_PASSWORD, "no password for user " + user);
        }
        return MosquittoPasswords.Verification.MATCH == verification ? AuthResult.allow() :
            AuthResult.deny(AuthResult.BAD_USER_NAME_OR_PASSWORD, "wrong password for user " + user);
    }

    /**
     * Re-reads the file if its modified time, size or inode changed. A file that fails to parse leaves the old
     * entries in force and throws with the reason (and is tried again on the next reload).
     *
     * @return true if the entries changed.
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
        final MosquittoPasswords fresh = MosquittoPasswords.read(file);
        final boolean changed = !fresh.entries().equals(passwords.entries());
        passwords = fresh;
        stamp = now;
        return changed;
    }

    /** @return the entries in force now. */
    public MosquittoPasswords passwords()
    {
        return passwords;
    }

    @Override
    public String toString()
    {
        return NAME + "(" + file + ")";
    }
}
