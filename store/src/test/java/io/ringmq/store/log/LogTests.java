package io.ringmq.store.log;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers shared by the store tests. */
final class LogTests
{
    static final int SEGMENT_LENGTH = 64 * 1024;

    private LogTests()
    {
    }

    /** One appended record, as the test expects to read it back. */
    record Appended(long position, int type, int flags, byte[] body)
    {
    }

    static MessageLog open(final Path dir) throws IOException
    {
        return MessageLog.open(dir, SEGMENT_LENGTH, 0, 0);
    }

    static byte[] randomBody(final Random random, final int length)
    {
        final byte[] body = new byte[length];
        random.nextBytes(body);
        return body;
    }

    static Appended append(final MessageLog log, final int type, final int flags, final byte[] body)
    {
        final long position = log.tryClaim(type, flags, body.length);
        assertTrue(position >= 0, "claim failed: " + position);
        log.buffer().putBytes(log.bodyOffset(), body);
        log.commit();
        return new Appended(position, type, flags, body);
    }

    static List<Appended> appendRandom(final MessageLog log, final Random random, final int count,
        final int maxBodyLength)
    {
        final List<Appended> appended = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            appended.add(append(log, 1 + random.nextInt(LogDescriptor.MAX_TYPE), random.nextInt(0x10000),
                randomBody(random, random.nextInt(maxBodyLength + 1))));
        }
        return appended;
    }

    /** Create or extend the log in {@code dir} with random records and close it. */
    static List<Appended> writeLog(final Path dir, final Random random, final int count, final int maxBodyLength)
        throws IOException
    {
        try (MessageLog log = open(dir))
        {
            return appendRandom(log, random, count, maxBodyLength);
        }
    }

    static Appended copy(final LogRecord record)
    {
        final byte[] body = new byte[record.bodyLength()];
        record.buffer().getBytes(record.bodyOffset(), body);
        return new Appended(record.position(), record.type(), record.flags(), body);
    }

    static List<Appended> recoverAll(final MessageLog log, final long from)
    {
        final List<Appended> found = new ArrayList<>();
        log.recover(from, (record) -> found.add(copy(record)));
        return found;
    }

    static void assertSameRecords(final List<Appended> expected, final List<Appended> actual)
    {
        assertEquals(expected.size(), actual.size(), "record count");
        for (int i = 0; i < expected.size(); i++)
        {
            assertSameRecord(expected.get(i), actual.get(i));
        }
    }

    static void assertSameRecord(final Appended expected, final Appended actual)
    {
        assertEquals(expected.position(), actual.position(), "position");
        assertEquals(expected.type(), actual.type(), "type at " + expected.position());
        assertEquals(expected.flags(), actual.flags(), "flags at " + expected.position());
        assertArrayEquals(expected.body(), actual.body(), "body at " + expected.position());
    }

    static void assertReadable(final MessageLog log, final List<Appended> expected)
    {
        final LogRecord record = new LogRecord();
        for (final Appended appended : expected)
        {
            assertTrue(log.read(appended.position(), record), "read " + appended.position());
            assertSameRecord(appended, copy(record));
            assertEquals(appended.position() + LogDescriptor.alignedFrameLength(appended.body().length),
                record.nextPosition());
        }
    }

    static String[] segmentFiles(final Path dir) throws IOException
    {
        try (var files = Files.list(dir))
        {
            final String[] names = files.map((p) -> String.valueOf(p.getFileName())).sorted().toArray(String[]::new);
            return Arrays.stream(names).filter((n) -> n.endsWith(".log")).toArray(String[]::new);
        }
    }

    /**
     * Where the written data of a one-segment log ends after {@code end}: past the last non-zero 8-byte word, or
     * past the last of {@code following} (valid records after damage), whichever is later.
     */
    static long writtenEnd(final byte[] segment, final long end, final List<Appended> following)
    {
        long writtenEnd = end;
        for (int i = segment.length - 1; i >= end; i--)
        {
            if (0 != segment[i])
            {
                writtenEnd = (i + LogDescriptor.ALIGNMENT) & -LogDescriptor.ALIGNMENT;
                break;
            }
        }
        for (final Appended appended : following)
        {
            writtenEnd = Math.max(writtenEnd,
                appended.position() + LogDescriptor.alignedFrameLength(appended.body().length));
        }
        return writtenEnd;
    }

    /**
     * The report names a quarantine file, named after the cut position, that holds exactly {@code cut}; or none
     * when {@code cut} is empty.
     */
    static void assertQuarantined(final RecoveryReport report, final byte[] cut) throws IOException
    {
        final Path file = report.quarantineFile();
        if (0 == cut.length)
        {
            assertNull(file, "nothing cut, nothing quarantined");
            return;
        }
        assertNotNull(file, "quarantine file");
        assertEquals(MessageLog.QUARANTINE_FOLDER, String.valueOf(file.getParent().getFileName()));
        assertTrue(String.valueOf(file.getFileName()).startsWith(
            Segment.fileName(report.endPosition()).substring(0, Segment.NAME_DIGITS) + "-"), file.toString());
        assertArrayEquals(cut, Files.readAllBytes(file), "quarantined bytes");
    }

    static void await(final BooleanSupplier condition, final long timeoutMs)
    {
        final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail("condition not met within " + timeoutMs + " ms");
            }
            Thread.onSpinWait();
        }
    }

    @SuppressForbidden(reason = "com.sun.management.ThreadMXBean gives per-thread allocated bytes; HotSpot-only test")
    static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean())
            .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
