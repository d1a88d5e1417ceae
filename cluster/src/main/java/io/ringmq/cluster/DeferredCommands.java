package io.ringmq.cluster;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Control-plane commands (route changes, directory claims and releases) that the command queue could not take when
 * they were made (the control plane is away or slow): kept in order and sent again on every {@link #retry}, before
 * any newer command, so a filter's add and remove never swap. Past {@code maxKept} a command is dropped and handed
 * to the caller's drop handler (counted and logged there).
 * <p>
 * Threading: the routing thread only (the commands are the Router's).
 */
final class DeferredCommands
{
    /** Told of a command dropped past the bound. */
    interface DropHandler
    {
        void onDropped(String what, String about);
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeferredCommands.class);

    private final ArrayDeque<BooleanSupplier> kept = new ArrayDeque<>();
    private final int maxKept;
    private final DropHandler dropped;

    DeferredCommands(final int maxKept, final DropHandler dropped)
    {
        this.maxKept = maxKept;
        this.dropped = dropped;
    }

    /**
     * Sends a command now if nothing waits and the queue takes it; keeps it otherwise.
     *
     * @param what  what it is, for the log.
     * @param about its filter or client id, for the log.
     * @param send  offers it to the command queue; false when the queue is full.
     */
    void send(final String what, final String about, final BooleanSupplier send)
    {
        if (kept.isEmpty() && send.getAsBoolean())
        {
            return;
        }
        if (kept.size() >= maxKept)
        {
            dropped.onDropped(what, about);
            return;
        }
        if (kept.isEmpty())
        {
            LOG.warn("cluster: the control-plane command queue is full: commands wait and are sent again (the first " +
                "a {} of '{}')", what, about);
        }
        kept.add(send);
    }

    /**
     * Sends the kept commands, in order, until the queue refuses one.
     *
     * @return commands still kept.
     */
    int retry()
    {
        while (!kept.isEmpty() && kept.peek().getAsBoolean())
        {
            kept.poll();
        }
        return kept.size();
    }
}
