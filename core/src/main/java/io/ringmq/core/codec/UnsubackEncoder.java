package io.ringmq.core.codec;

import io.ringmq.core.protocol.PacketType;
import org.agrona.MutableDirectBuffer;

/**
 * Server-side UNSUBACK encoder: one reason code per Topic Filter of the UNSUBSCRIBE. MQTT 3.x UNSUBACK carries no
 * reason codes, so they are ignored for it.
 * Stateless: the methods are static (an instance may still be held and called through).
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
public final class UnsubackEncoder
{
    /**
     * Bytes {@link #encode(MutableDirectBuffer, int, int, int[], int, int)} writes.
     *
     * @param count   number of reason codes.
     * @param version protocol level of the receiver.
     * @return length of the whole frame.
     */
    public static int encodedLength(final int count, final int version)
    {
        return encodedLength(count, null, version);
    }

    /**
     * Bytes {@link #encode(MutableDirectBuffer, int, int, int[], int, String, int)} writes.
     *
     * @param count        number of reason codes.
     * @param reasonString Reason String (MQTT 5) or null.
     * @param version      protocol level of the receiver.
     * @return length of the whole frame.
     */
    public static int encodedLength(final int count, final String reasonString, final int version)
    {
        return WireWriter.frameLength(
            AckListCodec.remainingLength(PacketType.UNSUBACK, count, reasonString, null, version));
    }

    /**
     * Encode a UNSUBACK.
     *
     * @param buffer      to write to.
     * @param offset      of the first byte.
     * @param packetId    Packet Identifier of the UNSUBSCRIBE.
     * @param reasonCodes MQTT 5 reason codes, in Topic Filter order.
     * @param count       number of codes to write.
     * @param version     protocol level of the receiver.
     * @return bytes written.
     */
    public static int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int packetId,
        final int[] reasonCodes,
        final int count,
        final int version)
    {
        return encode(buffer, offset, packetId, reasonCodes, count, null, version);
    }

    /**
     * Encode a UNSUBACK with a Reason String.
     *
     * @param buffer       to write to.
     * @param offset       of the first byte.
     * @param packetId     Packet Identifier of the UNSUBSCRIBE.
     * @param reasonCodes  MQTT 5 reason codes, in Topic Filter order.
     * @param count        number of codes to write.
     * @param reasonString Reason String (MQTT 5 only) or null.
     * @param version      protocol level of the receiver.
     * @return bytes written.
     */
    public static int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int packetId,
        final int[] reasonCodes,
        final int count,
        final String reasonString,
        final int version)
    {
        return AckListCodec.encode(
            PacketType.UNSUBACK, buffer, offset, packetId, reasonCodes, count, reasonString, null, version);
    }

    /**
     * Encode a UNSUBACK from a packet, User Properties included.
     *
     * @param packet  to encode.
     * @param buffer  to write to.
     * @param offset  of the first byte.
     * @param version protocol level of the receiver.
     * @return bytes written.
     */
    public static int encode(
        final UnsubackPacket packet, final MutableDirectBuffer buffer, final int offset, final int version)
    {
        return AckListCodec.encode(PacketType.UNSUBACK, buffer, offset, packet.packetId(), packet.reasonCodes(),
            packet.reasonCodes().length, packet.reasonString(), packet.userProperties(), version);
    }

    /**
     * Bytes {@link #encode(UnsubackPacket, MutableDirectBuffer, int, int)} writes.
     *
     * @param packet  to encode.
     * @param version protocol level of the receiver.
     * @return length of the whole frame.
     */
    public static int encodedLength(final UnsubackPacket packet, final int version)
    {
        return WireWriter.frameLength(AckListCodec.remainingLength(PacketType.UNSUBACK, packet.reasonCodes().length,
            packet.reasonString(), packet.userProperties(), version));
    }
}
