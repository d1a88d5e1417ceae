package io.ringmq.jmh;

import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.ring.OutboundQueue;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.RecoveryResult;
import io.ringmq.core.routing.Router;
import io.ringmq.core.status.TransportStats;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Start-up recovery of the journal, timed as a single shot per iteration. The set-up writes {@code logMiB} of log
 * through a real {@link Router} (QoS 1 publishes of 64-byte payloads to one persistent-session subscriber), then
 * "crashes": the journal is closed without the broker's shutdown, as a killed process leaves its mapped pages.
 * <ul>
 *     <li>{@code live}: the subscriber is offline, so everything written is still queued: recovery rebuilds every
 *     delivery (live data = the whole log).</li>
 *     <li>{@code acked}: the subscriber is online and acknowledges every message, with timer ticks, so snapshots
 *     move the checkpoint and old segments are deleted: recovery scans only what came after the last snapshot
 *     (live data ~ nothing, history = {@code logMiB}).</li>
 * </ul>
 * Each invocation opens the folder again and runs {@link Router#recover(long)}; the log line of the broker reports
 * the same figures. Run: {@code java -jar jmh/target/benchmarks.jar JournalRecovery -wi 0 -i 3}.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, "-Xmx8g"})
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class JournalRecoveryBenchmark
{
    private static final long PUBLISHER_ID = 1;
    private static final long SUBSCRIBER_ID = 2;
    private static final int SEGMENT_LENGTH = 64 * 1024 * 1024;
    private static final int PUBACK_LENGTH = 4;

    /** Bytes of log written before the crash, MiB. */
    @Param({"1024"})
    int logMiB;

    /** What the log holds: everything queued, or everything acknowledged (see the class comment). */
    @Param({"live", "acked"})
    String content;

    private final RingEvent event = new RingEvent();
    private Path directory;
    private Path copy;
    private BrokerConfig config;
    private Journal journal;
    private RecoveryResult last;

    /** Write the log, then leave it as a crash would. */
    @Setup(Level.Trial)
    public void writeLog() throws IOException
    {
        directory = Files.createTempDirectory("ringmq-recovery-");
        config = new BrokerConfig().sysIntervalSeconds(0).maxQueuedMessages(Integer.MAX_VALUE)
            .maxInflight(65_535);
        final Journal writer = Journal.open(directory, SEGMENT_LENGTH, 0, Journal.SYNC_NONE);
        final OutboundQueue queue = new OutboundQueue(1 << 26, () -> {});
        final Router router = new Router(config, new OutboundQueue[] {queue}, TopicPermissions.ALLOW_ALL,
            TransportStats.NONE, writer);
        router.recover(System.nanoTime());
        final boolean acked = "acked".equals(content);
        final UnsafeBuffer scratch = Frames.direct(1024);
        feed(router, SUBSCRIBER_ID, scratch, Clients.connectPersistent(scratch, "subscriber", 4));
        feed(router, SUBSCRIBER_ID, scratch, Clients.subscribe(scratch, 4, 1));
        if (!acked)
        {
            closed(router, SUBSCRIBER_ID);
        }
        feed(router, PUBLISHER_ID, scratch, Clients.connect(scratch, "publisher", 4));
        final UnsafeBuffer publish = Frames.publishFrame(4, 1, 64);
        final UnsafeBuffer puback = new UnsafeBuffer(new byte[PUBACK_LENGTH]);
        puback.putByte(0, (byte)(PacketType.PUBACK << 4));
        puback.putByte(1, (byte)(PUBACK_LENGTH - 2));
        final RouterPublishBenchmark.PublishCollector deliveries = new RouterPublishBenchmark.PublishCollector();
        deliveries.capacity(1);
        final long target = (long)logMiB << 20;
        long published = 0;
        while ((acked ? writer.log().position() : writer.log().position() - writer.log().startPosition()) < target)
        {
            feed(router, PUBLISHER_ID, publish, publish.capacity());
            deliveries.reset();
            queue.drain(deliveries, Integer.MAX_VALUE);
            if (acked)
            {
                for (int i = 0; i < deliveries.unacknowledged; i++)
                {
                    puback.putShort(2, (short)deliveries.packetIds[i], ByteOrder.BIG_ENDIAN);
                    feed(router, SUBSCRIBER_ID, puback, PUBACK_LENGTH);
                }
                if (0 == (++published & 0xFFFF))
                {
                    event.control(RingEvent.TICK, 0, -1, 0, System.nanoTime());
                    router.onEvent(event, 0, true);
                }
            }
        }
        writer.close();
    }

    private void feed(final Router router, final long connectionId, final UnsafeBuffer frame, final int length)
    {
        event.frame(connectionId, 0, length, System.nanoTime()).putBytes(0, frame, 0, length);
        router.onEvent(event, 0, true);
    }

    private void closed(final Router router, final long connectionId)
    {
        event.control(RingEvent.CONNECTION_CLOSED, connectionId, 0, CloseReason.PEER_CLOSED, System.nanoTime());
        router.onEvent(event, 0, true);
    }

    /**
     * Copy the crashed folder and open the copy: recovery writes a snapshot and moves the checkpoint, and every
     * invocation must start from the same crash.
     *
     * @throws IOException if the copy fails.
     */
    @Setup(Level.Invocation)
    public void open() throws IOException
    {
        copy = Files.createTempDirectory("ringmq-recovery-run-");
        try (var files = Files.walk(directory))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final Path target = copy.resolve(directory.relativize(file).toString());
                if (Files.isDirectory(file))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(file, target);
                }
            }
        }
        journal = Journal.open(copy, SEGMENT_LENGTH, 0, Journal.SYNC_NONE);
    }

    /**
     * Recover: scan, verify, rebuild, and write the start-up snapshot.
     *
     * @return what was recovered.
     */
    @Benchmark
    public RecoveryResult recover()
    {
        final Router router = new Router(config, new OutboundQueue[] {new OutboundQueue(1 << 16, () -> {})},
            TopicPermissions.ALLOW_ALL, TransportStats.NONE, journal);
        last = router.recover(System.nanoTime());
        return last;
    }

    /** Close the journal; print what the recovery found. */
    @TearDown(Level.Invocation)
    public void close()
    {
        journal.close();
        IoUtil.delete(copy.toFile(), false);
        if (null != last)
        {
            System.out.printf(java.util.Locale.ROOT,
                "%n  %s: scanned %d MiB (%d records) from position %d in %d ms; %d sessions, %d queued%n",
                content, last.log().bytesScanned() >> 20, last.log().records(), last.log().fromPosition(),
                last.nanos() / 1_000_000, last.sessions(), last.queued());
        }
    }

    /** Delete the folder. */
    @TearDown(Level.Trial)
    public void delete()
    {
        IoUtil.delete(directory.toFile(), true);
    }
}
