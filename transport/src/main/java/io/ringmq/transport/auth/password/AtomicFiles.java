package io.ringmq.transport.auth.password;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reading credential files as strict UTF-8 lines, and replacing them atomically with owner-only permissions. */
public final class AtomicFiles
{
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicFiles()
    {
    }

    /**
     * @param text the file's content.
     * @return its lines, without line terminators ({@code \n}, {@code \r\n}); a final terminator adds no line.
     */
    public static List<String> lines(final String text)
    {
        final List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length())
        {
            final int end = text.indexOf('\n', start);
            final int stop = end < 0 ? text.length() : end;
            final boolean crlf = stop > start && text.charAt(stop - 1) == '\r';
            lines.add(text.substring(start, crlf ? stop - 1 : stop));
            start = stop + 1;
        }
        return lines;
    }

    /**
     * @param file the file.
     * @return its content, decoded as strict UTF-8.
     * @throws CredentialFileException if it cannot be read or is not UTF-8.
     */
    public static String read(final Path file) throws CredentialFileException
    {
        try
        {
            final byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        }
        catch (final CharacterCodingException ex)
        {
            throw new CredentialFileException(file + ": not valid UTF-8", ex);
        }
        catch (final IOException ex)
        {
            throw new CredentialFileException("cannot read " + file + ": " + ex, ex);
        }
    }

    /**
     * Writes a temporary file beside the target (mode 0600 where the file system has POSIX permissions), forces it
     * to disk and moves it over the target, so a reader sees the old file or the new one, never half of one.
     *
     * @param file    the file to replace or create.
     * @param content the new content.
     * @throws IOException if it cannot be written.
     */
    public static void write(final Path file, final String content) throws IOException
    {
        final Path absolute = file.toAbsolutePath();
        final Path dir = absolute.getParent();
        if (null == dir)
        {
            throw new IOException("not a file in a directory: " + file);
        }
        final boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix") &&
            Files.getFileStore(dir).supportsFileAttributeView("posix");
        final FileAttribute<?>[] attributes = posix ?
            new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(OWNER_ONLY) } : new FileAttribute<?>[0];
        final Path temp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp", attributes);
        try
        {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE))
            {
                final ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try
            {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        finally
        {
            Files.deleteIfExists(temp);
        }
    }
}
