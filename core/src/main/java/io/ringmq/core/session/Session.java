package io.ringmq.core.session;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * MQTT session state: subscriptions, QoS 1/2 deliveries in flight and queued, inbound QoS 2 packet ids awaiting
 * PUBREL, and the session expiry. Lives as long as the session, across network connections.
 * <p>
 * <b>Threading:</b> not thread-safe; owned by the Router thread, which is the only reader and writer.
 */
public final class Session
{
    /** Expiry interval meaning "never expires" (MQTT 5 0xFFFFFFFF, and every 3.1.1 persistent session). */
    public static final long NEVER_EXPIRES = 0xFFFF_FFFFL;
    private static final int DROPPED_QUEUE_FULL = 0;
    private static final int DROPPED_TOO_LARGE = 1;
    private static final int DROPPED_EXPIRED = 2;
    private static final int DROPPED_QOS0 = 3;

    private final String clientId;
    // Collections are created on first use: most devices of a large fleet never need some of them, and an idle
    // connection's memory is dominated by what is allocated up front.
    private Map<String, Subscription> subscriptions;
    private Int2ObjectHashMap<Delivery> inflight;
    private ArrayDeque<Delivery> queue;
    private IntHashSet inboundQos2;
    /** Publishers paused because this session's queue is above the high-water mark (flow control). */
    private java.util.ArrayList<ClientConnection> pausedPublishers;
    private ClientConnection connection;
    private long expiryIntervalSeconds;
    private long expiryDeadlineNs = -1;
    private int nextPacketId = 1;
    /** The journal's name for this session, 0 while it is not journaled (clean sessions, journal disabled). */
    private int journalId;
    /** Per-client drop counters, by reason; created on the first drop. Index by the DROPPED_* constants. */
    private long[] drops;

    /** Routing scratch: the publish stamp this session was last collected for, and its slot in that list. */
    private long matchStamp;
    private int matchIndex;

    /** @param clientId client identifier. */
    public Session(final String clientId)
    {
        this.clientId = clientId;
    }

    /**
     * Routing scratch used to merge overlapping subscriptions of one session within one publish.
     *
     * @param stamp publish stamp.
     * @return the slot recorded for this stamp, or -1 if the session was not collected for it yet.
     */
    public int matchIndex(final long stamp)
    {
        return matchStamp == stamp ? matchIndex : -1;
    }

    /**
     * @param stamp publish stamp.
     * @param index slot in the routing list.
     */
    public void matchIndex(final long stamp, final int index)
    {
        this.matchStamp = stamp;
        this.matchIndex = index;
    }

    /** @return the journal's id for this session, 0 if it is not journaled. */
    public int journalId()
    {
        return journalId;
    }

    /** @param journalId the journal's id for this session, 0 for none. */
    public void journalId(final int journalId)
    {
        this.journalId = journalId;
    }

    /** @return client identifier. */
    public String clientId()
    {
        return clientId;
    }

    /** @return subscriptions by filter. */
    public Map<String, Subscription> subscriptions()
    {
        if (null == subscriptions)
        {
            subscriptions = new HashMap<>(4);
        }
        return subscriptions;
    }

    /** @return deliveries in flight by packet id. */
    public Int2ObjectHashMap<Delivery> inflight()
    {
        if (null == inflight)
        {
            inflight = new Int2ObjectHashMap<>();
        }
        return inflight;
    }

    /** @return deliveries in flight, without creating the map. */
    public int inflightCount()
    {
        return null == inflight ? 0 : inflight.size();
    }

    /** @return deliveries queued, without creating the queue. */
    public int queuedCount()
    {
        return null == queue ? 0 : queue.size();
    }

    /** @return deliveries waiting for room in the inflight window or for the client to come back. */
    public ArrayDeque<Delivery> queue()
    {
        if (null == queue)
        {
            queue = new ArrayDeque<>();
        }
        return queue;
    }

