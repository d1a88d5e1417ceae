package io.ringmq.loadtest;

import java.util.Arrays;

/**
 * Binary min-heap of publishers by the time their next message is due, so a loop with thousands of slow publishers
 * touches only those that are due. Each publisher remembers its slot ({@link Publisher#heapIndex}).
 * <p>
 * <b>Threading:</b> not thread-safe; one per {@link IoLoop}.
 */
final class PublisherHeap
{
    private Publisher[] heap = new Publisher[16];
    private int size;

    int size()
    {
        return size;
    }

    boolean isEmpty()
    {
        return size == 0;
    }

    long peekDueNs()
    {
        return size == 0 ? Long.MAX_VALUE : heap[0].nextDueNs;
    }

    Publisher poll()
    {
        if (size == 0)
        {
            return null;
        }
        final Publisher top = heap[0];
        top.heapIndex = -1;
        final Publisher last = heap[--size];
        heap[size] = null;
        if (size > 0)
        {
            heap[0] = last;
            last.heapIndex = 0;
            siftDown(0);
        }
        return top;
    }

    void add(final Publisher publisher)
    {
        if (publisher.heapIndex >= 0)
        {
            remove(publisher);
        }
        if (size == heap.length)
        {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = publisher;
        publisher.heapIndex = size;
        siftUp(size++);
    }

    void remove(final Publisher publisher)
    {
        final int index = publisher.heapIndex;
        if (index < 0 || index >= size || heap[index] != publisher)
        {
            return;
        }
        publisher.heapIndex = -1;
        final Publisher last = heap[--size];
        heap[size] = null;
        if (index < size)
        {
            heap[index] = last;
            last.heapIndex = index;
            siftDown(index);
            siftUp(last.heapIndex);
        }
    }

    private void siftUp(final int start)
    {
        int index = start;
        final Publisher item = heap[index];
        while (index > 0)
        {
            final int parent = (index - 1) >>> 1;
            if (heap[parent].nextDueNs <= item.nextDueNs)
            {
                break;
            }
            heap[index] = heap[parent];
            heap[index].heapIndex = index;
            index = parent;
        }
        heap[index] = item;
        item.heapIndex = index;
    }

    private void siftDown(final int start)
    {
        int index = start;
        final Publisher item = heap[index];
        while (true)
        {
            final int left = 2 * index + 1;
            if (left >= size)
            {
                break;
            }
            final int right = left + 1;
            final int child = right < size && heap[right].nextDueNs < heap[left].nextDueNs ? right : left;
            if (heap[child].nextDueNs >= item.nextDueNs)
            {
                break;
            }
            heap[index] = heap[child];
            heap[index].heapIndex = index;
            index = child;
        }
        heap[index] = item;
        item.heapIndex = index;
    }
}
