package io.ringmq.transport.auth.scram;

import io.ringmq.transport.auth.password.AtomicFiles;
import io.ringmq.transport.auth.password.CredentialFileException;
import io.ringmq.transport.auth.password.MosquittoPasswords;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A SCRAM credentials file: salted keys only, never a password. One line per user and mechanism:
 * <pre>
 *   user:SCRAM-SHA-256:&lt;iterations&gt;:&lt;base64 salt&gt;:&lt;base64 StoredKey&gt;:&lt;base64 ServerKey&gt;
 *   user:SCRAM-SHA-512:&lt;iterations&gt;:&lt;base64 salt&gt;:&lt;base64 StoredKey&gt;:&lt;base64 ServerKey&gt;
 * </pre>
 * The user name is the SASLprep'd name the client sends in {@code n=} (unescaped), with no {@code :}, control
 * characters or surrounding blanks; base64 is the standard alphabet with padding; keys are the mechanism's hash
 * length (32 or 64 bytes). A line starting with {@code #} is a comment and blank lines are skipped, as in a
 * Mosquitto password file; both are kept in place when the file is rewritten. A malformed line is an error naming
 * the line (never its key material); the same user and mechanism twice is an error. Write entries with
 * {@code ringmq passwd --scram}.
 * <p>
 * Immutable and safe to share between threads.
 */
public final class ScramCredentials
{
    private record Key(String user, ScramMechanism mechanism)
    {
    }

    private record Line(String text, Key key, ScramCredential credential)
    {
    }

    private final List<Line> lines;
    private final Map<Key, ScramCredential> entries;

    private ScramCredentials(final List<Line> lines)
    {
        this.lines = List.copyOf(lines);
        final Map<Key, ScramCredential> map = new LinkedHashMap<>();
        for (final Line line : lines)
        {
            if (null != line.key)
            {
                map.put(line.key, line.credential);
            }
        }
        this.entries = Collections.unmodifiableMap(map);
    }

    /** @return a file without entries. */
    public static ScramCredentials empty()
    {
        return new ScramCredentials(List.of());
    }

    /**
     * @param file the credentials file.
     * @return its entries.
     * @throws CredentialFileException if it cannot be read or a line is malformed.
     */
    public static ScramCredentials read(final Path file) throws CredentialFileException
    {
        return parse(AtomicFiles.read(file), file.toString());
    }

    /**
     * @param text   the file's content.
     * @param source the file's name, for error messages.
     * @return its entries.
     * @throws CredentialFileException naming the first malformed line and what is wrong with it.
     */
    public static ScramCredentials parse(final String text, final String source) throws CredentialFileException
    {
        final List<Line> lines = new ArrayList<>();
        final Map<Key, Integer> seen = new LinkedHashMap<>();
        int number = 0;
        for (final String raw : AtomicFiles.lines(text))
        {
            number++;
            if (raw.startsWith("#") || raw.isBlank())
            {
                lines.add(new Line(raw, null, null));
                continue;
            }
            final String[] fields = raw.split(":", -1);
            if (fields.length != 6)
            {
                throw new CredentialFileException(source, number,
                    "expected user:mechanism:iterations:salt:storedKey:serverKey (6 fields, found " + fields.length +
                    ")");
            }
            final String user = fields[0];
            final String problem = MosquittoPasswords.checkUsername(user);
            if (null != problem)
            {
                throw new CredentialFileException(source, number, problem);
            }
            final ScramMechanism mechanism = ScramMechanism.forName(fields[1]);
            if (null == mechanism)
            {
                throw new CredentialFileException(source, number, "unknown mechanism (expected SCRAM-SHA-256 or " +
                    "SCRAM-SHA-512) for user " + user);
            }
            final Key key = new Key(user, mechanism);
            final Integer previous = seen.putIfAbsent(key, number);
            if (null != previous)
            {
                throw new CredentialFileException(source, number, mechanism.mechanismName() + " for user " + user +
                    " already defined on line " + previous);
            }
            try
            {
                final int iterations = parseIterations(fields[2]);
                final ScramCredential credential = new ScramCredential(mechanism, iterations,
                    decode(fields[3], "salt"), decode(fields[4], "StoredKey"), decode(fields[5], "ServerKey"));
                lines.add(new Line(raw, key, credential));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CredentialFileException(source, number, ex.getMessage() + " (user " + user + ")");
            }
        }
        return new ScramCredentials(lines);
    }

    private static int parseIterations(final String text)
    {
        try
        {
            return Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("iteration count is not a number", ex);
        }
    }

    private static byte[] decode(final String base64, final String what)
    {
        try
        {
            return Base64.getDecoder().decode(base64);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(what + " is not valid base64", ex);
        }
    }

    /**
     * @param user      the (SASLprep'd) user name.
     * @param mechanism the mechanism.
     * @return the user's credential for it, or null.
     */
    public ScramCredential lookup(final String user, final ScramMechanism mechanism)
    {
        return entries.get(new Key(user, mechanism));
    }

    /** @return the user names, in file order. */
    public Set<String> users()
    {
        final Set<String> users = new LinkedHashSet<>();
        for (final Key key : entries.keySet())
        {
            users.add(key.user);
        }
        return users;
    }

    /** @return the number of entries (user and mechanism pairs). */
    public int size()
    {
        return entries.size();
    }

    /**
     * @param user       a valid user name (SASLprep'd, no {@code :}).
     * @param credential its credential for one mechanism.
     * @return a copy with that user's entry for the mechanism replaced in place, or added at the end.
     */
    public ScramCredentials with(final String user, final ScramCredential credential)
    {
        final String problem = MosquittoPasswords.checkUsername(user);
        if (null != problem)
        {
            throw new IllegalArgumentException(problem);
        }
        final Key key = new Key(user, credential.mechanism());
        final List<Line> copy = new ArrayList<>(lines.size() + 1);
        boolean replaced = false;
        for (final Line line : lines)
        {
            if (key.equals(line.key))
            {
                copy.add(new Line(null, key, credential));
                replaced = true;
            }
            else
            {
                copy.add(line);
            }
        }
        if (!replaced)
        {
            copy.add(new Line(null, key, credential));
        }
        return new ScramCredentials(copy);
    }

    /**
     * @param user a user name.
     * @return a copy without any of the user's entries (this if there were none).
     */
    public ScramCredentials without(final String user)
    {
        if (!users().contains(user))
        {
            return this;
        }
        final List<Line> copy = new ArrayList<>(lines);
        copy.removeIf((line) -> null != line.key && user.equals(line.key.user));
        return new ScramCredentials(copy);
    }

    /** @return the file's text: comments and untouched entries as they were, new entries in the format above. */
    public String format()
    {
        final Base64.Encoder b64 = Base64.getEncoder();
        final StringBuilder out = new StringBuilder();
        for (final Line line : lines)
        {
            if (null != line.text)
            {
                out.append(line.text);
            }
            else
            {
                final ScramCredential c = line.credential;
                out.append(line.key.user).append(':').append(c.mechanism().mechanismName()).append(':')
                    .append(c.iterations()).append(':').append(b64.encodeToString(c.salt())).append(':')
                    .append(b64.encodeToString(c.storedKey())).append(':').append(b64.encodeToString(c.serverKey()));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * Replaces the file atomically with {@link #format()}, mode 0600 where supported.
     *
     * @param file the file.
     * @throws IOException if it cannot be written.
     */
    public void write(final Path file) throws IOException
    {
        AtomicFiles.write(file, format());
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof ScramCredentials && entries.equals(((ScramCredentials)o).entries);
    }

    @Override
    public int hashCode()
    {
        return entries.hashCode();
    }

    /** Never shows key material. */
    @Override
    public String toString()
    {
        return "ScramCredentials{entries=" + entries.size() + "}";
    }
}
