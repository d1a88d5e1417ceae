package io.ringmq.loadtest;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs one scenario: builds this shard's clients, spreads them over the {@link IoLoop}s, drives the phases
 * (connect at the ramp rate, warm up, measure, drain, disconnect) and aggregates a {@link LoadResult}.
 * Every wait is bounded by a timeout and the whole run by {@code --timeout}.
 * <p>
 * <b>Threading:</b> runs on the calling thread; loops are told what to do through their command queues.
 */
final class ScenarioRunner
{
    private static final long POLL_NS = 5_000_000L;
    private static final long CLOSE_TIMEOUT_NS = 5_000_000_000L;
    private static final long RSS_SAMPLE_NS = 500_000_000L;
    private static final String[] SYS_TOPICS = {
        "$SYS/broker/publish/messages/dropped/queue-full",
        "$SYS/broker/publish/messages/dropped",
        "$SYS/broker/clients/stalled",
        "$SYS/broker/publish/acks/held" };

    private final LoadOptions options;
    private final PrintStream log;
    private final Scenario scenario;
    private final List<IoLoop> loops = new ArrayList<>();
    private final List<Connection> all = new ArrayList<>();
    private final List<Publisher> publishers = new ArrayList<>();
    private final long deadlineNs;
    private int publisherCount;
    private int[] expectedReceivers = new int[0];
    private Monitor monitor;
    private CpuSampler cpu;
    private long brokerRssMaxKb = -1;

    /**
     * Runner for one scenario.
     *
     * @param options parsed options.
     * @param log     where to print progress and warnings (stderr).
     */
    ScenarioRunner(final LoadOptions options, final PrintStream log)
    {
        this.options = options;
        this.log = log;
        this.scenario = options.scenario;
        this.deadlineNs = System.nanoTime() + options.hardTimeoutNs;
    }