    /** @return inbound QoS 2 packet ids for which PUBREC was sent and PUBREL not yet received. */
    public IntHashSet inboundQos2()
    {
        if (null == inboundQos2)
        {
            inboundQos2 = new IntHashSet();
        }
        return inboundQos2;
    }

    /**
     * Record a publisher this session paused.
     *
     * @param publisher the publisher's connection.
     * @return true if newly recorded (the caller then pauses it), false if already paused by this session.
     */
    public boolean addPausedPublisher(final ClientConnection publisher)
    {
        if (null == pausedPublishers)
        {
            pausedPublishers = new java.util.ArrayList<>(2);
        }
        if (pausedPublishers.contains(publisher))
        {
            return false;
        }
        pausedPublishers.add(publisher);
        return true;
    }

    /** @return publishers this session paused (possibly empty), to be resumed by the caller, then cleared. */
    public java.util.List<ClientConnection> pausedPublishers()
    {
        return null == pausedPublishers ? java.util.List.of() : pausedPublishers;
    }

    /** @return the current connection, or null while offline. */
    public ClientConnection connection()
    {
        return connection;
    }

    /** @param connection the current connection, or null. */
    public void connection(final ClientConnection connection)
    {
        this.connection = connection;
    }

    /** @return session expiry interval in seconds. */
    public long expiryIntervalSeconds()
    {
        return expiryIntervalSeconds;
    }

    /** @param seconds session expiry interval in seconds. */
    public void expiryIntervalSeconds(final long seconds)
    {
        this.expiryIntervalSeconds = seconds;
    }

    /** @return nanoTime deadline while offline, -1 when connected or never expiring. */
    public long expiryDeadlineNs()
    {
        return expiryDeadlineNs;
    }

    /** @param deadlineNs nanoTime deadline, or -1. */
    public void expiryDeadlineNs(final long deadlineNs)
    {
        this.expiryDeadlineNs = deadlineNs;
    }

    /**
     * Next free packet identifier for an outbound QoS 1/2 publish, skipping ids still in flight.
     *
     * @return a packet id in 1..65535, or 0 if all are in use.
     */
    public int nextPacketId()
    {
        for (int i = 0; i < 65535; i++)
        {
            final int id = nextPacketId;
            nextPacketId = id == 65535 ? 1 : id + 1;
            if (null == inflight || !inflight.containsKey(id))
            {
                return id;
            }
        }
        return 0;
    }

    private void drop(final int reason)
    {
        if (null == drops)
        {
            drops = new long[4];
        }
        drops[reason]++;
    }

    /** Count a delivery dropped because the session queue was full. */
    public void onDroppedQueueFull()
    {
        drop(DROPPED_QUEUE_FULL);
    }

    /** Count a delivery dropped because it exceeded the client's maximum packet size. */
    public void onDroppedTooLarge()
    {
        drop(DROPPED_TOO_LARGE);
    }

    /** Count a delivery dropped because its message expired. */
    public void onDroppedExpired()
    {
        drop(DROPPED_EXPIRED);
    }

    /** Count a QoS 0 delivery dropped (offline session or full outbound queue). */
    public void onDroppedQos0()
    {
        drop(DROPPED_QOS0);
    }

    /** @return deliveries refused because the queue was full. */
    public long droppedQueueFull()
    {
        return null == drops ? 0 : drops[DROPPED_QUEUE_FULL];
    }

    /** @return deliveries dropped as too large for the client. */
    public long droppedTooLarge()
    {
        return null == drops ? 0 : drops[DROPPED_TOO_LARGE];
    }

    /** @return deliveries dropped as expired. */
    public long droppedExpired()
    {
        return null == drops ? 0 : drops[DROPPED_EXPIRED];
    }

    /** @return QoS 0 deliveries dropped. */
    public long droppedQos0()
    {
        return null == drops ? 0 : drops[DROPPED_QOS0];
    }
}
