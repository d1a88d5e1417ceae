package io.ringmq.core.admin;

/**
 * A connected client as the admin API lists it.
 *
 * @param clientId         the client identifier.
 * @param username         the username the client authenticated as, or null.
 * @param address          the client's address ({@code host:port}), or null when the transport recorded none.
 * @param listener         the listener it came in on, or null.
 * @param protocolVersion  3 (MQTT 3.1), 4 (3.1.1) or 5.
 * @param keepAliveSeconds keep-alive in force (the client's, or the broker's override), 0 for none.
 * @param connectedAtMs    wall-clock time of the accepted CONNECT, epoch milliseconds.
 * @param inflight         QoS 1/2 deliveries sent and not yet acknowledged.
 * @param queued           deliveries waiting in the session's queue.
 * @param queuedBytes      bytes of those deliveries.
 * @param subscriptions    subscriptions of its session.
 * @param drops            deliveries the session lost, by reason.
 */
public record ClientSummary(String clientId, String username, String address, String listener, int protocolVersion,
    int keepAliveSeconds, long connectedAtMs, int inflight, int queued, long queuedBytes, int subscriptions,
    Drops drops)
{
}
