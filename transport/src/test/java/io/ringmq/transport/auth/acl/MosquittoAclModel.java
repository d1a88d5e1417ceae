package io.ringmq.transport.auth.acl;

import java.util.ArrayList;
import java.util.List;

import io.ringmq.auth.Access;

/**
 * A line-by-line transcription of Mosquitto 2.0.11's {@code mosquitto_acl_check_default} over lists, as a second
 * implementation the trie is compared with: the client's rule list with denials moved to the front, first match
 * decides (a grant of the other kind goes on); then the same over the patterns after substitution.
 */
final class MosquittoAclModel
{
    private MosquittoAclModel()
    {
    }

    static boolean allowed(final AclFile file, final String clientId, final String username, final String topic,
        final boolean write)
    {
        final List<AclRule> own = null == username ? file.anonymousRules() : file.userRules(username);
        final Boolean first = check(ordered(own), topic, write, null, null);
        if (null != first)
        {
            return first;
        }
        if (!file.patterns().isEmpty())
        {
            if ((null != username && (username.contains("+") || username.contains("#"))) ||
                clientId.contains("+") || clientId.contains("#"))
            {
                return false;
            }
        }
        final Boolean second = check(ordered(file.patterns()), topic, write, clientId, username);
        return null != second && second;
    }

    static boolean allowed(final List<AclRule> rules, final String topic, final boolean write)
    {
        final Boolean decided = check(ordered(rules), topic, write, null, null);
        return null != decided && decided;
    }

    /** As add__acl: a deny goes to the front of the list, a grant to the end. */
    private static List<AclRule> ordered(final List<AclRule> rules)
    {
        final List<AclRule> list = new ArrayList<>();
        for (final AclRule rule : rules)
        {
            if (rule.access() == Access.DENY)
            {
                list.add(0, rule);
            }
            else
            {
                list.add(rule);
            }
        }
        return list;
    }

    private static Boolean check(final List<AclRule> rules, final String topic, final boolean write,
        final String clientId, final String username)
    {
        for (final AclRule rule : rules)
        {
            String filter = rule.filter();
            if (null != clientId)
            {
                if (null == username && filter.contains("%u"))
                {
                    continue;
                }
                filter = filter.replace("%c", "\u0001").replace("%u", "\u0002")
                    .replace("\u0001", clientId).replace("\u0002", null == username ? "" : username);
            }
            if (filter.isEmpty() || topic.isEmpty() || !TopicFilters.matches(filter, topic))
            {
                continue;
            }
            if (rule.access() == Access.DENY)
            {
                return false;
            }
            if (write ? rule.access().writes() : rule.access().reads())
            {
                return true;
            }
        }
        return null;
    }
}
