package io.ringmq.core.session;

/**
 * Broker-wide sums over every session, kept up to date by the sessions themselves as their queues and journal ids
 * change, so that the metrics never walk a million sessions: messages and bytes queued, and persistent (journaled)
 * sessions.
 * <p>
 * <b>Threading:</b> Router thread only, like the sessions that write it; other threads read the {@link #copy()}
 * in the Router's snapshot, published with it.
 */
public final class SessionTally
{
    private long queuedMessages;
    private long queuedBytes;
    private long persistentSessions;

    /**
     * @return a copy for other threads: its figures never change (only sessions, which never hold a copy, write).
     */
    public SessionTally copy()
    {
        final SessionTally copy = new SessionTally();
        copy.queuedMessages = queuedMessages;
        copy.queuedBytes = queuedBytes;
        copy.persistentSessions = persistentSessions;
        return copy;
    }

    void onQueued(final long messages, final long bytes)
    {
        queuedMessages += messages;
        queuedBytes += bytes;
    }

    void onPersistent(final int change)
    {
        persistentSessions += change;
    }

    /** @return deliveries waiting in session queues. */
    public long queuedMessages()
    {
        return queuedMessages;
    }

    /** @return bytes of those deliveries' messages. */
    public long queuedBytes()
    {
        return queuedBytes;
    }

    /** @return sessions kept in the journal. */
    public long persistentSessions()
    {
        return persistentSessions;
    }
}
