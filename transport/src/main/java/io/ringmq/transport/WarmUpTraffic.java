package io.ringmq.transport;

import io.ringmq.core.codec.AckEncoder;
import io.ringmq.core.codec.PingEncoder;
import io.ringmq.core.codec.PublishEncoder;
import io.ringmq.core.codec.SubscribeEncoder;
import io.ringmq.core.codec.SubscribePacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.codec.UnsubscribeEncoder;
import io.ringmq.core.codec.UnsubscribePacket;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * socket's read timeout) or not the one expected ends the warm-up with an {@link IOException}, as a broken CONNACK
 * does. Single-threaded: one instance per round.
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

    private final UnsafeBuffer out = new UnsafeBuffer(new byte[512]);
    private final byte[] in = new byte[512];
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD_LENGTH]);
    private final PublishEncoder publish = new PublishEncoder();
    private final AckEncoder ack = new AckEncoder();
    /** Length of the last frame's body, after its fixed header. */
    private int lastLength;
    private long deliveries;

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
        for (int i = 0; i < batch.size(); i++)
        {
            if (takesPart(number + i))
            {
                subscribeAndPing(batch.get(i).getOutputStream(), number + i);
            }
        }
        for (int i = 0; i < batch.size(); i++)
        {
            if (takesPart(number + i))
            {
                expectSubackAndPong(batch.get(i).getInputStream());
            }
        }
        for (int i = 0; i < batch.size(); i++)
        {
            if (takesPart(number + i))
            {
                publishBoth(batch.get(i).getOutputStream(), number + i);
            }
        }
        for (int i = 0; i < batch.size(); i++)
        {
            if (takesPart(number + i))
            {
                final Socket socket = batch.get(i);
                expectDeliveries(socket.getInputStream(), socket.getOutputStream(), number + i);
            }
        }
        for (int i = 0; i < batch.size(); i++)
        {
            if (takesPart(number + i))
            {
                unsubscribe(batch.get(i).getOutputStream(), number + i);
            }
        }
        for (int i = 0; i < batch.size(); i++)
        {
            if (takesPart(number + i))
            {
                expect(batch.get(i).getInputStream(), PacketType.UNSUBACK);
            }
        }
    }

    private static String topic(final int n)
    {
        return "ringmq/warm-up/" + n;
    }

    private void subscribeAndPing(final OutputStream stream, final int n) throws IOException
    {
        final int version = StartUpWarmUp.versionOf(n);
        final SubscribePacket subscribe = new SubscribePacket().packetId(SUBSCRIBE_ID)
            .addSubscription(new TopicSubscription(topic(n), 1));
        final int length = SubscribeEncoder.encode(subscribe, out, 0, version);
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
    private void expectSubackAndPong(final InputStream stream) throws IOException
    {
        final int length = expect(stream, PacketType.SUBACK);
        if ((in[length - 1] & 0xFF) != ReasonCode.GRANTED_QOS_1)
        {
            throw new IOException("SUBACK refused the warm-up's subscription: 0x" +
                Integer.toHexString(in[length - 1] & 0xFF));
        }
        expect(stream, PacketType.PINGRESP);
    }

    /**
     * The PUBACK of the QoS 1 PUBLISH and both deliveries, in whatever order the broker sends them; the QoS 1
     * delivery is acknowledged.
     */
    private void expectDeliveries(final InputStream stream, final OutputStream reply, final int n) throws IOException
    {
        boolean acknowledged = false;
        int delivered = 0;
        while (!acknowledged || delivered < 2)
        {
            final int type = readFrame(stream);
            final int length = lastLength;
            if (PacketType.PUBACK == type >>> 4 && !acknowledged)
            {
                acknowledged = true;
            }
            else if (PacketType.PUBLISH == type >>> 4 && delivered < 2)
            {
                final int qos = (type >>> 1) & 3;
                final int topicLength = ((in[0] & 0xFF) << 8) | (in[1] & 0xFF);
                if (length < 2 + topicLength + PAYLOAD_LENGTH || qos > 1 ||
                    !topic(n).equals(new String(in, 2, topicLength, StandardCharsets.UTF_8)))
                {
                    throw new IOException("not the warm-up's delivery to connection " + n);
                }
                if (1 == qos)
                {
                    final int packetId = ((in[2 + topicLength] & 0xFF) << 8) | (in[3 + topicLength] & 0xFF);
                    final int ackLength = ack.encode(out, 0, PacketType.PUBACK, packetId, ReasonCode.SUCCESS,
                        StartUpWarmUp.versionOf(n));
                    reply.write(out.byteArray(), 0, ackLength);
                }
                delivered++;
                deliveries++;
            }
            else
            {
                throw new IOException("unexpected packet 0x" + Integer.toHexString(type) + " at connection " + n);
            }
        }
    }

    /**
     * Read one frame whose type must be {@code packetType}.
     *
     * @return the length of its body.
     */
    private int expect(final InputStream stream, final int packetType) throws IOException
    {
        final int type = readFrame(stream);
        if (type >>> 4 != packetType)
        {
            throw new IOException("expected " + PacketType.name(packetType) + ", got 0x" + Integer.toHexString(type));
        }
        return lastLength;
    }

    /**
     * Read one frame: its body into {@link #in}, its length into {@link #lastLength}.
     *
     * @return its first byte.
     */
    private int readFrame(final InputStream stream) throws IOException
    {
        final int type = stream.read();
        int length = 0;
        int shift = 0;
        int b;
        do
        {
            b = stream.read();
            if (b < 0 || type < 0 || shift > 21)
            {
                throw new IOException("the throwaway broker closed a connection or sent a malformed frame");
            }
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        if (length > in.length)
        {
            throw new IOException("a frame of " + length + " bytes from the throwaway broker, too long here");
        }
        StartUpWarmUp.readFully(stream, in, 0, length);
        lastLength = length;
        return type;
    }
}
