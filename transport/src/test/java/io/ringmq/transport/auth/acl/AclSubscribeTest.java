package io.ringmq.transport.auth.acl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.ringmq.auth.Access;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link CompiledAcl#subscribe} against brute force: every topic over a small alphabet (each literal the rules and
 * filters use, plus one they do not) up to one level deeper than any filter, decided one by one with
 * {@link CompiledAcl#read}; ALL must mean every matching topic is readable, NONE that none is, SOME that both kinds
 * exist.
 */
class AclSubscribeTest
{
    private static final String[] LITERALS = {"a", "b", "", "$x"};
    /** The literals plus one no rule or filter names. */
    private static final String[] ALPHABET = {"a", "b", "", "$x", "z"};

    static String randomFilter(final Random random, final String[] words)
    {
        String filter;
        do
        {
            filter = randomFilterOrEmpty(random, words);
        }
        while (filter.isEmpty()); // one empty level is no filter
        return filter;
    }

    private static String randomFilterOrEmpty(final Random random, final String[] words)
    {
        final int levels = 1 + random.nextInt(3);
        final StringBuilder filter = new StringBuilder();
        for (int i = 0; i < levels; i++)
        {
            if (i > 0)
            {
                filter.append('/');
            }
            final int pick = random.nextInt(words.length + 3);
            if (i + 1 == levels && pick == words.length + 2)
            {
                filter.append('#');
            }
            else if (pick >= words.length)
            {
                filter.append('+');
            }
            else
            {
                filter.append(words[pick]);
            }
        }
        return filter.toString();
    }

    /** Every topic of 1 to maxLevels levels over the alphabet, except the empty topic. */
    static List<String> topics(final String[] alphabet, final int maxLevels)
    {
        final List<String> topics = new ArrayList<>();
        List<String> previous = List.of("");
        for (int level = 1; level <= maxLevels; level++)
        {
            final List<String> next = new ArrayList<>();
            for (final String prefix : previous)
            {
                for (final String word : alphabet)
                {
                    next.add(1 == level ? word : prefix + "/" + word);
                }
            }
            for (final String topic : next)
            {
                if (!topic.isEmpty())
                {
                    topics.add(topic);
                }
            }
            previous = next;
        }
        return topics;
    }

    private static boolean readable(final CompiledAcl acl, final String topic)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
        return Decision.ALLOW == acl.read(buffer, 0, buffer.capacity());
    }

    private static void check(final CompiledAcl acl, final List<String> topics, final boolean[] readable,
        final String filter, final Object rules)
    {
        boolean some = false;
        boolean notAll = false;
        for (int i = 0; i < topics.size(); i++)
        {
            if (TopicFilters.matches(filter, topics.get(i)))
            {
                some |= readable[i];
                notAll |= !readable[i];
            }
        }
        final FilterAccess expected = some && notAll ? FilterAccess.SOME : some ? FilterAccess.ALL : FilterAccess.NONE;
        final FilterAccess actual = acl.subscribe(filter);
        if (expected != actual)
        {
            fail("subscribe " + filter + ": expected " + expected + " (brute force) but was " + actual + " for " +
                rules);
        }
    }

    @Test
    void shouldAgreeWithBruteForceForRandomEntryLists()
    {
        final Random random = new Random(7);
        final List<String> topics = topics(ALPHABET, 4);
        final Access[] accesses = Access.values();
        int counted = 0;
        for (int round = 0; round < 600; round++)
        {
            final List<AclEntry> entries = new ArrayList<>();
            final int count = 1 + random.nextInt(5);
            for (int i = 0; i < count; i++)
            {
                entries.add(new AclEntry(accesses[random.nextInt(accesses.length)], randomFilter(random, LITERALS)));
            }
            final CompiledAcl acl = AclCompiler.compile(entries);
            final boolean[] readable = new boolean[topics.size()];
            for (int i = 0; i < topics.size(); i++)
            {
                readable[i] = readable(acl, topics.get(i));
            }
            for (int f = 0; f < 12; f++)
            {
                check(acl, topics, readable, randomFilter(random, LITERALS), entries);
                counted++;
            }
        }
        assertEquals(600 * 12, counted);
    }

    @Test
    void shouldAgreeWithBruteForceForRandomFilesWithPatterns() throws Exception
    {
        final Random random = new Random(11);
        final String[] ruleWords = {"a", "b", "", "$x", "%c", "%u"};
        // "%c" is a plain literal in a topic rule, so the topics must use it too
        final List<String> topics = topics(new String[] {"a", "b", "", "$x", "%c", "%u", "z"}, 4);
        final String[] kinds = {"read", "write", "readwrite", "deny"};
        for (int round = 0; round < 400; round++)
        {
            final StringBuilder text = new StringBuilder();
            final int lines = 1 + random.nextInt(6);
            for (int i = 0; i < lines; i++)
            {
                text.append(random.nextBoolean() ? "topic " : "pattern ").append(kinds[random.nextInt(4)])
                    .append(' ').append(randomFilter(random, ruleWords)).append('\n');
            }
            final AclFile file;
            try
            {
                file = AclFile.parse("acl", text.toString());
            }
            catch (final AclFileException ex)
            {
                continue; // a filter made only of an empty level trims to nothing
            }
            // client id and user name taken from the alphabet, so substituted patterns use its literals
            final CompiledAcl acl = AclCompiler.compile(file, random.nextBoolean() ? "a" : "b",
                random.nextBoolean() ? null : "a");
            final boolean[] readable = new boolean[topics.size()];
            for (int i = 0; i < topics.size(); i++)
            {
                readable[i] = readable(acl, topics.get(i));
            }
            for (int f = 0; f < 12; f++)
            {
                check(acl, topics, readable, randomFilter(random, LITERALS), text);
            }
        }
    }

    @Test
    void shouldTellTheCasesApart()
    {
        final CompiledAcl acl = AclCompiler.compile(List.of(
            new AclEntry(Access.READ, "sensors/#"),
            new AclEntry(Access.DENY, "sensors/private/#"),
            new AclEntry(Access.READ, "+/status"),
            new AclEntry(Access.READ, "$SYS/broker/+")));
        assertEquals(FilterAccess.ALL, acl.subscribe("sensors/#".replace("#", "public/#")));
        assertEquals(FilterAccess.SOME, acl.subscribe("sensors/#"));
        assertEquals(FilterAccess.SOME, acl.subscribe("sensors/+/x"));
        assertEquals(FilterAccess.NONE, acl.subscribe("sensors/private/+"));
        assertEquals(FilterAccess.SOME, acl.subscribe("#"));
        assertEquals(FilterAccess.ALL, acl.subscribe("+/status"));
        assertEquals(FilterAccess.ALL, acl.subscribe("$SYS/broker/+"));
        assertEquals(FilterAccess.NONE, acl.subscribe("$SYS/broker"));
        assertEquals(FilterAccess.SOME, acl.subscribe("$SYS/#"));
        // "sensors/private/#" also denies "sensors/private" itself, which "sensors/+" matches
        assertEquals(FilterAccess.SOME, acl.subscribe("sensors/+"));
        assertEquals(FilterAccess.NONE, acl.subscribe("a/#/b"));
    }

    @Test
    void shouldAnswerSomeWhenTheExplorationIsTooLarge()
    {
        final List<AclEntry> entries = new ArrayList<>();
        for (int i = 0; i < 400; i++)
        {
            entries.add(new AclEntry(Access.READ, "+/+/l" + i + "/+/+/m" + i));
            entries.add(new AclEntry(Access.DENY, "n" + i + "/+/+/o" + i));
        }
        final CompiledAcl acl = AclCompiler.compile(entries);
        final long start = System.nanoTime();
        final FilterAccess access = acl.subscribe("#");
        assertEquals(FilterAccess.SOME, access);
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "took too long");
    }
}
