package io.ringmq.transport;

import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.codec.ConnectDecoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.netty.NettyServer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The start-up warm-up: its CONNECTs, its throwaway brokers' settings, and a run that leaves nothing behind. */
class StartUpWarmUpTest
{
    @TempDir
    Path dir;

    @Test
    void shouldSendCleanConnectsOfBothVersionsThatTheBrokersDecoderAccepts()
    {
        for (int n = 0; n < 16; n++)
        {
            final byte[] frame = StartUpWarmUp.connect(n);
            final ConnectPacket connect = ConnectDecoder.decode(new UnsafeBuffer(frame), 0, frame.length);
            assertEquals((n & 4) == 4 ? 5 : 4, connect.protocolVersion(), "connection " + n);
            assertEquals("ringmq-warm-up-" + n, connect.clientId());
            assertTrue(connect.cleanStart());
            assertFalse(connect.willFlag());
        }
    }

    @Test
    void shouldGiveTheThrowawayTheRealThreadingAndJournalButNoEndpointsOfItsOwn()
    {
        final BrokerConfig real = new BrokerConfig().eventLoops(3).waitStrategy("blocking").maxPacketSize(4096)
            .persistence("true").sync("batch").port(1883).bindAddress("0.0.0.0");
        final ServerConfig throwaway = StartUpWarmUp.throwawayConfig(real, dir.resolve("w"));
        final BrokerConfig broker = throwaway.broker();
        assertEquals(3, broker.eventLoops());
        assertEquals("blocking", broker.waitStrategy());
        assertEquals(4096, broker.maxPacketSize());
        assertTrue(broker.persistence());
        assertEquals("batch", broker.sync());
        assertEquals(dir.resolve("w").toString(), broker.dataDir());
        assertEquals(0, broker.port(), "an ephemeral port");
        assertEquals("127.0.0.1", broker.bindAddress());
        assertEquals(0, throwaway.httpPort());
        assertEquals(0, throwaway.warmUpConnections(), "no warm-up of its own");
        assertNull(throwaway.auth().passwordFile(), "no authentication");
        assertTrue(throwaway.auth().jwt().isEmpty() && throwaway.auth().httpHook().isEmpty());
        assertNull(throwaway.cluster(), "no cluster");
        assertTrue(throwaway.quiet(), "its start and stop are not the operator's concern");
    }

    @Test
    void shouldMakeEveryConnectionAndLeaveNoJournalBehind() throws Exception
    {
        final Path data = Files.createDirectories(dir.resolve("data"));
        // What a process killed during its warm-up left: removed first.
        Files.createDirectories(data.resolve(StartUpWarmUp.DATA_DIR).resolve("log"));
        Files.writeString(data.resolve(StartUpWarmUp.DATA_DIR).resolve("log").resolve("stale"), "x");
        final ServerConfig real = new ServerConfig(new BrokerConfig().dataDir(data.toString()));

        assertEquals(1_000, StartUpWarmUp.run(1_000, real));

        assertFalse(Files.exists(data.resolve(StartUpWarmUp.DATA_DIR)));
    }

    @Test
    void shouldRunOnTheRealBrokersEventLoopAndLeaveItRunning() throws Exception
    {
        final Path data = Files.createDirectories(dir.resolve("data"));
        final BrokerConfig settings = new BrokerConfig().dataDir(data.toString()).eventLoops(1);
        final ServerConfig real = new ServerConfig(settings);
        final NettyServer owner = new NettyServer(settings, List.of(new ListenerConfig().name("mqtt").port(0)
            .conclude("127.0.0.1")), RingBuffer.createMultiProducer(() -> new RingEvent(256), 8));
        try
        {
            final AtomicReference<Thread> loopThread = new AtomicReference<>();
            owner.routingExecutor().execute(() -> loopThread.set(Thread.currentThread()));
            owner.awaitQueuedTasks();
            final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            final long id = loopThread.get().getId();
            final long cpuBeforeNs = threads.getThreadCpuTime(id);

            assertEquals(200, StartUpWarmUp.run(200, real, owner.ioLoops()));

            // Each connection takes tens of microseconds of the loop that serves it; the owner's loop does nothing
            // else here, so it served them.
            final long usedNs = threads.getThreadCpuTime(id) - cpuBeforeNs;
            assertTrue(usedNs >= 200 * 20_000L, "the owner's loop used " + usedNs + " ns");
            final AtomicReference<Thread> after = new AtomicReference<>();
            owner.routingExecutor().execute(() -> after.set(Thread.currentThread()));
            owner.awaitQueuedTasks();
            assertSame(loopThread.get(), after.get(), "the loop goes on after the throwaways stopped");
            assertFalse(Files.exists(data.resolve(StartUpWarmUp.DATA_DIR)));
        }
        finally
        {
            owner.shutdown();
        }
    }

    @Test
    void shouldHoldAsManyConnectionsAsTheOpenFilesLimitLeavesRoomFor()
    {
        assertEquals(StartUpWarmUp.HOLD, StartUpWarmUp.holdFor(1_000_000));
        assertEquals(StartUpWarmUp.HOLD, StartUpWarmUp.holdFor(2L * StartUpWarmUp.HOLD + StartUpWarmUp.FILE_MARGIN));
        // Two sockets per connection beyond the margin, in whole batches: (5,000 - 1,024) / 2 = 1,988 -> 1,500.
        assertEquals(1_500, StartUpWarmUp.holdFor(5_000));
        assertEquals(StartUpWarmUp.BATCH, StartUpWarmUp.holdFor(1_500), "never below one batch");
        assertEquals(StartUpWarmUp.BATCH, StartUpWarmUp.holdFor(0), "a limit that cannot be read: one batch");
        final int here = StartUpWarmUp.holdLimit();
        assertTrue(here >= StartUpWarmUp.BATCH && here <= StartUpWarmUp.HOLD, "this process: " + here);
    }

    @Test
    void shouldReadTheSoftOpenFilesLimit()
    {
        final String header = "Limit                     Soft Limit           Hard Limit           Units     ";
        assertEquals(20_000, StartUpWarmUp.openFilesLimit(List.of(header,
            "Max cpu time              unlimited            unlimited            seconds   ",
            "Max open files            20000                1048576              files     ")));
        assertEquals(Long.MAX_VALUE, StartUpWarmUp.openFilesLimit(List.of(
            "Max open files            unlimited            unlimited            files     ")));
        assertEquals(0, StartUpWarmUp.openFilesLimit(List.of(header)), "no such line");
    }

    @Test
    void shouldDoNothingForZero()
    {
        final ServerConfig real = new ServerConfig(new BrokerConfig().dataDir(dir.resolve("none").toString()));
        assertEquals(0, StartUpWarmUp.run(0, real));
        assertFalse(Files.exists(dir.resolve("none")));
    }

    @Test
    void shouldTakeTheCountFromTheCommandLineWithADefaultThereOnly()
    {
        assertEquals(ServerConfig.DEFAULT_WARM_UP_CONNECTIONS, Main.parse(new String[0]).warmUpConnections());
        assertEquals(0, Main.parse(new String[] {"--warm-up-connections", "0"}).warmUpConnections());
        assertEquals(0, new ServerConfig(new BrokerConfig()).warmUpConnections(), "an embedded broker: none");
        assertThrows(IllegalArgumentException.class, () -> Main.parse(new String[] {"--warm-up-connections", "-1"}));
        assertThrows(IllegalArgumentException.class, () -> Main.parse(new String[] {"--warm-up-connections", "x"}));
    }
}
