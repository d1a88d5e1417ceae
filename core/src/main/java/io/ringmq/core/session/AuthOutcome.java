package io.ringmq.core.session;

import io.ringmq.auth.TopicPermissions;

/**
 * What authentication decided for one connection, made off the routing thread (the transport's authentication pool)
 * and handed to the Router with the connection's {@link TransportIdentity}: at CONNECT, or with a
 * {@code REAUTHENTICATED} ring event after an MQTT 5 re-authentication. Immutable.
 */
public final class AuthOutcome
{
    private final int reasonCode;
    private final String reason;
    private final TopicPermissions permissions;
    private final String assignedClientId;
    private final String authMethod;
    private final byte[] authData;

    private AuthOutcome(final int reasonCode, final String reason, final TopicPermissions permissions,
        final String assignedClientId, final String authMethod, final byte[] authData)
    {
        this.reasonCode = reasonCode;
        this.reason = reason;
        this.permissions = permissions;
        this.assignedClientId = assignedClientId;
        this.authMethod = authMethod;
        this.authData = authData;
    }

    /**
     * @param reasonCode the MQTT 5 reason code of the refusal (mapped to 3.1.1 return codes by the Router).
     * @param reason     why, for the log (never a password).
     * @return a refusal.
     */
    public static AuthOutcome refused(final int reasonCode, final String reason)
    {
        if (reasonCode < 0x80)
        {
            throw new IllegalArgumentException("a refusal needs an error reason code: " + reasonCode);
        }
        return new AuthOutcome(reasonCode, reason, null, null, null, null);
    }

    /**
     * @param permissions      the client's compiled permissions.
     * @param assignedClientId the client id the transport assigned to a client that sent an empty one (so that
     *                         {@code %c} rules saw it), or null.
     * @param authMethod       the enhanced authentication method, or null.
     * @param authData         the last authentication data for the CONNACK (or the final AUTH), or null.
     * @return an acceptance.
     */
    public static AuthOutcome accepted(final TopicPermissions permissions, final String assignedClientId,
        final String authMethod, final byte[] authData)
    {
        return new AuthOutcome(0, null, permissions, assignedClientId, authMethod,
            null == authData ? null : authData.clone());
    }

    /** @return true if the client was accepted. */
    public boolean accepted()
    {
        return 0 == reasonCode;
    }

    /** @return the refusal's reason code, 0 when accepted. */
    public int reasonCode()
    {
        return reasonCode;
    }

    /** @return why the client was refused, or null. */
    public String reason()
    {
        return reason;
    }

    /** @return the client's permissions (accepted only). */
    public TopicPermissions permissions()
    {
        return permissions;
    }

    /** @return the client id assigned before authentication, or null. */
    public String assignedClientId()
    {
        return assignedClientId;
    }

    /** @return the enhanced authentication method, or null. */
    public String authMethod()
    {
        return authMethod;
    }

    /** @return a copy of the authentication data for the client, or null. */
    public byte[] authData()
    {
        return null == authData ? null : authData.clone();
    }
}
