package io.ringmq.cluster.control;

import static io.ringmq.cluster.control.ControlMessageDescriptor.HEADER_LENGTH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.MAX_BODY_LENGTH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.MAX_TEXT_LENGTH;
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
import org.agrona.MutableDirectBuffer;

/**
 * Writes one control-plane message ({@link ControlMessageDescriptor}) into a buffer. Not thread-safe: one per
 * writing thread.
 */
public final class ControlMessageEncoder
{
    /**
     * Writes a message at {@code offset}.
     *
     * @param buffer the destination, with room for {@link ControlMessageDescriptor#MAX_MESSAGE_LENGTH} bytes.
     * @param offset where the message starts.
     * @param type   the message type.
     * @param node   the node it is about.
     * @param other  the type's second integer.
     * @param value  the type's long.
     * @param text   the type's text, or null for none.
     * @return the message's length in bytes.
     * @throws IllegalArgumentException if the text is longer than an MQTT string.
     */
    public int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int type,
        final int node,
        final int other,
        final long value,
        final String text)
    {
        return encode(buffer, offset, type, node, other, value, text, null, 0, 0);
    }

    /**
     * Writes a message with a body after its text.
     *
     * @param buffer     the destination, with room for {@link ControlMessageDescriptor#MAX_MESSAGE_LENGTH} bytes.
     * @param offset     where the message starts.
     * @param type       the message type.
     * @param node       the node it is about.
     * @param other      the type's second integer.
     * @param value      the type's long.
     * @param text       the type's text, or null for none.
     * @param body       the body's bytes, or null for none.
     * @param bodyOffset where the body starts in {@code body}.
     * @param bodyLength the body's length.
     * @return the message's length in bytes.
     * @throws IllegalArgumentException if the text is longer than an MQTT string or the body longer than
     *                                  {@link ControlMessageDescriptor#MAX_BODY_LENGTH}.
     */
    public int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int type,
        final int node,
        final int other,
        final long value,
        final String text,
        final DirectBuffer body,
        final int bodyOffset,
        final int bodyLength)
    {
        if (bodyLength < 0 || bodyLength > MAX_BODY_LENGTH)
        {
            throw new IllegalArgumentException("control message body of " + bodyLength + " bytes, at most " +
                MAX_BODY_LENGTH);
        }
        final int textLength;
        if (null == text)
        {
            textLength = 0;
        }
        else
        {
            final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > MAX_TEXT_LENGTH)
            {
                throw new IllegalArgumentException("control message text of " + bytes.length + " bytes, at most " +
                    MAX_TEXT_LENGTH);
            }
            buffer.putBytes(offset + TEXT_OFFSET, bytes);
            textLength = bytes.length;
        }
        buffer.putInt(offset + TYPE_OFFSET, type, LITTLE_ENDIAN);
        buffer.putInt(offset + NODE_OFFSET, node, LITTLE_ENDIAN);
        buffer.putInt(offset + OTHER_OFFSET, other, LITTLE_ENDIAN);
        buffer.putInt(offset + TEXT_LENGTH_OFFSET, textLength, LITTLE_ENDIAN);
        buffer.putLong(offset + VALUE_OFFSET, value, LITTLE_ENDIAN);
        buffer.putLong(offset + SEQUENCE_OFFSET, 0, LITTLE_ENDIAN);
        if (bodyLength > 0)
        {
            buffer.putBytes(offset + TEXT_OFFSET + textLength, body, bodyOffset, bodyLength);
        }
        return HEADER_LENGTH + textLength + bodyLength;
    }

    /**
     * Numbers a message already written ({@link ControlMessageDescriptor}: sequence).
     *
     * @param buffer   the message's buffer.
     * @param offset   where the message starts.
     * @param sequence its number.
     */
    public static void sequence(final MutableDirectBuffer buffer, final int offset, final long sequence)
    {
        buffer.putLong(offset + SEQUENCE_OFFSET, sequence, LITTLE_ENDIAN);
    }
}
