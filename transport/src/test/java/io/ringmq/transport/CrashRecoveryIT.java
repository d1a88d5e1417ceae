package io.ringmq.transport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedListener;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.advanced.interceptor.qos2.Mqtt5OutgoingQos2Interceptor;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult.Mqtt5Qos1Result;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult.Mqtt5Qos2Result;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubcomp.Mqtt5PubComp;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRec;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrel.Mqtt5PubRel;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrel.Mqtt5PubRelBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything the broker acknowledged survives {@code kill -9}, in both journal sync modes. The broker jar runs as a
 * child process on one data directory and is killed with SIGKILL ({@link Process#destroyForcibly()}) at random
 * moments while two publishers (QoS 1 with some retained messages, QoS 2) keep it busy and two persistent subscribers
 * are online, then restarted on the same port; a third persistent subscriber stays offline for the whole run. The
 * journal uses 1 MiB segments so that segment rollover, snapshots and segment deletion all happen under the kills.
 * The clients are created once and reconnect on their own, keeping their client-side session state (QoS 2 packet
 * identifiers, unacknowledged publishes) across restarts as real devices do.
 * <p>
 * After the last restart it checks, against what the publishers saw acknowledged (PUBACK, or PUBREC and PUBCOMP, with
 * no error reason code):
 * <ul>
 *     <li>every acknowledged QoS 1 message reached the online and the offline subscriber at least once;</li>
 *     <li>every acknowledged QoS 2 message reached both exactly once, and so did every QoS 2 message the broker took
 *     over with a successful PUBREC whose PUBCOMP later carried an error (a PUBREL resent after a crash);</li>
 *     <li>no QoS 2 message arrived twice, acknowledged or not;</li>
 *     <li>the offline subscriber's session (subscriptions and queue) survived every crash: it is present when the
 *     subscriber reconnects without subscribing again, and so is every online client's after each restart;</li>
 *     <li>each retained topic holds the last acknowledged retained message or a later one;</li>
 *     <li>nothing arrived that was never published (no corrupt or invented payload, payload matches topic).</li>
 * </ul>
 * <p>
 * <b>Threading:</b> the test thread drives the broker and the checks; each publisher has its own thread; HiveMQ's
 * threads complete publishes and deliver messages into concurrent collections.
 */
@Timeout(value = 170, unit = TimeUnit.SECONDS)
final class CrashRecoveryIT
{
    private static final Path JAR = Path.of("target", "ringmq.jar");
    private static final String HOST = "127.0.0.1";
    private static final int MIN_CYCLES = 10;
    private static final int MAX_CYCLES = 12;
    private static final long CYCLE_BUDGET_NS = TimeUnit.SECONDS.toNanos(90);
    private static final int MIN_LOAD_MS = 200;
    private static final int MAX_LOAD_MS = 1200;
    private static final int MAX_IN_FLIGHT = 32;
    /** Keeps the offline subscriber's queue (both publishers) below --max-queued-messages. */
    private static final int MAX_MESSAGES_PER_PUBLISHER = 90_000;
    private static final int MAX_QUEUED_MESSAGES = 200_000;
    private static final int RETAINED_EVERY = 50;
    private static final int RETAINED_KEYS = 5;
    private static final long SESSION_EXPIRY_S = 3600;
    private static final String SEGMENT_SIZE = "1048576";
    private static final String MAX_PACKET_SIZE = "65536";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration RECONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration QUIET = Duration.ofSeconds(1);
    private static final String Q1 = "q1";
    private static final String Q2 = "q2";
    private static final String RETAINED = "r";
    private static final String RECOVERED = "journal recovered in";
    private static final String MARKER = "=== ";
    private static final int MAX_EXAMPLES = 20;

    @TempDir
    Path tempDir;

    private final List<Mqtt5AsyncClient> clients = new ArrayList<>();
    private final List<Publisher> publishers = new ArrayList<>();
    private final List<Kill> kills = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<Device> devices = new CopyOnWriteArrayList<>();
    private final Inbox s1 = new Inbox("S1", Q1);
    private final Inbox s2 = new Inbox("S2", Q2);
    private final Inbox s3 = new Inbox("S3", Q1, Q2);
    private final Inbox fresh = new Inbox("fresh subscriber", RETAINED);
    private Path logFile;
    private Path dataDir;
    private int port;
    private Process broker;
    private volatile int starts;
    private String currentSync;

    private Device p1Device;
    private Device p2Device;
    private Device s1Device;
    private Device s2Device;
    private Publisher p1;
    private Publisher p2;

    @Test
    void shouldDeliverEverythingAcknowledgedAcrossKill9InBothSyncModes() throws Exception
    {
        final long startNs = System.nanoTime();
        final long seed = System.nanoTime(); // drives the port and the kill timings
        final Random random = new Random(seed);
        logFile = tempDir.resolve("broker.log");
        dataDir = tempDir.resolve("data");
        port = freePort(random);
        try
        {
            startBroker(sync(0));
            connectClients();
            final int cycles = runCycles(random, startNs);
            stopPublishersAndRestart();
            reconnectOfflineSubscriber();
            checkRetained();
            verify();
            report(seed, cycles, startNs);
            assertTrue(problems.isEmpty(), problems.size() + " problem(s) after " + cycles + " kill -9 cycles " +
                "(seed " + seed + "):\n" + String.join("\n", problems));
        }
        catch (final AssertionError | Exception ex)
        {
            printLogTail();
            throw ex;
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException
    {
        for (final Publisher publisher : publishers)
        {
            publisher.running = false;
        }
        for (final Publisher publisher : publishers)
        {
            publisher.thread.join(TimeUnit.SECONDS.toMillis(5));
        }
        // Disconnect first, while the broker still runs: it also stops automatic reconnection.
        for (final Mqtt5AsyncClient client : clients)
        {
            try
            {
                client.disconnect().get(2, TimeUnit.SECONDS);
            }
            catch (final Exception ignore)
            {
                // best effort: the client may already be disconnected
            }
        }
        if (null != broker)
        {
            broker.destroyForcibly();
            broker.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void connectClients() throws Exception
    {
        final Qos2Tracker tracker = new Qos2Tracker();
        p1Device = new Device("P1", "crash-p1", null, true, null);
        p2Device = new Device("P2", "crash-p2", null, true, tracker);
        s1Device = new Device("S1", "crash-s1", s1, true, null);
        s2Device = new Device("S2", "crash-s2", s2, true, null);
        final Device s3Device = new Device("S3", "crash-s3", s3, true, null);
        for (final Device device : List.of(p1Device, p2Device, s1Device, s2Device, s3Device))
        {
            device.connect();
        }
        subscribe(s1Device, subscription("crash/q1/#", MqttQos.AT_LEAST_ONCE));
        subscribe(s2Device, subscription("crash/q2/#", MqttQos.EXACTLY_ONCE));
        subscribe(s3Device, subscription("crash/q1/#", MqttQos.AT_LEAST_ONCE),
            subscription("crash/q2/#", MqttQos.EXACTLY_ONCE));
        // S3 is a device that goes offline: its queue must survive every crash until the very end.
        s3Device.client.disconnect().get(10, TimeUnit.SECONDS);

        p1 = new Publisher(p1Device, Q1, MqttQos.AT_LEAST_ONCE, true, null);
        p2 = new Publisher(p2Device, Q2, MqttQos.EXACTLY_ONCE, false, tracker);
        publishers.add(p1);
        publishers.add(p2);
        p1.thread.start();
        p2.thread.start();
    }

    private int runCycles(final Random random, final long startNs) throws Exception
    {
        int cycle = 0;
        while (cycle < MIN_CYCLES || (cycle < MAX_CYCLES && System.nanoTime() - startNs < CYCLE_BUDGET_NS))
        {
            cycle++;
            awaitConnected("before kill #" + cycle, p1Device, p2Device, s1Device, s2Device);
            loadFor(MIN_LOAD_MS + random.nextInt(MAX_LOAD_MS - MIN_LOAD_MS + 1));
            kill();
            startBroker(sync(cycle));
        }
        return cycle;
    }

    private void stopPublishersAndRestart() throws Exception
    {
        p1.stop();
        p2.stop();
        kill();
        startBroker(sync(kills.size()));
        awaitConnected("after the final restart", p1Device, p2Device, s1Device, s2Device);
        if (!await(() -> p1.settled() && p2.settled(), SETTLE_TIMEOUT))
        {
            problems.add("publishes still unanswered " + SETTLE_TIMEOUT.toSeconds() + " s after the final restart: " +
                "P1 " + p1.unanswered() + ", P2 " + p2.unanswered());
        }
        awaitQuiet(() -> s1.hasAll(Q1, p1.acked) && s2.hasAll(Q2, p2.acked), SETTLE_TIMEOUT, s1, s2);
    }

    private void reconnectOfflineSubscriber() throws Exception
    {
        // A new client object with the same identifier: it has no client-side subscriptions, so nothing but the
        // broker's recovered session can route messages to it (the library cannot silently subscribe again).
        final Device s3Device = new Device("S3", "crash-s3", s3, false, null);
        final Mqtt5ConnAck connAck = s3Device.connect();
        if (!connAck.isSessionPresent())
        {
            problems.add("S3 reconnected (clean start false) without its session: subscriptions and queue lost");
        }
        awaitQuiet(() -> s3.hasAll(Q1, p1.acked) && s3.hasAll(Q2, p2.acked), DRAIN_TIMEOUT, s3);
    }

    private void checkRetained() throws Exception
    {
        final Mqtt5AsyncClient client = track(MqttClient.builder().useMqttVersion5().identifier("crash-fresh")
            .serverHost(HOST).serverPort(port).buildAsync());
        client.publishes(MqttGlobalPublishFilter.ALL, fresh);
        client.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        final Mqtt5SubAck subAck = client.subscribe(subscription("crash/retained/+", MqttQos.AT_LEAST_ONCE))
            .get(10, TimeUnit.SECONDS);
        assertGranted("fresh subscriber", subAck);
        awaitQuiet(() -> p1.lastAckedRetained.keySet().stream().allMatch(key -> null != fresh.retained.get(key)),
            Duration.ofSeconds(10), fresh);
        for (final Map.Entry<Integer, Integer> entry : new TreeMap<>(p1.lastAckedRetained).entrySet())
        {
            final String topic = retainedTopic(entry.getKey());
            final Integer got = fresh.retained.get(entry.getKey());
            if (null == got)
            {
                problems.add("no retained message on " + topic + ", last acked was r-" + entry.getValue());
            }
            else if (got < entry.getValue())
            {
                problems.add("retained message on " + topic + " is r-" + got + ", older than the acked r-" +
                    entry.getValue());
            }
        }
        for (final Map.Entry<String, Integer> entry : fresh.counts.entrySet())
        {
            if (entry.getValue() > 1)
            {
                problems.add("fresh subscriber got retained " + entry.getKey() + " " + times(entry.getValue()));
            }
        }
    }

    private void verify()
    {
        for (final Device device : devices)
        {
            problems.addAll(0, device.lostSessions);
        }
        checkAcked(s1, Q1, p1, p1.acked, "acked", false);
        checkAcked(s3, Q1, p1, p1.acked, "acked", false);
        checkAcked(s2, Q2, p2, p2.acked, "acked", true);
        checkAcked(s3, Q2, p2, p2.acked, "acked", true);
        // After a successful PUBREC the publisher keeps only the packet identifier (MQTT 5 section 4.3.3): the broker
        // owns the message even if the PUBCOMP that ends the exchange reports an error after a crash.
        final Set<Integer> pubRecOnly = new TreeSet<>();
        for (final String payload : p2.tracker.pubRecs)
        {
            pubRecOnly.add(number(payload, Q2));
        }
        pubRecOnly.removeAll(p2.acked);
        checkAcked(s2, Q2, p2, pubRecOnly, "PUBREC'd (PUBCOMP with an error)", true);
        checkAcked(s3, Q2, p2, pubRecOnly, "PUBREC'd (PUBCOMP with an error)", true);
        checkNeverAckedAtMostOnce(s2, p2);
        checkNeverAckedAtMostOnce(s3, p2);
        for (final Inbox inbox : List.of(s1, s2, s3, fresh))
        {
            checkPublished(inbox);
        }
    }

    private void checkAcked(
        final Inbox inbox,
        final String prefix,
        final Publisher publisher,
        final Set<Integer> numbers,
        final String what,
        final boolean exactly)
    {
        final List<String> found = new ArrayList<>();
        for (final int n : new TreeSet<>(numbers))
        {
            final int count = inbox.count(prefix + "-" + n);
            if (0 == count)
            {
                found.add(inbox.name + " never got " + what + " " + prefix + "-" + n + " (" + when(publisher, n) + ")");
            }
            else if (exactly && count > 1)
            {
                found.add(inbox.name + " got " + what + " " + prefix + "-" + n + " " + times(count) + " (" +
                    when(publisher, n) + ")");
            }
        }
        addExamples(found);
    }

    private void checkNeverAckedAtMostOnce(final Inbox inbox, final Publisher publisher)
    {
        final List<String> found = new ArrayList<>();
        for (final Map.Entry<String, Integer> entry : new TreeMap<>(inbox.counts).entrySet())
        {
            final int n = number(entry.getKey(), Q2);
            if (n >= 0 && !publisher.acked.contains(n) && !publisher.tracker.pubRecs.contains(entry.getKey()) &&
                entry.getValue() > 1)
            {
                found.add(inbox.name + " got " + entry.getKey() + " (never acked) " + times(entry.getValue()) +
                    " (" + when(publisher, n) + ")");
            }
        }
        addExamples(found);
    }

    private void checkPublished(final Inbox inbox)
    {
        final List<String> found = new ArrayList<>(inbox.unexpected);
        for (final String payload : new TreeSet<>(inbox.counts.keySet()))
        {
            final int q1 = number(payload, Q1);
            final int q2 = number(payload, Q2);
            final int r = number(payload, RETAINED);
            final boolean published = (q1 >= 0 && q1 < p1.sent.get()) || (q2 >= 0 && q2 < p2.sent.get()) ||
                (r >= 0 && r < p1.sent.get() && 0 == r % RETAINED_EVERY);
            if (!published)
            {
                found.add(inbox.name + " got " + payload + ", which was never published");
            }
        }
        addExamples(found);
    }

    private void addExamples(final List<String> found)
    {
        problems.addAll(found.subList(0, Math.min(MAX_EXAMPLES, found.size())));
        if (found.size() > MAX_EXAMPLES)
        {
            problems.add("... and " + (found.size() - MAX_EXAMPLES) + " more like these");
        }
    }

    private String when(final Publisher publisher, final int n)
    {
        for (final Kill kill : kills)
        {
            final int sentBefore = publisher == p1 ? kill.q1Sent : kill.q2Sent;
            if (n < sentBefore)
            {
                return "published before kill #" + kill.number + " of a broker with --sync " + kill.sync;
            }
        }
        return "published after the last kill";
    }

    private void report(final long seed, final int cycles, final long startNs) throws IOException
    {
        final StringBuilder out = new StringBuilder(1024);
        out.append("CrashRecoveryIT: ").append(cycles).append(" kill -9 cycles + final restart in ")
            .append(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNs)).append(" s (seed ").append(seed)
            .append(", ").append(starts).append(" broker starts)\n");
        out.append("  QoS 1: ").append(p1.sent.get()).append(" sent, ").append(p1.acked.size()).append(" acked, ")
            .append("failed ").append(p1.failures).append("; duplicates S1 ").append(s1.duplicates(Q1))
            .append(", S3 ").append(s3.duplicates(Q1)).append('\n');
        out.append("  QoS 2: ").append(p2.sent.get()).append(" sent, ").append(p2.acked.size()).append(" acked, ")
            .append("failed ").append(p2.failures).append(", ").append(p2.tracker.pubRecs.size())
            .append(" PUBREC'd; duplicates S2 ").append(s2.duplicates(Q2))
            .append(", S3 ").append(s3.duplicates(Q2)).append('\n');
        out.append("  retained: ").append(p1.retainedAcked.get()).append(" acked, last acked per key ")
            .append(new TreeMap<>(p1.lastAckedRetained)).append(", fresh subscriber got ")
            .append(new TreeMap<>(fresh.retained)).append('\n');
        out.append("  received: S1 ").append(s1.received.get()).append(", S2 ").append(s2.received.get())
            .append(", S3 ").append(s3.received.get()).append('\n');
        out.append("  connects:");
        for (final Device device : devices)
        {
            out.append(' ').append(device.name).append('=').append(device.connects.get());
        }
        out.append('\n');
        for (final String line : logLines())
        {
            if (line.startsWith(MARKER) || line.contains(RECOVERED) || line.contains("journal:"))
            {
                out.append("  ").append(line.strip()).append('\n');
            }
        }
        System.out.print(out);
    }

    private void startBroker(final String sync) throws Exception
    {
        starts++;
        currentSync = sync;
        final long deadlineNs = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true)
        {
            Files.writeString(logFile, MARKER + "start #" + starts + " --sync " + sync + System.lineSeparator(),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            broker = new ProcessBuilder(command(sync))
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(logFile.toFile()))
                .start();
            if (awaitListening(deadlineNs))
            {
                return;
            }
            final boolean portBusy = String.join("\n", tail(5)).contains("cannot listen");
            if (!portBusy || System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError("broker start #" + starts + " (--sync " + sync + ") exited with status " +
                    broker.exitValue() + ", see the log tail");
            }
            pause(200); // the port is still held, e.g. by a socket of the killed broker: retry the bind
        }
    }

    private List<String> command(final String sync)
    {
        return List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dagrona.disable.bounds.checks=false", // a corrupt record must fail a check, not be read as garbage
            "-jar", JAR.toString(),
            "--bind", HOST,
            "--port", Integer.toString(port),
            "--data-dir", dataDir.toString(),
            "--persistence", "true",
            "--sync", sync,
            "--log-segment-size", SEGMENT_SIZE,
            "--max-packet-size", MAX_PACKET_SIZE,
            "--max-queued-messages", Integer.toString(MAX_QUEUED_MESSAGES));
    }

    private boolean awaitListening(final long deadlineNs)
    {
        while (broker.isAlive())
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(HOST, port), 200);
                return true;
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new AssertionError("broker start #" + starts + " not listening on port " + port +
                        " within " + START_TIMEOUT.toSeconds() + " s", ex);
                }
                pause(20);
            }
        }
        return false;
    }

    private void kill() throws InterruptedException
    {
        kills.add(new Kill(kills.size() + 1, currentSync, p1.sent.get(), p2.sent.get()));
        broker.destroyForcibly(); // SIGKILL: no shutdown hook, no unmap, no final force
        assertTrue(broker.waitFor(10, TimeUnit.SECONDS), "broker still running 10 s after kill -9");
    }

    private void loadFor(final int millis)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() - deadlineNs < 0)
        {
            if (!broker.isAlive())
            {
                throw new AssertionError("broker start #" + starts + " (--sync " + currentSync +
                    ") died on its own under load with status " + broker.exitValue());
            }
            pause(10);
        }
    }

    private void awaitConnected(final String when, final Device... devices)
    {
        for (final Device device : devices)
        {
            if (!await(() -> device.client.getState().isConnected(), RECONNECT_TIMEOUT))
            {
                throw new AssertionError(device.name + " not reconnected " + when + " within " +
                    RECONNECT_TIMEOUT.toSeconds() + " s (broker start #" + starts + ", alive " + broker.isAlive() +
                    ")");
            }
        }
    }

    /**
     * Wait until the condition holds and the inboxes have received nothing new for {@link #QUIET}, or the timeout.
     * A condition that never holds is not an error here: the checks afterwards say what is missing.
     */
    private static void awaitQuiet(final BooleanSupplier condition, final Duration timeout, final Inbox... inboxes)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        long lastTotal = -1;
        long quietSinceNs = System.nanoTime();
        while (System.nanoTime() - deadlineNs < 0)
        {
            long total = 0;
            for (final Inbox inbox : inboxes)
            {
                total += inbox.received.get();
            }
            final long nowNs = System.nanoTime();
            if (total != lastTotal)
            {
                lastTotal = total;
                quietSinceNs = nowNs;
            }
            else if (nowNs - quietSinceNs >= QUIET.toNanos() && condition.getAsBoolean())
            {
                return;
            }
            pause(50);
        }
    }

    private static boolean await(final BooleanSupplier condition, final Duration timeout)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                return false;
            }
            pause(10);
        }
        return true;
    }

    private static void pause(final long millis)
    {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private static String sync(final int cycle)
    {
        return 0 == cycle % 2 ? "batch" : "none";
    }

    private Mqtt5AsyncClient track(final Mqtt5AsyncClient client)
    {
        clients.add(client);
        return client;
    }

    private static Mqtt5Subscribe subscription(final String filter, final MqttQos qos)
    {
        return Mqtt5Subscribe.builder().topicFilter(filter).qos(qos).build();
    }

    private static void subscribe(final Device device, final Mqtt5Subscribe... subscribes) throws Exception
    {
        final List<Mqtt5Subscription> all = new ArrayList<>();
        for (final Mqtt5Subscribe subscribe : subscribes)
        {
            all.addAll(subscribe.getSubscriptions());
        }
        final Mqtt5SubAck subAck = device.client.subscribe(Mqtt5Subscribe.builder().addSubscriptions(all).build())
            .get(10, TimeUnit.SECONDS);
        assertGranted(device.name, subAck);
    }

    private static void assertGranted(final String name, final Mqtt5SubAck subAck)
    {
        for (final Mqtt5SubAckReasonCode code : subAck.getReasonCodes())
        {
            assertTrue(!code.isError(), name + " subscription refused: " + subAck);
        }
    }

    /**
     * A port below the kernel's ephemeral range (32768 and up on Linux): a client reconnecting to a port in that range
     * while no broker listens can be given that very port as its own and connect to itself (TCP simultaneous open),
     * which would keep the restarted broker from binding.
     */
    private static int freePort(final Random random) throws IOException
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            final int candidate = 20_000 + random.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket())
            {
                socket.bind(new InetSocketAddress(HOST, candidate));
                return candidate;
            }
            catch (final IOException ex)
            {
                // taken: try another
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private List<String> logLines()
    {
        try
        {
            return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList();
        }
        catch (final IOException ex)
        {
            return List.of("(no broker log: " + ex + ")");
        }
    }

    private List<String> tail(final int lines)
    {
        final List<String> all = logLines();
        return all.subList(Math.max(0, all.size() - lines), all.size());
    }

    private void printLogTail()
    {
        if (null == logFile)
        {
            return;
        }
        final StringBuilder out = new StringBuilder(8192);
        out.append("---- broker log tail (").append(logFile).append(") ----\n");
        for (final String line : tail(80))
        {
            out.append(line).append('\n');
        }
        try
        {
            final Path kept = Path.of("target", "CrashRecoveryIT-broker.log");
            Files.copy(logFile, kept, StandardCopyOption.REPLACE_EXISTING);
            out.append("---- full log copied to ").append(kept.toAbsolutePath()).append(" ----\n");
        }
        catch (final IOException ex)
        {
            out.append("---- cannot copy the log: ").append(ex).append(" ----\n");
        }
        System.out.print(out);
    }

    private static String times(final int count)
    {
        return 2 == count ? "twice" : count + " times";
    }

    private static String retainedTopic(final int key)
    {
        return "crash/retained/" + key;
    }

    /**
     * @return n of a payload "prefix-n" in canonical decimal form, or -1 for anything else.
     */
    private static int number(final String payload, final String prefix)
    {
        if (!payload.startsWith(prefix + "-"))
        {
            return -1;
        }
        final String digits = payload.substring(prefix.length() + 1);
        try
        {
            final int n = Integer.parseInt(digits);
            return n >= 0 && Integer.toString(n).equals(digits) ? n : -1;
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    /** The topic a payload must arrive on, or null if the payload is not one the publishers make. */
    private static String expectedTopic(final String payload)
    {
        final int q1 = number(payload, Q1);
        if (q1 >= 0)
        {
            return "crash/q1/" + q1;
        }
        final int q2 = number(payload, Q2);
        if (q2 >= 0)
        {
            return "crash/q2/" + q2;
        }
        final int r = number(payload, RETAINED);
        if (r >= 0 && 0 == r % RETAINED_EVERY)
        {
            return retainedTopic((r / RETAINED_EVERY) % RETAINED_KEYS);
        }
        return null;
    }

    private record Kill(int number, String sync, int q1Sent, int q2Sent)
    {
    }

    /**
     * One MQTT 5 client with a persistent session that reconnects on its own, and notes every reconnection the broker
     * answers without the session.
     */
    private final class Device implements MqttClientConnectedListener
    {
        private final String name;
        private final Mqtt5AsyncClient client;
        private final AtomicInteger connects = new AtomicInteger();
        private final Queue<String> lostSessions = new ConcurrentLinkedQueue<>();

        Device(
            final String name,
            final String clientId,
            final Consumer<Mqtt5Publish> inbox,
            final boolean reconnect,
            final Mqtt5OutgoingQos2Interceptor qos2Interceptor)
        {
            this.name = name;
            devices.add(this);
            final Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost(HOST).serverPort(port).addConnectedListener(this);
            if (null != qos2Interceptor)
            {
                builder.advancedConfig().interceptors().outgoingQos2Interceptor(qos2Interceptor).applyInterceptors()
                    .applyAdvancedConfig();
            }
            client = track(reconnect ?
                builder.automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
                    .applyAutomaticReconnect().buildAsync() :
                builder.buildAsync());
            if (null != inbox)
            {
                client.publishes(MqttGlobalPublishFilter.ALL, inbox); // before CONNECT: queued messages come first
            }
        }

        Mqtt5ConnAck connect() throws Exception
        {
            return client.connectWith().cleanStart(false).sessionExpiryInterval(SESSION_EXPIRY_S).send()
                .get(10, TimeUnit.SECONDS);
        }

        @Override
        public void onConnected(final MqttClientConnectedContext context)
        {
            final Mqtt5ConnAck connAck = ((Mqtt5ClientConnectedContext)context).getConnAck();
            final int count = connects.incrementAndGet();
            if (count > 1 && !connAck.isSessionPresent())
            {
                lostSessions.add(name + " reconnected without its session after broker start #" + starts +
                    " (connect #" + count + ")");
            }
        }
    }

    /**
     * What one subscriber received: a multiset of payloads, plus anything that does not belong.
     */
    private static final class Inbox implements Consumer<Mqtt5Publish>
    {
        private final String name;
        private final Set<String> prefixes;
        private final Map<String, Integer> counts = new ConcurrentHashMap<>();
        /** Retained messages by key (crash/retained/key) to n, for the fresh subscriber. */
        private final Map<Integer, Integer> retained = new ConcurrentHashMap<>();
        private final AtomicLong received = new AtomicLong();
        private final Queue<String> unexpected = new ConcurrentLinkedQueue<>();

        Inbox(final String name, final String... prefixes)
        {
            this.name = name;
            this.prefixes = Set.of(prefixes);
        }

        @Override
        public void accept(final Mqtt5Publish publish)
        {
            final String payload = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
            final String topic = publish.getTopic().toString();
            counts.merge(payload, 1, Integer::sum);
            final String expected = expectedTopic(payload);
            final int dash = payload.indexOf('-');
            if (null == expected || !prefixes.contains(payload.substring(0, dash)))
            {
                unexpected.add(name + " got '" + payload + "' on " + topic + ", not a message for its subscriptions");
            }
            else if (!expected.equals(topic))
            {
                unexpected.add(name + " got " + payload + " on " + topic + " instead of " + expected);
            }
            else if (RETAINED.equals(payload.substring(0, dash)))
            {
                final int n = number(payload, RETAINED);
                final Integer other = retained.putIfAbsent((n / RETAINED_EVERY) % RETAINED_KEYS, n);
                if (!publish.isRetain() || (null != other && other != n))
                {
                    unexpected.add(name + " got " + payload + " on " + topic + " with retain " + publish.isRetain() +
                        (null == other ? "" : " after r-" + other));
                }
            }
            received.incrementAndGet(); // last: a quiet count means everything counted is recorded
        }

        int count(final String payload)
        {
            return counts.getOrDefault(payload, 0);
        }

        boolean hasAll(final String prefix, final Set<Integer> acked)
        {
            for (final int n : acked)
            {
                if (!counts.containsKey(prefix + "-" + n))
                {
                    return false;
                }
            }
            return true;
        }

        long duplicates(final String prefix)
        {
            long duplicates = 0;
            for (final Map.Entry<String, Integer> entry : counts.entrySet())
            {
                if (entry.getKey().startsWith(prefix + "-"))
                {
                    duplicates += entry.getValue() - 1;
                }
            }
            return duplicates;
        }
    }

    /**
     * Publishes prefix-n to crash/prefix/n, n = 0, 1, 2, ..., with at most {@link #MAX_IN_FLIGHT} unanswered, and
     * records n once the broker acknowledged it without an error reason code. With retained messages on, every
     * {@link #RETAINED_EVERY}th n is also published retained as r-n to crash/retained/(n / 50 % 5).
     */
    private static final class Publisher implements Runnable
    {
        private final Device device;
        private final String prefix;
        private final MqttQos qos;
        private final boolean withRetained;
        private final Semaphore window = new Semaphore(MAX_IN_FLIGHT);
        /** Every n below this was handed to the client (published or about to be). */
        private final AtomicInteger sent = new AtomicInteger();
        private final Set<Integer> acked = ConcurrentHashMap.newKeySet();
        private final Map<Integer, Integer> lastAckedRetained = new ConcurrentHashMap<>();
        private final AtomicInteger retainedAcked = new AtomicInteger();
        private final Map<String, Integer> failures = new ConcurrentSkipListMap<>();
        private final Qos2Tracker tracker;
        private final Thread thread;
        private volatile boolean running = true;

        Publisher(
            final Device device,
            final String prefix,
            final MqttQos qos,
            final boolean withRetained,
            final Qos2Tracker tracker)
        {
            this.device = device;
            this.tracker = tracker;
            this.prefix = prefix;
            this.qos = qos;
            this.withRetained = withRetained;
            thread = new Thread(this, "crash-publisher-" + prefix);
            thread.setDaemon(true);
        }

        @Override
        public void run()
        {
            int n = 0;
            try
            {
                while (running && n < MAX_MESSAGES_PER_PUBLISHER)
                {
                    final boolean retain = withRetained && 0 == n % RETAINED_EVERY;
                    if (window.tryAcquire(retain ? 2 : 1, 20, TimeUnit.MILLISECONDS))
                    {
                        sent.set(n + 1);
                        send(n, "crash/" + prefix + "/" + n, prefix + "-" + n, false);
                        if (retain)
                        {
                            send(n, retainedTopic((n / RETAINED_EVERY) % RETAINED_KEYS), RETAINED + "-" + n, true);
                        }
                        n++;
                    }
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        private void send(final int n, final String topic, final String payload, final boolean retain)
        {
            final Mqtt5Publish publish = Mqtt5Publish.builder().topic(topic).qos(qos)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).retain(retain).build();
            device.client.publish(publish).whenComplete((result, error) ->
            {
                try
                {
                    final String failure = failure(result, error, payload);
                    if (null != failure)
                    {
                        failures.merge(failure, 1, Integer::sum);
                    }
                    else if (retain)
                    {
                        lastAckedRetained.merge((n / RETAINED_EVERY) % RETAINED_KEYS, n, Integer::max);
                        retainedAcked.incrementAndGet();
                    }
                    else
                    {
                        acked.add(n);
                    }
                }
                finally
                {
                    window.release();
                }
            });
        }

        /**
         * HiveMQ completes a QoS 2 publish when the PUBCOMP arrives, with a result that shows the PUBREC only: the
         * PUBCOMP's reason code comes from the {@link Qos2Tracker}, which saw it just before.
         *
         * @return null when acknowledged without error, else what went wrong.
         */
        private String failure(final Mqtt5PublishResult result, final Throwable error, final String payload)
        {
            if (null != error)
            {
                return error.getClass().getSimpleName();
            }
            if (result.getError().isPresent())
            {
                return result.getError().get().getClass().getSimpleName();
            }
            if (result instanceof Mqtt5Qos1Result)
            {
                final Mqtt5Qos1Result qos1 = (Mqtt5Qos1Result)result;
                return qos1.getPubAck().getReasonCode().isError() ? "PUBACK " + qos1.getPubAck().getReasonCode() : null;
            }
            if (result instanceof Mqtt5Qos2Result)
            {
                final Mqtt5Qos2Result qos2 = (Mqtt5Qos2Result)result;
                if (qos2.getPubRec().getReasonCode().isError())
                {
                    return "PUBREC " + qos2.getPubRec().getReasonCode();
                }
                final String pubCompError = null == tracker ? "no PUBCOMP tracker" : tracker.errors.get(payload);
                return null == pubCompError ? null : "PUBCOMP " + pubCompError;
            }
            return "no acknowledgement (" + result.getClass().getSimpleName() + ")";
        }

        void stop() throws InterruptedException
        {
            running = false;
            thread.join(TimeUnit.SECONDS.toMillis(10));
            assertTrue(!thread.isAlive(), "publisher " + prefix + " did not stop");
        }

        boolean settled()
        {
            return 0 == unanswered();
        }

        int unanswered()
        {
            return MAX_IN_FLIGHT - window.availablePermits();
        }
    }

    /**
     * Sees the PUBRECs and PUBCOMPs of a QoS 2 publisher: remembers which payloads the broker took over (successful
     * PUBREC) and which PUBCOMPs had an error reason code. The PUBREL carries the payload as a user property (the
     * public client API names no packet identifiers), so the PUBCOMP that answers it can be told apart even when
     * PUBRELs are resent after a reconnection.
     * <p>
     * <b>Threading:</b> called on the client's event loop, read by whoever completes the publish future after it.
     */
    private static final class Qos2Tracker implements Mqtt5OutgoingQos2Interceptor
    {
        private static final String PAYLOAD_PROPERTY = "payload";

        /** Payloads the broker answered with a successful PUBREC. */
        private final Set<String> pubRecs = ConcurrentHashMap.newKeySet();
        /** Payloads whose PUBCOMP had an error reason code, to that code. */
        private final Map<String, String> errors = new ConcurrentHashMap<>();

        @Override
        public void onPubRec(
            final Mqtt5ClientConfig config,
            final Mqtt5Publish publish,
            final Mqtt5PubRec pubRec,
            final Mqtt5PubRelBuilder pubRelBuilder)
        {
            final String payload = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
            pubRecs.add(payload);
            pubRelBuilder.userProperties().add(PAYLOAD_PROPERTY, payload).applyUserProperties();
        }

        @Override
        public void onPubRecError(final Mqtt5ClientConfig config, final Mqtt5Publish publish, final Mqtt5PubRec pubRec)
        {
            // the publish future fails with this PUBREC: nothing to remember
        }

        @Override
        public void onPubComp(final Mqtt5ClientConfig config, final Mqtt5PubRel pubRel, final Mqtt5PubComp pubComp)
        {
            if (pubComp.getReasonCode().isError())
            {
                for (final Mqtt5UserProperty property : pubRel.getUserProperties().asList())
                {
                    if (PAYLOAD_PROPERTY.equals(property.getName().toString()))
                    {
                        errors.put(property.getValue().toString(), pubComp.getReasonCode().toString());
                    }
                }
            }
        }
    }
}
