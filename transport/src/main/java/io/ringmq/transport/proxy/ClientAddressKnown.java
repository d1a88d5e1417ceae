package io.ringmq.transport.proxy;

/**
 * User event fired down the pipeline once the client's address is final: after a PROXY protocol header was read
 * (its source address is then in {@link io.ringmq.transport.netty.ConnectionAttributes#PROXIED_ADDRESS}), or, in
 * optional mode, once the first bytes showed that no header comes (the socket's peer is the client). Read the address
 * with {@link io.ringmq.transport.netty.ConnectionAttributes#clientAddress(io.netty.channel.Channel)}; the event
 * carries none, so that there is one source of truth and nothing is allocated per connection.
 * <p>
 * <b>Ordering:</b> it is fired before any byte that follows the header (TLS, WebSocket or MQTT) reaches the handlers
 * after {@link ProxyProtocolHandler}, so a handler placed right after it (admission) can refuse the connection by the
 * real client's address before anything expensive, such as a TLS handshake, happens. It is fired at most once per
 * connection, and never for a connection refused for its header. Handlers that do not care pass it on.
 */
public final class ClientAddressKnown
{
    /** The only instance. */
    public static final ClientAddressKnown INSTANCE = new ClientAddressKnown();

    private ClientAddressKnown()
    {
    }

    @Override
    public String toString()
    {
        return "ClientAddressKnown";
    }
}
