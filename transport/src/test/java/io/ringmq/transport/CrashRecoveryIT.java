package io.ringmq.transport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedListener;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.advanced.interceptor.qos2.Mqtt5OutgoingQos2Interceptor;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static io.ringmq.transport.BrokerProcess.await;
import static io.ringmq.transport.BrokerProcess.pause;
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
    private static final String HOST = BrokerProcess.HOST;
    private static final int MIN_CYCLES = 10;
    private static final int MAX_CYCLES = 12;
    private static final long CYCLE_BUDGET_NS = TimeUnit.SECONDS.toNanos(90);
    private static final int MIN_LOAD_MS = 200;
    private static final int MAX_LOAD_MS = 1200;
    /** Keeps the offline subscriber's queue (both publishers) below --max-queued-messages. */
    private static final int MAX_MESSAGES_PER_PUBLISHER = 90_000;
    private static final int MAX_QUEUED_MESSAGES = 200_000;
    private static final int RETAINED_EVERY = TrackedPublisher.RETAINED_EVERY;
    private static final int RETAINED_KEYS = TrackedPublisher.RETAINED_KEYS;
    private static final long SESSION_EXPIRY_S = 3600;
    private static final String SEGMENT_SIZE = "1048576";
    private static final String MAX_PACKET_SIZE = "65536";
    private static final Duration RECONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration QUIET = Duration.ofSeconds(1);
    private static final String Q1 = "q1";
    private static final String Q2 = "q2";
    private static final String RETAINED = TrackedPublisher.RETAINED;
    private static final String RECOVERED = "journal recovered in";
    private static final String MARKER = BrokerProcess.MARKER;
    private static final int MAX_EXAMPLES = 20;

    @TempDir
    Path tempDir;

    private final List<Mqtt5AsyncClient> clients = new ArrayList<>();
    private final List<TrackedPublisher> publishers = new ArrayList<>();
    private final List<Kill> kills = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<Device> devices = new CopyOnWriteArrayList<>();
    private final Inbox s1 = new Inbox("S1", Q1);
    private final Inbox s2 = new Inbox("S2", Q2);
    private final Inbox s3 = new Inbox("S3", Q1, Q2);
    private final Inbox fresh = new Inbox("fresh subscriber", RETAINED);
    private Path dataDir;
    private int port;
    private BrokerProcess broker;
    private String currentSync;

    private Device p1Device;
    private Device p2Device;
    private Device s1Device;
    private Device s2Device;
    private TrackedPublisher p1;
    private TrackedPublisher p2;

    @Test
    void shouldDeliverEverythingAcknowledgedAcrossKill9InBothSyncModes() throws Exception
    {
        final long startNs = System.nanoTime();
        final long seed = System.nanoTime(); // drives the port and the kill timings
        final Random random = new Random(seed);
        dataDir = tempDir.resolve("data");
        port = BrokerProcess.freePort(random);
        broker = new BrokerProcess(tempDir.resolve("broker.log"), port);
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
            broker.printLogTail("CrashRecoveryIT");
            throw ex;
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException
    {
        for (final TrackedPublisher publisher : publishers)
        {
            publisher.running = false;
        }
        for (final TrackedPublisher publisher : publishers)
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
            broker.destroy();
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

        p1 = new TrackedPublisher(p1Device.client, "crash", Q1, MqttQos.AT_LEAST_ONCE, true, null,
            MAX_MESSAGES_PER_PUBLISHER);
        p2 = new TrackedPublisher(p2Device.client, "crash", Q2, MqttQos.EXACTLY_ONCE, false, tracker,
            MAX_MESSAGES_PER_PUBLISHER);
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
        final TrackedPublisher publisher,
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

    private void checkNeverAckedAtMostOnce(final Inbox inbox, final TrackedPublisher publisher)
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

    private String when(final TrackedPublisher publisher, final int n)
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
            .append(", ").append(broker.starts()).append(" broker starts)\n");
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
        for (final String line : broker.logLines())
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
        currentSync = sync;
        broker.startOrFail("--sync " + sync, List.of(
            "--data-dir", dataDir.toString(),
            "--persistence", "true",
            "--sync", sync,
            "--log-segment-size", SEGMENT_SIZE,
            "--max-packet-size", MAX_PACKET_SIZE,
            "--max-queued-messages", Integer.toString(MAX_QUEUED_MESSAGES)));
    }

    private void kill() throws InterruptedException
    {
        kills.add(new Kill(kills.size() + 1, currentSync, p1.sent.get(), p2.sent.get()));
        broker.kill();
    }

    private void loadFor(final int millis)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() - deadlineNs < 0)
        {
            broker.assertAlive("under load");
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
                    RECONNECT_TIMEOUT.toSeconds() + " s (broker start #" + broker.starts() + ", alive " +
                    broker.isAlive() + ")");
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
                lostSessions.add(name + " reconnected without its session after broker start #" + broker.starts() +
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
}
