package io.ringmq.auth;

/**
 * One rule of a client's access list, as an authentication source may return it with {@link AuthResult#withAcl}
 * (a JWT claim, an HTTP hook's answer). The broker compiles a list of these into {@link TopicPermissions}: denials
 * first, then grants; a topic no entry matches is denied.
 *
 * @param access what the entry grants or denies.
 * @param filter an MQTT topic filter ({@code +} and {@code #} allowed); already substituted (no {@code %c}).
 */
public record AclEntry(Access access, String filter)
{
    /**
     * @param access what the entry grants or denies.
     * @param filter an MQTT topic filter.
     */
    public AclEntry
    {
        if (null == access || null == filter || filter.isEmpty())
        {
            throw new IllegalArgumentException("an ACL entry needs an access and a non-empty filter: " +
                access + " " + filter);
        }
    }
}
