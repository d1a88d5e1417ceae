package io.ringmq.core.routing;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.ring.SignalWaitStrategy;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The routing stage without a thread ({@link PolledRouter} with its {@link RunSignal}) on a real multi-producer
 * Disruptor ring: a run is due (queued earlier) when a producer publishes an event, whose publish signals through
 * the ring's {@link SignalWaitStrategy}; meanwhile the due run starts and polls. Queuing is recorded rather than
 * done. The outcome forbidden is the producer finding a run due (so queuing none) while that run's poll missed the
 * event: it would wait in the ring until some later publish.
 * <p>
 * Result: the producer's signal queued a new run (1) or found one due (0); events the run's poll routed. Lives in
 * the subject's package to reach the package-private signal.
 */
@JCStressTest
@Description("PolledRouter: a published event is never left in the ring with no run due to route it")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "A run was due and its poll routed the event.")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The poll came first: the signal queues a run for the event.")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The poll routed it and a run is queued too: an empty run.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "Lost signal: the event waits with no run due.")
@Outcome(expect = FORBIDDEN, desc = "Not a possible interleaving.")
@State
public class PolledRouterSignalStress
{
    private final RunSignal signal = new RunSignal();
    private final SignalWaitStrategy strategy = new SignalWaitStrategy();
    private final RingBuffer<long[]> ring = RingBuffer.createMultiProducer(() -> new long[1], 4, strategy);
    private final EventPoller<long[]> poller = ring.newPoller();
    private int queued;
    private int routed;

    /** A run was queued before the race and is about to start: the flag is set, as after a signal. */
    public PolledRouterSignalStress()
    {
        ring.addGatingSequences(poller.getSequence());
        signal.signal();
        strategy.signal(() -> queued = signal.signal() ? 1 : 0);
    }

    /** An event loop (or the journaller, a tick, the admin gateway) publishes an event; the ring signals. */
    @Actor
    public void producer()
    {
        final long sequence = ring.next();
        ring.get(sequence)[0] = 1;
        ring.publish(sequence);
    }

    /** The due run on the routing executor: {@link PolledRouter#run()}'s start, then its poll. */
    @Actor
    public void run()
    {
        signal.runStarting();
        try
        {
            poller.poll((event, sequence, endOfBatch) ->
            {
                routed += (int)event[0];
                return true;
            });
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Collects the two observations.
     *
     * @param result queued, routed.
     */
    @Arbiter
    public void arbiter(final II_Result result)
    {
        result.r1 = queued;
        result.r2 = routed;
    }
}