    /**
     * Run the scenario to the end.
     *
     * @return the result.
     * @throws IOException if the loops cannot be created.
     */
    LoadResult run() throws IOException
    {
        plan();
        final LoadResult result = new LoadResult();
        final long rssBefore = ProcStatus.rssKb(options.brokerPid);
        final long selfHeapBefore = scenario == Scenario.IDLE ? ProcStatus.usedHeapAfterGc() : 0;
        final long selfRssBefore = ProcStatus.rssKb(-1);
        final List<Thread> threads = new ArrayList<>();
        for (final IoLoop loop : loops)
        {
            threads.add(loop.start());
        }
        cpu = new CpuSampler(threads, options.brokerPid);
        final boolean showProgress = null != options.progress ? options.progress :
            (null != System.console() && !options.quiet);
        monitor = new Monitor(loops, showProgress ? log : null, all.size());
        monitor.start();
        try
        {
            switch (scenario)
            {
                case IDLE -> runIdle(result, rssBefore, selfHeapBefore, selfRssBefore);
                case CONNECT_STORM -> runConnectStorm(result);
                case PERSISTENT -> runPersistent(result);
                case ISOLATION -> runIsolation(result, rssBefore);
                default -> runMessaging(result);
            }
            closeAll(scenario == Scenario.PERSISTENT || scenario == Scenario.ISOLATION);
        }
        finally
        {
            for (final IoLoop loop : loops)
            {
                loop.stop();
            }
            for (final Thread thread : threads)
            {
                try
                {
                    thread.join(10_000);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
            monitor.finish();
        }
        aggregate(result);
        return result;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Plan

    private void plan() throws IOException
    {
        final int version = options.protocol;
        publisherCount = scenario.messaging() ? options.publishers : 0;
        for (int i = 0; i < options.threads; i++)
        {
            loops.add(new IoLoop(i, options, publisherCount));
        }
        final String prefix = "lt-" + options.runId + "-";
        if (!scenario.messaging())
        {
            final int role = scenario == Scenario.IDLE ? Connection.ROLE_IDLE : Connection.ROLE_STORM;
            final String kind = scenario == Scenario.IDLE ? "i" : "c";
            for (int i = 0; i < options.connections; i++)
            {
                if (options.owns(i))
                {
                    all.add(new Connection(role, i, prefix + kind + i, null, null));
                }
            }
        }
        else
        {
            final SharedSequenceSet[] groupSets = scenario == Scenario.SHARED ?
                new SharedSequenceSet[publisherCount] : null;
            if (null != groupSets)
            {
                for (int i = 0; i < groupSets.length; i++)
                {
                    groupSets[i] = new SharedSequenceSet();
                }
            }
            final boolean persistent = scenario == Scenario.PERSISTENT || options.persistentSessions;
            for (int s = 0; s < options.subscribers; s++)
            {
                if (options.owns(s))
                {
                    final Receiver receiver = new Receiver(
                        scenario.filter(options, s), options.maxQos(), persistent, publisherCount, groupSets);
                    final Connection c = new Connection(Connection.ROLE_SUBSCRIBER, s, prefix + "s" + s, null,
                        receiver);
                    c.cleanStart = !persistent || version == 5;
                    all.add(c);
                }
            }
            if (scenario == Scenario.ISOLATION)
            {
                planIsolationExtras(prefix);
            }
            final double rate = options.ratePerPublisher(publisherCount);
            for (int p = 0; p < publisherCount; p++)
            {
                if (options.owns(p))
                {
                    final Publisher publisher = new Publisher(
                        p, options.qosOf(p), scenario.topic(options, p), rate, options.inflight);
                    publishers.add(publisher);
                    all.add(new Connection(Connection.ROLE_PUBLISHER, p, prefix + "p" + p, publisher, null));
                }
            }
        }
        for (int i = 0; i < all.size(); i++)
        {
            final Connection c = all.get(i);
            c.sourceAddressIndex = i;
            c.username = options.usernameOf(c.index);
            loops.get(i % loops.size()).add(c);
        }
    }

    /**
     * Isolation: one client reading the broker's $SYS counters and, unless {@code --stalled none}, the stalled
     * subscriber to '#' at the highest QoS asked for (persistent when it is to go offline).
     */
    private void planIsolationExtras(final String prefix)
    {
        final Receiver sys = new Receiver("$SYS/broker/#", 0, false, publisherCount, null);
        all.add(new Connection(Connection.ROLE_SYS, 0, prefix + "sys", null, sys));
        if (options.hasStalledSubscriber())
        {
            final boolean persistent = LoadOptions.STALLED_OFFLINE.equals(options.stalled) ||
                options.persistentSessions;
            final Receiver stalled = new Receiver("#", options.maxQos(), persistent, publisherCount, null);
            final Connection c = new Connection(Connection.ROLE_STALLED, 0, prefix + "stalled", null, stalled);
            c.cleanStart = !persistent || options.protocol == 5;
            all.add(c);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Scenarios

    private void runMessaging(final LoadResult result)
    {
        final double setupSeconds = connect(0);
        result.setupSeconds = setupSeconds;
        final List<Integer> readyReceivers = readyIndices(Connection.ROLE_SUBSCRIBER);
        expectedReceivers = scenario.expectedReceivers(publisherCount, readyReceivers);
        warnIfIncomplete();
        publishAndMeasure(result);
        drain(false);
    }

    private void runPersistent(final LoadResult result)
    {
        result.setupSeconds = connect(Connection.ROLE_SUBSCRIBER);
        expectedReceivers = scenario.expectedReceivers(
            publisherCount, readyIndices(Connection.ROLE_SUBSCRIBER));
        forEachLoop(loop -> loop.disconnectAll(Connection.ROLE_SUBSCRIBER, false));
        await(() -> openOfRole(Connection.ROLE_SUBSCRIBER) == 0, CLOSE_TIMEOUT_NS);
        connect(Connection.ROLE_PUBLISHER);
        warnIfIncomplete();
        publishAndMeasure(result);
        await(() -> monitor.sum(LoopCounters.OUTSTANDING) == 0, options.drainNs);
        result.queued = monitor.sum(LoopCounters.EXPECTED);
        final long receivedWhileOffline = monitor.sum(LoopCounters.RECEIVED);
        if (receivedWhileOffline > 0)
        {
            log.println("ringmq-loadtest: " + receivedWhileOffline +
                " messages arrived while subscribers were offline");
        }
        final long reconnectNs = System.nanoTime();
        forEachLoop(loop -> loop.reopen(Connection.ROLE_SUBSCRIBER, false));
        awaitSetup();
        drain(true);
        result.redeliverySeconds = (System.nanoTime() - reconnectNs) / 1e9;
        result.latencyMetric = "queued-to-redelivered (from intended send time)";
        if (options.protocol != 5)
        {
            forEachLoop(loop -> loop.disconnectAll(Connection.ROLE_SUBSCRIBER, false));
            await(() -> openOfRole(Connection.ROLE_SUBSCRIBER) == 0, CLOSE_TIMEOUT_NS);
            forEachLoop(loop -> loop.reopen(Connection.ROLE_SUBSCRIBER, true));
            awaitSetup();
        }
    }

    /**
     * The $SYS reader first, then the stalled subscriber (subscribed, then either never reading or gone offline with
     * its session kept), then the healthy pairs; publish and measure; after the drain, wait for the broker's next $SYS
     * update; an offline stalled session is ended by a clean reconnect so it does not outlive the run.
     */
    private void runIsolation(final LoadResult result, final long rssBeforeKb)
    {
        final long startNs = System.nanoTime();
        connect(Connection.ROLE_SYS);
        final boolean offline = LoadOptions.STALLED_OFFLINE.equals(options.stalled);
        if (options.hasStalledSubscriber())
        {
            connect(Connection.ROLE_STALLED);
            if (offline && !await(() -> openOfRole(Connection.ROLE_STALLED) == 0, CLOSE_TIMEOUT_NS))
            {
                log.println("ringmq-loadtest: the stalled subscriber did not go offline");
            }
        }
        connect(0);
        result.setupSeconds = (System.nanoTime() - startNs) / 1e9;
        expectedReceivers = scenario.expectedReceivers(publisherCount, readyIndices(Connection.ROLE_SUBSCRIBER));
        warnIfIncomplete();
        result.brokerPid = options.brokerPid;
        result.brokerRssBaselineKb = options.brokerPid > 0 ? rssBeforeKb : -1;
        result.brokerRssSetupKb = brokerRssKb();
        publishAndMeasure(result);
        result.brokerRssLoadedKb = brokerRssKb();
        drain(false);
        waitUntil(System.nanoTime() + options.sysWaitNs);
        result.brokerRssEndKb = brokerRssKb();
        result.brokerRssMaxKb = Math.max(brokerRssMaxKb, Math.max(result.brokerRssLoadedKb, result.brokerRssEndKb));
        if (offline)
        {
            forEachLoop(IoLoop::endStalledSession);
            awaitSetup();
        }
    }

    private long openOfRole(final int role)
    {
        long open = 0;
        for (final IoLoop loop : loops)
        {
            try
            {
                open += loop.call(l -> l.openCount(role)).get(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException | ExecutionException | TimeoutException ex)
            {
                throw new IllegalStateException("I/O loop did not answer: " + ex, ex);
            }
        }
        return open;
    }

    private void runIdle(
        final LoadResult result, final long rssBefore, final long selfHeapBefore, final long selfRssBefore)
    {
        result.latencyMetric = "PINGREQ/PINGRESP round trip";
        result.setupSeconds = connect(0);
        warnIfIncomplete();
        final long startNs = System.nanoTime();
        final long measureStartNs = startNs + options.warmupNs;
        final long endNs = measureStartNs + options.durationNs;
        forEachLoop(loop -> loop.window(measureStartNs, endNs));
        waitUntil(measureStartNs);
        cpu.start();
        waitUntil(endNs);
        cpu.stop();
        final long established = monitor.sum(LoopCounters.READY);
        final long rssAfter = ProcStatus.rssKb(options.brokerPid);
        if (options.brokerPid > 0)
        {
            result.brokerPid = options.brokerPid;
            result.brokerRssBaselineKb = rssBefore;
            result.brokerRssLoadedKb = rssAfter;
            if (rssBefore > 0 && rssAfter > 0 && established > 0)
            {
                result.brokerRssPerConnectionBytes = (rssAfter - rssBefore) * 1024.0 / established;
            }
        }
        if (established > 0)
        {
            result.selfHeapPerConnectionBytes = (ProcStatus.usedHeapAfterGc() - selfHeapBefore) / (double)established;
            final long selfRssAfter = ProcStatus.rssKb(-1);
            if (selfRssBefore > 0 && selfRssAfter > 0)
            {
                result.selfRssPerConnectionBytes = (selfRssAfter - selfRssBefore) * 1024.0 / established;
            }
        }
        result.measureSeconds = (endNs - measureStartNs) / 1e9;
    }

    private void runConnectStorm(final LoadResult result)
    {
        result.latencyMetric = "connect (TCP open to CONNACK)";
        final long startNs = System.nanoTime();
        cpu.start();
        result.setupSeconds = connect(0);
        final long connects = monitor.sum(LoopCounters.CONNECTS);
        if (!options.reconnect)
        {
            cpu.stop();
            final double seconds = Math.max(1e-9, (System.nanoTime() - startNs) / 1e9);
            result.connectsPerSecond = connects / seconds;
            result.measureSeconds = seconds;
            return;
        }
        final long churnStartNs = System.nanoTime();
        final long measureStartNs = churnStartNs + options.warmupNs;
        final long endNs = measureStartNs + options.durationNs;
        forEachLoop(loop -> loop.startChurn(measureStartNs, endNs));
        waitUntil(measureStartNs);
        cpu.start();
        waitUntil(endNs);
        cpu.stop();
        result.measureSeconds = options.durationNs / 1e9;
        result.connectsPerSecond = monitor.sum(LoopCounters.CONNECTS_IN_WINDOW) / Math.max(1e-9, result.measureSeconds);
        await(() -> monitor.sum(LoopCounters.SETTING_UP) == 0 && monitor.sum(LoopCounters.QUEUED) == 0,
            options.connectTimeoutNs);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Phases

    private double connect(final int role)
    {
        final long startNs = System.nanoTime();
        final double intervalNs = options.rampUpPerSecond > 0 ? 1e9 * loops.size() / options.rampUpPerSecond : 0;
        forEachLoop(loop -> loop.openAll(startNs, intervalNs, role));
        awaitSetup();
        return (System.nanoTime() - startNs) / 1e9;
    }

    private void awaitSetup()
    {
        // Let every loop take the command first, so QUEUED reflects it.
        forEachLoopSync();
        final long timeoutNs = options.connectTimeoutNs + (options.rampUpPerSecond > 0 ?
            (long)(all.size() / options.rampUpPerSecond * 1e9) : 0);
        final boolean done = await(
            () -> monitor.sum(LoopCounters.QUEUED) == 0 && monitor.sum(LoopCounters.SETTING_UP) == 0, timeoutNs);
        if (!done)
        {
            log.println("ringmq-loadtest: connection set-up did not finish within " + timeoutNs / 1_000_000_000L +
                " s; going on with the connections that are up");
        }
    }

    private void warnIfIncomplete()
    {
        final long failed = monitor.sum(LoopCounters.FAILED);
        if (failed > 0)
        {
            log.println("ringmq-loadtest: " + failed + " connection(s) failed during set-up");
        }
    }

    private void publishAndMeasure(final LoadResult result)
    {
        long startNs = System.nanoTime() + 20_000_000L;
        if (options.startAtEpochMs > 0)
        {
            // Shards started separately publish together: wall clock to this process's nanoTime.
            final long delayMs = options.startAtEpochMs - System.currentTimeMillis();
            if (delayMs < 0)
            {
                log.println("ringmq-loadtest: --start-at is " + -delayMs + " ms in the past; starting now");
            }
            startNs = System.nanoTime() + Math.max(0, delayMs) * 1_000_000L;
        }
        final long measureStartNs = startNs + options.warmupNs;
        final long endNs = measureStartNs + options.durationNs;
        final int[] expected = expectedReceivers;
        final long firstNs = startNs;
        forEachLoop(loop -> loop.startPublishing(firstNs, measureStartNs, endNs, expected));
        waitSamplingRss(measureStartNs);
        cpu.start();
        waitSamplingRss(endNs);
        cpu.stop();
        result.measureSeconds = options.durationNs / 1e9;
    }

    /**
     * Wait for what was sent to arrive: until nothing is outstanding and (one shard) everything expected arrived, or
     * nothing moved for the quiet period, or the drain time is up.
     */
    private void drain(final boolean waitForFirst)
    {
        final long startNs = System.nanoTime();
        final long endNs = startNs + options.drainNs;
        long lastProgress = -1;
        long lastProgressNs = startNs;
        while (System.nanoTime() < Math.min(endNs, deadlineNs))
        {
            final long outstanding = monitor.sum(LoopCounters.OUTSTANDING);
            final long distinct = monitor.sum(LoopCounters.DISTINCT);
            final long expected = monitor.sum(LoopCounters.EXPECTED);
            final long progress = monitor.sum(LoopCounters.RECEIVED) + monitor.sum(LoopCounters.ACKED);
            final long activePublishers = monitor.sum(LoopCounters.ACTIVE_PUBLISHERS);
            if (activePublishers == 0 && outstanding == 0 && options.shardCount == 1 && distinct >= expected)
            {
                return;
            }
            final long now = System.nanoTime();
            if (progress != lastProgress)
            {
                lastProgress = progress;
                lastProgressNs = now;
            }
            else if (now - lastProgressNs >= options.quietNs && (!waitForFirst || progress > 0 ||
                now - startNs >= options.drainNs))
            {
                return;
            }
            LockSupport.parkNanos(POLL_NS);
        }
    }

    private void closeAll(final boolean endSessions)
    {
        forEachLoop(loop -> loop.disconnectAll(0, endSessions));
        await(() -> monitor.sum(LoopCounters.OPEN) == 0, CLOSE_TIMEOUT_NS);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Helpers

    private List<Integer> readyIndices(final int role)
    {
        final List<Integer> result = new ArrayList<>();
        final List<CompletableFuture<List<Integer>>> futures = new ArrayList<>();
        for (final IoLoop loop : loops)
        {
            futures.add(loop.call(l -> l.readyIndices(role)));
        }
        for (final CompletableFuture<List<Integer>> future : futures)
        {
            try
            {
                result.addAll(future.get(10, TimeUnit.SECONDS));
            }
            catch (final InterruptedException | ExecutionException | TimeoutException ex)
            {
                throw new IllegalStateException("I/O loop did not answer: " + ex, ex);
            }
        }
        return result;
    }

    private void forEachLoop(final Consumer<IoLoop> command)
    {
        for (final IoLoop loop : loops)
        {
            loop.execute(command);
        }
    }

    private void forEachLoopSync()
    {
        final List<CompletableFuture<Boolean>> futures = new ArrayList<>();
        for (final IoLoop loop : loops)
        {
            futures.add(loop.call(l ->
            {
                l.counters.publish();
                return Boolean.TRUE;
            }));
        }
        for (final CompletableFuture<Boolean> future : futures)
        {
            try
            {
                future.get(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException | ExecutionException | TimeoutException ex)
            {
                throw new IllegalStateException("I/O loop did not answer: " + ex, ex);
            }
        }
    }

    private boolean await(final BooleanSupplier condition, final long timeoutNs)
    {
        final long endNs = Math.min(System.nanoTime() + timeoutNs, deadlineNs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() >= endNs)
            {
                return false;
            }
            LockSupport.parkNanos(POLL_NS);
        }
        return true;
    }

    /** {@link #waitUntil(long)}, reading the broker's RSS (with {@code --broker-pid}) twice a second for its peak. */
    private void waitSamplingRss(final long timeNs)
    {
        if (options.brokerPid <= 0)
        {
            waitUntil(timeNs);
            return;
        }
        final long endNs = Math.min(timeNs, deadlineNs);
        long remaining;
        while ((remaining = endNs - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(Math.min(remaining, RSS_SAMPLE_NS));
            brokerRssMaxKb = Math.max(brokerRssMaxKb, brokerRssKb());
        }
    }

    private long brokerRssKb()
    {
        return options.brokerPid > 0 ? ProcStatus.rssKb(options.brokerPid) : -1;
    }

    private void waitUntil(final long timeNs)
    {
        final long endNs = Math.min(timeNs, deadlineNs);
        long remaining;
        while ((remaining = endNs - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(Math.min(remaining, 50_000_000L));
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Result

    private void aggregate(final LoadResult r)
    {
        r.scenario = scenario.command();
        r.broker = options.host + ":" + options.port;
        r.options = options.describe();
        r.runId = options.runId;
        r.shard = options.shardIndex + "/" + options.shardCount;
        r.protocol = options.protocol;
        r.qos = options.qosText();
        r.payloadBytes = options.payloadBytes;
        r.sharedGroup = scenario == Scenario.SHARED;
        r.connectionsTarget = all.size();

        long established = 0;
        for (final Connection c : all)
        {
            established += c.everReady ? 1 : 0;
        }
        r.connectionsFailed = total(LoopCounters.FAILED);
        r.connectAttempts = total(LoopCounters.CONNECT_ATTEMPTS);
        r.connectionsEstablished = established;
        r.sessionsPresent = total(LoopCounters.SESSION_PRESENT);

        r.sent = total(LoopCounters.SENT);
        r.acknowledged = total(LoopCounters.ACKED);
        r.received = total(LoopCounters.RECEIVED);
        r.distinct = total(LoopCounters.DISTINCT);
        r.foreign = total(LoopCounters.FOREIGN);
        r.outstandingAtEnd = total(LoopCounters.OUTSTANDING);
        r.publishRefused = total(LoopCounters.PUBLISH_REFUSED);
        r.sentInWindow = total(LoopCounters.SENT_IN_WINDOW);
        r.receivedInWindow = total(LoopCounters.RECEIVED_IN_WINDOW);

        final double rate = options.ratePerPublisher(publisherCount);
        r.targetRate = scenario.messaging() ? rate * publisherCount / options.shardCount : 0;
        if (r.measureSeconds > 0 && scenario.messaging())
        {
            r.achievedRate = r.sentInWindow / r.measureSeconds;
            r.receiveRate = r.receivedInWindow / r.measureSeconds;
        }
        else if (scenario == Scenario.CONNECT_STORM)
        {
            r.achievedRate = r.connectsPerSecond;
        }

        aggregatePublishers(r);
        long evicted = 0;
        for (final Connection c : all)
        {
            if (null != c.receiver)
            {
                evicted += c.receiver.evicted();
            }
        }
        r.computeLoss();

        r.histogram = monitor.cumulative();
        r.sendLateness = monitor.lateness();
        r.timeline = monitor.timeline();

        r.processCpuSeconds = cpu.processSeconds();
        r.processCpuPercent = cpu.processPercent();
        r.jitMillis = cpu.jitMillis();
        r.threadCpuPercent = cpu.threadPercent();
        r.ioCpuSeconds = cpu.ioSeconds();
        r.brokerCpuPercent = cpu.broker().cpuPercent();
        r.brokerWakeupsPerSecond = cpu.broker().wakeupsPerSecond();
        r.brokerMostWakeful = cpu.broker().mostWakeful();
        r.brokerThreads = cpu.broker().threads();
        final double handled = scenario.messaging() ? r.sentInWindow + r.receivedInWindow :
            total(LoopCounters.CONNECTS);
        r.msgsPerCoreSecond = r.ioCpuSeconds > 0 ? handled / r.ioCpuSeconds : 0;
        r.cpuWarning = cpu.warning();

        r.errors.put("protocolErrors", total(LoopCounters.PROTOCOL_ERRORS));
        r.errors.put("connectRefused", total(LoopCounters.CONNECT_REFUSED));
        r.errors.put("subscribeRefused", total(LoopCounters.SUBSCRIBE_REFUSED));
        r.errors.put("closedByBroker", total(LoopCounters.CLOSED_BY_BROKER));
        r.errors.put("ioErrors", total(LoopCounters.IO_ERRORS));
        r.errors.put("setupTimeouts", total(LoopCounters.SETUP_TIMEOUTS));
        r.errors.put("pingTimeouts", total(LoopCounters.PING_TIMEOUTS));
        r.errors.put("unexpectedAcks", total(LoopCounters.UNEXPECTED_ACKS));
        r.errors.put("foreignMessages", r.foreign);
        r.errors.put("gapsGivenUp", evicted);
        r.errors.put("pings", total(LoopCounters.PINGS));
        r.errors.put("pongs", total(LoopCounters.PONGS));
        if (scenario == Scenario.ISOLATION)
        {
            aggregateIsolation(r);
        }
    }

    /** The stalled subscriber's figures, the healthy clients' disconnects and ping times, the $SYS deltas. */
    private void aggregateIsolation(final LoadResult r)
    {
        r.stalledMode = options.stalled;
        r.stalledReceived = total(LoopCounters.STALLED_RECEIVED);
        r.stalledClosed = total(LoopCounters.STALLED_CLOSED);
        r.healthyDisconnects = total(LoopCounters.UNEXPECTED_CLOSES);
        r.pingTimeouts = total(LoopCounters.PING_TIMEOUTS);
        long maxPingNs = 0;
        for (final IoLoop loop : loops)
        {
            maxPingNs = Math.max(maxPingNs, loop.maxPingRttNs);
        }
        r.maxPingRttUs = maxPingNs / 1000.0;
        for (final String topic : SYS_TOPICS)
        {
            for (final IoLoop loop : loops)
            {
                final Long first = loop.sysFirst.get(topic);
                final Long last = loop.sysLast.get(topic);
                if (null != first && null != last)
                {
                    r.sys.put(topic.substring("$SYS/broker/".length()), last - first);
                }
            }
        }
    }

    /** Per-publisher counts: what each publisher sent and had acknowledged, and what the loops received. */
    private void aggregatePublishers(final LoadResult r)
    {
        r.publisherQos = new int[publisherCount];
        r.publisherSent = new long[publisherCount];
        r.publisherAcked = new long[publisherCount];
        r.publisherReceived = new long[publisherCount];
        r.publisherDistinct = new long[publisherCount];
        r.publisherDuplicates = new long[publisherCount];
        r.publisherExpectedReceivers = new long[publisherCount];
        for (int p = 0; p < publisherCount; p++)
        {
            r.publisherQos[p] = options.qosOf(p);
            r.publisherExpectedReceivers[p] = p < expectedReceivers.length ? expectedReceivers[p] : 0;
        }
        for (final Publisher p : publishers)
        {
            r.publisherSent[p.publisherId] = p.sent;
            r.publisherAcked[p.publisherId] = p.acknowledged;
        }
        for (final IoLoop loop : loops)
        {
            for (int p = 0; p < publisherCount; p++)
            {
                r.publisherReceived[p] += loop.receivedByPublisher[p];
                r.publisherDistinct[p] += loop.distinctByPublisher[p];
                r.publisherDuplicates[p] += loop.duplicatesByPublisher[p];
            }
        }
    }

    private long total(final int counter)
    {
        long sum = 0;
        for (final IoLoop loop : loops)
        {
            sum += loop.counters.values[counter];
        }
        return sum;
    }
}
