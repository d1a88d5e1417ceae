package io.ringmq.store.log;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Flyweight over one record of the {@link MessageLog}, filled by {@link MessageLog#read} or passed to a
 * {@link RecordHandler}. Valid until the next read into it, or until its segment is deleted.
 * <p>
 * <b>Threading:</b> confined to the thread that filled it.
 */
public final class LogRecord
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private long position;
    private int type;
    private int flags;
    private int bodyOffset;
    private int bodyLength;

    /**
     * Point the flyweight at a record. Used by the log.
     *
     * @param position   record position.
     * @param segment    buffer of the segment.
     * @param offset     record offset in the segment.
     * @param frameLength frame length from the header.
     * @return this.
     */
    LogRecord wrap(final long position, final UnsafeBuffer segment, final int offset, final int frameLength)
    {
        this.position = position;
        this.buffer.wrap(segment, 0, segment.capacity());
        this.type = segment.getShort(offset + LogDescriptor.TYPE_OFFSET) & 0xFFFF;
        this.flags = segment.getShort(offset + LogDescriptor.FLAGS_OFFSET) & 0xFFFF;
        this.bodyOffset = offset + LogDescriptor.HEADER_LENGTH;
        this.bodyLength = frameLength - LogDescriptor.HEADER_LENGTH;
        return this;
    }

    /** @return position of the record in the log. */
    public long position()
    {
        return position;
    }

    /** @return position just after the record (aligned), where the next one starts. */
    public long nextPosition()
    {
        return position + LogDescriptor.alignedFrameLength(bodyLength);
    }

    /** @return record type. */
    public int type()
    {
        return type;
    }

    /** @return flags. */
    public int flags()
    {
        return flags;
    }

    /** @return buffer holding the body (the segment's mapping: do not write). */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return offset of the body in {@link #buffer()}. */
    public int bodyOffset()
    {
        return bodyOffset;
    }

    /** @return body length. */
    public int bodyLength()
    {
        return bodyLength;
    }
}
