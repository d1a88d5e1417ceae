package io.ringmq.auth;

/**
 * The version of this API. A plugin built against a higher major version than the broker's is refused at load time
 * with a log line; additions within a version are default methods, so older plugins keep working.
 */
public final class AuthApi
{
    /** Incremented when a change would break a compiled plugin. */
    public static final int VERSION = 1;

    private AuthApi()
    {
    }
}
