package io.ringmq.transport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.ringmq.store.log.ForceMarker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import static io.ringmq.transport.BrokerProcess.HOST;
import static io.ringmq.transport.BrokerProcess.await;
import static io.ringmq.transport.BrokerProcess.pause;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Power loss, simulated: what {@code sync=batch} promises and {@code sync=none} does not. The broker jar runs as a
 * child process with {@code --force-marker}, so that after every completed force of the journal it writes the forced
 * position into a file that survives a {@code kill -9} in the page cache. Under QoS 1 and QoS 2 load, with one
 * persistent subscriber online and one that stays offline, the broker is killed with SIGKILL at a random moment;
 * then the test destroys what a power loss could destroy, everything in the log at or above the forced position, in
 * one of three ways, in turn, before it restarts the broker on the same folder:
 * <ul>
 *     <li><b>zeros</b>: every byte of every segment at a log position at or above the marker becomes zero, as the
 *     device held it (segments are zero-filled and forced before use), and segment files whose base lies at or
 *     beyond it are deleted;</li>
 *     <li><b>prefix</b>: the device kept the unforced writes up to a random byte and nothing after it, so the log
 *     ends anywhere in the last batches, usually inside a record (a torn tail);</li>
 *     <li><b>partial write-back</b>: each 4 KiB page at or above the marker either keeps what the broker wrote (the
 *     kernel had written it back) or goes back to zeros (it had not), at random, so valid records can follow a hole.
 *     Recovery refuses to start over that (valid records after damage); the test counts the refusal and starts the
 *     broker again with {@code --recovery-allow-cut true}, as an operator would: with {@code sync=batch} nothing past
 *     the forced position was acknowledged, so cutting it loses nothing acknowledged.</li>
 * </ul>
 * The checkpoint is left alone: it only moves once the snapshot it names is forced, so it never points past the
 * marker (checked at every cycle).
 * <p>
 * Afterwards, with {@code sync=batch}: every acknowledged QoS 1 message reached both subscribers at least once, every
 * acknowledged QoS 2 message exactly once, no QoS 2 message arrived twice, no session was lost, nothing arrived that
 * was never published. With {@code sync=none} the same is counted and reported (acknowledged messages lost, QoS 2
 * duplicates, sessions lost); only that nothing was invented is asserted, plus that some acknowledged message was lost
 * over the run, which a once-a-second background force makes all but certain under continuous load.
 * <p>
 * <b>Threading:</b> the test thread drives the broker, the damage and the checks; each publisher has its own thread;
 * HiveMQ's threads complete publishes and deliver messages into concurrent collections.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
final class PowerLossIT
{
    private static final String ROOT = "power";
    private static final int MIN_CYCLES = 4;
    private static final int MAX_CYCLES = 8;
    private static final long CYCLE_BUDGET_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int MIN_LOAD_MS = 300;
    private static final int MAX_LOAD_MS = 1500;
    private static final int MAX_MESSAGES_PER_PUBLISHER = 90_000;
    private static final int MAX_QUEUED_MESSAGES = 200_000;
    private static final long SESSION_EXPIRY_S = 3600;
    private static final int SEGMENT_LENGTH = 1024 * 1024;
    private static final String MAX_PACKET_SIZE = "65536";
    private static final int PAGE_LENGTH = 4096;
    private static final String SEGMENT_SUFFIX = ".log";
    private static final int SEGMENT_NAME_DIGITS = 20;
    /** Checkpoint file layout (see {@code io.ringmq.store.log.Checkpoint}): two slots of 64 bytes. */
    private static final int CHECKPOINT_SLOT_LENGTH = 64;
    private static final int CHECKPOINT_RECOVERY_OFFSET = 8;
    private static final int CHECKPOINT_CRC_OFFSET = 24;
    private static final Duration RECONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    /** With sync=none what is missing is mostly lost, not late: waiting the full time only lengthens the run. */
    private static final Duration SETTLE_TIMEOUT_SYNC_NONE = Duration.ofSeconds(10);
    private static final Duration QUIET = Duration.ofSeconds(1);
    /** With nothing more arriving for this long, what is missing is not coming (lost with sync=none). */
    private static final Duration GIVE_UP_QUIET = Duration.ofSeconds(3);
    private static final String Q1 = "q1";
    private static final String Q2 = "q2";
    private static final String REFUSED = "refuses to start";
    private static final String CUT = "recovery-allow-cut: cut";
    private static final int MAX_EXAMPLES = 20;

