package io.ringmq.cluster.control;

import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;

/**
 * Layout of every control-plane message: the commands nodes send on the cluster's ingress, the events the control
 * plane sends back on egress, and the records of its snapshots. All little-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                             type                              |
 *  +---------------------------------------------------------------+
 *  |                   node (the node it is about)                 |
 *  +---------------------------------------------------------------+
 *  |            other (previous owner, voting flag, reason)        |
 *  +---------------------------------------------------------------+
 *  |                      text length in bytes                     |
 *  +---------------------------------------------------------------+
 *  |             value (epoch, node mask, generation)              |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |    sequence (a command's number from its node; 0: none)       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |       text: UTF-8 (endpoint, topic filter, client id)        ...
 *  +---------------------------------------------------------------+
 *  |  body: the rest of the message, empty for most types         ...
 *  +---------------------------------------------------------------+
 * </pre>
 * The body's length is what the message's length leaves after the header and the text; a retained message's
 * record carries the message there, in the data plane's layout ({@code ForwardDescriptor}).
 * <p>
 * <b>Sequence.</b> A node numbers the commands from its command queue 1, 2, 3, ... for as long as it runs; a
 * {@link #JOIN} carries the number of the last one before it. The control plane applies a numbered command only if
 * its number is above the last it applied for that node (the join resets that), so a node may send again every
 * command not yet confirmed ({@link #CONFIRMED}) after a leader change, when some of them may have been lost: those
 * that reached the log are not applied twice. 0 marks what is safe to apply twice (a route sent again after a join,
 * a sync request) or is no command (events; in a snapshot's {@link #NODE_UP} record it is the node's last command).
 */
public final class ControlMessageDescriptor
{
    /** Command: a node announces itself ({@code text} its data-plane endpoint, {@code other} 1 if voting). */
    public static final int JOIN = 1;
    /** Command: the node's first subscriber to a filter arrived ({@code text} the filter). */
    public static final int ROUTE_ADD = 2;
    /** Command: the node's last subscriber to a filter left. */
    public static final int ROUTE_REMOVE = 3;
    /**
     * Command: the node takes ownership of a session ({@code text} the client id, {@code other} 1 if the client
     * resumes its session, 0 for a clean start, {@code value} 0 or the session's expiry interval in seconds plus one,
     * as {@link #SESSION_EXPIRY} with the client connected).
     */
    public static final int SESSION_CLAIM = 4;
    /** Command: the node's session ended ({@code value} the epoch it owned it under). */
    public static final int SESSION_RELEASE = 5;
    /** Command: send me the replicated state again (after a new leader, or when the node lost events). */
    public static final int SYNC_REQUEST = 6;
    /**
     * Command: a client of the node published a retained message ({@code text} the topic, the body the message,
     * {@code ForwardDescriptor} layout); an empty payload clears the topic.
     */
    public static final int RETAIN = 7;
    /**
     * Command: the node, new owner of a moving session under epoch {@code value}, has sent its routes for it
     * ({@code other} the previous owner, {@code text} the client id).
     */
    public static final int SESSION_CUT = 8;
    /**
     * Command: a hand-off to the node did not complete; ownership goes back to {@code other} ({@code value} the epoch
     * the node owns it under, {@code text} the client id).
     */
    public static final int SESSION_GIVE_BACK = 9;
    /**
     * Command: a client of the node connected with a will ({@code text} the client id, {@code value} its delay in
     * seconds, already bounded by the session expiry, the body the will, {@code ForwardDescriptor} layout;
     * {@code other} 1 if the delay already runs: the connection ended, and {@code value} is what is left of it). The
     * control plane keeps it, and publishes it through another node if the node goes down before clearing it.
     */
    public static final int WILL_SET = 10;
    /** Command: the node published or dropped its client's will ({@code text} the client id). */
    public static final int WILL_CLEAR = 11;
    /**
     * Command: forget every will of the node that is not taken over; the node registers the ones it keeps right
     * after (a clear lost with a leader would otherwise leave a will to be published for a client long gone).
     */
    public static final int WILL_RESET = 12;
    /** Command: tell me the number of my last command applied ({@link #CONFIRMED}). Not numbered. */
    public static final int CONFIRM_REQUEST = 13;
    /**
     * Command: the session's expiry interval ({@code text} the client id, {@code value} the interval in seconds,
     * 4294967295 for never), and {@code other} 1 if its connection ended (the expiry runs), 0 if its client is
     * connected. Sent for a persistent session when its client connects and when its connection ends; the control
     * plane ends the directory entry of a down node's session when it would have expired there.
     */
    public static final int SESSION_EXPIRY = 14;
    /**
     * Command: the node has seen in its sync that its session ({@code text} the client id) expired while it was down
     * ({@link #SESSION_EXPIRED}), and dropped any copy it had: the control plane need not name it again.
     */
    public static final int SESSION_EXPIRED_SEEN = 15;
    /**
     * Command: who owns the session now ({@code text} the client id)? Sent by a node whose claim is still unanswered
     * when its sync ends (the answer may have been lost with a leader); applied after the claim, so the answer
     * ({@link #SESSION_QUERIED}) takes it into account.
     */
    public static final int SESSION_QUERY = 16;
    /**
     * Command: the node has had a whole sync ({@code value} its generation): it was told every topic cleared while
     * it was down ({@link #RETAINED_CLEARED}), which the control plane then forgets.
     */
    public static final int SYNC_DONE = 17;

