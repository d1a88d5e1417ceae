package io.ringmq.loadtest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Sequences of one publisher received by any member of a shared-subscription group. Members sit on different
 * {@link IoLoop} threads and each sees an arbitrary subsequence, so the prefix trick of {@link SequenceTracker}
 * does not apply: this is a bit set in 8 KiB chunks, allocated as sequences grow, set with an atomic OR so two
 * members that get the same message see exactly one "new".
 * <p>
 * <b>Threading:</b> thread-safe. Chunks are created under the monitor and published with a release store; bits are set
 * with {@code getAndBitwiseOr} (volatile semantics). Invariant: a bit, once set, stays set.
 */
final class SharedSequenceSet
{
    private static final int CHUNK_SHIFT = 16;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle CHUNKS = MethodHandles.arrayElementVarHandle(long[][].class);

    private volatile long[][] chunks = new long[4][];

    /**
     * Record one arrival.
     *
     * @param sequence from the payload, 0 to 2^40.
     * @return true for the first arrival of the sequence in the group.
     */
    boolean add(final long sequence)
    {
        final int chunkIndex = (int)(sequence >>> CHUNK_SHIFT);
        final long[] chunk = chunk(chunkIndex);
        final int bit = (int)(sequence & CHUNK_MASK);
        final long mask = 1L << (bit & 63);
        final long previous = (long)LONGS.getAndBitwiseOr(chunk, bit >>> 6, mask);
        return (previous & mask) == 0;
    }

    private long[] chunk(final int chunkIndex)
    {
        final long[][] current = chunks;
        if (chunkIndex < current.length)
        {
            final long[] chunk = (long[])CHUNKS.getAcquire(current, chunkIndex);
            if (null != chunk)
            {
                return chunk;
            }
        }
        return createChunk(chunkIndex);
    }

    private synchronized long[] createChunk(final int chunkIndex)
    {
        long[][] current = chunks;
        if (chunkIndex >= current.length)
        {
            final long[][] grown = new long[Math.max(chunkIndex + 1, current.length * 2)][];
            for (int i = 0; i < current.length; i++)
            {
                grown[i] = (long[])CHUNKS.getAcquire(current, i);
            }
            chunks = grown;
            current = grown;
        }
        long[] chunk = (long[])CHUNKS.getAcquire(current, chunkIndex);
        if (null == chunk)
        {
            chunk = new long[(CHUNK_MASK + 1) >>> 6];
            CHUNKS.setRelease(current, chunkIndex, chunk);
        }
        return chunk;
    }
}
