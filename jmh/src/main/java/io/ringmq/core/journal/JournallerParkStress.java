package io.ringmq.core.journal;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The journaller's wake-up with real parking (termination mode): the actor runs the shape of
 * {@code Journaller.forceLoop} with no park timeout (nothing to force: set the flag, re-check, park; awake; loop) and
 * ends when it has "forced" the published position; the signal is the Router publishing that position and calling
 * {@link SleepGate#wake()}, unparking the journaller when it wins. A lost wake-up leaves the actor parked for good:
 * jcstress reports it as STALE. (The real journaller parks with a timeout, 1 ms under {@code sync=batch}, so there a
 * lost wake-up costs latency rather than liveness; the test leaves the timeout out to make the loss visible.)
 */
@JCStressTest(Mode.Termination)
@Description("Journaller: the Router's wake-up always ends the journaller's sleep when there is a position to force")
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The journaller saw the position, or was unparked.")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "Lost wake-up: the journaller sleeps on an unforced position.")
@State
public class JournallerParkStress
{
    private static final long APPENDED_POSITION = 64;

    private final SleepGate gate = new SleepGate();
    private final AtomicLong appendedPosition = new AtomicLong();
    /** Written by the journaller before its first {@link SleepGate#prepareToSleep()}, so a won wake() can read it. */
    private volatile Thread journaller;
    private long forcedPosition;

    /** The journaller: idle until there is something to force, then force it and stop. */
    @Actor
    public void journaller()
    {
        journaller = Thread.currentThread();
        while (true)
        {
            if (appendedPosition.get() > forcedPosition)
            {
                forcedPosition = appendedPosition.get();
                return;
            }
            gate.prepareToSleep();
            if (appendedPosition.get() <= forcedPosition)
            {
                LockSupport.park(this);
            }
            gate.awake();
        }
    }

    /** The Router at the end of a batch: publish the position, then wake. */
    @Signal
    public void router()
    {
        appendedPosition.set(APPENDED_POSITION);
        if (gate.wake())
        {
            LockSupport.unpark(journaller);
        }
    }
}