    /** Event: a node is up ({@code text} its data-plane endpoint). Also a snapshot record. */
    public static final int NODE_UP = 101;
    /** Event: a node's lease ended (its cluster session closed or timed out); its routes are gone. */
    public static final int NODE_DOWN = 102;
    /** Event: {@code node} now has subscribers to the filter. */
    public static final int ROUTE_ADDED = 103;
    /** Event: {@code node} no longer has subscribers to the filter. */
    public static final int ROUTE_REMOVED = 104;
    /**
     * Event: {@code node} owns the session under epoch {@code value}; {@code other} is the previous owner, or -1, or
     * {@link io.ringmq.core.cluster.ClusterLink#PREVIOUS_EXPIRED} when nobody had it because that node's own session
     * expired in the cluster while it was down (its copy from the journal is stale).
     */
    public static final int SESSION_OWNER = 105;
    /** Event: the session is no longer in the directory. */
    public static final int SESSION_RELEASED = 106;
    /** Event: a full state follows ({@code value} its generation); entries not refreshed by the end are stale. */
    public static final int SYNC_BEGIN = 107;
    /** Event: the full state of generation {@code value} has been sent. */
    public static final int SYNC_END = 108;
    /** Event: a command was refused ({@code other} the reason, {@code text} what it was about). */
    public static final int REFUSED = 109;
    /**
     * Event: the topic's retained message ({@code text} the topic, {@code node} where it was published, the body the
     * message with its expiry interval as it is now, empty payload for a clear). Also a sync record.
     */
    public static final int RETAINED = 110;
    /**
     * Event: {@code node} resumes the session from {@code other}, which is up and hands it over ({@code value} the
     * new epoch); sent to both.
     */
    public static final int SESSION_HANDOFF = 111;
    /** Event: a resume was refused: the session's owner {@code node} is down ({@code other} the claimant). */
    public static final int SESSION_OWNER_DOWN = 112;
    /**
     * Event: the cut of a moving session, to every node ({@code node} the new owner, {@code other} the previous one,
     * {@code value} the epoch).
     */
    public static final int SESSION_CUT_EVENT = 113;
    /**
     * Event, to one node: publish the will of a client of {@code other}, a node that went down ({@code node} the
     * node to publish it, {@code text} the client id, the body the will).
     */
    public static final int WILL_PUBLISH = 114;
    /**
     * Sync record, to the node it is about ({@code node}): the control plane took over the will of that node's client
     * ({@code text}) when the node went down; {@code other} is 1 if it has published it already, 0 if it will.
     */
    public static final int WILL_TAKEN = 115;
    /**
     * Event, to one node, the answer to {@link #CONFIRM_REQUEST}: {@code value} is the number of its last command
     * applied (or the number its join carried): it need not keep any command up to it to send again.
     */
    public static final int CONFIRMED = 116;
    /**
     * Sync record, to the node it is about ({@code node}): that node's session ({@code text} the client id) expired
     * in the cluster while the node was down; a copy the node holds from its journal, and that no client of this
     * run claimed, is dropped. Named in every sync until the node answers {@link #SESSION_EXPIRED_SEEN}.
     */
    public static final int SESSION_EXPIRED = 117;
    /**
     * Event, to the node that asked ({@link #SESSION_QUERY}): the session's directory entry now ({@code text} the
     * client id, {@code node} its owner or -1 for none, {@code value} its epoch, {@code other} the node that epoch
     * took the id from or -1, plus {@link #QUERIED_HANDED_OVER} if the session moved from it in a hand-off).
     */
    public static final int SESSION_QUERIED = 118;
    /**
     * Sync record, to the node it is about ({@code node}): the topic ({@code text}) was cleared while that node was
     * down and has no retained message now: a copy the node holds (from its journal) goes. Named in every sync until
     * the node answers {@link #SYNC_DONE}.
     */
    public static final int RETAINED_CLEARED = 119;
    /** Added to a {@link #SESSION_QUERIED}'s {@code other} when the epoch moved the session from that node. */
    public static final int QUERIED_HANDED_OVER = io.ringmq.core.cluster.ClusterLink.QUERIED_HANDED_OVER;

