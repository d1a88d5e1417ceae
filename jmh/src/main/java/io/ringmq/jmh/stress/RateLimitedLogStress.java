package io.ringmq.jmh.stress;

import io.ringmq.core.status.RateLimitedLog;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link RateLimitedLog} counting from racing threads: two threads each count two occurrences at the same time
 * (one line is due at once, the next only an interval later); afterwards the periodic task polls a time when a line
 * is due again. Every occurrence must be reported exactly once: in one of the actors' lines or in the tail line.
 * <p>
 * Result: occurrences reported in total, lines the actors got, occurrences left for the tail line.
 */
@JCStressTest
@Description("RateLimitedLog: every occurrence reported exactly once, at most one line per interval")
@Outcome(id = "4, 1, 0", expect = ACCEPTABLE, desc = "The one due line reported all four.")
@Outcome(id = "4, 1, [123]", expect = ACCEPTABLE, desc = "Counted after the line was taken: reported in the tail.")
@Outcome(expect = FORBIDDEN, desc = "An occurrence lost or reported twice, or two lines in one interval.")
@State
public class RateLimitedLogStress
{
    private static final long INTERVAL_NS = 1_000;
    private static final long NOW_NS = 0;
    private static final int OCCURRENCES = 4;

    private final RateLimitedLog log = new RateLimitedLog(INTERVAL_NS, NOW_NS);
    private long reportedA;
    private int linesA;
    private long reportedB;
    private int linesB;

    /** First thread: two occurrences. */
    @Actor
    public void threadA()
    {
        final long first = log.onEvent(NOW_NS);
        final long second = log.onEvent(NOW_NS);
        reportedA = first + second;
        linesA = (first > 0 ? 1 : 0) + (second > 0 ? 1 : 0);
    }

    /** Second thread: two occurrences. */
    @Actor
    public void threadB()
    {
        final long first = log.onEvent(NOW_NS);
        final long second = log.onEvent(NOW_NS);
        reportedB = first + second;
        linesB = (first > 0 ? 1 : 0) + (second > 0 ? 1 : 0);
    }

    /**
     * The periodic task, an interval later, reports the tail.
     *
     * @param result total reported, actors' lines, tail.
     */
    @Arbiter
    public void tail(final III_Result result)
    {
        final long tail = log.pollDue(NOW_NS + INTERVAL_NS);
        result.r1 = (int)(reportedA + reportedB + tail);
        result.r2 = linesA + linesB;
        result.r3 = (int)tail;
        if (OCCURRENCES != log.total())
        {
            result.r1 = -1;
        }
    }
}
