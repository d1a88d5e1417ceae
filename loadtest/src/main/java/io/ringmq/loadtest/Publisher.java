package io.ringmq.loadtest;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Publishing state of one client: its id (carried in every payload), topic, schedule, QoS 1/2 window and counts.
 * <p>
 * <b>Threading:</b> not thread-safe; owned by the {@link IoLoop} of its {@link Connection}. Counts are read by other
 * threads only after that loop has stopped (thread join).
 */
final class Publisher
{
    /**
     * Largest publisher id: 24 bits of the payload's second long.
     */
    static final int MAX_PUBLISHER_ID = (1 << 24) - 1;

    /**
     * Largest sequence: 40 bits of the payload's second long.
     */
    static final long MAX_SEQUENCE = (1L << 40) - 1;

    final int publisherId;
    final int qos;
    final UnsafeBuffer topic;
    final int topicLength;
    final SendSchedule schedule;
    final int inflight;
    InflightWindow window;
    Connection connection;
    int frameLength;
    boolean blocked;

    long sequence;
    long sent;
    long acknowledged;
    long sentInWindow;
    long unexpectedAcks;
    long rejected;

    int heapIndex = -1;
    long nextDueNs;
    boolean active;
    boolean finished;

    /**
     * Publisher of one topic.
     *
     * @param publisherId   0 to {@link #MAX_PUBLISHER_ID}.
     * @param qos           0, 1 or 2.
     * @param topic         Topic Name.
     * @param ratePerSecond messages per second, 0 for unlimited.
     * @param inflight      QoS 1/2 window.
     */
    Publisher(final int publisherId, final int qos, final String topic, final double ratePerSecond, final int inflight)
    {
        if (publisherId < 0 || publisherId > MAX_PUBLISHER_ID)
        {
            throw new IllegalArgumentException("publisherId out of range: " + publisherId);
        }
        this.publisherId = publisherId;
        this.qos = qos;
        final byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
        this.topic = new UnsafeBuffer(bytes);
        this.topicLength = bytes.length;
        this.schedule = new SendSchedule(ratePerSecond);
        this.inflight = inflight;
    }

    /**
     * Second payload long: publisher id and sequence.
     *
     * @param publisherId of the sender.
     * @param sequence    of the message.
     * @return packed value.
     */
    static long packId(final int publisherId, final long sequence)
    {
        return ((long)publisherId << 40) | (sequence & MAX_SEQUENCE);
    }

    /**
     * Publisher id from {@link #packId(int, long)}.
     *
     * @param packed value.
     * @return publisher id.
     */
    static int publisherIdOf(final long packed)
    {
        return (int)(packed >>> 40);
    }

    /**
     * Sequence from {@link #packId(int, long)}.
     *
     * @param packed value.
     * @return sequence.
     */
    static long sequenceOf(final long packed)
    {
        return packed & MAX_SEQUENCE;
    }

    /**
     * Outstanding QoS 1/2 packets.
     *
     * @return count, 0 at QoS 0.
     */
    int outstanding()
    {
        return null == window ? 0 : window.outstanding();
    }
}
