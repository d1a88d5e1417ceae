package io.ringmq.jmh;

import io.ringmq.store.log.LogDescriptor;
import io.ringmq.store.log.LogRecord;
import io.ringmq.store.log.MessageLog;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@link MessageLog#read}: bounds checks, CRC32C of the whole record and the {@link LogRecord} wrap, for records
 * read back in order at known positions, as a subscriber catching up from the log does. The log holds about
 * {@value #LOG_BYTES} bytes of records in segments of {@value LogAppendBenchmark#SEGMENT_LENGTH} bytes (so
 * it stays in the page cache; the reads cross segment boundaries and padding) and is read round and round.
 * Per-record path: must allocate nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class LogReadBenchmark
{
    /** Bytes of records written before the reads start. */
    static final int LOG_BYTES = 160 * 1024 * 1024;

    /** Body bytes of each record. */
    @Param({"64", "1024", "16384"})
    int bodyLength;

    private final LogRecord record = new LogRecord();
    private Path directory;
    private MessageLog log;
    private long[] positions;
    private int next;

    /** Write the log; remember where each record starts. */
    @Setup(Level.Trial)
    public void setup() throws IOException
    {
        directory = LogAppendBenchmark.createDirectory("ringmq-log-read-");
        log = MessageLog.open(directory, LogAppendBenchmark.SEGMENT_LENGTH, 0, 0);
        final byte[] bytes = new byte[bodyLength];
        new Random(42).nextBytes(bytes);
        final UnsafeBuffer body = new UnsafeBuffer(bytes);
        positions = new long[LOG_BYTES / LogDescriptor.alignedFrameLength(bodyLength)];
        for (int i = 0; i < positions.length; i++)
        {
            final long position = log.tryClaim(1 + (i & 7), i & 0xFFFF, bodyLength);
            if (position < 0)
            {
                throw new IllegalStateException("claim failed: " + position);
            }
            log.buffer().putBytes(log.bodyOffset(), body, 0, bodyLength);
            log.commit();
            positions[i] = position;
        }
        next = 0;
    }

    /** Close the log and delete its folder. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        log.close();
        LogAppendBenchmark.deleteDirectory(directory);
    }

    /**
     * Read the next record.
     *
     * @return a few of its fields and its first body byte, so the read is not eliminated.
     */
    @Benchmark
    public int read()
    {
        final long[] positions = this.positions;
        int index = next;
        final long position = positions[index++];
        next = index == positions.length ? 0 : index;
        final LogRecord record = this.record;
        if (!log.read(position, record))
        {
            throw new IllegalStateException("no record at " + position);
        }
        return record.type() + record.bodyLength() + record.buffer().getByte(record.bodyOffset());
    }
}
