package io.ringmq.auth;

/** One step of an {@link AuthExchange}: either a challenge for the client or the final result. */
public final class AuthStep
{
    private final byte[] challenge;
    private final AuthResult result;

    private AuthStep(final byte[] challenge, final AuthResult result)
    {
        this.challenge = challenge;
        this.result = result;
    }

    /**
     * @param data what to send the client in an AUTH packet with reason 0x18.
     * @return a step that waits for the client's answer.
     */
    public static AuthStep challenge(final byte[] data)
    {
        return new AuthStep(data.clone(), null);
    }

    /**
     * @param result the outcome; {@link Decision#IGNORE} is taken as a refusal (an exchange must decide).
     * @return the last step.
     */
    public static AuthStep done(final AuthResult result)
    {
        if (null == result)
        {
            throw new IllegalArgumentException("a finished exchange needs a result");
        }
        return new AuthStep(null, result);
    }

    /** @return true if this is a challenge and the exchange goes on. */
    public boolean isChallenge()
    {
        return null != challenge;
    }

    /** @return a copy of the challenge data, or null for the last step. */
    public byte[] challenge()
    {
        return null == challenge ? null : challenge.clone();
    }

    /** @return the result of the last step, or null for a challenge. */
    public AuthResult result()
    {
        return result;
    }
}