    @TempDir
    Path tempDir;

    private final List<Mqtt5AsyncClient> clients = new ArrayList<>();
    private final List<TrackedPublisher> publishers = new ArrayList<>();
    private final Queue<String> lostSessions = new ConcurrentLinkedQueue<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> cycleLines = new ArrayList<>();
    /** Per power loss: what P1 and P2 had seen acknowledged when it happened, to say when a lost message was acked. */
    private final List<Set<Integer>> q1AckedAtLoss = new ArrayList<>();
    private final List<Set<Integer>> q2AckedAtLoss = new ArrayList<>();
    private final Inbox s1 = new Inbox("S1 (online)");
    private final Inbox s3 = new Inbox("S3 (offline)");
    private BrokerProcess broker;
    private Path dataDir;
    private Path markerFile;
    private String sync;
    private int refusals;
    private long lastMarker;

    private Mqtt5AsyncClient p1Client;
    private Mqtt5AsyncClient p2Client;
    private Mqtt5AsyncClient s1Client;
    private TrackedPublisher p1;
    private TrackedPublisher p2;

    private enum Damage
    {
        ZEROS, PREFIX, PARTIAL_WRITE_BACK
    }

    @Test
    void shouldKeepEveryAcknowledgedMessageThroughPowerLossWithSyncBatch() throws Exception
    {
        final Loss loss = run("batch");
        problems.addAll(loss.examples);
        if (!problems.isEmpty())
        {
            broker.printLogTail("PowerLossIT-batch");
        }
        assertTrue(problems.isEmpty(), problems.size() + " problem(s) with --sync batch after power loss:\n" +
            String.join("\n", problems));
    }

