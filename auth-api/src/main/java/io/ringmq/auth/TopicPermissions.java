package io.ringmq.auth;

import org.agrona.DirectBuffer;

/**
 * One client's compiled access rules, made once at authentication ({@link Authorizer#permissions}) and consulted on
 * the routing thread: for every PUBLISH the client sends, every SUBSCRIBE, and every delivery through a subscription
 * whose filter was {@link FilterAccess#SOME}. {@link #publish} and {@link #read} must not allocate, block or lock,
 * and should cost O(topic levels). An implementation that reloads its rules makes the new rules visible here at the
 * client's next operation (a volatile read of the current rules, recompiling on change is allowed to allocate).
 */
public interface TopicPermissions
{
    /** Allows everything (no authorizer configured). */
    TopicPermissions ALLOW_ALL = new TopicPermissions()
    {
        @Override
        public Decision publish(final DirectBuffer topic, final int offset, final int length)
        {
            return Decision.ALLOW;
        }

        @Override
        public Decision read(final DirectBuffer topic, final int offset, final int length)
        {
            return Decision.ALLOW;
        }

        @Override
        public FilterAccess subscribe(final String filter)
        {
            return FilterAccess.ALL;
        }
    };

    /** Has no opinion on anything (an authorizer with no rules for this client). */
    TopicPermissions ABSTAIN = new TopicPermissions()
    {
        @Override
        public Decision publish(final DirectBuffer topic, final int offset, final int length)
        {
            return Decision.IGNORE;
        }

        @Override
        public Decision read(final DirectBuffer topic, final int offset, final int length)
        {
            return Decision.IGNORE;
        }

        @Override
        public FilterAccess subscribe(final String filter)
        {
            return FilterAccess.IGNORE;
        }
    };

    /**
     * @param topic  buffer holding the topic name (UTF-8, already validated, no wildcards).
     * @param offset where it starts.
     * @param length its length in bytes.
     * @return whether the client may publish there (also asked for its Will, and for a retained message).
     */
    Decision publish(DirectBuffer topic, int offset, int length);

    /**
     * @param topic  buffer holding the topic name.
     * @param offset where it starts.
     * @param length its length in bytes.
     * @return whether the client may receive a message published there (deliveries and retained messages).
     */
    Decision read(DirectBuffer topic, int offset, int length);

    /**
     * @param filter the subscription's topic filter (for a shared subscription, the filter after the group name).
     * @return what the client may receive through it.
     */
    FilterAccess subscribe(String filter);
}
