package io.ringmq.core.routing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(10)
class TopicTreeTest
{
    private final TopicTree<String> tree = new TopicTree<>();

    @Test
    void shouldPutGetAndRemoveByExactTopic()
    {
        assertNull(tree.put("a/b", "v1"));
        assertEquals("v1", tree.put("a/b", "v2"));
        assertNull(tree.put("a", "v3"));

        assertEquals("v2", tree.get("a/b"));
        assertEquals("v3", tree.get("a"));
        assertNull(tree.get("a/b/c"));
        assertNull(tree.get("a/"));
        assertNull(tree.get("b"));
        assertEquals(2, tree.size());

        assertEquals("v3", tree.remove("a"));
        assertNull(tree.remove("a"));
        assertEquals("v2", tree.get("a/b"));
        assertEquals(1, tree.size());
    }

    @Test
    void shouldKeepEmptyLevelsDistinct()
    {
        tree.put("/a", "slash-a");
        tree.put("a/", "a-slash");
        tree.put("a//b", "a-empty-b");
        tree.put("a/b", "a-b");

        assertEquals("slash-a", tree.get("/a"));
        assertEquals("a-slash", tree.get("a/"));
        assertEquals("a-empty-b", tree.get("a//b"));
        assertEquals("a-b", tree.get("a/b"));
        assertEquals(4, tree.size());
    }

    @Test
    void shouldMatchSpecExamples()
    {
        tree.put("sport", "sport");
        tree.put("sport/tennis/player1", "p1");
        tree.put("sport/tennis/player1/ranking", "p1-ranking");
        tree.put("sport/tennis/player1/score/wimbledon", "p1-wimbledon");
        tree.put("sport/tennis/player2", "p2");
        tree.put("/finance", "finance");

        assertEquals(List.of("p1", "p1-ranking", "p1-wimbledon"), matching("sport/tennis/player1/#"));
        assertEquals(List.of("p1", "p1-ranking", "p1-wimbledon", "p2", "sport"), matching("sport/#"));
        assertEquals(List.of("p1", "p2"), matching("sport/tennis/+"));
        assertEquals(List.of(), matching("sport/+"));
        assertEquals(List.of("sport"), matching("+"));
        assertEquals(List.of("finance"), matching("+/+"));
        assertEquals(List.of("finance"), matching("/+"));
        assertEquals(List.of("p1", "p2"), matching("+/+/+"));
        assertEquals(List.of("sport"), matching("sport"));
    }

    @Test
    void shouldNotMatchDollarTopicsWithLeadingWildcardMqtt4721()
    {
        tree.put("$SYS/broker/uptime", "uptime");
        tree.put("$SYS", "sys");
        tree.put("a/$b", "a-dollar-b");

        assertEquals(List.of("a-dollar-b"), matching("#"));
        assertEquals(List.of(), matching("+/broker/uptime"));
        assertEquals(List.of(), matching("+"));
        assertEquals(List.of("sys", "uptime"), matching("$SYS/#"));
        assertEquals(List.of("uptime"), matching("$SYS/+/uptime"));
        assertEquals(List.of("a-dollar-b"), matching("a/+"));
        assertEquals(List.of("a-dollar-b"), matching("+/#"));
    }

    @Test
    void shouldPruneNodesWhenValuesRemoved()
    {
        tree.put("a/b/c", "1");
        tree.put("a/b", "2");
        tree.put("a/x/y/z", "3");
        assertEquals(7, tree.nodeCount());

        tree.remove("a/b");
        assertEquals(7, tree.nodeCount());
        tree.remove("a/b/c");
        assertEquals(5, tree.nodeCount());
        tree.remove("a/b/c");
        tree.remove("a/x/y");
        assertEquals(5, tree.nodeCount());
        tree.remove("a/x/y/z");

        assertEquals(1, tree.nodeCount());
        assertEquals(0, tree.size());
        assertEquals(List.of(), matching("#"));
    }

    @Test
    void shouldMatchSameAsNaiveMatcherAndPruneToRoot()
    {
        final Random random = new Random(7);
        final List<String> topics = new ArrayList<>();
        for (int i = 0; i < 2_000; i++)
        {
            final String topic = TopicTrieTest.randomTopic(random);
            if (null == tree.put(topic, topic))
            {
                topics.add(topic);
            }
        }
        assertEquals(topics.size(), tree.size());

        for (int i = 0; i < 500; i++)
        {
            final String filter = TopicTrieTest.randomFilter(random);
            final List<String> expected = new ArrayList<>();
            for (final String topic : topics)
            {
                if (TopicTrieTest.NaiveMatcher.matches(filter, topic))
                {
                    expected.add(topic);
                }
            }
            Collections.sort(expected);
            assertEquals(expected, matching(filter), () -> "filter=" + filter);
        }

        for (final String topic : topics)
        {
            assertEquals(topic, tree.remove(topic));
        }
        assertEquals(0, tree.size());
        assertEquals(1, tree.nodeCount());
    }

    private List<String> matching(final String filter)
    {
        final List<String> values = new ArrayList<>();
        tree.forEachMatching(filter, values::add);
        Collections.sort(values);

        return values;
    }
}
