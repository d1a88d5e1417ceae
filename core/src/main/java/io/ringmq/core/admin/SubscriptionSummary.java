package io.ringmq.core.admin;

/**
 * One subscription of a session.
 *
 * @param filter            the topic filter as subscribed ({@code $share/group/...} for a shared one).
 * @param qos               maximum QoS granted.
 * @param noLocal           MQTT 5 No Local.
 * @param retainAsPublished MQTT 5 Retain As Published.
 * @param retainHandling    MQTT 5 Retain Handling (0, 1, 2).
 * @param subscriptionId    MQTT 5 subscription identifier, 0 for none.
 * @param shared            whether it is a shared subscription.
 * @param readChecked       whether each delivery is checked against the client's read permissions (its ACL allows
 *                          only part of the filter).
 */
public record SubscriptionSummary(String filter, int qos, boolean noLocal, boolean retainAsPublished,
    int retainHandling, int subscriptionId, boolean shared, boolean readChecked)
{
}
