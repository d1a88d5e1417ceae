package io.ringmq.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's cluster directory: locked for one process, and the mark files a killed process left are removed so the
 * node starts again at once (Aeron would refuse for about 10 s), while the state that must survive stays.
 */
class ClusterNodeDirectoryTest
{
    @Test
    void shouldRemoveOnlyTheMarkFilesOfAProcessThatEndedAndRefuseASecondUser(@TempDir final Path dir)
        throws Exception
    {
        final Path archive = Files.createDirectories(dir.resolve("archive"));
        final Path consensus = Files.createDirectories(dir.resolve("consensus"));
        for (final Path file : new Path[] {archive.resolve("archive-mark.dat"), consensus.resolve("cluster-mark.dat"),
            consensus.resolve("cluster-mark-service-0.dat"), archive.resolve("archive.catalog"),
            consensus.resolve("node-state.dat"), consensus.resolve("recording.log")})
        {
            Files.writeString(file, "x");
        }

        try (FileChannel lock = ClusterNode.lockDirectory(dir.toFile()))
        {
            assertTrue(lock.isOpen());
            assertFalse(Files.exists(archive.resolve("archive-mark.dat")));
            assertFalse(Files.exists(consensus.resolve("cluster-mark.dat")));
            assertFalse(Files.exists(consensus.resolve("cluster-mark-service-0.dat")));
            assertTrue(Files.exists(archive.resolve("archive.catalog")), "the archive's catalog stays");
            assertTrue(Files.exists(consensus.resolve("node-state.dat")), "the Raft term and vote stay");
            assertTrue(Files.exists(consensus.resolve("recording.log")));

            Files.writeString(consensus.resolve("cluster-mark.dat"), "a running node's");
            final File same = dir.toFile();
            assertThrows(IllegalStateException.class, () -> ClusterNode.lockDirectory(same),
                "the directory is in use");
            assertTrue(Files.exists(consensus.resolve("cluster-mark.dat")), "a user's mark file is left alone");
        }
        try (FileChannel again = ClusterNode.lockDirectory(dir.toFile()))
        {
            assertTrue(again.isOpen(), "free again once the first user closed it");
        }
    }
}
