package io.ringmq.core.journal;

/**
 * Record types and body layouts of the broker's journal in the {@code store} message log. Session ids are the
 * journal's small integer names for persistent sessions (the client id is written once, in {@link #SESSION}).
 * All integers little-endian, bodies start 8-byte aligned (see {@code io.ringmq.store.log.LogDescriptor}).
 * <pre>
 * MESSAGE        flags: bits 0-1 QoS, bit 2 retain as published, bit 3 this is the retained message of its topic,
 *                bit 4 awaits its PUBREC record (see {@link #FLAG_AWAITS_PUBREC})
 *   0  long  expiry, epoch ms (-1: never)
 *   8  int   topic length T          12 int  properties length P
 *   16 topic (T) | MQTT 5 properties to forward (P) | payload (rest of the body)
 * RETAIN_CLEAR   0 topic (whole body)
 * RETAIN_REF     0 long position of a MESSAGE record written before the snapshot that references it
 * SESSION        0 int session id, 4 int 0, 8 long expiry interval seconds, 16 client id (UTF-8, rest)
 * SESSION_END    0 int session id
 * SUBSCRIBE      0 int session id, 4 int subscription identifier (0: none),
 *                8 byte options (bits 0-1 QoS, 2 No Local, 3 Retain As Published, 4-5 Retain Handling),
 *                9..11 zero, 12 filter (UTF-8, rest)
 * UNSUBSCRIBE    0 int session id, 4 filter (UTF-8, rest)
 * ENQUEUE        0 int session id, 4 byte QoS, 5 byte retain flag to send, 6 short subscription id count N,
 *                8 long MESSAGE position, 16 N ints subscription identifiers
 * DELIVERED      0 int session id, 4 int 0, 8 long MESSAGE position: the delivery ended (PUBACK, PUBCOMP,
 *                negative PUBREC, expiry or drop)
 * OUT_QOS2       0 int session id, 4 short packet id, 6 short state (1 PUBLISH sent, 2 PUBREC received),
 *                8 long MESSAGE position
 * IN_QOS2        0 int session id, 4 int packet id: PUBREC sent, PUBREL not yet received,
 *                8 long position of the MESSAGE record it acknowledges (-1: none, or written by a snapshot)
 * IN_QOS2_DONE   0 int session id, 4 int packet id: PUBREL received
 * WILL           flags as MESSAGE; 0 long delay seconds, 8 long message expiry seconds (-1: none),
 *                16 int client id length C, 20 int topic length T, 24 int properties length P, 28 int 0,
 *                32 client id (C) | topic (T) | properties (P) | payload (rest)
 * WILL_CLEAR     0 client id (whole body)
 * SNAPSHOT_BEGIN 0 long position of the previous snapshot (0: none), 8 int highest session id the snapshot
 *                covers (sessions created later have higher ids), 12 int 0
 * SNAPSHOT_END   0 long position of this snapshot's SNAPSHOT_BEGIN
 * MOVED          0 long old position, 8 long new position of a MESSAGE record copied forward by a snapshot
 * FORWARDS_ROUTED 0 int origin node, 4 int 0, 8 long sequence: every forward of that node up to the sequence was
 *                routed here (cluster); written at the end of the batch that routed it, after its DELIVERIES, and
 *                by each snapshot for every origin, so a restarted node discards a forward sent to it again
 * KEPT           0 int destination node, 4 int 0, 8 a forward (the data plane's ForwardDescriptor, rest of the body)
 *                kept for a node that is down, to be replayed when it is back (cluster); written again by each
 *                snapshot while it is kept
 * KEPT_DONE      0 int destination node, 4 int 0, 8 long sequence: every forward kept for that node up to the
 *                sequence is finished (taken, expired or given up)
 * SEQUENCES_RESERVED 0 long sequence: this node's forward sequences may have been used up to here (cluster);
 *                written before the first forward past the previous reservation, a million at a time, and by each
 *                snapshot, so a restart starts above it whatever its clock says
 * FORWARD_ORIGIN 0 int origin node, 4 int 0, 8 long sequence, 16 long MESSAGE position: the MESSAGE record before
 *                it is that node's forward (cluster); written before any ENQUEUE of the message. A crash inside the
 *                batch can keep some of the message's ENQUEUE entries without the batch's FORWARDS_ROUTED: recovery
 *                then knows which sessions have the message, and the forward sent again reaches only the others
 *                (QoS 2 exactly once without losing it for a session whose entry was cut)
 * DELIVERIES     ENQUEUE and DELIVERED entries of one Router batch, in order (sync=batch): each
 *                0 byte kind (ENQUEUE or DELIVERED), 1 byte QoS, 2 byte retain flag, 3 byte 0, 4 int session id,
 *                8 long MESSAGE position, then for ENQUEUE 16 int subscription id count N and N ints
 * </pre>
 * A snapshot is the whole durable state written as ordinary records, each with {@link #FLAG_SNAPSHOT}, between
 * SNAPSHOT_BEGIN and SNAPSHOT_END. It is written a few sessions at a time while the broker keeps running, so
 * ordinary records interleave with it. Recovery starts at the checkpointed snapshot, applies every later record in
 * order, and builds a later snapshot beside the current state: snapshot records go to it, and so do the ordinary
 * records of the sessions it has already covered (or created after it began); at its SNAPSHOT_END it replaces the
 * current state. A snapshot cut short is ignored, except for its MOVED records.
 */
