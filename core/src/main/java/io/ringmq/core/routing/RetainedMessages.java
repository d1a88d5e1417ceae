package io.ringmq.core.routing;

import io.ringmq.auth.Decision;
import io.ringmq.core.admin.RetainedSummary;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.journal.JournalDescriptor;
import io.ringmq.core.session.ClientConnection;
import io.ringmq.core.session.Delivery;
import io.ringmq.core.session.Message;
import io.ringmq.core.session.RetainedCursor;
import io.ringmq.core.session.Session;
import io.ringmq.core.session.Subscription;
import io.ringmq.core.status.BrokerCounters;
import io.ringmq.store.log.LogRecord;
import org.agrona.DirectBuffer;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Retained messages: the store by topic, bounded in count and bytes, and their delivery to a new subscriber, paced
 * by what that subscriber takes instead of pushed all at once into queues that would drop most of them.
 * <ul>
 *     <li>A retained PUBLISH that would add a topic past {@code --max-retained-messages}, or grow the store past
 *     {@code --max-retained-bytes}, is not retained ({@link #admits}; counted); replacing a topic's message with one
 *     no larger, and clearing one, are always allowed. The broker's own {@code $SYS} topics do not count.</li>
 *     <li>On SUBSCRIBE the matching messages go into the session's {@link RetainedCursor}. QoS 1/2 ones are sent as
 *     the inflight window frees, QoS 0 ones a credit of {@link #CREDIT_BYTES} at a time: when the credit is spent,
 *     the event loop is asked to say when the client's socket takes more (a WRITABLE ring event), and the next
 *     credit follows. So a subscriber to thousands of large retained messages receives all of them at its own
 *     pace, and what waits for a slow socket stays within one credit. A session's cursor holds at most
 *     {@code --max-retained-messages} entries (more subscriptions to the same messages are cut there, counted).</li>
 * </ul>
 * <p>
 * <b>Threading:</b> Router thread only.
 */
final class RetainedMessages
{
    /** QoS 0 retained bytes written to one connection before waiting for its socket. */
    static final long CREDIT_BYTES = 256 * 1024;

    private final TopicTree<Message> store = new TopicTree<>();
    private final Journal journal;
    private final BrokerCounters counters;
    private final Deliverer deliverer;
    private final PacketSender sender;
    private final PublishSource source;
    // Limits: set at start, replaced by reconfigure() on a reload (Router thread, like every use).
    private int maxCount;
    private long maxBytes;
    private final int[] ids = new int[1];
    /** Retained messages not counting the broker's $ topics, and their bytes. */
    private int count;
    private long bytes;

    RetainedMessages(final BrokerConfig config, final Journal journal, final BrokerCounters counters,
        final Deliverer deliverer, final PacketSender sender)
    {
        this.journal = journal;
        this.counters = counters;
        this.deliverer = deliverer;
        this.sender = sender;
        this.source = new PublishSource(journal);
        reconfigure(config);
    }

    /**
     * Take the limits from the settings again (a reload changed them): they apply to the next retained message;
     * those kept already stay, also above a lowered limit.
     *
     * @param config the broker settings.
     */
    void reconfigure(final BrokerConfig config)
    {
        this.maxCount = config.maxRetainedMessages();
        this.maxBytes = config.maxRetainedBytes();
    }

    /** @return retained messages, $SYS included. */
    int size()
    {
        return store.size();
    }

    /** @return bytes of the retained messages outside $ topics. */
    long bytes()
    {
        return bytes;
    }

    /**
     * @param publish a retained PUBLISH about to be stored.
     * @return true if it fits the limits: a clear, a $ topic, a replacement no larger, or a new one within them.
     */
    boolean admits(final PublishSource publish)
    {
        if (0 == publish.payloadLength || isBrokerTopic(publish))
        {
            return true;
        }
        final Message existing = store.get(publish.topicName());
        final long size = size(publish.topicLength, publish.propertiesLength, publish.payloadLength);
        if (null == existing)
        {
            return count < maxCount && bytes + size <= maxBytes;
        }
        final long existingSize = size(existing);
        return size <= existingSize || bytes - existingSize + size <= maxBytes;
    }

    /**
     * Journal a retained publish before it is routed, marked as the retained message of its topic; that one record
     * then serves every delivery too. $ topics (the broker's own) are not journaled.
     *
     * @param publish the publish.
     * @param nowNs   current time.
     * @return false if the journal refused the record.
     */
    boolean journal(final PublishSource publish, final long nowNs)
    {
        if (!publish.retain || 0 == publish.payloadLength || !journal.enabled() || publish.journaled() ||
            isBrokerTopic(publish))
        {
            return true;
        }
        final long position = journal.appendMessage(
            publish.qos | publish.pubrecFlag() | JournalDescriptor.FLAG_RETAIN | JournalDescriptor.FLAG_RETAINED,
            publish.topicBuffer,
            publish.topicOffset, publish.topicLength, publish.propertiesBuffer, publish.propertiesOffset,
            publish.propertiesLength, publish.payloadBuffer, publish.payloadOffset, publish.payloadLength,
            publish.expiryDeadlineNs, nowNs);
        if (position < 0)
        {
            return false;
        }
        publish.storedAt(position);
        return true;
    }

    /**
     * Store a routed retained publish as its topic's retained message, or clear the topic (empty payload).
     *
     * @param publish the publish, already routed.
     */
    void retain(final PublishSource publish)
    {
        final String topic = publish.topicName();
        if (0 == publish.payloadLength)
        {
            clear(topic, publish.topicBuffer, publish.topicOffset, publish.topicLength);
        }
        else
        {
            put(topic, publish.message());
        }
    }

    /**
     * Remove a topic's retained message, journaled as a clear.
     *
     * @param topic       topic name.
     * @param topicBuffer the same topic's UTF-8 bytes.
     * @param offset      where they start.
     * @param length      their length.
     * @return whether the topic had a retained message.
     */
    boolean clear(final String topic, final DirectBuffer topicBuffer, final int offset, final int length)
    {
        final Message removed = store.remove(topic);
        if (null == removed)
        {
            return false;
        }
        uncount(topic, removed);
        if (journal.enabled() && !isBrokerTopic(topic))
        {
            journal.appendRetainClear(topicBuffer, offset, length);
        }
        return true;
    }

    /**
     * @param topic topic name.
     * @return its retained message, or null.
     */
    Message get(final String topic)
    {
        return store.get(topic);
    }

    /**
     * @param filter   a valid topic filter.
     * @param consumer receives every retained message the filter matches; must not change them.
     */
    void forEachMatching(final String filter, final Consumer<Message> consumer)
    {
        store.forEachMatching(filter, consumer);
    }

    /**
     * Describe a retained message for an operator, reading it from the journal if it is kept there.
     *
     * @param message     a retained message.
     * @param withPayload include a copy of the payload.
     * @param nowNs       current time, for the time left before it expires.
     * @return the description, or null if its journal record cannot be read.
     */
    RetainedSummary describe(final Message message, final boolean withPayload, final long nowNs)
    {
        source.reset();
        if (!source.from(message, null))
        {
            return null;
        }
        final String topic = source.topicBuffer.getStringWithoutLengthUtf8(source.topicOffset, source.topicLength);
        byte[] payload = null;
        if (withPayload)
        {
            payload = new byte[source.payloadLength];
            source.payloadBuffer.getBytes(source.payloadOffset, payload);
        }
        final long expiresIn = message.expiryDeadlineNs() < 0 ? -1 :
            Math.max(0, (message.expiryDeadlineNs() - nowNs) / 1_000_000_000L);
        final RetainedSummary summary = new RetainedSummary(topic, message.qos(), source.payloadLength, expiresIn,
            payload);
        source.reset();
        return summary;
    }

    /**
     * @param topic   topic name.
     * @param message its retained message (recovery, or {@link #retain}).
     */
    void put(final String topic, final Message message)
    {
        final Message previous = store.put(topic, message);
        if (null != previous)
        {
            uncount(topic, previous);
        }
        if (!isBrokerTopic(topic))
        {
            count++;
            bytes += size(message);
        }
    }

    /** @param consumer receives every retained message (snapshots). */
    void forEach(final Consumer<Message> consumer)
    {
        store.forEachMatching("#", consumer);
    }

    /**
     * A subscription was made or replaced: queue the retained messages it matches for the session and start sending.
     *
     * @param session      the subscriber.
     * @param subscription the subscription.
     * @param nowNs        current time.
     */
    void onSubscribe(final Session session, final Subscription subscription, final long nowNs)
    {
        final RetainedCursor[] cursor = {session.retainedCursor()};
        store.forEachMatching(subscription.filter(), message ->
        {
            if (null == cursor[0])
            {
                cursor[0] = new RetainedCursor();
                cursor[0].credit(CREDIT_BYTES);
                session.retainedCursor(cursor[0]);
            }
            if (subscription.checkRead() && !readable(session, message))
            {
                counters.deliveriesNotAuthorized++;     // a client never receives a retained message it may not read
                return;
            }
            if (cursor[0].entries().size() >= maxCount)
            {
                session.onDroppedQueueFull();
                counters.droppedQueueFull++;
                return;
            }
            cursor[0].entries().addLast(new RetainedCursor.Entry(message, Math.min(message.qos(), subscription.qos()),
                subscription.subscriptionId()));
        });
        pump(session, nowNs);
    }

    private boolean readable(final Session session, final Message message)
    {
        if (message.inLog())
        {
            final LogRecord record = journal.readMessage(message.logPosition());
            return null != record && Decision.ALLOW == session.permissions().read(record.buffer(),
                record.bodyOffset() + JournalDescriptor.MESSAGE_DATA_OFFSET, message.topicLength());
        }
        return Decision.ALLOW == session.permissions().read(message.buffer(), 0, message.topicLength());
    }

    /**
     * The client's socket takes more (the event loop answered a writability request): a new credit.
     *
     * @param session the session of that connection.
     * @param nowNs   current time.
     */
    void onWritable(final Session session, final long nowNs)
    {
        final RetainedCursor cursor = session.retainedCursor();
        if (null != cursor)
        {
            cursor.awaitingWritable(false);
            cursor.credit(CREDIT_BYTES);
            pump(session, nowNs);
        }
    }

    /**
     * The session (re)connected: its cursor starts over with a fresh credit on the new connection.
     *
     * @param session the session.
     * @param nowNs   current time.
     */
    void onResume(final Session session, final long nowNs)
    {
        onWritable(session, nowNs);
    }

    /**
     * Send what the session can take now: QoS 1/2 entries while the inflight window has room and nothing is queued,
     * QoS 0 entries while the credit lasts. Called after the events that make room (SUBSCRIBE, an acknowledgement,
     * a writability notice, a reconnect); cheap when the session has no cursor.
     *
     * @param session the session.
     * @param nowNs   current time.
     */
    void pump(final Session session, final long nowNs)
    {
        final RetainedCursor cursor = session.retainedCursor();
        final ClientConnection connection = session.connection();
        if (null == cursor || null == connection || connection.state() != ClientConnection.CONNECTED)
        {
            return;
        }
        final ArrayDeque<RetainedCursor.Entry> entries = cursor.entries();
        RetainedCursor.Entry entry;
        while (null != (entry = entries.peekFirst()))
        {
            final Message message = entry.message();
            final int idCount = 0 == entry.subscriptionId() ? 0 : 1;
            if (0 == entry.qos())
            {
                if (cursor.credit() <= 0)
                {
                    if (!cursor.awaitingWritable())
                    {
                        cursor.awaitingWritable(true);
                        sender.writableRequest(connection);
                    }
                    return;
                }
                entries.pollFirst();
                if (readable(message, nowNs))
                {
                    ids[0] = entry.subscriptionId();
                    final int written = deliverer.sendPacedQos0(session, source, ids, idCount, nowNs);
                    cursor.credit(cursor.credit() - Math.max(0, written));
                }
            }
            else
            {
                if (!deliverer.hasWindow(session))
                {
                    return;  // the next acknowledgement frees the window and pumps again
                }
                entries.pollFirst();
                if (readable(message, nowNs))
                {
                    ids[0] = entry.subscriptionId();
                    deliverer.sendQos12(session, new Delivery(message, entry.qos(), true, ids, idCount, null), nowNs);
                }
            }
        }
        session.retainedCursor(null);
    }

    /** Load the message into {@link #source}; an expired one is removed from the store (if still there) instead. */
    private boolean readable(final Message message, final long nowNs)
    {
        source.reset();
        if (!source.from(message, null))
        {
            counters.routerErrors++;
            return false;
        }
        if (message.isExpired(nowNs))
        {
            final String topic = source.topicName();
            if (store.get(topic) == message)
            {
                store.remove(topic);
                uncount(topic, message);
                if (journal.enabled())
                {
                    journal.appendRetainClear(source.topicBuffer, source.topicOffset, source.topicLength);
                }
            }
            return false;
        }
        return true;
    }

    private void uncount(final String topic, final Message message)
    {
        if (!isBrokerTopic(topic))
        {
            count--;
            bytes -= size(message);
        }
    }

    private static boolean isBrokerTopic(final PublishSource publish)
    {
        return '$' == publish.topicBuffer.getByte(publish.topicOffset);
    }

    private static boolean isBrokerTopic(final String topic)
    {
        return !topic.isEmpty() && '$' == topic.charAt(0);
    }

    private static long size(final Message message)
    {
        return size(message.topicLength(), message.propertiesLength(), message.payloadLength());
    }

    private static long size(final int topicLength, final int propertiesLength, final int payloadLength)
    {
        return (long)topicLength + propertiesLength + payloadLength;
    }
}
