package io.ringmq.transport.auth;

import io.ringmq.auth.Access;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.ClientInfo;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AclJsonTest
{
    private static final ClientInfo CLIENT =
        new ClientInfo("dev1", "alice", null, 5, "default", "127.0.0.1:5000", null, null);

    @Test
    void shouldMapRuleListActionsAndPermissions()
    {
        final List<AclEntry> entries = AclJson.parseText("[" +
            "{\"permission\":\"allow\",\"action\":\"publish\",\"topic\":\"t/1\"}," +
            "{\"permission\":\"allow\",\"action\":\"subscribe\",\"topics\":[\"s/+\",\"s/x/#\"]}," +
            "{\"permission\":\"allow\",\"action\":\"all\",\"topic\":\"a\"}," +
            "{\"permission\":\"deny\",\"action\":\"publish\",\"topic\":\"secret/#\"}]", CLIENT);

        assertEquals(List.of(
            new AclEntry(Access.WRITE, "t/1"),
            new AclEntry(Access.READ, "s/+"),
            new AclEntry(Access.READ, "s/x/#"),
            new AclEntry(Access.READWRITE, "a"),
            new AclEntry(Access.DENY, "secret/#")), entries);
    }

    @Test
    void shouldTakeBothTopicAndTopicsOfOneRule()
    {
        final List<AclEntry> entries = AclJson.parseText(
            "[{\"permission\":\"ALLOW\",\"action\":\"Pub\",\"topic\":\"a\",\"topics\":[\"b\"]}]", CLIENT);

        assertEquals(List.of(new AclEntry(Access.WRITE, "a"), new AclEntry(Access.WRITE, "b")), entries);
    }

    @Test
    void shouldMapObjectForm()
    {
        final List<AclEntry> entries =
            AclJson.parseText("{\"pub\":[\"p/1\"],\"sub\":[\"s/#\"],\"all\":[\"x\",\"y/+\"]}", CLIENT);

        assertEquals(List.of(
            new AclEntry(Access.WRITE, "p/1"),
            new AclEntry(Access.READ, "s/#"),
            new AclEntry(Access.READWRITE, "x"),
            new AclEntry(Access.READWRITE, "y/+")), entries);
    }

    @Test
    void shouldSubstitutePlaceholders()
    {
        final List<AclEntry> entries = AclJson.parseText(
            "{\"all\":[\"c/%c/u/%u\",\"c/${clientid}/u/${username}/#\",\"100%/x\"]}", CLIENT);

        assertEquals(List.of(
            new AclEntry(Access.READWRITE, "c/dev1/u/alice"),
            new AclEntry(Access.READWRITE, "c/dev1/u/alice/#"),
            new AclEntry(Access.READWRITE, "100%/x")), entries);
    }

    @Test
    void shouldDropGrantWhenPlaceholderValueHoldsWildcard()
    {
        final ClientInfo hostile = new ClientInfo("#", null, null, 5, "default", "h:1", null, null);

        final List<AclEntry> entries =
            AclJson.parseText("{\"all\":[\"users/%c\",\"users/%u\",\"public\"]}", hostile);

        assertEquals(List.of(new AclEntry(Access.READWRITE, "public")), entries);
    }

    @Test
    void shouldRefuseDenialWhosePlaceholderCannotBeSubstituted()
    {
        final ClientInfo noUser = new ClientInfo("dev1", null, null, 5, "default", "h:1", null, null);

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> AclJson.parseText(
            "[{\"permission\":\"deny\",\"action\":\"all\",\"topic\":\"users/%u/#\"}]", noUser));
        assertTrue(ex.getMessage().contains("cannot be substituted"), ex.getMessage());
    }

    @Test
    void shouldDropRestrictedGrantAndWidenRestrictedDenial()
    {
        final List<AclEntry> entries = AclJson.parseText("[" +
            "{\"permission\":\"allow\",\"action\":\"publish\",\"topic\":\"q\",\"qos\":[0]}," +
            "{\"permission\":\"deny\",\"action\":\"publish\",\"topic\":\"r\",\"retain\":true}]", CLIENT);

        assertEquals(List.of(new AclEntry(Access.DENY, "r")), entries);
    }

    @Test
    void shouldParseJavaValuesAndJsonTextInString()
    {
        final Object claim = List.of(Map.of("permission", "allow", "action", "subscribe", "topic", "v/%c"));
        assertEquals(List.of(new AclEntry(Access.READ, "v/dev1")), AclJson.parseValue(claim, CLIENT));

        final Object asText = "{\"pub\":[\"w\"]}";
        assertEquals(List.of(new AclEntry(Access.WRITE, "w")), AclJson.parseValue(asText, CLIENT));
    }

    @Test
    void shouldRefuseMoreThanMaxEntries()
    {
        final List<String> topics = new ArrayList<>();
        for (int i = 0; i <= AclJson.MAX_ENTRIES; i++)
        {
            topics.add("t/" + i);
        }
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> AclJson.parseValue(Map.of("all", topics), CLIENT));
        assertTrue(ex.getMessage().contains("more than " + AclJson.MAX_ENTRIES), ex.getMessage());

        topics.remove(topics.size() - 1);
        assertEquals(AclJson.MAX_ENTRIES, AclJson.parseValue(Map.of("all", topics), CLIENT).size());
    }

    @Test
    void shouldRefuseOverlongFilter()
    {
        final String longest = "a".repeat(AclJson.MAX_FILTER_LENGTH);
        assertEquals(1, AclJson.parseValue(Map.of("pub", List.of(longest)), CLIENT).size());

        assertThrows(IllegalArgumentException.class,
            () -> AclJson.parseValue(Map.of("pub", List.of(longest + "a")), CLIENT));
    }

    @Test
    void shouldRefuseBadInput()
    {
        final String[] bad = {
            "", "nope", "42", "null", "\"[]\"", "{\"publish\":[\"t\"]}", "{\"pub\":\"t\"}", "{\"pub\":[1]}",
            "[1]", "[{}]", "[{\"permission\":\"maybe\",\"action\":\"all\",\"topic\":\"t\"}]",
            "[{\"permission\":\"allow\",\"action\":\"read\",\"topic\":\"t\"}]",
            "[{\"permission\":\"allow\",\"action\":\"all\"}]",
            "[{\"permission\":\"allow\",\"action\":\"all\",\"topic\":[\"t\"]}]",
            "[{\"permission\":\"allow\",\"action\":\"all\",\"topics\":\"t\"}]",
            "{\"pub\":[\"a/#/b\"]}", "{\"sub\":[\"eq t/#\"]}",
            "{\"pub\":[\"a+\"]}", "{\"pub\":[\"\"]}", "{\"pub\":[\"a\\u0000\"]}",
            "[".repeat(100) + "]".repeat(100),
        };
        for (final String json : bad)
        {
            assertThrows(IllegalArgumentException.class, () -> AclJson.parseText(json, CLIENT), json);
        }
    }
}
