package io.ringmq.core.admin;

/**
 * Deliveries a session lost, by reason: what an operator looks at to find the slow or undersized client.
 *
 * @param qos0      QoS 0 deliveries dropped (offline session, or a full outbound queue).
 * @param queueFull QoS 1/2 deliveries dropped because the session's queue was full.
 * @param tooLarge  deliveries larger than the client's maximum packet size.
 * @param expired   deliveries whose message expired before they were sent.
 */
public record Drops(long qos0, long queueFull, long tooLarge, long expired)
{
}
