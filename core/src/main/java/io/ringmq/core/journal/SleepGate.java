package io.ringmq.core.journal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The journaller's sleep handshake with the Router, kept apart so that a jcstress test can race it
 * ({@code JournallerWakeupStress} in the jmh module).
 * <p>
 * Protocol (Dekker style, both sides sequentially consistent): the Router publishes a position (a volatile store),
 * then calls {@link #wake()}, which reads the flag. The journaller calls {@link #prepareToSleep()} (a volatile store),
 * then re-reads the position and parks only if there is nothing to force. Whatever the interleaving, either the
 * journaller's re-check sees the position or the Router's {@link #wake()} sees the flag and unparks it: a published
 * position is never left unforced with the journaller asleep.
 * <p>
 * <b>Threading:</b> {@link #prepareToSleep()} on the journaller thread; {@link #wake()} on the Router thread;
 * {@link #awake()} on either (the journaller after it parked, the Router when it unparks it unconditionally).
 */
final class SleepGate
{
    /** Set by the journaller before it parks; cleared by whoever ends or cancels that sleep. */
    private final AtomicBoolean sleeping = new AtomicBoolean();

    /** Journaller thread: about to park; re-check for work after this and before parking. */
    void prepareToSleep()
    {
        sleeping.set(true);
    }

    /** The journaller is (or will be) awake: no {@link #wake()} needs to unpark it. */
    void awake()
    {
        sleeping.set(false);
    }

    /**
     * Router thread, after publishing a position: claim the right to unpark a sleeping journaller. Cheap when it is
     * busy (one volatile read); at most one caller wins per sleep.
     *
     * @return true when the caller must unpark the journaller.
     */
    boolean wake()
    {
        return sleeping.get() && sleeping.compareAndSet(true, false);
    }
}
