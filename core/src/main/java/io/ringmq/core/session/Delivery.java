package io.ringmq.core.session;

/**
 * One QoS 1/2 delivery of a {@link Message} to one session: queued, or in flight under a packet identifier.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
public final class Delivery
{
    /** PUBLISH not yet sent (queued). */
    public static final int QUEUED = 0;
    /** PUBLISH sent, waiting for PUBACK (QoS 1) or PUBREC (QoS 2). */
    public static final int AWAITING_ACK = 1;
    /** PUBREL sent, waiting for PUBCOMP (QoS 2). */
    public static final int AWAITING_COMP = 2;

    private static final int[] NO_IDS = new int[0];

    private final Message message;
    private final int qos;
    private final boolean retain;
    private final int[] subscriptionIds;
    private final Object sharedGroup;
    private int packetId;
    private int state = QUEUED;

    /**
     * @param message         the message.
     * @param qos             delivery QoS, 1 or 2.
     * @param retain          retain flag to send.
     * @param subscriptionIds subscription identifiers to send (copied).
     * @param count           number of identifiers.
     * @param sharedGroup     the shared subscription group it was routed through, or null.
     */
    public Delivery(final Message message, final int qos, final boolean retain, final int[] subscriptionIds,
        final int count, final Object sharedGroup)
    {
        this.sharedGroup = sharedGroup;
        this.message = message;
        this.qos = qos;
        this.retain = retain;
        this.subscriptionIds = 0 == count ? NO_IDS : java.util.Arrays.copyOf(subscriptionIds, count);
    }

    /** @return the message. */
    public Message message()
    {
        return message;
    }

    /** @return delivery QoS. */
    public int qos()
    {
        return qos;
    }

    /** @return retain flag to send. */
    public boolean retain()
    {
        return retain;
    }

    /** @return subscription identifiers. */
    public int[] subscriptionIds()
    {
        return subscriptionIds;
    }

    /** @return the shared subscription group this delivery came through, or null for a plain subscription. */
    public Object sharedGroup()
    {
        return sharedGroup;
    }

    /** @return packet identifier, 0 while queued. */
    public int packetId()
    {
        return packetId;
    }

    /** @return state constant. */
    public int state()
    {
        return state;
    }

    /**
     * @param packetId packet identifier.
     * @param state    new state.
     */
    public void inflight(final int packetId, final int state)
    {
        this.packetId = packetId;
        this.state = state;
    }
}
