package io.ringmq.auth;

/** What an {@link AclEntry} grants, as in Mosquitto's {@code topic [read|write|readwrite|deny] FILTER}. */
public enum Access
{
    /** Receive messages on matching topics (subscribe to them, get them delivered, get them retained). */
    READ,
    /** Publish to matching topics (including the Will). */
    WRITE,
    /** Both. */
    READWRITE,
    /** Neither, overriding any grant of the same list (Mosquitto checks denials first). */
    DENY;

    /** @return true if this grants reading. */
    public boolean reads()
    {
        return this == READ || this == READWRITE;
    }

    /** @return true if this grants writing. */
    public boolean writes()
    {
        return this == WRITE || this == READWRITE;
    }
}
