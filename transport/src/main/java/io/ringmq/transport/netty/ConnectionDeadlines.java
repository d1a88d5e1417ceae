package io.ringmq.transport.netty;

import io.ringmq.core.timer.OwnedTimers;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * When each connection of one event loop is next due for its timeout check (the handshake and CONNACK deadlines,
 * 1.5 times the keep-alive since the last read, a credential's expiry): one timer per connection in
 * {@link OwnedTimers}, armed at the earliest moment the check could find the connection late. A poll then
 * costs what is due, not every connection: the loop used to walk all its connections every 250 ms, which took
 * 0.5-1.3 ms with 1,500-4,500 connections on 2 cores (*measured*; about 0.25 us each, so by extrapolation about
 * 25 ms a sweep, 10% of the loop, with 100,000) and held up every other connection of the loop meanwhile. A timer
 * that fires before the connection is late (a keep-alive timer of a client that has read since) is armed again at
 * its new deadline, so each connection costs about one check per keep-alive period, not four a second; a deadline
 * that moves earlier (a CONNECT handed on, a CONNACK with a keep-alive, a credential with an expiry) is re-armed by
 * {@link #advance}.
 * <p>
 * <b>Threading and bounds:</b> the event loop only. At most one timer per connection armed here and not yet
 * {@link #disarm disarmed}; the connection holds its timer's id, and a connection that left its loop is discarding,
 * so {@link Subject#check} ends its checks and no timer is armed for it again.
 */
final class ConnectionDeadlines
{
    /** A connection with deadlines. */
    interface Subject
    {
        /**
         * @param nowNs current time.
         * @return the earliest time at which a check may find the connection late, {@link Long#MAX_VALUE} if none can.
         */
        long nextCheckNs(long nowNs);

        /**
         * Check the connection now, and end it if it is late.
         *
         * @param nowNs current time.
         * @return false if the connection is ending (no deadline to arm again).
         */
        boolean check(long nowNs);

        /** @return the id of its armed timer, or {@link OwnedTimers#NONE}. */
        long deadlineTimerId();

        /** @param timerId the id of its armed timer, or {@link OwnedTimers#NONE}. */
        void deadlineTimerId(long timerId);
    }

    private final OwnedTimers<Subject> timers;
    /** Connections whose timer fired in the poll in progress: checked after it, so no check runs inside the poll. */
    private final List<Subject> due = new ArrayList<>();
    private final Consumer<Subject> onDue = this::onDue;

    ConnectionDeadlines()
    {
        timers = new OwnedTimers<>();
    }

    /**
     * Arm the connection's timer at its next deadline (replacing any armed one); none if it has no deadline.
     *
     * @param subject the connection.
     * @param nowNs   current time.
     */
    void arm(final Subject subject, final long nowNs)
    {
        disarm(subject);
        final long deadlineNs = subject.nextCheckNs(nowNs);
        if (Long.MAX_VALUE != deadlineNs)
        {
            subject.deadlineTimerId(timers.schedule(deadlineNs, subject));
        }
    }

    /**
     * The connection's next deadline may have moved earlier: arm its timer again if it did.
     *
     * @param subject an armed connection (not disarmed since).
     * @param nowNs   current time.
     */
    void advance(final Subject subject, final long nowNs)
    {
        final long id = subject.deadlineTimerId();
        final long deadlineNs = subject.nextCheckNs(nowNs);
        if (OwnedTimers.NONE == id ? Long.MAX_VALUE != deadlineNs : deadlineNs < timers.deadline(id))
        {
            arm(subject, nowNs);
        }
    }

    /** @param subject a connection that left the loop: its timer, if any, is cancelled. */
    void disarm(final Subject subject)
    {
        timers.cancel(subject.deadlineTimerId());
        subject.deadlineTimerId(OwnedTimers.NONE);
    }

    /**
     * Check every connection whose deadline passed by {@code nowNs}; arm again those that are not ending.
     *
     * @param nowNs current time.
     */
    void poll(final long nowNs)
    {
        timers.poll(nowNs, onDue);
        for (int i = 0; i < due.size(); i++)
        {
            final Subject subject = due.get(i);
            if (subject.check(nowNs))
            {
                arm(subject, nowNs);
            }
        }
        due.clear();
    }

    /** @return timers armed now (tests). */
    long armed()
    {
        return timers.scheduled();
    }

    private void onDue(final Subject subject)
    {
        subject.deadlineTimerId(OwnedTimers.NONE);
        due.add(subject);
    }
}
