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
    // Narrow types where the protocol bounds the value: one of these exists per connected device.
    private final short loopIndex;
    private byte state = NEW;
    private byte version;
    private boolean requestProblemInformation = true;
    private char receiveMaximum = 65535;
    private int maximumPacketSize = Integer.MAX_VALUE;
    private char keepAliveSeconds;
    /** Wall-clock time of the accepted CONNECT (epoch ms), for operators; 0 before. */
    private long connectedAtMs;
    private Session session;
    private String clientId = "";
    private String username;
    /** What the transport knew before CONNECT (listener, address, client certificate), or null. */
    private TransportIdentity identity;
    // Rarely used state lives in objects created on demand, to keep an idle connection small.
    private WillSpec will;
    private Aliases aliases;
    private HeldAcks heldAcks;

    /** The will and its timing. */
    private record WillSpec(Message message, long delaySeconds, long expirySeconds)
    {
    }

    /** Topic aliases of an MQTT 5 connection in both directions. */
    private static final class Aliases
    {
        // Inbound (client to server): alias -> topic bytes, lengths kept separately so arrays are reused.
        byte[][] inboundTopics;
        int[] inboundLengths;
        // Outbound (server to client): topic hash -> alias, alias -> topic bytes.
        Int2IntHashMap outboundByHash;
        byte[][] outboundTopics;
        int outboundCount;
        int outboundMaximum;
    }

    private Aliases aliases()
    {
        if (null == aliases)
        {
            aliases = new Aliases();
        }
        return aliases;
    }

    /**
     * @param connectionId transport connection id.
     * @param loopIndex    event loop that owns the socket.
     */
    public ClientConnection(final long connectionId, final int loopIndex)
    {
        this.connectionId = connectionId;
        this.loopIndex = (short)loopIndex;
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
        this.state = (byte)state;
    }

    /** @return acknowledgements held for this publisher, or null if it was never held. */
    public HeldAcks heldAcks()
    {
        return heldAcks;
    }

    /** @return acknowledgements held for this publisher, created on first use. */
    public HeldAcks heldAcksForUpdate()
    {
        if (null == heldAcks)
        {
            heldAcks = new HeldAcks();
        }
        return heldAcks;
    }

    /** @return protocol version (3, 4 or 5), 0 before CONNECT. */
    public int version()
    {
        return version;
    }

    /** @param version protocol version. */
    public void version(final int version)
    {
        this.version = (byte)version;
    }

    /** @return keep-alive in force in seconds (the client's or the broker's override), 0 for none. */
    public int keepAliveSeconds()
    {
        return keepAliveSeconds;
    }

    /** @return wall-clock time of the accepted CONNECT, epoch milliseconds; 0 before. */
    public long connectedAtMs()
    {
        return connectedAtMs;
    }

    /**
     * The CONNECT was accepted: the connection is {@link #CONNECTED}.
     *
     * @param keepAliveSeconds keep-alive in force, 0 to 65535.
     * @param nowMs            wall-clock time, epoch milliseconds.
     */
    public void accepted(final int keepAliveSeconds, final long nowMs)
    {
        this.state = CONNECTED;
        this.keepAliveSeconds = (char)keepAliveSeconds;
        this.connectedAtMs = nowMs;
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

    /** @return what the transport knew before CONNECT, or null for a plain connection. */
    public TransportIdentity identity()
    {
        return identity;
    }

    /** @param identity what the transport knew before CONNECT. */
    public void identity(final TransportIdentity identity)
    {
        this.identity = identity;
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
        this.receiveMaximum = (char)receiveMaximum;
    }

    /** @return largest packet the client accepts. */
    public long maximumPacketSize()
    {
        return maximumPacketSize;
    }

    /** @param maximumPacketSize largest packet the client accepts. */
    public void maximumPacketSize(final long maximumPacketSize)
    {
        this.maximumPacketSize = (int)Math.min(maximumPacketSize, Integer.MAX_VALUE);
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
        return null == will ? null : will.message();
    }

    /** @return will delay in seconds. */
    public long willDelaySeconds()
    {
        return null == will ? 0 : will.delaySeconds();
    }

    /** @return will message expiry interval in seconds, counted from when the will is published; -1 for none. */
    public long willExpirySeconds()
    {
        return null == will ? -1 : will.expirySeconds();
    }

    /**
     * @param will          will message (its expiry deadline unset) or null.
     * @param delaySeconds  will delay interval.
     * @param expirySeconds message expiry interval of the will, -1 for none.
     */
    public void will(final Message will, final long delaySeconds, final long expirySeconds)
    {
        this.will = null == will ? null : new WillSpec(will, delaySeconds, expirySeconds);
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
            final Aliases a = aliases();
            a.inboundTopics = new byte[serverMaximum + 1][];
            a.inboundLengths = new int[serverMaximum + 1];
        }
    }

    /** @return aliases accepted from the client, 0 for none. */
    public int inboundAliasMaximum()
    {
        return null == aliases || null == aliases.inboundTopics ? 0 : aliases.inboundTopics.length - 1;
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
        byte[] topic = aliases.inboundTopics[alias];
        if (null == topic || topic.length < length)
        {
            topic = new byte[Math.max(length, 32)];
            aliases.inboundTopics[alias] = topic;
        }
        buffer.getBytes(offset, topic, 0, length);
        aliases.inboundLengths[alias] = length;
    }

    /**
     * @param alias alias in 1..maximum.
     * @return the mapped topic bytes or null if unmapped; length from {@link #inboundAliasLength(int)}.
     */
    public byte[] inboundAliasTopic(final int alias)
    {
        return aliases.inboundTopics[alias];
    }

    /**
     * @param alias alias.
     * @return mapped topic length.
     */
    public int inboundAliasLength(final int alias)
    {
        return aliases.inboundLengths[alias];
    }

    /** @return topic aliases the client accepts from the broker. */
    public int topicAliasMaximum()
    {
        return null == aliases ? 0 : aliases.outboundMaximum;
    }

    /** @param maximum topic aliases the client accepts from the broker. */
    public void topicAliasMaximum(final int maximum)
    {
        if (maximum > 0)
        {
            final Aliases a = aliases();
            a.outboundMaximum = maximum;
            a.outboundByHash = new Int2IntHashMap(0);
            a.outboundTopics = new byte[maximum + 1][];
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
        final int alias = aliases.outboundByHash.get(hash);
        if (0 == alias)
        {
            return 0;
        }
        final byte[] topic = aliases.outboundTopics[alias];
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
        return aliases.outboundCount < aliases.outboundMaximum ? aliases.outboundCount + 1 : 0;
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
        aliases.outboundTopics[alias] = topic;
        aliases.outboundByHash.put(hash, alias);
        aliases.outboundCount = alias;
    }
}
