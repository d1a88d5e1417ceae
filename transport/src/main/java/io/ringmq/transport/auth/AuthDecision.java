package io.ringmq.transport.auth;

import io.ringmq.core.session.AuthOutcome;

/**
 * What the authentication pool answers for one step of a connection's authentication: a challenge to send the client
 * (enhanced authentication goes on), or the outcome for the Router, with the credential's expiry and how long to hold
 * the answer back (a failed attempt from an address or user that failed recently is slowed down).
 *
 * @param challenge   authentication data for an AUTH 0x18, or null when the outcome is decided.
 * @param outcome     the outcome, or null for a challenge.
 * @param expiresAtMs when the credential expires (epoch ms), 0 if never.
 * @param delayMs     how long the transport waits before it acts on a refusal.
 */
public record AuthDecision(byte[] challenge, AuthOutcome outcome, long expiresAtMs, long delayMs)
{
    /**
     * @param data the challenge.
     * @return a decision that continues the exchange.
     */
    static AuthDecision challenge(final byte[] data)
    {
        return new AuthDecision(data, null, 0, 0);
    }

    /** @return true if the exchange goes on with a challenge. */
    public boolean isChallenge()
    {
        return null != challenge;
    }
}
