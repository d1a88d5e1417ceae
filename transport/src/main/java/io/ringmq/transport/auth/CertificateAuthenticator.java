package io.ringmq.transport.auth;

import io.ringmq.auth.AuthResult;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.ClientInfo;

/**
 * The verified TLS client certificate as a credential: a client whose listener verified its certificate (mutual TLS
 * with a CA bundle) is accepted on it, without a password; others are left to the next source. Put it in the chain
 * with {@code auth.chain: [certificate, ...]} or {@code --auth-certificate}.
 */
public final class CertificateAuthenticator implements Authenticator
{
    /** The name in the chain. */
    public static final String NAME = "certificate";

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public AuthResult authenticate(final ClientInfo client)
    {
        return null != client.certificateSubject() ? AuthResult.allow() : AuthResult.ignore();
    }
}
