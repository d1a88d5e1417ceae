package io.ringmq.core.journal;

import com.lmax.disruptor.RingBuffer;
import io.ringmq.core.ring.RingEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The journaller's error boundary: a failed force reaches the fatal handler, never ends the thread in silence. */
@Timeout(30)
class JournallerTest
{
    @TempDir
    Path dir;

    @Test
    void shouldReportAFailedForceAsFatal() throws IOException, InterruptedException
    {
        final UncheckedIOException injected = new UncheckedIOException(new IOException("injected msync failure"));
        final AtomicReference<String> stage = new AtomicReference<>();
        final AtomicReference<Throwable> cause = new AtomicReference<>();
        final CountDownLatch reported = new CountDownLatch(1);
        try (Journal journal = Journal.open(dir, 1 << 20, 0, Journal.SYNC_BATCH))
        {
            final RingBuffer<RingEvent> ring = RingBuffer.createMultiProducer(RingEvent::new, 64);
            final Journaller journaller = new Journaller(journal, ring, 1000, (s, c) ->
            {
                stage.set(s);
                cause.set(c);
                reported.countDown();
            }, position ->
            {
                throw injected;
            });
            journaller.start();
            assertTrue(journal.appendSession(1, 60, "client") >= 0);
            journal.publishAppended();

            assertTrue(reported.await(10, TimeUnit.SECONDS), "the failure reaches the fatal handler");
            assertEquals("journaller", stage.get());
            assertSame(injected, cause.get());
            journaller.close();
            assertEquals(-1, ring.getCursor(), "nothing is reported as synced after a failed force");
        }
    }
}
