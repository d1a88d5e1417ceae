package io.ringmq.transport.netty;

import io.ringmq.core.timer.OwnedTimers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One timer per connection, checked when due and armed again at the connection's next deadline. */
class ConnectionDeadlinesTest
{
    private static final long START_NS = 1_000_000_000L;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final ConnectionDeadlines deadlines = new ConnectionDeadlines();

    /** A connection whose next deadline the test sets; late once the check's time reaches {@link #lateAtNs}. */
    private static final class Connection implements ConnectionDeadlines.Subject
    {
        long nextNs;
        long lateAtNs = Long.MAX_VALUE;
        long timerId = OwnedTimers.NONE;
        final List<Long> checks = new ArrayList<>();

        Connection(final long nextNs)
        {
            this.nextNs = nextNs;
        }

        @Override
        public long nextCheckNs(final long nowNs)
        {
            return nextNs;
        }

        @Override
        public boolean check(final long nowNs)
        {
            checks.add(nowNs);
            return nowNs < lateAtNs;
        }

        @Override
        public long deadlineTimerId()
        {
            return timerId;
        }

        @Override
        public void deadlineTimerId(final long timerId)
        {
            this.timerId = timerId;
        }
    }

    @Test
    void shouldCheckAConnectionOnlyOnceItsDeadlinePassed()
    {
        final Connection connection = new Connection(START_NS + 10 * SECOND);
        deadlines.arm(connection, START_NS);
        assertEquals(1, deadlines.armed());

        deadlines.poll(START_NS + 5 * SECOND);
        deadlines.poll(START_NS + 10 * SECOND - 1);
        assertEquals(List.of(), connection.checks, "not due yet");

        connection.lateAtNs = START_NS + 10 * SECOND;
        deadlines.poll(START_NS + 10 * SECOND + 1);
        assertEquals(List.of(START_NS + 10 * SECOND + 1), connection.checks);
        assertEquals(0, deadlines.armed(), "a connection that ends is not armed again");
        assertEquals(OwnedTimers.NONE, connection.timerId);
    }

    @Test
    void shouldArmAConnectionThatWasNotLateAgainAtItsNextDeadline()
    {
        final Connection connection = new Connection(START_NS + 90 * SECOND);
        deadlines.arm(connection, START_NS);
        connection.nextNs = START_NS + 150 * SECOND;   // it read meanwhile: keep-alive runs from then

        deadlines.poll(START_NS + 91 * SECOND);
        assertEquals(1, connection.checks.size(), "checked at the first deadline, not late");
        assertEquals(1, deadlines.armed(), "armed again");

        deadlines.poll(START_NS + 149 * SECOND);
        assertEquals(1, connection.checks.size(), "nothing due before the new deadline");
        deadlines.poll(START_NS + 151 * SECOND);
        assertEquals(2, connection.checks.size());
    }

    @Test
    void shouldCostNothingForConnectionsThatAreNotDue()
    {
        final List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < 10_000; i++)
        {
            final Connection connection = new Connection(START_NS + 60 * SECOND + i);
            connections.add(connection);
            deadlines.arm(connection, START_NS);
        }
        final Connection soon = new Connection(START_NS + SECOND);
        soon.lateAtNs = 0;
        deadlines.arm(soon, START_NS);

        for (long t = START_NS; t < START_NS + 30 * SECOND; t += SECOND / 4)
        {
            deadlines.poll(t);
        }

        assertEquals(1, soon.checks.size(), "the one due was checked once, and ended");
        assertEquals(0, connections.stream().mapToInt(c -> c.checks.size()).sum(), "none of the others");
        assertEquals(10_000, deadlines.armed());
    }

    @Test
    void shouldForgetADisarmedConnection()
    {
        final Connection connection = new Connection(START_NS + SECOND);
        deadlines.arm(connection, START_NS);
        deadlines.disarm(connection);
        deadlines.disarm(connection);

        deadlines.poll(START_NS + 2 * SECOND);

        assertEquals(List.of(), connection.checks);
        assertEquals(0, deadlines.armed());
    }

    @Test
    void shouldArmAgainOnlyWhenTheDeadlineMovedEarlier()
    {
        final Connection connection = new Connection(START_NS + 10 * SECOND);
        deadlines.arm(connection, START_NS);
        final long first = connection.timerId;

        connection.nextNs = START_NS + 20 * SECOND;
        deadlines.advance(connection, START_NS);
        assertEquals(first, connection.timerId, "later: the timer stays, and re-arms when it fires");

        connection.nextNs = START_NS + 2 * SECOND;
        deadlines.advance(connection, START_NS);
        deadlines.poll(START_NS + 3 * SECOND);
        assertEquals(1, connection.checks.size(), "earlier: checked at the new deadline");
        assertEquals(1, deadlines.armed());
    }

    @Test
    void shouldArmAConnectionWithoutDeadlineWhenItGetsOne()
    {
        final Connection connection = new Connection(Long.MAX_VALUE);  // connected, keep-alive 0, no expiry
        deadlines.arm(connection, START_NS);
        assertEquals(0, deadlines.armed());

        connection.nextNs = START_NS + SECOND;   // a credential with an expiry was accepted
        deadlines.advance(connection, START_NS);
        assertEquals(1, deadlines.armed());
        connection.lateAtNs = 0;
        deadlines.poll(START_NS + 2 * SECOND);
        assertEquals(1, connection.checks.size());
        assertEquals(0, deadlines.armed());
    }
}
