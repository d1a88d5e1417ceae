package io.ringmq.cluster.control;

import static io.ringmq.cluster.control.ControlMessageDescriptor.CONFIRMED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.CONFIRM_REQUEST;
import static io.ringmq.cluster.control.ControlMessageDescriptor.JOIN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.MAX_MESSAGE_LENGTH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.NODE_DOWN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.NODE_UP;
import static io.ringmq.cluster.control.ControlMessageDescriptor.REFUSED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.RETAIN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.RETAINED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.RETAINED_CLEARED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.ROUTE_ADD;
import static io.ringmq.cluster.control.ControlMessageDescriptor.ROUTE_ADDED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.ROUTE_REMOVE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.ROUTE_REMOVED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_CLAIM;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_EXPIRED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_EXPIRED_SEEN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_EXPIRY;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_QUERIED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_QUERY;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_CUT;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_CUT_EVENT;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_GIVE_BACK;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_HANDOFF;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_OWNER;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_OWNER_DOWN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_RELEASE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SEQUENCE_OFFSET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SESSION_RELEASED;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SNAPSHOT_ROUTE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SYNC_BEGIN;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SYNC_END;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SYNC_DONE;
import static io.ringmq.cluster.control.ControlMessageDescriptor.SYNC_REQUEST;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_CLEAR;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_PUBLISH;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_RESET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_SET;
import static io.ringmq.cluster.control.ControlMessageDescriptor.WILL_TAKEN;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.logbuffer.Header;
import io.ringmq.core.cluster.ClusterLink;
import io.ringmq.core.cluster.ForwardCodec;
import io.ringmq.core.status.LogText;
import io.ringmq.core.status.RateLimitedLog;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's connection to the control plane, as an Aeron Cluster client: it joins as its node id, sends the node's
 * commands, keeps the {@link ClusterView} replica from the egress, and tells a {@link ClusterListener} what changed.
 * <p>
 * Any thread may call the command methods ({@link #addRoute}, {@link #claim}, ...): they go through a bounded
 * many-to-one ring buffer to the agent, and return false when it is full (the caller counts and retries). The
 * agent sends them in order once connected; a command the ingress cannot take (back-pressure) stays at the head
 * of the ring until it can.
 * <p>
 * Leases: the node's lease is its cluster session. If the connection is lost (the cluster timed the session out,
 * or the leader cannot be reached), the agent connects again, joins again, and sends again every route the node
 * holds: the control plane dropped them with the old session. After a new leader, too, every route goes again: a
 * command offered to the old leader before its loss was known is lost (a route add then never reached the log).
 * <p>
 * Commands from the queue are numbered ({@link ControlMessageDescriptor}: sequence) and kept until the control plane
 * confirms it applied them ({@code CONFIRM_REQUEST}, at most every {@link #CONFIRM_INTERVAL_NS} while any is
 * unconfirmed); after a new leader every unconfirmed one is sent again, in order, and the control plane applies only
 * those it had not (a session claim, a release, a retained message or a will lost with the old leader is applied
 * then). At most {@link #MAX_UNCONFIRMED} commands and {@link #MAX_UNCONFIRMED_BYTES} wait for confirmation; past
 * that the queue waits. A node that loses its lease joins again on a new session: its unconfirmed commands are
 * forgotten then (the control plane may or may not have applied them; counted and logged), as the join starts its
 * numbering afresh.
 * <p>
 * Threading: {@link #doWork()} and every callback run on the agent's thread, which owns the view and the
 * connection.
 */
public final class ControlPlaneClient implements Agent, EgressListener
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneClient.class);
    private static final long KEEP_ALIVE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int COMMANDS_PER_WORK = 64;
    /** How often to ask which commands were applied while some are unconfirmed. */
    static final long CONFIRM_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Most commands kept unconfirmed. */
    static final int MAX_UNCONFIRMED = 16_384;
    /** Most bytes of commands kept unconfirmed (a command larger than this still goes, alone). */
    static final long MAX_UNCONFIRMED_BYTES = 8L * 1024 * 1024;

    private final AeronCluster.Context context;
    private final int nodeId;
    private final boolean voting;
    private final String dataEndpoint;
    private final ClusterListener listener;
    private final ClusterView view;
    private final ManyToOneRingBuffer commands;
    private final ControlMessageEncoder encoder = new ControlMessageEncoder();
    private final ControlMessageDecoder decoder = new ControlMessageDecoder();
    private final ForwardCodec retainedMessage = new ForwardCodec();
    private final UnsafeBuffer sendBuffer = new UnsafeBuffer(new byte[MAX_MESSAGE_LENGTH]);
    /** Routes this node holds, in the order added: sent again after every (re)join. Agent thread only. */
    private final LinkedHashSet<String> localRoutes = new LinkedHashSet<>();
    /** Messages to send before any queued command: the join, its routes, a sync request. Agent thread only. */
    private final ArrayDeque<byte[]> priority = new ArrayDeque<>();
    /** The last join (sent again after a new leader until {@link #joinSynced}). */
    private byte[] pendingJoin;
    /** Whether a sync arrived since the last join: the join was applied. Agent thread only. */
    private boolean joinSynced;
    private final ControlledMessageHandler commandHandler = this::onCommand;
    private final AtomicLong commandsRefused = new AtomicLong();
    /**
     * Commands sent, not yet confirmed, in order (each with its number): sent again after a new leader. Agent thread
     * only.
     */
    private final ArrayDeque<byte[]> unconfirmed = new ArrayDeque<>();
    private final UnsafeBuffer unconfirmedView = new UnsafeBuffer(0, 0);
    private long unconfirmedBytes;
    /** The number of the last command sent. Agent thread only. */
    private long commandSequence;
    private long lastConfirmRequestNs;
    private final byte[] confirmRequest;
    private final AtomicLong commandsResent = new AtomicLong();
    private final AtomicLong commandsUnconfirmedAtJoin = new AtomicLong();
    private final RateLimitedLog reconnectLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    private AeronCluster.AsyncConnect connecting;
    private AeronCluster cluster;
    private long lastSendNs;
    private volatile boolean synced;
    /**
     * Whether the agent lost its cluster session (its lease) and has not connected again: written by the agent,
     * read by any thread. False while starting, before the first connection.
     */
    private volatile boolean cutOff;
    /** The control plane's leader as last heard, or -1; written by the agent, read by any thread. */
    private volatile int leaderMemberId = -1;

    /**
     * @param context         the cluster client's context (Aeron directory, ingress endpoints, egress channel);
     *                        its egress listener is set here.
     * @param nodeId          this node's id.
     * @param voting          whether this node is a voting member.
     * @param dataEndpoint    this node's data-plane endpoint.
     * @param listener        told what changed, on the agent's thread.
     * @param commandCapacity bytes of queued commands, a power of two.
     */
    public ControlPlaneClient(
        final AeronCluster.Context context,
        final int nodeId,
        final boolean voting,
        final String dataEndpoint,
        final ClusterListener listener,
        final int commandCapacity)
    {
        if (!ControlPlaneState.validNode(nodeId))
        {
            throw new IllegalArgumentException("node id must be 0..63: " + nodeId);
        }
        this.context = context.egressListener(this);
        this.nodeId = nodeId;
        this.voting = voting;
        this.dataEndpoint = dataEndpoint;
        this.listener = listener;
        this.view = new ClusterView(listener);
        // Direct memory: the ring buffer's ordered and atomic accesses need 8-byte alignment.
        this.commands = new ManyToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(commandCapacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.confirmRequest = message(CONFIRM_REQUEST, 0, 0, null);
    }

    /**
     * The node's first subscriber to a filter arrived. Any thread.
     *
     * @param filter the topic filter.
     * @return false if the command queue is full.
     */
    public boolean addRoute(final String filter)
    {
        return enqueue(ROUTE_ADD, 0, filter);
    }

    /**
     * The node's last subscriber to a filter left. Any thread.
     *
     * @param filter the topic filter.
     * @return false if the command queue is full.
     */
    public boolean removeRoute(final String filter)
    {
        return enqueue(ROUTE_REMOVE, 0, filter);
    }

    /**
     * Take ownership of a session; the answer is {@link ClusterListener#onSessionOwner}. Any thread.
     *
     * @param clientId the client id.
     * @return false if the command queue is full.
     */
    public boolean claim(final String clientId)
    {
        return claim(clientId, false);
    }

    /**
     * Take ownership of a session; the answer is {@link ClusterListener#onSessionOwner}, or for a resume from
     * another node {@link ClusterListener#onSessionHandoff} or {@link ClusterListener#onSessionOwnerDown}. Any thread.
     *
     * @param clientId the client id.
     * @param resume   true if the client resumes its session (clean start 0).
     * @return false if the command queue is full.
     */
    public boolean claim(final String clientId, final boolean resume)
    {
        return enqueue(SESSION_CLAIM, resume ? 1 : 0, 0, clientId);
    }

    /**
     * As {@link #claim(String, boolean)}, telling the session's expiry interval (the client is connected). Any
     * thread.
     *
     * @param expirySeconds the interval in seconds, {@code Session.NEVER_EXPIRES} for never.
     * @return false if the command queue is full.
     */
    public boolean claim(final String clientId, final boolean resume, final long expirySeconds)
    {
        return enqueue(SESSION_CLAIM, resume ? 1 : 0, expirySeconds + 1, clientId);
    }

    /**
     * Tells the control plane a session's expiry interval and whether its connection ended
     * ({@link ControlMessageDescriptor#SESSION_EXPIRY}). Any thread.
     *
     * @param clientId      the client id.
     * @param expirySeconds the interval in seconds, {@code Session.NEVER_EXPIRES} for never.
     * @param offline       true if the session's connection ended.
     * @return false if the command queue is full.
     */
    public boolean sessionExpiry(final String clientId, final long expirySeconds, final boolean offline)
    {
        return enqueue(SESSION_EXPIRY, offline ? 1 : 0, expirySeconds, clientId);
    }

    /**
     * This node has seen that its session expired while it was down ({@link ClusterListener#onSessionExpiredWhileDown})
     * and dropped its copy. Any thread.
     *
     * @param clientId the client id.
     * @return false if the command queue is full.
     */
    public boolean expiredSeen(final String clientId)
    {
        return enqueue(SESSION_EXPIRED_SEEN, 0, 0, clientId);
    }

    /**
     * Asks who owns a session whose claim is still unanswered ({@link ClusterListener#onSessionQueried}). Any thread.
     *
     * @param clientId the client id.
     * @return false if the command queue is full.
     */
    public boolean query(final String clientId)
    {
        return enqueue(SESSION_QUERY, 0, 0, clientId);
    }

    /**
     * This node, new owner of a moving session, has sent its routes for it: every node is to mark its streams
     * ({@link ClusterListener#onSessionCut}). Any thread.
     *
     * @param clientId      the client id.
     * @param previousOwner the node handing the session over.
     * @param epoch         the epoch this node owns it under.
     * @return false if the command queue is full.
     */
    public boolean cut(final String clientId, final int previousOwner, final long epoch)
    {
        return enqueue(SESSION_CUT, previousOwner, epoch, clientId);
    }

    /**
     * A hand-off to this node did not complete: ownership goes back to the node that holds the session. Any thread.
     *
     * @param clientId the client id.
     * @param to       the node that holds the session.
     * @param epoch    the epoch this node owns it under.
     * @return false if the command queue is full.
     */
    public boolean giveBack(final String clientId, final int to, final long epoch)
    {
        return enqueue(SESSION_GIVE_BACK, to, epoch, clientId);
    }

    /**
     * The node's session ended and need not be kept cluster-wide. Any thread.
     *
     * @param clientId the client id.
     * @param epoch    the epoch the node owned it under.
     * @return false if the command queue is full.
     */
    public boolean release(final String clientId, final long epoch)
    {
        return enqueue(SESSION_RELEASE, epoch, clientId);
    }

    /**
     * A client of this node published a retained message (or cleared a topic); every node, this one too, is told in
     * the control plane's order ({@link ClusterListener#onRetained}). Any thread.
     *
     * @param topic   the topic.
     * @param message the message, {@code ForwardDescriptor} layout (an empty payload clears the topic).
     * @param offset  where it starts.
     * @param length  its length, at most {@link ControlMessageDescriptor#MAX_BODY_LENGTH}.
     * @return false if the command queue is full.
     */
    public boolean retain(final String topic, final DirectBuffer message, final int offset, final int length)
    {
        return enqueue(RETAIN, 0, 0, topic, message, offset, length);
    }

    /**
     * A client of this node connected with a will: the control plane keeps it, to publish it through another node if
     * this one goes down before {@link #clearWill}. Any thread.
     *
     * @param clientId     the client id.
     * @param delaySeconds its delay, bounded by the session expiry (what is left of it if it runs).
     * @param running      whether its delay already runs (the client's connection ended).
     * @param will         the will, {@code ForwardDescriptor} layout.
     * @param offset       where it starts.
     * @param length       its length, at most {@link ControlMessageDescriptor#MAX_BODY_LENGTH}.
     * @return false if the command queue is full.
     */
    public boolean setWill(final String clientId, final long delaySeconds, final boolean running,
        final DirectBuffer will, final int offset, final int length)
    {
        return enqueue(WILL_SET, running ? 1 : 0, delaySeconds, clientId, will, offset, length);
    }

    /**
     * This node published or dropped its client's will. Any thread.
     *
     * @param clientId the client id.
     * @return false if the command queue is full.
     */
    public boolean clearWill(final String clientId)
    {
        return enqueue(WILL_CLEAR, 0, clientId);
    }

    /**
     * This node registers every will it keeps right after: the control plane forgets its others (not taken over).
     * Any thread.
     *
     * @return false if the command queue is full.
     */
    public boolean resetWills()
    {
        return enqueue(WILL_RESET, 0, "");
    }

    private boolean enqueue(final int type, final long value, final String text)
    {
        return enqueue(type, 0, value, text);
    }

    private boolean enqueue(final int type, final int other, final long value, final String text)
    {
        return enqueue(type, other, value, text, null, 0, 0);
    }

    private boolean enqueue(final int type, final int other, final long value, final String text,
        final DirectBuffer body, final int bodyOffset, final int bodyLength)
    {
        final byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length > ControlMessageDescriptor.MAX_TEXT_LENGTH ||
            bodyLength > ControlMessageDescriptor.MAX_BODY_LENGTH)
        {
            throw new IllegalArgumentException("control message of " + bytes.length + " bytes of text and " +
                bodyLength + " of body");
        }
        final int length = ControlMessageDescriptor.HEADER_LENGTH + bytes.length + bodyLength;
        final int index = commands.tryClaim(type, length);
        if (index < 0)
        {
            commandsRefused.incrementAndGet();
            return false;
        }
        encoder.encode(commands.buffer(), index, type, nodeId, other, value, text, body, bodyOffset, bodyLength);
        commands.commit(index);
        return true;
    }

    /**
     * @return whether this node lost its session with the control plane and has not connected again (a node cut off
     *         from the majority loses it when its keep-alives go unanswered); false while starting.
     */
    public boolean cutOff()
    {
        return cutOff;
    }

    /**
     * @return whether the view holds the control plane's whole state (joined and synced, no event lost since).
     */
    public boolean isSynced()
    {
        return synced;
    }

    /**
     * @return the control plane's leader as last heard, or -1 while not connected.
     */
    public int leaderMemberId()
    {
        return leaderMemberId;
    }

    /**
     * @return bytes of commands queued and not yet offered to the cluster. Any thread.
     */
    public int commandsQueued()
    {
        return commands.size();
    }

    /**
     * @return commands sent again after a new leader because they were not confirmed (most had been applied: the
     *         control plane does not apply those twice).
     */
    public long commandsResent()
    {
        return commandsResent.get();
    }

    /**
     * @return commands that were unconfirmed when the node lost its lease and joined again: the control plane may
     *         not have applied them.
     */
    public long commandsUnconfirmedAtJoin()
    {
        return commandsUnconfirmedAtJoin.get();
    }

    /**
     * @return commands refused because the queue was full.
     */
    public long commandsRefused()
    {
        return commandsRefused.get();
    }

    @Override
    public int doWork()
    {
        if (null == cluster)
        {
            return connect();
        }
        if (cluster.isClosed())
        {
            lost("the cluster closed the session");
            return 1;
        }
        int work = cluster.pollEgress();
        work += sendPriority();
        if (priority.isEmpty())
        {
            work += commands.controlledRead(commandHandler, COMMANDS_PER_WORK);
        }
        final long nowNs = System.nanoTime();
        if (!unconfirmed.isEmpty() && priority.isEmpty() && nowNs - lastConfirmRequestNs > CONFIRM_INTERVAL_NS)
        {
            sendBuffer.putBytes(0, confirmRequest);
            if (offer(sendBuffer, 0, confirmRequest.length))
            {
                lastConfirmRequestNs = nowNs;
            }
        }
        if (nowNs - lastSendNs > KEEP_ALIVE_INTERVAL_NS && cluster.sendKeepAlive())
        {
            lastSendNs = nowNs;
        }
        return work;
    }

    private int connect()
    {
        if (null == connecting)
        {
            connecting = AeronCluster.asyncConnect(context.clone());
        }
        try
        {
            final AeronCluster connected = connecting.poll();
            if (null == connected)
            {
                return 0;
            }
            connecting = null;
            cluster = connected;
            cutOff = false;
            leaderMemberId = connected.leaderMemberId();
            LOG.info("cluster: node {} connected to the control plane (leader member {})", nodeId,
                connected.leaderMemberId());
            join();
            return 1;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(connecting);
            connecting = null;
            final long due = reconnectLog.onEvent(System.nanoTime());
            if (due > 0)
            {
                LOG.warn("cluster: node {} cannot reach the control plane ({} attempts): {}", nodeId, due,
                    ex.toString());
            }
            return 0;
        }
    }

    private void join()
    {
        synced = false;
        priority.clear();
        if (!unconfirmed.isEmpty())
        {
            commandsUnconfirmedAtJoin.addAndGet(unconfirmed.size());
            LOG.warn("cluster: node {} joins again on a new session with {} command(s) unconfirmed: the control " +
                "plane may not have applied them (routes and wills are sent again; claims, releases and retained " +
                "messages are not)", nodeId, unconfirmed.size());
            unconfirmed.clear();
            unconfirmedBytes = 0;
        }
        joinSynced = false;
        pendingJoin = message(JOIN, voting ? 1 : 0, 0, dataEndpoint);
        ControlMessageEncoder.sequence(new UnsafeBuffer(pendingJoin), 0, commandSequence);
        priority.add(pendingJoin);
        for (final String filter : localRoutes)
        {
            priority.add(message(ROUTE_ADD, 0, 0, filter));
        }
    }

    /**
     * After a sync: a route the control plane still gives this node that the node no longer holds (its removal was
     * offered to a leader that was lost before it reached the log) is withdrawn again. Removing twice changes
     * nothing, so a removal still on its way is harmless.
     */
    private void withdrawStaleRoutes()
    {
        for (final String filter : view.filtersOf(nodeId))
        {
            if (!localRoutes.contains(filter))
            {
                priority.add(message(ROUTE_REMOVE, 0, 0, filter));
                LOG.info("cluster: node {} withdraws route '{}' again (its removal was lost)", nodeId,
                    LogText.escape(filter));
            }
        }
    }

    private void lost(final String why)
    {
        LOG.warn("cluster: node {} lost the control plane ({}); connecting again", nodeId, why);
        CloseHelper.quietClose(cluster);
        cluster = null;
        cutOff = true;
        synced = false;
        leaderMemberId = -1;
    }

    private byte[] message(final int type, final int other, final long value, final String text)
    {
        final int length = encoder.encode(sendBuffer, 0, type, nodeId, other, value, text);
        final byte[] bytes = new byte[length];
        sendBuffer.getBytes(0, bytes);
        return bytes;
    }

    private int sendPriority()
    {
        int sent = 0;
        while (!priority.isEmpty())
        {
            final byte[] message = priority.peek();
            sendBuffer.putBytes(0, message);
            if (!offer(sendBuffer, 0, message.length))
            {
                break;
            }
            priority.poll();
            sent++;
        }
        return sent;
    }

    private ControlledMessageHandler.Action onCommand(
        final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (!unconfirmed.isEmpty() &&
            (unconfirmed.size() >= MAX_UNCONFIRMED || unconfirmedBytes + length > MAX_UNCONFIRMED_BYTES))
        {
            return ControlledMessageHandler.Action.ABORT;   // until the next confirmation
        }
        ControlMessageEncoder.sequence(buffer, index, commandSequence + 1);
        if (!offer(buffer, index, length))
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        commandSequence++;
        final byte[] sent = new byte[length];
        buffer.getBytes(index, sent);
        unconfirmed.add(sent);
        unconfirmedBytes += length;
        if (ROUTE_ADD == type || ROUTE_REMOVE == type)
        {
            decoder.wrap(buffer, index, length);
            if (ROUTE_ADD == type)
            {
                localRoutes.add(decoder.text());
            }
            else
            {
                localRoutes.remove(decoder.text());
            }
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }

    private boolean offer(final DirectBuffer buffer, final int offset, final int length)
    {
        final long result = cluster.offer(buffer, offset, length);
        if (result > 0)
        {
            lastSendNs = System.nanoTime();
            return true;
        }
        return false;
    }

    @Override
    public void onMessage(
        final long clusterSessionId,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        if (!decoder.wrap(buffer, offset, length))
        {
            LOG.warn("cluster: node {} got a malformed control-plane message of {} bytes", nodeId, length);
            return;
        }
        switch (decoder.type())
        {
            case SYNC_BEGIN -> view.onSyncBegin(decoder.value());
            case SYNC_END ->
            {
                if (view.onSyncEnd(decoder.value()))
                {
                    synced = true;
                    joinSynced = true;
                    withdrawStaleRoutes();
                    enqueue(SYNC_DONE, 0, decoder.value(), "");   // the topics cleared while down are known here
                }
            }
            case NODE_UP -> view.onNodeUp(decoder.node(), decoder.text());
            case NODE_DOWN -> view.onNodeDown(decoder.node());
            case ROUTE_ADDED -> view.onRouteAdded(decoder.text(), decoder.node());
            case ROUTE_REMOVED -> view.onRouteRemoved(decoder.text(), decoder.node());
            case SNAPSHOT_ROUTE -> view.onRoute(decoder.text(), decoder.value());
            case SESSION_OWNER ->
                listener.onSessionOwner(decoder.text(), decoder.node(), decoder.other(), decoder.value());
            case SESSION_HANDOFF ->
                listener.onSessionHandoff(decoder.text(), decoder.node(), decoder.other(), decoder.value());
            case SESSION_OWNER_DOWN -> listener.onSessionOwnerDown(decoder.text(), decoder.node(),
                ClusterLink.OWNER_MOVING == decoder.value());
            case SESSION_CUT_EVENT ->
                listener.onSessionCut(decoder.text(), decoder.node(), decoder.other(), decoder.value());
            case SESSION_RELEASED -> listener.onSessionReleased(decoder.text(), decoder.value());
            case REFUSED -> listener.onRefused(decoder.other(), decoder.text());
            case RETAINED -> onRetained();
            case WILL_TAKEN -> listener.onWillTaken(decoder.text(), 0 != decoder.other());
            case SESSION_EXPIRED -> listener.onSessionExpiredWhileDown(decoder.text());
            case RETAINED_CLEARED -> view.onRetainedCleared(decoder.text());
            case SESSION_QUERIED ->
                listener.onSessionQueried(decoder.text(), decoder.node(), decoder.other(), decoder.value());
            case CONFIRMED -> onConfirmed(decoder.value());
            case WILL_PUBLISH -> listener.onWillPublish(decoder.text(), decoder.other(), decoder.buffer(),
                decoder.bodyOffset(), decoder.bodyLength());
            default -> LOG.warn("cluster: node {} got an unknown control-plane message type {}", nodeId,
                decoder.type());
        }
    }

    /** The control plane applied this node's commands up to {@code sequence}: they need not be sent again. */
    private void onConfirmed(final long sequence)
    {
        while (!unconfirmed.isEmpty())
        {
            unconfirmedView.wrap(unconfirmed.peek());
            if (unconfirmedView.getLong(SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN) > sequence)
            {
                break;
            }
            unconfirmedBytes -= unconfirmed.poll().length;
        }
    }

    private void onRetained()
    {
        if (!retainedMessage.wrap(decoder.buffer(), decoder.bodyOffset(), decoder.bodyLength()))
        {
            LOG.warn("cluster: node {} got a malformed retained message of {} bytes", nodeId, decoder.bodyLength());
            return;
        }
        view.onRetained(decoder.text(), 0 == retainedMessage.payloadLength(), decoder.buffer(), decoder.bodyOffset(),
            decoder.bodyLength());
    }

    @Override
    public void onNewLeader(
        final long clusterSessionId, final long leadershipTermId, final int leaderMemberId,
        final String ingressEndpoints)
    {
        // Commands sent while the leadership changed may be lost (offered to the old leader before its loss was
        // known): every unconfirmed command goes again, in order (the control plane skips those it applied), and
        // every route this node holds (adding one twice changes nothing). Events may be lost too: ask the new
        // leader for the whole state, after the routes, so it includes them.
        LOG.info("cluster: node {} follows a new control-plane leader (member {})", nodeId, leaderMemberId);
        synced = false;
        this.leaderMemberId = leaderMemberId;
        priority.clear();  // bounded: at most one re-send of the join, the unconfirmed commands and the routes waits
        if (!joinSynced)
        {
            // The join may have been lost with the old leader (its sync has not come): it goes again, first (the
            // control plane ignores a join repeated on the same session, but syncs the node again).
            priority.add(pendingJoin);
        }
        priority.addAll(unconfirmed);
        commandsResent.addAndGet(unconfirmed.size());
        for (final String filter : localRoutes)
        {
            priority.add(message(ROUTE_ADD, 0, 0, filter));
        }
        if (joinSynced)
        {
            priority.add(message(SYNC_REQUEST, 0, 0, null));
        }
    }

    @Override
    public String roleName()
    {
        return "ringmq-cluster-client";
    }

    @Override
    public void onClose()
    {
        CloseHelper.quietClose(connecting);
        CloseHelper.quietClose(cluster);
    }

    /**
     * @return retained topics the view knows of; agent thread only (tests read it after a sync).
     */
    int retainedCount()
    {
        return view.retainedCount();
    }

    /**
     * @return the nodes with subscribers to exactly this filter; agent thread only (tests read it after a sync).
     */
    long routeNodes(final String filter)
    {
        return view.nodes(filter);
    }
}
