package io.ringmq.core.routing;

import io.ringmq.core.SuppressForbidden;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class TopicTrieTest
{
    private final TopicTrie<Client> trie = new TopicTrie<>();

    @Test
    void shouldMatchMultiLevelWildcardSpecExamples()
    {
        subscribe("sport/tennis/player1/#");

        assertEquals(List.of("sport/tennis/player1/#"), match("sport/tennis/player1"));
        assertEquals(List.of("sport/tennis/player1/#"), match("sport/tennis/player1/ranking"));
        assertEquals(List.of("sport/tennis/player1/#"), match("sport/tennis/player1/score/wimbledon"));
        assertEquals(List.of(), match("sport/tennis/player2"));
        assertEquals(List.of(), match("sport/tennis"));
    }

    @Test
    void shouldMatchParentLevelWithMultiLevelWildcard()
    {
        subscribe("sport/#");

        assertEquals(List.of("sport/#"), match("sport"));
        assertEquals(List.of("sport/#"), match("sport/"));
        assertEquals(List.of("sport/#"), match("sport/tennis/player1"));
        assertEquals(List.of(), match("sports"));
    }

    @Test
    void shouldMatchSingleLevelWildcardSpecExamples()
    {
        subscribe("sport/tennis/+");
        subscribe("sport/+");
        subscribe("+/tennis/#");

        assertEquals(List.of("+/tennis/#", "sport/tennis/+"), match("sport/tennis/player1"));
        assertEquals(List.of("+/tennis/#"), match("sport/tennis/player1/ranking"));
        assertEquals(List.of(), match("sport"));
        assertEquals(List.of("sport/+"), match("sport/"));
        assertEquals(List.of("+/tennis/#", "sport/+"), match("sport/tennis"));
    }

    @Test
    void shouldMatchEmptyLevelsWithSingleLevelWildcard()
    {
        subscribe("+/+");
        subscribe("/+");
        subscribe("+");
        subscribe("a/+/b");
        subscribe("+/+/+");

        assertEquals(List.of("+/+", "/+"), match("/finance"));
        assertEquals(List.of("+"), match("finance"));
        assertEquals(List.of("+/+/+", "a/+/b"), match("a//b"));
        assertEquals(List.of("+/+/+"), match("//"));
        assertEquals(List.of("+/+", "/+"), match("/"));
    }

    @Test
    void shouldMatchExactEmptyLevels()
    {
        subscribe("a//b");
        subscribe("/a");
        subscribe("a/");

        assertEquals(List.of("a//b"), match("a//b"));
        assertEquals(List.of("/a"), match("/a"));
        assertEquals(List.of("a/"), match("a/"));
        assertEquals(List.of(), match("a/b"));
        assertEquals(List.of(), match("a"));
    }

    @Test
    void shouldMatchEverythingButDollarTopicsWithMultiLevelWildcardAlone()
    {
        subscribe("#");

        assertEquals(List.of("#"), match("a"));
        assertEquals(List.of("#"), match("a/b/c"));
        assertEquals(List.of("#"), match("/"));
        assertEquals(List.of(), match("$SYS"));
        assertEquals(List.of(), match("$SYS/broker/uptime"));
    }

    @Test
    void shouldNotMatchDollarTopicsWithLeadingWildcardMqtt4721()
    {
        subscribe("#");
        subscribe("+/monitor/Clients");
        subscribe("+/#");
        subscribe("$SYS/#");
        subscribe("$SYS/monitor/+");
        subscribe("a/+");

        assertEquals(List.of("$SYS/#", "$SYS/monitor/+"), match("$SYS/monitor/Clients"));
        assertEquals(List.of("$SYS/#"), match("$SYS"));
        assertEquals(List.of("#", "+/#", "+/monitor/Clients"), match("x/monitor/Clients"));
        assertEquals(List.of("#", "+/#", "a/+"), match("a/$b"));
    }

    @Test
    void shouldMatchTopicAtOffsetWithMultiByteLevels()
    {
        subscribe("caf\u00e9/+/\u6e29\u5ea6");
        subscribe("caf\u00e9/#");

        final byte[] topic = "caf\u00e9/k\u00fcche/\u6e29\u5ea6".getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[topic.length + 20]);
        buffer.setMemory(0, buffer.capacity(), (byte)'/');
        buffer.putBytes(7, topic);

        final RecordingHandler handler = new RecordingHandler();
        trie.match(buffer, 7, topic.length, handler);
        Collections.sort(handler.subscribers);

        assertEquals(List.of("caf\u00e9/#", "caf\u00e9/+/\u6e29\u5ea6"), handler.subscribers);
    }


    @Test
    void shouldMatchTopicsWithMoreLevelsThanAnyBeforeAndShorterOnesAfter()
    {
        final StringBuilder deep = new StringBuilder("d0");
        final StringBuilder plus = new StringBuilder("+");
        for (int i = 1; i < 40; i++)
        {
            deep.append('/').append('d').append(i);
            plus.append("/+");
        }
        subscribe(deep.toString());
        subscribe(plus.toString());
        subscribe("d0/d1/#");
        subscribe("d0/d1");

        final RecordingHandler handler = new RecordingHandler();
        for (final String topic : new String[] {"d0/d1", deep.toString(), "d0/d1", deep + "/d40"})
        {
            handler.clear();
            final UnsafeBuffer buffer = buffer(topic);
            trie.match(buffer, 0, buffer.capacity(), handler);
            Collections.sort(handler.subscribers);
            final List<String> expected = new ArrayList<>(List.of("d0/d1/#"));
            if (topic.equals(deep.toString()))
            {
                expected.addAll(List.of(plus.toString(), deep.toString()));
            }
            else if ("d0/d1".equals(topic))
            {
                expected.add("d0/d1");
            }
            Collections.sort(expected);
            assertEquals(expected, handler.subscribers, () -> "topic=" + topic);
        }
    }
    @Test
    void shouldReportEachSharedGroupOnceAndPlainSubscribersIndividually()
    {
        final Client a = new Client("a");
        final Client b = new Client("b");
        final Client c = new Client("c");
        final Client plain = new Client("plain");
        assertTrue(trie.subscribe("$share/g1/sport/+", a));
        assertTrue(trie.subscribe("$share/g1/sport/+", b));
        assertTrue(trie.subscribe("$share/g2/sport/+", c));
        assertTrue(trie.subscribe("sport/+", plain));

        final RecordingHandler handler = new RecordingHandler();
        trie.match(buffer("sport/tennis"), 0, "sport/tennis".length(), handler);

        assertEquals(List.of("plain"), handler.subscribers);
        assertEquals(2, handler.groups.size());
        final SharedGroup<Client> g1 = "g1".equals(handler.groups.get(0).name()) ?
            handler.groups.get(0) : handler.groups.get(1);
        final SharedGroup<Client> g2 = g1 == handler.groups.get(0) ? handler.groups.get(1) : handler.groups.get(0);
        assertEquals("g1", g1.name());
        assertEquals("sport/+", g1.filter());
        assertEquals(2, g1.size());
        assertSame(a, g1.member(0));
        assertSame(b, g1.member(1));
        assertEquals("g2", g2.name());
        assertEquals(1, g2.size());
        assertSame(c, g2.member(0));
        assertEquals(4, trie.subscriptionCount());
    }

    @Test
    void shouldCycleRoundRobinThroughMembers()
    {
        final Client[] clients = { new Client("a"), new Client("b"), new Client("c") };
        for (final Client client : clients)
        {
            trie.subscribe("$share/workers/jobs/#", client);
        }
        final SharedGroup<Client> group = onlyGroup("jobs/1");

        for (int i = 0; i < 7; i++)
        {
            final int index = group.nextIndex();
            assertEquals(i % 3, index);
            assertSame(clients[i % 3], group.member(index));
        }
    }

    @Test
    void shouldKeepCursorOnNextMemberWhenMemberUnsubscribes()
    {
        final Client a = new Client("a");
        final Client b = new Client("b");
        final Client c = new Client("c");
        trie.subscribe("$share/g/t", a);
        trie.subscribe("$share/g/t", b);
        trie.subscribe("$share/g/t", c);
        final SharedGroup<Client> group = onlyGroup("t");

        assertSame(a, group.member(group.nextIndex()));
        assertSame(b, group.member(group.nextIndex()));

        assertTrue(trie.unsubscribe("$share/g/t", a));
        assertEquals(2, group.size());
        assertSame(c, group.member(group.nextIndex()));
        assertSame(b, group.member(group.nextIndex()));

        // cursor now at c (index 1), the last member: removing it wraps the cursor to the start
        assertTrue(trie.unsubscribe("$share/g/t", c));
        assertEquals(1, group.size());
        assertSame(b, group.member(group.nextIndex()));
        assertSame(b, group.member(group.nextIndex()));
        assertEquals(1, trie.subscriptionCount());
    }

    @Test
    void shouldRemoveEmptySharedGroupAndPruneNodes()
    {
        final Client a = new Client("a");
        final Client b = new Client("b");
        trie.subscribe("$share/g/a/b/c", a);
        trie.subscribe("$share/h/a/b/c", b);
        assertEquals(4, trie.nodeCount());

        assertTrue(trie.unsubscribe("$share/g/a/b/c", a));
        assertFalse(trie.unsubscribe("$share/g/a/b/c", a));
        assertEquals(List.of("h"), groupNames("a/b/c"));
        assertTrue(trie.unsubscribe("$share/h/a/b/c", b));

        assertEquals(List.of(), groupNames("a/b/c"));
        assertEquals(1, trie.nodeCount());
        assertEquals(0, trie.subscriptionCount());
    }

    @Test
    void shouldDeduplicateSubscribersByIdentity()
    {
        final Client a = new Client("same");
        final Client twin = new Client("same");

        assertTrue(trie.subscribe("x/y", a));
        assertFalse(trie.subscribe("x/y", a));
        assertTrue(trie.subscribe("x/y", twin));
        assertTrue(trie.subscribe("x/+", a));
        assertTrue(trie.subscribe("$share/g/x/y", a));
        assertFalse(trie.subscribe("$share/g/x/y", a));
        assertTrue(trie.subscribe("$share/h/x/y", a));

        assertEquals(5, trie.subscriptionCount());
        assertEquals(List.of("same", "same", "same"), match("x/y"));
        assertEquals(List.of("g", "h"), groupNames("x/y"));
    }

    @Test
    void shouldDeduplicateManySubscribersOnOneFilter()
    {
        final List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            clients.add(new Client("c" + i));
            assertTrue(trie.subscribe("many", clients.get(i)));
        }
        for (final Client client : clients)
        {
            assertFalse(trie.subscribe("many", client));
        }
        for (int i = 0; i < 100; i += 2)
        {
            assertTrue(trie.unsubscribe("many", clients.get(i)));
            assertFalse(trie.unsubscribe("many", clients.get(i)));
        }

        final List<String> expected = new ArrayList<>();
        for (int i = 1; i < 100; i += 2)
        {
            expected.add("c" + i);
        }
        Collections.sort(expected);
        assertEquals(expected, match("many"));
        assertEquals(50, trie.subscriptionCount());
    }

    @Test
    void shouldReturnFalseWhenUnsubscribingUnknownSubscription()
    {
        final Client a = new Client("a");
        trie.subscribe("a/b", a);

        assertFalse(trie.unsubscribe("a/b", new Client("a")));
        assertFalse(trie.unsubscribe("a/c", a));
        assertFalse(trie.unsubscribe("a/b/c", a));
        assertFalse(trie.unsubscribe("a/+", a));
        assertFalse(trie.unsubscribe("$share/g/a/b", a));
        assertEquals(3, trie.nodeCount());
        assertEquals(1, trie.subscriptionCount());
    }

    @Test
    void shouldPruneToRootAfterSubscriptionChurn()
    {
        final Random random = new Random(42);
        final List<String> filters = new ArrayList<>();
        final List<Client> clients = new ArrayList<>();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 2_000; i++)
            {
                final String filter = (i % 5 == 0 ? "$share/g" + random.nextInt(3) + "/" : "") + randomFilter(random);
                final Client client = new Client("c" + i);
                if (trie.subscribe(filter, client))
                {
                    filters.add(filter);
                    clients.add(client);
                }
            }
            assertEquals(filters.size(), trie.subscriptionCount());
            assertTrue(trie.nodeCount() > 100);

            for (int i = filters.size() - 1; i >= 0; i--)
            {
                final int victim = random.nextInt(i + 1);
                assertTrue(trie.unsubscribe(filters.get(victim), clients.get(victim)));
                filters.set(victim, filters.get(i));
                clients.set(victim, clients.get(i));
                filters.remove(i);
                clients.remove(i);
            }

            assertEquals(0, trie.subscriptionCount());
            assertEquals(1, trie.nodeCount());
            assertEquals(List.of(), match("a/b"));
        }
    }

    @Test
    void shouldMatchSameAsNaiveMatcherForRandomFiltersAndTopics()
    {
        final Random random = new Random(0x5EED);
        final List<String> filters = new ArrayList<>();
        final List<String[]> filterLevels = new ArrayList<>();
        final List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 1_500; i++)
        {
            final String filter = randomFilter(random);
            final Client client = new Client(Integer.toString(i));
            trie.subscribe(filter, client);
            filters.add(filter);
            filterLevels.add(filter.split("/", -1));
            clients.add(client);
        }

        final RecordingHandler handler = new RecordingHandler();
        for (int pass = 0; pass < 2; pass++)
        {
            for (int t = 0; t < 3_000; t++)
            {
                final String topic = randomTopic(random);
                final String[] topicLevels = topic.split("/", -1);
                final List<String> expected = new ArrayList<>();
                for (int i = 0; i < filters.size(); i++)
                {
                    if (NaiveMatcher.matches(filterLevels.get(i), topicLevels))
                    {
                        expected.add(clients.get(i).name);
                    }
                }
                Collections.sort(expected);

                handler.clear();
                final UnsafeBuffer buffer = buffer(topic);
                trie.match(buffer, 0, buffer.capacity(), handler);
                Collections.sort(handler.subscribers);
                assertEquals(expected, handler.subscribers, () -> "topic=" + topic);
            }

            // second pass after removing half of the subscriptions
            for (int i = filters.size() - 1; i >= 0; i -= 2)
            {
                assertTrue(trie.unsubscribe(filters.get(i), clients.get(i)));
                filters.remove(i);
                filterLevels.remove(i);
                clients.remove(i);
            }
        }
    }

    @Test
    @SuppressForbidden(reason = "com.sun.management.ThreadMXBean gives per-thread allocated bytes; HotSpot-only test")
    void shouldNotAllocateWhenMatching()
    {
        final TopicTrie<Client> trie = new TopicTrie<>();
        for (int i = 0; i < 10_000; i++)
        {
            final Client client = new Client("c" + i);
            switch (i % 4)
            {
                case 0 -> trie.subscribe("devices/" + i + "/status", client);
                case 1 -> trie.subscribe("+/" + i + "/status", client);
                case 2 -> trie.subscribe("devices/" + (i % 100) + "/#", client);
                default -> trie.subscribe("$share/g" + (i % 7) + "/devices/" + (i % 50) + "/+", client);
            }
        }
        assertEquals(10_000, trie.subscriptionCount());

        final UnsafeBuffer[] topics = new UnsafeBuffer[64];
        for (int i = 0; i < topics.length; i++)
        {
            topics[i] = buffer(i % 8 == 0 ? "sensors/" + i + "/temp" : "devices/" + (i * 7) + "/status");
        }
        final CountingHandler handler = new CountingHandler();

        for (int i = 0; i < 200_000; i++)
        {
            final UnsafeBuffer topic = topics[i & 63];
            trie.match(topic, 0, topic.capacity(), handler);
        }

        final com.sun.management.ThreadMXBean threadMXBean =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        handler.subscribers = 0;
        handler.groups = 0;

        final long before = threadMXBean.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < 100_000; i++)
        {
            final UnsafeBuffer topic = topics[i & 63];
            trie.match(topic, 0, topic.capacity(), handler);
        }
        final long allocated = threadMXBean.getThreadAllocatedBytes(threadId) - before;

        assertTrue(handler.subscribers > 100_000, () -> "subscribers=" + handler.subscribers);
        assertTrue(handler.groups > 10_000, () -> "groups=" + handler.groups);
        // A single object per match would be at least 1.6 MB; JIT compile-time allocations stay a few KiB.
        assertTrue(allocated < 16 * 1024, () -> "allocated bytes=" + allocated);
    }

    private void subscribe(final String filter)
    {
        assertTrue(trie.subscribe(filter, new Client(filter)));
    }

    private List<String> match(final String topic)
    {
        final RecordingHandler handler = new RecordingHandler();
        final UnsafeBuffer buffer = buffer(topic);
        trie.match(buffer, 0, buffer.capacity(), handler);
        Collections.sort(handler.subscribers);

        return handler.subscribers;
    }

    private List<String> groupNames(final String topic)
    {
        final RecordingHandler handler = new RecordingHandler();
        final UnsafeBuffer buffer = buffer(topic);
        trie.match(buffer, 0, buffer.capacity(), handler);
        final List<String> names = new ArrayList<>();
        for (final SharedGroup<Client> group : handler.groups)
        {
            names.add(group.name());
        }
        Collections.sort(names);

        return names;
    }

    private SharedGroup<Client> onlyGroup(final String topic)
    {
        final RecordingHandler handler = new RecordingHandler();
        final UnsafeBuffer buffer = buffer(topic);
        trie.match(buffer, 0, buffer.capacity(), handler);
        assertEquals(1, handler.groups.size());

        return handler.groups.get(0);
    }

    private static UnsafeBuffer buffer(final String topic)
    {
        return new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
    }

    static String randomFilter(final Random random)
    {
        final String[] levels = { "a", "b", "c", "", "+", "+", "$SYS", "ab" };
        final int depth = 1 + random.nextInt(4);
        final StringBuilder filter = new StringBuilder();
        for (int i = 0; i < depth; i++)
        {
            if (i > 0)
            {
                filter.append('/');
            }
            if (i == depth - 1 && random.nextInt(4) == 0)
            {
                filter.append('#');
            }
            else
            {
                filter.append(levels[random.nextInt(levels.length)]);
            }
        }

        return filter.toString();
    }

    static String randomTopic(final Random random)
    {
        final String[] levels = { "a", "b", "c", "", "$SYS", "ab", "d" };
        final int depth = 1 + random.nextInt(5);
        final StringBuilder topic = new StringBuilder();
        for (int i = 0; i < depth; i++)
        {
            if (i > 0)
            {
                topic.append('/');
            }
            topic.append(levels[random.nextInt(levels.length)]);
        }

        return topic.toString();
    }

    static final class Client
    {
        final String name;

        Client(final String name)
        {
            this.name = name;
        }

        @Override
        public String toString()
        {
            return name;
        }
    }

    /**
     * Reference matcher written straight from MQTT section 4.7, to cross-check the tries.
     */
    static final class NaiveMatcher
    {
        private NaiveMatcher()
        {
        }

        static boolean matches(final String filter, final String topic)
        {
            return matches(filter.split("/", -1), topic.split("/", -1));
        }

        static boolean matches(final String[] f, final String[] t)
        {
            if (t[0].startsWith("$") && ("+".equals(f[0]) || "#".equals(f[0])))
            {
                return false;
            }

            for (int i = 0; i < f.length; i++)
            {
                if ("#".equals(f[i]))
                {
                    return true;
                }
                if (i >= t.length || (!"+".equals(f[i]) && !f[i].equals(t[i])))
                {
                    return false;
                }
            }

            return f.length == t.length;
        }
    }

    private static final class RecordingHandler implements TopicMatchHandler<Client>
    {
        final List<String> subscribers = new ArrayList<>();
        final List<SharedGroup<Client>> groups = new ArrayList<>();

        @Override
        public void onSubscriber(final Client subscriber)
        {
            subscribers.add(subscriber.name);
        }

        @Override
        public void onSharedGroup(final SharedGroup<Client> group)
        {
            groups.add(group);
        }

        void clear()
        {
            subscribers.clear();
            groups.clear();
        }
    }

    private static final class CountingHandler implements TopicMatchHandler<Client>
    {
        long subscribers;
        long groups;

        @Override
        public void onSubscriber(final Client subscriber)
        {
            subscribers++;
        }

        @Override
        public void onSharedGroup(final SharedGroup<Client> group)
        {
            groups++;
        }
    }
}
