package io.ringmq.core.routing;

import io.ringmq.core.session.Message;
import io.ringmq.core.session.Session;
import io.ringmq.core.timer.OwnedTimers;
import org.agrona.collections.Object2ObjectHashMap;

import java.util.Collection;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The broker's two kinds of deadline: a disconnected session's expiry and a will's delay. Each is a timer in one
 * {@link OwnedTimers} heap (O(log n) schedule and cancel, array-backed); its id lives with its owner (the session,
 * the pending will) and is cancelled when the reason goes away (the client reconnects, the session ends), so the
 * number of timers is bounded by the number of offline sessions plus pending wills, however often clients
 * reconnect.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class SessionTimers
{

    /** A will waiting for its delay, keyed by client id. */
    static final class PendingWill
    {
        final String clientId;
        final Message will;
        final long willExpirySeconds;
        final long deadlineNs;
        long timerId = OwnedTimers.NONE;

        PendingWill(final String clientId, final Message will, final long willExpirySeconds, final long deadlineNs)
        {
            this.clientId = clientId;
            this.will = will;
            this.willExpirySeconds = willExpirySeconds;
            this.deadlineNs = deadlineNs;
        }
    }

    /** What happens when a deadline passes. */
    interface Handler
    {
        /** @param session an offline session whose expiry interval passed. */
        void onSessionExpired(Session session);

        /** @param will a will whose delay passed (already removed from the pending wills). */
        void onWillDue(PendingWill will);
    }

    /** Each timer's owner: a {@link Session} or a {@link PendingWill}. */
    private final OwnedTimers<Object> timers;
    private final Map<String, PendingWill> pendingWills = new Object2ObjectHashMap<>();
    private Handler handler;
    private final Consumer<Object> onDue = this::onDue;

    SessionTimers()
    {
        this.timers = new OwnedTimers<>();
    }

    /**
     * Start the session's expiry clock (it went offline); any earlier one is cancelled.
     *
     * @param session    the session.
     * @param deadlineNs when it expires.
     */
    void scheduleExpiry(final Session session, final long deadlineNs)
    {
        cancelExpiry(session);
        session.expiryDeadlineNs(deadlineNs);
        session.expiryTimerId(timers.schedule(deadlineNs, session));
    }

    /** @param session a session that came back or ended: its expiry clock stops. */
    void cancelExpiry(final Session session)
    {
        timers.cancel(session.expiryTimerId());
        session.expiryTimerId(OwnedTimers.NONE);
        session.expiryDeadlineNs(-1);
    }

    /**
     * @param clientId          whose will.
     * @param will              the will message.
     * @param willExpirySeconds its message expiry, -1 for none.
     * @param deadlineNs        when it is due.
     */
    void scheduleWill(final String clientId, final Message will, final long willExpirySeconds, final long deadlineNs)
    {
        removeWill(clientId);
        final PendingWill pending = new PendingWill(clientId, will, willExpirySeconds, deadlineNs);
        pending.timerId = timers.schedule(deadlineNs, pending);
        pendingWills.put(clientId, pending);
    }

    /**
     * @param clientId a client id.
     * @return its pending will, removed and its timer cancelled, or null.
     */
    PendingWill removeWill(final String clientId)
    {
        final PendingWill pending = pendingWills.remove(clientId);
        if (null != pending)
        {
            timers.cancel(pending.timerId);
        }
        return pending;
    }

    /** @return the pending wills, for a snapshot (read only). */
    Collection<PendingWill> pendingWills()
    {
        return pendingWills.values();
    }

    /**
     * Fire every timer due by {@code nowNs}.
     *
     * @param nowNs   current time.
     * @param handler what to do with each.
     */
    void poll(final long nowNs, final Handler handler)
    {
        this.handler = handler;
        timers.poll(nowNs, onDue);
        this.handler = null;
    }

    /** @return timers scheduled now (tests, metrics). */
    long scheduled()
    {
        return timers.scheduled();
    }

    private void onDue(final Object owner)
    {
        if (owner instanceof Session session)
        {
            session.expiryTimerId(OwnedTimers.NONE);
            handler.onSessionExpired(session);
        }
        else if (owner instanceof PendingWill pending)
        {
            pendingWills.remove(pending.clientId, pending);
            handler.onWillDue(pending);
        }
    }
}
