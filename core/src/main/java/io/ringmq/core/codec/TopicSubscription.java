package io.ringmq.core.codec;

import io.ringmq.core.protocol.ReasonCode;

/**
 * One Topic Filter of a SUBSCRIBE with its Subscription Options.
 * <pre>
 * options byte: 7-6 reserved | 5-4 Retain Handling | 3 Retain As Published | 2 No Local | 1-0 Maximum QoS
 * </pre>
 * A filter whose syntax is invalid in an otherwise well-formed SUBSCRIBE is kept with {@code invalidReason} set to
 * {@link ReasonCode#TOPIC_FILTER_INVALID}, so the server fails only that entry (0x8F in MQTT 5, 0x80 in 3.1.1).
 *
 * @param filter            Topic Filter as received, {@code $share/...} included.
 * @param qos               Maximum QoS, 0 to 2.
 * @param noLocal           No Local option (MQTT 5).
 * @param retainAsPublished Retain As Published option (MQTT 5).
 * @param retainHandling    Retain Handling option, 0 to 2 (MQTT 5).
 * @param invalidReason     {@link ReasonCode#SUCCESS} if the filter is valid, else the reason code to answer with.
 */
public record TopicSubscription(
    String filter, int qos, boolean noLocal, boolean retainAsPublished, int retainHandling, int invalidReason)
{
    /**
     * A valid subscription.
     *
     * @param filter            Topic Filter.
     * @param qos               Maximum QoS.
     * @param noLocal           No Local option.
     * @param retainAsPublished Retain As Published option.
     * @param retainHandling    Retain Handling option.
     */
    public TopicSubscription(
        final String filter, final int qos, final boolean noLocal, final boolean retainAsPublished,
        final int retainHandling)
    {
        this(filter, qos, noLocal, retainAsPublished, retainHandling, ReasonCode.SUCCESS);
    }

    /**
     * A valid subscription with default MQTT 5 options.
     *
     * @param filter Topic Filter.
     * @param qos    Maximum QoS.
     */
    public TopicSubscription(final String filter, final int qos)
    {
        this(filter, qos, false, false, 0, ReasonCode.SUCCESS);
    }

    /**
     * Did the filter pass {@link TopicValidator#validateTopicFilter(String, int)}.
     *
     * @return true if the server may subscribe it.
     */
    public boolean valid()
    {
        return invalidReason == ReasonCode.SUCCESS;
    }

    /**
     * Is this a Shared Subscription.
     *
     * @return true for {@code $share/{ShareName}/{filter}}.
     */
    public boolean isShared()
    {
        return TopicValidator.isShared(filter);
    }

    /**
     * Subscription Options byte as written on the wire for MQTT 5.
     *
     * @return the options byte.
     */
    public int options()
    {
        return qos | (noLocal ? 0x04 : 0) | (retainAsPublished ? 0x08 : 0) | (retainHandling << 4);
    }
}
