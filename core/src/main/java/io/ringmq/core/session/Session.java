package io.ringmq.core.session;

import io.ringmq.auth.TopicPermissions;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

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
    /**
     * Publishers whose acknowledgements this session holds while its queue is above the high-water mark; each
     * appears once per hold epoch (see {@link HeldAcks#heldBy}).
     */
    private ArrayList<ClientConnection> holdingPublishers;
    /** nanoTime this session started holding publishers, -1 while it holds none. */
    private long holdingSinceNs = -1;
    /** Incremented whenever the session releases its publishers. */
    private long holdEpoch;
    /** Held publishers past the maximum delay without draining: holds nobody until its queue drains. */
    private boolean stalled;
    /**
     * The hold this session asked other nodes of a cluster for while it holds publishers (its number there, 0 for
     * none) and the nodes it asked, one bit each: they are told when it releases. Router thread only.
     */
    private int remoteHoldId;
    private long remoteHoldNodes;
    /** Retained messages still to be sent after a SUBSCRIBE, or null. */
    private RetainedCursor retainedCursor;
    /** Bytes (topic, properties, payload) of the deliveries in {@link #queue}: the byte quota. */
    private long queuedBytes;
    private ClientConnection connection;
    /**
     * What the client may publish and receive, from its latest authentication: consulted by the Router for every
     * PUBLISH and for deliveries through subscriptions marked {@link Subscription#checkRead()}. Router thread only.
     */
    private TopicPermissions permissions = TopicPermissions.ALLOW_ALL;
    private long expiryIntervalSeconds;
    private long expiryDeadlineNs = -1;
    /** The expiry timer's id in the Router's timer wheel while one is scheduled, else {@link Long#MAX_VALUE}. */
    private long expiryTimerId = Long.MAX_VALUE;
    private int nextPacketId = 1;
    /** The journal's name for this session, 0 while it is not journaled (clean sessions, journal disabled). */
    private int journalId;
    /** Per-client drop counters, by reason; created on the first drop. Index by the DROPPED_* constants. */
    private long[] drops;

    /** Routing scratch: the publish stamp this session was last collected for, and its slot in that list. */
    private long matchStamp;
    private int matchIndex;

    /** The broker-wide sums this session's queue and journal id count in (a scratch one during recovery). */
    private SessionTally tally;
    /** Set while the session moves between the nodes of a cluster, else null. */
    private SessionTransit transit;

    /**
     * @param clientId client identifier.
     * @param tally    the broker-wide sums it counts in.
     */
    public Session(final String clientId, final SessionTally tally)
    {
        this.clientId = clientId;
        this.tally = tally;
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

    /** @return the client's permissions (allow-all until an authentication says otherwise). */
    public TopicPermissions permissions()
    {
        return permissions;
    }

    /** @param permissions the client's permissions from its latest authentication. */
    public void permissions(final TopicPermissions permissions)
    {
        this.permissions = permissions;
    }

    /**
     * Count from now on in other sums, adding what the session holds now (a session rebuilt by journal recovery
     * joins the broker's sums; the scratch ones of recovery are dropped).
     *
     * @param broker the broker's sums.
     */
    public void countIn(final SessionTally broker)
    {
        broker.onQueued(queuedCount(), queuedBytes);
        if (0 != journalId)
        {
            broker.onPersistent(1);
        }
        this.tally = broker;
    }

    /** @return the journal's id for this session, 0 if it is not journaled. */
    public int journalId()
    {
        return journalId;
    }

    /** @param journalId the journal's id for this session, 0 for none. */
    public void journalId(final int journalId)
    {
        if ((0 == this.journalId) != (0 == journalId))
        {
            tally.onPersistent(0 == journalId ? -1 : 1);
        }
        this.journalId = journalId;
    }

    /** @return client identifier. */
    public String clientId()
    {
        return clientId;
    }

    /** @return true if the session has any subscription (without allocating the map). */
    public boolean hasSubscriptions()
    {
        return null != subscriptions && !subscriptions.isEmpty();
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

    /**
     * @return deliveries waiting for room in the inflight window or for the client to come back, for reading only:
     *         {@link #enqueue}, {@link #pollQueued}, {@link #removeQueuedIf} and {@link #clearQueue} change it and
     *         keep the byte count.
     */
    public ArrayDeque<Delivery> queue()
    {
        if (null == queue)
        {
            queue = new ArrayDeque<>();
        }
        return queue;
    }

    /** @return bytes of the queued deliveries' messages (topic, properties and payload). */
    public long queuedBytes()
    {
        return queuedBytes;
    }

    /** @param delivery appended to the queue. */
    public void enqueue(final Delivery delivery)
    {
        queue().addLast(delivery);
        final long bytes = bytes(delivery);
        queuedBytes += bytes;
        tally.onQueued(1, bytes);
    }

    /** @return the oldest queued delivery, removed, or null. */
    public Delivery pollQueued()
    {
        final Delivery delivery = null == queue ? null : queue.pollFirst();
        if (null != delivery)
        {
            final long bytes = bytes(delivery);
            queuedBytes -= bytes;
            tally.onQueued(-1, -bytes);
        }
        return delivery;
    }

    /**
     * @param filter which queued deliveries to remove.
     * @return true if any was removed.
     */
    public boolean removeQueuedIf(final Predicate<Delivery> filter)
    {
        if (null == queue)
        {
            return false;
        }
        final int before = queue.size();
        final boolean removed = queue.removeIf(filter);
        if (removed)
        {
            long bytes = 0;
            for (final Delivery delivery : queue)
            {
                bytes += bytes(delivery);
            }
            tally.onQueued(queue.size() - before, bytes - queuedBytes);
            queuedBytes = bytes;
        }
        return removed;
    }

    /** Empty the queue. */
    public void clearQueue()
    {
        if (null != queue)
        {
            tally.onQueued(-queue.size(), -queuedBytes);
            queue.clear();
        }
        queuedBytes = 0;
    }

    private static long bytes(final Delivery delivery)
    {
        final Message message = delivery.message();
        return (long)message.topicLength() + message.propertiesLength() + message.payloadLength();
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
     * Record a publisher whose acknowledgements this session holds.
     *
     * @param publisher the publisher's connection.
     * @return true if newly recorded (the caller then counts the hold on the publisher), false if already held.
     */
    public boolean addHoldingPublisher(final ClientConnection publisher)
    {
        if (null == holdingPublishers)
        {
            holdingPublishers = new ArrayList<>(2);
        }
        if (holdingPublishers.contains(publisher))
        {
            return false;
        }
        holdingPublishers.add(publisher);
        return true;
    }

    /** @return publishers this session holds (possibly empty), to be released by the caller, then cleared. */
    public List<ClientConnection> holdingPublishers()
    {
        return null == holdingPublishers ? List.of() : holdingPublishers;
    }

    /** @return nanoTime the session started holding publishers, -1 while it holds none. */
    public long holdingSinceNs()
    {
        return holdingSinceNs;
    }

    /** @param nowNs nanoTime the session started holding publishers, -1 once it released them. */
    public void holdingSinceNs(final long nowNs)
    {
        if (nowNs < 0)
        {
            holdEpoch++;
        }
        this.holdingSinceNs = nowNs;
    }

    /** @return the hold epoch, which changes every time the session releases its publishers. */
    public long holdEpoch()
    {
        return holdEpoch;
    }

    /** @return the number of the hold this session asked other nodes for, 0 for none. */
    public int remoteHoldId()
    {
        return remoteHoldId;
    }

    /** @return the nodes this session asked to hold their publishers, one bit each. */
    public long remoteHoldNodes()
    {
        return remoteHoldNodes;
    }

    /**
     * @param holdId the number of the hold this session asks other nodes for, 0 once released.
     * @param nodes  the nodes asked, one bit each.
     */
    public void remoteHold(final int holdId, final long nodes)
    {
        this.remoteHoldId = holdId;
        this.remoteHoldNodes = nodes;
    }

    /** @return true if the session held publishers past the maximum delay and has not drained since. */
    public boolean stalled()
    {
        return stalled;
    }

    /** @param stalled whether the session is stalled. */
    public void stalled(final boolean stalled)
    {
        this.stalled = stalled;
    }

    /** @return retained messages still to be sent after a SUBSCRIBE, or null. */
    public RetainedCursor retainedCursor()
    {
        return retainedCursor;
    }

    /** @param cursor retained messages still to be sent, or null once all are. */
    public void retainedCursor(final RetainedCursor cursor)
    {
        this.retainedCursor = cursor;
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

    /** @return the expiry timer's id while one is scheduled, else {@link Long#MAX_VALUE}. */
    public long expiryTimerId()
    {
        return expiryTimerId;
    }

    /** @param timerId the expiry timer's id, or {@link Long#MAX_VALUE} for none. */
    public void expiryTimerId(final long timerId)
    {
        this.expiryTimerId = timerId;
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

    /** @return where the packet id search starts: handed over with the session when it moves to another node. */
    public int packetIdCursor()
    {
        return nextPacketId;
    }

    /** @param next where the packet id search starts, 1..65535. */
    public void packetIdCursor(final int next)
    {
        this.nextPacketId = next < 1 || next > 65535 ? 1 : next;
    }

    /** @return the session's move between nodes while it moves, else null. */
    public SessionTransit transit()
    {
        return transit;
    }

    /** @param transit the session's move between nodes, or null once it ended. */
    public void transit(final SessionTransit transit)
    {
        this.transit = transit;
    }

    private void drop(final int reason)
    {
        if (null == drops)
        {
            drops = new long[4];
        }
        drops[reason]++;
    }

    /** Count a delivery dropped because the session queue was full (the new one or the oldest, by policy). */
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

    /** @return deliveries dropped because the queue was full. */
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
