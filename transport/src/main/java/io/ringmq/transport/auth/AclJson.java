package io.ringmq.transport.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ringmq.auth.Access;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.ClientInfo;
import io.ringmq.core.codec.TopicValidator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a client's access list carried in JSON (a JWT claim, an HTTP hook's answer) into {@link AclEntry}s, in the
 * two forms EMQX users have:
 * <ul>
 * <li>a list of rules, {@code [{"permission":"allow","action":"publish","topic":"t/1"}, ...]}: {@code permission}
 * is {@code allow} or {@code deny}; {@code action} is {@code publish} (or {@code pub}), {@code subscribe} (or
 * {@code sub}) or {@code all}; {@code topic} is one filter and/or {@code topics} a list of them. An allow maps
 * publish to {@link Access#WRITE}, subscribe to {@link Access#READ} and all to {@link Access#READWRITE}.
 * <b>A deny becomes {@link Access#DENY} for the whole topic whatever its action</b>: the compiled ACL has no
 * per-action denial, and denying more than asked is the safe side.</li>
 * <li>the older object form {@code {"pub":[...],"sub":[...],"all":[...]}}, every entry a grant.</li>
 * </ul>
 * A rule restricted by {@code qos} or {@code retain} (EMQX 5) cannot be honoured by the compiled ACL: such an allow is
 * dropped (grants less) and such a deny denies the topic outright (denies more).
 * <p>
 * EMQX's exact-match form {@code "eq t/#"} is refused rather than read as a filter.
 * <p>
 * Placeholders {@code %c} and {@code ${clientid}} become the client id, {@code %u} and {@code ${username}} the user
 * name. A value that is absent or holds {@code +}, {@code #} or {@code /} is not substituted (a client id of
 * {@code #} must not turn {@code users/%c} into a grant on everything): the grant is dropped, and a denial that cannot
 * be substituted refuses the whole list (fail closed), since dropping it could grant more than its author meant.
 * <p>
 * Bounded: at most {@link #MAX_ENTRIES} entries, filters of at most {@link #MAX_FILTER_LENGTH} characters, nesting of
 * JSON text at most {@link #MAX_NESTING_DEPTH}. Bad input throws {@link IllegalArgumentException} naming the rule.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class AclJson
{
    /** Most entries one list may produce (a rule with several topics counts each). */
    public static final int MAX_ENTRIES = 1000;
    /** Longest topic filter, in UTF-16 characters, before and after substitution. */
    public static final int MAX_FILTER_LENGTH = 1024;
    /** Deepest nesting of JSON text parsed here; the forms above need three levels. */
    public static final int MAX_NESTING_DEPTH = 16;
    /** Longest JSON text {@link #parseText} accepts, in characters. */
    public static final int MAX_TEXT_LENGTH = 1 << 20;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .maxStringLength(MAX_TEXT_LENGTH)
            .build())
        .build()).build();

    private AclJson()
    {
    }

    /**
     * @param json   JSON text in one of the two forms.
     * @param client the client, for the placeholders.
     * @return the entries, in the order given.
     * @throws IllegalArgumentException on bad JSON, an unknown form, a bad rule or filter, or too many entries.
     */
    public static List<AclEntry> parseText(final String json, final ClientInfo client)
    {
        if (null == json || json.length() > MAX_TEXT_LENGTH)
        {
            throw new IllegalArgumentException("ACL: JSON text missing or longer than " + MAX_TEXT_LENGTH);
        }
        final JsonNode node;
        try
        {
            node = MAPPER.readTree(json);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalArgumentException("ACL: not valid JSON: " + ex.getOriginalMessage(), ex);
        }
        if (node.isTextual())
        {
            throw new IllegalArgumentException("ACL: JSON text holding a string, expected a list or an object");
        }
        return parse(node, client);
    }

    /**
     * @param value  a decoded JSON value as a JSON library hands it over ({@link Map}, {@link List}, {@link String}),
     *               e.g. a JWT claim.
     * @param client the client, for the placeholders.
     * @return the entries, in the order given.
     * @throws IllegalArgumentException as {@link #parse}.
     */
    public static List<AclEntry> parseValue(final Object value, final ClientInfo client)
    {
        final JsonNode node;
        try
        {
            node = MAPPER.valueToTree(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("ACL: not a JSON value: " + ex.getMessage(), ex);
        }
        return parse(node, client);
    }

    /**
     * @param node   the ACL: a list of rules, the object form, or a JSON string holding either (some issuers put
     *               the ACL into a claim as text).
     * @param client the client, for the placeholders.
     * @return the entries, in the order given.
     * @throws IllegalArgumentException on an unknown form, a bad rule or filter, or too many entries.
     */
    public static List<AclEntry> parse(final JsonNode node, final ClientInfo client)
    {
        if (null == node || node.isNull() || node.isMissingNode())
        {
            throw new IllegalArgumentException("ACL: missing");
        }
        final List<AclEntry> entries = new ArrayList<>();
        if (node.isTextual())
        {
            return parseText(node.textValue(), client);
        }
        else if (node.isArray())
        {
            for (int i = 0; i < node.size(); i++)
            {
                rule(node.get(i), i, client, entries);
            }
        }
        else if (node.isObject())
        {
            for (final Map.Entry<String, JsonNode> field : node.properties())
            {
                final Access access = switch (field.getKey())
                {
                    case "pub" -> Access.WRITE;
                    case "sub" -> Access.READ;
                    case "all" -> Access.READWRITE;
                    default -> throw new IllegalArgumentException("ACL: unknown key '" + clip(field.getKey()) +
                        "' (the object form has pub, sub and all)");
                };
                topics(field.getValue(), "'" + field.getKey() + "'", access, client, entries);
            }
        }
        else
        {
            throw new IllegalArgumentException("ACL: expected a list of rules or an object, got " +
                node.getNodeType());
        }
        return entries;
    }

    private static void rule(final JsonNode rule, final int index, final ClientInfo client,
        final List<AclEntry> entries)
    {
        final String where = "rule " + index;
        if (!rule.isObject())
        {
            throw new IllegalArgumentException("ACL: " + where + " is not an object");
        }
        final String permission = text(rule, "permission", where);
        final boolean allow = switch (permission)
        {
            case "allow" -> true;
            case "deny" -> false;
            default -> throw new IllegalArgumentException("ACL: " + where + ": permission must be allow or deny");
        };
        final Access access = switch (text(rule, "action", where))
        {
            case "publish", "pub" -> Access.WRITE;
            case "subscribe", "sub" -> Access.READ;
            case "all" -> Access.READWRITE;
            default -> throw new IllegalArgumentException("ACL: " + where +
                ": action must be publish, subscribe or all");
        };
        final boolean restricted = rule.has("qos") || rule.has("retain");
        if (allow && restricted)
        {
            return;  // a grant limited to some QoS or retain flag: granting it for all would grant too much
        }
        final JsonNode topic = rule.get("topic");
        final JsonNode topics = rule.get("topics");
        if (null == topic && null == topics)
        {
            throw new IllegalArgumentException("ACL: " + where + " has neither topic nor topics");
        }
        final Access granted = allow ? access : Access.DENY;
        if (null != topic)
        {
            if (!topic.isTextual())
            {
                throw new IllegalArgumentException("ACL: " + where + ": topic must be a string");
            }
            add(topic.textValue(), where, granted, client, entries);
        }
        if (null != topics)
        {
            topics(topics, where, granted, client, entries);
        }
    }

    private static void topics(final JsonNode list, final String where, final Access access, final ClientInfo client,
        final List<AclEntry> entries)
    {
        if (!list.isArray())
        {
            throw new IllegalArgumentException("ACL: " + where + ": expected a list of topic filters");
        }
        for (int i = 0; i < list.size(); i++)
        {
            final JsonNode topic = list.get(i);
            if (!topic.isTextual())
            {
                throw new IllegalArgumentException("ACL: " + where + ": topic " + i + " is not a string");
            }
            add(topic.textValue(), where, access, client, entries);
        }
    }

    private static String text(final JsonNode rule, final String field, final String where)
    {
        final JsonNode value = rule.get(field);
        if (null == value || !value.isTextual())
        {
            throw new IllegalArgumentException("ACL: " + where + ": " + field + " missing or not a string");
        }
        return value.textValue().toLowerCase(Locale.ROOT);
    }

    private static void add(final String raw, final String where, final Access access, final ClientInfo client,
        final List<AclEntry> entries)
    {
        if (raw.length() > MAX_FILTER_LENGTH)
        {
            throw new IllegalArgumentException("ACL: " + where + ": filter longer than " + MAX_FILTER_LENGTH);
        }
        if (raw.startsWith("eq "))
        {
            // EMQX's exact-match prefix: taken as a filter it would grant or deny the wrong topics.
            throw new IllegalArgumentException("ACL: " + where + ": exact-match 'eq' topics are not supported");
        }
        final String filter = substitute(raw, client);
        if (null == filter)
        {
            if (Access.DENY == access)
            {
                throw new IllegalArgumentException("ACL: " + where + ": a denial's placeholder cannot be " +
                    "substituted (value absent or holding '+', '#' or '/'): '" + clip(raw) + "'");
            }
            return;
        }
        if (filter.length() > MAX_FILTER_LENGTH)
        {
            throw new IllegalArgumentException("ACL: " + where + ": filter longer than " + MAX_FILTER_LENGTH +
                " after substitution");
        }
        if (filter.indexOf('\u0000') >= 0)
        {
            throw new IllegalArgumentException("ACL: " + where + ": MQTT-4.7.3-2: filter contains U+0000");
        }
        final String error = TopicValidator.topicFilterError(filter, TopicValidator.DEFAULT_MAX_LEVELS);
        if (null != error)
        {
            throw new IllegalArgumentException("ACL: " + where + ": '" + clip(filter) + "': " + error);
        }
        if (entries.size() >= MAX_ENTRIES)
        {
            throw new IllegalArgumentException("ACL: more than " + MAX_ENTRIES + " entries");
        }
        entries.add(new AclEntry(access, filter));
    }

    /**
     * @param filter a filter that may hold placeholders.
     * @param client the client.
     * @return the filter with the placeholders replaced, or null if one cannot be replaced safely.
     */
    static String substitute(final String filter, final ClientInfo client)
    {
        if (filter.indexOf('%') < 0 && !filter.contains("${"))
        {
            return filter;
        }
        final StringBuilder out = new StringBuilder(filter.length() + 32);
        int i = 0;
        while (i < filter.length())
        {
            final String value;
            final int skip;
            if (filter.startsWith("%c", i))
            {
                value = client.clientId();
                skip = 2;
            }
            else if (filter.startsWith("%u", i))
            {
                value = client.username();
                skip = 2;
            }
            else if (filter.startsWith("${clientid}", i))
            {
                value = client.clientId();
                skip = "${clientid}".length();
            }
            else if (filter.startsWith("${username}", i))
            {
                value = client.username();
                skip = "${username}".length();
            }
            else
            {
                out.append(filter.charAt(i));
                i++;
                continue;
            }
            if (!safe(value))
            {
                return null;
            }
            out.append(value);
            i += skip;
        }
        return out.toString();
    }

    private static boolean safe(final String value)
    {
        return null != value && !value.isEmpty() && value.indexOf('+') < 0 && value.indexOf('#') < 0 &&
            value.indexOf('/') < 0;
    }

    private static String clip(final String text)
    {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
