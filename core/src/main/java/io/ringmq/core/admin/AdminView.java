package io.ringmq.core.admin;

import java.util.List;

/**
 * The admin API's access to the Router's state: queries answer immutable copies, commands change the state as a
 * client's packets would (and are journaled the same way). Lookups that find nothing answer null or false; input
 * that cannot be applied throws {@link IllegalArgumentException} before anything changes.
 * <p>
 * <b>Threading:</b> Router thread only; reached through {@link AdminRequest}, never called directly from elsewhere.
 */
public interface AdminView
{
    /**
     * @param query page and search (client id, username, address).
     * @return a page of connected clients, by client id.
     */
    Page<ClientSummary> clients(PageQuery query);

    /**
     * @param query     page and search (client id).
     * @param connected only connected (true) or offline (false) sessions, or all (null).
     * @return a page of sessions, by client id.
     */
    Page<SessionSummary> sessions(PageQuery query, Boolean connected);

    /**
     * @param clientId a client id.
     * @return its connection, session and subscriptions, or null when the broker has no session for it.
     */
    ClientDetail client(String clientId);

    /**
     * Close the client's connection (MQTT 5: DISCONNECT 0x98 Administrative action); its session stays or ends as
     * its expiry says, and its will follows the usual rules.
     *
     * @param clientId a client id.
     * @return false when no connection has that client id.
     */
    boolean disconnect(String clientId);

    /**
     * Close the client's connection, if any, and end its session: subscriptions, queued messages and journal state.
     *
     * @param clientId a client id.
     * @return false when the broker has no session for it.
     */
    boolean deleteSession(String clientId);

    /**
     * @param clientId a client id.
     * @return its subscriptions sorted by filter, or null when the broker has no session for it.
     */
    List<SubscriptionSummary> subscriptions(String clientId);

    /**
     * Subscribe the client's session as its SUBSCRIBE would (journaled for a persistent session; retained messages
     * sent as Retain Handling says when it is connected).
     *
     * @param clientId     a client id.
     * @param subscription the filter and options.
     * @return the SUBACK reason code (the granted QoS, or 0x87 when the client may not read the filter, 0x97 when
     *         the journal is full), or -1 when the broker has no session for the client.
     * @throws IllegalArgumentException for an invalid filter.
     */
    int subscribe(String clientId, SubscriptionRequest subscription);

    /**
     * @param clientId a client id.
     * @param filter   the filter as subscribed.
     * @return whether the session had that subscription (false also when there is no session).
     */
    boolean unsubscribe(String clientId, String filter);

    /**
     * @param query  page and search (topic).
     * @param filter only retained messages matching this topic filter ({@code #} for all but the {@code $} topics).
     * @return a page of retained messages, by topic, without payloads.
     * @throws IllegalArgumentException for an invalid filter.
     */
    Page<RetainedSummary> retained(PageQuery query, String filter);

    /**
     * @param topic a topic name.
     * @return its retained message with the payload, or null.
     */
    RetainedSummary retainedMessage(String topic);

    /**
     * Clear a topic's retained message, as a retained PUBLISH with an empty payload would.
     *
     * @param topic a topic name.
     * @return whether the topic had one.
     */
    boolean deleteRetained(String topic);

    /**
     * Publish a message as the broker, routed and journaled like a client's.
     *
     * @param request the message.
     * @return how it was routed.
     * @throws IllegalArgumentException for an invalid topic name.
     */
    PublishResult publish(PublishRequest request);

    /**
     * Change a setting a reload may change while the broker runs ({@code BrokerConfig.isReloadable}).
     *
     * @param setting the option name.
     * @param value   its new value.
     * @throws IllegalArgumentException if the setting is not reloadable or the value is refused.
     */
    void reconfigure(String setting, String value);
}
