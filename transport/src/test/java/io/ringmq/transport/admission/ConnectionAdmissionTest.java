package io.ringmq.transport.admission;

import io.ringmq.transport.config.ListenerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.ringmq.transport.admission.ConnectionAdmission.ACCEPTED;
import static io.ringmq.transport.admission.ConnectionAdmission.ADDRESS_RATE;
import static io.ringmq.transport.admission.ConnectionAdmission.HANDSHAKE_TIMEOUT;
import static io.ringmq.transport.admission.ConnectionAdmission.LISTENER_FULL;
import static io.ringmq.transport.admission.ConnectionAdmission.PROXY_HEADER;
import static io.ringmq.transport.admission.ConnectionAdmission.RATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ConnectionAdmissionTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long START = 42L;

    private static ConnectionAdmission admission(final int maxConnections, final double rate, final int burst,
        final double ratePerAddress, final int burstPerAddress)
    {
        return new ConnectionAdmission("test", maxConnections, rate, burst, ratePerAddress, burstPerAddress,
            ConnectionAdmission.DEFAULT_MAX_ADDRESSES, START);
    }

    private static InetAddress ipv4(final int address)
    {
        try
        {
            return InetAddress.getByAddress(new byte[] {
                (byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8), (byte)address});
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static InetAddress ipv6(final long low)
    {
        final byte[] bytes = new byte[16];
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0D;
        bytes[3] = (byte)0xB8;
        for (int i = 0; i < 8; i++)
        {
            bytes[15 - i] = (byte)(low >>> (8 * i));
        }
        try
        {
            return InetAddress.getByAddress(bytes);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void shouldRefuseOverMaxConnectionsUntilOneIsReleased()
    {
        final ConnectionAdmission admission = admission(3, 0, 0, 0, 0);
        for (int i = 0; i < 3; i++)
        {
            assertEquals(ACCEPTED, admission.tryAccept(null, START));
        }
        assertEquals(LISTENER_FULL, admission.tryAccept(null, START));
        assertEquals(3, admission.connections());

        admission.release();
        assertEquals(ACCEPTED, admission.tryAccept(null, START));
        assertEquals(1, admission.refused(LISTENER_FULL));
        assertEquals(1, admission.refusedTotal());
    }

    @Test
    void shouldCountConnectionsWithoutLimit()
    {
        final ConnectionAdmission admission = admission(0, 0, 0, 0, 0);
        for (int i = 0; i < 1000; i++)
        {
            assertEquals(ACCEPTED, admission.tryAccept(null, START));
        }
        assertEquals(1000, admission.connections());
        assertEquals(ACCEPTED, admission.tryAcceptAddress(ipv4(1), START), "no per-address rate configured");
        assertEquals(0, admission.trackedAddresses());
    }

    @Test
    void shouldRefuseOverListenerRateAndRefillWithTime()
    {
        final ConnectionAdmission admission = admission(0, 100, 10, 0, 0);
        for (int i = 0; i < 10; i++)
        {
            assertEquals(ACCEPTED, admission.tryAccept(null, START));
        }
        assertEquals(RATE, admission.tryAccept(new InetSocketAddress("192.0.2.1", 1), START));
        assertEquals(10, admission.connections(), "a refusal gives its place back");

        final long later = START + SECOND / 10;
        int accepted = 0;
        while (ACCEPTED == admission.tryAccept(null, later))
        {
            accepted++;
        }
        assertEquals(10, accepted, "100 ms at 100/s");
        assertEquals(2, admission.refused(RATE));
    }

    @Test
    void shouldCheckMaxConnectionsBeforeTakingRateToken()
    {
        final ConnectionAdmission admission = admission(1, 1, 2, 0, 0);
        assertEquals(ACCEPTED, admission.tryAccept(null, START));
        assertEquals(LISTENER_FULL, admission.tryAccept(null, START));
        admission.release();
        assertEquals(ACCEPTED, admission.tryAccept(null, START), "the full listener's refusal took no token");
    }

    @Test
    void shouldKeepAddressesIndependent()
    {
        final ConnectionAdmission admission = admission(0, 0, 0, 1, 2);
        final InetAddress a = ipv4(0xC0000201);
        final InetAddress b = ipv4(0xC0000202);
        final InetAddress c = ipv6(1);

        assertEquals(ACCEPTED, admission.tryAcceptAddress(a, START));
        assertEquals(ACCEPTED, admission.tryAcceptAddress(a, START));
        assertEquals(ADDRESS_RATE, admission.tryAcceptAddress(a, START));

        assertEquals(ACCEPTED, admission.tryAcceptAddress(b, START));
        assertEquals(ACCEPTED, admission.tryAcceptAddress(b, START));
        assertEquals(ACCEPTED, admission.tryAcceptAddress(c, START));
        assertEquals(ACCEPTED, admission.tryAcceptAddress(c, START));
        assertEquals(ADDRESS_RATE, admission.tryAcceptAddress(c, START));

        assertEquals(ACCEPTED, admission.tryAcceptAddress(a, START + SECOND), "one a second");
        assertEquals(ADDRESS_RATE, admission.tryAcceptAddress(a, START + SECOND));
        assertEquals(3, admission.refused(ADDRESS_RATE));
        assertEquals(3, admission.trackedAddresses());
    }

    @Test
    void shouldTreatIpv4MappedIpv6AsIpv4() throws UnknownHostException
    {
        final ConnectionAdmission admission = admission(0, 0, 0, 1, 1);
        assertEquals(ACCEPTED, admission.tryAcceptAddress(InetAddress.getByName("192.0.2.9"), START));
        assertEquals(ADDRESS_RATE, admission.tryAcceptAddress(InetAddress.getByName("::ffff:192.0.2.9"), START));
    }

    @Test
    void shouldStayBoundedUnder200000DistinctAddresses()
    {
        final ConnectionAdmission admission = new ConnectionAdmission("test", 0, 0, 0, 1, 1, 65_536, START);
        final int capacity = admission.maxTrackedAddresses();
        assertEquals(65_536, capacity);

        long nowNs = START;
        for (int i = 0; i < 200_000; i++)
        {
            final InetAddress address = (i & 1) == 0 ? ipv4(0x0A000000 + i) : ipv6(i);
            assertEquals(ACCEPTED, admission.tryAcceptAddress(address, nowNs), "a new address has a full bucket");
            nowNs += 1_000;
        }
        assertTrue(admission.trackedAddresses() <= capacity, "tracked " + admission.trackedAddresses());
        assertTrue(admission.trackedAddresses() > capacity / 2, "tracked " + admission.trackedAddresses());

        // A second flood after the buckets refilled replaces full buckets only.
        final long evictions = admission.addressEvictions();
        nowNs += 10 * SECOND;
        for (int i = 200_000; i < 400_000; i++)
        {
            assertEquals(ACCEPTED, admission.tryAcceptAddress(ipv4(0x0A000000 + i), nowNs));
            nowNs += 1;
        }
        assertTrue(admission.trackedAddresses() <= capacity);
        assertTrue(admission.addressEvictions() >= evictions);
    }

    @Test
    void shouldStillLimitRecentAddressDuringFloodOfOthers()
    {
        final ConnectionAdmission admission = new ConnectionAdmission("test", 0, 0, 0, 1, 1, 65_536, START);
        final InetAddress heavy = ipv4(0xC6336401);
        assertEquals(ACCEPTED, admission.tryAcceptAddress(heavy, START));
        for (int i = 0; i < 1000; i++)
        {
            admission.tryAcceptAddress(ipv4(0x0B000000 + i), START);
        }
        assertEquals(ADDRESS_RATE, admission.tryAcceptAddress(heavy, START), "a few others do not evict it");
    }

    @Test
    void shouldNeverAcceptMoreThanMaxConnectionsFromSeveralThreads() throws InterruptedException
    {
        final int maxConnections = 100;
        final ConnectionAdmission admission = admission(maxConnections, 0, 0, 0, 0);
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger mostOpen = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final int threads = 4;
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final Thread worker = new Thread(() ->
            {
                try
                {
                    start.await();
                    for (int i = 0; i < 50_000; i++)
                    {
                        if (ACCEPTED == admission.tryAccept(null, System.nanoTime()))
                        {
                            final int nowOpen = open.incrementAndGet();
                            mostOpen.accumulateAndGet(nowOpen, Math::max);
                            if ((i & 3) != 0)
                            {
                                open.decrementAndGet();
                                admission.release();
                            }
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join(20_000);
        }
        assertNull(failure.get());
        assertTrue(mostOpen.get() <= maxConnections, "most open " + mostOpen.get());
        assertEquals(open.get(), admission.connections());
        assertEquals(maxConnections, admission.connections(), "the connections kept open fill the listener");
        assertTrue(admission.refused(LISTENER_FULL) > 0);
    }

    @Test
    void shouldTakeExactlyBurstFromSeveralThreads() throws InterruptedException
    {
        final ConnectionAdmission admission = admission(0, 1, 1000, 1, 500);
        final InetAddress address = ipv4(0xC0000263);
        assertEquals(ACCEPTED, admission.tryAcceptAddress(address, START), "the bucket exists before the race");
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger addressAccepted = new AtomicInteger(1);
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            final Thread worker = new Thread(() ->
            {
                try
                {
                    start.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < 2000; i++)
                {
                    if (ACCEPTED == admission.tryAccept(null, START))
                    {
                        accepted.incrementAndGet();
                    }
                    if (ACCEPTED == admission.tryAcceptAddress(address, START))
                    {
                        addressAccepted.incrementAndGet();
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join(20_000);
        }
        assertEquals(1000, accepted.get(), "burst of the listener's rate");
        assertEquals(500, addressAccepted.get(), "burst of the address's rate");
    }

    @Test
    void shouldCountRefusalsReportedByOthers()
    {
        final ConnectionAdmission admission = admission(0, 0, 0, 0, 0);
        admission.onProxyHeaderRefused(new InetSocketAddress("192.0.2.1", 1), "no PROXY header", START);
        admission.onRefused(HANDSHAKE_TIMEOUT, new InetSocketAddress("192.0.2.2", 2), START);
        admission.onRefused(HANDSHAKE_TIMEOUT, null, START + 1);
        admission.reportDue(START + 20 * SECOND);

        assertEquals(1, admission.refused(PROXY_HEADER));
        assertEquals(2, admission.refused(HANDSHAKE_TIMEOUT));
        assertEquals(3, admission.refusedTotal());
        assertThrows(IllegalArgumentException.class, () -> admission.onRefused(ACCEPTED, null, START));
        assertThrows(IllegalArgumentException.class, () -> admission.refused(ConnectionAdmission.REASONS));
        assertEquals("address-rate", ConnectionAdmission.reasonName(ADDRESS_RATE));
    }

    @Test
    void shouldTakeSettingsFromListenerConfig()
    {
        final ListenerConfig config = new ListenerConfig().name("edge").maxConnections(2).connectRate(5, 0)
            .connectRatePerAddress(0.5, 0).conclude("127.0.0.1");
        final ConnectionAdmission admission = new ConnectionAdmission(config);
        final long nowNs = System.nanoTime();

        assertEquals(ACCEPTED, admission.tryAccept(null, nowNs));
        assertEquals(ACCEPTED, admission.tryAccept(null, nowNs));
        assertEquals(LISTENER_FULL, admission.tryAccept(null, nowNs));
        final InetAddress address = ipv4(0xC0000207);
        assertEquals(ACCEPTED, admission.tryAcceptAddress(address, nowNs));
        assertEquals(ADDRESS_RATE, admission.tryAcceptAddress(address, nowNs), "burst of one second's worth: 1");
    }
}