public final class JournalDescriptor
{
    /** An accepted PUBLISH kept for persistent sessions or as a retained message. */
    public static final int MESSAGE = 1;
    /** The retained message of a topic was cleared. */
    public static final int RETAIN_CLEAR = 2;
    /** A snapshot refers to a retained MESSAGE record written before it. */
    public static final int RETAIN_REF = 3;
    /** A persistent session was created or its expiry changed. */
    public static final int SESSION = 4;
    /** A persistent session ended (expired, clean start, or expiry set to 0). */
    public static final int SESSION_END = 5;
    /** A subscription was added or replaced. */
    public static final int SUBSCRIBE = 6;
    /** A subscription was removed. */
    public static final int UNSUBSCRIBE = 7;
    /** A QoS 1/2 delivery of a message was queued for a session. */
    public static final int ENQUEUE = 8;
    /** A delivery ended. */
    public static final int DELIVERED = 9;
    /** Outbound QoS 2 progress under a packet id. */
    public static final int OUT_QOS2 = 10;
    /** Inbound QoS 2: PUBREC sent. */
    public static final int IN_QOS2 = 11;
    /** IN_QOS2: body length; records written before the MESSAGE position was added have 8 bytes. */
    public static final int IN_QOS2_LENGTH = 16;
    /** Inbound QoS 2: PUBREL received. */
    public static final int IN_QOS2_DONE = 12;
    /** A will message was registered for a connection. */
    public static final int WILL = 13;
    /** A will was published or discarded. */
    public static final int WILL_CLEAR = 14;
    /** Start of a snapshot. */
    public static final int SNAPSHOT_BEGIN = 15;
    /** End of a complete snapshot. */
    public static final int SNAPSHOT_END = 16;
    /** A MESSAGE record was copied forward: later records name it by its new position. */
    public static final int MOVED = 17;
    /** ENQUEUE and DELIVERED entries of one Router batch in one record. */
    public static final int DELIVERIES = 18;
    /** DELIVERIES: bytes of an entry before any subscription identifiers. */
    public static final int DELIVERIES_ENTRY_LENGTH = 16;
    /** The highest sequence of an origin node's forwards this node has routed (cluster). */
    public static final int FORWARDS_ROUTED = 19;
    /** A forward kept for a node that is down (cluster). */
    public static final int KEPT = 20;
    /** The forwards kept for a node up to a sequence are finished (cluster). */
    public static final int KEPT_DONE = 21;
    /** This node's forward sequences are reserved up to a value (cluster). */
    public static final int SEQUENCES_RESERVED = 22;
    /** The MESSAGE record before it is a forward: its origin node and sequence (cluster). */
    public static final int FORWARD_ORIGIN = 23;
    /** Offset of the forward in a KEPT body. */
    public static final int KEPT_FORWARD_OFFSET = 8;

    /** MESSAGE/WILL flag bits 0-1: QoS. */
    public static final int FLAG_QOS_MASK = 0x3;
    /** MESSAGE/WILL flag: retain as published. */
    public static final int FLAG_RETAIN = 0x4;
    /** MESSAGE flag: the retained message of its topic. */
    public static final int FLAG_RETAINED = 0x8;
    /**
     * MESSAGE flag: published at QoS 2 by a persistent session, so the broker's PUBREC is journaled as an IN_QOS2
     * record naming this position. Its ENQUEUE entries count in recovery only if that record follows: both are
     * written in one Router event, so only losing power between them (the tail of the log past the last force kept
     * in part) leaves the message without it, and then the PUBREC was never sent, the publisher sends the message
     * again, and keeping the first copy's deliveries would deliver a QoS 2 message twice.
     */
    public static final int FLAG_AWAITS_PUBREC = 0x10;

    /** Any record: written as part of a snapshot (see {@code JournalRecovery}). */
    public static final int FLAG_SNAPSHOT = 0x8000;

    /** MESSAGE: expiry epoch ms. */
    public static final int MESSAGE_EXPIRY_OFFSET = 0;
    /** MESSAGE: topic length. */
    public static final int MESSAGE_TOPIC_LENGTH_OFFSET = 8;
    /** MESSAGE: properties length. */
    public static final int MESSAGE_PROPERTIES_LENGTH_OFFSET = 12;
    /** MESSAGE: first byte of the topic. */
    public static final int MESSAGE_DATA_OFFSET = 16;

    /** Out QoS 2 state: PUBLISH sent under the packet id. */
    public static final int OUT_QOS2_SENT = 1;
    /** Out QoS 2 state: PUBREC received, PUBREL sent. */
    public static final int OUT_QOS2_RELEASED = 2;

    /** WILL: client id length. */
    public static final int WILL_CLIENT_ID_LENGTH_OFFSET = 16;
    /** WILL: first byte of the client id. */
    public static final int WILL_DATA_OFFSET = 32;

    private JournalDescriptor()
    {
    }

    /**
     * @param qos               maximum QoS.
     * @param noLocal           No Local.
     * @param retainAsPublished Retain As Published.
     * @param retainHandling    Retain Handling, 0..2.
     * @return the SUBSCRIBE record's options byte.
     */
    public static int subscriptionOptions(final int qos, final boolean noLocal, final boolean retainAsPublished,
        final int retainHandling)
    {
        return qos | (noLocal ? 0x4 : 0) | (retainAsPublished ? 0x8 : 0) | (retainHandling << 4);
    }
}
