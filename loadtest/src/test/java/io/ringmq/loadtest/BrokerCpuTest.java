package io.ringmq.loadtest;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker CPU sampler read against this test's own process: a thread that wakes and spins shows up by name. */
class BrokerCpuTest
{
    @Test
    void shouldReportAThreadThatWokeAndSpunDuringTheWindow() throws InterruptedException
    {
        final CountDownLatch go = new CountDownLatch(1);
        final CountDownLatch worked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Thread worker = new Thread(() ->
        {
            try
            {
                go.await();
                for (int i = 0; i < 100; i++)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (System.nanoTime() < end)
                {
                    Thread.onSpinWait();
                }
                worked.countDown();
                release.await();    // alive until the window closed: a thread gone by then is not measured
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "cpu-test-both");
        worker.start();
        final BrokerCpu cpu = new BrokerCpu(ProcessHandle.current().pid());
        cpu.start();
        go.countDown();
        assertTrue(worked.await(10, TimeUnit.SECONDS));
        cpu.stop();
        release.countDown();
        worker.join(5_000);

        final BrokerCpu.ThreadUse use = cpu.threads().get("cpu-test-both");
        assertNotNull(use, "the thread is reported by name: " + cpu.threads().keySet());
        assertTrue(use.wakeupsPerSecond() > 0, "it slept and woke 100 times");
        assertTrue(use.cpuPercent() > 0, "it spun for 200 ms");
        assertTrue(cpu.cpuPercent() >= use.cpuPercent() * 0.5, "the process includes the thread");
        assertTrue(cpu.wakeupsPerSecond() >= use.wakeupsPerSecond());
        assertNotNull(cpu.mostWakeful());
    }

    @Test
    void shouldMeasureNothingWithoutAProcess()
    {
        final BrokerCpu cpu = new BrokerCpu(-1);
        cpu.start();
        cpu.stop();
        assertEquals(-1, cpu.cpuPercent());
        assertEquals(-1, cpu.wakeupsPerSecond());
        assertTrue(cpu.threads().isEmpty());
    }
}
