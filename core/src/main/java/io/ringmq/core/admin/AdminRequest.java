package io.ringmq.core.admin;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One admin query or command on its way to the Router: made on any thread, carried by a
 * {@link io.ringmq.core.ring.RingEvent#ADMIN} ring event, run once by the Router against its {@link AdminView}, and
 * answered through {@link #result()}. The operation must return an immutable value (or a copy): the caller reads it
 * on another thread.
 * <p>
 * <b>Threading:</b> {@link #run} on the Router thread only, once; {@link #result()} from any thread. The future
 * publishes the answer safely.
 *
 * @param <T> the answer's type.
 */
public final class AdminRequest<T>
{
    private final Function<AdminView, T> operation;
    private final CompletableFuture<T> result = new CompletableFuture<>();

    /**
     * @param operation what to do with the Router's state; runs on the Router thread.
     */
    public AdminRequest(final Function<AdminView, T> operation)
    {
        this.operation = operation;
    }

    /**
     * Router: run the operation and complete the answer, with the exception if it throws (the Router's state is
     * left as the operation left it; operations check their input before they change anything).
     *
     * @param view the Router's state.
     */
    public void run(final AdminView view)
    {
        try
        {
            result.complete(operation.apply(view));
        }
        catch (final RuntimeException ex)
        {
            result.completeExceptionally(ex);
        }
    }

    /**
     * The ring refused the request (full, or the broker stopping): answer with the failure instead.
     *
     * @param cause why it was not run.
     */
    public void refuse(final Throwable cause)
    {
        result.completeExceptionally(cause);
    }

    /** @return the answer, completed by the Router (or exceptionally if the operation failed or was refused). */
    public CompletableFuture<T> result()
    {
        return result;
    }
}
