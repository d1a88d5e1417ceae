package io.ringmq.transport.auth.password;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Mosquitto password file: one {@code user:hash} line per user, the hash as {@link PasswordHash} describes
 * ({@code $7$} PBKDF2-HMAC-SHA512 or the older {@code $6$} salted SHA-512). As the Mosquitto broker reads it, a line
 * starting with {@code #} is a comment, blank lines are skipped, and blanks around the user name and hash are
 * ignored. Unlike the broker, which drops a bad entry with a log line, a malformed line here is an error naming the
 * line, so a typo cannot silently lock a user out; plain-text passwords (not yet run through
 * {@code mosquitto_passwd -U}) are refused too.
 * <p>
 * Immutable and safe to share between threads. {@link #with} and {@link #without} return a changed copy that keeps
 * the other users, comments and blank lines in their places, for {@link #write}.
 */
public final class MosquittoPasswords
{
    /** Longest user name MQTT can carry (a UTF-8 string with a 16-bit length). */
    public static final int MAX_USERNAME_BYTES = 65535;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The outcome of {@link #verify}. */
    public enum Verification
    {
        /** Known user, right password. */
        MATCH,
        /** Known user, wrong password. */
        MISMATCH,
        /** No such user (the same hashing cost was spent, so the answer took as long). */
        UNKNOWN_USER
    }

    /** A line of the file: a comment or blank (user null, kept as text) or an entry. */
    private record Line(String text, String user, PasswordHash hash)
    {
    }

    private final List<Line> lines;
    private final Map<String, PasswordHash> entries;
    private final PasswordHash dummy;

    private MosquittoPasswords(final List<Line> lines)
    {
        this.lines = List.copyOf(lines);
        final Map<String, PasswordHash> map = new LinkedHashMap<>();
        int iterations = 0;
        for (final Line line : lines)
        {
            if (null != line.user)
            {
                map.put(line.user, line.hash);
                if (PasswordHash.Scheme.PBKDF2_SHA512 == line.hash.scheme())
                {
                    iterations = Math.max(iterations, line.hash.iterations());
                }
            }
        }
        this.entries = Collections.unmodifiableMap(map);
        // An unknown user is checked against this, at the file's highest cost, so a refusal takes no less time.
        this.dummy = PasswordHash.dummy(0 == iterations ? PasswordHash.DEFAULT_ITERATIONS : iterations, RANDOM);
    }

    /** @return a file with no users. */
    public static MosquittoPasswords empty()
    {
        return new MosquittoPasswords(List.of());
    }

    /**
     * @param file the password file.
     * @return its entries.
     * @throws CredentialFileException if it cannot be read or a line is malformed.
     */
    public static MosquittoPasswords read(final Path file) throws CredentialFileException
    {
        return parse(AtomicFiles.read(file), file.toString());
    }

    /**
     * @param text   the file's content.
     * @param source the file's name, for error messages.
     * @return its entries.
     * @throws CredentialFileException naming the first malformed line and what is wrong with it.
     */
    public static MosquittoPasswords parse(final String text, final String source) throws CredentialFileException
    {
        final List<Line> lines = new ArrayList<>();
        final Map<String, Integer> seen = new LinkedHashMap<>();
        int number = 0;
        for (final String raw : AtomicFiles.lines(text))
        {
            number++;
            if (raw.startsWith("#") || raw.isBlank())
            {
                lines.add(new Line(raw, null, null));
                continue;
            }
            final int colon = raw.indexOf(':');
            if (colon < 0)
            {
                throw new CredentialFileException(source, number, "expected user:hash");
            }
            final String user = trimBlanks(raw.substring(0, colon));
            final String problem = checkUsername(user);
            if (null != problem)
            {
                throw new CredentialFileException(source, number, problem);
            }
            final Integer previous = seen.putIfAbsent(user, number);
            if (null != previous)
            {
                throw new CredentialFileException(source, number, "user " + user + " already defined on line " +
                    previous);
            }
            final String encoded = trimBlanks(raw.substring(colon + 1));
            if (encoded.isEmpty())
            {
                throw new CredentialFileException(source, number, "no password hash for user " + user);
            }
            if (encoded.indexOf(':') >= 0)
            {
                throw new CredentialFileException(source, number, "more than one ':' (user " + user + ")");
            }
            try
            {
                lines.add(new Line(raw, user, PasswordHash.parse(encoded)));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CredentialFileException(source, number, ex.getMessage() + " (user " + user + ")");
            }
        }
        return new MosquittoPasswords(lines);
    }

    /**
     * @param user a user name.
     * @return what is wrong with it as a password-file user name, or null if it is fine.
     */
    public static String checkUsername(final String user)
    {
        if (user.isEmpty())
        {
            return "empty user name";
        }
        if (user.indexOf(':') >= 0)
        {
            return "user name must not contain ':'";
        }
        for (int i = 0; i < user.length(); i++)
        {
            if (user.charAt(i) < 0x20 || user.charAt(i) == 0x7F)
            {
                return "user name must not contain control characters";
            }
        }
        if (!user.equals(trimBlanks(user)) || user.startsWith("#"))
        {
            return "user name must not start with '#' or start or end with a blank";
        }
        if (user.getBytes(StandardCharsets.UTF_8).length > MAX_USERNAME_BYTES)
        {
            return "user name longer than " + MAX_USERNAME_BYTES + " bytes";
        }
        return null;
    }

    private static String trimBlanks(final String s)
    {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t'))
        {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t'))
        {
            end--;
        }
        return s.substring(start, end);
    }

    /**
     * Checks a password; for an unknown user, hashes it against a dummy entry first so the answer takes as long.
     *
     * @param user     the user name.
     * @param password the password bytes.
     * @return the outcome.
     */
    public Verification verify(final String user, final byte[] password)
    {
        final PasswordHash hash = entries.get(user);
        if (null == hash)
        {
            dummy.matches(password);
            return Verification.UNKNOWN_USER;
        }
        return hash.matches(password) ? Verification.MATCH : Verification.MISMATCH;
    }

    /**
     * @param user a user name.
     * @return true if the file has an entry for it.
     */
    public boolean contains(final String user)
    {
        return entries.containsKey(user);
    }

    /** @return the user names, in file order. */
    public Set<String> users()
    {
        return entries.keySet();
    }

    /** @return the entries by user name, in file order; unmodifiable. */
    public Map<String, PasswordHash> entries()
    {
        return entries;
    }

    /**
     * @param user a valid user name ({@link #checkUsername}).
     * @param hash its new hash.
     * @return a copy with the user's entry replaced in place, or added at the end.
     */
    public MosquittoPasswords with(final String user, final PasswordHash hash)
    {
        final String problem = checkUsername(user);
        if (null != problem)
        {
            throw new IllegalArgumentException(problem);
        }
        final List<Line> copy = new ArrayList<>(lines.size() + 1);
        boolean replaced = false;
        for (final Line line : lines)
        {
            if (user.equals(line.user))
            {
                copy.add(new Line(null, user, hash));
                replaced = true;
            }
            else
            {
                copy.add(line);
            }
        }
        if (!replaced)
        {
            copy.add(new Line(null, user, hash));
        }
        return new MosquittoPasswords(copy);
    }

    /**
     * @param user a user name.
     * @return a copy without the user's entry (this if there was none).
     */
    public MosquittoPasswords without(final String user)
    {
        if (!entries.containsKey(user))
        {
            return this;
        }
        final List<Line> copy = new ArrayList<>(lines);
        copy.removeIf((line) -> user.equals(line.user));
        return new MosquittoPasswords(copy);
    }

    /** @return the file's text: comments and untouched entries as they were, new entries as {@code user:hash}. */
    public String format()
    {
        final StringBuilder out = new StringBuilder();
        for (final Line line : lines)
        {
            out.append(null != line.text ? line.text : line.user + ":" + line.hash.encode()).append('\n');
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

    /** Never shows hashes. */
    @Override
    public String toString()
    {
        return "MosquittoPasswords{users=" + entries.size() + "}";
    }
}