    @Test
    void shouldShowThatSyncNoneCanLoseAcknowledgedMessagesThroughPowerLoss() throws Exception
    {
        final Loss loss = run("none");
        if (!problems.isEmpty() || 0 == loss.lost())
        {
            broker.printLogTail("PowerLossIT-none");
        }
        assertTrue(problems.isEmpty(), problems.size() + " problem(s) with --sync none after power loss:\n" +
            String.join("\n", problems));
        assertTrue(loss.lost() > 0, "--sync none lost no acknowledged message over " + cycleLines.size() +
            " power losses: the simulation does not destroy what a force had not covered");
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

    private Loss run(final String sync) throws Exception
    {
        this.sync = sync;
        final long startNs = System.nanoTime();
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        dataDir = tempDir.resolve("data");
        markerFile = tempDir.resolve("force-marker");
        broker = new BrokerProcess(tempDir.resolve("broker.log"), BrokerProcess.freePort(random));
        try
        {
            broker.startOrFail("--sync " + sync, options(false));
            connectClients();
            int cycle = 0;
            Damage damage = Damage.values()[random.nextInt(Damage.values().length)];
            while (cycle < MIN_CYCLES || (cycle < MAX_CYCLES && System.nanoTime() - startNs < CYCLE_BUDGET_NS))
            {
                cycle++;
                awaitConnected("before power loss #" + cycle);
                loadFor(MIN_LOAD_MS + random.nextInt(MAX_LOAD_MS - MIN_LOAD_MS + 1));
                powerLossAndRestart(cycle, damage, random);
                damage = Damage.values()[(damage.ordinal() + 1) % Damage.values().length];
            }
            p1.stop();
            p2.stop();
            if (!await(() -> p1.settled() && p2.settled(), SETTLE_TIMEOUT))
            {
                problems.add("publishes still unanswered " + SETTLE_TIMEOUT.toSeconds() + " s after they stopped: " +
                    "P1 " + p1.unanswered() + ", P2 " + p2.unanswered());
            }
            // One more power loss once everything is answered: the last acknowledgements must survive it too.
            powerLossAndRestart(cycle + 1, damage, random);
            awaitConnected("after the last power loss");
            awaitQuiet(() -> s1.hasAll(Q1, p1.acked) && s1.hasAll(Q2, p2.acked), settleTimeout(), s1);
            reconnectOfflineSubscriber();
            final Loss loss = check();
            report(seed, startNs, loss);
            return loss;
        }
        catch (final AssertionError | Exception ex)
        {
            broker.printLogTail("PowerLossIT-" + sync);
            throw ex;
        }
    }

    private List<String> options(final boolean allowCut)
    {
        return List.of(
            "--data-dir", dataDir.toString(),
            "--persistence", "true",
            "--sync", sync,
            "--log-segment-size", Integer.toString(SEGMENT_LENGTH),
            "--max-packet-size", MAX_PACKET_SIZE,
            "--max-queued-messages", Integer.toString(MAX_QUEUED_MESSAGES),
            "--recovery-allow-cut", Boolean.toString(allowCut),
            "--force-marker", markerFile.toString());
    }

    private void connectClients() throws Exception
    {
        final Qos2Tracker tracker = new Qos2Tracker();
        p1Client = client("power-p1", "P1", null, true, null);
        p2Client = client("power-p2", "P2", null, true, tracker);
        s1Client = client("power-s1", "S1", s1, true, null);
        final Mqtt5AsyncClient s3Client = client("power-s3", "S3", s3, false, null);
        for (final Mqtt5AsyncClient client : List.of(p1Client, p2Client, s1Client, s3Client))
        {
            connect(client);
        }
        subscribe(s1Client);
        subscribe(s3Client);
        // S3 is a device that goes offline: its queue must survive every power loss until the very end.
        s3Client.disconnect().get(10, TimeUnit.SECONDS);
        p1 = new TrackedPublisher(p1Client, ROOT, Q1, MqttQos.AT_LEAST_ONCE, false, null,
            MAX_MESSAGES_PER_PUBLISHER);
        p2 = new TrackedPublisher(p2Client, ROOT, Q2, MqttQos.EXACTLY_ONCE, false, tracker,
            MAX_MESSAGES_PER_PUBLISHER);
        publishers.add(p1);
        publishers.add(p2);
        p1.thread.start();
        p2.thread.start();
    }

    private void powerLossAndRestart(final int number, final Damage damage, final Random random) throws Exception
    {
        broker.kill();
        q1AckedAtLoss.add(new TreeSet<>(p1.acked));
        q2AckedAtLoss.add(new TreeSet<>(p2.acked));
        final int q1Acked = q1AckedAtLoss.get(q1AckedAtLoss.size() - 1).size();
        final int q2Acked = q2AckedAtLoss.get(q2AckedAtLoss.size() - 1).size();
        final String what = destroyUnforced(damage, random);
        final String label = "--sync " + sync + " after power loss #" + number;
        boolean refused = false;
        if (!broker.start(label, options(false)))
        {
            if (!String.join("\n", broker.tail(5)).contains(REFUSED))
            {
                throw new AssertionError("broker start #" + broker.starts() + " (" + label + ") exited with status " +
                    broker.exitValue() + ", see the log tail");
            }
            refused = true;
            refusals++;
            broker.startOrFail(label + ", --recovery-allow-cut true", options(true));
        }
        cycleLines.add("#" + number + " " + damage + ": " + what + (refused ? "; recovery refused, cut on retry" : "") +
            "; acked so far q1 " + q1Acked + ", q2 " + q2Acked);
    }

    /**
     * Kill -9 left the log as the broker wrote it (page cache); make it what the device may hold after losing power:
     * nothing at or above the last completed force survives, or (partial write-back) only some pages of it.
     */
    private String destroyUnforced(final Damage damage, final Random random) throws IOException
    {
        final long forced = readMarker();
        final long recovery = checkpointRecoveryPosition();
        if (recovery > forced)
        {
            problems.add("checkpoint points at " + recovery + ", past the forced position " + forced +
                ": a power loss would leave it naming a snapshot that is not on the device");
        }
        if (forced < lastMarker)
        {
            problems.add("force marker went back from " + lastMarker + " to " + forced);
        }
        lastMarker = forced;
        final List<Path> segments = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dataDir.resolve("log"), "*" + SEGMENT_SUFFIX))
        {
            files.forEach(segments::add);
        }
        long cut = forced;
        String prefix = "";
        if (Damage.PREFIX == damage)
        {
            // The device kept the unforced writes up to some point and none after it.
            final long writtenEnd = writtenEnd(segments, forced);
            cut = forced + random.nextLong(writtenEnd - forced + 1);
            prefix = ", unforced bytes up to " + cut + " of " + writtenEnd + " kept";
        }
        long zeroed = 0;
        long kept = 0;
        int deleted = 0;
        for (final Path segment : segments)
        {
            final long base = base(segment);
            if (base + SEGMENT_LENGTH <= cut)
            {
                continue;  // on the device as it is
            }
            if (Damage.ZEROS == damage && base >= cut)
            {
                Files.delete(segment);
                deleted++;
                continue;
            }
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE))
            {
                int offset = (int)Math.max(0, cut - base);
                while (offset < SEGMENT_LENGTH)
                {
                    final int end = Math.min(SEGMENT_LENGTH, (offset / PAGE_LENGTH + 1) * PAGE_LENGTH);
                    if (Damage.PARTIAL_WRITE_BACK == damage && random.nextBoolean())
                    {
                        kept += end - offset;  // written back by the kernel before the power went
                    }
                    else
                    {
                        writeZeros(channel, offset, end - offset);
                        zeroed += end - offset;
                    }
                    offset = end;
                }
            }
        }
        return "forced " + forced + ", checkpoint " + recovery + prefix + ", " + zeroed + " bytes zeroed, " + kept +
            " kept, " + deleted + " segment(s) deleted";
    }

    private static long base(final Path segment)
    {
        return Long.parseLong(String.valueOf(segment.getFileName()).substring(0, SEGMENT_NAME_DIGITS));
    }

    /** Log position just past the last non-zero byte at or above {@code from}, or {@code from} if none. */
    private static long writtenEnd(final List<Path> segments, final long from) throws IOException
    {
        long end = from;
        for (final Path segment : segments)
        {
            final long base = base(segment);
            if (base + SEGMENT_LENGTH <= from)
            {
                continue;
            }
            final byte[] bytes = Files.readAllBytes(segment);
            for (int i = bytes.length - 1; i >= 0 && base + i >= from; i--)
            {
                if (0 != bytes[i])
                {
                    end = Math.max(end, base + i + 1);
                    break;
                }
            }
        }
        return end;
    }

    private static void writeZeros(final FileChannel channel, final long position, final int length)
        throws IOException
    {
        final ByteBuffer zeros = ByteBuffer.allocate(length);
        long at = position;
        while (zeros.hasRemaining())
        {
            at += channel.write(zeros, at);
        }
    }

    private long readMarker() throws IOException
    {
        if (!Files.exists(markerFile))
        {
            return 0;
        }
        return ByteBuffer.wrap(Files.readAllBytes(markerFile)).order(ByteOrder.nativeOrder())
            .getLong(ForceMarker.FORCED_POSITION_OFFSET);
    }

    /** The recovery position of the newest valid checkpoint slot, 0 if none. */
    private long checkpointRecoveryPosition() throws IOException
    {
        final Path file = dataDir.resolve("checkpoint");
        if (!Files.exists(file))
        {
            return 0;
        }
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
        long bestSequence = 0;
        long recovery = 0;
        for (int slot = 0; slot < 2; slot++)
        {
            final int offset = slot * CHECKPOINT_SLOT_LENGTH;
            final CRC32C crc = new CRC32C();
            crc.update(bytes.array(), offset, CHECKPOINT_CRC_OFFSET);
            final long sequence = bytes.getLong(offset);
            if (sequence > bestSequence && (int)crc.getValue() == bytes.getInt(offset + CHECKPOINT_CRC_OFFSET))
            {
                bestSequence = sequence;
                recovery = bytes.getLong(offset + CHECKPOINT_RECOVERY_OFFSET);
            }
        }
        return recovery;
    }

    private void reconnectOfflineSubscriber() throws Exception
    {
        // A new client object with the same identifier: it has no client-side subscriptions, so nothing but the
        // broker's recovered session can route messages to it.
        final Mqtt5AsyncClient s3Client = client("power-s3", "S3", s3, false, null);
        final Mqtt5ConnAck connAck = connect(s3Client);
        if (!connAck.isSessionPresent())
        {
            lostSessions.add("S3 reconnected (clean start false) without its session: subscriptions and queue lost");
        }
        awaitQuiet(() -> s3.hasAll(Q1, p1.acked) && s3.hasAll(Q2, p2.acked), settleTimeout().plusSeconds(10), s3);
    }

    /** What was acknowledged and did not arrive, or arrived too often; structural problems go to {@link #problems}. */
    private Loss check()
    {
        final Loss loss = new Loss();
        loss.sessions.addAll(lostSessions);
        loss.examples.addAll(lostSessions);
        final Set<Integer> pubRecOnly = pubRecOnly();
        for (final Inbox inbox : List.of(s1, s3))
        {
            final long q1Lost = inbox.missing(Q1, p1.acked, "acked", loss, q1AckedAtLoss);
            final long q2Lost = inbox.missing(Q2, p2.acked, "acked", loss, q2AckedAtLoss) +
                inbox.missing(Q2, pubRecOnly, "PUBREC'd (PUBCOMP with an error)", loss, q2AckedAtLoss);
            final long duplicates = inbox.duplicates(Q2, loss);
            loss.q1Lost += q1Lost;
            loss.q2Lost += q2Lost;
            loss.q2Duplicates += duplicates;
            loss.perInbox.add(inbox.name + ": QoS 1 " + q1Lost + ", QoS 2 " + q2Lost + " lost, " + duplicates +
                " QoS 2 duplicates");
            final List<String> unexpected = new ArrayList<>(inbox.unexpected);
            for (final String payload : new TreeSet<>(inbox.counts.keySet()))
            {
                final int q1 = number(payload, Q1);
                final int q2 = number(payload, Q2);
                if (!(q1 >= 0 && q1 < p1.sent.get()) && !(q2 >= 0 && q2 < p2.sent.get()))
                {
                    unexpected.add(inbox.name + " got " + payload + ", which was never published");
                }
            }
            addExamples(problems, unexpected);
        }
        return loss;
    }

    private void report(final long seed, final long startNs, final Loss loss)
    {
        final StringBuilder out = new StringBuilder(2048);
        out.append("PowerLossIT --sync ").append(sync).append(": ").append(cycleLines.size())
            .append(" power losses in ").append(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNs))
            .append(" s (seed ").append(seed).append(", ").append(broker.starts()).append(" broker starts, ")
            .append(refusals).append(" recoveries refused until --recovery-allow-cut)\n");
        for (final String line : cycleLines)
        {
            out.append("  ").append(line).append('\n');
        }
        out.append("  QoS 1: ").append(p1.sent.get()).append(" sent, ").append(p1.acked.size()).append(" acked, ")
            .append("failed ").append(p1.failures).append('\n');
        out.append("  QoS 2: ").append(p2.sent.get()).append(" sent, ").append(p2.acked.size()).append(" acked, ")
            .append("failed ").append(p2.failures).append(", ").append(p2.tracker.pubRecs.size())
            .append(" PUBREC'd; PUBREC'd but not acked: ").append(pubRecOnly()).append('\n');
        out.append("  received: S1 ").append(s1.received.get()).append(", S3 ").append(s3.received.get()).append('\n');
        out.append("  acknowledged but lost (summed over S1 and S3): QoS 1 ").append(loss.q1Lost).append(", QoS 2 ")
            .append(loss.q2Lost).append("; QoS 2 duplicates ").append(loss.q2Duplicates).append("; sessions lost ")
            .append(loss.sessions.size()).append(' ').append(loss.perInbox).append('\n');
        for (final String line : broker.logLines())
        {
            if (line.contains(CUT) || line.contains("cut a torn tail"))
            {
                out.append("  ").append(line.strip()).append('\n');
            }
        }
        System.out.print(out);
    }

    private Set<Integer> pubRecOnly()
    {
        final Set<Integer> numbers = new TreeSet<>();
        for (final String payload : p2.tracker.pubRecs)
        {
            numbers.add(number(payload, Q2));
        }
        numbers.removeAll(p2.acked);
        return numbers;
    }

    private Duration settleTimeout()
    {
        return "none".equals(sync) ? SETTLE_TIMEOUT_SYNC_NONE : SETTLE_TIMEOUT;
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

    private void awaitConnected(final String when)
    {
        for (final Mqtt5AsyncClient client : List.of(p1Client, p2Client, s1Client))
        {
            if (!await(() -> client.getState().isConnected(), RECONNECT_TIMEOUT))
            {
                throw new AssertionError(client.getConfig().getClientIdentifier() + " not reconnected " + when +
                    " within " + RECONNECT_TIMEOUT.toSeconds() + " s (broker start #" + broker.starts() + ", alive " +
                    broker.isAlive() + ")");
            }
        }
    }

    /**
     * Wait until the condition holds and the inboxes have received nothing new for {@link #QUIET}, or nothing new
     * for {@link #GIVE_UP_QUIET} (what is missing is lost), or the timeout.
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
            else if (nowNs - quietSinceNs >= GIVE_UP_QUIET.toNanos() ||
                (nowNs - quietSinceNs >= QUIET.toNanos() && condition.getAsBoolean()))
            {
                return;
            }
            pause(50);
        }
    }

    private Mqtt5AsyncClient client(
        final String clientId,
        final String name,
        final Consumer<Mqtt5Publish> inbox,
        final boolean reconnect,
        final Qos2Tracker tracker)
    {
        final AtomicLong connects = new AtomicLong();
        final Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5().identifier(clientId)
            .serverHost(HOST).serverPort(broker.port()).addConnectedListener((context) ->
            {
                final Mqtt5ConnAck connAck = ((Mqtt5ClientConnectedContext)context).getConnAck();
                if (connects.incrementAndGet() > 1 && !connAck.isSessionPresent())
                {
                    lostSessions.add(name + " reconnected without its session after broker start #" +
                        broker.starts() + " (" + broker.label() + ")");
                }
            });
        if (null != tracker)
        {
            builder.advancedConfig().interceptors().outgoingQos2Interceptor(tracker).applyInterceptors()
                .applyAdvancedConfig();
        }
        final Mqtt5AsyncClient client = reconnect ?
            builder.automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
                .applyAutomaticReconnect().buildAsync() :
            builder.buildAsync();
        if (null != inbox)
        {
            client.publishes(MqttGlobalPublishFilter.ALL, inbox); // before CONNECT: queued messages come first
        }
        clients.add(client);
        return client;
    }

    private static Mqtt5ConnAck connect(final Mqtt5AsyncClient client) throws Exception
    {
        return client.connectWith().cleanStart(false).sessionExpiryInterval(SESSION_EXPIRY_S).send()
            .get(10, TimeUnit.SECONDS);
    }

    private static void subscribe(final Mqtt5AsyncClient client) throws Exception
    {
        final Mqtt5SubAck subAck = client.subscribe(Mqtt5Subscribe.builder()
            .addSubscription().topicFilter(ROOT + "/" + Q1 + "/#").qos(MqttQos.AT_LEAST_ONCE).applySubscription()
            .addSubscription().topicFilter(ROOT + "/" + Q2 + "/#").qos(MqttQos.EXACTLY_ONCE).applySubscription()
            .build()).get(10, TimeUnit.SECONDS);
        for (final Mqtt5SubAckReasonCode code : subAck.getReasonCodes())
        {
            assertTrue(!code.isError(), "subscription refused: " + subAck);
        }
    }

    private static void addExamples(final List<String> to, final List<String> found)
    {
        to.addAll(found.subList(0, Math.min(MAX_EXAMPLES, found.size())));
        if (found.size() > MAX_EXAMPLES)
        {
            to.add("... and " + (found.size() - MAX_EXAMPLES) + " more like these");
        }
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

    /** Acknowledged messages that did not survive, with examples. */
    private static final class Loss
    {
        private final List<String> examples = new ArrayList<>();
        private final List<String> sessions = new ArrayList<>();
        private final List<String> perInbox = new ArrayList<>();
        private long q1Lost;
        private long q2Lost;
        private long q2Duplicates;

        long lost()
        {
            return q1Lost + q2Lost;
        }
    }

    /**
     * What one subscriber (to power/q1/# at QoS 1 and power/q2/# at QoS 2) received: a multiset of payloads, plus
     * anything that does not belong.
     */
    private static final class Inbox implements Consumer<Mqtt5Publish>
    {
        private final String name;
        private final Map<String, Integer> counts = new ConcurrentHashMap<>();
        private final AtomicLong received = new AtomicLong();
        private final Queue<String> unexpected = new ConcurrentLinkedQueue<>();

        Inbox(final String name)
        {
            this.name = name;
        }

        @Override
        public void accept(final Mqtt5Publish publish)
        {
            final String payload = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
            final String topic = publish.getTopic().toString();
            counts.merge(payload, 1, Integer::sum);
            final int q1 = number(payload, Q1);
            final int q2 = number(payload, Q2);
            final String expected = q1 >= 0 ? ROOT + "/" + Q1 + "/" + q1 :
                q2 >= 0 ? ROOT + "/" + Q2 + "/" + q2 : null;
            if (!topic.equals(expected))
            {
                unexpected.add(name + " got '" + payload + "' on " + topic + ", expected it on " + expected);
            }
            received.incrementAndGet(); // last: a quiet count means everything counted is recorded
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

        long missing(
            final String prefix,
            final Set<Integer> numbers,
            final String what,
            final Loss loss,
            final List<Set<Integer>> ackedAtLoss)
        {
            final List<String> found = new ArrayList<>();
            for (final int n : new TreeSet<>(numbers))
            {
                if (!counts.containsKey(prefix + "-" + n))
                {
                    int before = 0;
                    while (before < ackedAtLoss.size() && !ackedAtLoss.get(before).contains(n))
                    {
                        before++;
                    }
                    found.add(name + " never got " + what + " " + prefix + "-" + n + " (" +
                        (before < ackedAtLoss.size() ? "acked before power loss #" + (before + 1) :
                        "answered after the last power loss") + ")");
                }
            }
            addExamples(loss.examples, found);
            return found.size();
        }

        long duplicates(final String prefix, final Loss loss)
        {
            final List<String> found = new ArrayList<>();
            for (final Map.Entry<String, Integer> entry : new TreeMap<>(counts).entrySet())
            {
                if (entry.getKey().startsWith(prefix + "-") && entry.getValue() > 1)
                {
                    found.add(name + " got QoS 2 " + entry.getKey() + " " + entry.getValue() + " times");
                }
            }
            addExamples(loss.examples, found);
            return found.size();
        }
    }
}
