package io.ringmq.core.session;

/**
 * One subscription of a session to a topic filter, the value stored in the topic index. Options are updated in
 * place when the client subscribes to the same filter again (MQTT-3.8.4-3), so the index keeps the same object.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
public final class Subscription
{
    private final Session session;
    private final String filter;
    private final boolean shared;
    private int qos;
    private boolean noLocal;
    private boolean retainAsPublished;
    private int retainHandling;
    private int subscriptionId;
    /**
     * The filter covers topics the session's permissions may not read ({@code FilterAccess.SOME}): each delivery
     * through it is checked. Set at SUBSCRIBE and whenever the session's permissions change.
     */
    private boolean checkRead;

    /**
     * @param session owner.
     * @param filter  the filter as subscribed, including any {@code $share/group/} prefix.
     * @param shared  true for a shared subscription.
     */
    public Subscription(final Session session, final String filter, final boolean shared)
    {
        this.session = session;
        this.filter = filter;
        this.shared = shared;
    }

    /**
     * Set the options.
     *
     * @param qos               granted QoS.
     * @param noLocal           do not deliver the session's own publishes.
     * @param retainAsPublished keep the retain flag on forwarded messages.
     * @param retainHandling    0, 1 or 2.
     * @param subscriptionId    subscription identifier or 0.
     * @return this.
     */
    public Subscription options(final int qos, final boolean noLocal, final boolean retainAsPublished,
        final int retainHandling, final int subscriptionId)
    {
        this.qos = qos;
        this.noLocal = noLocal;
        this.retainAsPublished = retainAsPublished;
        this.retainHandling = retainHandling;
        this.subscriptionId = subscriptionId;
        return this;
    }

    /** @return true if each delivery through this subscription needs a read check. */
    public boolean checkRead()
    {
        return checkRead;
    }

    /**
     * @param checkRead true if each delivery through this subscription needs a read check.
     * @return this.
     */
    public Subscription checkRead(final boolean checkRead)
    {
        this.checkRead = checkRead;
        return this;
    }

    /** @return owning session. */
    public Session session()
    {
        return session;
    }

    /** @return filter as subscribed. */
    public String filter()
    {
        return filter;
    }

    /** @return true for a shared subscription. */
    public boolean shared()
    {
        return shared;
    }

    /** @return granted QoS. */
    public int qos()
    {
        return qos;
    }

    /** @return no-local option. */
    public boolean noLocal()
    {
        return noLocal;
    }

    /** @return retain-as-published option. */
    public boolean retainAsPublished()
    {
        return retainAsPublished;
    }

    /** @return retain handling option. */
    public int retainHandling()
    {
        return retainHandling;
    }

    /** @return subscription identifier, 0 for none. */
    public int subscriptionId()
    {
        return subscriptionId;
    }
}
