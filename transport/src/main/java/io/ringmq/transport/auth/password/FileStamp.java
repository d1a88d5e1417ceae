package io.ringmq.transport.auth.password;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * What a reload compares to decide whether a file changed: modified time, size and file key (the inode on Unix, so
 * a file replaced by a rename is seen even when time and size match).
 */
public final class FileStamp
{
    private final long modifiedNanos;
    private final long size;
    private final Object fileKey;

    private FileStamp(final long modifiedNanos, final long size, final Object fileKey)
    {
        this.modifiedNanos = modifiedNanos;
        this.size = size;
        this.fileKey = fileKey;
    }

    /**
     * @param file the file.
     * @return its current stamp.
     * @throws IOException if the file cannot be read.
     */
    public static FileStamp of(final Path file) throws IOException
    {
        final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileStamp(attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
            attributes.size(), attributes.fileKey());
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof FileStamp))
        {
            return false;
        }
        final FileStamp that = (FileStamp)o;
        return modifiedNanos == that.modifiedNanos && size == that.size && Objects.equals(fileKey, that.fileKey);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(modifiedNanos, size, fileKey);
    }

    @Override
    public String toString()
    {
        return "FileStamp{modified=" + modifiedNanos + "ns, size=" + size + ", key=" + fileKey + "}";
    }
}
