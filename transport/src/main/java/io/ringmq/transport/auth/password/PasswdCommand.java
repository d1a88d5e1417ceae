package io.ringmq.transport.auth.password;

import io.ringmq.transport.auth.scram.SaslPrep;
import io.ringmq.transport.auth.scram.ScramCredential;
import io.ringmq.transport.auth.scram.ScramCredentials;
import io.ringmq.transport.auth.scram.ScramMechanism;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker's {@code passwd} subcommand, modelled on {@code mosquitto_passwd}:
 * <pre>
 *   ringmq passwd [-c] [-D] [-b] [-I iterations] [--scram] FILE USER [PASSWORD]
 * </pre>
 * {@code -c} creates (or overwrites) FILE; {@code -D} deletes USER; {@code -b} takes PASSWORD from the command line
 * (the only way it may come from there); otherwise the password is asked twice on the terminal, or, without one, read
 * as one line from standard input. Without {@code --scram} FILE is a Mosquitto password file and USER gets a
 * {@code $7$} (PBKDF2-HMAC-SHA512, 101 iterations by default) entry that Mosquitto reads too; with {@code --scram}
 * FILE is a {@link ScramCredentials} file and USER gets SCRAM-SHA-256 and SCRAM-SHA-512 entries (4096 iterations by
 * default). Other users and comments are kept; the file is replaced atomically, mode 0600 where the file system has
 * POSIX permissions.
 * <p>
 * Exit status: 0 done; 1 usage error (bad options, passwords that differ, a user name or password that cannot be
 * stored); 2 the file could not be read, parsed or written, or the user to delete is not in it.
 */
public final class PasswdCommand
{
    /** Exit status: done. */
    public static final int OK = 0;
    /** Exit status: the command line or the typed input was wrong. */
    public static final int USAGE = 1;
    /** Exit status: the file could not be read, parsed or written, or the user to delete was not there. */
    public static final int FAILED = 2;

    /** The usage text printed by {@code -h} and after a usage error. */
    public static final String USAGE_TEXT = String.join("\n",
        "Usage: ringmq passwd [-c] [-D] [-b] [-I iterations] [--scram] FILE USER [PASSWORD]",
        "  -c            create FILE, overwriting it if it exists",
        "  -D            delete USER from FILE",
        "  -b            batch mode: take PASSWORD from the command line (otherwise it is asked on the",
        "                terminal, twice, or read as one line from standard input)",
        "  -I iterations hash iterations (default " + PasswordHash.DEFAULT_ITERATIONS + " for a Mosquitto $7$ entry, " +
            ScramCredential.DEFAULT_ITERATIONS + " with --scram)",
        "  --scram       write SCRAM-SHA-256 and SCRAM-SHA-512 credentials to FILE instead of a Mosquitto",
        "                password entry",
        "  -h, --help    print this help",
        "Exit status: 0 done, 1 usage error, 2 file error (read, parse, write, or USER not found for -D).",
        "");

    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswdCommand()
    {
    }

    /** What the command line asked for. */
    private record Options(boolean create, boolean delete, boolean batch, boolean scram, int iterations,
        Path file, String user, String password)
    {
    }

    /** A command-line mistake, reported with the usage. */
    private static final class UsageException extends Exception
    {
        private static final long serialVersionUID = 1L;

        UsageException(final String message)
        {
            super(message);
        }
    }

