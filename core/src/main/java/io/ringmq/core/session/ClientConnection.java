package io.ringmq.core.session;

import org.agrona.DirectBuffer;
import org.agrona.collections.Int2IntHashMap;

/**
 * The routing stage's view of one network connection: protocol version, negotiated limits, topic aliases in both
 * directions, the will, and the session it is attached to.
 * <p>
 * <b>Threading:</b> Router thread only. The transport has its own per-connection state on the event loop.
 */
public final class ClientConnection
{
    /** Waiting for CONNECT. */
    public static final int NEW = 0;
    /** CONNACK sent: packets flow. */
    public static final int CONNECTED = 1;
    /** The broker decided to close it; everything it sends from now on is discarded. */
    public static final int CLOSING = 2;

    private final long connectionId;
    private final int loopIndex;
    private int state = NEW;
    private int version;
    private Session session;
    private String clientId = "";
    private String username;
    private int receiveMaximum = 65535;
    private long maximumPacketSize = Integer.MAX_VALUE;
    private int topicAliasMaximum;
    private boolean requestProblemInformation = true;
    private Message will;
    private long willDelaySeconds;
    private long willExpirySeconds = -1;

    // Inbound aliases (client to server): alias -> topic bytes, lengths kept separately so arrays are reused.
    private byte[][] inboundAliasTopics;
    private int[] inboundAliasLengths;

    // Outbound aliases (server to client): topic hash -> alias, alias -> topic bytes.
    private Int2IntHashMap outboundAliasByHash;
    private byte[][] outboundAliasTopics;
    private int outboundAliasCount;

    /**
     * @param connectionId transport connection id.
     * @param loopIndex    event loop that owns the socket.
     */
    public ClientConnection(final long connectionId, final int loopIndex)
    {
        this.connectionId = connectionId;
        this.loopIndex = loopIndex;
    }

    /** @return transport connection id. */
    public long connectionId()
    {
        return connectionId;
    }

    /** @return owning event loop. */
    public int loopIndex()
    {
        return loopIndex;
    }

    /** @return state constant. */
    public int state()
    {
        return state;
    }

    /** @param state state constant. */
    public void state(final int state)
    {
        this.state = state;
    }

    /** @return protocol version (3, 4 or 5), 0 before CONNECT. */
    public int version()
    {
        return version;
    }

    /** @param version protocol version. */
    public void version(final int version)
    {
        this.version = version;
    }

    /** @return attached session or null. */
    public Session session()
    {
        return session;
    }

    /** @param session attached session or null. */
    public void session(final Session session)
    {
        this.session = session;
    }

    /** @return client id, "" before CONNECT. */
    public String clientId()
    {
        return clientId;
    }

    /** @param clientId client id. */
    public void clientId(final String clientId)
    {
        this.clientId = clientId;
    }

    /** @return user name or null. */
    public String username()
    {
        return username;
    }

    /** @param username user name or null. */
    public void username(final String username)
    {
        this.username = username;
    }

    /** @return the client's receive maximum: QoS 1/2 publishes it accepts unacknowledged. */
    public int receiveMaximum()
    {
        return receiveMaximum;
    }

    /** @param receiveMaximum the client's receive maximum. */
    public void receiveMaximum(final int receiveMaximum)
    {
        this.receiveMaximum = receiveMaximum;
    }

    /** @return largest packet the client accepts. */
    public long maximumPacketSize()
    {
        return maximumPacketSize;
    }

    /** @param maximumPacketSize largest packet the client accepts. */
    public void maximumPacketSize(final long maximumPacketSize)
    {
        this.maximumPacketSize = maximumPacketSize;
    }

    /** @return whether reason strings and user properties may be sent on other packets than PUBLISH/CONNACK. */
    public boolean requestProblemInformation()
    {
        return requestProblemInformation;
    }

    /** @param value the client's Request Problem Information. */
    public void requestProblemInformation(final boolean value)
    {
        this.requestProblemInformation = value;
    }

    /** @return the will message, or null. */
    public Message will()
    {
        return will;
    }

    /** @return will delay in seconds. */
    public long willDelaySeconds()
    {
        return willDelaySeconds;
    }

    /** @return will message expiry interval in seconds, counted from when the will is published; -1 for none. */
    public long willExpirySeconds()
    {
        return willExpirySeconds;
    }

