package io.ringmq.core.session;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Connection id to {@link TransportIdentity}, for connections whose transport has something to say (a TLS client
 * certificate, a PROXY protocol address, the {@link AuthOutcome} the authentication pool decided): the hand-off from
 * the event loops to the Router. An event loop replaces the entry with one carrying the outcome before it releases
 * the CONNECT (or the AUTH that ends a re-authentication) into the ring, and the Router takes it when it handles
 * that packet.
 * <p>
 * <b>Threading and ordering:</b> an event loop puts the identity before it publishes the connection's first frame
 * into the ring, so the Router, which reads it at CONNECT, sees it (the ring's publication is the happens-before
 * edge). Only the Router removes: when it takes the identity at CONNECT, and when it handles the connection's close,
 * which the ring orders after anything else of the connection; so a close never races a CONNECT into missing the
 * identity, and no entry outlives its connection.
 */
public final class ConnectionDirectory
{
    private final ConcurrentHashMap<Long, TransportIdentity> identities = new ConcurrentHashMap<>();

    /**
     * Event loop: record what the transport learned.
     *
     * @param connectionId the connection.
     * @param identity     its identity.
     */
    public void put(final long connectionId, final TransportIdentity identity)
    {
        identities.put(connectionId, identity);
    }

    /**
     * Router: take the identity of a connection (at CONNECT, or at its close).
     *
     * @param connectionId the connection.
     * @return its identity, or null if the transport recorded none.
     */
    public TransportIdentity remove(final long connectionId)
    {
        return identities.isEmpty() ? null : identities.remove(connectionId);
    }

    /** @return identities held (connections that have not sent CONNECT or closed yet). */
    public int size()
    {
        return identities.size();
    }
}