    /**
     * @param args the arguments after {@code passwd}.
     * @param in   where a password is read from when there is no terminal (normally {@code System.in}).
     * @param out  where help goes.
     * @param err  where errors and prompts' complaints go.
     * @return the exit status: {@link #OK}, {@link #USAGE} or {@link #FAILED}.
     */
    public static int run(final String[] args, final InputStream in, final PrintStream out, final PrintStream err)
    {
        final Options options;
        try
        {
            options = parse(args);
            if (null == options)
            {
                out.print(USAGE_TEXT);
                return OK;
            }
        }
        catch (final UsageException ex)
        {
            err.println("Error: " + ex.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
        try
        {
            return options.scram ? runScram(options, in, err) : runMosquitto(options, in, err);
        }
        catch (final UsageException ex)
        {
            err.println("Error: " + ex.getMessage());
            return USAGE;
        }
        catch (final IOException ex)
        {
            err.println("Error: " + ex.getMessage());
            return FAILED;
        }
    }

    private static Options parse(final String[] args) throws UsageException
    {
        boolean create = false;
        boolean delete = false;
        boolean batch = false;
        boolean scram = false;
        int iterations = 0;
        final List<String> positional = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (optionsEnded || !arg.startsWith("-") || "-".equals(arg))
            {
                positional.add(arg);
                continue;
            }
            switch (arg)
            {
                case "-h", "--help" ->
                {
                    return null;
                }
                case "-c" -> create = true;
                case "-D" -> delete = true;
                case "-b" -> batch = true;
                case "--scram" -> scram = true;
                case "--" -> optionsEnded = true;
                case "-I" ->
                {
                    if (++i == args.length)
                    {
                        throw new UsageException("-I needs an iteration count");
                    }
                    iterations = parseIterations(args[i]);
                }
                default -> throw new UsageException("unknown option " + arg);
            }
        }
        if (create && delete)
        {
            throw new UsageException("-c and -D cannot be used together");
        }
        if (positional.size() < 2)
        {
            throw new UsageException(positional.isEmpty() ? "FILE and USER are required" : "USER is required");
        }
        if (positional.size() > 3)
        {
            throw new UsageException("too many arguments");
        }
        if (delete && (batch || positional.size() == 3 || iterations > 0))
        {
            throw new UsageException("-D takes no password, -b or -I");
        }
        if (positional.size() == 3 && !batch)
        {
            throw new UsageException("a PASSWORD on the command line needs -b (otherwise it is asked for)");
        }
        if (batch && positional.size() != 3)
        {
            throw new UsageException("-b needs a PASSWORD argument");
        }
        if (scram && iterations > ScramCredential.MAX_ITERATIONS)
        {
            throw new UsageException("-I must be at most " + ScramCredential.MAX_ITERATIONS + " with --scram");
        }
        if (!scram && iterations > PasswordHash.MAX_ITERATIONS)
        {
            throw new UsageException("-I must be at most " + PasswordHash.MAX_ITERATIONS);
        }
        return new Options(create, delete, batch, scram, iterations, Paths.get(positional.get(0)), positional.get(1),
            batch ? positional.get(2) : null);
    }

    private static int parseIterations(final String text) throws UsageException
    {
        try
        {
            final int iterations = Integer.parseInt(text);
            if (iterations < 1)
            {
                throw new UsageException("-I must be at least 1: " + text);
            }
            return iterations;
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException("-I needs a number: " + text);
        }
    }

    private static int runMosquitto(final Options options, final InputStream in, final PrintStream err)
        throws IOException, UsageException
    {
        final String problem = MosquittoPasswords.checkUsername(options.user);
        if (null != problem)
        {
            throw new UsageException(problem);
        }
        final MosquittoPasswords current = options.create ? MosquittoPasswords.empty() : readExisting(options.file,
            MosquittoPasswords::read);
        if (options.delete)
        {
            if (!current.contains(options.user))
            {
                err.println("Error: user " + options.user + " not found in " + options.file);
                return FAILED;
            }
            current.without(options.user).write(options.file);
            return OK;
        }
        final byte[] password = password(options, in).getBytes(StandardCharsets.UTF_8);
        final int iterations = options.iterations > 0 ? options.iterations : PasswordHash.DEFAULT_ITERATIONS;
        current.with(options.user, PasswordHash.pbkdf2(password, iterations, RANDOM)).write(options.file);
        return OK;
    }

    private static int runScram(final Options options, final InputStream in, final PrintStream err)
        throws IOException, UsageException
    {
        final String user;
        try
        {
            user = SaslPrep.prepare(options.user);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("user name: " + ex.getMessage());
        }
        final String problem = MosquittoPasswords.checkUsername(user);
        if (null != problem)
        {
            throw new UsageException(problem);
        }
        final ScramCredentials current = options.create ? ScramCredentials.empty() : readExisting(options.file,
            ScramCredentials::read);
        if (options.delete)
        {
            if (!current.users().contains(user))
            {
                err.println("Error: user " + user + " not found in " + options.file);
                return FAILED;
            }
            current.without(user).write(options.file);
            return OK;
        }
        final String password = password(options, in);
        final int iterations = options.iterations > 0 ? options.iterations : ScramCredential.DEFAULT_ITERATIONS;
        ScramCredentials updated = current;
        try
        {
            for (final ScramMechanism mechanism : ScramMechanism.values())
            {
                updated = updated.with(user, ScramCredential.derive(mechanism, password, iterations, RANDOM));
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("password: " + ex.getMessage());
        }
        updated.write(options.file);
        return OK;
    }

    /** A reader of one kind of credentials file. */
    private interface Reader<T>
    {
        T read(Path file) throws CredentialFileException;
    }

    private static <T> T readExisting(final Path file, final Reader<T> reader) throws IOException
    {
        if (!Files.exists(file))
        {
            throw new CredentialFileException(file + " does not exist (use -c to create it)", null);
        }
        return reader.read(file);
    }

    private static String password(final Options options, final InputStream in) throws IOException, UsageException
    {
        if (options.batch)
        {
            return options.password;
        }
        final Console console = System.in == in ? System.console() : null;
        if (null != console)
        {
            final char[] first = console.readPassword("Password: ");
            final char[] second = null == first ? null : console.readPassword("Reenter password: ");
            if (null == second)
            {
                throw new UsageException("no password entered");
            }
            if (!java.util.Arrays.equals(first, second))
            {
                throw new UsageException("passwords do not match");
            }
            return new String(first);
        }
        final String line = readLine(in);
        if (null == line)
        {
            throw new UsageException("no password on standard input");
        }
        return line;
    }

    /** One line of UTF-8, without its terminator; null at end of input before any byte. */
    private static String readLine(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n')
        {
            bytes.write(b);
        }
        if (b < 0 && 0 == bytes.size())
        {
            return null;
        }
        final String line = bytes.toString(StandardCharsets.UTF_8);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
