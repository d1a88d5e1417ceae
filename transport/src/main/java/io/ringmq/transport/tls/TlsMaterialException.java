package io.ringmq.transport.tls;

/**
 * A certificate, key, keystore, CA or CRL file could not be used: missing, unreadable, malformed, wrong password,
 * or not fitting together. At start the listener does not start; on a reload the old material stays in use.
 */
public final class TlsMaterialException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the file.
     * @param cause   the underlying failure, or null.
     */
    public TlsMaterialException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
