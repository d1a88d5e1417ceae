package io.ringmq.store.log;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import static io.ringmq.store.log.LogDescriptor.CRC_OFFSET;
import static io.ringmq.store.log.LogDescriptor.FLAGS_OFFSET;
import static io.ringmq.store.log.LogDescriptor.HEADER_LENGTH;
import static io.ringmq.store.log.LogDescriptor.LENGTH_OFFSET;
import static io.ringmq.store.log.LogDescriptor.PADDING_TYPE;
import static io.ringmq.store.log.LogDescriptor.RESERVED_OFFSET;
import static io.ringmq.store.log.LogDescriptor.TYPE_OFFSET;

/**
 * One segment file of the {@link MessageLog}, mapped read-write for its whole life, with the record checks that
 * reading and recovery share.
 * <p>
 * <b>Threading:</b> created (and zero-filled) by the allocator thread, then handed to the appender thread, which
 * owns it: it writes the records, uses {@link #crcView} and unmaps. The one thread that forces the log may call
 * {@link #force(int, int)}, which only flushes pages and never moves a buffer position.
 */
final class Segment
{
    /** Suffix of a segment file. */
    static final String SUFFIX = ".log";
    /** Suffix of a segment file being created; such files are deleted at open. */
    static final String TEMP_SUFFIX = ".log.tmp";
    /** Digits of the base position in a file name. */
    static final int NAME_DIGITS = 20;
    /** Bytes of zeros written per call when a segment is created. */
    static final int ZERO_CHUNK_LENGTH = 1024 * 1024;
    /** Pages are touched at this stride so that the appender never takes a page fault on a fresh segment. */
    private static final int PAGE_LENGTH = 4096;

    private final long basePosition;
    private final Path file;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    /** Appender thread only: position and limit select the bytes to checksum, so nothing is allocated. */
    private final ByteBuffer crcView;

    private Segment(final long basePosition, final Path file, final MappedByteBuffer mapped)
    {
        this.basePosition = basePosition;
        this.file = file;
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
        this.crcView = mapped.duplicate();
    }

    /**
     * @param basePosition log position of the segment's first byte.
     * @return the file name, e.g. {@code 00000000000067108864.log}.
     */
    static String fileName(final long basePosition)
    {
        final String digits = Long.toString(basePosition);
        final StringBuilder name = new StringBuilder(NAME_DIGITS + SUFFIX.length());
        for (int i = digits.length(); i < NAME_DIGITS; i++)
        {
            name.append('0');
        }
        return name.append(digits).append(SUFFIX).toString();
    }

