package io.ringmq.store.log;

/**
 * Layout of one record in the message log. Records are aligned to {@link #ALIGNMENT} bytes and never span two
 * segments; a {@link #PADDING_TYPE} record fills the end of a segment when the next record does not fit.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |R|                  Frame Length (header + body)               |  written last, release store
 *  +-------------------------------+-------------------------------+
 *  |          Type (short)         |         Flags (short)         |
 *  +-------------------------------+-------------------------------+
 *  |            CRC32C of bytes 4..7 and 12..frameLength           |
 *  +---------------------------------------------------------------+
 *  |                Reserved, written as 0                         |
 *  +---------------------------------------------------------------+
 *  |                          Body                                ...
 *  ...                                                             |
 *  +---------------------------------------------------------------+
 * </pre>
 * A frame length of 0 marks the end of the written log (segments are zero-filled before use).
 */
public final class LogDescriptor
{
    /** Records start on multiples of this many bytes. */
    public static final int ALIGNMENT = 8;
    /** Bytes of the header before the body. */
    public static final int HEADER_LENGTH = 16;
    /** Offset of the frame length (int). */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the record type (short). */
    public static final int TYPE_OFFSET = 4;
    /** Offset of the flags (short). */
    public static final int FLAGS_OFFSET = 6;
    /** Offset of the CRC32C (int). */
    public static final int CRC_OFFSET = 8;
    /** Offset of the reserved int. */
    public static final int RESERVED_OFFSET = 12;
    /** Type of the record that fills the rest of a segment; record types of users start at 1. */
    public static final int PADDING_TYPE = 0;
    /** Largest record type a user may append. */
    public static final int MAX_TYPE = 0x7FFF;

    private LogDescriptor()
    {
    }

    /**
     * @param bodyLength body bytes.
     * @return bytes the record occupies in the log, header and alignment included.
     */
    public static int alignedFrameLength(final int bodyLength)
    {
        return (HEADER_LENGTH + bodyLength + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
