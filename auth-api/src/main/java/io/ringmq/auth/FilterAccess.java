package io.ringmq.auth;

/** What a client may receive through a subscription filter: decided at SUBSCRIBE. */
public enum FilterAccess
{
    /** Every topic the filter matches is readable: no check per delivery. */
    ALL,
    /**
     * Some topics it matches are readable, some not (a wildcard over a denied subtree): the subscription is granted
     * and each delivery through it is checked with {@link TopicPermissions#read}.
     */
    SOME,
    /** Nothing it matches is readable: SUBACK 0x87 (MQTT 5) or 0x80 (3.1.1). */
    NONE,
    /** No opinion: the next authorizer decides. */
    IGNORE
}
