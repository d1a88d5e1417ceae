package io.ringmq.core.admin;

import java.util.List;

/**
 * Everything the admin API shows about one client id: its connection (if connected), its session and its
 * subscriptions.
 *
 * @param client        the connection, or null when the session is offline.
 * @param session       the session.
 * @param subscriptions the session's subscriptions, sorted by filter.
 * @param willTopic     topic of the will the connection carries, or null.
 */
public record ClientDetail(ClientSummary client, SessionSummary session, List<SubscriptionSummary> subscriptions,
    String willTopic)
{
    /**
     * @param subscriptions copied: the detail is immutable.
     */
    public ClientDetail
    {
        subscriptions = List.copyOf(subscriptions);
    }
}
