package io.ringmq.transport.auth;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Slows down guessing: failed authentications are counted per source address and per user name, and once one of them
 * has failed more than {@link #FREE_FAILURES} times within {@link #WINDOW_NS}, each further refusal is held back
 * exponentially longer (up to {@link #MAX_DELAY_MS}) before the client hears it. The delay holds only the failing
 * connection (its event loop schedules the answer), never a thread. A success clears the user's and the address's
 * count.
 * <p>
 * <b>Bounded:</b> at most {@code maxEntries} keys; past that, entries idle for a window are dropped, and if that is
 * not enough the table starts over (counted: an attacker spraying addresses gains a reset, not memory).
 * <p>
 * <b>Threading:</b> called from the authentication pool's threads; entries are updated with atomic map operations.
 */
final class FailureThrottle
{
    static final int FREE_FAILURES = 3;
    static final long BASE_DELAY_MS = 250;
    static final long MAX_DELAY_MS = 5_000;
    static final long WINDOW_NS = TimeUnit.MINUTES.toNanos(10);

    /** Failures in the window and the time of the latest, per key. */
    private record Entry(int failures, long lastNs)
    {
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private long resets;

    FailureThrottle(final int maxEntries)
    {
        this.maxEntries = maxEntries;
    }

    /**
     * Count a failure.
     *
     * @param address  the client's host (without port), or null.
     * @param username the user name tried, or null.
     * @param nowNs    current time.
     * @return how long to hold back the refusal, in ms.
     */
    long onFailure(final String address, final String username, final long nowNs)
    {
        final int byAddress = null == address ? 0 : count("a:" + address, nowNs);
        final int byUser = null == username ? 0 : count("u:" + username, nowNs);
        final int failures = Math.max(byAddress, byUser);
        if (failures <= FREE_FAILURES)
        {
            return 0;
        }
        final int doublings = Math.min(failures - FREE_FAILURES - 1, 16);
        return Math.min(MAX_DELAY_MS, BASE_DELAY_MS << doublings);
    }

    /**
     * Clear the counts of a client that authenticated.
     *
     * @param address  its host, or null.
     * @param username its user name, or null.
     */
    void onSuccess(final String address, final String username)
    {
        if (entries.isEmpty())
        {
            return;
        }
        if (null != address)
        {
            entries.remove("a:" + address);
        }
        if (null != username)
        {
            entries.remove("u:" + username);
        }
    }

    private int count(final String key, final long nowNs)
    {
        if (entries.size() >= maxEntries && !entries.containsKey(key))
        {
            evict(nowNs);
        }
        return entries.compute(key, (k, old) -> null == old || nowNs - old.lastNs > WINDOW_NS ?
            new Entry(1, nowNs) : new Entry(old.failures + 1, nowNs)).failures;
    }

    private synchronized void evict(final long nowNs)
    {
        final Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext())
        {
            if (nowNs - it.next().getValue().lastNs > WINDOW_NS)
            {
                it.remove();
            }
        }
        if (entries.size() >= maxEntries)
        {
            entries.clear();
            resets++;
        }
    }

    /** @return keys held. */
    int size()
    {
        return entries.size();
    }

    /** @return times the table was full of recent failures and started over. */
    synchronized long resets()
    {
        return resets;
    }
}
