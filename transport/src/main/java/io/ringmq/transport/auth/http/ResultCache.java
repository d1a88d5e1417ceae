package io.ringmq.transport.auth.http;

import io.ringmq.auth.AuthResult;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hook's answers, bounded to a number of entries (least recently used first out) and each valid for a time.
 * Keys are digests ({@link HttpAuthHook} derives them), so no password is ever kept here.
 * <p>
 * <b>Threading:</b> every method synchronizes on the cache: the auth pool's threads share it, each call is a map
 * operation, and the pool is small.
 */
final class ResultCache
{
    private record Entry(AuthResult result, long expiresAtNs)
    {
    }

    private final int capacity;
    private final Map<String, Entry> entries;
    private long evictions;

    ResultCache(final int capacity)
    {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true)
        {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(final Map.Entry<String, Entry> eldest)
            {
                final boolean full = size() > ResultCache.this.capacity;
                if (full)
                {
                    evictions++;
                }
                return full;
            }
        };
    }

    synchronized AuthResult get(final String key, final long nowNs)
    {
        final Entry entry = entries.get(key);
        if (null == entry)
        {
            return null;
        }
        if (nowNs - entry.expiresAtNs() >= 0)
        {
            entries.remove(key);
            return null;
        }
        return entry.result();
    }

    synchronized void put(final String key, final AuthResult result, final long expiresAtNs)
    {
        entries.put(key, new Entry(result, expiresAtNs));
    }

    synchronized int entryCount()
    {
        return entries.size();
    }

    synchronized long evictions()
    {
        return evictions;
    }
}
