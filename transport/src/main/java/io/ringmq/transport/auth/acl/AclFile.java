package io.ringmq.transport.auth.acl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.ringmq.auth.Access;

/**
 * A parsed Mosquitto {@code acl_file}, read the way Mosquitto 2.0.11 reads it ({@code aclfile__parse} in
 * {@code src/security_default.c}):
 * <ul>
 * <li>trailing white space is dropped; a line whose first character is {@code #} is a comment (an indented
 * {@code #} is not: Mosquitto refuses such a line as invalid, and so does this);</li>
 * <li>words are separated by spaces only (a tab is part of a word, as Mosquitto's {@code strtok(" ")} has it);</li>
 * <li>{@code user NAME}: NAME is the rest of the line, trimmed; the {@code topic} lines after it are that user's, and
 * two blocks for the same name are merged;</li>
 * <li>{@code topic [read|write|readwrite|deny] FILTER} and {@code pattern ...}: FILTER is the rest of the line after
 * the access word, trimmed (it may hold spaces); with one word only, that word is the filter and the access is
 * readwrite ({@code topic read} grants readwrite on the topic {@code read}, as in Mosquitto);</li>
 * <li>{@code topic} lines before the first {@code user} line are the anonymous clients' (no user name);
 * {@code pattern} lines apply to every client wherever they are.</li>
 * </ul>
 * Unlike Mosquitto, a file that is not valid UTF-8 or holds a NUL byte is refused: no MQTT topic or user name could
 * match such a rule. Immutable, so one parsed file can be shared by every thread.
 */
public final class AclFile
{
    private final List<AclRule> anonymousRules;
    private final Map<String, List<AclRule>> userRules;
    private final List<AclRule> patterns;
    private final List<String> warnings;

    private AclFile(final List<AclRule> anonymousRules, final Map<String, List<AclRule>> userRules,
        final List<AclRule> patterns, final List<String> warnings)
    {
        this.anonymousRules = anonymousRules;
        this.userRules = userRules;
        this.patterns = patterns;
        this.warnings = warnings;
    }

    /**
     * @param file the ACL file.
     * @return its rules.
     * @throws IOException      if it cannot be read.
     * @throws AclFileException if it is not a valid ACL file (the message names the line).
     */
    public static AclFile parse(final Path file) throws IOException, AclFileException
    {
        return parse(file.toString(), Files.readAllBytes(file));
    }

    /**
     * @param source a name for messages (the file's path).
     * @param bytes  the file's content.
     * @return its rules.
     * @throws AclFileException if it is not a valid ACL file.
     */
    public static AclFile parse(final String source, final byte[] bytes) throws AclFileException
    {
        final String text;
        try
        {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        }
        catch (final CharacterCodingException ex)
        {
            throw new AclFileException(source, lineOfFirstBadByte(bytes), "not valid UTF-8");
        }
        return parse(source, text);
    }

    /**
     * @param source a name for messages.
     * @param text   the file's content.
     * @return its rules.
     * @throws AclFileException if it is not a valid ACL file.
     */
    public static AclFile parse(final String source, final String text) throws AclFileException
    {
        final List<AclRule> anonymous = new ArrayList<>();
        final Map<String, List<AclRule>> users = new HashMap<>();
        final List<AclRule> patterns = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        List<AclRule> current = anonymous;
        int lineNumber = 0;
        int lineStart = 0;
        final int textLength = text.length();
        while (lineStart < textLength)
        {
            lineNumber++;
            final int newline = text.indexOf('\n', lineStart);
            final int lineEnd = newline < 0 ? textLength : newline;
            final String line = stripTrailing(text.substring(lineStart, lineEnd));
            lineStart = lineEnd + 1;
            if (line.indexOf(0) >= 0)
            {
                throw new AclFileException(source, lineNumber, "NUL character in line");
            }
            if (line.startsWith("#"))
            {
                continue;
            }
            final int wordStart = skipSpaces(line, 0);
            if (wordStart == line.length())
            {
                continue;
            }
            final int wordEnd = wordEnd(line, wordStart);
            final String word = line.substring(wordStart, wordEnd);
            // What Mosquitto's strtok_r(NULL, "") returns: everything after the space that ended the word.
            final String rest = wordEnd < line.length() ? line.substring(wordEnd + 1) : "";
            if ("topic".equals(word) || "pattern".equals(word))
            {
                final AclRule rule = rule(source, lineNumber, word, rest);
                if ("pattern".equals(word))
                {
                    if (!rule.filter().contains("%c") && !rule.filter().contains("%u"))
                    {
                        warnings.add(source + ":" + lineNumber + ": pattern '" + rule.filter() +
                            "' contains neither %c nor %u");
                    }
                    patterns.add(rule);
                }
                else
                {
                    current.add(rule);
                }
            }
            else if ("user".equals(word))
            {
                final String name = trimBlanks(rest);
                if (name.isEmpty())
                {
                    throw new AclFileException(source, lineNumber, "missing user name");
                }
                current = users.computeIfAbsent(name, k -> new ArrayList<>());
            }
            else
            {
                throw new AclFileException(source, lineNumber, "invalid line (expected user, topic or pattern): " +
                    abbreviate(line));
            }
        }
        final Map<String, List<AclRule>> frozenUsers = new HashMap<>(users.size() * 2);
        for (final Map.Entry<String, List<AclRule>> e : users.entrySet())
        {
            frozenUsers.put(e.getKey(), List.copyOf(e.getValue()));
        }
        return new AclFile(List.copyOf(anonymous), Collections.unmodifiableMap(frozenUsers), List.copyOf(patterns),
            List.copyOf(warnings));
    }

