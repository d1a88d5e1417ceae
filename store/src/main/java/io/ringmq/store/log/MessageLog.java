package io.ringmq.store.log;

import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static io.ringmq.store.log.LogDescriptor.ALIGNMENT;
import static io.ringmq.store.log.LogDescriptor.HEADER_LENGTH;
import static io.ringmq.store.log.LogDescriptor.PADDING_TYPE;
import static io.ringmq.store.log.LogDescriptor.TYPE_OFFSET;

/**
 * An append-only log of records in memory-mapped segment files of a fixed power-of-two size, named by the
 * position of their first byte ({@code 00000000000000000000.log}, 20 decimal digits). A position is a byte
 * offset in the whole log; {@code position >> log2(segmentLength)} names the segment.
 * <p>
 * Appending: {@link #tryClaim} reserves space for one record in the current segment, the caller writes the body
 * into {@link #buffer()} at {@link #bodyOffset()}, then {@link #commit()} writes type, flags and CRC32C and
 * finally the frame length with a release store, so a reader (or recovery after a crash) that sees a non-zero
 * length sees the whole record. A record that does not fit in the rest of the segment is preceded by a padding
 * record and goes to the next segment, which a background thread has already created, zero-filled by writing
 * (so the file's blocks are allocated and a full disk shows up as an error there, never as SIGBUS on a mapped
 * write) and mapped.
 * <p>
 * Disk full: when the next segment cannot be allocated (an I/O error such as ENOSPC, or {@code maxBytes} would be
 * exceeded), the log is {@link #isFull() full}. While full, {@link #tryClaim} keeps the last
 * {@code reserveBytes} of the current segment free and {@link #tryClaimReserved} may use them, so that
 * acknowledgement records can still be written. Allocation is retried by {@link #retryAllocation()}.
 * <p>
 * Recovery ({@link #recover}) cuts a torn tail, as a crash leaves it, but refuses to cut records that still verify
 * after damage in the middle of the log unless told to; whatever it cuts is first copied to a file in
 * {@value #QUARANTINE_FOLDER}.
 * <p>
 * <b>Threading:</b> one appender thread calls every method except {@link #force(long)} and
 * {@link #forcedPosition()}, which one other thread (the journaller) may call concurrently. Segments are only
 * unmapped by {@link #deleteBefore(long)}, which the caller must only call with a position at or below the
 * forced position when another thread forces, so the two threads never touch the same segment's mapping.
 */
public final class MessageLog implements AutoCloseable
{
    /** {@link #tryClaim} result: no room until segments are deleted or the disk frees up. */
    public static final long FULL = -1;
    /** {@link #tryClaim} result: the record is larger than a segment can hold. */
    public static final long TOO_LARGE = -2;
    /** Smallest segment length accepted by {@link #open}. */
    public static final int MIN_SEGMENT_LENGTH = 64 * 1024;
    /** Folder beside the segments where recovery keeps a copy of every byte it cuts. */
    public static final String QUARANTINE_FOLDER = "quarantine";
    /** Suffix of a quarantine file, named {@code <position, 20 digits>-<epoch ms>.bin}. */
    public static final String QUARANTINE_SUFFIX = ".bin";

    private static final Logger LOGGER = LoggerFactory.getLogger(MessageLog.class);

    /** Appender's view of the next segment: not asked for yet. */
    private static final int NEXT_NONE = 0;
    /** Appender's view of the next segment: the allocator is creating it. */
    private static final int NEXT_PENDING = 1;
    /** Appender's view of the next segment: created, taken at the next rollover. */
    private static final int NEXT_READY = 2;
    /** Appender's view of the next segment: creating it failed; the log is full until a retry succeeds. */
    private static final int NEXT_FAILED = 3;

    private final Path directory;
    private final int segmentLength;
    private final int segmentBits;
    private final int segmentMask;
    private final int maxBodyLength;
    private final long maxBytes;
    private final int reserveBytes;
    private final SegmentAllocator allocator;

