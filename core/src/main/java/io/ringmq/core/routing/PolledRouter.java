package io.ringmq.core.routing;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.ring.SignalWaitStrategy;
import io.ringmq.core.status.FatalErrorHandler;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The routing stage without a thread of its own: the {@link Router} polls the inbound ring from a single-threaded
 * executor that has other work, on a small machine the first event loop. A publish to the ring (its
 * {@link SignalWaitStrategy}) queues one polling run on that executor unless one is already queued; a run takes at
 * most {@link #MAX_EVENTS_PER_RUN} events, so the loop's own sockets wait at most that long, and queues itself again
 * when more remain. Nothing spins or parks: an idle broker has no routing thread to wake, and an event published by
 * the routing loop itself (its own connections' packets) is routed in the same wake-up, with no thread hand-off.
 * <p>
 * <b>Direct routing.</b> Frames the executor's own thread reads need not go through the ring at all:
 * {@link #routeNow} hands them to the Router in place, without the copy into a ring slot, when nothing published
 * before them still waits in the ring (so the Router sees events in the order they were published, as it would
 * through the ring) and the Router is not already running on this thread. Otherwise the caller publishes them to the
 * ring as usual. Profiled at saturation (QoS 0 fan-in on one core) the copy into the slots was 11.5% of the core (a
 * ring of 65,536 slots is far larger than the caches).
 * <p>
 * The single-writer rule for routing state holds as with a thread of its own: the executor runs one task at a time
 * on one thread, and only {@link #run()} and {@link #routeNow}, both on that thread and never one inside the other,
 * call the Router.
 * <p>
 * <b>Threading:</b> {@link #signal()} from any thread; {@link #run()} and {@link #routeNow} on the executor only;
 * {@link #halt()} once, by the thread stopping the broker after the executor has stopped (or while it still runs
 * tasks).
 */
public final class PolledRouter implements Runnable, EventPoller.Handler<RingEvent>
{
    private static final Logger LOG = LoggerFactory.getLogger(PolledRouter.class);
    /** Events routed per run before the executor's other work (socket reads and writes) gets its turn. */
    public static final int MAX_EVENTS_PER_RUN = 1024;

    private final Router router;
    private final RingBuffer<RingEvent> ring;
    private final EventPoller<RingEvent> poller;
    private final Executor executor;
    private final FatalErrorHandler fatalHandler;
    /** Whether a run is due; its protocol (no published event is left unrouted) is in {@link RunSignal}. */
    private final RunSignal due = new RunSignal();
    /** Set by {@link #halt()}: later runs route nothing. */
    private volatile boolean halted;
    /** Events routed by the current run; executor thread only. */
    private int eventsThisRun;
    /** True while {@link #run()} or {@link #routeNow} calls the Router; executor thread only. */
    private boolean routing;
    /** The event {@link #routeNow} hands to the Router, its frame in the caller's buffer; executor thread only. */
    private final RingEvent direct = RingEvent.direct();
    /** Counts frames routed by {@link #routeNow}; it also stands in for the ring sequence the Router samples by. */
    private long routedDirectly;

    /**
     * Registers the poller's sequence with the ring (the ring then never overwrites an event not yet routed); call
     * before anything is published.
     *
     * @param router       the routing stage.
     * @param ring         the inbound ring, built with a {@link SignalWaitStrategy} whose signal is {@link #signal()}.
     * @param executor     single-threaded executor to route on, such as an event loop.
     * @param fatalHandler stops the broker after an {@link Error} the Router's own boundary let through.
     */
    public PolledRouter(final Router router, final RingBuffer<RingEvent> ring, final Executor executor,
        final FatalErrorHandler fatalHandler)
    {
        this.router = router;
        this.ring = ring;
        this.executor = executor;
        this.fatalHandler = fatalHandler;
        this.poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
    }

    /** Something was published: queue a polling run unless one is queued already. Any thread. */
    public void signal()
    {
        if (due.signal())
        {
            try
            {
                executor.execute(this);
            }
            catch (final RejectedExecutionException ex)
            {
                // The executor is stopping with the broker: nothing is routed any more, and nothing needs to be.
                due.cancel();
            }
        }
    }

    @Override
    public void run()
    {
        due.runStarting();
        if (halted)
        {
            return;
        }
        eventsThisRun = 0;
        routing = true;
        try
        {
            poller.poll(this);
        }
        catch (final Exception | Error ex)
        {
            onEscaped(ex);
        }
        finally
        {
            routing = false;
        }
        if (eventsThisRun >= MAX_EVENTS_PER_RUN)
        {
            signal();   // more may be waiting: route them after the executor's other queued work
        }
    }

    /**
     * Route frames read on the executor's thread now, in place, if nothing published earlier waits in the ring and the
     * Router is not running already (a read made from inside it); the last frame ends the Router's batch, as the end
     * of a run does.
     *
     * @param connectionId connection the frames came from.
     * @param loopIndex    event loop that owns the connection.
     * @param buffer       holds the frames; read (and left as it is) only during this call.
     * @param starts       offset of each frame in {@code buffer}.
     * @param lengths      length of each frame.
     * @param count        number of frames, at least 1.
     * @param nowNs        receive time.
     * @return true if the Router took every frame; false if it took none and the caller must publish them to the ring.
     */
    public boolean routeNow(final long connectionId, final int loopIndex, final DirectBuffer buffer,
        final int[] starts, final int[] lengths, final int count, final long nowNs)
    {
        if (routing || halted || ring.getCursor() != poller.getSequence().get())
        {
            return false;
        }
        routing = true;
        try
        {
            for (int i = 0; i < count; i++)
            {
                direct.wrapFrame(connectionId, loopIndex, buffer, starts[i], lengths[i], nowNs);
                router.onEvent(direct, routedDirectly++, i == count - 1);
            }
        }
        catch (final Exception | Error ex)
        {
            onEscaped(ex);      // the frames count as taken: publishing them again would route the first ones twice
        }
        finally
        {
            routing = false;
        }
        return true;
    }

    /** @return frames routed in place by {@link #routeNow} so far; executor thread only (tests). */
    public long routedDirectly()
    {
        return routedDirectly;
    }

    private void onEscaped(final Throwable ex)
    {
        // Router.onEvent has its own boundary; this one is for the poller and whatever slipped past it.
        if (ex instanceof Error)
        {
            fatalHandler.onFatal("router", ex);
        }
        else
        {
            LOG.error("routing failed", ex);
        }
    }

    @Override
    public boolean onEvent(final RingEvent event, final long sequence, final boolean endOfBatch)
    {
        eventsThisRun++;
        final boolean last = endOfBatch || eventsThisRun >= MAX_EVENTS_PER_RUN;
        router.onEvent(event, sequence, last);
        return !last;
    }

    /**
     * Stop routing; the Router hears of it ({@link Router#onShutdown()}) once no run can be in progress: on the
     * executor after any run in progress, or at once if the executor no longer runs tasks.
     */
    public void halt()
    {
        halted = true;
        try
        {
            executor.execute(router::onShutdown);
        }
        catch (final RejectedExecutionException ex)
        {
            router.onShutdown();
        }
    }
}
