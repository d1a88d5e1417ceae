package io.ringmq.core.admin;

/**
 * A message an operator publishes through the broker, routed like a client's.
 *
 * @param topic                the topic name.
 * @param payload              the payload (may be empty: with retain, that clears the topic's retained message).
 * @param qos                  QoS, 0 to 2.
 * @param retain               the retain flag.
 * @param messageExpirySeconds message expiry interval in seconds, or -1 for none.
 */
public record PublishRequest(String topic, byte[] payload, int qos, boolean retain, long messageExpirySeconds)
{
    /**
     * @throws IllegalArgumentException for a missing topic or payload, or an option out of range.
     */
    public PublishRequest
    {
        if (null == topic || topic.isEmpty())
        {
            throw new IllegalArgumentException("topic is required");
        }
        if (null == payload)
        {
            throw new IllegalArgumentException("payload is required");
        }
        if (qos < 0 || qos > 2)
        {
            throw new IllegalArgumentException("qos must be 0, 1 or 2, got " + qos);
        }
        if (messageExpirySeconds < -1 || messageExpirySeconds > 0xFFFF_FFFFL)
        {
            throw new IllegalArgumentException("messageExpirySeconds must be 0.." + 0xFFFF_FFFFL + " or -1 for none");
        }
    }
}
