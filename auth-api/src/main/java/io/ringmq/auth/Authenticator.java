package io.ringmq.auth;

/**
 * Decides whether a client may connect, from its CONNECT credentials and transport identity: a password file, a
 * JWT, an HTTP service, a plugin.
 * <p>
 * Called on the broker's authentication pool, never on the routing thread or an event loop, so it may block (hash a
 * password, call a service); it should still answer well within the listener's handshake timeout. It is called
 * concurrently for different clients: implementations must be thread-safe.
 */
public interface Authenticator
{
    /** @return a short name for logs and the {@code auth.chain} setting (e.g. {@code password-file}). */
    String name();

    /**
     * @param client the client asking to connect (or re-authenticate).
     * @return {@link AuthResult#allow()} (optionally with an ACL and expiry), {@link AuthResult#deny}, or
     * {@link AuthResult#ignore()} to let the next source decide.
     * @throws Exception on a failure to decide; the broker treats it as {@link AuthResult#SERVER_UNAVAILABLE} (fail
     *                   closed) and logs it.
     */
    AuthResult authenticate(ClientInfo client) throws Exception;

    /**
     * Re-read the source's files (SIGHUP, file watch). A file that fails to parse must leave the old rules in place
     * and throw, so the broker logs it. By default, nothing to reload.
     *
     * @return true if something changed.
     * @throws Exception if the new files were refused.
     */
    default boolean reload() throws Exception
    {
        return false;
    }

    /** Release what the source holds (threads, connections); called once when the broker stops. */
    default void close()
    {
    }
}
