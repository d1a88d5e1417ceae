package io.ringmq.core.admin;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param items the page's items in key order.
 * @param total how many items match the query across all pages.
 * @param next  the key to pass as {@code after} for the next page, or null on the last page.
 * @param <T>   item type.
 */
public record Page<T>(List<T> items, long total, String next)
{
    /**
     * @param items copied: the page is immutable.
     */
    public Page
    {
        items = List.copyOf(items);
    }
}
