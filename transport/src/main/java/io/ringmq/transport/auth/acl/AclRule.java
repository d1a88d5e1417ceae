package io.ringmq.transport.auth.acl;

import io.ringmq.auth.Access;

/**
 * One {@code topic} or {@code pattern} line of an ACL file.
 *
 * @param access     what the line grants, or {@link Access#DENY}.
 * @param filter     the topic filter as written (a pattern's {@code %c} and {@code %u} not yet substituted).
 * @param lineNumber the 1-based line it came from, for messages.
 */
public record AclRule(Access access, String filter, int lineNumber)
{
}