    private static AclRule rule(final String source, final int lineNumber, final String word, final String rest)
        throws AclFileException
    {
        final int accessStart = skipSpaces(rest, 0);
        if (accessStart == rest.length())
        {
            throw new AclFileException(source, lineNumber, "empty topic in " + word + " line");
        }
        final int accessEnd = wordEnd(rest, accessStart);
        final String accessWord = rest.substring(accessStart, accessEnd);
        final String after = accessEnd < rest.length() ? rest.substring(accessEnd + 1) : "";
        final Access access;
        final String filter;
        if (after.isEmpty())
        {
            // One word only: it is the filter, and the access is readwrite (Mosquitto's reading, even for "read").
            access = Access.READWRITE;
            filter = accessWord;
        }
        else
        {
            access = switch (accessWord)
            {
                case "read" -> Access.READ;
                case "write" -> Access.WRITE;
                case "readwrite" -> Access.READWRITE;
                case "deny" -> Access.DENY;
                default -> throw new AclFileException(source, lineNumber, "invalid topic access type \"" +
                    abbreviate(accessWord) + "\" (expected read, write, readwrite or deny)");
            };
            filter = trimBlanks(after);
        }
        final String problem = TopicFilters.problem(filter);
        if (null != problem)
        {
            throw new AclFileException(source, lineNumber, "invalid ACL topic \"" + abbreviate(filter) + "\": " +
                problem);
        }
        return new AclRule(access, filter, lineNumber);
    }

    /** C's isspace in the "C" locale: what Mosquitto strips from line ends and trims from names and filters. */
    private static boolean isSpace(final char c)
    {
        return ' ' == c || '\t' == c || '\n' == c || 0x0B == c || '\f' == c || '\r' == c;
    }

    private static String stripTrailing(final String s)
    {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1)))
        {
            end--;
        }
        return s.substring(0, end);
    }

    private static String trimBlanks(final String s)
    {
        int start = 0;
        while (start < s.length() && isSpace(s.charAt(start)))
        {
            start++;
        }
        return stripTrailing(s.substring(start));
    }

    private static int skipSpaces(final String s, final int from)
    {
        int i = from;
        while (i < s.length() && ' ' == s.charAt(i))
        {
            i++;
        }
        return i;
    }

    private static int wordEnd(final String s, final int from)
    {
        final int space = s.indexOf(' ', from);
        return space < 0 ? s.length() : space;
    }

    private static String abbreviate(final String s)
    {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    private static int lineOfFirstBadByte(final byte[] bytes)
    {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i <= bytes.length; i++)
        {
            if (i == bytes.length || '\n' == bytes[i])
            {
                try
                {
                    StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, lineStart, i - lineStart));
                }
                catch (final CharacterCodingException ex)
                {
                    return line;
                }
                line++;
                lineStart = i + 1;
            }
        }
        return 0;
    }

    /** @return the rules before the first {@code user} line: those of clients without a user name. */
    public List<AclRule> anonymousRules()
    {
        return anonymousRules;
    }

    /**
     * @param username a user name.
     * @return that user's {@code topic} rules (empty if the file has no block for the user).
     */
    public List<AclRule> userRules(final String username)
    {
        final List<AclRule> rules = userRules.get(username);
        return null == rules ? List.of() : rules;
    }

    /** @return the number of users with a block in the file. */
    public int userCount()
    {
        return userRules.size();
    }

    /** @return the {@code pattern} rules, for every client. */
    public List<AclRule> patterns()
    {
        return patterns;
    }

    /** @return things that are legal but probably wrong (a pattern without {@code %c} or {@code %u}), for a log. */
    public List<String> warnings()
    {
        return warnings;
    }
}
