package io.ringmq.core.admin;

/**
 * A retained message.
 *
 * @param topic            its topic.
 * @param qos              QoS it was published with.
 * @param payloadLength    payload size in bytes.
 * @param expiresInSeconds seconds until it expires, or -1 for never.
 * @param payload          the payload (a copy), or null in listings.
 */
public record RetainedSummary(String topic, int qos, int payloadLength, long expiresInSeconds, byte[] payload)
{
}
