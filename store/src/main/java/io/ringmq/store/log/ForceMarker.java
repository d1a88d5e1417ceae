package io.ringmq.store.log;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * A diagnostic aid for power-loss tests: a small memory-mapped file into which {@link MessageLog#force(long)} writes
 * the position below which everything was forced, after each completed {@code msync} and before the new forced
 * position is published to any other thread (so no acknowledgement that waited for a force can go out before the
 * marker covers it). The file is never forced itself: it lives in the page cache, which survives a {@code kill -9}
 * of the broker, so a test can kill the broker, read the marker, and destroy every byte of the log at or above it
 * as losing power would, before restarting.
 * <pre>
 *   File of {@value #FILE_LENGTH} bytes:
 *  +---------------------------------------------------------------+
 *  |               Forced Position (long, native byte order)       |  0
 *  +---------------------------------------------------------------+
 *  |                         unused, zeros                        ...  8
 *  +---------------------------------------------------------------+
 * </pre>
 * An existing file keeps its value at open: until the first force of a new run, the last run's value still bounds
 * what is on the device. Off by default; without a marker the log pays one null check per force.
 * <p>
 * <b>Threading:</b> {@link #mark(long)} from the one thread that forces the log; {@link #close()} after that thread
 * stopped.
 */
public final class ForceMarker implements AutoCloseable
{
    /** Bytes of the file (one page). */
    public static final int FILE_LENGTH = 4096;
    /** Offset of the forced position (long). */
    public static final int FORCED_POSITION_OFFSET = 0;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private boolean closed;

    private ForceMarker(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    /**
     * Open or create the marker file; an existing value is kept.
     *
     * @param file path of the file.
     * @return the marker.
     * @throws IOException if the file cannot be created or mapped.
     */
    public static ForceMarker open(final Path file) throws IOException
    {
        return new ForceMarker(SmallMappedFile.map(file, FILE_LENGTH, false));
    }

    /**
     * Record that everything below {@code forcedPosition} is on the device: an ordered store into the mapped page,
     * no {@code msync}.
     *
     * @param forcedPosition exclusive end of what the last force covered.
     */
    public void mark(final long forcedPosition)
    {
        buffer.putLongVolatile(FORCED_POSITION_OFFSET, forcedPosition);
    }

    /** @return the position last marked, 0 if none. */
    public long forcedPosition()
    {
        return buffer.getLongVolatile(FORCED_POSITION_OFFSET);
    }

    /** Unmap the file; idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            IoUtil.unmap(mapped);
        }
    }
}
