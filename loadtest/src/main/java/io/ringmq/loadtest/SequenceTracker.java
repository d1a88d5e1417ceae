package io.ringmq.loadtest;

/**
 * Distinct and duplicate counting of the sequence numbers one receiver gets from one publisher. MQTT keeps the order
 * of one publisher's messages to one subscriber, so the usual case is the next expected sequence: a counter, no
 * memory. Out-of-order arrivals (redelivery, several subscriptions matching) go into a bit window above the
 * contiguous prefix, allocated on first use and grown up to {@link #MAX_WINDOW_BITS}; when a gap is older than that it
 * is given up ({@link #evicted()}) and a late arrival below the prefix then counts as a duplicate.
 * <p>
 * <b>Threading:</b> not thread-safe; owned by the receiver's {@link IoLoop}.
 */
final class SequenceTracker
{
    /**
     * Largest out-of-order window in bits (128 KiB).
     */
    static final int MAX_WINDOW_BITS = 1 << 20;
    private static final int INITIAL_WINDOW_BITS = 1 << 10;

    private long contiguous;
    private long[] window;
    private int windowBits;
    private long aboveContiguous;
    private long distinct;
    private long duplicates;
    private long evicted;

    /**
     * Record one arrival.
     *
     * @param sequence from the payload, 0 or more.
     * @return true when it is the first arrival of this sequence, false for a duplicate.
     */
    boolean onSequence(final long sequence)
    {
        if (sequence == contiguous)
        {
            contiguous++;
            distinct++;
            if (aboveContiguous > 0)
            {
                clearBit(sequence);
                advanceOverReceived();
            }
            return true;
        }
        if (sequence < contiguous)
        {
            duplicates++;
            return false;
        }

        final long offset = sequence - contiguous;
        if (offset >= windowBits)
        {
            growOrEvict(offset);
        }
        final int index = (int)(sequence & (windowBits - 1));
        final long mask = 1L << (index & 63);
        if ((window[index >>> 6] & mask) != 0)
        {
            duplicates++;
            return false;
        }
        window[index >>> 6] |= mask;
        aboveContiguous++;
        distinct++;
        return true;
    }

    /**
     * Sequences received at least once.
     *
     * @return count.
     */
    long distinct()
    {
        return distinct;
    }

    /**
     * Arrivals of an already received sequence.
     *
     * @return count.
     */
    long duplicates()
    {
        return duplicates;
    }

    /**
     * Gaps given up because the out-of-order window overflowed.
     *
     * @return count.
     */
    long evicted()
    {
        return evicted;
    }

    /**
     * All sequences below this one have arrived.
     *
     * @return length of the contiguous prefix.
     */
    long contiguous()
    {
        return contiguous;
    }

    private void advanceOverReceived()
    {
        while (aboveContiguous > 0 && testBit(contiguous))
        {
            clearBit(contiguous);
            contiguous++;
            aboveContiguous--;
        }
    }

    private void growOrEvict(final long offset)
    {
        if (null == window)
        {
            windowBits = INITIAL_WINDOW_BITS;
            window = new long[windowBits >>> 6];
        }
        while (offset >= windowBits && windowBits < MAX_WINDOW_BITS)
        {
            resize(windowBits << 1);
        }
        if (offset >= windowBits)
        {
            final long newContiguous = contiguous + offset - windowBits + 1;
            while (contiguous < newContiguous)
            {
                if (aboveContiguous == 0)
                {
                    evicted += newContiguous - contiguous;
                    contiguous = newContiguous;
                    break;
                }
                if (testBit(contiguous))
                {
                    clearBit(contiguous);
                    aboveContiguous--;
                }
                else
                {
                    evicted++;
                }
                contiguous++;
            }
            advanceOverReceived();
        }
    }

    private void resize(final int newBits)
    {
        final long[] old = window;
        final int oldBits = windowBits;
        window = new long[newBits >>> 6];
        windowBits = newBits;
        if (aboveContiguous > 0)
        {
            for (long s = contiguous; s < contiguous + oldBits; s++)
            {
                final int oldIndex = (int)(s & (oldBits - 1));
                if ((old[oldIndex >>> 6] & (1L << (oldIndex & 63))) != 0)
                {
                    setBit(s);
                }
            }
        }
    }

    private boolean testBit(final long sequence)
    {
        final int index = (int)(sequence & (windowBits - 1));
        return (window[index >>> 6] & (1L << (index & 63))) != 0;
    }

    private void setBit(final long sequence)
    {
        final int index = (int)(sequence & (windowBits - 1));
        window[index >>> 6] |= 1L << (index & 63);
    }

    private void clearBit(final long sequence)
    {
        final int index = (int)(sequence & (windowBits - 1));
        window[index >>> 6] &= ~(1L << (index & 63));
    }
}