    /**
     * Mapped segments. Replaced (copy on write) only by the appender thread, on rollover, deletion, recovery and
     * close, with a volatile store; read by the appender and by the forcing thread with a volatile load.
     * Invariant: the segments are contiguous, the last one is {@link #current}, and a segment leaves the table
     * before it is unmapped.
     */
    private volatile SegmentTable segments = SegmentTable.EMPTY;

    /**
     * Written only by the forcing thread (and at open), after the {@code msync} of everything below it has
     * returned; read by any thread. Invariant: every byte below it is on the device.
     */
    private volatile long forcedPosition;

    /**
     * Diagnostic marker of the forced position (power-loss tests), null when off. Set before the forcing thread
     * starts (the thread start orders it), written by the forcing thread, closed with the log.
     */
    private ForceMarker forceMarker;

    // Everything below is owned by the appender thread: plain fields, never read by another thread.
    private final CRC32C crc = new CRC32C();
    private final LogRecord scanRecord = new LogRecord();
    private Segment current;
    private long currentBase;
    /** Offset in {@link #current} where the next record goes; may equal {@link #segmentLength}. */
    private int tailOffset;
    private int claimOffset = -1;
    private int claimFrameLength;
    private int claimType;
    private int claimFlags;
    private long startPosition;
    private long bytesOnDisk;
    private int nextState = NEXT_NONE;
    private boolean full;
    /** False for an existing log until {@link #recover} has found where it ends, and after close. */
    private boolean appendable;
    private boolean recovered;
    /**
     * During {@link #recover}: the position of the record being passed to the handler, so the handler may
     * {@link #read} any record before it (a snapshot refers to records written before it). Appender thread.
     */
    private long scanLimit = -1;
    private boolean closed;

    private MessageLog(final Path directory, final int segmentLength, final long maxBytes, final int reserveBytes)
    {
        this.directory = directory;
        this.segmentLength = segmentLength;
        this.segmentBits = Integer.numberOfTrailingZeros(segmentLength);
        this.segmentMask = segmentLength - 1;
        this.maxBodyLength = segmentLength - HEADER_LENGTH;
        this.maxBytes = maxBytes;
        this.reserveBytes = reserveBytes;
        this.allocator = new SegmentAllocator(directory, segmentLength);
    }

    /**
     * Open or create the log in {@code directory}, mapping the segments present. Nothing is scanned yet:
     * call {@link #recover} once before appending.
     *
     * @param directory     folder of the segment files, created if missing.
     * @param segmentLength bytes per segment, a power of two of at least 64 KiB.
     * @param maxBytes      most bytes of segment files on disk, 0 for no limit beyond the disk itself.
     * @param reserveBytes  bytes kept free at the end of the current segment while the log is full.
     * @return the log.
     * @throws IOException if the folder or a segment cannot be opened.
     */
    public static MessageLog open(final Path directory, final int segmentLength, final long maxBytes,
        final int reserveBytes) throws IOException
    {
        if (!BitUtil.isPowerOfTwo(segmentLength))
        {
            throw new IllegalArgumentException("segmentLength must be a power of 2: " + segmentLength);
        }
        if (segmentLength < MIN_SEGMENT_LENGTH)
        {
            throw new IllegalArgumentException(
                "segmentLength must be at least " + MIN_SEGMENT_LENGTH + ": " + segmentLength);
        }
        if (maxBytes < 0 || (maxBytes > 0 && maxBytes < segmentLength))
        {
            throw new IllegalArgumentException("maxBytes must be 0 or at least segmentLength: " + maxBytes);
        }
        if (reserveBytes < 0 || reserveBytes >= segmentLength)
        {
            throw new IllegalArgumentException("reserveBytes must be in [0, segmentLength): " + reserveBytes);
        }
        Files.createDirectories(directory);
        final MessageLog log = new MessageLog(directory, segmentLength, maxBytes, reserveBytes);
        try
        {
            log.allocator.start();
            log.mapSegments();
            return log;
        }
        catch (final IOException | RuntimeException ex)
        {
            log.close();
            throw ex;
        }
    }

