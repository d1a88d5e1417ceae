package io.ringmq.core.admin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * Collects one page out of an unordered walk over a listing: keeps the {@code limit} smallest keys after the page's
 * start in a bounded heap (O(n log limit) for n items, memory bounded by the page, however many items there are)
 * and counts every match for the total.
 * <p>
 * <b>Threading:</b> one thread (the Router, during one admin request).
 *
 * @param <T> item type.
 */
public final class PageBuilder<T>
{
    private final PageQuery query;
    private final Function<T, String> key;
    /** The page so far, largest key at the head, so the head is what a smaller key replaces. */
    private final PriorityQueue<T> heap;
    /** Items that matched the search, on any page. */
    private long total;
    /** Matching items after the page's start: more than the page holds means there is a next page. */
    private long afterStart;

    /**
     * @param query the page asked for.
     * @param key   an item's key (client id, topic).
     */
    public PageBuilder(final PageQuery query, final Function<T, String> key)
    {
        this.query = query;
        this.key = key;
        this.heap = new PriorityQueue<>(Math.min(query.limit(), 64) + 1, Comparator.comparing(key).reversed());
    }

    /**
     * Count an item that matched the search, and say whether it goes on the page.
     *
     * @param itemKey the item's key.
     * @return true if the item would be on the page: the caller then builds it and passes it to {@link #add}.
     */
    public boolean offer(final String itemKey)
    {
        total++;
        if (!query.isAfterStart(itemKey))
        {
            return false;
        }
        afterStart++;
        return heap.size() < query.limit() || itemKey.compareTo(key.apply(heap.peek())) < 0;
    }

    /**
     * Add an item {@link #offer} said yes to.
     *
     * @param item the item.
     */
    public void add(final T item)
    {
        heap.add(item);
        if (heap.size() > query.limit())
        {
            heap.poll();
        }
    }

    /** @return the page in key order, with the total of matches and the next page's start. */
    public Page<T> page()
    {
        final List<T> items = new ArrayList<>(heap);
        items.sort(Comparator.comparing(key));
        final boolean more = afterStart > items.size() && !items.isEmpty();
        final String next = more ? key.apply(items.get(items.size() - 1)) : null;
        return new Page<>(items, total, next);
    }
}
