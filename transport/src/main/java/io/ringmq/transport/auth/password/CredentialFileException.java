package io.ringmq.transport.auth.password;

import java.io.IOException;

/**
 * A password or SCRAM credentials file could not be used: a malformed line (with its number), or an I/O failure.
 * The message never carries a hash, salt or password, only where the problem is and what kind it is, so it may be
 * logged as it is.
 */
public final class CredentialFileException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    /**
     * @param source     the file's name (or another label) for the message.
     * @param lineNumber the 1-based line of the problem, or 0 if it is not about one line.
     * @param problem    what is wrong, without secret material.
     */
    public CredentialFileException(final String source, final int lineNumber, final String problem)
    {
        super(source + (lineNumber > 0 ? " line " + lineNumber : "") + ": " + problem);
        this.lineNumber = lineNumber;
    }

    /**
     * @param message what failed.
     * @param cause   the underlying I/O error.
     */
    public CredentialFileException(final String message, final Throwable cause)
    {
        super(message, cause);
        this.lineNumber = 0;
    }

    /** @return the 1-based line number of the problem, or 0 if it is not about one line. */
    public int lineNumber()
    {
        return lineNumber;
    }
}
