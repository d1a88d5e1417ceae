package io.ringmq.transport;

/**
 * The broker could not start, for example because its port is in use.
 */
public final class BrokerStartException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong.
     * @param cause   underlying error.
     */
    public BrokerStartException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