    /** Snapshot record: one filter and every node that has it ({@code value} the node mask). */
    public static final int SNAPSHOT_ROUTE = 201;
    /** Snapshot record: the last one ({@code value} the epoch counter). */
    public static final int SNAPSHOT_END = 202;
    /** Snapshot record: a retained message ({@code value} the cluster time it was set, the body the message). */
    public static final int SNAPSHOT_RETAINED = 203;
    /**
     * Snapshot record: a will ({@code node} its node, {@code text} the client id, the body the will, empty once
     * published; {@code other} 1 if it is due, {@code value} then the cluster time it is due at, else its delay in
     * seconds).
     */
    public static final int SNAPSHOT_WILL = 204;
    /**
     * Snapshot record: a node that is down ({@code node}) and held until cluster time {@code value} (0: no longer),
     * {@code other} 1 if it stayed down past its hold (gone).
     */
    public static final int SNAPSHOT_HOLD = 205;
    /** Snapshot record: a session of {@code node} ({@code text} the client id) that expired while it was down. */
    public static final int SNAPSHOT_SESSION_EXPIRED = 206;
    /** Snapshot record: a topic ({@code text}) cleared while {@code node} was down, not yet synced to it. */
    public static final int SNAPSHOT_RETAINED_CLEARED = 207;

    /** Refusal reason: the session directory is full. */
    public static final int REFUSED_DIRECTORY_FULL = 1;
    /** Refusal reason: the route table is full. */
    public static final int REFUSED_ROUTES_FULL = 2;
    /** Refusal reason: the command came from a node that has not joined (or from another node's session). */
    public static final int REFUSED_NOT_JOINED = 3;
    /** Refusal reason: the node id is outside 0..63 or another live session holds it. */
    public static final int REFUSED_BAD_NODE = 4;
    /** Refusal reason: the retained messages are at their bound (count or bytes), or the message is malformed. */
    public static final int REFUSED_RETAINED_FULL = 5;
    /** Refusal reason: the wills are at their bound (count or bytes), or the will is malformed. */
    public static final int REFUSED_WILLS_FULL = 6;

    public static final int TYPE_OFFSET = 0;
    public static final int NODE_OFFSET = TYPE_OFFSET + SIZE_OF_INT;
    public static final int OTHER_OFFSET = NODE_OFFSET + SIZE_OF_INT;
    public static final int TEXT_LENGTH_OFFSET = OTHER_OFFSET + SIZE_OF_INT;
    public static final int VALUE_OFFSET = TEXT_LENGTH_OFFSET + SIZE_OF_INT;
    public static final int SEQUENCE_OFFSET = VALUE_OFFSET + SIZE_OF_LONG;
    public static final int TEXT_OFFSET = SEQUENCE_OFFSET + SIZE_OF_LONG;
    /** Header length: everything before the text. */
    public static final int HEADER_LENGTH = TEXT_OFFSET;
    /** Longest text: an MQTT string. */
    public static final int MAX_TEXT_LENGTH = 65_535;
    /** Longest body: a retained message's, {@code ForwardDescriptor} layout. */
    public static final int MAX_BODY_LENGTH = 256 * 1024;
    /** Longest message. */
    public static final int MAX_MESSAGE_LENGTH = HEADER_LENGTH + MAX_TEXT_LENGTH + MAX_BODY_LENGTH;

    private ControlMessageDescriptor()
    {
    }
}
