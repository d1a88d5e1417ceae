package io.ringmq.core.status;

/**
 * Where a broker thread hands a failure it cannot recover from (an {@link Error} such as
 * {@link OutOfMemoryError} on the routing thread, a failed {@code msync} on the journaller): the broker logs it
 * once, stops and, when run from the command line, exits with a non-zero status, so that clients reconnect to a
 * healthy node instead of waiting on one that can no longer route or make acknowledgements durable.
 * <p>
 * <b>Threading:</b> called on the failing thread; implementations must not block it for long (start the stop on
 * a thread of their own) and must tolerate being called more than once and from several threads.
 */
@FunctionalInterface
public interface FatalErrorHandler
{
    /**
     * @param stage the broker stage that failed (e.g. "router", "journaller").
     * @param cause what it failed with.
     */
    void onFatal(String stage, Throwable cause);
}
