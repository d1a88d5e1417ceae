package io.ringmq.cluster;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.ringmq.cluster.control.ClusterListener;
import io.ringmq.cluster.control.ControlMessageDescriptor;
import io.ringmq.cluster.control.ControlPlaneService;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.cluster.ForwardDescriptor;
import io.ringmq.core.ring.FrameBufferPool;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins a broker's Router to the cluster, both ways.
 * <ul>
 *   <li>As the Router's {@link ClusterLink} (routing thread): a filter's first and last local subscriber, and a
 *   retained message, become control-plane commands, and an accepted message is offered to the data-plane
 *   publication of each node with subscribers to it.</li>
 *   <li>As the control-plane client's {@link ClusterListener} (its agent thread): a route change becomes a
 *   {@link RingEvent#CLUSTER_ROUTE} ring event and a retained message a {@link RingEvent#CLUSTER_RETAINED} one, so
 *   the Router stays the only writer of its routing state; a node up or down opens or closes that node's data-plane
 *   publication.</li>
 * </ul>
 * A forward that a node's publication cannot take now waits in that node's bounded pending queue; one that finds the
 * queue full is refused (the Router then refuses a QoS 1/2 message to its publisher); one for a node without a
 * connection is dropped, except while a node just up connects ({@link PeerLink#CONNECT_GRACE_NS}): its forwards
 * wait in its queue meanwhile. Drops and refusals are counted and logged.
 */
public final class ClusterBridge implements ClusterLink, ClusterListener, ClusterStats, AutoCloseable
{
    /** Aeron stream id of the data plane. */
    public static final int DATA_STREAM_ID = 1001;

    private static final Logger LOG = LoggerFactory.getLogger(ClusterBridge.class);
    private static final long RING_RETRY_NS = TimeUnit.MICROSECONDS.toNanos(100);
    /** Longest wait at close for the command queue to empty. */
    private static final long CLOSE_DRAIN_NS = TimeUnit.SECONDS.toNanos(2);
    /** Most commands kept for a full command queue; past it they are dropped (counted). */
    static final int MAX_DEFERRED_COMMANDS = 100_000;
    /** Longest topic filter: an MQTT string. */
    private static final int MAX_FILTER_LENGTH = 65_535;

    private final int nodeId;
    private final RingBuffer<RingEvent> ring;
    /**
     * Each live peer's data-plane link: set and cleared by the client's agent (node up, node down); the Router offers
     * to its publication and writes to its pending queue, the data-plane agent drains the queue.
     */
    private final AtomicReferenceArray<PeerLink> links = new AtomicReferenceArray<>(ClusterMembers.MAX_NODES);
    /** One bit per node with a link in {@link #links}: written after each change by the same agent, read by any. */
    private volatile long peerMask;
    /** Per node, bumped by the same agent each time its link is opened or closed; read by the Router. */
    private final AtomicLongArray generations = new AtomicLongArray(ClusterMembers.MAX_NODES);
    private final ControlledMessageHandler drainHandler = this::onPending;
    private final AtomicLong forwardsQueued = new AtomicLong();
    private final AtomicLong forwardsRefused = new AtomicLong();
    private PeerLink draining;
    private boolean drainBlocked;
    private final AtomicLong forwardsSent = new AtomicLong();
    private final AtomicLong forwardsDropped = new AtomicLong();
    private final AtomicLong commandsDropped = new AtomicLong();
    private final AtomicLong commandsRefused = new AtomicLong();
    private final RateLimitedLog dropLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private final RateLimitedLog commandLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    /** Route changes and directory commands the command queue could not take (routing thread only). */
    private final DeferredCommands deferred = new DeferredCommands(MAX_DEFERRED_COMMANDS, this::onCommandDropped);
    private final RateLimitedLog refusalLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private final int maxMessageLength;
    private final int maxInlineLength;
    /**
     * Buffers for control-plane changes longer than a ring slot keeps (a long filter, a retained message); the
     * Router gives them back.
     */
    private final FrameBufferPool largeChanges =
        new FrameBufferPool(Math.max(MAX_FILTER_LENGTH, ControlMessageDescriptor.MAX_BODY_LENGTH), 4);
    /** Reads a retained message's topic on the routing thread. */
    private final ForwardCodec forwardReader = new ForwardCodec();
    private volatile ClusterNode node;
    private volatile AgentRunner receiverRunner;
    private volatile DataPlaneReceiver receiver;
    private volatile boolean closed;

    /**
     * @param nodeId         this node's id.
     * @param ring           the broker's inbound ring.
     * @param maxPacketSize  the broker's max-packet-size: no forward is longer than one packet plus its header.
     */
    public ClusterBridge(final int nodeId, final RingBuffer<RingEvent> ring, final int maxPacketSize)
    {
        this.nodeId = nodeId;
        this.ring = ring;
        this.maxMessageLength = ForwardDescriptor.HEADER_LENGTH + maxPacketSize;
        this.maxInlineLength = ring.get(0).maxInlineLength();
    }

    /**
     * Starts this node's part of the cluster with this bridge as its listener.
     *
     * @param config the node's cluster settings.
     * @return the node, also kept by the bridge.
     */
    public ClusterNode start(final ClusterNodeConfig config)
    {
        final ClusterNode started = ClusterNode.launch(config, this);
        this.node = started;
        try
        {
            final Subscription subscription = started.aeron().addSubscription(
                "aeron:udp?endpoint=" + config.dataEndpoint(), DATA_STREAM_ID);
            receiver = new DataPlaneReceiver(subscription, ring, maxMessageLength, this::drainPending);
            receiverRunner = new AgentRunner(ClusterNode.dataPathIdle(), ex ->
                LOG.error("cluster: data-plane receiver failed", ex), null, receiver);
            AgentRunner.startOnThread(receiverRunner);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(started);
            throw ex;
        }
        return started;
    }

    @Override
    public int nodeId()
    {
        return nodeId;
    }

    @Override
    public long peers()
    {
        return peerMask;   // one read: the Router asks for every QoS 1/2 forward and acknowledgement
    }

    @Override
    public boolean synced()
    {
        final ClusterNode running = node;
        return null != running && running.client().isSynced();
    }

    @Override
    public long linkGeneration(final int peer)
    {
        return peer >= 0 && peer < ClusterMembers.MAX_NODES ? generations.get(peer) : 0;
    }

    @Override
    public boolean controlPlaneReachable()
    {
        final ClusterNode running = node;
        return null == running || !running.client().cutOff();
    }

    @Override
    public int nodesUp()
    {
        return 1 + Long.bitCount(peers());
    }

    @Override
    public void onLocalFilterAdded(final String filter)
    {
        deferred.send("route add", filter, () -> node.client().addRoute(filter));
    }

    @Override
    public void onLocalFilterRemoved(final String filter)
    {
        deferred.send("route remove", filter, () -> node.client().removeRoute(filter));
    }

    @Override
    public void onTick()
    {
        deferred.retry();
    }

    private void onCommandDropped(final String what, final String about)
    {
        commandsDropped.incrementAndGet();
        final long due = commandLog.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.error("cluster: {} control-plane command(s) not sent since the last report (the command queue is " +
                "full or the command malformed), the last a {} of '{}'", due, what, about);
        }
    }

    /**
     * Offers the message to each node's publication; behind a back-pressured publication (or messages already
     * waiting) it goes in that node's pending queue, in order, drained by the data-plane agent. A node without a
     * connection (down, or just up) does not get it: counted as dropped.
     *
     * @return false if a node's pending queue was full: that node does not get the message (counted as refused;
     *         the Router refuses a QoS 1/2 message to its publisher then, so none is acknowledged and lost here).
     */
    @Override
    public boolean forward(final long nodes, final DirectBuffer message, final int offset, final int length)
    {
        boolean taken = true;
        long pending = nodes;
        while (pending != 0)
        {
            final int target = Long.numberOfTrailingZeros(pending);
            pending &= pending - 1;
            final PeerLink link = links.get(target);
            if (null == link)
            {
                dropped(target, "no data-plane connection");
                continue;
            }
            if (link.queue.size() == 0)
            {
                final long result = link.offer(message, offset, length);
                if (result > 0)
                {
                    forwardsSent.incrementAndGet();
                    continue;
                }
                if (!link.shouldWait(result, System.nanoTime()))
                {
                    dropped(target, PeerLink.errorString(result));
                    continue;
                }
            }
            if (0 == (message.getInt(offset + ForwardDescriptor.FLAGS_OFFSET, ByteOrder.LITTLE_ENDIAN) &
                ForwardDescriptor.QOS_MASK) && link.queue.size() > PeerLink.QOS0_QUEUE_BYTES)
            {
                // QoS 0 is dropped early rather than delivered late, and leaves the queue to QoS 1/2.
                dropped(target, "QoS 0 behind a backed-up node");
                continue;
            }
            if (link.enqueue(message, offset, length))
            {
                forwardsQueued.incrementAndGet();
            }
            else
            {
                forwardsRefused.incrementAndGet();
                taken = false;
                logDrop(target, "its pending queue is full");
            }
        }
        return taken;
    }

    private void dropped(final int target, final String why)
    {
        forwardsDropped.incrementAndGet();
        logDrop(target, why);
    }

    private void logDrop(final int target, final String why)
    {
        final long due = dropLog.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.warn("cluster: {} forward(s) not delivered since the last report, the last to node {}: {}", due,
                target, why);
        }
    }

    /**
     * Sends what waits in the peers' pending queues, in order, until a publication pushes back. Data-plane agent
     * thread only.
     *
     * @return messages sent.
     */
    int drainPending()
    {
        int sent = 0;
        for (int i = 0; i < ClusterMembers.MAX_NODES; i++)
        {
            final PeerLink link = links.get(i);
            if (null != link && link.queue.size() > 0)
            {
                draining = link;
                drainBlocked = false;
                sent += link.queue.controlledRead(drainHandler);
            }
        }
        draining = null;
        return sent;
    }

    private ControlledMessageHandler.Action onPending(
        final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (drainBlocked)
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        final long result = draining.offer(buffer, index, length);
        if (result > 0)
        {
            forwardsSent.incrementAndGet();
            return ControlledMessageHandler.Action.CONTINUE;
        }
        if (draining.shouldWait(result, System.nanoTime()))
        {
            drainBlocked = true;
            return ControlledMessageHandler.Action.ABORT;
        }
        dropped(-1, PeerLink.errorString(result));
        return ControlledMessageHandler.Action.CONTINUE;
    }

    @Override
    public void onNodeUp(final int upNode, final String dataEndpoint)
    {
        if (upNode == nodeId)
        {
            return;
        }
        final Publication publication = node.aeron().addPublication(
            "aeron:udp?endpoint=" + dataEndpoint + "|term-length=" + PeerLink.TERM_LENGTH + "|pub-wnd=" +
            PeerLink.PUBLICATION_WINDOW, DATA_STREAM_ID);
        close(links.getAndSet(upNode, new PeerLink(publication, System.nanoTime())));
        generations.incrementAndGet(upNode);
        peerMask |= 1L << upNode;
        LOG.info("cluster: node {} is up, data plane {}", upNode, dataEndpoint);
    }

    @Override
    public void onNodeDown(final int downNode)
    {
        close(links.getAndSet(downNode, null));
        peerMask &= ~(1L << downNode);
        generations.incrementAndGet(downNode);
        LOG.info("cluster: node {} is down", downNode);
    }

    private void close(final PeerLink link)
    {
        if (null != link)
        {
            // What still waits is not sent (the agent that drains finds the publication closed and counts it).
            final int waiting = link.queue.size();
            if (waiting > 0)
            {
                LOG.warn("cluster: {} bytes of forwards to a node that went away are dropped", waiting);
            }
            CloseHelper.quietClose(link.publication);
        }
    }

    @Override
    public void onRouteChanged(final String filter, final long nodes)
    {
        final byte[] bytes = filter.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        toRouter(RingEvent.CLUSTER_ROUTE, nodes, new UnsafeBuffer(bytes), 0, bytes.length);
    }

    @Override
    public void onRetained(final String topic, final DirectBuffer message, final int offset, final int length)
    {
        toRouter(RingEvent.CLUSTER_RETAINED, 0, message, offset, length);
    }

    @Override
    public void onRetainedGone(final String topic)
    {
        final byte[] bytes = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final UnsafeBuffer clear = new UnsafeBuffer(new byte[ForwardCodec.length(bytes.length, 0, 0)]);
        final UnsafeBuffer topicBuffer = new UnsafeBuffer(bytes);
        final int length = ForwardCodec.encode(clear, 0, 0, true, -1, nodeId, 0, topicBuffer, 0, bytes.length,
            topicBuffer, 0, 0);
        toRouter(RingEvent.CLUSTER_RETAINED, 0, clear, 0, length);
    }

    /**
     * Puts a control-plane change on the ring for the Router. Never dropped: while the ring (or the pool, for one
     * longer than a slot keeps) is full, the control-plane client waits; the Router drains the ring whatever the
     * clients do.
     */
    private void toRouter(final int type, final long value, final DirectBuffer content, final int offset,
        final int length)
    {
        while (!closed)
        {
            final UnsafeBuffer large = length > maxInlineLength ? largeChanges.tryAcquire() : null;
            if (length <= maxInlineLength || null != large)
            {
                try
                {
                    final long sequence = ring.tryNext();
                    final RingEvent event = ring.get(sequence);
                    final long nowNs = System.nanoTime();
                    final MutableDirectBuffer frame = null == large ?
                        event.frame(type, value, -1, length, nowNs) :
                        event.largeClusterFrame(type, value, length, nowNs, largeChanges, large);
                    frame.putBytes(0, content, offset, length);
                    ring.publish(sequence);
                    return;
                }
                catch (final InsufficientCapacityException ex)
                {
                    if (null != large)
                    {
                        largeChanges.release(large);
                    }
                }
            }
            LockSupport.parkNanos(RING_RETRY_NS);
        }
    }

    @Override
    public int maxRetainedLength()
    {
        return ControlMessageDescriptor.MAX_BODY_LENGTH;
    }

    /**
     * Queues the retained message for the control plane. One that cannot be queued (the command queue is full) is
     * counted and logged, and stays on this node only.
     */
    @Override
    public boolean retain(final DirectBuffer message, final int offset, final int length)
    {
        final String topic = forwardReader.wrap(message, offset, length) ?
            message.getStringWithoutLengthUtf8(forwardReader.topicOffset(), forwardReader.topicLength()) : null;
        if (null == topic || !node.client().retain(topic, message, offset, length))
        {
            onCommandDropped("retained message", topic);
            return false;
        }
        return true;
    }

    @Override
    public void onSessionOwner(final String clientId, final int owner, final int previousOwner, final long epoch)
    {
        sessionToRouter(ClusterLink.SESSION_OWNER, clientId, owner, previousOwner, epoch);
    }

    @Override
    public void onSessionHandoff(final String clientId, final int owner, final int previousOwner, final long epoch)
    {
        sessionToRouter(ClusterLink.SESSION_HANDOFF, clientId, owner, previousOwner, epoch);
    }

    @Override
    public void onSessionOwnerDown(final String clientId, final int owner, final boolean moving)
    {
        sessionToRouter(ClusterLink.SESSION_OWNER_DOWN, clientId, owner, nodeId(),
            moving ? ClusterLink.OWNER_MOVING : 0);
    }

    @Override
    public void onSessionCut(final String clientId, final int owner, final int previousOwner, final long epoch)
    {
        sessionToRouter(ClusterLink.SESSION_CUT, clientId, owner, previousOwner, epoch);
    }

    private void sessionToRouter(final int kind, final String clientId, final int owner, final int other,
        final long epoch)
    {
        final byte[] id = clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[ClusterLink.SESSION_FRAME_HEADER + id.length]);
        frame.putInt(0, owner, ByteOrder.LITTLE_ENDIAN);
        frame.putInt(Integer.BYTES, other, ByteOrder.LITTLE_ENDIAN);
        frame.putInt(2 * Integer.BYTES, kind, ByteOrder.LITTLE_ENDIAN);
        frame.putBytes(ClusterLink.SESSION_FRAME_HEADER, id);
        toRouter(RingEvent.CLUSTER_SESSION, epoch, frame, 0, frame.capacity());
    }

    @Override
    public void registerWill(final String clientId, final DirectBuffer will, final int offset, final int length,
        final long delaySeconds, final boolean running)
    {
        if (length > ControlMessageDescriptor.MAX_BODY_LENGTH)
        {
            onCommandDropped("will longer than the control plane keeps (published by this node only)", clientId);
            return;
        }
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
        copy.putBytes(0, will, offset, length);
        deferred.send("will", clientId,
            () -> node.client().setWill(clientId, delaySeconds, running, copy, 0, length));
    }

    @Override
    public void resetWills()
    {
        deferred.send("will reset", "", () -> node.client().resetWills());
    }

    @Override
    public void clearWill(final String clientId)
    {
        deferred.send("will clear", clientId, () -> node.client().clearWill(clientId));
    }

    @Override
    public void onWillTaken(final String clientId, final boolean published)
    {
        sessionToRouter(ClusterLink.WILL_TAKEN, clientId, nodeId, published ? 1 : 0, 0);
    }

    @Override
    public void onSessionExpiredWhileDown(final String clientId)
    {
        sessionToRouter(ClusterLink.SESSION_EXPIRED, clientId, nodeId, 0, 0);
    }

    @Override
    public void onSessionQueried(final String clientId, final int owner, final int previous, final long epoch)
    {
        sessionToRouter(ClusterLink.SESSION_QUERIED, clientId, owner, previous, epoch);
    }

    @Override
    public void querySession(final String clientId)
    {
        deferred.send("session query", clientId, () -> node.client().query(clientId));
    }

    @Override
    public void sessionExpiredSeen(final String clientId)
    {
        deferred.send("session expired seen", clientId, () -> node.client().expiredSeen(clientId));
    }

    @Override
    public void onWillPublish(final String clientId, final int origin, final DirectBuffer will, final int offset,
        final int length)
    {
        toRouter(RingEvent.CLUSTER_WILL, origin, will, offset, length);
    }

    @Override
    public void onSessionReleased(final String clientId, final long epoch)
    {
        // The directory forgot the session: nothing for the Router to do (it released it).
    }

    @Override
    public void claimSession(final String clientId)
    {
        claimSession(clientId, false);
    }

    @Override
    public void claimSession(final String clientId, final boolean resume)
    {
        deferred.send("session claim", clientId, () -> node.client().claim(clientId, resume));
    }

    @Override
    public void claimSession(final String clientId, final boolean resume, final long expirySeconds)
    {
        deferred.send("session claim", clientId, () -> node.client().claim(clientId, resume, expirySeconds));
    }

    @Override
    public void sessionExpiry(final String clientId, final long expirySeconds, final boolean offline)
    {
        deferred.send("session expiry", clientId, () -> node.client().sessionExpiry(clientId, expirySeconds, offline));
    }

    @Override
    public void sessionCut(final String clientId, final int previousOwner, final long epoch)
    {
        deferred.send("session cut", clientId, () -> node.client().cut(clientId, previousOwner, epoch));
    }

    @Override
    public void giveBackSession(final String clientId, final int to, final long epoch)
    {
        deferred.send("session give-back", clientId, () -> node.client().giveBack(clientId, to, epoch));
    }

    @Override
    public void releaseSession(final String clientId, final long epoch)
    {
        deferred.send("session release", clientId, () -> node.client().release(clientId, epoch));
    }

    @Override
    public void onRefused(final int reason, final String about)
    {
        commandsRefused.incrementAndGet();
        final long due = refusalLog.onEvent(System.nanoTime());
        if (due > 0)
        {
            LOG.error("cluster: the control plane refused {} command(s) of node {} since the last report, the last " +
                "(reason {}{}): {}", due, nodeId, reason, refusal(reason), about);
        }
    }

    private static String refusal(final int reason)
    {
        return switch (reason)
        {
            case ControlMessageDescriptor.REFUSED_ROUTES_FULL -> ", the route table is full";
            case ControlMessageDescriptor.REFUSED_RETAINED_FULL ->
                ", the cluster's retained messages are at their bound: kept on this node only";
            case ControlMessageDescriptor.REFUSED_DIRECTORY_FULL -> ", the session directory is full";
            case ControlMessageDescriptor.REFUSED_WILLS_FULL ->
                ", the cluster's wills are at their bound: published by this node only";
            default -> "";
        };
    }

    @Override
    public void onSynced()
    {
        LOG.info("cluster: node {} has the control plane's state", nodeId);
        sessionToRouter(ClusterLink.SYNCED, "", nodeId, 0, 0);
    }

    /** @return forwards offered to another node's data plane. */
    @Override
    public long forwardsSent()
    {
        return forwardsSent.get();
    }

    @Override
    public long commandsDropped()
    {
        return commandsDropped.get();
    }

    @Override
    public long commandsRefused()
    {
        return commandsRefused.get();
    }

    @Override
    public long commandsResent()
    {
        final ClusterNode current = node;
        return null == current ? 0 : current.client().commandsResent();
    }

    @Override
    public long commandsUnconfirmedAtJoin()
    {
        final ClusterNode current = node;
        return null == current ? 0 : current.client().commandsUnconfirmedAtJoin();
    }

    @Override
    public long controlPlaneWillsPublished()
    {
        return fromService(ControlPlaneService::willsPublished);
    }

    @Override
    public long controlPlaneBacklogsDropped()
    {
        return fromService(ControlPlaneService::backlogsDropped);
    }

    @Override
    public long controlPlaneSessionsExpired()
    {
        return fromService(ControlPlaneService::sessionsExpired);
    }

    @Override
    public long controlPlaneSessionQueries()
    {
        return fromService(ControlPlaneService::sessionQueries);
    }

    @Override
    public long controlPlaneExpiriesNotKept()
    {
        return fromService(ControlPlaneService::expiriesNotKept);
    }

    @Override
    public long controlPlaneClearsNotKept()
    {
        return fromService(ControlPlaneService::clearsNotKept);
    }

    @Override
    public long controlPlaneWillsLost()
    {
        return fromService(ControlPlaneService::willsLost);
    }

    /** @return a figure of this member's control plane, 0 on a node that is no voting member (or not started). */
    private long fromService(final java.util.function.ToLongFunction<ControlPlaneService> figure)
    {
        final ClusterNode current = node;
        return null == current || null == current.service() ? 0 : figure.applyAsLong(current.service());
    }

    /** @return forwards this node received from others and put on its ring. */
    @Override
    public long forwardsReceived()
    {
        final DataPlaneReceiver current = receiver;
        return null == current ? 0 : current.received();
    }

    /** @return forwards that waited in a pending queue behind a back-pressured publication. */
    @Override
    public long forwardsQueued()
    {
        return forwardsQueued.get();
    }

    /** @return forwards refused because a node's pending queue was full. */
    @Override
    public long forwardsRefused()
    {
        return forwardsRefused.get();
    }

    /** @return forwards dropped because the destination had no data-plane connection (or lost it). */
    @Override
    public long forwardsDropped()
    {
        return forwardsDropped.get();
    }

    @Override
    public void close()
    {
        // The Router's last commands (a clean stop clears its clients' wills, which must not be published for a
        // stop) go out before the node leaves, within a bound: a control plane out of reach does not hold the stop.
        final ClusterNode current = node;
        final long deadlineNs = System.nanoTime() + CLOSE_DRAIN_NS;
        while (null != current && current.client().commandsQueued() > 0 && System.nanoTime() - deadlineNs < 0)
        {
            LockSupport.parkNanos(RING_RETRY_NS);
        }
        closed = true;
        peerMask = 0;
        for (int i = 0; i < ClusterMembers.MAX_NODES; i++)
        {
            close(links.getAndSet(i, null));
        }
        CloseHelper.quietClose(receiverRunner);
        CloseHelper.quietClose(node);
    }
}
