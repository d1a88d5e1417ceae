package io.ringmq.store.log;

import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The append and read path allocates nothing per record: 100,000 warmed-up claim, write, commit and read calls,
 * rolling over segments and deleting old ones as a broker would, measured with the thread's allocated bytes.
 */
@Timeout(30)
class LogAllocationTest
{
    private static final int RECORDS = 100_000;
    private static final int SEGMENT_LENGTH = 1024 * 1024;
    // One object per record would be at least 1.6 MB; the JIT's compile-time allocations and the copy-on-write
    // segment table (once per segment, a few dozen here) stay far below this.
    private static final long TOLERANCE_BYTES = 16 * 1024;

    @TempDir
    Path dir;

    private final LogRecord record = new LogRecord();

    private long run(final MessageLog log, final int count)
    {
        long checksum = 0;
        for (int i = 0; i < count; i++)
        {
            final int bodyLength = 16 + (i & 255);
            final long position = log.tryClaim(1 + (i & 7), i & 0xFFFF, bodyLength);
            final MutableDirectBuffer buffer = log.buffer();
            final int offset = log.bodyOffset();
            buffer.putLong(offset, i);
            buffer.putLong(offset + bodyLength - 8, position);
            log.commit();
            if (log.read(position, record))
            {
                checksum += record.buffer().getLong(record.bodyOffset()) + record.type();
            }
            log.deleteBefore(position - 4L * SEGMENT_LENGTH);
        }
        return checksum;
    }

    @Test
    void shouldAppendAndReadWithoutAllocating() throws IOException
    {
        try (MessageLog log = MessageLog.open(dir, SEGMENT_LENGTH, 0, 0))
        {
            final long expected = run(log, RECORDS);
            for (int i = 0; i < 3; i++)
            {
                assertEquals(expected, run(log, RECORDS));
            }
            LogTests.allocatedBytes();
            final long before = LogTests.allocatedBytes();
            final long checksum = run(log, RECORDS);
            final long after = LogTests.allocatedBytes();

            assertEquals(expected, checksum);
            assertTrue(log.position() > 20L * SEGMENT_LENGTH, "rolled over");
            assertTrue(after - before < TOLERANCE_BYTES,
                "allocated " + (after - before) + " bytes for " + RECORDS + " claim+commit+read");
        }
    }
}
