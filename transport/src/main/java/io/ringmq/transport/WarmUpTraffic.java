package io.ringmq.transport;

import io.ringmq.core.codec.AckDecoder;
import io.ringmq.core.codec.AckEncoder;
import io.ringmq.core.codec.AckListCodec;
import io.ringmq.core.codec.AckListPacket;
import io.ringmq.core.codec.MqttProtocolException;
import io.ringmq.core.codec.PingEncoder;
import io.ringmq.core.codec.PublishDecoder;
import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.codec.SubscribeEncoder;
import io.ringmq.core.codec.SubscribePacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.codec.UnsubscribeEncoder;
import io.ringmq.core.codec.UnsubscribePacket;
import io.ringmq.core.codec.VariableByteInteger;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The packets of a connected client, for one connection in {@link #SHARE} of the start-up warm-up
 * ({@link StartUpWarmUp}): SUBSCRIBE to a topic of its own at QoS 1 and PINGREQ, then PUBLISH to it at QoS 0 and at
 * QoS 1 (the broker delivers both back to the same client, which acknowledges the QoS 1 delivery), then UNSUBSCRIBE.
 * <p>
 * Why: the Router's dispatch and the event loop's read and write paths are shared by every packet type, and the
 * JVM compiles them with what it saw. A warm-up of CONNECT and DISCONNECT alone leaves the other branches out of the
 * compiled code, so the real broker's first PINGREQ, SUBSCRIBE or PUBLISH throws that code away and the C2 compiler
 * compiles it again while clients wait (JFR's {@code jdk.Deoptimization} showed {@code Router.dispatch} and the
 * pipeline's read path recompiled in the first seconds of real traffic).
 * <p>
 * Each step is written to every taking part connection of a batch before any answer is read, as
 * {@link StartUpWarmUp} does with the CONNECTs, and every answer is checked: an answer that is missing, late (the
 * socket's read timeout) or not the one expected (decoded with the broker's own codecs, client side) ends the
 * warm-up with an {@link IOException}, as a broken CONNACK does. Single-threaded: one instance per warm-up.
 */
final class WarmUpTraffic
{
    /** One connection in this many exchanges packets after its CONNACK. */
    static final int SHARE = 8;
    /** Of each 16 connections, numbers 2 and 6 take part: one at each level ({@link StartUpWarmUp#versionOf}). */
    private static final int PART_MASK = 0b1011;
    private static final int PART_BITS = 0b0010;
    private static final int PAYLOAD_LENGTH = 64;
    private static final int SUBSCRIBE_ID = 1;
    private static final int PUBLISH_ID = 2;
    private static final int UNSUBSCRIBE_ID = 3;
    private static final byte[] PINGREQ = {PingEncoder.PINGREQ_BYTE, 0};
    /** The longest frame the exchange expects: a delivery of {@link #PAYLOAD_LENGTH} bytes with room to spare. */
    private static final int MAX_FRAME = 512;
    /**
     * Every packet of the exchange is shorter than this (the PUBLISH, the longest, is about 100 bytes): a broker whose
     * maximum packet size is smaller would refuse them, so with such a broker no connection takes part.
     */
    static final int LARGEST_PACKET = 256;

    private final UnsafeBuffer out = new UnsafeBuffer(new byte[MAX_FRAME]);
    private final UnsafeBuffer in = new UnsafeBuffer(new byte[MAX_FRAME]);
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD_LENGTH]);
    private final PublishEncoder publish = new PublishEncoder();
    private final PublishDecoder delivery = new PublishDecoder().fromServer(true);
    private final AckEncoder ackEncoder = new AckEncoder();
    private final AckDecoder ackDecoder = new AckDecoder();
    private final List<Socket> takers = new ArrayList<>();
    private final List<Integer> numbers = new ArrayList<>();
    private final boolean enabled;
    private long deliveries;

    /**
     * @param maxPacketSize the throwaway broker's maximum packet size: below {@link #LARGEST_PACKET} nothing is
     *                      exchanged.
     */
    WarmUpTraffic(final int maxPacketSize)
    {
        this.enabled = maxPacketSize >= LARGEST_PACKET;
    }

    /** @return whether connection {@code n} of the warm-up takes part: one in {@link #SHARE}. */
    static boolean takesPart(final int n)
    {
        return (n & PART_MASK) == PART_BITS;
    }

    /** @return the messages delivered back to the connections so far. */
    long deliveries()
    {
        return deliveries;
    }

    /**
     * Exchange the packets on the connections of a batch that take part.
     *
     * @param batch  the batch's connections, CONNACK read.
     * @param number the warm-up's number of the first of them.
     * @throws IOException if a write fails or an answer is missing or not the one expected.
     */
    void exchange(final List<Socket> batch, final int number) throws IOException
    {
        if (!enabled)
        {
            return;
        }
        takers.clear();
        numbers.clear();
        for (int i = 0; i < batch.size(); i++)
        {
            if (takesPart(number + i))
            {
                takers.add(batch.get(i));
                numbers.add(number + i);
            }
        }
        for (int i = 0; i < takers.size(); i++)
        {
            subscribeAndPing(takers.get(i).getOutputStream(), numbers.get(i));
        }
        for (int i = 0; i < takers.size(); i++)
        {
            expectSubackAndPong(takers.get(i).getInputStream(), numbers.get(i));
        }
        for (int i = 0; i < takers.size(); i++)
        {
            publishBoth(takers.get(i).getOutputStream(), numbers.get(i));
        }
        for (int i = 0; i < takers.size(); i++)
        {
            expectDeliveries(takers.get(i), numbers.get(i));
        }
        for (int i = 0; i < takers.size(); i++)
        {
            unsubscribe(takers.get(i).getOutputStream(), numbers.get(i));
        }
        for (int i = 0; i < takers.size(); i++)
        {
            final int n = numbers.get(i);
            final int length = expect(takers.get(i).getInputStream(), PacketType.UNSUBACK);
            acknowledged(PacketType.UNSUBACK, length, n, UNSUBSCRIBE_ID, ReasonCode.SUCCESS);
        }
    }

    private static String topic(final int n)
    {
        return "ringmq/warm-up/" + n;
    }

    private void subscribeAndPing(final OutputStream stream, final int n) throws IOException
    {
        final SubscribePacket subscribe = new SubscribePacket().packetId(SUBSCRIBE_ID)
            .addSubscription(new TopicSubscription(topic(n), 1));
        final int length = SubscribeEncoder.encode(subscribe, out, 0, StartUpWarmUp.versionOf(n));
        out.putBytes(length, PINGREQ);
        stream.write(out.byteArray(), 0, length + PINGREQ.length);
    }

    private void publishBoth(final OutputStream stream, final int n) throws IOException
    {
        final byte[] topic = topic(n).getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer topicBuffer = new UnsafeBuffer(topic);
        int length = 0;
        for (int qos = 0; qos <= 1; qos++)
        {
            payload.putInt(0, n);
            payload.putInt(4, qos);
            length += publish.reset().version(StartUpWarmUp.versionOf(n)).qos(qos)
                .packetId(0 == qos ? 0 : PUBLISH_ID).topic(topicBuffer, 0, topic.length)
                .payload(payload, 0, PAYLOAD_LENGTH).encode(out, length);
        }
        stream.write(out.byteArray(), 0, length);
    }

    private void unsubscribe(final OutputStream stream, final int n) throws IOException
    {
        final UnsubscribePacket unsubscribe = new UnsubscribePacket().packetId(UNSUBSCRIBE_ID).addFilter(topic(n));
        final int length = UnsubscribeEncoder.encode(unsubscribe, out, 0, StartUpWarmUp.versionOf(n));
        stream.write(out.byteArray(), 0, length);
    }

    /** The SUBACK, granting QoS 1, and the PINGRESP, which the broker answers in the order asked. */
    private void expectSubackAndPong(final InputStream stream, final int n) throws IOException
    {
        final int length = expect(stream, PacketType.SUBACK);
        acknowledged(PacketType.SUBACK, length, n, SUBSCRIBE_ID, ReasonCode.GRANTED_QOS_1);
        expect(stream, PacketType.PINGRESP);
    }

    /** Check the SUBACK or UNSUBACK in {@link #in}: its packet id, and its one reason code if it has one. */
    private void acknowledged(final int packetType, final int length, final int n, final int packetId,
        final int reasonCode) throws IOException
    {
        final AckListPacket ack;
        try
        {
            ack = AckListCodec.decode(packetType, in, 0, length, StartUpWarmUp.versionOf(n));
        }
        catch (final MqttProtocolException ex)
        {
            throw new IOException("a malformed " + PacketType.name(packetType) + ": " + ex.getMessage(), ex);
        }
        final int[] codes = ack.reasonCodes();
        if (ack.packetId() != packetId || codes.length > 1 || (1 == codes.length && codes[0] != reasonCode))
        {
            throw new IOException(PacketType.name(packetType) + " " + ack.packetId() + " refused the warm-up's " +
                "request " + packetId + " of connection " + n + ": " + Arrays.toString(codes));
        }
    }

    /**
     * The PUBACK of the QoS 1 PUBLISH and both deliveries, in whatever order the broker sends them; the QoS 1
     * delivery is acknowledged.
     */
    private void expectDeliveries(final Socket socket, final int n) throws IOException
    {
        final int version = StartUpWarmUp.versionOf(n);
        boolean acknowledged = false;
        int delivered = 0;
        while (!acknowledged || delivered < 2)
        {
            final int length = readFrame(socket.getInputStream());
            final int type = (in.getByte(0) & 0xFF) >>> 4;
            try
            {
                if (PacketType.PUBACK == type && !acknowledged)
                {
                    acknowledged = ackDecoder.wrap(in, 0, length, version).packetId() == PUBLISH_ID;
                    if (!acknowledged)
                    {
                        throw new IOException("a PUBACK for another packet id at connection " + n);
                    }
                }
                else if (PacketType.PUBLISH == type && delivered < 2)
                {
                    delivered(socket.getOutputStream(), length, n);
                    delivered++;
                    deliveries++;
                }
                else
                {
                    throw new IOException("unexpected " + PacketType.name(type) + " at connection " + n);
                }
            }
            catch (final MqttProtocolException ex)
            {
                throw new IOException("a malformed " + PacketType.name(type) + ": " + ex.getMessage(), ex);
            }
        }
    }

    /** A delivery of the connection's own message: checked, and acknowledged at QoS 1. */
    private void delivered(final OutputStream reply, final int length, final int n) throws IOException
    {
        final int version = StartUpWarmUp.versionOf(n);
        delivery.wrap(in, 0, length, version);
        final String topic = in.getStringWithoutLengthUtf8(delivery.topicOffset(), delivery.topicLength());
        if (!topic(n).equals(topic) || delivery.qos() > 1 || PAYLOAD_LENGTH != delivery.payloadLength() ||
            in.getInt(delivery.payloadOffset()) != n || in.getInt(delivery.payloadOffset() + 4) != delivery.qos())
        {
            throw new IOException("not the warm-up's delivery to connection " + n + ": " + topic);
        }
        if (1 == delivery.qos())
        {
            final int ackLength = ackEncoder.encode(out, 0, PacketType.PUBACK, delivery.packetId(),
                ReasonCode.SUCCESS, version);
            reply.write(out.byteArray(), 0, ackLength);
        }
    }

    /**
     * Read one frame whose type must be {@code packetType} into {@link #in}.
     *
     * @return its length.
     */
    private int expect(final InputStream stream, final int packetType) throws IOException
    {
        final int length = readFrame(stream);
        final int type = (in.getByte(0) & 0xFF) >>> 4;
        if (type != packetType)
        {
            throw new IOException("expected " + PacketType.name(packetType) + ", got " + PacketType.name(type));
        }
        return length;
    }

    /**
     * Read one whole frame, fixed header included, into {@link #in}.
     *
     * @return its length.
     */
    private int readFrame(final InputStream stream) throws IOException
    {
        final byte[] frame = in.byteArray();
        StartUpWarmUp.readFully(stream, frame, 0, 2);
        int header = 2;
        while ((frame[header - 1] & 0x80) != 0 && header <= VariableByteInteger.MAX_LENGTH)
        {
            StartUpWarmUp.readFully(stream, frame, header++, 1);
        }
        final long remaining;
        try
        {
            remaining = VariableByteInteger.decode(in, 1, header);
        }
        catch (final MqttProtocolException ex)
        {
            throw new IOException("a malformed frame from the throwaway broker: " + ex.getMessage(), ex);
        }
        if (VariableByteInteger.INCOMPLETE == remaining || header + VariableByteInteger.value(remaining) > MAX_FRAME)
        {
            throw new IOException("a frame from the throwaway broker too long for the warm-up");
        }
        final int length = header + VariableByteInteger.value(remaining);
        StartUpWarmUp.readFully(stream, frame, header, length - header);
        return length;
    }
}
