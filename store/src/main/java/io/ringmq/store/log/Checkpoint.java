package io.ringmq.store.log;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A small memory-mapped file of positions that survive restarts: where recovery starts (the last complete
 * snapshot) and the oldest position still needed. Two slots, each with a sequence number and a CRC32C, are
 * written alternately and forced, so a torn write of one slot leaves the other valid; reading picks the valid
 * slot with the higher sequence.
 * <pre>
 *   File of {@value #FILE_LENGTH} bytes; slot 0 at offset 0, slot 1 at offset {@value #SLOT_LENGTH}:
 *  +---------------------------------------------------------------+
 *  |                        Sequence (long)                        |  0
 *  +---------------------------------------------------------------+
 *  |                    Recovery Position (long)                   |  8
 *  +---------------------------------------------------------------+
 *  |                     Retain Position (long)                    |  16
 *  +-------------------------------+-------------------------------+
 *  |   CRC32C of bytes 0..23 (int) |      unused up to 64 bytes   ...  24
 *  +-------------------------------+-------------------------------+
 * </pre>
 * <p>
 * <b>Threading:</b> one thread.
 */
public final class Checkpoint implements AutoCloseable
{
    /** Bytes of the file. */
    static final int FILE_LENGTH = 4096;
    /** Bytes of one slot. */
    static final int SLOT_LENGTH = 64;
    /** Offset of the sequence in a slot. */
    static final int SEQUENCE_OFFSET = 0;
    /** Offset of the recovery position in a slot. */
    static final int RECOVERY_POSITION_OFFSET = 8;
    /** Offset of the retain position in a slot. */
    static final int RETAIN_POSITION_OFFSET = 16;
    /** Offset of the CRC32C of the bytes before it in a slot. */
    static final int CRC_OFFSET = 24;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final CRC32C crc = new CRC32C();
    /** Slot holding the newest valid state, -1 if none. */
    private int currentSlot = -1;
    private long sequence;
    private long recoveryPosition;
    private long retainPosition;
    private boolean closed;

    private Checkpoint(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
        for (int slot = 0; slot < 2; slot++)
        {
            final int offset = slot * SLOT_LENGTH;
            final long slotSequence = buffer.getLong(offset + SEQUENCE_OFFSET);
            if (slotSequence > sequence && checksum(offset) == buffer.getInt(offset + CRC_OFFSET))
            {
                currentSlot = slot;
                sequence = slotSequence;
                recoveryPosition = buffer.getLong(offset + RECOVERY_POSITION_OFFSET);
                retainPosition = buffer.getLong(offset + RETAIN_POSITION_OFFSET);
            }
        }
    }

    /**
     * Open or create the checkpoint file.
     *
     * @param file path of the file.
     * @return the checkpoint, with both positions 0 when the file is new or holds no valid slot.
     * @throws IOException if the file cannot be opened.
     */
    public static Checkpoint open(final Path file) throws IOException
    {
        return new Checkpoint(SmallMappedFile.map(file, FILE_LENGTH, true));
    }

    /** @return position recovery starts at (the last complete snapshot), 0 if none. */
    public long recoveryPosition()
    {
        return recoveryPosition;
    }

    /** @return oldest position still referenced (segments below it may be deleted), 0 if none. */
    public long retainPosition()
    {
        return retainPosition;
    }

    /** @return sequence of the newest valid slot, 0 if none. */
    public long sequence()
    {
        return sequence;
    }

    /**
     * Record new positions and force the file to the device.
     *
     * @param recoveryPosition where recovery starts.
     * @param retainPosition   oldest position still needed, at or below {@code recoveryPosition}.
     */
    public void update(final long recoveryPosition, final long retainPosition)
    {
        if (closed)
        {
            throw new IllegalStateException("checkpoint closed");
        }
        if (retainPosition < 0 || retainPosition > recoveryPosition)
        {
            throw new IllegalArgumentException("need 0 <= retainPosition <= recoveryPosition: retainPosition=" +
                retainPosition + " recoveryPosition=" + recoveryPosition);
        }
        // The slot not holding the newest state: a torn write here leaves that state intact in the other one.
        final int slot = 0 == currentSlot ? 1 : 0;
        final int offset = slot * SLOT_LENGTH;
        final long nextSequence = sequence + 1;
        buffer.putLong(offset + SEQUENCE_OFFSET, nextSequence);
        buffer.putLong(offset + RECOVERY_POSITION_OFFSET, recoveryPosition);
        buffer.putLong(offset + RETAIN_POSITION_OFFSET, retainPosition);
        buffer.putInt(offset + CRC_OFFSET, checksum(offset));
        mapped.force(offset, SLOT_LENGTH);
        currentSlot = slot;
        sequence = nextSequence;
        this.recoveryPosition = recoveryPosition;
        this.retainPosition = retainPosition;
    }

    private int checksum(final int slotOffset)
    {
        final ByteBuffer view = mapped.duplicate();
        view.limit(slotOffset + CRC_OFFSET).position(slotOffset);
        crc.reset();
        crc.update(view);
        return (int)crc.getValue();
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
