package io.ringmq.store.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static io.ringmq.store.log.LogTests.appendRandom;
import static io.ringmq.store.log.LogTests.open;
import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(30)
class ForceMarkerTest
{
    @TempDir
    Path dir;

    @Test
    void shouldWriteTheForcedPositionAfterEveryForce() throws IOException
    {
        final Path file = dir.resolve("marker");
        try (MessageLog log = open(dir.resolve("log")))
        {
            LogTests.recoverAll(log, 0);
            log.forceMarker(ForceMarker.open(file));
            appendRandom(log, new Random(7), 50, 3000);
            final long first = log.position();
            log.force(first);
            assertEquals(first, readMarker(file), "written through the mapping, read through the file");
            appendRandom(log, new Random(8), 50, 3000);
            log.force(log.position());
            assertEquals(log.forcedPosition(), readMarker(file));
            assertEquals(log.position(), log.forcedPosition());
        }
    }

    @Test
    void shouldKeepTheLastRunsValueUntilTheNextForce() throws IOException
    {
        final Path file = dir.resolve("marker");
        try (ForceMarker marker = ForceMarker.open(file))
        {
            assertEquals(0, marker.forcedPosition(), "a new file holds no position");
            marker.mark(123_456);
        }
        try (ForceMarker marker = ForceMarker.open(file))
        {
            assertEquals(123_456, marker.forcedPosition());
            assertEquals(ForceMarker.FILE_LENGTH, Files.size(file));
        }
    }

    private static long readMarker(final Path file) throws IOException
    {
        return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder())
            .getLong(ForceMarker.FORCED_POSITION_OFFSET);
    }
}
