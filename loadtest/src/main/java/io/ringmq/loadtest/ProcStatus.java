package io.ringmq.loadtest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Process memory figures from {@code /proc/<pid>/status} and the JVM's own heap.
 * <p>
 * <b>Threading:</b> stateless, safe from any thread.
 */
final class ProcStatus
{
    private ProcStatus()
    {
    }

    /**
     * Resident set size of a process.
     *
     * @param pid process id, or -1 for this process.
     * @return VmRSS in KiB, or -1 when unknown.
     */
    static long rssKb(final long pid)
    {
        final Path path = Path.of("/proc", pid < 0 ? "self" : Long.toString(pid), "status");
        try
        {
            final List<String> lines = Files.readAllLines(path);
            for (final String line : lines)
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        return -1;
    }

    /**
     * Heap in use after a full collection (best effort: {@code System.gc()} twice).
     *
     * @return bytes.
     */
    static long usedHeapAfterGc()
    {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
