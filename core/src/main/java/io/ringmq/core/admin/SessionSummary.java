package io.ringmq.core.admin;

/**
 * A session, connected or not, as the admin API lists it.
 *
 * @param clientId              the client identifier.
 * @param connected             whether a connection is attached.
 * @param persistent            whether the session is kept in the journal (survives a restart).
 * @param expiryIntervalSeconds session expiry interval granted ({@code 4294967295} = never).
 * @param expiresInSeconds      seconds until an offline session expires, or -1 (connected, or never).
 * @param subscriptions         subscriptions.
 * @param inflight              QoS 1/2 deliveries sent and not yet acknowledged.
 * @param queued                deliveries waiting in the queue.
 * @param queuedBytes           bytes of those deliveries.
 * @param drops                 deliveries lost, by reason.
 */
public record SessionSummary(String clientId, boolean connected, boolean persistent, long expiryIntervalSeconds,
    long expiresInSeconds, int subscriptions, int inflight, int queued, long queuedBytes, Drops drops)
{
}
