package io.ringmq.transport.auth;

import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;
import org.agrona.DirectBuffer;

/**
 * Several authorizers' permissions for one client, asked in order: the first answer that is not {@code IGNORE}
 * decides, and a question every part ignores is refused (once any authorizer is configured, what no rule grants is
 * denied, as with Mosquitto's {@code acl_file}). Used by the routing thread only; allocation-free.
 */
final class ChainedPermissions implements TopicPermissions
{
    /** Every authorizer abstained for this client: nothing is granted. */
    static final TopicPermissions DENY_ALL = new ChainedPermissions(new TopicPermissions[0]);

    private final TopicPermissions[] parts;

    ChainedPermissions(final TopicPermissions[] parts)
    {
        this.parts = parts.clone();
    }

    @Override
    public Decision publish(final DirectBuffer topic, final int offset, final int length)
    {
        for (final TopicPermissions part : parts)
        {
            final Decision decision = part.publish(topic, offset, length);
            if (Decision.IGNORE != decision)
            {
                return decision;
            }
        }
        return Decision.DENY;
    }

    @Override
    public Decision read(final DirectBuffer topic, final int offset, final int length)
    {
        for (final TopicPermissions part : parts)
        {
            final Decision decision = part.read(topic, offset, length);
            if (Decision.IGNORE != decision)
            {
                return decision;
            }
        }
        return Decision.DENY;
    }

    @Override
    public FilterAccess subscribe(final String filter)
    {
        for (final TopicPermissions part : parts)
        {
            final FilterAccess access = part.subscribe(filter);
            if (FilterAccess.IGNORE != access)
            {
                // A later part could still grant what this one leaves to it only through IGNORE, which it did not.
                return access;
            }
        }
        return FilterAccess.NONE;
    }
}
