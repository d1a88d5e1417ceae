package io.ringmq.example.auth;

import io.ringmq.auth.Authorizer;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Example plugin: a {@code device-*} client may publish and receive under {@code devices/<its client id>/} only, and
 * receive {@code broadcast/#}; other clients are left to the next authorizer. Shows the per-client compiled form the
 * broker asks for: the prefix is encoded once at connect, and each check compares bytes without allocating.
 */
public final class OwnTopicAuthorizer implements Authorizer
{
    @Override
    public String name()
    {
        return "example-own-topic";
    }

    @Override
    public TopicPermissions permissions(final ClientInfo client)
    {
        if (!client.clientId().startsWith("device-") || client.clientId().indexOf('/') >= 0 ||
            client.clientId().indexOf('+') >= 0 || client.clientId().indexOf('#') >= 0)
        {
            return TopicPermissions.ABSTAIN;
        }
        return new Own(("devices/" + client.clientId() + "/").getBytes(StandardCharsets.UTF_8));
    }

    private static final class Own implements TopicPermissions
    {
        private static final byte[] BROADCAST = "broadcast/".getBytes(StandardCharsets.UTF_8);
        private final byte[] prefix;
        private final String filterPrefix;

        Own(final byte[] prefix)
        {
            this.prefix = prefix;
            this.filterPrefix = new String(prefix, StandardCharsets.UTF_8);
        }

        private static boolean startsWith(final DirectBuffer topic, final int offset, final int length,
            final byte[] prefix)
        {
            if (length < prefix.length)
            {
                return false;
            }
            for (int i = 0; i < prefix.length; i++)
            {
                if (topic.getByte(offset + i) != prefix[i])
                {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Decision publish(final DirectBuffer topic, final int offset, final int length)
        {
            return startsWith(topic, offset, length, prefix) ? Decision.ALLOW : Decision.DENY;
        }

        @Override
        public Decision read(final DirectBuffer topic, final int offset, final int length)
        {
            return startsWith(topic, offset, length, prefix) || startsWith(topic, offset, length, BROADCAST) ?
                Decision.ALLOW : Decision.DENY;
        }

        @Override
        public FilterAccess subscribe(final String filter)
        {
            if (filter.startsWith(filterPrefix) || filter.startsWith("broadcast/"))
            {
                return FilterAccess.ALL;
            }
            // "#", "+/..." or "devices/+/..." reach this device's topics among others: checked per delivery.
            final boolean reachesOwn = filter.equals("#") || filter.startsWith("+") || filter.startsWith("devices/+") ||
                filter.equals("devices/#");
            return reachesOwn ? FilterAccess.SOME : FilterAccess.NONE;
        }
    }
}
