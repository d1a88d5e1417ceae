package io.ringmq.auth;

/**
 * MQTT 5 enhanced authentication (the Authentication Method property and the AUTH exchange) for one method, such as
 * {@code SCRAM-SHA-256}. The broker starts an {@link AuthExchange} when a CONNECT (or an AUTH with reason
 * Re-authenticate) names this method, and feeds it the client's authentication data until it finishes. A CONNECT
 * naming a method no enhanced authenticator handles is refused with CONNACK 0x8C.
 * <p>
 * Runs on the authentication pool, like {@link Authenticator}; must be thread-safe across exchanges.
 */
public interface EnhancedAuthenticator
{
    /** @return the Authentication Method this handles, compared exactly (e.g. {@code SCRAM-SHA-256}). */
    String method();

    /**
     * @param client the client (user name and password as the CONNECT carried them, often absent here).
     * @return a new exchange for that client; the broker calls {@link AuthExchange#next} with the CONNECT's
     * Authentication Data first.
     */
    AuthExchange start(ClientInfo client);

    /**
     * As {@link Authenticator#reload()}.
     *
     * @return true if something changed.
     * @throws Exception if the new files were refused.
     */
    default boolean reload() throws Exception
    {
        return false;
    }
}
