package io.ringmq.transport.netty;

import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.transport.config.ListenerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class IoLoopsTest
{
    private final RingBuffer<RingEvent> ring = RingBuffer.createMultiProducer(() -> new RingEvent(256), 8);

    @Test
    void shouldLeaveBorrowedLoopsRunningAndStopTheBorrowersPeriodicTasks() throws Exception
    {
        final NettyServer owner = server(null);
        final NettyServer borrower = server(owner.ioLoops());
        try
        {
            assertSame(owner.ioLoops(), borrower.ioLoops());
            final AtomicLong borrowerTicks = new AtomicLong();
            final AtomicLong ownerTicks = new AtomicLong();
            borrower.scheduleAtFixedRate(borrowerTicks::incrementAndGet, 5);
            owner.scheduleAtFixedRate(ownerTicks::incrementAndGet, 5);
            awaitAbove(borrowerTicks, 2);

            borrower.shutdown();
            final long stoppedAt = borrowerTicks.get();
            final long ownerBefore = ownerTicks.get();
            awaitAbove(ownerTicks, ownerBefore + 5);

            assertEquals(stoppedAt, borrowerTicks.get(), "the borrower's periodic task ran on after its shutdown");
            assertTrue(owner.ioLoops().awaitQueuedTasks(5_000), "the owner's loops still run tasks");
            final AtomicLong ran = new AtomicLong();
            owner.routingExecutor().execute(ran::incrementAndGet);
            owner.awaitQueuedTasks();
            assertEquals(1, ran.get());
        }
        finally
        {
            owner.shutdown();
        }
    }

    @Test
    void shouldStopOwnLoopsAndThenNotWaitForThem()
    {
        final NettyServer owner = server(null);
        owner.shutdown();

        final Runnable nothing = () ->
        {
        };
        assertThrows(RejectedExecutionException.class, () -> owner.routingExecutor().execute(nothing));
        final long startNs = System.nanoTime();
        assertTrue(owner.ioLoops().awaitQueuedTasks(5_000), "stopped loops have nothing queued");
        assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(5));
    }

    private NettyServer server(final IoLoops borrowed)
    {
        final BrokerConfig config = new BrokerConfig().bindAddress("127.0.0.1").port(0).eventLoops(1);
        return new NettyServer(config, List.of(new ListenerConfig().name("mqtt").port(0).conclude("127.0.0.1")), ring,
            borrowed);
    }

    private static void awaitAbove(final AtomicLong value, final long floor) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (value.get() <= floor && System.nanoTime() < deadlineNs)
        {
            TimeUnit.MILLISECONDS.sleep(1);
        }
        assertTrue(value.get() > floor, "stayed at " + value.get());
    }
}
