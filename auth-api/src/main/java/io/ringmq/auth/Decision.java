package io.ringmq.auth;

/** The answer of one source in the chain. */
public enum Decision
{
    /** This source accepts: the chain stops here. */
    ALLOW,
    /** This source refuses: the chain stops here. */
    DENY,
    /** This source has no opinion (unknown user, a token it does not understand): ask the next one. */
    IGNORE
}
