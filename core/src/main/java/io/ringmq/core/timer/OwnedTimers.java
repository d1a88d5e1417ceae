package io.ringmq.core.timer;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Deadlines that each belong to an owner: a {@link DeadlineTimerWheel} (O(1) schedule and cancel, array-backed, no
 * allocation once its arrays have grown) and the owner of each timer armed in it. The caller keeps each timer's id
 * with its owner and cancels it when the reason goes away, so the timers are bounded by the owners.
 * <p>
 * <b>Threading:</b> one thread, the owners' (the Router's session timers, an event loop's connection deadlines).
 *
 * @param <T> what a timer belongs to.
 */
public final class OwnedTimers<T>
{
    /** No timer: what {@link #schedule} never returns. */
    public static final long NONE = DeadlineTimerWheel.NULL_DEADLINE;
    private static final int EXPIRIES_PER_POLL = 100_000;

    private final DeadlineTimerWheel wheel;
    private final int ticksPerWheel;
    private final Long2ObjectHashMap<T> owners = new Long2ObjectHashMap<>();
    private final DeadlineTimerWheel.TimerHandler onExpiry = this::onExpiry;
    private Consumer<T> due;

    /**
     * @param startNs          the wheel's start time (nanoTime).
     * @param tickResolutionNs a tick, a power of two nanoseconds: a timer fires at most about this much late.
     * @param ticksPerWheel    ticks of one turn, a power of two.
     */
    public OwnedTimers(final long startNs, final long tickResolutionNs, final int ticksPerWheel)
    {
        this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, startNs, tickResolutionNs, ticksPerWheel);
        this.ticksPerWheel = ticksPerWheel;
    }

    /**
     * @param deadlineNs when the timer fires.
     * @param owner      what it belongs to.
     * @return the timer's id, for {@link #cancel}.
     */
    public long schedule(final long deadlineNs, final T owner)
    {
        final long id = wheel.scheduleTimer(deadlineNs);
        owners.put(id, owner);
        return id;
    }

    /**
     * @param timerId a timer's id, or {@link #NONE}.
     * @return its owner, the timer cancelled; null for {@link #NONE} or a timer that fired or was cancelled.
     */
    public T cancel(final long timerId)
    {
        if (NONE == timerId)
        {
            return null;
        }
        wheel.cancelTimer(timerId);
        return owners.remove(timerId);
    }

    /**
     * @param timerId an armed timer's id.
     * @return its deadline, or {@link #NONE} if it is not armed.
     */
    public long deadline(final long timerId)
    {
        return wheel.deadline(timerId);
    }

    /**
     * Fire every timer due by {@code nowNs}: each owner goes to {@code due} once, its timer gone.
     *
     * @param nowNs current time.
     * @param due   takes each owner whose timer fired.
     */
    public void poll(final long nowNs, final Consumer<T> due)
    {
        this.due = due;
        try
        {
            // One wheel poll looks at one tick: catch up with every tick that ended by now, bounded so that one call
            // never runs away.
            for (int i = 0; i < ticksPerWheel && (wheel.poll(nowNs, onExpiry, EXPIRIES_PER_POLL) > 0 ||
                wheel.currentTickTime() <= nowNs); i++)
            {
                // poll again
            }
        }
        finally
        {
            this.due = null;
        }
    }

    /** @return timers armed now. */
    public long scheduled()
    {
        return wheel.timerCount();
    }

    private boolean onExpiry(final TimeUnit timeUnit, final long nowNs, final long timerId)
    {
        final T owner = owners.remove(timerId);
        if (null != owner)
        {
            due.accept(owner);
        }
        return true;
    }
}