    /**
     * @param will          will message (its expiry deadline unset) or null.
     * @param delaySeconds  will delay interval.
     * @param expirySeconds message expiry interval of the will, -1 for none.
     */
    public void will(final Message will, final long delaySeconds, final long expirySeconds)
    {
        this.will = will;
        this.willDelaySeconds = delaySeconds;
        this.willExpirySeconds = expirySeconds;
    }

    /**
     * Configure inbound topic aliases.
     *
     * @param serverMaximum aliases the broker accepts from this client.
     */
    public void inboundAliasMaximum(final int serverMaximum)
    {
        if (serverMaximum > 0)
        {
            inboundAliasTopics = new byte[serverMaximum + 1][];
            inboundAliasLengths = new int[serverMaximum + 1];
        }
    }

    /** @return aliases accepted from the client, 0 for none. */
    public int inboundAliasMaximum()
    {
        return null == inboundAliasTopics ? 0 : inboundAliasTopics.length - 1;
    }

    /**
     * Record an inbound alias mapping (MQTT 5 section 3.3.2.3.4). Reuses the array when it is large enough.
     *
     * @param alias  alias in 1..maximum.
     * @param buffer topic bytes.
     * @param offset offset.
     * @param length length.
     */
    public void inboundAlias(final int alias, final DirectBuffer buffer, final int offset, final int length)
    {
        byte[] topic = inboundAliasTopics[alias];
        if (null == topic || topic.length < length)
        {
            topic = new byte[Math.max(length, 32)];
            inboundAliasTopics[alias] = topic;
        }
        buffer.getBytes(offset, topic, 0, length);
        inboundAliasLengths[alias] = length;
    }

    /**
     * @param alias alias in 1..maximum.
     * @return the mapped topic bytes or null if unmapped; length from {@link #inboundAliasLength(int)}.
     */
    public byte[] inboundAliasTopic(final int alias)
    {
        return inboundAliasTopics[alias];
    }

    /**
     * @param alias alias.
     * @return mapped topic length.
     */
    public int inboundAliasLength(final int alias)
    {
        return inboundAliasLengths[alias];
    }

    /** @return topic aliases the client accepts from the broker. */
    public int topicAliasMaximum()
    {
        return topicAliasMaximum;
    }

    /** @param maximum topic aliases the client accepts from the broker. */
    public void topicAliasMaximum(final int maximum)
    {
        this.topicAliasMaximum = maximum;
        if (maximum > 0)
        {
            outboundAliasByHash = new Int2IntHashMap(0);
            outboundAliasTopics = new byte[maximum + 1][];
        }
    }

    /**
     * Find the outbound alias for a topic. Collisions of the hash keep the first topic; others go without alias.
     *
     * @param buffer topic bytes.
     * @param offset offset.
     * @param length length.
     * @param hash   hash of the topic bytes.
     * @return alias, 0 if none is assigned, or -1 if the hash belongs to another topic.
     */
    public int outboundAlias(final DirectBuffer buffer, final int offset, final int length, final int hash)
    {
        final int alias = outboundAliasByHash.get(hash);
        if (0 == alias)
        {
            return 0;
        }
        final byte[] topic = outboundAliasTopics[alias];
        if (topic.length != length)
        {
            return -1;
        }
        for (int i = 0; i < length; i++)
        {
            if (topic[i] != buffer.getByte(offset + i))
            {
                return -1;
            }
        }
        return alias;
    }

    /**
     * Reserve the next outbound alias number, if any is left. Call {@link #assignOutboundAlias} once sent.
     *
     * @return alias number, or 0 when all are used.
     */
    public int nextOutboundAlias()
    {
        return outboundAliasCount < topicAliasMaximum ? outboundAliasCount + 1 : 0;
    }

    /**
     * Record an outbound alias after the PUBLISH that established it was queued for the client.
     *
     * @param alias  alias from {@link #nextOutboundAlias()}.
     * @param buffer topic bytes.
     * @param offset offset.
     * @param length length.
     * @param hash   hash of the topic bytes.
     */
    public void assignOutboundAlias(final int alias, final DirectBuffer buffer, final int offset, final int length,
        final int hash)
    {
        final byte[] topic = new byte[length];
        buffer.getBytes(offset, topic);
        outboundAliasTopics[alias] = topic;
        outboundAliasByHash.put(hash, alias);
        outboundAliasCount = alias;
    }
}
