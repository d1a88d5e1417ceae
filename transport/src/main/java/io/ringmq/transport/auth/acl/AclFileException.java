package io.ringmq.transport.auth.acl;

/**
 * An ACL file that cannot be used: the line it failed on (1-based, 0 when the failure is not about one line) and
 * what is wrong with it. The authorizer keeps its previous rules when a reload fails with this.
 */
public final class AclFileException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    /**
     * @param source     the file's name, for the message.
     * @param lineNumber the 1-based line, or 0.
     * @param what       what is wrong.
     */
    public AclFileException(final String source, final int lineNumber, final String what)
    {
        super(source + (lineNumber > 0 ? ":" + lineNumber : "") + ": " + what);
        this.lineNumber = lineNumber;
    }

    /** @return the 1-based line number the error is on, or 0. */
    public int lineNumber()
    {
        return lineNumber;
    }
}
