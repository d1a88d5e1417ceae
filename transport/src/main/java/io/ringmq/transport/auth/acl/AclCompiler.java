package io.ringmq.transport.auth.acl;

import java.util.List;

import io.ringmq.auth.Access;
import io.ringmq.auth.AclEntry;

/**
 * Compiles access rules into a {@link CompiledAcl}: a client's rules from an {@link AclFile} (its user block or the
 * anonymous rules, then the patterns substituted for it), or a list of {@link AclEntry} an authentication source
 * returned. Stateless and thread-safe; compiling allocates, checking afterwards does not.
 */
public final class AclCompiler
{
    private AclCompiler()
    {
    }

    /**
     * @param entries a client's access list: denials win over grants, anything unmatched is denied.
     * @return the compiled permissions.
     * @throws IllegalArgumentException if an entry's filter is not a valid topic filter.
     */
    public static CompiledAcl compile(final List<AclEntry> entries)
    {
        final AclTrie trie = new AclTrie();
        for (int i = 0; i < entries.size(); i++)
        {
            final AclEntry entry = entries.get(i);
            final String problem = TopicFilters.problem(entry.filter());
            if (null != problem)
            {
                throw new IllegalArgumentException("ACL entry " + i + " (" + entry.access() + "): " + problem);
            }
            trie.add(entry.filter(), bits(entry.access(), AclTrie.STAGE_1));
        }
        return new CompiledAcl(trie);
    }

    /**
     * Mosquitto's choice of rules for a client: the {@code user} block of its user name (the anonymous rules when it
     * has none), checked first; then the {@code pattern} rules with {@code %c} replaced by the client id and
     * {@code %u} by the user name. As in Mosquitto, a pattern with {@code %u} does not apply to a client without a
     * user name, and a client whose id or user name contains {@code +} or {@code #} gets no pattern rules (it could
     * otherwise widen them); a {@code /} in either is substituted as it is and adds levels.
     *
     * @param file     the parsed ACL file.
     * @param clientId the client identifier (null: patterns do not apply).
     * @param username the user name, or null for an anonymous client.
     * @return the compiled permissions.
     */
    public static CompiledAcl compile(final AclFile file, final String clientId, final String username)
    {
        final AclTrie trie = new AclTrie();
        for (final AclRule rule : null == username ? file.anonymousRules() : file.userRules(username))
        {
            trie.add(rule.filter(), bits(rule.access(), AclTrie.STAGE_1));
        }
        if (null != clientId && !dangerous(clientId) && (null == username || !dangerous(username)))
        {
            for (final AclRule rule : file.patterns())
            {
                final String filter = substitute(rule.filter(), clientId, username);
                if (null != filter && !filter.isEmpty())
                {
                    trie.add(filter, bits(rule.access(), AclTrie.STAGE_2));
                }
            }
        }
        return new CompiledAcl(trie);
    }

    /**
     * @param pattern  a pattern rule's filter.
     * @param clientId the client id.
     * @param username the user name, or null.
     * @return the filter for this client, or null if the pattern needs a user name the client does not have.
     */
    static String substitute(final String pattern, final String clientId, final String username)
    {
        if (null == username && pattern.contains("%u"))
        {
            return null;
        }
        final StringBuilder out = new StringBuilder(pattern.length() + clientId.length());
        final int length = pattern.length();
        for (int i = 0; i < length; i++)
        {
            final char c = pattern.charAt(i);
            if ('%' == c && i + 1 < length)
            {
                final char next = pattern.charAt(i + 1);
                if ('c' == next)
                {
                    out.append(clientId);
                    i++;
                    continue;
                }
                if ('u' == next)
                {
                    out.append(username);
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    private static boolean dangerous(final String identity)
    {
        return identity.indexOf('+') >= 0 || identity.indexOf('#') >= 0;
    }

    private static int bits(final Access access, final int stageShift)
    {
        final int bits = switch (access)
        {
            case READ -> AclTrie.READ_1;
            case WRITE -> AclTrie.WRITE_1;
            case READWRITE -> AclTrie.READ_1 | AclTrie.WRITE_1;
            case DENY -> AclTrie.DENY_1;
        };
        return bits << stageShift;
    }
}
