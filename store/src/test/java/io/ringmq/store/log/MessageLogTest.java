package io.ringmq.store.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.ringmq.store.log.LogTests.SEGMENT_LENGTH;
import static io.ringmq.store.log.LogTests.append;
import static io.ringmq.store.log.LogTests.appendRandom;
import static io.ringmq.store.log.LogTests.assertReadable;
import static io.ringmq.store.log.LogTests.assertSameRecords;
import static io.ringmq.store.log.LogTests.open;
import static io.ringmq.store.log.LogTests.randomBody;
import static io.ringmq.store.log.LogTests.recoverAll;
import static io.ringmq.store.log.LogTests.segmentFiles;
import static io.ringmq.store.log.LogTests.writeLog;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class MessageLogTest
{
    @TempDir
    Path dir;

    @Test
    void shouldStartNewLogAtZeroWithFirstSegment() throws IOException
    {
        try (MessageLog log = open(dir))
        {
            assertEquals(0, log.position());
            assertEquals(0, log.startPosition());
            assertEquals(SEGMENT_LENGTH, log.segmentLength());
            assertEquals(SEGMENT_LENGTH, log.bytesOnDisk());
            assertFalse(log.isFull());
            assertArrayEquals(new String[]{ "00000000000000000000.log" }, segmentFiles(dir));
            assertEquals(SEGMENT_LENGTH, Files.size(dir.resolve("00000000000000000000.log")));
        }
    }

    @Test
    void shouldRejectSegmentLengthNotPowerOfTwo()
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> MessageLog.open(dir, 100_000, 0, 0));
        assertEquals("segmentLength must be a power of 2: 100000", ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MessageLog.open(dir, 32 * 1024, 0, 0));
    }

    @Test
    void shouldAppendAndReadRecordsOfManySizes() throws IOException
    {
        final Random random = new Random(1);
        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> appended = new ArrayList<>();
            for (int length = 0; length <= 64; length++)
            {
                appended.add(append(log, 1 + length, length, randomBody(random, length)));
            }
            appended.addAll(appendRandom(log, random, 300, 3000));
            appended.add(append(log, LogDescriptor.MAX_TYPE, 0xFFFF, randomBody(random, 20_000)));

            long expectedPosition = 0;
            for (final LogTests.Appended record : appended)
            {
                assertEquals(0, record.position() % LogDescriptor.ALIGNMENT);
                assertTrue(record.position() >= expectedPosition);
                expectedPosition = record.position() + LogDescriptor.alignedFrameLength(record.body().length);
            }
            assertEquals(expectedPosition, log.position());
            assertReadable(log, appended);
        }
    }

    @Test
    void shouldRollOverAcrossSegmentsWithPadding() throws IOException
    {
        final Random random = new Random(2);
        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> appended = appendRandom(log, random, 400, 2500);
            assertTrue(log.position() > 5L * SEGMENT_LENGTH, "position " + log.position());
            for (int i = 1; i < appended.size(); i++)
            {
                final long previousEnd = appended.get(i - 1).position() +
                    LogDescriptor.alignedFrameLength(appended.get(i - 1).body().length);
                final long position = appended.get(i).position();
                if (position != previousEnd)
                {
                    // Padded: the record starts the next segment because it did not fit.
                    assertEquals(0, position % SEGMENT_LENGTH, "record " + i);
                    assertEquals(position / SEGMENT_LENGTH, previousEnd / SEGMENT_LENGTH + 1, "record " + i);
                }
                assertEquals(position / SEGMENT_LENGTH,
                    (position + LogDescriptor.alignedFrameLength(appended.get(i).body().length) - 1) / SEGMENT_LENGTH,
                    "record " + i + " spans two segments");
            }
            assertReadable(log, appended);
            final LogRecord record = new LogRecord();
            assertFalse(log.read(SEGMENT_LENGTH - 8, record), "padding is not a record");
            assertTrue(segmentFiles(dir).length >= 6);
            assertEquals("00000000000000065536.log", segmentFiles(dir)[1]);
        }
    }

    @Test
    void shouldRecoverCommittedRecordsInOrderAfterReopen() throws IOException
    {
        final Random random = new Random(3);
        final List<LogTests.Appended> appended;
        final long end;
        try (MessageLog log = open(dir))
        {
            appended = appendRandom(log, random, 300, 1500);
            end = log.position();
        }
        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> found = new ArrayList<>();
            final RecoveryReport report = log.recover(0, (record) -> found.add(LogTests.copy(record)));
            assertSameRecords(appended, found);
            assertEquals(0, report.fromPosition());
            assertEquals(end, report.endPosition());
            assertEquals(appended.size(), report.records());
            assertEquals(0, report.truncatedBytes());
            assertEquals(0, report.segmentsDropped());
            assertTrue(report.nanos() > 0);
            assertEquals(end, log.position());
            assertReadable(log, appended);
            appended.addAll(appendRandom(log, random, 100, 1500));
        }
        try (MessageLog log = open(dir))
        {
            assertSameRecords(appended, recoverAll(log, 0));
        }
    }

    @Test
    void shouldRecoverFromCheckpointPosition() throws IOException
    {
        final Random random = new Random(4);
        final List<LogTests.Appended> appended = writeLog(dir, random, 200, 1500);
        try (MessageLog log = open(dir))
        {
            final int from = 120;
            assertSameRecords(appended.subList(from, appended.size()), recoverAll(log, appended.get(from).position()));
            assertReadable(log, appended);
        }
    }

    @Test
    void shouldLetRecoveryHandlerReadEarlierRecords() throws IOException
    {
        final Random random = new Random(12);
        final List<LogTests.Appended> appended = writeLog(dir, random, 200, 1500);
        try (MessageLog log = open(dir))
        {
            final LogRecord earlier = new LogRecord();
            final int[] index = { 0 };
            log.recover(appended.get(100).position(), (record) ->
            {
                final int i = 100 + index[0]++;
                assertEquals(appended.get(i).position(), record.position());
                // A snapshot refers to records written before it: they are readable, the current one and later
                // ones are not yet.
                assertTrue(log.read(appended.get(i - 100).position(), earlier));
                LogTests.assertSameRecord(appended.get(i - 100), LogTests.copy(earlier));
                assertTrue(log.read(appended.get(i - 1).position(), earlier));
                assertFalse(log.read(record.position(), earlier));
                if (i + 1 < appended.size())
                {
                    assertFalse(log.read(appended.get(i + 1).position(), earlier));
                }
            });
            assertEquals(100, index[0]);
            assertReadable(log, appended);
        }
    }

    @Test
    void shouldRecoverLogEndingExactlyAtSegmentEnd() throws IOException
    {
        final Random random = new Random(5);
        final List<LogTests.Appended> appended = new ArrayList<>();
        try (MessageLog log = open(dir))
        {
            // 8 bytes short of the segment end: too few for a padding header, the next record starts segment 1.
            appended.add(append(log, 1, 0, randomBody(random, SEGMENT_LENGTH - 24)));
            assertEquals(SEGMENT_LENGTH - 8, log.position());
            appended.add(append(log, 2, 0, randomBody(random, 100)));
            assertEquals(SEGMENT_LENGTH, appended.get(1).position());
            // Exactly to the end of segment 1.
            appended.add(append(log, 3, 0, randomBody(random, SEGMENT_LENGTH - 16 - 120)));
            assertEquals(2L * SEGMENT_LENGTH, log.position());
            assertReadable(log, appended);
        }
        try (MessageLog log = open(dir))
        {
            assertSameRecords(appended, recoverAll(log, 0));
            assertEquals(2L * SEGMENT_LENGTH, log.position());
            appended.add(append(log, 4, 0, randomBody(random, 10)));
            assertEquals(2L * SEGMENT_LENGTH, appended.get(3).position());
        }
        try (MessageLog log = open(dir))
        {
            assertSameRecords(appended, recoverAll(log, 0));
        }
    }

    @Test
    void shouldDeleteLaterSegmentsWhenLogEndsEarlierButCountOnlyThoseHoldingBytes() throws IOException
    {
        final Random random = new Random(6);
        final List<LogTests.Appended> appended = writeLog(dir, random, 10, 500);
        // Later segments left by a crash: one zero-filled (pre-allocated), one holding bytes.
        Files.write(dir.resolve(Segment.fileName(SEGMENT_LENGTH)), new byte[SEGMENT_LENGTH]);
        final byte[] junk = randomBody(random, SEGMENT_LENGTH);
        Files.write(dir.resolve(Segment.fileName(2L * SEGMENT_LENGTH)), junk);
        try (MessageLog log = open(dir))
        {
            assertEquals(3L * SEGMENT_LENGTH, log.bytesOnDisk());
            final List<LogTests.Appended> found = new ArrayList<>();
            final RecoveryReport report = log.recover(0, (record) -> found.add(LogTests.copy(record)));
            assertSameRecords(appended, found);
            assertEquals(1, report.segmentsDropped(), "only the segment holding bytes counts as dropped");
            // The junk is cut: from the end of the log through the zeros of segment 1 to the junk's last word.
            final LogTests.Appended last = appended.get(appended.size() - 1);
            final long end = last.position() + LogDescriptor.alignedFrameLength(last.body().length);
            final long junkEnd = LogTests.writtenEnd(junk, 0, List.of());
            assertEquals(end, report.endPosition());
            assertEquals(2L * SEGMENT_LENGTH + junkEnd - end, report.truncatedBytes());
            assertEquals(0, report.truncatedRecords());
            final byte[] cut = new byte[(int)report.truncatedBytes()];
            System.arraycopy(junk, 0, cut, (int)(2L * SEGMENT_LENGTH - end), (int)junkEnd);
            LogTests.assertQuarantined(report, cut);
            assertArrayEquals(new String[]{ "00000000000000000000.log" }, segmentFiles(dir));
            assertEquals(SEGMENT_LENGTH, log.bytesOnDisk());
        }
    }

    @Test
    void shouldDeleteSegmentsBeforePosition() throws IOException
    {
        final Random random = new Random(8);
        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> appended = appendRandom(log, random, 400, 1500);
            assertTrue(log.position() > 3L * SEGMENT_LENGTH);
            final long bytesBefore = log.bytesOnDisk();
            final LogTests.Appended inSegment2 = appended.stream()
                .filter((a) -> a.position() > 2L * SEGMENT_LENGTH + 1000).findFirst().orElseThrow();

            assertEquals(2, log.deleteBefore(inSegment2.position()));
            assertEquals(2L * SEGMENT_LENGTH, log.startPosition());
            assertEquals(bytesBefore - 2L * SEGMENT_LENGTH, log.bytesOnDisk());
            assertFalse(Files.exists(dir.resolve(Segment.fileName(0))));
            assertFalse(Files.exists(dir.resolve(Segment.fileName(SEGMENT_LENGTH))));
            final LogRecord record = new LogRecord();
            for (final LogTests.Appended a : appended)
            {
                assertEquals(a.position() >= 2L * SEGMENT_LENGTH, log.read(a.position(), record), "" + a.position());
            }
            assertEquals(0, log.deleteBefore(inSegment2.position()));

            final long current = log.position() & -SEGMENT_LENGTH;
            log.deleteBefore(Long.MAX_VALUE);
            assertEquals(current, log.startPosition(), "the current segment is never deleted");
            assertTrue(Files.exists(dir.resolve(Segment.fileName(current))));
            append(log, 1, 0, randomBody(random, 10));
        }
        try (MessageLog log = open(dir))
        {
            assertEquals(log.startPosition(), recoverAll(log, 0).get(0).position() & -SEGMENT_LENGTH);
        }
    }

    @Test
    void shouldBecomeFullAtMaxBytesAndRecoverAfterDeleteAndRetry() throws IOException
    {
        final int reserve = 4096;
        final byte[] body = new byte[1000];
        final int frame = LogDescriptor.alignedFrameLength(body.length);
        try (MessageLog log = MessageLog.open(dir, SEGMENT_LENGTH, 2L * SEGMENT_LENGTH, reserve))
        {
            final List<LogTests.Appended> appended = new ArrayList<>();
            while (true)
            {
                final long position = log.tryClaim(1, 0, body.length);
                if (MessageLog.FULL == position)
                {
                    break;
                }
                log.buffer().putBytes(log.bodyOffset(), body);
                log.commit();
                appended.add(new LogTests.Appended(position, 1, 0, body));
            }
            assertTrue(log.isFull());
            assertEquals(2L * SEGMENT_LENGTH, log.bytesOnDisk());
            final long tail = log.position() - SEGMENT_LENGTH;
            assertTrue(tail > SEGMENT_LENGTH - reserve - frame && tail <= SEGMENT_LENGTH - reserve, "tail " + tail);

            int reserved = 0;
            while (true)
            {
                assertEquals(MessageLog.FULL, log.tryClaim(2, 0, body.length), "normal claims stay refused");
                final long position = log.tryClaimReserved(2, 0, body.length);
                if (MessageLog.FULL == position)
                {
                    break;
                }
                log.commit();
                appended.add(new LogTests.Appended(position, 2, 0, body));
                reserved++;
            }
            assertEquals((SEGMENT_LENGTH - tail) / frame, reserved);
            assertTrue(reserved >= reserve / frame);
            log.retryAllocation();
            assertTrue(log.isFull(), "still over maxBytes");

            assertEquals(1, log.deleteBefore(log.position()));
            LogTests.await(() ->
            {
                log.retryAllocation();
                return !log.isFull();
            }, 10_000);
            final LogTests.Appended next = append(log, 3, 0, body);
            assertEquals(2L * SEGMENT_LENGTH, next.position());
            assertReadable(log, appended.subList(appended.size() - reserved - 10, appended.size()));
        }
    }

    @Test
    void shouldBecomeFullWhenNextSegmentCannotBeCreated() throws IOException
    {
        final int reserve = 2048;
        final byte[] body = new byte[500];
        try (MessageLog log = MessageLog.open(dir, SEGMENT_LENGTH, 0, reserve))
        {
            // A non-empty folder where the next segment's temporary file should go: creating it fails with an
            // IOException, as ENOSPC would.
            final Path blocker = dir.resolve("00000000000000065536.log.tmp");
            Files.createDirectories(blocker.resolve("occupied"));
            long position;
            while ((position = log.tryClaim(1, 0, body.length)) >= 0)
            {
                log.commit();
            }
            assertEquals(MessageLog.FULL, position);
            assertTrue(log.isFull());
            assertEquals(SEGMENT_LENGTH, log.bytesOnDisk());
            assertTrue(log.position() <= SEGMENT_LENGTH - reserve, "reserve kept: " + log.position());
            assertTrue(log.tryClaimReserved(2, 0, body.length) >= 0);
            log.commit();

            log.retryAllocation();
            // Needs the next segment: waits for the retry, which fails again.
            assertEquals(MessageLog.FULL, log.tryClaimReserved(2, 0, SEGMENT_LENGTH - LogDescriptor.HEADER_LENGTH));
            assertTrue(log.isFull(), "still failing");

            Files.delete(blocker.resolve("occupied"));
            Files.deleteIfExists(blocker);
            LogTests.await(() ->
            {
                log.retryAllocation();
                return !log.isFull();
            }, 10_000);
            // Not full any more: the reserve is free for normal records again, then the log rolls over.
            long next;
            while ((next = append(log, 3, 0, body).position()) < SEGMENT_LENGTH)
            {
                assertTrue(next > SEGMENT_LENGTH - reserve - body.length);
            }
            assertEquals(SEGMENT_LENGTH, next);
            assertEquals(2L * SEGMENT_LENGTH, log.bytesOnDisk());
        }
    }

    @Test
    void shouldRefuseToOpenInconsistentSegments() throws IOException
    {
        try (MessageLog log = open(dir))
        {
            append(log, 1, 0, new byte[10]);
        }
        final Path gap = dir.resolve(Segment.fileName(2L * SEGMENT_LENGTH));
        Files.write(gap, new byte[SEGMENT_LENGTH]);
        assertThrows(IOException.class, () -> open(dir));
        Files.delete(gap);
        final Path shortFile = dir.resolve(Segment.fileName(SEGMENT_LENGTH));
        Files.write(shortFile, new byte[100]);
        assertThrows(IOException.class, () -> open(dir));
        Files.delete(shortFile);
        try (MessageLog log = open(dir))
        {
            assertEquals(1, recoverAll(log, 0).size());
        }
    }

    @Test
    void shouldRefuseTooLargeRecord() throws IOException
    {
        final Random random = new Random(9);
        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> appended = new ArrayList<>();
            appended.add(append(log, 1, 0, randomBody(random, 10)));
            assertEquals(MessageLog.TOO_LARGE, log.tryClaim(1, 0, SEGMENT_LENGTH - LogDescriptor.HEADER_LENGTH + 1));
            assertEquals(MessageLog.TOO_LARGE, log.tryClaimReserved(1, 0, Integer.MAX_VALUE));
            appended.add(append(log, 2, 0, randomBody(random, SEGMENT_LENGTH - LogDescriptor.HEADER_LENGTH)));
            assertEquals(SEGMENT_LENGTH, appended.get(1).position());
            assertEquals(2L * SEGMENT_LENGTH, log.position());
            assertReadable(log, appended);
            assertThrows(IllegalArgumentException.class, () -> log.tryClaim(0, 0, 10));
        }
    }

    @Test
    void shouldAdvanceForcedPosition() throws Exception
    {
        final Random random = new Random(10);
        try (MessageLog log = open(dir))
        {
            assertEquals(0, log.forcedPosition());
            appendRandom(log, random, 100, 2000);
            final long position = log.position();
            final Thread journaller = new Thread(() -> log.force(position));
            journaller.start();
            journaller.join();
            assertEquals(position, log.forcedPosition());
            log.force(position - 8);
            assertEquals(position, log.forcedPosition());
        }
    }

    @Test
    void shouldDeleteLeftoverTempFilesAtOpen() throws IOException
    {
        try (MessageLog log = open(dir))
        {
            append(log, 1, 0, new byte[10]);
        }
        final Path temp = dir.resolve("00000000000000065536.log.tmp");
        Files.write(temp, new byte[100]);
        try (MessageLog log = open(dir))
        {
            assertFalse(Files.exists(temp));
            assertEquals(1, recoverAll(log, 0).size());
        }
    }

    @Test
    void shouldRequireRecoverBeforeAppendingToExistingLog() throws IOException
    {
        try (MessageLog log = open(dir))
        {
            append(log, 1, 0, new byte[10]);
        }
        try (MessageLog log = open(dir))
        {
            assertThrows(IllegalStateException.class, () -> log.tryClaim(1, 0, 10));
            assertEquals(1, recoverAll(log, 0).size());
            assertThrows(IllegalStateException.class, () -> log.recover(0, (record) -> record.type()));
        }
    }

    @Test
    void shouldCloseIdempotently() throws IOException
    {
        final MessageLog log = open(dir);
        appendRandom(log, new Random(11), 50, 1000);
        log.close();
        log.close();
        assertFalse(log.read(0, new LogRecord()));
        assertThrows(IllegalStateException.class, () -> log.tryClaim(1, 0, 10));
        assertTrue(Thread.getAllStackTraces().keySet().stream()
            .noneMatch((t) -> SegmentAllocator.THREAD_NAME.equals(t.getName()) && t.isAlive()));
    }
}
