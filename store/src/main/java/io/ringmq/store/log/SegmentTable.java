package io.ringmq.store.log;

import java.util.Arrays;

/**
 * Immutable table of the mapped segments by index ({@code position >>> log2(segmentLength)}). The appender
 * replaces the whole table (copy on write) when it adds or removes a segment, so a thread that reads the table
 * through a volatile field always sees a consistent first index and array.
 */
final class SegmentTable
{
    /** Table with no segment. */
    static final SegmentTable EMPTY = new SegmentTable(0, new Segment[0]);

    private final long firstIndex;
    /** Element {@code i} is the segment of index {@code firstIndex + i}, or null where none is mapped. */
    private final Segment[] segments;

    private SegmentTable(final long firstIndex, final Segment[] segments)
    {
        this.firstIndex = firstIndex;
        this.segments = segments;
    }

    /**
     * @param index segment index.
     * @return the segment, or null if none is mapped at that index.
     */
    Segment get(final long index)
    {
        final long i = index - firstIndex;
        return i >= 0 && i < segments.length ? segments[(int)i] : null;
    }

    /** @return index of the first slot (a segment is mapped there unless the table is empty). */
    long firstIndex()
    {
        return firstIndex;
    }

    /** @return one past the index of the last slot. */
    long endIndex()
    {
        return firstIndex + segments.length;
    }

    /** @return true if no segment is mapped. */
    boolean isEmpty()
    {
        return 0 == segments.length;
    }

    /**
     * @param index segment index.
     * @param segment segment to put there.
     * @return a table with the segment added (or replaced) at that index.
     */
    SegmentTable with(final long index, final Segment segment)
    {
        if (isEmpty())
        {
            return new SegmentTable(index, new Segment[]{ segment });
        }
        final long first = Math.min(firstIndex, index);
        final long end = Math.max(endIndex(), index + 1);
        final Segment[] copy = new Segment[Math.toIntExact(end - first)];
        System.arraycopy(segments, 0, copy, (int)(firstIndex - first), segments.length);
        copy[(int)(index - first)] = segment;
        return new SegmentTable(first, copy);
    }

    /**
     * @param fromIndex first index to keep.
     * @param toIndex   one past the last index to keep.
     * @return a table of the segments in {@code [fromIndex, toIndex)}, starting at the first one mapped.
     */
    SegmentTable range(final long fromIndex, final long toIndex)
    {
        long first = Math.max(firstIndex, fromIndex);
        long end = Math.min(endIndex(), toIndex);
        while (first < end && null == get(first))
        {
            first++;
        }
        while (end > first && null == get(end - 1))
        {
            end--;
        }
        if (first >= end)
        {
            return EMPTY;
        }
        final int from = (int)(first - firstIndex);
        return new SegmentTable(first, Arrays.copyOfRange(segments, from, from + (int)(end - first)));
    }
}
