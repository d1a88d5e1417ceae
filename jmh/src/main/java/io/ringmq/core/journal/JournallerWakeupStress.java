package io.ringmq.core.journal;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.concurrent.atomic.AtomicLong;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The journaller's wake-up ({@link SleepGate}, as {@link Journaller} uses it): the Router publishes an appended
 * position (the volatile store of {@code Journal.appendedPosition}) and calls {@link Journaller#wake()}, which
 * unparks only if the flag is set; the journaller, finding nothing to force, sets the flag, re-reads the position
 * and parks only if it is still forced. Parking is recorded rather than done: the outcome forbidden is the
 * journaller deciding to park on an unforced position while the Router's wake-up saw no sleeper (an unpark before
 * the park is kept as a permit, so a won wake-up always ends the sleep).
 * <p>
 * Result: journaller parks (1) or goes on forcing (0); the Router's wake-up unparked it (1) or not (0); the position
 * the journaller's re-check read. Lives in the subject's package to reach the package-private gate.
 */
@JCStressTest
@Description("Journaller: a published position is never left unforced with the journaller asleep")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "The re-check saw the position: forces it, no unpark needed.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "Both saw each other: forces it; the unpark is spurious.")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "Re-check before the publish: parks, the Router unparks it.")
@Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "Lost wake-up: asleep on an unforced position.")
@Outcome(expect = FORBIDDEN, desc = "Not a possible interleaving.")
@State
public class JournallerWakeupStress
{
    private static final long FORCED_POSITION = 0;
    private static final long APPENDED_POSITION = 64;

    private final SleepGate gate = new SleepGate();
    /** Stands for {@code Journal.appendedPosition}: an AtomicLong written by the Router with a volatile store. */
    private final AtomicLong appendedPosition = new AtomicLong(FORCED_POSITION);
    private int parked;
    private int unparked;
    private long seen;

    /** The Router at the end of a batch: publish the position, then wake. */
    @Actor
    public void router()
    {
        appendedPosition.set(APPENDED_POSITION);
        unparked = gate.wake() ? 1 : 0;
    }

    /** The journaller's idle step in {@code forceLoop}: announce the sleep, re-check the target, park if none. */
    @Actor
    public void journaller()
    {
        gate.prepareToSleep();
        seen = appendedPosition.get();
        parked = seen <= FORCED_POSITION ? 1 : 0;
    }

    /**
     * Collects the three observations.
     *
     * @param result parked, unparked, position seen by the re-check (0 or 1 for "saw the publish").
     */
    @Arbiter
    public void arbiter(final III_Result result)
    {
        result.r1 = parked;
        result.r2 = unparked;
        result.r3 = seen == APPENDED_POSITION ? 1 : 0;
    }
}
