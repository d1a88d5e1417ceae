package io.ringmq.loadtest;

import java.nio.channels.Selector;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes an {@link IoLoop}'s selector at a sub-millisecond deadline. {@code Selector.select(long)} only takes whole
 * milliseconds and {@code parkNanos} on the loop thread would leave arrivals unread while it sleeps; so the loop blocks
 * in {@code select} (woken at once by the kernel when data arrives) and this thread calls {@link Selector#wakeup()}
 * when the next message is due. {@code parkNanos} overshoots by the kernel's timer slack (~50-80 us), measured at
 * start and subtracted, so a scheduled send is typically late by tens of microseconds, not a millisecond.
 * <p>
 * <b>Threading:</b> {@link #wakeAt(long)} and {@link #cancel()} are called by the loop thread; the timer thread only
 * reads {@link #deadlineNs} (volatile) and calls {@code wakeup()}, which is thread-safe.
 */
final class WakeupTimer implements Runnable
{
    private static final long NONE = Long.MAX_VALUE;

    private final Selector selector;
    private final long overshootNs;
    private volatile long deadlineNs = NONE;
    private volatile boolean running = true;
    private Thread thread;

    WakeupTimer(final Selector selector)
    {
        this.selector = selector;
        this.overshootNs = measureOvershootNs();
    }

    void start(final String name)
    {
        thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    void stop()
    {
        running = false;
        if (null != thread)
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Arrange a selector wake-up at about {@code timeNs}.
     *
     * @param timeNs nanoTime deadline.
     */
    void wakeAt(final long timeNs)
    {
        deadlineNs = timeNs;
        LockSupport.unpark(thread);
    }

    /**
     * Forget the deadline (the loop woke up for another reason). A wake-up already under way is harmless: the next
     * select returns at once.
     */
    void cancel()
    {
        deadlineNs = NONE;
    }

    /**
     * Typical overshoot of a short {@code parkNanos}.
     *
     * @return nanoseconds.
     */
    long overshootNs()
    {
        return overshootNs;
    }

    @Override
    public void run()
    {
        while (running)
        {
            final long deadline = deadlineNs;
            if (deadline == NONE)
            {
                LockSupport.park(this);
                continue;
            }
            final long sleepNs = deadline - System.nanoTime() - overshootNs;
            if (sleepNs > 0)
            {
                LockSupport.parkNanos(this, sleepNs);
                continue;
            }
            if (deadlineNs == deadline)
            {
                deadlineNs = NONE;
                selector.wakeup();
            }
        }
    }

    private static long measureOvershootNs()
    {
        final long[] samples = new long[21];
        for (int i = 0; i < samples.length; i++)
        {
            final long start = System.nanoTime();
            LockSupport.parkNanos(1_000);
            samples[i] = System.nanoTime() - start - 1_000;
        }
        java.util.Arrays.sort(samples);
        return Math.max(0, Math.min(200_000, samples[samples.length / 2]));
    }
}