    /**
     * @param fileName name of a file in the log folder.
     * @return the base position it names, or -1 if it is not a segment file name.
     */
    static long parseBasePosition(final String fileName)
    {
        if (fileName.length() != NAME_DIGITS + SUFFIX.length() || !fileName.endsWith(SUFFIX))
        {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < NAME_DIGITS; i++)
        {
            final char c = fileName.charAt(i);
            if (c < '0' || c > '9' || value > (Long.MAX_VALUE - 9) / 10)
            {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /**
     * Map an existing segment file.
     *
     * @param file          the file.
     * @param basePosition  position its name gives.
     * @param segmentLength expected length.
     * @return the mapped segment.
     * @throws IOException if the file cannot be mapped or has the wrong length.
     */
    static Segment map(final Path file, final long basePosition, final int segmentLength) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final long size = channel.size();
            if (size != segmentLength)
            {
                throw new IOException("segment " + file + " has " + size + " bytes, expected " + segmentLength);
            }
            return new Segment(basePosition, file, channel.map(FileChannel.MapMode.READ_WRITE, 0, segmentLength));
        }
    }

    /**
     * Create a segment file: write zeros through the channel so that every block is allocated (a sparse file would
     * fault with SIGBUS on a full disk instead of failing here), force it, map it, touch every page, then rename
     * the temporary file to its final name and force the folder so the name survives a power loss.
     *
     * @param directory     the log folder.
     * @param basePosition  position of the segment's first byte.
     * @param segmentLength bytes.
     * @param zeros         a direct buffer of zeros, its capacity the chunk written per call.
     * @return the mapped segment.
     * @throws IOException if the disk is full or the file cannot be created; nothing is left behind.
     */
    static Segment create(final Path directory, final long basePosition, final int segmentLength,
        final ByteBuffer zeros) throws IOException
    {
        final String name = fileName(basePosition);
        final Path temp = directory.resolve(name.substring(0, NAME_DIGITS) + TEMP_SUFFIX);
        final Path file = directory.resolve(name);
        MappedByteBuffer mapped = null;
        try
        {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                long written = 0;
                while (written < segmentLength)
                {
                    zeros.clear().limit((int)Math.min(zeros.capacity(), segmentLength - written));
                    while (zeros.hasRemaining())
                    {
                        written += channel.write(zeros, written);
                    }
                }
                channel.force(true);
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, segmentLength);
            }
            preTouch(mapped, segmentLength);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(directory);
            return new Segment(basePosition, file, mapped);
        }
        catch (final IOException | RuntimeException ex)
        {
            if (null != mapped)
            {
                IoUtil.unmap(mapped);
            }
            try
            {
                Files.deleteIfExists(temp);
            }
            catch (final IOException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
    }

    /**
     * Make a file creation, rename or deletion in {@code directory} durable. Platforms that cannot open a folder
     * (Windows) do without.
     *
     * @param directory the folder.
     */
    static void forceDirectory(final Path directory)
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ignore)
        {
            // Not supported on this platform: the rename is still atomic, only its durability is up to the OS.
        }
    }

    private static void preTouch(final MappedByteBuffer mapped, final int length)
    {
        // A write (of the zero already there) maps each page writable now, on this thread, instead of on the
        // appender's first record in it.
        for (int i = 0; i < length; i += PAGE_LENGTH)
        {
            mapped.put(i, (byte)0);
        }
    }

    long basePosition()
    {
        return basePosition;
    }

    Path file()
    {
        return file;
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * Checksum of a record: header bytes 4..7 and bytes 12..frameLength. Appender thread.
     *
     * @param crc         the reused checksum.
     * @param offset      record offset.
     * @param frameLength frame length.
     * @return the CRC32C.
     */
    int checksum(final CRC32C crc, final int offset, final int frameLength)
    {
        final ByteBuffer view = crcView;
        crc.reset();
        view.limit(offset + CRC_OFFSET).position(offset + TYPE_OFFSET);
        crc.update(view);
        view.limit(offset + frameLength).position(offset + RESERVED_OFFSET);
        crc.update(view);
        return (int)crc.getValue();
    }

    /**
     * Write the type, flags, reserved word and checksum of a record whose body is in place, then publish it by
     * writing its frame length last with a release store.
     *
     * @param crc         the reused checksum.
     * @param offset      record offset.
     * @param frameLength header plus body bytes.
     * @param type        record type.
     * @param flags       flags.
     */
    void commit(final CRC32C crc, final int offset, final int frameLength, final int type, final int flags)
    {
        final UnsafeBuffer buffer = this.buffer;
        buffer.putShort(offset + TYPE_OFFSET, (short)type);
        buffer.putShort(offset + FLAGS_OFFSET, (short)flags);
        buffer.putInt(offset + RESERVED_OFFSET, 0);
        buffer.putInt(offset + CRC_OFFSET, checksum(crc, offset, frameLength));
        buffer.putIntRelease(offset + LENGTH_OFFSET, frameLength);
    }

    /**
     * Check the record at {@code offset}: a length that fits the segment, a padding record only as the last one
     * of the segment, and a matching checksum. Never throws for bad data.
     *
     * @param crc    the reused checksum.
     * @param offset an aligned offset in the segment.
     * @return the frame length of a valid record (padding included), 0 if no record was written there, or -1 if
     *         the bytes there are not a valid record.
     */
    int validFrameLength(final CRC32C crc, final int offset)
    {
        final UnsafeBuffer buffer = this.buffer;
        final int remaining = buffer.capacity() - offset;
        if (remaining < HEADER_LENGTH)
        {
            return -1;
        }
        final int frameLength = buffer.getIntVolatile(offset + LENGTH_OFFSET);
        if (0 == frameLength)
        {
            return 0;
        }
        if (frameLength < HEADER_LENGTH || frameLength > remaining)
        {
            return -1;
        }
        final int type = buffer.getShort(offset + TYPE_OFFSET) & 0xFFFF;
        if (type > LogDescriptor.MAX_TYPE || (PADDING_TYPE == type && frameLength != remaining) ||
            0 != buffer.getInt(offset + RESERVED_OFFSET))
        {
            return -1; // the reserved word is checksummed too: checking it first spares a checksum of garbage
        }
        return checksum(crc, offset, frameLength) == buffer.getInt(offset + CRC_OFFSET) ? frameLength : -1;
    }

    /**
     * @param fromOffset first byte to check.
     * @return true if every byte from {@code fromOffset} to the end is zero.
     */
    boolean isZeroFrom(final int fromOffset)
    {
        final UnsafeBuffer buffer = this.buffer;
        final int capacity = buffer.capacity();
        int i = fromOffset;
        for (; i < capacity && (i & 7) != 0; i++)
        {
            if (0 != buffer.getByte(i))
            {
                return false;
            }
        }
        for (; i < capacity; i += 8)
        {
            if (0 != buffer.getLong(i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param fromOffset first byte to look at, a multiple of 8.
     * @return the offset just past the last 8-byte word at or after {@code fromOffset} that holds a non-zero byte,
     *         or {@code fromOffset} if every byte from there is zero.
     */
    int endOfData(final int fromOffset)
    {
        final UnsafeBuffer buffer = this.buffer;
        for (int i = buffer.capacity() - 8; i >= fromOffset; i -= 8)
        {
            if (0 != buffer.getLong(i))
            {
                return i + 8;
            }
        }
        return fromOffset;
    }

    /**
     * Write a range of the segment to a file. Appender thread (recovery).
     *
     * @param channel destination, written at its current position.
     * @param offset  first byte.
     * @param length  bytes.
     * @throws IOException if the write fails.
     */
    void copyTo(final FileChannel channel, final int offset, final int length) throws IOException
    {
        final ByteBuffer view = mapped.duplicate();
        view.limit(offset + length).position(offset);
        while (view.hasRemaining())
        {
            channel.write(view);
        }
    }

    /**
     * Zero the segment from {@code fromOffset} to its end and write the change back to the device.
     *
     * @param fromOffset first byte to zero.
     */
    void zeroFrom(final int fromOffset)
    {
        final int length = buffer.capacity() - fromOffset;
        buffer.setMemory(fromOffset, length, (byte)0);
        mapped.force(fromOffset, length);
    }

    /**
     * Write a range of the mapping back to the device ({@code msync}). Callable from the forcing thread.
     *
     * @param offset first byte.
     * @param length bytes.
     */
    void force(final int offset, final int length)
    {
        mapped.force(offset, length);
    }

    /** Unmap; the segment must not be used afterwards. */
    void unmap()
    {
        IoUtil.unmap(mapped);
    }

    /**
     * Unmap and delete the file.
     *
     * @throws IOException if the file cannot be deleted.
     */
    void delete() throws IOException
    {
        unmap();
        Files.deleteIfExists(file);
    }
}
