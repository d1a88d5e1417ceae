package io.ringmq.transport.admission;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One token bucket per source address, in a table of fixed capacity so that memory stays bounded whatever the
 * number of addresses that connect: a fleet has millions, and an attacker with many addresses must not grow it.
 * <p>
 * <b>Layout:</b> a set-associative cache. An address hashes (with a per-instance random seed, so that nobody can
 * aim at one set) to a set of {@link #WAYS} slots. Its bucket is looked for in that set only; a new address takes
 * an empty slot, else the slot of a full bucket (one that has refilled completely: forgetting it changes nothing),
 * else the slot of the bucket nearest to full (its address is then forgotten early and gets a full bucket on its
 * next connection: counted in {@link #activeEvictions()}). The table never holds more than its capacity, and a
 * lookup reads at most {@link #WAYS} slots.
 * <p>
 * IPv4 and IPv4-mapped IPv6 addresses share one key. Each IPv6 address is its own key.
 * <p>
 * <b>Threading:</b> thread-safe and lock-free: slots are replaced with compareAndSet, buckets taken with a
 * compareAndSet loop on their arrival time. Races are resolved towards admitting: two threads adding the same new
 * address at once may each add a bucket (the duplicate is found second and ages out), and a token taken from a
 * bucket that was just replaced is lost with it. Both only ever admit a few more connections, never fewer.
 */
final class AddressBuckets
{
    /** Slots per set: the most read per lookup. */
    static final int WAYS = 8;
    /** Attempts to place a new bucket when other threads replace slots of the same set at the same time. */
    private static final int MAX_PLACE_ATTEMPTS = 4;
    /** High half of the key of an IPv4 address (and of the IPv4-mapped IPv6 form ::ffff:a.b.c.d). */
    private static final long IPV4_HI = 0L;
    private static final long IPV4_LO_PREFIX = 0x0000_FFFF_0000_0000L;

    private final double perSecond;
    private final int burst;
    private final long intervalNs;
    private final long toleranceNs;
    private final int setMask;
    private final long seed;
    private final AtomicReferenceArray<Bucket> slots;
    /** Buckets not yet full that were replaced for lack of room; any thread increments. */
    private final AtomicLong activeEvictions = new AtomicLong();

    /**
     * @param perSecond connections per second per address, &gt; 0.
     * @param burst     connections in a burst per address, &gt;= 1.
     * @param capacity  most addresses tracked at once, rounded up to a power of two, at least {@link #WAYS}.
     */
    AddressBuckets(final double perSecond, final int burst, final int capacity)
    {
        if (capacity < 1 || capacity > 1 << 24)
        {
            throw new IllegalArgumentException("address capacity must be between 1 and 2^24: " + capacity);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.intervalNs = TokenBucket.intervalNs(perSecond);
        this.toleranceNs = TokenBucket.toleranceNs(intervalNs, burst);
        final int slotCount = Math.max(WAYS, Integer.highestOneBit(capacity - 1) << 1);
        this.setMask = slotCount / WAYS - 1;
        this.seed = ThreadLocalRandom.current().nextLong();
        this.slots = new AtomicReferenceArray<>(slotCount);
    }

    /**
     * Take a token from the address's bucket, making one (full, less the token) for a new address.
     *
     * @param address source address.
     * @param nowNs   current time.
     * @return whether the address is within its rate.
     */
    boolean tryTake(final InetAddress address, final long nowNs)
    {
        final long hi;
        final long lo;
        if (address instanceof Inet4Address)
        {
            // Inet4Address.hashCode is the address itself: no array is copied for the common case.
            hi = IPV4_HI;
            lo = IPV4_LO_PREFIX | (address.hashCode() & 0xFFFF_FFFFL);
        }
        else
        {
            final byte[] bytes = address.getAddress();
            hi = toLong(bytes, 0);
            lo = toLong(bytes, 8);
        }
        return tryTake(hi, lo, nowNs);
    }

    private boolean tryTake(final long hi, final long lo, final long nowNs)
    {
        final int base = setOf(hi, lo) * WAYS;
        for (int attempt = 0; attempt < MAX_PLACE_ATTEMPTS; attempt++)
        {
            int victim = -1;
            Bucket victimBucket = null;
            for (int i = base; i < base + WAYS; i++)
            {
                final Bucket bucket = slots.get(i);
                if (null == bucket)
                {
                    if (-1 == victim || null != victimBucket)
                    {
                        victim = i;
                        victimBucket = null;
                    }
                }
                else if (bucket.hi == hi && bucket.lo == lo)
                {
                    return bucket.tryTake(nowNs, intervalNs, toleranceNs);
                }
                else if (-1 == victim ||
                    (null != victimBucket && bucket.tatVolatile() - victimBucket.tatVolatile() < 0))
                {
                    // The bucket nearest to full (earliest arrival time) goes first; a full one is as good as empty.
                    victim = i;
                    victimBucket = bucket;
                }
            }
            // A new address: a full bucket less the token of this connection (burst >= 1, so it always conforms).
            final Bucket fresh = new Bucket(hi, lo, nowNs + intervalNs);
            if (slots.compareAndSet(victim, victimBucket, fresh))
            {
                if (null != victimBucket && !TokenBucket.isFull(victimBucket.tatVolatile(), nowNs))
                {
                    activeEvictions.incrementAndGet();
                }
                return true;
            }
        }
        // The set changed under us on every attempt: admit rather than spin (the listener's global rate still holds).
        return true;
    }

    /** @return addresses tracked now; reads every slot, for tests and metrics. */
    int size()
    {
        int size = 0;
        for (int i = 0, length = slots.length(); i < length; i++)
        {
            if (null != slots.get(i))
            {
                size++;
            }
        }
        return size;
    }

    /** @return most addresses tracked at once. */
    int capacity()
    {
        return slots.length();
    }

    /** @return buckets not yet full that were forgotten to make room for another address. */
    long activeEvictions()
    {
        return activeEvictions.get();
    }

    private int setOf(final long hi, final long lo)
    {
        return (int)mix(mix(hi ^ seed) + lo) & setMask;
    }

    /** MurmurHash3's 64-bit finaliser. */
    private static long mix(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    private static long toLong(final byte[] bytes, final int offset)
    {
        long value = 0;
        for (int i = offset; i < offset + 8; i++)
        {
            value = value << 8 | (bytes[i] & 0xFFL);
        }
        return value;
    }

    /**
     * One address's bucket. The key is final; the arrival time is advanced by any thread with compareAndSet.
     */
    static final class Bucket
    {
        private static final VarHandle TAT;

        static
        {
            try
            {
                TAT = MethodHandles.lookup().findVarHandle(Bucket.class, "tat", long.class);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new ExceptionInInitializerError(ex);
            }
        }

        final long hi;
        final long lo;
        /** Theoretical arrival time of the bucket (see {@link TokenBucket}); written with compareAndSet only. */
        private volatile long tat;

        Bucket(final long hi, final long lo, final long tat)
        {
            this.hi = hi;
            this.lo = lo;
            this.tat = tat;
        }

        long tatVolatile()
        {
            return tat;
        }

        boolean tryTake(final long nowNs, final long intervalNs, final long toleranceNs)
        {
            while (true)
            {
                final long current = tat;
                final long next = TokenBucket.next(current, nowNs, intervalNs);
                if (!TokenBucket.conforms(next, nowNs, toleranceNs))
                {
                    return false;
                }
                if (TAT.compareAndSet(this, current, next))
                {
                    return true;
                }
            }
        }
    }

    /** @return tokens added per second, as configured. */
    double rate()
    {
        return perSecond;
    }

    /** @return tokens the bucket holds, as configured. */
    int burst()
    {
        return burst;
    }
}
