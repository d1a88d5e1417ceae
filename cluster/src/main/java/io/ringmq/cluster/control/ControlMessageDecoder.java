package io.ringmq.cluster.control;

import static io.ringmq.cluster.control.ControlMessageDescriptor.HEADER_LENGTH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.NODE_OFFSET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.OTHER_OFFSET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SEQUENCE_OFFSET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.TEXT_LENGTH_OFFSET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.TEXT_OFFSET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.TYPE_OFFSET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.VALUE_OFFSET;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;

/**
 * Reads one control-plane message ({@link ControlMessageDescriptor}). A flyweight: {@link #wrap} checks the
 * lengths, the accessors read the wrapped bytes. Not thread-safe.
 */
public final class ControlMessageDecoder
{
    private DirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Wraps a message, checking that its header and text fit in {@code length}; what is left is the body.
     *
     * @param buffer the message's buffer.
     * @param offset where it starts.
     * @param length its length as received.
     * @return true if it is well formed; false leaves the decoder unusable until the next successful wrap.
     */
    public boolean wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            this.buffer = null;
            return false;
        }
        final int textLength = buffer.getInt(offset + TEXT_LENGTH_OFFSET, LITTLE_ENDIAN);
        if (textLength < 0 || textLength > length - HEADER_LENGTH)
        {
            this.buffer = null;
            return false;
        }
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return true;
    }

    /**
     * @return the message type.
     */
    public int type()
    {
        return buffer.getInt(offset + TYPE_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the node it is about.
     */
    public int node()
    {
        return buffer.getInt(offset + NODE_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the type's second integer.
     */
    public int other()
    {
        return buffer.getInt(offset + OTHER_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the type's long.
     */
    public long value()
    {
        return buffer.getLong(offset + VALUE_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the command's number from its node, 0 for none ({@link ControlMessageDescriptor}: sequence).
     */
    public long sequence()
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the text's length in bytes.
     */
    public int textLength()
    {
        return buffer.getInt(offset + TEXT_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * @return the text (allocates: control messages are per subscribe or connect, not per message).
     */
    public String text()
    {
        final int length = textLength();
        if (0 == length)
        {
            return "";
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset + TEXT_OFFSET, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * @return the body's offset in the wrapped buffer.
     */
    public int bodyOffset()
    {
        return offset + TEXT_OFFSET + textLength();
    }

    /**
     * @return the body's length, 0 for none.
     */
    public int bodyLength()
    {
        return length - HEADER_LENGTH - textLength();
    }

    /**
     * @return the wrapped buffer (for the body).
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }
}
