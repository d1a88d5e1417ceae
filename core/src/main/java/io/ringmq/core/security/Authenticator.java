package io.ringmq.core.security;

import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.TransportIdentity;

/**
 * Decides whether a CONNECT is accepted. Called on the Router thread: implementations must not block.
 */
@FunctionalInterface
public interface Authenticator
{
    /** Accepts every client. */
    Authenticator ALLOW_ALL = connect -> ReasonCode.SUCCESS;

    /**
     * @param connect the decoded CONNECT (client id, user name, password, authentication method).
     * @return {@link ReasonCode#SUCCESS}, or an MQTT 5 refusal such as {@link ReasonCode#BAD_USER_NAME_OR_PASSWORD}
     * or {@link ReasonCode#NOT_AUTHORIZED} (mapped to the 3.1.1 return code for older clients).
     */
    int authenticate(ConnectPacket connect);

    /**
     * The check with what the transport knew before CONNECT: the listener, the client's address (from the PROXY
     * protocol header when a load balancer sent one) and the verified client certificate. When the listener takes the
     * username from the certificate, {@code connect.username()} already holds it. By default the transport identity
     * is not consulted.
     *
     * @param connect  the decoded CONNECT.
     * @param identity what the transport knew, or null for a plain connection.
     * @return as {@link #authenticate(ConnectPacket)}.
     */
    default int authenticate(final ConnectPacket connect, final TransportIdentity identity)
    {
        return authenticate(connect);
    }
}
