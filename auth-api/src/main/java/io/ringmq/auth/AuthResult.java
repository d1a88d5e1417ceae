package io.ringmq.auth;

import java.util.List;

/**
 * What one authentication source says about a client. Immutable; build with {@link #allow()}, {@link #deny} or
 * {@link #ignore()} and the {@code with*} methods.
 */
public final class AuthResult
{
    /** MQTT 5 reason code 0x86: Bad User Name or Password (MQTT 3.1.1 return code 4). */
    public static final int BAD_USER_NAME_OR_PASSWORD = 0x86;
    /** MQTT 5 reason code 0x87: Not authorized (MQTT 3.1.1 return code 5). */
    public static final int NOT_AUTHORIZED = 0x87;
    /** MQTT 5 reason code 0x8A: Banned (MQTT 3.1.1 return code 5). */
    public static final int BANNED = 0x8A;
    /** MQTT 5 reason code 0x88: Server unavailable (MQTT 3.1.1 return code 3): the source could not decide. */
    public static final int SERVER_UNAVAILABLE = 0x88;

    private static final AuthResult IGNORE = new AuthResult(Decision.IGNORE, 0, null, null, 0, null, null);
    private static final AuthResult ALLOW = new AuthResult(Decision.ALLOW, 0, null, null, 0, null, null);

    private final Decision decision;
    private final int reasonCode;
    private final String reason;
    private final List<AclEntry> acl;
    private final long expiresAtMillis;
    private final byte[] authData;
    private final String username;

    private AuthResult(final Decision decision, final int reasonCode, final String reason, final List<AclEntry> acl,
        final long expiresAtMillis, final byte[] authData, final String username)
    {
        this.username = username;
        this.decision = decision;
        this.reasonCode = reasonCode;
        this.reason = reason;
        this.acl = acl;
        this.expiresAtMillis = expiresAtMillis;
        this.authData = authData;
    }

    /** @return the source accepts the client. */
    public static AuthResult allow()
    {
        return ALLOW;
    }

    /** @return the source has no opinion; the next one decides. */
    public static AuthResult ignore()
    {
        return IGNORE;
    }

    /**
     * @param reasonCode the MQTT 5 reason code for the CONNACK (e.g. {@link #BAD_USER_NAME_OR_PASSWORD}); the broker
     *                   maps it to the 3.1.1 return code for older clients.
     * @param reason     why, for the broker's (rate-limited) log; never include the password.
     * @return the source refuses the client.
     */
    public static AuthResult deny(final int reasonCode, final String reason)
    {
        if (reasonCode < 0x80 || reasonCode > 0xFF)
        {
            throw new IllegalArgumentException("a refusal needs an MQTT 5 error reason code (0x80..0xFF): " +
                reasonCode);
        }
        return new AuthResult(Decision.DENY, reasonCode, reason, null, 0, null, null);
    }

    /**
     * @param entries the client's access list (compiled by the broker: denials first, anything unmatched denied).
     * @return an allow that carries the client's ACL, in place of the configured authorizers' rules.
     */
    public AuthResult withAcl(final List<AclEntry> entries)
    {
        requireAllow("an ACL");
        return new AuthResult(decision, reasonCode, reason, List.copyOf(entries), expiresAtMillis, authData,
            username);
    }

    /**
     * @param epochMillis when the credential stops being valid (a token's {@code exp}); the broker disconnects the
     *                    client then (MQTT 5: DISCONNECT 0x87) unless it re-authenticated.
     * @return an allow that expires.
     */
    public AuthResult withExpiry(final long epochMillis)
    {
        requireAllow("an expiry");
        return new AuthResult(decision, reasonCode, reason, acl, epochMillis, authData, username);
    }

    /**
     * @param data the authentication data for the CONNACK or final AUTH (enhanced authentication's last message).
     * @return an allow that carries it.
     */
    public AuthResult withAuthData(final byte[] data)
    {
        requireAllow("authentication data");
        return new AuthResult(decision, reasonCode, reason, acl, expiresAtMillis, data.clone(), username);
    }

    /**
     * @param authenticated the user name the credential proved (e.g. the SCRAM user of a client whose CONNECT named
     *                      none); the authorizers and {@code %u} rules then see it instead of the CONNECT's.
     * @return an allow that carries it.
     * @since API version 1 (added without breaking: older plugins never call it)
     */
    public AuthResult withUsername(final String authenticated)
    {
        requireAllow("a user name");
        return new AuthResult(decision, reasonCode, reason, acl, expiresAtMillis, authData, authenticated);
    }

    /** @return the user name the credential proved, or null to keep the CONNECT's. */
    public String username()
    {
        return username;
    }

    private void requireAllow(final String what)
    {
        if (decision != Decision.ALLOW)
        {
            throw new IllegalStateException("only an allow carries " + what + ": " + decision);
        }
    }

    /** @return the decision. */
    public Decision decision()
    {
        return decision;
    }

    /** @return the MQTT 5 reason code of a refusal, 0 otherwise. */
    public int reasonCode()
    {
        return reasonCode;
    }

    /** @return why the client was refused (for the log), or null. */
    public String reason()
    {
        return reason;
    }

    /** @return the ACL carried by the credential, or null when the configured authorizers decide. */
    public List<AclEntry> acl()
    {
        return acl;
    }

    /** @return when the credential expires (epoch ms), or 0 if never. */
    public long expiresAtMillis()
    {
        return expiresAtMillis;
    }

    /** @return a copy of the authentication data for the client, or null. */
    public byte[] authData()
    {
        return null == authData ? null : authData.clone();
    }

    @Override
    public String toString()
    {
        return decision + (0 != reasonCode ? " 0x" + Integer.toHexString(reasonCode) : "") +
            (null != reason ? " (" + reason + ")" : "") + (null != acl ? " acl=" + acl.size() : "") +
            (0 != expiresAtMillis ? " expires=" + expiresAtMillis : "");
    }
}
