package io.ringmq.core.admin;

/**
 * A subscription an operator adds for a client, with the options of an MQTT 5 SUBSCRIBE.
 *
 * @param filter            the topic filter.
 * @param qos               maximum QoS, 0 to 2.
 * @param noLocal           No Local (not allowed on a shared subscription).
 * @param retainAsPublished Retain As Published.
 * @param retainHandling    Retain Handling, 0 to 2.
 */
public record SubscriptionRequest(String filter, int qos, boolean noLocal, boolean retainAsPublished,
    int retainHandling)
{
    /**
     * @throws IllegalArgumentException for a missing filter or an option out of range.
     */
    public SubscriptionRequest
    {
        if (null == filter || filter.isEmpty())
        {
            throw new IllegalArgumentException("filter is required");
        }
        if (qos < 0 || qos > 2)
        {
            throw new IllegalArgumentException("qos must be 0, 1 or 2, got " + qos);
        }
        if (retainHandling < 0 || retainHandling > 2)
        {
            throw new IllegalArgumentException("retainHandling must be 0, 1 or 2, got " + retainHandling);
        }
    }
}
