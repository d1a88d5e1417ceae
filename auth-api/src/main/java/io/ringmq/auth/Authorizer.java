package io.ringmq.auth;

/**
 * Access control: what an authenticated client may publish and receive. The broker asks once per connection (and
 * again after a re-authentication) for the client's {@link TopicPermissions}, on the authentication pool; the routing
 * thread then consults those without calling back here.
 */
public interface Authorizer
{
    /** @return a short name for logs and the {@code auth.chain} setting (e.g. {@code acl-file}). */
    String name();

    /**
     * @param client the authenticated client (its user name is the one authentication settled on).
     * @return its compiled permissions, or {@link TopicPermissions#ABSTAIN} if this authorizer has nothing to say.
     * @throws Exception on a failure; the broker refuses the client (fail closed) and logs it.
     */
    TopicPermissions permissions(ClientInfo client) throws Exception;

    /**
     * As {@link Authenticator#reload()}; permissions already handed out follow the new rules.
     *
     * @return true if something changed.
     * @throws Exception if the new files were refused (the old rules stay).
     */
    default boolean reload() throws Exception
    {
        return false;
    }

    /** Release what the authorizer holds; called once when the broker stops. */
    default void close()
    {
    }
}
