package io.ringmq.core.codec;

import org.agrona.MutableDirectBuffer;

/**
 * PINGREQ (0xC0 0x00) and PINGRESP (0xD0 0x00) encoders. Zero allocation.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class PingEncoder
{
    /** Length of either frame. */
    public static final int LENGTH = 2;
    /** First byte of PINGREQ. */
    public static final byte PINGREQ_BYTE = (byte)0xC0;
    /** First byte of PINGRESP. */
    public static final byte PINGRESP_BYTE = (byte)0xD0;

    private PingEncoder()
    {
    }

    /**
     * Write a PINGREQ.
     *
     * @param buffer to write to.
     * @param offset of the first byte.
     * @return bytes written, {@link #LENGTH}.
     */
    public static int encodePingreq(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putByte(offset, PINGREQ_BYTE);
        buffer.putByte(offset + 1, (byte)0);
        return LENGTH;
    }

    /**
     * Write a PINGRESP.
     *
     * @param buffer to write to.
     * @param offset of the first byte.
     * @return bytes written, {@link #LENGTH}.
     */
    public static int encodePingresp(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putByte(offset, PINGRESP_BYTE);
        buffer.putByte(offset + 1, (byte)0);
        return LENGTH;
    }
}
