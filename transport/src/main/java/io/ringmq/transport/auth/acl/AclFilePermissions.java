package io.ringmq.transport.auth.acl;

import org.agrona.DirectBuffer;

import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;

/**
 * One client's permissions from an {@link AclFileAuthorizer}: a {@link CompiledAcl} that recompiles itself when the
 * authorizer has reloaded its file, so a client connected before a reload is checked against the new rules from its
 * next operation on. The check costs one volatile read and a comparison; only a recompile allocates.
 * <p>
 * <b>Threading:</b> made on the authentication pool, then used by one thread at a time (the router); its fields are
 * written only by that thread after hand-over.
 */
final class AclFilePermissions implements TopicPermissions
{
    private final AclFileAuthorizer source;
    private final String clientId;
    private final String username;
    private long generation;
    private CompiledAcl compiled;

    AclFilePermissions(final AclFileAuthorizer source, final String clientId, final String username)
    {
        this.source = source;
        this.clientId = clientId;
        this.username = username;
        final AclFileAuthorizer.Rules rules = source.rules();
        generation = rules.generation();
        compiled = AclCompiler.compile(rules.file(), clientId, username);
    }

    private CompiledAcl current()
    {
        final AclFileAuthorizer.Rules rules = source.rules();
        if (rules.generation() != generation)
        {
            compiled = AclCompiler.compile(rules.file(), clientId, username);
            generation = rules.generation();
        }
        return compiled;
    }

    /** {@inheritDoc} */
    @Override
    public Decision publish(final DirectBuffer topic, final int offset, final int length)
    {
        return current().publish(topic, offset, length);
    }

    /** {@inheritDoc} */
    @Override
    public Decision read(final DirectBuffer topic, final int offset, final int length)
    {
        return current().read(topic, offset, length);
    }

    /** {@inheritDoc} */
    @Override
    public FilterAccess subscribe(final String filter)
    {
        return current().subscribe(filter);
    }

    /** @return the generation of the rules this was last compiled from (for tests). */
    long generation()
    {
        return generation;
    }
}
