package io.ringmq.core.routing;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link PolledRouter}'s handshake with the ring's producers, kept apart so that a jcstress test can race it
 * against a real ring ({@code PolledRouterSignalStress} in the jmh module).
 * <p>
 * Protocol: a producer publishes an event (the sequencer's release store), then calls {@link #signal()}, a
 * getAndSet, which is a full fence; it queues a run only if no run was due. A run calls {@link #runStarting()}
 * (a volatile store) before it polls the ring. Whatever the interleaving, either that poll sees the event, or the
 * producer's getAndSet comes after the clear, finds no run due and queues one: a published event never waits for a
 * later publish to be routed.
 * <p>
 * <b>Threading:</b> {@link #signal()} from any producer thread; {@link #runStarting()} on the routing executor;
 * {@link #cancel()} by the producer whose queuing failed.
 */
final class RunSignal
{
    /** True from the signal that queued a run until that run starts. */
    private final AtomicBoolean due = new AtomicBoolean();

    /**
     * Producer, after publishing: claim the queuing of a run.
     *
     * @return true when the caller must queue a run (none was due).
     */
    boolean signal()
    {
        return !due.getAndSet(true);
    }

    /** Routing executor: a run starts; it polls the ring after this, so any later publish queues another. */
    void runStarting()
    {
        due.set(false);
    }

    /** The run the caller claimed could not be queued (the executor has stopped): later signals may try again. */
    void cancel()
    {
        due.set(false);
    }
}
