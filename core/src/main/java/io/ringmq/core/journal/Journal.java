package io.ringmq.core.journal;

import io.ringmq.core.session.Message;
import io.ringmq.core.status.RateLimitedLog;
import io.ringmq.store.log.Checkpoint;
import io.ringmq.store.log.LogRecord;
import io.ringmq.store.log.MessageLog;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker's journal: encodes the state changes that must survive a crash as records of the {@code store}
 * message log (layouts in {@link JournalDescriptor}), reads messages back, and tells the outbound path which log
 * position an acknowledgement has to wait for.
 * <p>
 * Durability: with {@code sync=none} a record is in the mapped pages once appended, which survives a crash of
 * the process (the kernel writes the pages back). With {@code sync=batch} the {@link Journaller} forces the log
 * once per ring batch, and acknowledgements are held in the outbound queues until their records are forced
 * ({@link #holdUntil()}), which also survives losing power.
 * <p>
 * Every {@code append*} method returns the record's position, or a negative value when the log refused it (full
 * disk, {@code store-max-bytes} reached, or a record larger than a segment); the caller then refuses what it was
 * about to acknowledge. Records that only end something (delivered, session end, QoS 2 done, will cleared) use the
 * log's reserve so they are written even while the log is full.
 * <p>
 * <b>Threading:</b> the Router thread appends and reads. {@link #appendedPosition()} is published with a volatile
 * store at the end of each Router batch for the {@link Journaller} thread, which alone calls
 * {@link MessageLog#force(long)} while the broker runs.
 */
public final class Journal implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    /** Sync setting: records reach the mapped pages; survives a process crash. */
    public static final String SYNC_NONE = "none";
    /** Sync setting: records are forced once per ring batch before the acknowledgements go out. */
    public static final String SYNC_BATCH = "batch";
    private static final int NO_EXPIRY = -1;

    private final MessageLog log;
    private final Checkpoint checkpoint;
    /** Held while the journal is open: a second broker on the same folder would corrupt it. */
    private final FileChannel lockChannel;
    private final boolean batchSync;
    /** Whether recovery may cut valid records that follow damage in the log (see {@link MessageLog#recover}). */
    private final boolean recoveryAllowCut;
    private final LogRecord record = new LogRecord();
    private final LogRecord copyRecord = new LogRecord();
    /** Router-written, Journaller-read: everything below it was committed by the Router before publication. */
    private final AtomicLong appendedPosition = new AtomicLong();
    private long lastClaimPosition;
    /** The sync thread, once started; null in tests that drive the log by hand. */
    private Journaller journaller;
    /**
     * With sync=batch, ENQUEUE and DELIVERED entries of the current Router batch, in call order, written as one
     * DELIVERIES record by {@link #flushDeliveries()} (end of batch, or before any record whose meaning depends on
     * them). Their acknowledgements are held until a force, and every force covers a whole batch, so nothing is
     * acknowledged before its entries are durable; with sync=none they are written at once instead.
     */
    private final ExpandableArrayBuffer deliveries = new ExpandableArrayBuffer(4096);
    private int deliveriesLength;
    /**
     * The pending entries are written once they reach this many bytes, even mid-batch: a DELIVERIES record stays far
     * below the log's reserve (an eighth of a segment), so it is never refused for its size.
     */
    private final int deliveriesFlushBytes;
    /** Records the log refused (full, or too large), by the Router thread; read by any thread for metrics. */
    private final AtomicLong refusedRecords = new AtomicLong();
    private final RateLimitedLog refusedLog = new RateLimitedLog(TimeUnit.SECONDS.toNanos(10));
    /** {@link JournalDescriptor#FLAG_SNAPSHOT} while a snapshot is being written, else 0. */
    private int snapshotFlag;
    /** Set while a compacting snapshot is written: its records may use the reserve of a full log. */
    private boolean snapshotMayUseReserve;

    private Journal(final MessageLog log, final Checkpoint checkpoint, final boolean batchSync,
        final boolean recoveryAllowCut, final FileChannel lockChannel)
    {
        this.log = log;
        this.checkpoint = checkpoint;
        this.lockChannel = lockChannel;
        this.batchSync = batchSync;
        this.recoveryAllowCut = recoveryAllowCut;
        this.deliveriesFlushBytes = null == log ? 0 : Math.min(64 * 1024, log.segmentLength() >> 5);
    }

    /** @return a journal that keeps nothing (the broker runs in memory only). */
    public static Journal disabled()
    {
        return new Journal(null, null, false, false, null);
    }

    /**
     * Open the log under {@code directory} (segments in {@code directory/log}, checkpoint beside them); recovery
     * will refuse to cut valid records that follow damage in the log.
     *
     * @param directory     data folder.
     * @param segmentLength bytes per segment, a power of two.
     * @param maxBytes      most bytes of log on disk, 0 for no limit.
     * @param sync          {@link #SYNC_NONE} or {@link #SYNC_BATCH}.
     * @return the journal; call {@link io.ringmq.core.routing.Router#recover(long)} before use.
     * @throws IOException if the files cannot be opened.
     */
    public static Journal open(final Path directory, final int segmentLength, final long maxBytes, final String sync)
        throws IOException
    {
        return open(directory, segmentLength, maxBytes, sync, false);
    }

    /**
     * Open the log under {@code directory} (segments in {@code directory/log}, checkpoint beside them).
     *
     * @param directory        data folder.
     * @param segmentLength    bytes per segment, a power of two.
     * @param maxBytes         most bytes of log on disk, 0 for no limit.
     * @param sync             {@link #SYNC_NONE} or {@link #SYNC_BATCH}.
     * @param recoveryAllowCut false to have recovery refuse ({@link io.ringmq.store.log.LogCorruptedException})
     *                         when valid records follow damage in the log; true to cut them (a copy of the cut bytes
     *                         goes to {@code directory/log/quarantine}). A torn tail is cut either way.
     * @return the journal; call {@link io.ringmq.core.routing.Router#recover(long)} before use.
     * @throws IOException if the files cannot be opened.
     */
    public static Journal open(final Path directory, final int segmentLength, final long maxBytes, final String sync,
        final boolean recoveryAllowCut) throws IOException
    {
        if (!SYNC_NONE.equals(sync) && !SYNC_BATCH.equals(sync))
        {
            throw new IllegalArgumentException("sync must be none or batch: " + sync);
        }
        Files.createDirectories(directory);
        final FileChannel lockChannel = FileChannel.open(directory.resolve("lock"), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        try
        {
            if (null == tryLock(lockChannel))
            {
                throw new IOException("another broker is using " + directory.toAbsolutePath());
            }
            final MessageLog log = MessageLog.open(directory.resolve("log"), segmentLength, maxBytes,
                Math.max(8192, segmentLength / 8));
            final Checkpoint checkpoint = Checkpoint.open(directory.resolve("checkpoint"));
            return new Journal(log, checkpoint, SYNC_BATCH.equals(sync), recoveryAllowCut, lockChannel);
        }
        catch (final IOException | RuntimeException ex)
        {
            lockChannel.close();  // releases the lock
            throw ex;
        }
    }

    private static FileLock tryLock(final FileChannel channel) throws IOException
    {
        try
        {
            return channel.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            return null;  // this process holds it already
        }
    }

    /** @return true if state is journaled. */
    public boolean enabled()
    {
        return null != log;
    }

    /** @return true for {@code sync=batch}. */
    public boolean batchSync()
    {
        return batchSync;
    }

    /** @return true if recovery may cut valid records that follow damage in the log. */
    public boolean recoveryAllowCut()
    {
        return recoveryAllowCut;
    }

    /** @return the log, or null when disabled. */
    public MessageLog log()
    {
        return log;
    }

    /** @return the checkpoint file, or null when disabled. */
    public Checkpoint checkpoint()
    {
        return checkpoint;
    }

    // ---------------------------------------------------------------- durability hand-off

    /**
     * The log position an outbound packet produced now has to wait for: with {@code sync=batch}, everything
     * appended so far once something is not yet forced; 0 when nothing needs waiting for.
     *
     * @return position, or 0.
     */
    public long holdUntil()
    {
        if (!batchSync)
        {
            return 0;
        }
        final long position = log.position();
        if (deliveriesLength > 0)
        {
            return position + 1;  // beyond anything forced before the pending entries are written
        }
        return position > log.forcedPosition() ? position : 0;
    }

    /** @return everything below this position is durable per the sync setting. Any thread. */
    public long durablePosition()
    {
        return batchSync ? log.forcedPosition() : Long.MAX_VALUE;
    }

    /** Router thread, end of batch: write the pending delivery entries, then let the journaller force it all. */
    public void publishAppended()
    {
        if (null != log)
        {
            flushDeliveries();
            final long position = log.position();
            if (position != appendedPosition.get())
            {
                // A volatile store, then the journaller's sleeping flag is read: it cannot miss this position.
                appendedPosition.set(position);
                if (batchSync && null != journaller)
                {
                    journaller.wake();
                }
            }
        }
    }

    /**
     * Router thread: have everything below {@code position} forced soon, in the background.
     *
     * @param position exclusive end.
     */
    public void requestForce(final long position)
    {
        if (null != journaller)
        {
            journaller.requestForce(position);
        }
        else
        {
            log.force(position);  // no sync thread (tests): the caller is the only thread forcing
        }
    }

    void journaller(final Journaller journaller)
    {
        this.journaller = journaller;
    }

    /** @return the position the Router published last. Any thread. */
    public long appendedPosition()
    {
        return appendedPosition.get();
    }

    /**
     * Mark the records appended from now on as part of a snapshot, or stop doing so.
     *
     * @param inSnapshot    true between SNAPSHOT_BEGIN and SNAPSHOT_END (or an abandoned snapshot's last record).
     * @param mayUseReserve the snapshot compacts a full log and may write into the log's reserve.
     */
    public void snapshotMode(final boolean inSnapshot, final boolean mayUseReserve)
    {
        flushDeliveries();  // a snapshot slice reflects them: they must come before it
        snapshotFlag = inSnapshot ? JournalDescriptor.FLAG_SNAPSHOT : 0;
        snapshotMayUseReserve = inSnapshot && mayUseReserve;
    }

    // ---------------------------------------------------------------- appends

    private int claim(final int type, final int flags, final int bodyLength, final boolean reserved)
    {
        // A compacting snapshot may use the reserve too: while the log is full, only it lets old segments go.
        final long position = reserved || snapshotMayUseReserve ?
            log.tryClaimReserved(type, flags | snapshotFlag, bodyLength) :
            log.tryClaim(type, flags | snapshotFlag, bodyLength);
        if (position < 0)
        {
            lastClaimPosition = position;
            onRefused(type, bodyLength, reserved);
            return -1;
        }
        lastClaimPosition = position;
        return log.bodyOffset();
    }

    /**
     * Every refused record is counted and logged (rate-limited). Callers see the refusal in the result and decide what
     * it means for the client (a refused publish, a refused subscription); a refused reserved record (an
     * acknowledgement's DELIVERED, a session end) means the reserve of a full log ran out.
     */
    private void onRefused(final int type, final int bodyLength, final boolean reserved)
    {
        refusedRecords.incrementAndGet();  // rare: the log is full
        final long count = refusedLog.onEvent(System.nanoTime());
        if (count > 0)
        {
            LOG.warn("journal: {} record(s) refused since the last report (latest: type {}, {} bytes, {}): {}", count,
                type, bodyLength, reserved ? "reserved" : "normal", log.isFull() ?
                "the log is full" + (reserved ? " and its reserve is used up" : "") : "too large for a segment");
        }
    }

    /** @return records the log refused since start. */
    public long refusedRecords()
    {
        return refusedRecords.get();
    }

    private long commit()
    {
        log.commit();
        return lastClaimPosition;
    }

    /**
     * An accepted message (QoS 1/2 for persistent sessions, or a retained message).
     *
     * @param flags            {@link JournalDescriptor#FLAG_QOS_MASK} bits, {@link JournalDescriptor#FLAG_RETAIN},
     *                         {@link JournalDescriptor#FLAG_RETAINED}.
     * @param topic            topic buffer.
     * @param topicOffset      topic offset.
     * @param topicLength      topic length.
     * @param properties       properties buffer.
     * @param propertiesOffset properties offset.
     * @param propertiesLength properties length.
     * @param payload          payload buffer.
     * @param payloadOffset    payload offset.
     * @param payloadLength    payload length.
     * @param expiryDeadlineNs nanoTime deadline, or -1.
     * @param nowNs            current nanoTime.
     * @return position, or negative if refused.
     */
    public long appendMessage(
        final int flags,
        final DirectBuffer topic,
        final int topicOffset,
        final int topicLength,
        final DirectBuffer properties,
        final int propertiesOffset,
        final int propertiesLength,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final long expiryDeadlineNs,
        final long nowNs)
    {
        final int offset = claim(JournalDescriptor.MESSAGE, flags,
            JournalDescriptor.MESSAGE_DATA_OFFSET + topicLength + propertiesLength + payloadLength, false);
        if (offset < 0)
        {
            return lastClaimPosition;
        }
        final MutableDirectBuffer buffer = log.buffer();
        buffer.putLong(offset + JournalDescriptor.MESSAGE_EXPIRY_OFFSET, toEpochMs(expiryDeadlineNs, nowNs));
        buffer.putInt(offset + JournalDescriptor.MESSAGE_TOPIC_LENGTH_OFFSET, topicLength);
        buffer.putInt(offset + JournalDescriptor.MESSAGE_PROPERTIES_LENGTH_OFFSET, propertiesLength);
        int at = offset + JournalDescriptor.MESSAGE_DATA_OFFSET;
        buffer.putBytes(at, topic, topicOffset, topicLength);
        at += topicLength;
        if (propertiesLength > 0)
        {
            buffer.putBytes(at, properties, propertiesOffset, propertiesLength);
            at += propertiesLength;
        }
        buffer.putBytes(at, payload, payloadOffset, payloadLength);
        return commit();
    }

    /**
     * Copy a MESSAGE record forward (log compaction) and point the message at the copy.
     *
     * @param message  a journaled message.
     * @param retained whether the copy is marked as the retained message of its topic.
     * @return new position, or negative if refused or the old record is unreadable.
     */
    public long relocate(final Message message, final boolean retained)
    {
        if (!log.read(message.logPosition(), copyRecord) || copyRecord.type() != JournalDescriptor.MESSAGE)
        {
            return -1;
        }
        final int flags = (copyRecord.flags() & (JournalDescriptor.FLAG_QOS_MASK | JournalDescriptor.FLAG_RETAIN)) |
            (retained ? JournalDescriptor.FLAG_RETAINED : 0);
        final int length = copyRecord.bodyLength();
        final int offset = claim(JournalDescriptor.MESSAGE, flags, length, false);
        if (offset < 0)
        {
            return lastClaimPosition;
        }
        log.buffer().putBytes(offset, copyRecord.buffer(), copyRecord.bodyOffset(), length);
        final long position = commit();
        final long old = message.logPosition();
        // Records written from now on name the copy; MOVED lets recovery match them to deliveries it rebuilt from
        // the old record when this snapshot does not complete. Reserve: the copy is useless without it.
        final int moved = claim(JournalDescriptor.MOVED, 0, 16, true);
        if (moved < 0)
        {
            return lastClaimPosition;
        }
        log.buffer().putLong(moved, old);
        log.buffer().putLong(moved + 8, position);
        commit();
        message.logPosition(position);
        return position;
    }

    /**
     * @param topic  topic buffer.
     * @param offset topic offset.
     * @param length topic length.
     * @return position, or negative if refused.
     */
    public long appendRetainClear(final DirectBuffer topic, final int offset, final int length)
    {
        final int body = claim(JournalDescriptor.RETAIN_CLEAR, 0, length, true);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        log.buffer().putBytes(body, topic, offset, length);
        return commit();
    }

    /**
     * @param messagePosition position of a retained MESSAGE record.
     * @return position, or negative if refused.
     */
    public long appendRetainRef(final long messagePosition)
    {
        return appendLong(JournalDescriptor.RETAIN_REF, messagePosition);
    }

    /**
     * @param sessionId     journal session id.
     * @param expirySeconds session expiry interval.
     * @param clientId      client identifier.
     * @return position, or negative if refused.
     */
    public long appendSession(final int sessionId, final long expirySeconds, final String clientId)
    {
        final byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        final int body = claim(JournalDescriptor.SESSION, 0, 16 + id.length, false);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        final MutableDirectBuffer buffer = log.buffer();
        buffer.putInt(body, sessionId);
        buffer.putInt(body + 4, 0);
        buffer.putLong(body + 8, expirySeconds);
        buffer.putBytes(body + 16, id);
        return commit();
    }

    /** @param sessionId journal session id of a session that ended. */
    public void appendSessionEnd(final int sessionId)
    {
        flushDeliveries();
        final int body = claim(JournalDescriptor.SESSION_END, 0, 4, true);
        if (body >= 0)
        {
            log.buffer().putInt(body, sessionId);
            commit();
        }
    }

    /**
     * @param sessionId      journal session id.
     * @param filter         topic filter.
     * @param options        {@link JournalDescriptor#subscriptionOptions} of the subscription as it is now.
     * @param subscriptionId subscription identifier, 0 for none.
     * @return position, or negative if refused.
     */
    public long appendSubscribe(final int sessionId, final String filter, final int options,
        final int subscriptionId)
    {
        final byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
        final int body = claim(JournalDescriptor.SUBSCRIBE, 0, 12 + bytes.length, false);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        final MutableDirectBuffer buffer = log.buffer();
        buffer.putInt(body, sessionId);
        buffer.putInt(body + 4, subscriptionId);
        buffer.putInt(body + 8, options);
        buffer.putBytes(body + 12, bytes);
        return commit();
    }

    /**
     * @param sessionId journal session id.
     * @param filter    the removed filter.
     */
    public void appendUnsubscribe(final int sessionId, final String filter)
    {
        final byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
        final int body = claim(JournalDescriptor.UNSUBSCRIBE, 0, 4 + bytes.length, true);
        if (body >= 0)
        {
            log.buffer().putInt(body, sessionId);
            log.buffer().putBytes(body + 4, bytes);
            commit();
        }
    }

    /**
     * @param sessionId       journal session id.
     * @param messagePosition position of the MESSAGE record.
     * @param qos             delivery QoS.
     * @param retain          retain flag to send.
     * @param ids             subscription identifiers.
     * @param count           number of identifiers.
     * @return position, or negative if refused.
     */
    public long appendEnqueue(final int sessionId, final long messagePosition, final int qos, final boolean retain,
        final int[] ids, final int count)
    {
        if (batchSync && 0 == snapshotFlag)
        {
            final int entry = addDelivery(JournalDescriptor.ENQUEUE, sessionId, messagePosition, qos, retain);
            deliveries.putInt(entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH, count);
            for (int i = 0; i < count; i++)
            {
                deliveries.putInt(entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH + 4 + 4 * i, ids[i]);
            }
            deliveriesLength = entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH + 4 + 4 * count;
            final long position = log.position();
            return deliveriesLength < deliveriesFlushBytes || flushDeliveries() ? position : lastClaimPosition;
        }
        final int body = claim(JournalDescriptor.ENQUEUE, 0, 16 + 4 * count, true);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        final MutableDirectBuffer buffer = log.buffer();
        buffer.putInt(body, sessionId);
        buffer.putByte(body + 4, (byte)qos);
        buffer.putByte(body + 5, (byte)(retain ? 1 : 0));
        buffer.putShort(body + 6, (short)count);
        buffer.putLong(body + 8, messagePosition);
        for (int i = 0; i < count; i++)
        {
            buffer.putInt(body + 16 + 4 * i, ids[i]);
        }
        return commit();
    }

    /**
     * @param sessionId       journal session id.
     * @param messagePosition position of the MESSAGE record whose delivery ended.
     */
    public void appendDelivered(final int sessionId, final long messagePosition)
    {
        if (batchSync && 0 == snapshotFlag)
        {
            final int entry = addDelivery(JournalDescriptor.DELIVERED, sessionId, messagePosition, 0, false);
            deliveriesLength = entry + JournalDescriptor.DELIVERIES_ENTRY_LENGTH;
            if (deliveriesLength >= deliveriesFlushBytes)
            {
                flushDeliveries();
            }
            return;
        }
        final int body = claim(JournalDescriptor.DELIVERED, 0, 16, true);
        if (body >= 0)
        {
            final MutableDirectBuffer buffer = log.buffer();
            buffer.putInt(body, sessionId);
            buffer.putInt(body + 4, 0);
            buffer.putLong(body + 8, messagePosition);
            commit();
        }
    }

    private int addDelivery(final int kind, final int sessionId, final long messagePosition, final int qos,
        final boolean retain)
    {
        final int entry = deliveriesLength;
        deliveries.putByte(entry, (byte)kind);
        deliveries.putByte(entry + 1, (byte)qos);
        deliveries.putByte(entry + 2, (byte)(retain ? 1 : 0));
        deliveries.putByte(entry + 3, (byte)0);
        deliveries.putInt(entry + 4, sessionId);
        deliveries.putLong(entry + 8, messagePosition);
        return entry;
    }

    /**
     * Write the pending ENQUEUE and DELIVERED entries as one DELIVERIES record (reserve: they follow messages that
     * were accepted). Router thread: at the end of each batch, before any record that must come after them, and
     * whenever they reach {@link #deliveriesFlushBytes}.
     *
     * @return false if the log refused the record (counted and logged; the entries are gone).
     */
    public boolean flushDeliveries()
    {
        if (0 == deliveriesLength)
        {
            return true;
        }
        final int length = deliveriesLength;
        deliveriesLength = 0;
        final int body = claim(JournalDescriptor.DELIVERIES, 0, length, true);
        if (body < 0)
        {
            return false;
        }
        log.buffer().putBytes(body, deliveries, 0, length);
        commit();
        return true;
    }

    /**
     * @param sessionId       journal session id.
     * @param packetId        packet identifier.
     * @param state           {@link JournalDescriptor#OUT_QOS2_SENT} or {@link JournalDescriptor#OUT_QOS2_RELEASED}.
     * @param messagePosition position of the MESSAGE record.
     */
    public void appendOutQos2(final int sessionId, final int packetId, final int state, final long messagePosition)
    {
        flushDeliveries();  // it names a delivery that a pending ENQUEUE creates
        final int body = claim(JournalDescriptor.OUT_QOS2, 0, 16, true);
        if (body >= 0)
        {
            final MutableDirectBuffer buffer = log.buffer();
            buffer.putInt(body, sessionId);
            buffer.putShort(body + 4, (short)packetId);
            buffer.putShort(body + 6, (short)state);
            buffer.putLong(body + 8, messagePosition);
            commit();
        }
    }

    /**
     * @param sessionId       journal session id.
     * @param packetId        inbound QoS 2 packet id answered with PUBREC.
     * @param messagePosition the MESSAGE record of the publish it answers, written with
     *                        {@link JournalDescriptor#FLAG_AWAITS_PUBREC}; -1 when there is none (nothing journaled
     *                        it, or a snapshot restates the packet id).
     * @return position, or negative if refused.
     */
    public long appendInQos2(final int sessionId, final int packetId, final long messagePosition)
    {
        // After the ENQUEUE entries of the message it acknowledges: a crash or power loss inside the batch can end
        // the log between the two, and an owned packet id without the message queued would make the resent PUBLISH
        // a duplicate, so the message, acknowledged afterwards, would reach nobody. Both may use the reserve: they
        // follow an accepted message.
        if (!flushDeliveries())
        {
            return lastClaimPosition;
        }
        final int body = claim(JournalDescriptor.IN_QOS2, 0, JournalDescriptor.IN_QOS2_LENGTH, true);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        final MutableDirectBuffer buffer = log.buffer();
        buffer.putInt(body, sessionId);
        buffer.putInt(body + 4, packetId);
        buffer.putLong(body + 8, messagePosition);
        return commit();
    }

    /**
     * @param sessionId journal session id.
     * @param packetId  inbound QoS 2 packet id released by PUBREL.
     */
    public void appendInQos2Done(final int sessionId, final int packetId)
    {
        appendInts(JournalDescriptor.IN_QOS2_DONE, sessionId, packetId, true);
    }

    /**
     * @param clientId      client identifier.
     * @param will          will message, on the heap.
     * @param delaySeconds  will delay interval.
     * @param expirySeconds will message expiry, -1 for none.
     * @return position, or negative if refused.
     */
    public long appendWill(final String clientId, final Message will, final long delaySeconds,
        final long expirySeconds)
    {
        final byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer data = will.buffer();
        final int flags = will.qos() | (will.retain() ? JournalDescriptor.FLAG_RETAIN : 0);
        final int body = claim(JournalDescriptor.WILL, flags,
            JournalDescriptor.WILL_DATA_OFFSET + id.length + data.capacity(), false);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        final MutableDirectBuffer buffer = log.buffer();
        buffer.putLong(body, delaySeconds);
        buffer.putLong(body + 8, expirySeconds);
        buffer.putInt(body + JournalDescriptor.WILL_CLIENT_ID_LENGTH_OFFSET, id.length);
        buffer.putInt(body + 20, will.topicLength());
        buffer.putInt(body + 24, will.propertiesLength());
        buffer.putInt(body + 28, 0);
        buffer.putBytes(body + JournalDescriptor.WILL_DATA_OFFSET, id);
        buffer.putBytes(body + JournalDescriptor.WILL_DATA_OFFSET + id.length, data, 0, data.capacity());
        return commit();
    }

    /**
     * Every forward of {@code origin} up to {@code sequence} was routed here. The batch's pending delivery entries
     * are written first, so the record never survives a crash without the deliveries it covers.
     *
     * @param origin   the origin node.
     * @param sequence the highest of its sequences routed.
     */
    public void appendForwardsRouted(final int origin, final long sequence)
    {
        flushDeliveries();
        appendNodeSequence(JournalDescriptor.FORWARDS_ROUTED, origin, sequence, false);
    }

    /**
     * The MESSAGE record at {@code messagePosition}, just appended, is the forward {@code sequence} of node
     * {@code origin}: written before any ENQUEUE of it, so that recovery can tell which sessions have it when a crash
     * cut the batch before its FORWARDS_ROUTED. May use the reserve: it follows an accepted message.
     *
     * @param origin          the origin node.
     * @param sequence        the forward's sequence.
     * @param messagePosition the MESSAGE record's position.
     */
    public void appendForwardOrigin(final int origin, final long sequence, final long messagePosition)
    {
        final int body = claimNodeSequence(JournalDescriptor.FORWARD_ORIGIN, origin, sequence, 8, true);
        if (body >= 0)
        {
            log.buffer().putLong(body + 16, messagePosition);
            commit();
        }
    }

    /**
     * A forward kept for a node that is down: its publisher's acknowledgement, queued after this, waits until it is
     * durable.
     *
     * @param node    the destination node.
     * @param forward the forward's buffer.
     * @param offset  its offset.
     * @param length  its length.
     * @return position, or negative if refused (the log is full).
     */
    public long appendKept(final int node, final DirectBuffer forward, final int offset, final int length)
    {
        final int body = claim(JournalDescriptor.KEPT, 0, JournalDescriptor.KEPT_FORWARD_OFFSET + length, false);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        log.buffer().putInt(body, node);
        log.buffer().putInt(body + 4, 0);
        log.buffer().putBytes(body + JournalDescriptor.KEPT_FORWARD_OFFSET, forward, offset, length);
        return commit();
    }

    /**
     * @param node     the destination node.
     * @param sequence every forward kept for it up to this sequence is finished.
     */
    public void appendKeptDone(final int node, final long sequence)
    {
        appendNodeSequence(JournalDescriptor.KEPT_DONE, node, sequence, true);
    }

    /**
     * @param sequence this node's forward sequences may be used up to this one.
     * @return position, or negative if refused (the log is full).
     */
    public long appendSequencesReserved(final long sequence)
    {
        return appendLong(JournalDescriptor.SEQUENCES_RESERVED, sequence);
    }

    /** @param clientId client whose will was published or discarded. */
    public void appendWillClear(final String clientId)
    {
        final byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        final int body = claim(JournalDescriptor.WILL_CLEAR, 0, id.length, true);
        if (body >= 0)
        {
            log.buffer().putBytes(body, id);
            commit();
        }
    }

    /**
     * @param previousSnapshot position of the previous SNAPSHOT_BEGIN, 0 if none.
     * @param maxSessionId     highest session id the snapshot covers.
     * @return position, or negative if refused.
     */
    public long appendSnapshotBegin(final long previousSnapshot, final int maxSessionId)
    {
        final int body = claim(JournalDescriptor.SNAPSHOT_BEGIN, 0, 16, false);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        log.buffer().putLong(body, previousSnapshot);
        log.buffer().putInt(body + 8, maxSessionId);
        log.buffer().putInt(body + 12, 0);
        return commit();
    }

    /**
     * @param begin position of this snapshot's SNAPSHOT_BEGIN.
     * @return position, or negative if refused.
     */
    public long appendSnapshotEnd(final long begin)
    {
        final int body = claim(JournalDescriptor.SNAPSHOT_END, 0, 8, true);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        log.buffer().putLong(body, begin);
        return commit();
    }

    private long appendLong(final int type, final long value)
    {
        final int body = claim(type, 0, 8, false);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        log.buffer().putLong(body, value);
        return commit();
    }

    /** A body of {@code int node, int 0, long sequence} (the cluster's per-node records). */
    private void appendNodeSequence(final int type, final int node, final long sequence, final boolean reserved)
    {
        if (claimNodeSequence(type, node, sequence, 0, reserved) >= 0)
        {
            commit();
        }
    }

    /**
     * Claims a body that starts {@code int node, int 0, long sequence} and has {@code moreBytes} after them (the
     * caller writes those from offset 16, then commits).
     *
     * @return the body's offset, or -1 if the log refused the record.
     */
    private int claimNodeSequence(final int type, final int node, final long sequence, final int moreBytes,
        final boolean reserved)
    {
        final int body = claim(type, 0, 16 + moreBytes, reserved);
        if (body >= 0)
        {
            final MutableDirectBuffer buffer = log.buffer();
            buffer.putInt(body, node);
            buffer.putInt(body + 4, 0);
            buffer.putLong(body + 8, sequence);
        }
        return body;
    }

    private long appendInts(final int type, final int first, final int second, final boolean reserved)
    {
        final int body = claim(type, 0, 8, reserved);
        if (body < 0)
        {
            return lastClaimPosition;
        }
        log.buffer().putInt(body, first);
        log.buffer().putInt(body + 4, second);
        return commit();
    }

    // ---------------------------------------------------------------- reading

    /**
     * Wrap the MESSAGE record at {@code position}.
     *
     * @param position record position.
     * @return the record flyweight (valid until the next read), or null if no valid MESSAGE record is there.
     */
    public LogRecord readMessage(final long position)
    {
        if (null == log || !log.read(position, record) || record.type() != JournalDescriptor.MESSAGE)
        {
            return null;
        }
        return record;
    }

    /**
     * Build the in-log {@link Message} for a MESSAGE record.
     *
     * @param message the record.
     * @param nowNs   current nanoTime.
     * @return a message holding only the record's position.
     */
    public static Message toMessage(final LogRecord message, final long nowNs)
    {
        final DirectBuffer buffer = message.buffer();
        final int body = message.bodyOffset();
        final int topicLength = buffer.getInt(body + JournalDescriptor.MESSAGE_TOPIC_LENGTH_OFFSET);
        final int propertiesLength = buffer.getInt(body + JournalDescriptor.MESSAGE_PROPERTIES_LENGTH_OFFSET);
        final int payloadLength = message.bodyLength() - JournalDescriptor.MESSAGE_DATA_OFFSET - topicLength -
            propertiesLength;
        final long expiry = fromEpochMs(buffer.getLong(body + JournalDescriptor.MESSAGE_EXPIRY_OFFSET), nowNs);
        return Message.inLog(message.position(), topicLength, propertiesLength, payloadLength,
            message.flags() & JournalDescriptor.FLAG_QOS_MASK, 0 != (message.flags() & JournalDescriptor.FLAG_RETAIN),
            expiry);
    }

    /**
     * @param deadlineNs nanoTime deadline, or -1.
     * @param nowNs      current nanoTime.
     * @return the deadline as epoch milliseconds, or -1.
     */
    public static long toEpochMs(final long deadlineNs, final long nowNs)
    {
        if (deadlineNs < 0)
        {
            return NO_EXPIRY;
        }
        return System.currentTimeMillis() + Math.max(0, (deadlineNs - nowNs) / 1_000_000L);
    }

    /**
     * @param epochMs epoch milliseconds, or -1.
     * @param nowNs   current nanoTime.
     * @return the deadline in nanoTime, or -1.
     */
    public static long fromEpochMs(final long epochMs, final long nowNs)
    {
        if (epochMs < 0)
        {
            return NO_EXPIRY;
        }
        return nowNs + Math.max(0, epochMs - System.currentTimeMillis()) * 1_000_000L;
    }

    /** Close the log and checkpoint; appending must have stopped. With {@code sync=batch} forces first. */
    @Override
    public void close()
    {
        if (null != log)
        {
            flushDeliveries();
            log.force(log.position());
            log.close();
            checkpoint.close();
            try
            {
                lockChannel.close();
            }
            catch (final IOException ex)
            {
                // The lock goes with the process anyway; nothing of the journal depends on it.
            }
        }
    }
}
