package io.ringmq.core.routing;

import io.ringmq.store.log.RecoveryReport;

/**
 * What start-up recovery rebuilt from the journal, for the log line and for tests.
 *
 * @param log                 what the log scan found: positions, records, bytes, what was truncated.
 * @param sessions            persistent sessions rebuilt.
 * @param subscriptions       their subscriptions.
 * @param queued              QoS 1/2 deliveries waiting to be sent.
 * @param inflight            QoS 2 deliveries in flight under their original packet ids.
 * @param inboundQos2         inbound QoS 2 packet ids awaiting PUBREL.
 * @param retained            retained messages.
 * @param wills               wills of connections the stop cut off.
 * @param unreadable          deliveries or retained messages dropped because their record could not be read.
 * @param unacknowledgedQos2  QoS 2 messages whose PUBREC record the log lost (the log ended between the message
 *                            and its IN_QOS2 record): never acknowledged, the publisher sends them again.
 * @param droppedDeliveries   the deliveries of those messages, dropped so the resent copy is the only one.
 * @param nanos               time taken.
 */
public record RecoveryResult(
    RecoveryReport log,
    int sessions,
    int subscriptions,
    long queued,
    long inflight,
    long inboundQos2,
    int retained,
    int wills,
    long unreadable,
    int unacknowledgedQos2,
    long droppedDeliveries,
    long nanos)
{
}
