package io.ringmq.transport.admin;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.admin.AdminRequest;
import io.ringmq.core.admin.AdminView;
import io.ringmq.core.ring.RingEvent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends admin operations to the Router as {@link RingEvent#ADMIN} ring events and hands back their answers: the
 * Router runs them between client events, so no lock ever guards routing state. Bounded twice: at most
 * {@link #MAX_OUTSTANDING} operations on their way at once, and a ring without a free slot refuses at once
 * (MQTT traffic keeps the ring; an operator retries). An operation the Router never runs (the broker stopped) fails
 * after {@link #TIMEOUT_SECONDS}.
 * <p>
 * <b>Threading:</b> {@link #submit} from any thread (it claims ring slots with {@code tryNext}, safe for many
 * producers); answers complete on the Router thread or the timeout's.
 */
public final class AdminGateway
{
    /** Admin operations on their way to the Router at once. */
    public static final int MAX_OUTSTANDING = 16;
    /** An operation the Router has not answered in this time fails. */
    public static final long TIMEOUT_SECONDS = 10;

    private final RingBuffer<RingEvent> ring;
    private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);

    /** Why the broker did not run an admin operation now: answered 503, the operator may retry. */
    public static final class BusyException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param message what was busy.
         */
        public BusyException(final String message)
        {
            super(message, null, false, false);
        }
    }

    /**
     * @param ring the inbound ring the Router consumes.
     */
    public AdminGateway(final RingBuffer<RingEvent> ring)
    {
        this.ring = ring;
    }

    /**
     * @param operation what to do with the Router's state; runs on the Router thread and returns an immutable value.
     * @param <T>       the answer's type.
     * @return the answer; failed with {@link BusyException} when too many operations are on their way or the ring is
     *         full, with a {@link java.util.concurrent.TimeoutException} when the Router did not answer in time, or
     *         with what the operation threw.
     */
    public <T> CompletableFuture<T> submit(final Function<AdminView, T> operation)
    {
        final AdminRequest<T> request = new AdminRequest<>(operation);
        if (!outstanding.tryAcquire())
        {
            request.refuse(new BusyException("too many admin requests in progress"));
            return request.result();
        }
        request.result().whenComplete((value, failure) -> outstanding.release());
        try
        {
            final long sequence = ring.tryNext();
            ring.get(sequence).admin(request, System.nanoTime());
            ring.publish(sequence);
        }
        catch (final InsufficientCapacityException ex)
        {
            request.refuse(new BusyException("the broker's ring is full"));
            return request.result();
        }
        return request.result().orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
