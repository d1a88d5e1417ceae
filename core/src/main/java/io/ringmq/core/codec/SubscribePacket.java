package io.ringmq.core.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * A SUBSCRIBE packet, decoded by {@link SubscribeDecoder} on the server and built for {@link SubscribeEncoder} by
 * clients. Mutable holder, accessors without get/set.
 * <p>
 * <b>Threading:</b> not thread-safe; hand it to another thread only through a happens-before edge (the ring).
 */
public final class SubscribePacket
{
    private int packetId;
    private int subscriptionIdentifier;
    private final List<String[]> userProperties = new ArrayList<>();
    private final List<TopicSubscription> subscriptions = new ArrayList<>();

    /**
     * Packet Identifier.
     *
     * @return 1 to 65535.
     */
    public int packetId()
    {
        return packetId;
    }

    /**
     * Set the Packet Identifier.
     *
     * @param packetId 1 to 65535.
     * @return this.
     */
    public SubscribePacket packetId(final int packetId)
    {
        this.packetId = packetId;
        return this;
    }

    /**
     * Subscription Identifier (MQTT 5).
     *
     * @return 1 to 268,435,455, or 0 for none.
     */
    public int subscriptionIdentifier()
    {
        return subscriptionIdentifier;
    }

    /**
     * Set the Subscription Identifier (MQTT 5).
     *
     * @param subscriptionIdentifier 1 to 268,435,455, or 0 for none.
     * @return this.
     */
    public SubscribePacket subscriptionIdentifier(final int subscriptionIdentifier)
    {
        this.subscriptionIdentifier = subscriptionIdentifier;
        return this;
    }

    /**
     * User Properties (MQTT 5) as name/value pairs, in order.
     *
     * @return the mutable list.
     */
    public List<String[]> userProperties()
    {
        return userProperties;
    }

    /**
     * Append a User Property.
     *
     * @param name  property name.
     * @param value property value.
     * @return this.
     */
    public SubscribePacket addUserProperty(final String name, final String value)
    {
        userProperties.add(new String[]{ name, value });
        return this;
    }

    /**
     * Topic Filters with their options, in packet order.
     *
     * @return the mutable list.
     */
    public List<TopicSubscription> subscriptions()
    {
        return subscriptions;
    }

    /**
     * Append a subscription.
     *
     * @param subscription to append.
     * @return this.
     */
    public SubscribePacket addSubscription(final TopicSubscription subscription)
    {
        subscriptions.add(subscription);
        return this;
    }
}
