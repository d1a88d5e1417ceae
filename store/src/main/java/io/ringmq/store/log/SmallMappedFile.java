package io.ringmq.store.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens or creates a small fixed-length file and maps it (the checkpoint, the force marker): missing blocks are
 * allocated by writing zeros, never left sparse under a mapping, where a full disk would surface as SIGBUS.
 */
final class SmallMappedFile
{
    private SmallMappedFile()
    {
    }

    /**
     * @param file    path of the file; created if missing, existing content kept.
     * @param length  bytes to map.
     * @param durable force newly allocated blocks to the device before mapping.
     * @return the read-write mapping.
     * @throws IOException if the file cannot be created, extended or mapped.
     */
    static MappedByteBuffer map(final Path file, final int length, final boolean durable) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final long size = channel.size();
            if (size < length)
            {
                final ByteBuffer zeros = ByteBuffer.allocate((int)(length - size));
                long position = size;
                while (zeros.hasRemaining())
                {
                    position += channel.write(zeros, position);
                }
                if (durable)
                {
                    channel.force(true);
                }
            }
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
    }
}
