package io.ringmq.store.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class CheckpointTest
{
    @TempDir
    Path dir;

    @Test
    void shouldStartAtZeroWhenNew() throws IOException
    {
        final Path file = dir.resolve("checkpoint");
        try (Checkpoint checkpoint = Checkpoint.open(file))
        {
            assertEquals(0, checkpoint.recoveryPosition());
            assertEquals(0, checkpoint.retainPosition());
            assertEquals(0, checkpoint.sequence());
        }
        assertEquals(Checkpoint.FILE_LENGTH, Files.size(file));
    }

    @Test
    void shouldRoundTripPositions() throws IOException
    {
        final Path file = dir.resolve("checkpoint");
        try (Checkpoint checkpoint = Checkpoint.open(file))
        {
            checkpoint.update(100, 50);
            assertEquals(100, checkpoint.recoveryPosition());
            assertEquals(50, checkpoint.retainPosition());
        }
        try (Checkpoint checkpoint = Checkpoint.open(file))
        {
            assertEquals(100, checkpoint.recoveryPosition());
            assertEquals(50, checkpoint.retainPosition());
            assertEquals(1, checkpoint.sequence());
            for (int i = 2; i <= 5; i++)
            {
                checkpoint.update(100L * i, 50L * i);
            }
        }
        try (Checkpoint checkpoint = Checkpoint.open(file))
        {
            assertEquals(500, checkpoint.recoveryPosition());
            assertEquals(250, checkpoint.retainPosition());
            assertEquals(5, checkpoint.sequence());
        }
    }

    @Test
    void shouldFallBackToOlderSlotWhenNewestIsCorrupt() throws IOException
    {
        final Path file = dir.resolve("checkpoint");
        try (Checkpoint checkpoint = Checkpoint.open(file))
        {
            checkpoint.update(100, 50); // sequence 1, slot 0
            checkpoint.update(200, 150); // sequence 2, slot 1
        }
        for (int offset = 0; offset < Checkpoint.CRC_OFFSET + 4; offset++)
        {
            final byte[] bytes = Files.readAllBytes(file);
            bytes[Checkpoint.SLOT_LENGTH + offset] ^= (byte)(1 << (offset & 7));
            final Path corrupt = dir.resolve("corrupt-" + offset);
            Files.write(corrupt, bytes);
            try (Checkpoint checkpoint = Checkpoint.open(corrupt))
            {
                assertEquals(100, checkpoint.recoveryPosition(), "offset " + offset);
                assertEquals(50, checkpoint.retainPosition(), "offset " + offset);
                checkpoint.update(300, 250);
            }
            try (Checkpoint checkpoint = Checkpoint.open(corrupt))
            {
                assertEquals(300, checkpoint.recoveryPosition(), "offset " + offset);
                assertEquals(250, checkpoint.retainPosition(), "offset " + offset);
                assertEquals(2, checkpoint.sequence(), "offset " + offset);
            }
        }
    }

    @Test
    void shouldStartAtZeroWhenBothSlotsAreCorrupt() throws IOException
    {
        final Path file = dir.resolve("checkpoint");
        try (Checkpoint checkpoint = Checkpoint.open(file))
        {
            checkpoint.update(100, 50);
            checkpoint.update(200, 150);
        }
        final byte[] bytes = Files.readAllBytes(file);
        bytes[Checkpoint.RECOVERY_POSITION_OFFSET] ^= 1;
        bytes[Checkpoint.SLOT_LENGTH + Checkpoint.RECOVERY_POSITION_OFFSET] ^= 1;
        Files.write(file, bytes);
        try (Checkpoint checkpoint = Checkpoint.open(file))
        {
            assertEquals(0, checkpoint.recoveryPosition());
            assertEquals(0, checkpoint.retainPosition());
        }
    }

    @Test
    void shouldRejectRetainAboveRecovery() throws IOException
    {
        try (Checkpoint checkpoint = Checkpoint.open(dir.resolve("checkpoint")))
        {
            assertThrows(IllegalArgumentException.class, () -> checkpoint.update(10, 20));
        }
    }
}
