package io.ringmq.transport.auth.acl;

import java.nio.charset.StandardCharsets;

/**
 * Topic filter checks as Mosquitto's {@code mosquitto_sub_topic_check} makes them for ACL rules: {@code +} must be a
 * whole level, {@code #} a whole last level, at most 65,535 bytes and at most {@value #MAX_SEPARATORS} separators
 * (Mosquitto's {@code TOPIC_HIERARCHY_LIMIT}). Also the reference matcher the tests compare the trie against.
 */
final class TopicFilters
{
    /** Mosquitto refuses a filter with more {@code /} than this. */
    static final int MAX_SEPARATORS = 200;
    /** Longest topic or filter MQTT can carry, in bytes. */
    static final int MAX_LENGTH = 65_535;

    private TopicFilters()
    {
    }

    /**
     * @param filter a topic filter.
     * @return null if it is a valid filter, otherwise why not.
     */
    static String problem(final String filter)
    {
        if (null == filter || filter.isEmpty())
        {
            return "empty topic filter";
        }
        int separators = 0;
        final int length = filter.length();
        for (int i = 0; i < length; i++)
        {
            final char c = filter.charAt(i);
            final boolean levelStart = 0 == i || '/' == filter.charAt(i - 1);
            if ('+' == c)
            {
                if (!levelStart || (i + 1 < length && '/' != filter.charAt(i + 1)))
                {
                    return "'+' must be a whole level: " + filter;
                }
            }
            else if ('#' == c)
            {
                if (!levelStart || i + 1 != length)
                {
                    return "'#' must be the whole last level: " + filter;
                }
            }
            else if ('/' == c)
            {
                separators++;
            }
            else if (0 == c)
            {
                return "NUL character in topic filter";
            }
        }
        if (separators > MAX_SEPARATORS)
        {
            return "more than " + MAX_SEPARATORS + " levels: " + separators + " separators";
        }
        if (filter.getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH)
        {
            return "longer than " + MAX_LENGTH + " bytes";
        }
        return null;
    }

    /**
     * MQTT matching, written level by level from the specification (a second implementation for the tests): a
     * filter whose first level is a wildcard does not match a topic starting with {@code $}.
     *
     * @param filter a valid filter.
     * @param topic  a topic name (non-empty, no wildcards).
     * @return true if the filter matches the topic.
     */
    static boolean matches(final String filter, final String topic)
    {
        if (topic.isEmpty())
        {
            return false;
        }
        final String[] f = filter.split("/", -1);
        final String[] t = topic.split("/", -1);
        if (topic.startsWith("$") && ("+".equals(f[0]) || "#".equals(f[0])))
        {
            return false;
        }
        for (int i = 0; i < f.length; i++)
        {
            if ("#".equals(f[i]))
            {
                return true; // matches the parent level too: "a/#" matches "a"
            }
            if (i >= t.length)
            {
                return false;
            }
            if (!"+".equals(f[i]) && !f[i].equals(t[i]))
            {
                return false;
            }
        }
        return f.length == t.length;
    }
}
