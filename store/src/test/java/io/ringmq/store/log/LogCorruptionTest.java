package io.ringmq.store.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.ringmq.store.log.LogTests.append;
import static io.ringmq.store.log.LogTests.appendRandom;
import static io.ringmq.store.log.LogTests.assertSameRecords;
import static io.ringmq.store.log.LogTests.open;
import static io.ringmq.store.log.LogTests.randomBody;
import static io.ringmq.store.log.LogTests.recoverAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Recovery after a torn or corrupted tail, at every byte offset of the last two records: the damaged record and
 * everything after it never reach the handler, everything before does, and appending continues at the damaged
 * record's position and survives another restart. Damage to the last record is a torn tail and is cut at once;
 * damage to the one before it leaves a valid record after the damage, so recovery refuses until the cut is allowed.
 * Whatever is cut is found, byte for byte, in the quarantine file.
 */
@Timeout(60)
class LogCorruptionTest
{
    private enum Damage
    {
        /** One bit flipped at the offset. */
        FLIP,
        /** Zeros from the offset to the end of the record, as a write torn after its length was stored. */
        TORN
    }

    @TempDir
    Path dir;

    private final Random random = new Random(42);

    @Test
    void shouldTruncateAtFlippedBitInLastTwoRecords() throws IOException
    {
        damageEveryOffset(Damage.FLIP);
    }

    @Test
    void shouldTruncateAtTornWriteInLastTwoRecords() throws IOException
    {
        damageEveryOffset(Damage.TORN);
    }

    private void damageEveryOffset(final Damage damage) throws IOException
    {
        final Path base = dir.resolve("base");
        final List<LogTests.Appended> appended;
        try (MessageLog log = open(base))
        {
            appended = appendRandom(log, random, 20, 200);
            appended.add(append(log, 7, 0x1234, randomBody(random, 45)));
            appended.add(append(log, 9, 0x8001, randomBody(random, 61)));
        }
        final byte[] original = Files.readAllBytes(base.resolve(Segment.fileName(0)));
        final int firstVictim = appended.size() - 2;
        final LogTests.Appended last = appended.get(appended.size() - 1);
        final int from = (int)appended.get(firstVictim).position();
        final int to = (int)last.position() + LogDescriptor.alignedFrameLength(last.body().length);

        for (int offset = from; offset < to; offset++)
        {
            final int victim = offset < last.position() ? firstVictim : firstVictim + 1;
            final LogTests.Appended record = appended.get(victim);
            final byte[] bytes = original.clone();
            if (Damage.FLIP == damage)
            {
                bytes[offset] ^= (byte)(1 << random.nextInt(8));
            }
            else
            {
                final int end = (int)record.position() + LogDescriptor.alignedFrameLength(record.body().length);
                for (int i = offset; i < end; i++)
                {
                    bytes[i] = 0;
                }
            }
            // Bytes after the frame length, up to the alignment, are not part of the record.
            final int covered = (int)record.position() + LogDescriptor.HEADER_LENGTH + record.body().length;
            boolean changed = false;
            for (int i = (int)record.position(); i < covered; i++)
            {
                changed |= bytes[i] != original[i];
            }
            final int kept = changed ? victim : appended.size();
            // Damage to the second-last record leaves the last one whole: valid data after the damage.
            final List<LogTests.Appended> following = changed && victim == firstVictim ?
                appended.subList(victim + 1, appended.size()) : List.of();
            checkRecovery(damage + "@" + offset, bytes, appended.subList(0, kept), following);
        }
    }

    private void checkRecovery(
        final String name,
        final byte[] segment,
        final List<LogTests.Appended> expected,
        final List<LogTests.Appended> following)
        throws IOException
    {
        final Path caseDir = dir.resolve(name);
        Files.createDirectories(caseDir);
        final Path file = caseDir.resolve(Segment.fileName(0));
        Files.write(file, segment);
        final LogTests.Appended lastKept = expected.get(expected.size() - 1);
        final long end = lastKept.position() + LogDescriptor.alignedFrameLength(lastKept.body().length);
        final long writtenEnd = LogTests.writtenEnd(segment, end, following);
        if (!following.isEmpty())
        {
            try (MessageLog log = open(caseDir))
            {
                final LogCorruptedException ex = assertThrows(LogCorruptedException.class,
                    () -> log.recover(0, (record) -> record.type()), name);
                assertEquals(end, ex.damagePosition(), name);
                assertEquals(following.size(), ex.followingRecords(), name);
                assertEquals(writtenEnd - end, ex.cutBytes(), name);
            }
            assertArrayEquals(segment, Files.readAllBytes(file), name + ": a refusal changes nothing");
            assertFalse(Files.exists(caseDir.resolve(MessageLog.QUARANTINE_FOLDER)), name);
        }
        final List<LogTests.Appended> all = new ArrayList<>(expected);
        try (MessageLog log = open(caseDir))
        {
            final List<LogTests.Appended> found = new ArrayList<>();
            // A torn tail is cut without being allowed to; valid records after the damage need the permission.
            final RecoveryReport report = log.recover(0, (record) -> found.add(LogTests.copy(record)),
                !following.isEmpty());
            assertSameRecords(expected, found);
            assertEquals(end, report.endPosition(), name);
            // A damaged tail that reads as zeros (a record torn before any of it reached the page) is no
            // different from a clean end; anything else after the end is cut and kept in quarantine.
            assertEquals(writtenEnd - end, report.truncatedBytes(), name);
            assertEquals(following.size(), report.truncatedRecords(), name);
            LogTests.assertQuarantined(report, Arrays.copyOfRange(segment, (int)end, (int)writtenEnd));
            assertEquals(end, log.position(), name);
            assertFalse(log.read(end, new LogRecord()), name);
            all.add(append(log, 3, 3, randomBody(random, 30)));
            all.add(append(log, 4, 4, randomBody(random, 70)));
            assertEquals(end, all.get(expected.size()).position(), name);
        }
        try (MessageLog log = open(caseDir))
        {
            assertSameRecords(all, recoverAll(log, 0));
        }
    }
}
