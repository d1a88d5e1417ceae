package io.ringmq.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class LoadResultTest
{
    @Test
    void shouldComputeLossPerPublisherAndQos()
    {
        final LoadResult r = result(
            new int[]{ 0, 1, 2 },
            new long[]{ 100, 100, 100 },
            new long[]{ 0, 90, 80 },
            new long[]{ 95, 90, 81 },
            new long[]{ 0, 3, 0 },
            new long[]{ 1, 1, 1 });
        r.computeLoss();
        assertEquals(5, r.byQos[0][LoadResult.QOS_LOST], "QoS 0: sent 100, 95 distinct");
        assertEquals(0, r.byQos[1][LoadResult.QOS_LOST], "QoS 1: acked 90, all received");
        assertEquals(0, r.byQos[2][LoadResult.QOS_LOST], "QoS 2: a delivered-but-unacked message is not loss");
        assertEquals(3, r.byQos[1][LoadResult.QOS_DUPLICATED]);
        assertEquals(100 + 90 + 80, r.expected);
        assertEquals(5, r.lost);
        assertEquals(3, r.duplicated);
    }

    @Test
    void shouldMultiplyExpectedByReceiversButCapASharedGroupAtOne()
    {
        final LoadResult fanOut = result(new int[]{ 1 }, new long[]{ 10 }, new long[]{ 10 }, new long[]{ 38 },
            new long[]{ 0 }, new long[]{ 4 });
        fanOut.computeLoss();
        assertEquals(40, fanOut.expected);
        assertEquals(2, fanOut.lost);

        final LoadResult shared = result(new int[]{ 1 }, new long[]{ 10 }, new long[]{ 10 }, new long[]{ 10 },
            new long[]{ 0 }, new long[]{ 2 });
        shared.sharedGroup = true;
        shared.computeLoss();
        assertEquals(10, shared.expected);
        assertEquals(0, shared.lost);
    }

    @Test
    void shouldRoundTripThroughJsonAndMergeShards()
    {
        // Shard 0 owns publisher 0 and a receiver; shard 1 owns publisher 1 and a receiver; fan-in: each receiver
        // gets both publishers.
        final LoadResult shard0 = result(new int[]{ 0, 0 }, new long[]{ 100, 0 }, new long[]{ 0, 0 },
            new long[]{ 100, 60 }, new long[]{ 0, 0 }, new long[]{ 1, 1 });
        final LoadResult shard1 = result(new int[]{ 0, 0 }, new long[]{ 0, 60 }, new long[]{ 0, 0 },
            new long[]{ 99, 60 }, new long[]{ 0, 1 }, new long[]{ 1, 1 });
        shard0.histogram.recordValue(100_000);
        shard1.histogram.recordValue(300_000);
        shard0.timeline.add(new double[]{ 1, 10, 20, 2, 5, 9, 0 });
        shard1.timeline.add(new double[]{ 1, 30, 40, 2, 6, 7, 0 });

        final LoadResult back0 = LoadResult.fromJson(ResultJson.read(shard0.toJson()));
        final LoadResult back1 = LoadResult.fromJson(ResultJson.read(shard1.toJson()));
        assertEquals(1, back0.histogram.getTotalCount());

        final LoadResult merged = Merge.merge(List.of(back0, back1));
        assertEquals(2, merged.shards);
        assertEquals(160, merged.sent);
        assertEquals(2 * 100 + 2 * 60, merged.expected);
        assertEquals(1, merged.lost, "publisher 0: 200 expected, 199 distinct");
        assertEquals(1, merged.duplicated);
        assertEquals(2, merged.histogram.getTotalCount());
        assertEquals(40, merged.timeline.get(0)[1], 1e-9);
        assertTrue(merged.latencyUs(99) >= 299);
    }

    @Test
    void shouldRoundTripTheLoadTestersJitTimeAndAddItUpOverShardsUnlessOneDoesNotKnowIt()
    {
        final LoadResult shard0 = result(new int[]{ 0 }, new long[]{ 1 }, new long[]{ 0 }, new long[]{ 1 },
            new long[]{ 0 }, new long[]{ 1 });
        final LoadResult shard1 = result(new int[]{ 0 }, new long[]{ 1 }, new long[]{ 0 }, new long[]{ 1 },
            new long[]{ 0 }, new long[]{ 1 });
        shard0.jitMillis = 120;
        shard1.jitMillis = 7;
        final LoadResult back0 = LoadResult.fromJson(ResultJson.read(shard0.toJson()));
        final LoadResult back1 = LoadResult.fromJson(ResultJson.read(shard1.toJson()));
        assertEquals(120, back0.jitMillis);
        assertEquals(", JIT 120 ms", Summary.jit(back0));
        assertEquals(127, Merge.merge(List.of(back0, back1)).jitMillis);

        back1.jitMillis = -1;
        assertEquals(-1, Merge.merge(List.of(back0, back1)).jitMillis, "one shard without the figure");
        assertEquals("", Summary.jit(back1));
    }

    @Test
    void shouldWarmTheLoadTesterUpAsAskedThenWhileItStillCompilesMuchButNeverPastTheLimit()
    {
        final LoadResult compiling = new LoadResult();
        compiling.jitMillis = Compare.WARM_JIT_MS + 1;
        final LoadResult warm = new LoadResult();
        warm.jitMillis = Compare.WARM_JIT_MS;
        final LoadResult unknown = new LoadResult();

        assertFalse(Compare.warmUpAgain(0, 0, null), "--tester-warm-up 0: none at all");
        assertTrue(Compare.warmUpAgain(0, 1, null));
        assertTrue(Compare.warmUpAgain(1, 2, warm), "at least as many as asked");
        assertTrue(Compare.warmUpAgain(1, 1, compiling), "the last one still compiled much");
        assertFalse(Compare.warmUpAgain(1, 1, warm));
        assertFalse(Compare.warmUpAgain(1, 1, unknown), "a JVM that does not say how long it compiled");
        assertFalse(Compare.warmUpAgain(Compare.MAX_TESTER_WARM_UPS, 1, compiling), "bounded");
    }

    @Test
    void shouldListTheBrokersBusyThreadsBusiestFirstAndLeaveOutTheQuietOnes()
    {
        final LoadResult r = result(new int[]{ 1 }, new long[]{ 10 }, new long[]{ 10 }, new long[]{ 10 },
            new long[]{ 0 }, new long[]{ 1 });
        final Map<String, BrokerCpu.ThreadUse> threads = new HashMap<>();
        threads.put("ringmq-io-1-1", new BrokerCpu.ThreadUse(41.7, 18_955));
        threads.put("C2 CompilerThre", new BrokerCpu.ThreadUse(1.3, 70));
        threads.put("VM Periodic Tas", new BrokerCpu.ThreadUse(0.1, 20));
        threads.put("G1 Service", new BrokerCpu.ThreadUse(0.0, 5));
        r.brokerThreads = threads;

        final List<String> lines = Summary.brokerThreadLines(r);
        assertEquals(3, lines.size(), "quiet under both bounds: left out: " + lines);
        assertTrue(lines.get(0).contains("ringmq-io-1-1") && lines.get(0).contains("41.70%"), lines.get(0));
        assertTrue(lines.get(1).contains("C2 CompilerThre"), lines.get(1));
        assertTrue(lines.get(2).contains("VM Periodic Tas") && lines.get(2).contains("20 wake-ups/s"), lines.get(2));
        r.brokerThreads = Map.of();
        assertTrue(Summary.brokerThreadLines(r).isEmpty(), "not measured: no lines");
    }

    @Test
    void shouldRoundTripTheIsolationFiguresThroughJson()
    {
        final LoadResult r = result(new int[]{ 1 }, new long[]{ 10 }, new long[]{ 10 }, new long[]{ 10 },
            new long[]{ 0 }, new long[]{ 1 });
        r.scenario = "isolation";
        r.stalledMode = LoadOptions.STALLED_OFFLINE;
        r.healthyDisconnects = 2;
        r.pingTimeouts = 3;
        r.maxPingRttUs = 1234.5;
        r.stalledReceived = 4;
        r.stalledClosed = 1;
        r.brokerRssSetupKb = 100;
        r.brokerRssMaxKb = 300;
        r.brokerRssEndKb = 200;
        r.sys.put("publish/messages/dropped/queue-full", 5000L);
        r.sys.put("clients/stalled", 1L);

        final LoadResult back = LoadResult.fromJson(ResultJson.read(r.toJson()));
        assertEquals(LoadOptions.STALLED_OFFLINE, back.stalledMode);
        assertEquals(2, back.healthyDisconnects);
        assertEquals(3, back.pingTimeouts);
        assertEquals(1234.5, back.maxPingRttUs, 1e-9);
        assertEquals(4, back.stalledReceived);
        assertEquals(1, back.stalledClosed);
        assertEquals(100, back.brokerRssSetupKb);
        assertEquals(300, back.brokerRssMaxKb);
        assertEquals(200, back.brokerRssEndKb);
        assertEquals(r.sys, back.sys);
        assertTrue(Summary.isolationLines(back).get(1).contains("offline"));
        assertEquals(null, LoadResult.fromJson(ResultJson.read(
            result(new int[0], new long[0], new long[0], new long[0], new long[0], new long[0]).toJson())).stalledMode,
            "no isolation object outside the isolation scenario");
    }

    static LoadResult result(
        final int[] qos,
        final long[] sent,
        final long[] acked,
        final long[] distinct,
        final long[] duplicates,
        final long[] receivers)
    {
        final LoadResult r = new LoadResult();
        r.scenario = "fan-in";
        r.broker = "127.0.0.1:1883";
        r.options = "test";
        r.runId = "t";
        r.qos = "0";
        r.publisherQos = qos;
        r.publisherSent = sent;
        r.publisherAcked = acked;
        r.publisherDistinct = distinct;
        r.publisherReceived = new long[sent.length];
        for (int i = 0; i < sent.length; i++)
        {
            r.publisherReceived[i] = distinct[i] + duplicates[i];
            r.sent += sent[i];
        }
        r.publisherDuplicates = duplicates;
        r.publisherExpectedReceivers = receivers;
        return r;
    }
}
