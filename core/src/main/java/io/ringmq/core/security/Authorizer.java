package io.ringmq.core.security;

import org.agrona.DirectBuffer;

/**
 * Decides what an authenticated client may publish and subscribe to. Called on the Router thread for every
 * PUBLISH, so {@link #canPublish} must not allocate or block.
 */
public interface Authorizer
{
    /** Allows everything. */
    Authorizer ALLOW_ALL = new Authorizer()
    {
        @Override
        public boolean canPublish(final String clientId, final String username, final DirectBuffer topic,
            final int offset, final int length)
        {
            return true;
        }

        @Override
        public boolean canSubscribe(final String clientId, final String username, final String filter)
        {
            return true;
        }
    };

    /**
     * @param clientId client identifier.
     * @param username user name from CONNECT, or null.
     * @param topic    buffer holding the topic name (UTF-8).
     * @param offset   topic offset.
     * @param length   topic length in bytes.
     * @return true if the client may publish to the topic.
     */
    boolean canPublish(String clientId, String username, DirectBuffer topic, int offset, int length);

    /**
     * @param clientId client identifier.
     * @param username user name from CONNECT, or null.
     * @param filter   topic filter, possibly a shared subscription.
     * @return true if the client may subscribe.
     */
    boolean canSubscribe(String clientId, String username, String filter);
}
