package io.ringmq.core.admin;

/**
 * Which page of a listing to return: items whose key (client id, topic) sorts after {@code after}, at most
 * {@code limit} of them, optionally only those whose text contains {@code search}. Keys are compared as strings,
 * so a page boundary stays where it was while clients come and go (unlike an offset).
 *
 * @param after  exclusive lower bound of the keys, or null for the first page.
 * @param limit  most items on the page, 1 to {@link #MAX_LIMIT}.
 * @param search substring the item must contain (client id, username or address; topic), or null for all.
 */
public record PageQuery(String after, int limit, String search)
{
    /** Largest page: a listing of a million clients is never one response. */
    public static final int MAX_LIMIT = 1000;
    /** Page size when none is asked for. */
    public static final int DEFAULT_LIMIT = 100;

    /**
     * @throws IllegalArgumentException if {@code limit} is outside 1..{@link #MAX_LIMIT}.
     */
    public PageQuery
    {
        if (limit < 1 || limit > MAX_LIMIT)
        {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit);
        }
        after = null == after || after.isEmpty() ? null : after;
        search = null == search || search.isEmpty() ? null : search;
    }

    /**
     * @param key an item's key.
     * @return whether it lies after the page's start.
     */
    public boolean isAfterStart(final String key)
    {
        return null == after || key.compareTo(after) > 0;
    }

    /**
     * @param texts the item's searchable texts (nulls skipped).
     * @return whether the item matches the search (always, without one).
     */
    public boolean matches(final String... texts)
    {
        if (null == search)
        {
            return true;
        }
        for (final String text : texts)
        {
            if (null != text && text.contains(search))
            {
                return true;
            }
        }
        return false;
    }
}
