package io.ringmq.transport.admin;

/**
 * Whether the broker can take traffic, for {@code GET /health/ready}.
 * <p>
 * <b>Threading:</b> called on the HTTP event loop; implementations read only thread-safe state.
 */
@FunctionalInterface
public interface Readiness
{
    /**
     * @return null when ready, else a short reason (e.g. {@code "recovering"}, {@code "stopping"},
     *         {@code "journal full"}) that the endpoint answers with 503.
     */
    String notReadyReason();
}
