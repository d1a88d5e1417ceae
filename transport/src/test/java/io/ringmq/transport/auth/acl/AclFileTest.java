package io.ringmq.transport.auth.acl;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.ringmq.auth.Access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AclFileTest
{
    private static AclFile parse(final String text) throws AclFileException
    {
        return AclFile.parse("acl", text);
    }

    @Test
    void shouldReadEveryRuleForm() throws Exception
    {
        final AclFile file = parse(String.join("\n",
            "# anonymous clients",
            "topic read public/#",
            "",
            "topic write anon/in",
            "user alice",
            "topic readwrite alice/#",
            "topic deny alice/secret",
            "topic plain/topic",
            "pattern read clients/%c/#",
            "user bob smith",
            "topic read a b/c",
            "pattern write users/%u/out",
            "user alice",
            "topic write extra"));
        assertEquals(List.of(new AclRule(Access.READ, "public/#", 2), new AclRule(Access.WRITE, "anon/in", 4)),
            file.anonymousRules());
        assertEquals(List.of(new AclRule(Access.READWRITE, "alice/#", 6),
            new AclRule(Access.DENY, "alice/secret", 7), new AclRule(Access.READWRITE, "plain/topic", 8),
            new AclRule(Access.WRITE, "extra", 14)),
            file.userRules("alice"));
        assertEquals(List.of(new AclRule(Access.READ, "a b/c", 11)), file.userRules("bob smith"));
        assertEquals(List.of(new AclRule(Access.READ, "clients/%c/#", 9),
            new AclRule(Access.WRITE, "users/%u/out", 12)), file.patterns());
        assertEquals(2, file.userCount());
        assertTrue(file.userRules("carol").isEmpty());
        assertTrue(file.warnings().isEmpty());
    }

    @Test
    void shouldTakeTheOnlyWordAsAReadwriteFilterAsMosquittoDoes() throws Exception
    {
        // Checked against mosquitto 2.0.11: "topic read" starts, and grants readwrite on the topic "read".
        assertEquals(List.of(new AclRule(Access.READWRITE, "read", 1)), parse("topic read\n").anonymousRules());
    }

    @Test
    void shouldTreatATabAsPartOfAWordAsMosquittoDoes() throws Exception
    {
        // mosquitto 2.0.11 starts with "topic read<TAB>a": the only word after "topic" is "read\ta", the filter.
        assertEquals(List.of(new AclRule(Access.READWRITE, "read\ta", 1)), parse("topic read\ta\n").anonymousRules());
    }

    @Test
    void shouldStripCarriageReturnsAndTrailingBlanks() throws Exception
    {
        final AclFile file = parse("user  u1 \t\r\ntopic   write   x/y  \r\n");
        assertEquals(List.of(new AclRule(Access.WRITE, "x/y", 2)), file.userRules("u1"));
    }

    @Test
    void shouldMergeRepeatedUserBlocksAndKeepPatternsGlobal() throws Exception
    {
        final AclFile file =
            parse("user a\ntopic read 1\npattern read p/%c\nuser b\ntopic read 2\nuser a\ntopic read 3");
        assertEquals(List.of("1", "3"), file.userRules("a").stream().map(AclRule::filter).toList());
        assertEquals(List.of("p/%c"), file.patterns().stream().map(AclRule::filter).toList());
    }

    @Test
    void shouldWarnAboutAPatternWithoutSubstitution() throws Exception
    {
        final AclFile file = parse("pattern read fixed/topic\n");
        assertEquals(1, file.warnings().size());
        assertTrue(file.warnings().get(0).contains("fixed/topic"), file.warnings().toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // Every one of these was refused by mosquitto 2.0.11 at start-up (same reason in its log).
        "'topic read a\n  # indented comment'|2|invalid line",
        "'topic\tread a'|1|invalid line",
        "'\ttopic read a'|1|invalid line",
        "'bogus x'|1|invalid line",
        "'#\nuser'|2|missing user name",
        "'topic'|1|empty topic",
        "'pattern  '|1|empty topic",
        "'topic foo bar'|1|invalid topic access type \"foo\"",
        "'topic READ a'|1|invalid topic access type",
        "'\n\ntopic read a/#/b'|3|invalid ACL topic",
        "'topic read a+'|1|invalid ACL topic",
        "'pattern write %c/x#'|1|invalid ACL topic",
        "'topic deny +a'|1|invalid ACL topic",
    })
    void shouldRefuseWithTheLineNumber(final String text, final int line, final String what)
    {
        final AclFileException ex = assertThrows(AclFileException.class, () -> parse(text));
        assertEquals(line, ex.lineNumber(), ex.getMessage());
        assertTrue(ex.getMessage().contains(what), ex.getMessage());
        assertTrue(ex.getMessage().startsWith("acl:" + line + ": "), ex.getMessage());
    }

    @Test
    void shouldRefuseAFilterWithTooManyLevels()
    {
        final String deep = "a" + "/a".repeat(TopicFilters.MAX_SEPARATORS + 1);
        final AclFileException ex = assertThrows(AclFileException.class, () -> parse("topic read " + deep));
        assertEquals(1, ex.lineNumber());
    }

    @Test
    void shouldAcceptTheDeepestFilterMosquittoAccepts() throws Exception
    {
        final String deep = "a" + "/a".repeat(TopicFilters.MAX_SEPARATORS);
        assertEquals(deep, parse("topic read " + deep).anonymousRules().get(0).filter());
    }

    @Test
    void shouldRefuseInvalidUtf8NamingTheLine()
    {
        final byte[] bytes = "topic read a\ntopic read b\u00ff\n".getBytes(StandardCharsets.ISO_8859_1);
        final AclFileException ex = assertThrows(AclFileException.class, () -> AclFile.parse("acl", bytes));
        assertEquals(2, ex.lineNumber(), ex.getMessage());
    }

    @Test
    void shouldReadAnEmptyFileAsNoRules() throws Exception
    {
        final AclFile file = parse("");
        assertTrue(file.anonymousRules().isEmpty());
        assertTrue(file.patterns().isEmpty());
        assertEquals(0, file.userCount());
    }
}
