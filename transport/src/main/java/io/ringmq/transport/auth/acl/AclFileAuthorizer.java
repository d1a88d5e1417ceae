package io.ringmq.transport.auth.acl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

import io.ringmq.auth.Authorizer;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.TopicPermissions;

/**
 * Mosquitto's {@code acl_file} as an {@link Authorizer} (name {@value #NAME}): every client gets the permissions
 * Mosquitto 2.0.11 would give it, and anything no rule grants is denied.
 * <p>
 * {@link #reload()} re-reads the file when its modification time, size or file key (inode) changed, parses it fully
 * and only then switches; a broken file throws and the old rules stay. Permissions already handed out follow the
 * switch at their client's next check (they compare a generation number with the current rules').
 * <p>
 * <b>Threading:</b> {@link #permissions} may be called concurrently from the authentication pool; {@link #reload()}
 * is serialised; the current rules are published through a volatile field.
 */
public final class AclFileAuthorizer implements Authorizer
{
    /** The name in logs and the {@code auth.chain} setting. */
    public static final String NAME = "acl-file";

    /**
     * One version of the file's rules.
     *
     * @param file       the parsed file.
     * @param generation incremented on every successful reload that changed something.
     * @param stamp      the file's attributes when it was read.
     */
    record Rules(AclFile file, long generation, Stamp stamp)
    {
    }

    /**
     * What tells that a file changed.
     *
     * @param modified last modification time.
     * @param size     size in bytes.
     * @param fileKey  the file system's key of the file (device and inode), or null.
     */
    record Stamp(FileTime modified, long size, Object fileKey)
    {
    }

    private final Path file;
    private volatile Rules rules;

    /**
     * @param file the ACL file, read now.
     * @throws IOException      if it cannot be read.
     * @throws AclFileException if it is not a valid ACL file.
     */
    public AclFileAuthorizer(final Path file) throws IOException, AclFileException
    {
        this.file = Objects.requireNonNull(file, "file");
        final Stamp stamp = stamp(file);
        rules = new Rules(AclFile.parse(file), 1, stamp);
    }

    private static Stamp stamp(final Path file) throws IOException
    {
        final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    }

    /** {@inheritDoc} */
    @Override
    public String name()
    {
        return NAME;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Compiles only this client's user block (looked up by name) and the patterns, so it is cheap however many users
     * the file has.
     */
    @Override
    public TopicPermissions permissions(final ClientInfo client)
    {
        return new AclFilePermissions(this, client.clientId(), client.username());
    }

    /**
     * {@inheritDoc}
     * <p>
     * The attributes are read before the content, so a change made while reading is seen by the next reload.
     */
    @Override
    public synchronized boolean reload() throws IOException, AclFileException
    {
        final Rules current = rules;
        final Stamp stamp = stamp(file);
        if (stamp.equals(current.stamp()))
        {
            return false;
        }
        final AclFile parsed = AclFile.parse(file);
        rules = new Rules(parsed, current.generation() + 1, stamp);
        return true;
    }

    /** @return the path of the ACL file. */
    public Path file()
    {
        return file;
    }

    /** @return the parsed rules in use now (e.g. to log their {@link AclFile#warnings()}). */
    public AclFile aclFile()
    {
        return rules.file();
    }

    /** @return the generation of the rules in use: 1 after construction, one more per reload that switched. */
    public long generation()
    {
        return rules.generation();
    }

    /** @return the current rules (one volatile read). */
    Rules rules()
    {
        return rules;
    }
}
