package io.ringmq.transport.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Messages handed over from a client callback thread to the test thread.
 * <p>
 * <b>Threading:</b> any thread may {@link #add}; the test thread takes.
 *
 * @param <T> message type.
 */
public final class Inbox<T>
{
    private final LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>();

    /**
     * @param message received message.
     */
    public void add(final T message)
    {
        queue.add(message);
    }

    /**
     * @param timeout how long to wait.
     * @return the next message.
     * @throws AssertionError if none arrives in time.
     */
    public T take(final Duration timeout)
    {
        final T message = poll(timeout);
        if (null == message)
        {
            throw new AssertionError("no message within " + timeout);
        }
        return message;
    }

    /**
     * @param timeout how long to wait.
     * @return the next message, or null if none arrives in time.
     */
    public T poll(final Duration timeout)
    {
        try
        {
            return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }

    /** @return everything received so far, removing it. */
    public List<T> drain()
    {
        final List<T> result = new ArrayList<>();
        queue.drainTo(result);
        return result;
    }

    /** @return number of messages waiting. */
    public int size()
    {
        return queue.size();
    }
}
