package io.ringmq.loadtest;

/**
 * Outstanding QoS 1/2 packet identifiers of one publisher: a bit per slot, Packet Identifier = slot + 1, so the
 * window costs {@code capacity / 8} bytes and no object per message. A QoS 2 slot is held from PUBLISH until PUBCOMP;
 * {@link #onPubrec(int)} marks the half-way point so a repeated PUBREC is answered but not counted twice.
 * <p>
 * <b>Threading:</b> not thread-safe; owned by the publisher's {@link IoLoop}.
 */
final class InflightWindow
{
    private final long[] used;
    private final long[] received;
    private int capacity;
    private int outstanding;
    private int hint;

    /**
     * Window of at most {@code capacity} outstanding packets.
     *
     * @param capacity 1 to 65535.
     */
    InflightWindow(final int capacity)
    {
        if (capacity < 1 || capacity > 65_535)
        {
            throw new IllegalArgumentException("inflight must be 1..65535: " + capacity);
        }
        this.capacity = capacity;
        this.used = new long[(capacity + 63) >>> 6];
        this.received = new long[used.length];
    }

    /**
     * Shrink the window, e.g. to the broker's Receive Maximum; never grows past the constructed capacity.
     *
     * @param limit new capacity.
     */
    void limit(final int limit)
    {
        if (limit > 0)
        {
            capacity = Math.min(limit, used.length << 6);
        }
    }

    /**
     * Allowed outstanding packets.
     *
     * @return capacity.
     */
    int capacity()
    {
        return capacity;
    }

    /**
     * Packets sent and not yet completed.
     *
     * @return count.
     */
    int outstanding()
    {
        return outstanding;
    }

    /**
     * Free slots.
     *
     * @return capacity minus outstanding, never negative.
     */
    int available()
    {
        return Math.max(0, capacity - outstanding);
    }

    /**
     * Take a free Packet Identifier.
     *
     * @return 1 to capacity, or 0 when the window is full.
     */
    int acquire()
    {
        if (outstanding >= capacity)
        {
            return 0;
        }
        final int words = (capacity + 63) >>> 6;
        for (int n = 0; n < words; n++)
        {
            final int w = (hint + n) % words;
            final long free = ~used[w];
            if (free != 0)
            {
                final int bit = Long.numberOfTrailingZeros(free);
                final int slot = (w << 6) + bit;
                if (slot < capacity)
                {
                    used[w] |= 1L << bit;
                    outstanding++;
                    hint = w;
                    return slot + 1;
                }
            }
        }
        return 0;
    }

    /**
     * PUBREC for a QoS 2 packet.
     *
     * @param packetId from the broker.
     * @return true the first time for an outstanding packet; false for an unknown id or a repeat.
     */
    boolean onPubrec(final int packetId)
    {
        final int slot = packetId - 1;
        if (!isUsed(slot))
        {
            return false;
        }
        final long mask = 1L << (slot & 63);
        final boolean first = (received[slot >>> 6] & mask) == 0;
        received[slot >>> 6] |= mask;
        return first;
    }

    /**
     * Whether a PUBREC arrived for an outstanding QoS 2 packet (so PUBREL, not PUBLISH, is what to resend).
     *
     * @param packetId to check.
     * @return true after {@link #onPubrec(int)}.
     */
    boolean pubrecReceived(final int packetId)
    {
        final int slot = packetId - 1;
        return isUsed(slot) && (received[slot >>> 6] & (1L << (slot & 63))) != 0;
    }

    /**
     * PUBACK (QoS 1) or PUBCOMP (QoS 2): the packet is complete and its identifier free again.
     *
     * @param packetId from the broker.
     * @return true if it was outstanding; false for an unknown or repeated id.
     */
    boolean release(final int packetId)
    {
        final int slot = packetId - 1;
        if (!isUsed(slot))
        {
            return false;
        }
        final long mask = ~(1L << (slot & 63));
        used[slot >>> 6] &= mask;
        received[slot >>> 6] &= mask;
        outstanding--;
        return true;
    }

    private boolean isUsed(final int slot)
    {
        return slot >= 0 && slot < (used.length << 6) && (used[slot >>> 6] & (1L << (slot & 63))) != 0;
    }
}
