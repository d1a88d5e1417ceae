package io.ringmq.transport.netty;

import io.ringmq.auth.ClientInfo;
import io.ringmq.core.session.TransportIdentity;
import io.ringmq.transport.auth.AuthService;

/**
 * One connection's authentication state on its event loop, while the broker authenticates it: from the first bytes
 * until the CONNECT was decided, and for the life of a connection that authenticated with an MQTT 5 Authentication
 * Method (it may re-authenticate). Null on the handler otherwise, so an authenticated idle connection costs no more
 * than one reference.
 * <p>
 * <b>Threading:</b> event loop only. The authentication pool works on copies ({@link ClientInfo}, the data bytes) and
 * answers through the event loop.
 */
final class ConnectionAuth
{
    /** Waiting for the CONNECT. */
    static final int IDLE = 0;
    /** The CONNECT (saved in {@link #connect}) is being decided. */
    static final int CONNECT_DECIDING = 1;
    /** The CONNECT's exchange sent a challenge: only AUTH (0x18) may come. */
    static final int CONNECT_CHALLENGED = 2;
    /** Connected; an AUTH at the head of the input is being decided (the frame stays there until the outcome). */
    static final int REAUTH_DECIDING = 3;
    /** Connected; a re-authentication sent a challenge. */
    static final int REAUTH_CHALLENGED = 4;
    /** The CONNECT was decided and handed to the Router (or left to it undecodable). */
    static final int DONE = 5;
    /** Connected with an Authentication Method: an AUTH (0x19) starts a re-authentication. */
    static final int CONNECTED_IDLE = 6;

    final TransportIdentity identity;
    int stage = IDLE;
    /** The CONNECT frame, held aside while its exchange runs; prepended to the input once decided. */
    byte[] connect;
    /** Length of the AUTH frame at the head of the input that the pending step answers, 0 if none. */
    int headAuthLength;
    ClientInfo client;
    boolean assignedClientId;
    AuthService.Exchange exchange;
    /** The Authentication Method of the CONNECT, or null (re-authentication needs one). */
    String method;

    ConnectionAuth(final TransportIdentity identity)
    {
        this.identity = identity;
    }

    boolean connectPhase()
    {
        return stage == IDLE || stage == CONNECT_DECIDING || stage == CONNECT_CHALLENGED;
    }
}
