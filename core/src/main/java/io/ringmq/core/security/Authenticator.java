package io.ringmq.core.security;

import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.protocol.ReasonCode;

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
}
