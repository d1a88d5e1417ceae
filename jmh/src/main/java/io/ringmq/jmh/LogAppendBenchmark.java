package io.ringmq.jmh;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@link MessageLog} append: {@code tryClaim}, copy the body into the mapped segment, {@code commit} (CRC32C of
 * the record, release store of its length), as the journaller does per PUBLISH. Segments of {@value #SEGMENT_LENGTH}
 * bytes in a folder under {@code java.io.tmpdir}; the next one is created by the log's allocator thread, and the
 * segments more than {@value #RETAINED_SEGMENTS} behind the tail are deleted so the disk use stays bounded. Nothing
 * is forced: the figure is "written to the mapped page" (survives a process crash), the rate at which page cache and
 * allocator keep up. Per-record path: must allocate nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS, JvmArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class LogAppendBenchmark
{
    /** Bytes per segment file, the broker's default scale. */
    static final int SEGMENT_LENGTH = 64 * 1024 * 1024;
    /** Segments kept behind the tail before the older ones are deleted. */
    static final int RETAINED_SEGMENTS = 4;
    private static final int RECORD_TYPE = 1;

    /** Body bytes of each record. */
    @Param({"64", "1024", "16384"})
    int bodyLength;

    private Path directory;
    private MessageLog log;
    private UnsafeBuffer body;
    private int flags;

    /** New log in a temporary folder, and a random body. */
    @Setup(Level.Trial)
    public void setup() throws IOException
    {
        directory = createDirectory("ringmq-log-append-");
        log = MessageLog.open(directory, SEGMENT_LENGTH, 0, 0);
        final byte[] bytes = new byte[bodyLength];
        new Random(42).nextBytes(bytes);
        body = new UnsafeBuffer(bytes);
        flags = 3;
    }

    /** Close the log and delete its folder. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        log.close();
        deleteDirectory(directory);
    }

    /**
     * Append one record.
     *
     * @return its position.
     */
    @Benchmark
    public long append()
    {
        final MessageLog log = this.log;
        final int length = bodyLength;
        final long position = log.tryClaim(RECORD_TYPE, flags, length);
        log.buffer().putBytes(log.bodyOffset(), body, 0, length);
        log.commit();
        final long retainFrom = position - (long)RETAINED_SEGMENTS * SEGMENT_LENGTH;
        if (retainFrom > log.startPosition())
        {
            log.deleteBefore(retainFrom);
        }
        return position;
    }

    /**
     * @param prefix start of the folder name.
     * @return a new folder under {@code java.io.tmpdir}.
     * @throws IOException if it cannot be created.
     */
    static Path createDirectory(final String prefix) throws IOException
    {
        return Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), prefix);
    }

    /**
     * @param directory folder to delete with everything in it.
     * @throws IOException if a file cannot be deleted.
     */
    static void deleteDirectory(final Path directory) throws IOException
    {
        try (Stream<Path> paths = Files.walk(directory))
        {
            for (final Path path : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.delete(path);
            }
        }
    }
}
