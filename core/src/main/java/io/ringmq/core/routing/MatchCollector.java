package io.ringmq.core.routing;

import io.ringmq.auth.Decision;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.status.BrokerCounters;
import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * Collects the sessions a publish goes to, one entry per session for plain subscriptions (overlapping
 * subscriptions merge into one copy at the highest granted QoS carrying every subscription identifier,
 * MQTT-3.3.4-2/-3/-5) plus one entry per matching shared group (one member picked round robin, preferring
 * connected members with room).
 * <p>
 * <b>Threading:</b> one reusable instance owned by the Router thread; arrays grow and are then reused, so a
 * warmed-up publish allocates nothing here.
 */
final class MatchCollector implements TopicMatchHandler<Subscription>
{
    private final Deliverer deliverer;
    private final BrokerCounters counters;
    private long stamp;
    private Session publisher;
    private int publishQos;
    private DirectBuffer topicBuffer;
    private int topicOffset;
    private int topicLength;
    /** Shared groups this match serves: see {@link #sharedGroupsOnly}, {@link #noSharedGroups}, {@link #skipping}. */
    private int sharedMode;
    private String onlyName;
    private String onlyFilter;
    private RemoteRoutes remote;

    private static final int SHARED_ALL = 0;
    private static final int SHARED_NONE = 1;
    private static final int SHARED_ONLY = 2;

    int count;
    Session[] sessions = new Session[16];
    int[] qos = new int[16];
    boolean[] retainAsPublished = new boolean[16];
    Object[] sharedGroups = new Object[16];
    int[][] subscriptionIds = new int[16][4];
    int[] subscriptionIdCounts = new int[16];

    MatchCollector(final Deliverer deliverer, final BrokerCounters counters)
    {
        this.deliverer = deliverer;
        this.counters = counters;
    }

    void begin(final Session publisher, final int publishQos, final DirectBuffer topicBuffer, final int topicOffset,
        final int topicLength)
    {
        this.publisher = publisher;
        this.publishQos = publishQos;
        this.topicBuffer = topicBuffer;
        this.topicOffset = topicOffset;
        this.topicLength = topicLength;
        this.count = 0;
        this.sharedMode = SHARED_ALL;
        this.remote = null;
        stamp++;
    }

    /**
     * In a cluster: skip the shared groups the cluster's routes picked another node for in this message (call after
     * {@link #begin}).
     */
    void skipping(final RemoteRoutes remoteRoutes)
    {
        this.remote = remoteRoutes;
    }

    /** A message another node forwarded to the plain subscribers: no shared group here (its origin chose them). */
    void noSharedGroups()
    {
        this.sharedMode = SHARED_NONE;
    }

    /** A message another node forwarded for one shared group: one member of it, nobody else. */
    void sharedGroupsOnly(final String name, final String filter)
    {
        this.sharedMode = SHARED_ONLY;
        this.onlyName = name;
        this.onlyFilter = filter;
    }

    @Override
    public void onSubscriber(final Subscription subscription)
    {
        if (SHARED_ONLY == sharedMode)
        {
            return;
        }
        final Session session = subscription.session();
        if (subscription.noLocal() && session == publisher)
        {
            return;
        }
        if (!readable(subscription))
        {
            counters.deliveriesNotAuthorized++;
            return;
        }
        final int index = session.matchIndex(stamp);
        if (index >= 0)
        {
            qos[index] = Math.max(qos[index], subscription.qos());
            retainAsPublished[index] |= subscription.retainAsPublished();
            addSubscriptionId(index, subscription.subscriptionId());
            return;
        }
        session.matchIndex(stamp, add(session, subscription, null));
    }

    @Override
    public void onSharedGroup(final SharedGroup<Subscription> group)
    {
        final int size = group.size();
        if (0 == size || SHARED_NONE == sharedMode ||
            (SHARED_ONLY == sharedMode && !(group.name().equals(onlyName) && group.filter().equals(onlyFilter))) ||
            (null != remote && remote.pickedElsewhere(group.name(), group.filter())))
        {
            return;
        }
        final int start = group.nextIndex();
        Subscription chosen = null;
        for (int i = 0; i < size; i++)
        {
            final Subscription candidate = group.member((start + i) % size);
            if (!readable(candidate))
            {
                continue;
            }
            final Session session = candidate.session();
            final ClientConnection connection = session.connection();
            if (null != connection && connection.state() == ClientConnection.CONNECTED &&
                (0 == Math.min(publishQos, candidate.qos()) || !deliverer.isFull(session)))
            {
                chosen = candidate;
                break;
            }
        }
        if (null == chosen)
        {
            chosen = group.member(start % size);
            if (!readable(chosen))
            {
                counters.deliveriesNotAuthorized++;    // no member of the group may read this topic
                return;
            }
        }
        add(chosen.session(), chosen, group);
    }

    /**
     * A subscription whose filter covers topics its session may not read is checked for this topic; the others
     * were judged whole at SUBSCRIBE. No allocation: the permissions match over the topic bytes.
     */
    private boolean readable(final Subscription subscription)
    {
        return !subscription.checkRead() ||
            Decision.ALLOW == subscription.session().permissions().read(topicBuffer, topicOffset, topicLength);
    }

    private int add(final Session session, final Subscription subscription, final Object group)
    {
        if (count == sessions.length)
        {
            final int length = count * 2;
            sessions = Arrays.copyOf(sessions, length);
            qos = Arrays.copyOf(qos, length);
            retainAsPublished = Arrays.copyOf(retainAsPublished, length);
            sharedGroups = Arrays.copyOf(sharedGroups, length);
            subscriptionIdCounts = Arrays.copyOf(subscriptionIdCounts, length);
            subscriptionIds = Arrays.copyOf(subscriptionIds, length);
            for (int i = count; i < length; i++)
            {
                subscriptionIds[i] = new int[4];
            }
        }
        final int index = count++;
        sessions[index] = session;
        qos[index] = subscription.qos();
        retainAsPublished[index] = subscription.retainAsPublished();
        sharedGroups[index] = group;
        subscriptionIdCounts[index] = 0;
        addSubscriptionId(index, subscription.subscriptionId());
        return index;
    }

    private void addSubscriptionId(final int index, final int id)
    {
        if (0 == id)
        {
            return;
        }
        final int n = subscriptionIdCounts[index];
        int[] ids = subscriptionIds[index];
        for (int i = 0; i < n; i++)
        {
            if (ids[i] == id)
            {
                return;
            }
        }
        if (n == ids.length)
        {
            ids = Arrays.copyOf(ids, n * 2);
            subscriptionIds[index] = ids;
        }
        ids[n] = id;
        subscriptionIdCounts[index] = n + 1;
    }

    /** Drop references so sessions can be collected; called after each publish. */
    void clear()
    {
        Arrays.fill(sessions, 0, count, null);
        Arrays.fill(sharedGroups, 0, count, null);
        count = 0;
        publisher = null;
        topicBuffer = null;
        remote = null;
        onlyName = null;
        onlyFilter = null;
    }
}
