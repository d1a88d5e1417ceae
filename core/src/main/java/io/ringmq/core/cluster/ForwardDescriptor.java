package io.ringmq.core.cluster;

import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;

/**
 * Layout of a message forwarded from the node a client published it on (the origin) to another node of the cluster
 * that has subscribers to it: the data plane's unit, written by the origin's Router and read by the destination's.
 * All little-endian. The topic is always the resolved name (never a topic alias); the properties are the
 * publisher's MQTT 5 properties as received (none from an MQTT 3.1.1 publisher), which the destination's deliveries
 * filter as they do for a local publisher's.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------------------------------------+-+
 *  | flags: QoS (0-1), retain (2), route applied (3), forward ack (4), hand-off (5), hold (6), release (7) |
 *  +---------------------------------------------------------------+
 *  |                         topic length                          |
 *  +---------------------------------------------------------------+
 *  |                       properties length                       |
 *  +---------------------------------------------------------------+
 *  |                        payload length                         |
 *  +---------------------------------------------------------------+
 *  |                          origin node                          |
 *  +---------------------------------------------------------------+
 *  |   message expiry interval left, seconds (-1: none)            |
 *  +---------------------------------------------------------------+
 *  |                 origin sequence (per origin node)             |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        shared group length (0: not for one shared group)      |
 *  +---------------------------------------------------------------+
 *  |  topic (UTF-8), properties, payload, shared group (UTF-8)   ...
 *  +---------------------------------------------------------------+
 * </pre>
 * A message without a shared group goes to the destination's plain subscribers only; one with a shared group
 * ({@code $share/{name}/{filter}}: the origin chose the destination among the nodes with members of the group) goes
 * to one member of that group there, and to nobody else.
 */
public final class ForwardDescriptor
{
    public static final int FLAGS_OFFSET = 0;
    public static final int TOPIC_LENGTH_OFFSET = FLAGS_OFFSET + SIZE_OF_INT;
    public static final int PROPERTIES_LENGTH_OFFSET = TOPIC_LENGTH_OFFSET + SIZE_OF_INT;
    public static final int PAYLOAD_LENGTH_OFFSET = PROPERTIES_LENGTH_OFFSET + SIZE_OF_INT;
    public static final int ORIGIN_NODE_OFFSET = PAYLOAD_LENGTH_OFFSET + SIZE_OF_INT;
    public static final int EXPIRY_OFFSET = ORIGIN_NODE_OFFSET + SIZE_OF_INT;
    public static final int ORIGIN_SEQUENCE_OFFSET = EXPIRY_OFFSET + SIZE_OF_INT;
    public static final int GROUP_LENGTH_OFFSET = ORIGIN_SEQUENCE_OFFSET + SIZE_OF_LONG;
    /** Length of everything before the topic. */
    public static final int HEADER_LENGTH = GROUP_LENGTH_OFFSET + SIZE_OF_INT;
    /** QoS bits of the flags. */
    public static final int QOS_MASK = 0b11;
    /** Retain bit of the flags. */
    public static final int RETAIN_FLAG = 0b100;
    /**
     * Route-applied bit of the flags: not a message but the origin's acknowledgement that its Router now routes the
     * filter in the topic field to the destination node (no properties, no payload); see {@code RouteConfirmations}.
     */
    public static final int ROUTE_APPLIED_FLAG = 0b1000;
    /**
     * Forward-acknowledgement bit of the flags: not a message but the destination's acknowledgement (the origin-node
     * field names the destination) that it has routed and journaled every QoS 1/2 forward of the receiving node up
     * to the origin-sequence field; no topic, properties or payload. See {@code ForwardWindows}.
     */
    public static final int FORWARD_ACK_FLAG = 0b1_0000;
    /**
     * Hand-off bit of the flags: a record of a session moving between nodes ({@code HandoffCodec}); the shared group
     * field holds the record, the topic, properties and payload a message of the session (empty for the records
     * that carry none).
     */
    public static final int HANDOFF_FLAG = 0b10_0000;
    /**
     * Publisher-hold bit of the flags: not a message but the destination's request (the origin-node field names the
     * destination) to hold the acknowledgements of the publisher whose message went out as the forward in the
     * origin-sequence field, for the hold numbered in the expiry field: a session there that this forward reached is
     * backed up. No topic, properties or payload. See {@code AckHold}.
     */
    public static final int HOLD_FLAG = 0b100_0000;
    /**
     * Publisher-release bit of the flags: not a message but the destination's word (the origin-node field names the
     * destination) that the hold numbered in the expiry field is over: the publishers it held go. No topic,
     * properties or payload.
     */
    public static final int RELEASE_FLAG = 0b1000_0000;

    private ForwardDescriptor()
    {
    }
}
