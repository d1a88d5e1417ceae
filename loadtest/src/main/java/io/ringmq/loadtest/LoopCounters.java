package io.ringmq.loadtest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counters of one {@link IoLoop}. The loop increments plain fields of {@link #values} (no atomics per message) and once
 * per duty cycle copies them to {@link #published} with release stores; the monitor thread reads those with acquire
 * loads, so it sees a recent, per-counter consistent value without slowing the loop down.
 * <p>
 * <b>Threading:</b> {@link #values} and {@link #publish()}: the owning loop thread only. {@link #get(int)}: any thread.
 */
final class LoopCounters
{
    static final int CONNECT_ATTEMPTS = 0;
    static final int CONNECTS = 1;
    static final int READY = 2;
    static final int FAILED = 3;
    static final int CLOSED = 4;
    static final int SENT = 5;
    static final int SENT_IN_WINDOW = 6;
    static final int ACKED = 7;
    static final int RECEIVED = 8;
    static final int RECEIVED_IN_WINDOW = 9;
    static final int DISTINCT = 10;
    static final int DUPLICATES = 11;
    static final int OUTSTANDING = 12;
    static final int PUBLISHERS_DONE = 13;
    static final int PINGS = 14;
    static final int PONGS = 15;
    static final int PROTOCOL_ERRORS = 16;
    static final int FOREIGN = 17;
    static final int EXPECTED = 18;
    static final int SETTING_UP = 19;
    static final int OPEN = 20;
    static final int SESSION_PRESENT = 21;
    static final int CONNECT_REFUSED = 22;
    static final int SUBSCRIBE_REFUSED = 23;
    static final int PUBLISH_REFUSED = 24;
    static final int CLOSED_BY_BROKER = 25;
    static final int CONNECTS_IN_WINDOW = 26;
    static final int IO_ERRORS = 27;
    static final int QUEUED = 28;
    static final int SETUP_TIMEOUTS = 29;
    static final int PING_TIMEOUTS = 30;
    static final int UNEXPECTED_ACKS = 31;
    static final int ACTIVE_PUBLISHERS = 32;
    static final int PUBLISH_REFUSED_LOGGED = 33;
    static final int STALLED_RECEIVED = 34;
    static final int STALLED_CLOSED = 35;
    static final int UNEXPECTED_CLOSES = 36;
    static final int COUNT = 37;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * Owner's working values: plain reads and writes by the loop thread only.
     */
    final long[] values = new long[COUNT];
    private final long[] published = new long[COUNT];

    /**
     * Copy the working values for other threads (release stores). Loop thread only.
     */
    void publish()
    {
        for (int i = 0; i < COUNT; i++)
        {
            LONGS.setRelease(published, i, values[i]);
        }
    }

    /**
     * Last published value.
     *
     * @param counter index.
     * @return value as of the loop's last {@link #publish()}.
     */
    long get(final int counter)
    {
        return (long)LONGS.getAcquire(published, counter);
    }
}