    private void mapSegments() throws IOException
    {
        long[] bases = new long[8];
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory))
        {
            for (final Path file : files)
            {
                final Path fileName = file.getFileName();
                final String name = null == fileName ? "" : fileName.toString();
                if (name.endsWith(Segment.TEMP_SUFFIX))
                {
                    Files.delete(file); // a segment whose creation was interrupted
                    continue;
                }
                final long base = Segment.parseBasePosition(name);
                if (base >= 0)
                {
                    if ((base & segmentMask) != 0)
                    {
                        throw new IOException("segment " + file + " does not start on a multiple of " +
                            segmentLength + ": wrong segmentLength for this log?");
                    }
                    bases = count == bases.length ? Arrays.copyOf(bases, count * 2) : bases;
                    bases[count++] = base;
                }
            }
        }
        Arrays.sort(bases, 0, count);
        for (int i = 0; i < count; i++)
        {
            final long base = bases[i];
            if (i > 0 && base != bases[i - 1] + segmentLength)
            {
                throw new IOException("segments of " + directory + " are not contiguous: " +
                    Segment.fileName(bases[i - 1] + segmentLength) + " is missing");
            }
            segments = segments.with(base >>> segmentBits, Segment.map(directory.resolve(Segment.fileName(base)),
                base, segmentLength));
            bytesOnDisk += segmentLength;
        }
        if (0 == count)
        {
            segments = SegmentTable.EMPTY.with(0, allocateNow(0));
            bytesOnDisk = segmentLength;
            appendable = true; // a new log: nothing to recover, appending starts at 0
        }
        startPosition = segments.firstIndex() << segmentBits;
        forcedPosition = startPosition;
        current = segments.get(segments.firstIndex());
        currentBase = startPosition;
    }

    /**
     * Recover as {@link #recover(long, RecordHandler, boolean)} does, refusing to cut valid records.
     *
     * @param fromPosition where to start, at or above {@link #startPosition()} (usually a checkpoint).
     * @param handler      receives each valid record.
     * @return what was found and what was cut.
     * @throws LogCorruptedException if valid records follow damage in the log.
     */
    public RecoveryReport recover(final long fromPosition, final RecordHandler handler)
    {
        return recover(fromPosition, handler, false);
    }

    /**
     * Scan from {@code fromPosition} to the end of the written log, verify each record's CRC32C and pass the
     * valid ones (padding excluded) to {@code handler}, in order. The first zero length, impossible length or failed
     * checksum ends the log there, and what lies after that point is examined, on every 8-byte boundary of its
     * segment and of the later segments:
     * <ul>
     * <li>only zeros: a clean end, nothing is cut;</li>
     * <li>bytes, but no record that verifies: a torn tail, as a crash leaves it, which is cut;</li>
     * <li>records that verify: damage in the middle of the log. A cut would delete those records, which were
     * written whole and may have been acknowledged, so recovery refuses with {@link LogCorruptedException} and
     * changes nothing on disk, unless {@code allowCut} is true.</li>
     * </ul>
     * A cut first copies every byte it removes, from the end of the log to the end of the written data (later
     * segments included), into {@code quarantine/<position>-<epoch ms>.bin} beside the segments and forces that file
     * to the device; only then does it zero the rest of the segment and delete the later segments. Appending
     * continues at the cut.
     * <p>
     * Call once, before appending. After an exception the handler has seen the records before the damage; the log
     * must be closed and opened again before another attempt.
     *
     * @param fromPosition where to start, at or above {@link #startPosition()} (usually a checkpoint).
     * @param handler      receives each valid record.
     * @param allowCut     true to cut even when valid records follow the damage: they are lost but for the
     *                     quarantine copy, and the report counts them.
     * @return what was found and what was cut.
     * @throws LogCorruptedException if valid records follow the damage and {@code allowCut} is false.
     * @throws UncheckedIOException  if the bytes to cut cannot be copied to the quarantine folder; nothing is cut.
     */
    public RecoveryReport recover(final long fromPosition, final RecordHandler handler, final boolean allowCut)
    {
        if (closed || recovered || currentBase != startPosition || 0 != tailOffset)
        {
            throw new IllegalStateException("recover must be called once, before appending");
        }
        if ((fromPosition & (ALIGNMENT - 1)) != 0)
        {
            throw new IllegalArgumentException("fromPosition must be a multiple of " + ALIGNMENT + ": " +
                fromPosition);
        }
        recovered = true;
        final long startNs = System.nanoTime();
        final SegmentTable table = segments;
        final long from = Math.min(Math.max(fromPosition, startPosition), table.endIndex() << segmentBits);
        long position = from;
        long records = 0;
        long bytesScanned = 0;
        while (true)
        {
            final Segment segment = table.get(position >>> segmentBits);
            if (null == segment)
            {
                break; // the last segment is full to its end
            }
            final int offset = (int)(position & segmentMask);
            final int remaining = segmentLength - offset;
            final int frameLength = remaining < HEADER_LENGTH ? remaining : segment.validFrameLength(crc, offset);
            if (frameLength <= 0)
            {
                break;
            }
            // Fewer bytes than a header left at the end of a segment: no record fits, the appender moved on.
            if (remaining >= HEADER_LENGTH &&
                PADDING_TYPE != (segment.buffer().getShort(offset + TYPE_OFFSET) & 0xFFFF))
            {
                scanLimit = position;
                try
                {
                    handler.onRecord(scanRecord.wrap(position, segment.buffer(), offset, frameLength));
                }
                finally
                {
                    scanLimit = -1;
                }
                records++;
            }
            final int alignedLength = BitUtil.align(frameLength, ALIGNMENT);
            bytesScanned += alignedLength;
            position += alignedLength;
        }

        final Tail tail = scanTail(table, position);
        final long cutBytes = tail.endPosition() - position;
        if (tail.records() > 0 && !allowCut)
        {
            throw new LogCorruptedException(directory.toString(), position, tail.records(), cutBytes,
                directory.resolve(QUARANTINE_FOLDER).toString());
        }
        Path quarantineFile = null;
        if (cutBytes > 0)
        {
            quarantineFile = quarantine(table, position, tail.endPosition());
            // Appending resumes here and must find zeros, so that a length it has not written yet reads as 0.
            final Segment segment = table.get(position >>> segmentBits);
            final int offset = (int)(position & segmentMask);
            if (null != segment && !segment.isZeroFrom(offset))
            {
                segment.zeroFrom(offset);
            }
        }
        final int segmentsDropped = truncateAfter(position);
        appendable = true;
        if (tailOffset >= segmentLength >>> 1)
        {
            requestNextSegment();
        }
        return new RecoveryReport(from, position, records, bytesScanned, cutBytes, tail.records(), segmentsDropped,
            quarantineFile, System.nanoTime() - startNs);
    }

    /**
     * What lies after the end of the valid log.
     *
     * @param records     records (padding excluded) that verify after the damage.
     * @param endPosition end of the written data: past the last non-zero 8-byte word or the last record that
     *                    verifies, whichever is later; the damage position itself if only zeros follow.
     */
    private record Tail(long records, long endPosition)
    {
    }

    /**
     * Look for records that verify after the end of the valid log, in its segment and every later one: on each
     * 8-byte boundary (records are aligned), and from a record that verifies straight to the one after it, so that
     * bytes inside a record's body are never taken for a header.
     */
    private Tail scanTail(final SegmentTable table, final long damagePosition)
    {
        final long damageIndex = damagePosition >>> segmentBits;
        long records = 0;
        long endPosition = damagePosition;
        for (long index = damageIndex; index < table.endIndex(); index++)
        {
            final Segment segment = table.get(index);
            final long base = index << segmentBits;
            final int from = index == damageIndex ? (int)(damagePosition - base) : 0;
            final int dataEnd = segment.endOfData(from);
            if (dataEnd > from)
            {
                endPosition = Math.max(endPosition, base + dataEnd);
            }
            // A record starts with a non-zero length, so none starts at or after dataEnd.
            int offset = index == damageIndex ? from + ALIGNMENT : 0;
            while (offset < dataEnd)
            {
                final int frameLength = segment.validFrameLength(crc, offset);
                if (frameLength > 0)
                {
                    if (PADDING_TYPE != (segment.buffer().getShort(offset + TYPE_OFFSET) & 0xFFFF))
                    {
                        records++;
                    }
                    offset += BitUtil.align(frameLength, ALIGNMENT);
                    endPosition = Math.max(endPosition, base + offset);
                }
                else
                {
                    offset += ALIGNMENT;
                }
            }
        }
        return new Tail(records, endPosition);
    }

    /**
     * Copy the log's bytes in {@code [from, to)} to a new file in the quarantine folder, force it and the folder
     * entries to the device, and return it. A partly written file is deleted.
     */
    private Path quarantine(final SegmentTable table, final long from, final long to)
    {
        final Path folder = directory.resolve(QUARANTINE_FOLDER);
        Path file = null;
        try
        {
            Files.createDirectories(folder);
            file = createQuarantineFile(folder, from);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
            {
                long position = from;
                while (position < to)
                {
                    final long index = position >>> segmentBits;
                    final long end = Math.min(to, (index + 1) << segmentBits);
                    table.get(index).copyTo(channel, (int)(position & segmentMask), (int)(end - position));
                    position = end;
                }
                channel.force(true);
            }
            Segment.forceDirectory(folder);
            Segment.forceDirectory(directory);
            return file;
        }
        catch (final IOException ex)
        {
            deletePartial(file, ex);
            throw new UncheckedIOException("cannot copy the " + (to - from) + " bytes to cut at position " + from +
                " of message log " + directory + " to " + folder + ", so nothing was cut: " + ex.getMessage(), ex);
        }
    }

    private static Path createQuarantineFile(final Path folder, final long position) throws IOException
    {
        final String prefix = Segment.fileName(position).substring(0, Segment.NAME_DIGITS) + '-';
        long stamp = System.currentTimeMillis();
        while (true)
        {
            final Path file = folder.resolve(prefix + stamp + QUARANTINE_SUFFIX);
            try
            {
                return Files.createFile(file);
            }
            catch (final FileAlreadyExistsException ex)
            {
                stamp++; // a second cut at the same position within the same millisecond
            }
        }
    }

    private static void deletePartial(final Path file, final IOException failure)
    {
        if (null != file)
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ex)
            {
                failure.addSuppressed(ex);
            }
        }
    }

    /**
     * Make {@code endPosition} the tail: delete every segment after the one it lies in, newest first (so a crash
     * part way leaves a contiguous log), and move the appender there.
     */
    private int truncateAfter(final long endPosition)
    {
        final SegmentTable table = segments;
        final long endIndex = table.get(endPosition >>> segmentBits) != null ?
            endPosition >>> segmentBits : (endPosition >>> segmentBits) - 1;
        final SegmentTable kept = table.range(table.firstIndex(), endIndex + 1);
        segments = kept;
        int dropped = 0;
        for (long index = table.endIndex() - 1; index > endIndex; index--)
        {
            final Segment segment = table.get(index);
            if (!segment.isZeroFrom(0))
            {
                dropped++;  // a segment created ahead of time and never written is not a loss worth reporting
            }
            deleteSegment(segment);
        }
        if (table.endIndex() - 1 > endIndex)
        {
            Segment.forceDirectory(directory);
        }
        current = kept.get(endIndex);
        currentBase = endIndex << segmentBits;
        tailOffset = (int)(endPosition - currentBase);
        return dropped;
    }

    /**
     * Reserve room for one record; write the body into {@link #buffer()} from {@link #bodyOffset()}, then
     * {@link #commit()} before the next claim.
     *
     * @param type       record type, 1..{@link LogDescriptor#MAX_TYPE}.
     * @param flags      16 flag bits stored with the record.
     * @param bodyLength body bytes.
     * @return the record's position, or {@link #FULL} or {@link #TOO_LARGE}.
     */
    public long tryClaim(final int type, final int flags, final int bodyLength)
    {
        return claim(type, flags, bodyLength, false);
    }

    /**
     * As {@link #tryClaim} but may use the reserve kept while the log is full: for records that free space or
     * must not be refused (acknowledgements, session end).
     *
     * @param type       record type.
     * @param flags      flag bits.
     * @param bodyLength body bytes.
     * @return the record's position, or {@link #FULL} or {@link #TOO_LARGE}.
     */
    public long tryClaimReserved(final int type, final int flags, final int bodyLength)
    {
        return claim(type, flags, bodyLength, true);
    }

    private long claim(final int type, final int flags, final int bodyLength, final boolean mayUseReserve)
    {
        if (!appendable)
        {
            throw new IllegalStateException(closed ? "log closed" : "recover must be called before appending");
        }
        if (type < 1 || type > LogDescriptor.MAX_TYPE || bodyLength < 0)
        {
            throw new IllegalArgumentException("type must be in 1.." + LogDescriptor.MAX_TYPE +
                " and bodyLength >= 0: type=" + type + " bodyLength=" + bodyLength);
        }
        if (bodyLength > maxBodyLength)
        {
            return TOO_LARGE;
        }
        if (NEXT_PENDING == nextState)
        {
            pollAllocation();
        }
        final int alignedLength = LogDescriptor.alignedFrameLength(bodyLength);
        int offset = tailOffset;
        if (alignedLength > segmentLength - offset - (mayUseReserve ? 0 : reserveBytes))
        {
            // About to enter the reserve or leave the segment: only once the next segment is known to exist (or
            // known to be impossible, and then the reserve is kept) may a normal claim take the last bytes.
            if (NEXT_NONE == nextState)
            {
                requestNextSegment();
            }
            if (NEXT_PENDING == nextState)
            {
                awaitAllocation();
                pollAllocation();
            }
            if (alignedLength > segmentLength - offset)
            {
                if (full)
                {
                    return FULL;
                }
                rollover();
                offset = 0;
            }
            else if (full && !mayUseReserve)
            {
                return FULL;
            }
        }
        tailOffset = offset + alignedLength;
        claimOffset = offset;
        claimFrameLength = HEADER_LENGTH + bodyLength;
        claimType = type;
        claimFlags = flags;
        if (NEXT_NONE == nextState && tailOffset >= segmentLength >>> 1)
        {
            requestNextSegment();
        }
        return currentBase + offset;
    }

    /** Move to the next segment, which the allocator has made ready. */
    private void rollover()
    {
        final Segment next = allocator.take();
        final int offset = tailOffset;
        if (segmentLength - offset >= HEADER_LENGTH)
        {
            current.commit(crc, offset, segmentLength - offset, PADDING_TYPE, 0);
        }
        segments = segments.with(next.basePosition() >>> segmentBits, next);
        current = next;
        currentBase = next.basePosition();
        tailOffset = 0;
        nextState = NEXT_NONE;
    }

    private void requestNextSegment()
    {
        if (maxBytes > 0 && bytesOnDisk + segmentLength > maxBytes)
        {
            nextState = NEXT_FAILED;
            becomeFull(null);
            return;
        }
        bytesOnDisk += segmentLength; // counted from the request, as the file takes space while it is written
        nextState = NEXT_PENDING;
        allocator.request(currentBase + segmentLength);
    }

    private void pollAllocation()
    {
        final int state = allocator.state();
        if (SegmentAllocator.READY == state)
        {
            nextState = NEXT_READY;
            if (full)
            {
                full = false;
                LOGGER.warn("message log {} no longer full: segment {} allocated", directory,
                    Segment.fileName(currentBase + segmentLength));
            }
        }
        else if (SegmentAllocator.FAILED == state)
        {
            final Throwable cause = allocator.takeFailure();
            bytesOnDisk -= segmentLength;
            nextState = NEXT_FAILED;
            becomeFull(cause);
        }
    }

    private void becomeFull(final Throwable cause)
    {
        if (!full)
        {
            full = true;
            LOGGER.warn("message log {} full: cannot allocate segment {} ({}); only the last {} bytes of the current "
                + "segment remain, for reserved records", directory, Segment.fileName(currentBase + segmentLength),
                null == cause ? "maxBytes " + maxBytes + " reached" : cause.toString(), reserveBytes);
        }
    }

    private void awaitAllocation()
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                allocator.await();
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private Segment allocateNow(final long basePosition) throws IOException
    {
        allocator.request(basePosition);
        awaitAllocation();
        if (SegmentAllocator.READY == allocator.state())
        {
            return allocator.take();
        }
        throw new IOException("cannot create segment " + Segment.fileName(basePosition) + " in " + directory,
            allocator.takeFailure());
    }

    /** @return buffer of the current claim (the segment's mapping). */
    public MutableDirectBuffer buffer()
    {
        return current.buffer();
    }

    /** @return offset in {@link #buffer()} of the claimed body. */
    public int bodyOffset()
    {
        return claimOffset + HEADER_LENGTH;
    }

    /** Checksum the claimed record and publish it by writing its length last (release store). */
    public void commit()
    {
        final int offset = claimOffset;
        if (offset < 0)
        {
            throw new IllegalStateException("no claim to commit");
        }
        current.commit(crc, offset, claimFrameLength, claimType, claimFlags);
        claimOffset = -1;
    }

    /**
     * Read the record at {@code position} into a flyweight, verifying its checksum. Appender thread (or any
     * thread once appending has stopped).
     *
     * During {@link #recover} the handler may read any record before the one it is given.
     *
     * @param position a record position returned by {@link #tryClaim} or seen in {@link #recover}.
     * @param record   flyweight to wrap the record.
     * @return true if a valid, committed record is there; false if the position is outside the log, deleted,
     *         not committed or corrupt.
     */
    public boolean read(final long position, final LogRecord record)
    {
        final long limit = scanLimit >= 0 ? scanLimit : position();
        if (position < startPosition || position >= limit || (position & (ALIGNMENT - 1)) != 0)
        {
            return false;
        }
        final Segment segment = segments.get(position >>> segmentBits);
        if (null == segment)
        {
            return false;
        }
        final int offset = (int)(position & segmentMask);
        final int frameLength = segment.validFrameLength(crc, offset);
        if (frameLength <= 0 || PADDING_TYPE == (segment.buffer().getShort(offset + TYPE_OFFSET) & 0xFFFF))
        {
            return false;
        }
        record.wrap(position, segment.buffer(), offset, frameLength);
        return true;
    }

    /** @return position the next record will be appended at. */
    public long position()
    {
        return currentBase + tailOffset;
    }

    /** @return position of the oldest byte still on disk (base of the oldest segment). */
    public long startPosition()
    {
        return startPosition;
    }

    /** @return segment length in bytes. */
    public int segmentLength()
    {
        return segmentLength;
    }

    /**
     * @return bytes left in the current segment, reserve included: while the log is full, all that any record can
     *         still use.
     */
    public int remainingInSegment()
    {
        return segmentLength - tailOffset;
    }

    /** @return bytes of segment files on disk. */
    public long bytesOnDisk()
    {
        return bytesOnDisk;
    }

    /** @return true while the next segment cannot be allocated. */
    public boolean isFull()
    {
        if (NEXT_PENDING == nextState)
        {
            pollAllocation();
        }
        return full;
    }

    /** Try again to allocate the next segment after a failure (cheap when not full). Appender thread. */
    public void retryAllocation()
    {
        if (NEXT_PENDING == nextState)
        {
            pollAllocation();
        }
        else if (NEXT_FAILED == nextState && !closed)
        {
            nextState = NEXT_NONE;
            requestNextSegment();
        }
    }

    /**
     * Write back to the device everything appended below {@code position} that was not forced yet
     * ({@code msync}). Callable from one thread other than the appender.
     *
     * @param position exclusive end of the range to force; records below it were committed before the call.
     */
    public void force(final long position)
    {
        long from = forcedPosition;
        if (position <= from)
        {
            return;
        }
        final SegmentTable table = segments;
        while (from < position)
        {
            final long index = from >>> segmentBits;
            final long end = Math.min(position, (index + 1) << segmentBits);
            final Segment segment = table.get(index);
            if (null != segment)
            {
                segment.force((int)(from & segmentMask), (int)(end - from));
            }
            from = end;
        }
        final ForceMarker marker = forceMarker;
        if (null != marker)
        {
            marker.mark(position);  // before anyone may act on the new forced position
        }
        forcedPosition = position;
    }

    /**
     * Have every completed force write its position to {@code marker} (a diagnostic aid for power-loss tests), before
     * the new forced position is visible to other threads. Call before another thread starts forcing; the log
     * closes the marker when it closes.
     *
     * @param marker the marker, or null for none.
     */
    public void forceMarker(final ForceMarker marker)
    {
        this.forceMarker = marker;
    }

    /** @return everything below this position has been forced. Any thread. */
    public long forcedPosition()
    {
        return forcedPosition;
    }

    /**
     * Delete the segments that lie wholly below {@code position} (never the current one).
     *
     * @param position records below it are no longer needed.
     * @return number of segments deleted.
     */
    public int deleteBefore(final long position)
    {
        final SegmentTable table = segments;
        if (position <= startPosition || table.isEmpty())
        {
            return 0;
        }
        final long firstIndex = table.firstIndex();
        final long endIndex = Math.min(position >>> segmentBits, currentBase >>> segmentBits);
        if (endIndex <= firstIndex)
        {
            return 0;
        }
        segments = table.range(endIndex, Long.MAX_VALUE); // out of the table before it is unmapped
        startPosition = endIndex << segmentBits;
        for (long index = firstIndex; index < endIndex; index++)
        {
            deleteSegment(table.get(index));
        }
        return (int)(endIndex - firstIndex);
    }

    private void deleteSegment(final Segment segment)
    {
        bytesOnDisk -= segmentLength;
        try
        {
            segment.delete();
        }
        catch (final IOException ex)
        {
            LOGGER.warn("cannot delete {}: {}", segment.file(), ex.toString());
        }
    }

    /** Stop the allocator thread, unmap and close every segment. Appending must have stopped. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        appendable = false;
        final Segment unused = allocator.close();
        if (null != unused)
        {
            deleteSegment(unused); // created ahead of need: the next open would drop it anyway
        }
        if (null != forceMarker)
        {
            forceMarker.close();
        }
        final SegmentTable table = segments;
        segments = SegmentTable.EMPTY;
        for (long index = table.firstIndex(); index < table.endIndex(); index++)
        {
            final Segment segment = table.get(index);
            if (null != segment)
            {
                segment.unmap();
            }
        }
    }
}
