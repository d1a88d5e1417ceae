package io.ringmq.core.session;

/**
 * What the transport knows about a connection before MQTT starts: the listener it came in on, the client's address
 * (from the PROXY protocol header when a load balancer sent one), and for TLS with a client certificate, who the
 * certificate names. The Router reads it at CONNECT ({@link ConnectionDirectory}); authentication may rely on it.
 *
 * @param listener           name of the listener.
 * @param clientAddress      the client's address as {@code host:port}.
 * @param certificateSubject subject DN (RFC 2253) of the verified client certificate, or null.
 * @param certificateCn      common name of that certificate's subject, or null.
 * @param username           the MQTT username to use instead of the one in CONNECT (the listener's
 *                           {@code use-identity-as-username} or {@code use-subject-as-username}), or null to keep it.
 * @param auth               what authentication decided (when the broker authenticates), or null.
 */
public record TransportIdentity(
    String listener,
    String clientAddress,
    String certificateSubject,
    String certificateCn,
    String username,
    AuthOutcome auth)
{
    /**
     * @param outcome what authentication decided.
     * @return a copy carrying it.
     */
    public TransportIdentity withAuth(final AuthOutcome outcome)
    {
        return new TransportIdentity(listener, clientAddress, certificateSubject, certificateCn, username, outcome);
    }
}
