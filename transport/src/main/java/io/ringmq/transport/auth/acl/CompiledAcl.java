package io.ringmq.transport.auth.acl;

import org.agrona.DirectBuffer;

import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;

/**
 * One client's rules compiled into an {@link AclTrie}, decided as Mosquitto's {@code acl_file} check does: the first
 * stage (the client's {@code topic} rules) is asked first, a matching deny refusing and a matching grant of the right
 * kind allowing whatever else matches; when it has not decided, the second stage ({@code pattern} rules) is asked the
 * same way; a topic that neither decides is denied. Made by {@link AclCompiler}.
 * <p>
 * <b>Threading:</b> used by one thread at a time (the router); {@link #publish} and {@link #read} allocate nothing.
 */
public final class CompiledAcl implements TopicPermissions
{
    private static final int READ = AclTrie.READ_1;
    private static final int WRITE = AclTrie.WRITE_1;

    private final AclTrie trie;

    CompiledAcl(final AclTrie trie)
    {
        this.trie = trie;
    }

    /**
     * @param mask  the OR of the matching rules' bits.
     * @param grant {@link AclTrie#READ_1} or {@link AclTrie#WRITE_1}.
     * @return true if the rules allow it.
     */
    static boolean allows(final int mask, final int grant)
    {
        if (0 != (mask & AclTrie.DENY_1))
        {
            return false;
        }
        if (0 != (mask & grant))
        {
            return true;
        }
        if (0 != (mask & (AclTrie.DENY_1 << AclTrie.STAGE_2)))
        {
            return false;
        }
        return 0 != (mask & (grant << AclTrie.STAGE_2));
    }

    /** {@inheritDoc} */
    @Override
    public Decision publish(final DirectBuffer topic, final int offset, final int length)
    {
        return allows(trie.match(topic, offset, length), WRITE) ? Decision.ALLOW : Decision.DENY;
    }

    /** {@inheritDoc} */
    @Override
    public Decision read(final DirectBuffer topic, final int offset, final int length)
    {
        return allows(trie.match(topic, offset, length), READ) ? Decision.ALLOW : Decision.DENY;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Exact: {@link FilterAccess#ALL} only if every topic the filter matches is readable, {@link FilterAccess#NONE}
     * only if none is; {@link FilterAccess#SOME} otherwise (and when the filter is too complex to explore within
     * a budget, which stays safe as every delivery is then checked). An invalid filter gets {@code NONE}.
     */
    @Override
    public FilterAccess subscribe(final String filter)
    {
        if (null != TopicFilters.problem(filter))
        {
            return FilterAccess.NONE;
        }
        final int seen = trie.explore(filter, mask -> allows(mask, READ));
        if (AclTrie.ALLOWED_SEEN == seen)
        {
            return FilterAccess.ALL;
        }
        return AclTrie.DENIED_SEEN == seen ? FilterAccess.NONE : FilterAccess.SOME;
    }
}
