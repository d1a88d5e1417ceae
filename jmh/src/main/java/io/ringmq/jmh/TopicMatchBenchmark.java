package io.ringmq.jmh;

import io.ringmq.core.routing.SharedGroup;
import io.ringmq.core.routing.TopicMatchHandler;
import io.ringmq.core.routing.TopicTrie;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link TopicTrie#match}: the Router's per-PUBLISH lookup, against a fleet-shaped trie of 10, 10k or 1M
 * subscriptions.
 * <p>
 * Fleet shape, topics {@code fleet/{region}/{device}/{telemetry|alarm}} with 2 regions (10 subscriptions) or 16:
 * <ul>
 *     <li>per region a dashboard {@code fleet/{region}/+/telemetry} and an archiver {@code fleet/{region}/#};</li>
 *     <li>one alarm service {@code fleet/+/+/alarm};</li>
 *     <li>one shared group {@code $share/ingest/fleet/+/+/telemetry} of 4 members (1 for 10 subscriptions);</li>
 *     <li>everything else is one subscription per device: {@code fleet/{region}/{device}/telemetry}, every
 *     eighth device {@code fleet/{region}/{device}/+} instead.</li>
 * </ul>
 * The wildcard subscribers stay few as the fleet grows (dashboards do not scale with devices), so a telemetry
 * message matches 4 entries (dashboard, archiver, device, shared group) at every size and the figure shows the
 * lookup, not the fan-out. The topics (4096, one in eight an alarm) cycle over random devices, so at 1M the walk
 * misses the caches as a real broker does. A preallocated counting {@link TopicMatchHandler} receives the matches.
 * Per-message path: must allocate nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class TopicMatchBenchmark
{
    private static final int TOPIC_COUNT = 4096;
    private static final int TOPIC_MASK = TOPIC_COUNT - 1;

    private final CountingHandler handler = new CountingHandler();
    private int cursor;

    /** The trie and the topics to match, built once per trial and only read afterwards. */
    @State(Scope.Benchmark)
    public static class Fleet
    {
        /** Number of subscriptions in the trie. */
        @Param({"10", "10000", "1000000"})
        int subscriptions;

        TopicTrie<Object> trie;
        UnsafeBuffer topics;
        int[] topicOffsets;
        int[] topicLengths;

        /** Subscribe the fleet and lay out the topics in one off-heap buffer. */
        @Setup(Level.Trial)
        public void setup()
        {
            final boolean small = subscriptions < 10_000;
            final int regions = small ? 2 : 16;
            final int groupMembers = small ? 1 : 4;
            trie = new TopicTrie<>();
            for (int r = 0; r < regions; r++)
            {
                subscribe("fleet/" + region(r) + "/+/telemetry");
                subscribe("fleet/" + region(r) + "/#");
            }
            subscribe("fleet/+/+/alarm");
            for (int m = 0; m < groupMembers; m++)
            {
                subscribe("$share/ingest/fleet/+/+/telemetry");
            }
            final int devices = subscriptions - trie.subscriptionCount();
            for (int device = 0; device < devices; device++)
            {
                final String prefix = "fleet/" + region(device % regions) + "/" + device(device) + "/";
                subscribe(prefix + (7 == (device & 7) ? "+" : "telemetry"));
            }
            if (trie.subscriptionCount() != subscriptions)
            {
                throw new IllegalStateException("built " + trie.subscriptionCount() + " not " + subscriptions);
            }

            topics = Frames.direct(TOPIC_COUNT * 64);
            topicOffsets = new int[TOPIC_COUNT];
            topicLengths = new int[TOPIC_COUNT];
            final SplittableRandom random = new SplittableRandom(42);
            int offset = 0;
            for (int i = 0; i < TOPIC_COUNT; i++)
            {
                final int device = random.nextInt(devices);
                final String kind = 0 == random.nextInt(8) ? "alarm" : "telemetry";
                final byte[] topic = ("fleet/" + region(device % regions) + "/" + device(device) + "/" + kind)
                    .getBytes(StandardCharsets.UTF_8);
                topics.putBytes(offset, topic);
                topicOffsets[i] = offset;
                topicLengths[i] = topic.length;
                offset += topic.length;
            }

            final CountingHandler check = new CountingHandler();
            final byte[] known = ("fleet/" + region(0) + "/" + device(0) + "/telemetry")
                .getBytes(StandardCharsets.UTF_8);
            trie.match(new UnsafeBuffer(known), 0, known.length, check);
            if (4 != check.matches)
            {
                throw new IllegalStateException("device 0 telemetry should match 4 entries, matched " + check.matches);
            }
        }

        private void subscribe(final String filter)
        {
            trie.subscribe(filter, new Object());
        }

        private static String region(final int region)
        {
            return "r" + region;
        }

        private static String device(final int device)
        {
            return String.format(Locale.ROOT, "dev%07d", device);
        }
    }

    /**
     * Match the next topic.
     *
     * @param fleet the trie.
     * @return running number of matches, so the walk is not eliminated.
     */
    @Benchmark
    public int match(final Fleet fleet)
    {
        final int i = cursor++ & TOPIC_MASK;
        fleet.trie.match(fleet.topics, fleet.topicOffsets[i], fleet.topicLengths[i], handler);
        return handler.matches;
    }

    /** Counts matches; preallocated, so matching stays allocation free. */
    static final class CountingHandler implements TopicMatchHandler<Object>
    {
        int matches;

        @Override
        public void onSubscriber(final Object subscriber)
        {
            matches++;
        }

        @Override
        public void onSharedGroup(final SharedGroup<Object> group)
        {
            matches++;
        }
    }
}
