package io.ringmq.loadtest;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Client-side MQTT framing over one read buffer shared by every connection of an {@link IoLoop}. Before a read the
 * connection's carried-over partial frame (if any) is copied to the front of the buffer; the socket read appends after
 * it; {@link #endRead(Connection, FrameHandler)} hands every complete frame to the handler in place (no copy, no
 * allocation) and carries the incomplete tail back into the connection. So a connection costs no buffer at all unless
 * a read ended mid-frame, and then only the bytes of that one frame.
 * <p>
 * <b>Threading:</b> not thread-safe; one per {@link IoLoop}.
 */
final class FrameReader
{
    /**
     * {@link #frameLength(DirectBuffer, int, int)}: the frame is not complete yet.
     */
    static final int INCOMPLETE = -1;

    /**
     * {@link #frameLength(DirectBuffer, int, int)} and {@link #endRead(Connection, FrameHandler)}: Remaining Length
     * longer than 4 bytes, or a frame that cannot fit in the read buffer.
     */
    static final int MALFORMED = -2;

    /**
     * Receives complete frames.
     */
    interface FrameHandler
    {
        /**
         * One complete frame.
         *
         * @param connection it arrived on.
         * @param buffer     holding it; valid only during the call.
         * @param offset     of the fixed header.
         * @param length     of the whole frame.
         */
        void onFrame(Connection connection, DirectBuffer buffer, int offset, int length);
    }

    private final ByteBuffer byteBuffer;
    private final UnsafeBuffer buffer;

    /**
     * Reader with a read buffer of the given size; also the largest frame it accepts.
     *
     * @param capacity bytes, at least 64.
     */
    FrameReader(final int capacity)
    {
        if (capacity < 64)
        {
            throw new IllegalArgumentException("read buffer must be at least 64 bytes: " + capacity);
        }
        this.byteBuffer = ByteBuffer.allocateDirect(capacity);
        this.buffer = new UnsafeBuffer(byteBuffer);
    }

    /**
     * Length of the frame starting at {@code offset}.
     *
     * @param buffer holding the bytes.
     * @param offset of the fixed header.
     * @param limit  end of the valid bytes.
     * @return frame length, {@link #INCOMPLETE} or {@link #MALFORMED}.
     */
    static int frameLength(final DirectBuffer buffer, final int offset, final int limit)
    {
        int value = 0;
        for (int i = 0; i < 4; i++)
        {
            final int position = offset + 1 + i;
            if (position >= limit)
            {
                return INCOMPLETE;
            }
            final int b = buffer.getByte(position) & 0xFF;
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                final int frameLength = 2 + i + value;
                return offset + frameLength <= limit ? frameLength : INCOMPLETE;
            }
        }
        return MALFORMED;
    }

    /**
     * Length the frame at {@code offset} will have once complete, read from its fixed header.
     *
     * @param buffer holding the bytes.
     * @param offset of the fixed header.
     * @param limit  end of the valid bytes.
     * @return frame length, {@link #INCOMPLETE} when even the header is not complete, or {@link #MALFORMED}.
     */
    static int declaredLength(final DirectBuffer buffer, final int offset, final int limit)
    {
        int value = 0;
        for (int i = 0; i < 4; i++)
        {
            final int position = offset + 1 + i;
            if (position >= limit)
            {
                return INCOMPLETE;
            }
            final int b = buffer.getByte(position) & 0xFF;
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return 2 + i + value;
            }
        }
        return MALFORMED;
    }

    /**
     * Prepare the shared buffer for a read on a connection.
     *
     * @param connection about to be read.
     * @return buffer to read into, positioned after the carried-over bytes.
     */
    ByteBuffer beginRead(final Connection connection)
    {
        byteBuffer.clear();
        final int carried = connection.carryLength();
        if (carried > 0)
        {
            buffer.putBytes(0, connection.carry(), 0, carried);
            byteBuffer.position(carried);
        }
        return byteBuffer;
    }

    /**
     * Dispatch the complete frames now in the buffer and carry the rest back into the connection.
     *
     * @param connection that was read.
     * @param handler    for each complete frame.
     * @return frames dispatched, or {@link #MALFORMED} when the stream cannot be framed (close the connection).
     */
    int endRead(final Connection connection, final FrameHandler handler)
    {
        final int limit = byteBuffer.position();
        int offset = 0;
        int frames = 0;
        while (offset < limit && !connection.isClosed())
        {
            final int length = frameLength(buffer, offset, limit);
            if (length == INCOMPLETE)
            {
                final int declared = declaredLength(buffer, offset, limit);
                if (declared == MALFORMED || declared > byteBuffer.capacity())
                {
                    connection.clearCarry();
                    return MALFORMED;
                }
                break;
            }
            if (length == MALFORMED)
            {
                connection.clearCarry();
                return MALFORMED;
            }
            handler.onFrame(connection, buffer, offset, length);
            offset += length;
            frames++;
        }
        if (offset < limit && !connection.isClosed())
        {
            connection.carry(buffer, offset, limit - offset);
        }
        else
        {
            connection.clearCarry();
        }
        return frames;
    }

    /**
     * Capacity of the read buffer, also the largest accepted frame.
     *
     * @return bytes.
     */
    int capacity()
    {
        return byteBuffer.capacity();
    }
}
