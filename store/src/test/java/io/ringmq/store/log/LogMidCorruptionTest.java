package io.ringmq.store.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.ringmq.store.log.LogTests.SEGMENT_LENGTH;
import static io.ringmq.store.log.LogTests.append;
import static io.ringmq.store.log.LogTests.assertQuarantined;
import static io.ringmq.store.log.LogTests.assertSameRecords;
import static io.ringmq.store.log.LogTests.open;
import static io.ringmq.store.log.LogTests.randomBody;
import static io.ringmq.store.log.LogTests.recoverAll;
import static io.ringmq.store.log.LogTests.segmentFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damage in the middle of the log, with valid records after it: recovery refuses to cut them unless allowed, and
 * every cut, allowed or a plain torn tail, first copies exactly the bytes it removes to a quarantine file and reports
 * exactly how many valid records and bytes it removed. Expected values are computed from the records the test wrote
 * and the bytes it damaged, never taken from the log under test.
 */
@Timeout(30)
class LogMidCorruptionTest
{
    private static final int GARBAGE_LENGTH = 64;

    @TempDir
    Path dir;

    private final Random random = new Random(11);

    @Test
    void shouldCutTornTailWithoutRefusal() throws IOException
    {
        final List<LogTests.Appended> appended = writeUntil(SEGMENT_LENGTH / 2);
        final long end = endOf(appended.get(appended.size() - 1));
        // A record cut short by a crash: a length is there, what follows does not verify, nothing valid after it.
        final byte[] before = logBytes();
        garbageAt(end);
        final byte[] damaged = logBytes();

        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> found = new ArrayList<>();
            final RecoveryReport report = log.recover(0, (record) -> found.add(LogTests.copy(record)));
            assertSameRecords(appended, found);
            assertEquals(end, report.endPosition());
            assertEquals(0, report.truncatedRecords());
            // The garbage is all non-zero and starts on a record boundary: exactly its bytes are cut.
            assertEquals(GARBAGE_LENGTH, report.truncatedBytes());
            assertQuarantined(report, Arrays.copyOfRange(damaged, (int)end, (int)end + GARBAGE_LENGTH));
            assertEquals(end, log.position());
        }
        assertArrayEquals(before, logBytes(), "the cut restored the zeros after the log");
    }

    @Test
    void shouldRefuseWhenGarbageMidSegmentIsFollowedByValidRecords() throws IOException
    {
        final List<LogTests.Appended> appended = writeUntil(SEGMENT_LENGTH - 512);
        final int garbageAt = (int)appended.get(appended.size() / 3).position() + 13;
        final byte[] original = logBytes();
        garbageAt(garbageAt);
        final byte[] damaged = logBytes();
        final Damage damage = Damage.of(appended, original, damaged);
        assertTrue(damage.following().size() > 500, "many records follow: " + damage.following().size());

        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> found = new ArrayList<>();
            final LogCorruptedException ex = assertThrows(LogCorruptedException.class,
                () -> log.recover(0, (record) -> found.add(LogTests.copy(record))));
            assertEquals(damage.position(), ex.damagePosition());
            assertEquals(damage.following().size(), ex.followingRecords());
            assertEquals(damage.writtenEnd() - damage.position(), ex.cutBytes());
            assertTrue(ex.getMessage().contains("position " + damage.position()), ex.getMessage());
            assertTrue(ex.getMessage().contains(damage.following().size() + " valid records"), ex.getMessage());
            assertTrue(ex.getMessage().contains("backup"), ex.getMessage());
            assertSameRecords(damage.kept(), found);
        }
        assertArrayEquals(damaged, logBytes(), "a refusal changes nothing on disk");
        assertFalse(Files.exists(dir.resolve(MessageLog.QUARANTINE_FOLDER)));

        try (MessageLog log = open(dir))
        {
            assertThrows(LogCorruptedException.class, () -> log.recover(0, (record) -> record.type()),
                "still refused at the next start");
        }
    }

    @Test
    void shouldCutWithAllowCutAndQuarantineExactlyTheCutBytes() throws IOException
    {
        final List<LogTests.Appended> appended = writeUntil(SEGMENT_LENGTH - 512);
        final byte[] original = logBytes();
        garbageAt((int)appended.get(appended.size() / 2).position() + 40);
        final byte[] damaged = logBytes();
        final Damage damage = Damage.of(appended, original, damaged);

        final List<LogTests.Appended> all = new ArrayList<>(damage.kept());
        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> found = new ArrayList<>();
            final RecoveryReport report = log.recover(0, (record) -> found.add(LogTests.copy(record)), true);
            assertSameRecords(damage.kept(), found);
            assertEquals(damage.position(), report.endPosition());
            assertEquals(damage.following().size(), report.truncatedRecords());
            assertEquals(damage.writtenEnd() - damage.position(), report.truncatedBytes());
            assertEquals(0, report.segmentsDropped());
            assertQuarantined(report, Arrays.copyOfRange(damaged, (int)damage.position(), (int)damage.writtenEnd()));
            assertEquals(damage.position(), log.position());
            all.add(append(log, 5, 5, randomBody(random, 77)));
            assertEquals(damage.position(), all.get(all.size() - 1).position());
        }
        try (MessageLog log = open(dir))
        {
            assertSameRecords(all, recoverAll(log, 0));
        }
    }

    @Test
    void shouldRefuseThenCutAcrossLaterSegments() throws IOException
    {
        final List<LogTests.Appended> appended = writeUntil(3L * SEGMENT_LENGTH + 1000);
        final String[] segmentsBefore = segmentFiles(dir);
        assertEquals(4, segmentsBefore.length);
        final byte[] original = logBytes();
        garbageAt((int)appended.get(appended.size() / 8).position() + 3);
        final byte[] damaged = logBytes();
        final Damage damage = Damage.of(appended, original, damaged);
        assertTrue(damage.position() < SEGMENT_LENGTH);
        final long laterRecords = damage.following().stream().filter((a) -> a.position() >= SEGMENT_LENGTH).count();
        assertTrue(laterRecords > 1000, "records in later segments: " + laterRecords);

        try (MessageLog log = open(dir))
        {
            final LogCorruptedException ex = assertThrows(LogCorruptedException.class,
                () -> log.recover(0, (record) -> record.type()));
            assertEquals(damage.position(), ex.damagePosition());
            assertEquals(damage.following().size(), ex.followingRecords(), "padding records are not counted");
            assertEquals(damage.writtenEnd() - damage.position(), ex.cutBytes());
        }
        assertArrayEquals(segmentsBefore, segmentFiles(dir));
        assertArrayEquals(damaged, logBytes());

        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> found = new ArrayList<>();
            final RecoveryReport report = log.recover(0, (record) -> found.add(LogTests.copy(record)), true);
            assertSameRecords(damage.kept(), found);
            assertEquals(damage.position(), report.endPosition());
            assertEquals(damage.following().size(), report.truncatedRecords());
            assertEquals(damage.writtenEnd() - damage.position(), report.truncatedBytes());
            assertEquals(3, report.segmentsDropped());
            assertQuarantined(report, Arrays.copyOfRange(damaged, (int)damage.position(), (int)damage.writtenEnd()));
            assertArrayEquals(new String[]{ Segment.fileName(0) }, segmentFiles(dir));
        }
    }

    @Test
    void shouldTreatOnlyPaddingAfterDamageAsTornTail() throws IOException
    {
        final List<LogTests.Appended> appended;
        try (MessageLog log = open(dir))
        {
            appended = new ArrayList<>();
            while (log.remainingInSegment() >= 600)
            {
                appended.add(append(log, 1, 0, randomBody(random, random.nextInt(101))));
            }
            appended.add(append(log, 2, 0, randomBody(random, 1000)));  // does not fit: padding, then segment 1
        }
        final LogTests.Appended lastInFirst = appended.get(appended.size() - 2);
        final long paddingAt = endOf(lastInFirst);
        assertTrue(SEGMENT_LENGTH - paddingAt >= LogDescriptor.HEADER_LENGTH, "a padding record ends segment 0");
        // The record before the padding is torn, and segment 1 never reached the disk: only padding verifies.
        final Path first = dir.resolve(Segment.fileName(0));
        final byte[] bytes = Files.readAllBytes(first);
        bytes[(int)lastInFirst.position() + LogDescriptor.HEADER_LENGTH - 1] ^= 1;
        Files.write(first, bytes);
        Files.write(dir.resolve(Segment.fileName(SEGMENT_LENGTH)), new byte[SEGMENT_LENGTH]);

        try (MessageLog log = open(dir))
        {
            final List<LogTests.Appended> found = new ArrayList<>();
            final RecoveryReport report = log.recover(0, (record) -> found.add(LogTests.copy(record)));
            assertSameRecords(appended.subList(0, appended.size() - 2), found);
            assertEquals(lastInFirst.position(), report.endPosition());
            assertEquals(0, report.truncatedRecords());
            // To the end of the padding record, although its body is zeros.
            assertEquals(SEGMENT_LENGTH - lastInFirst.position(), report.truncatedBytes());
            assertQuarantined(report, Arrays.copyOfRange(bytes, (int)lastInFirst.position(), SEGMENT_LENGTH));
        }
    }

    @Test
    void shouldCutNothingWhenQuarantineCannotBeWritten() throws IOException
    {
        final List<LogTests.Appended> appended = writeUntil(SEGMENT_LENGTH / 4);
        garbageAt(endOf(appended.get(appended.size() - 1)));
        final byte[] damaged = logBytes();
        Files.write(dir.resolve(MessageLog.QUARANTINE_FOLDER), new byte[]{ 1 });  // a file where the folder goes

        try (MessageLog log = open(dir))
        {
            final UncheckedIOException ex = assertThrows(UncheckedIOException.class,
                () -> log.recover(0, (record) -> record.type()));
            assertTrue(ex.getMessage().contains("nothing was cut"), ex.getMessage());
        }
        assertArrayEquals(damaged, logBytes());
    }

    /** Where the garbage made recovery stop, and what it damaged. */
    private record Damage(long position, List<LogTests.Appended> kept, List<LogTests.Appended> following,
        long writtenEnd)
    {
        /**
         * The first record whose checksummed bytes changed is where the log ends; every record after it whose bytes
         * did not change still verifies. The written data ends with the last record (zeros follow it).
         */
        static Damage of(final List<LogTests.Appended> appended, final byte[] original, final byte[] damaged)
        {
            int first = -1;
            final List<LogTests.Appended> following = new ArrayList<>();
            for (int i = 0; i < appended.size(); i++)
            {
                final LogTests.Appended record = appended.get(i);
                final int from = (int)record.position();
                final int to = from + LogDescriptor.HEADER_LENGTH + record.body().length;
                final boolean changed = !Arrays.equals(original, from, to, damaged, from, to);
                if (changed && first < 0)
                {
                    first = i;
                }
                else if (!changed && first >= 0)
                {
                    following.add(record);
                }
            }
            assertTrue(first >= 0, "the garbage damaged a record");
            final long position = appended.get(first).position();
            return new Damage(position, appended.subList(0, first), following,
                endOf(appended.get(appended.size() - 1)));
        }
    }

    private List<LogTests.Appended> writeUntil(final long position) throws IOException
    {
        final List<LogTests.Appended> appended = new ArrayList<>();
        try (MessageLog log = open(dir))
        {
            while (log.position() < position)
            {
                appended.add(append(log, 1 + random.nextInt(LogDescriptor.MAX_TYPE), random.nextInt(0x10000),
                    randomBody(random, random.nextInt(101))));
            }
        }
        return appended;
    }

    private static long endOf(final LogTests.Appended record)
    {
        return record.position() + LogDescriptor.alignedFrameLength(record.body().length);
    }

    /** Write {@link #GARBAGE_LENGTH} random non-zero bytes at a log position (not necessarily aligned). */
    private void garbageAt(final long position) throws IOException
    {
        final byte[] garbage = randomBody(random, GARBAGE_LENGTH);
        for (int i = 0; i < garbage.length; i++)
        {
            garbage[i] = 0 == garbage[i] ? 1 : garbage[i];
        }
        final Path file = dir.resolve(Segment.fileName(position & -SEGMENT_LENGTH));
        final byte[] bytes = Files.readAllBytes(file);
        final int offset = (int)(position & (SEGMENT_LENGTH - 1));
        System.arraycopy(garbage, 0, bytes, offset, garbage.length);
        Files.write(file, bytes);
    }

    /** All segment files of the log, in order, as one array indexed by log position (the log starts at 0). */
    private byte[] logBytes() throws IOException
    {
        final String[] names = segmentFiles(dir);
        final byte[] all = new byte[names.length * SEGMENT_LENGTH];
        for (int i = 0; i < names.length; i++)
        {
            assertEquals(Segment.fileName((long)i * SEGMENT_LENGTH), names[i]);
            System.arraycopy(Files.readAllBytes(dir.resolve(names[i])), 0, all, i * SEGMENT_LENGTH, SEGMENT_LENGTH);
        }
        return all;
    }
}
