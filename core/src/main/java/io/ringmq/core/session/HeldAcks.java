package io.ringmq.core.session;

/**
 * A publisher's acknowledgements (PUBACK, PUBREC) held back while a connected subscriber it feeds is backed up, or
 * until the other nodes of a cluster have taken the message's forwards, in the order they were made, so the
 * publisher gets them in the order it sent its PUBLISH packets. Created on the first hold, so a connection that
 * never feeds a slow subscriber or another node pays one null reference.
 * <p>
 * Each entry packs the packet type, reason code and packet id into one int, beside the forwards it waits for (the
 * origin's first and last forward sequences of its message, consecutive, and the nodes they went to; 0 for none); no
 * object per acknowledgement.
 * <p>
 * <b>Threading:</b> Router thread only.
 */
public final class HeldAcks
{
    private static final int INITIAL_CAPACITY = 16;

    private int[] entries = new int[INITIAL_CAPACITY];
    private long[] sequences = new long[INITIAL_CAPACITY];
    private long[] firstSequences = new long[INITIAL_CAPACITY];
    private long[] nodes = new long[INITIAL_CAPACITY];
    /** Listed among the publishers waiting for forwards (kept by the Router's {@code AckHold}). */
    private boolean awaitingForwards;
    private int head;
    private int size;
    /**
     * Backed-up sessions currently holding this publisher, here or on other nodes of a cluster; acknowledgements are
     * held while above zero.
     */
    private int holds;
    /**
     * The holds that other nodes' sessions asked for (part of {@link #holds}), and how many entries at the head they
     * do not cover: those made before the first of them came, released as their forwards are taken.
     */
    private int nodeHolds;
    private int exemptFromNodeHolds;
    /** The session that last recorded a hold here and its hold epoch: skips the holder list scan per delivery. */
    private Session lastHolder;
    private long lastHolderEpoch = -1;

    /**
     * @param packetType PUBACK or PUBREC.
     * @param packetId   packet identifier.
     * @param reasonCode MQTT 5 reason code (0 for 3.1.1).
     * @return the packed entry.
     */
    public static int pack(final int packetType, final int packetId, final int reasonCode)
    {
        return (packetType & 0x0F) << 24 | (reasonCode & 0xFF) << 16 | (packetId & 0xFFFF);
    }

    /**
     * @param entry a packed entry.
     * @return its packet type.
     */
    public static int packetType(final int entry)
    {
        return entry >>> 24;
    }

    /**
     * @param entry a packed entry.
     * @return its packet id.
     */
    public static int packetId(final int entry)
    {
        return entry & 0xFFFF;
    }

    /**
     * @param entry a packed entry.
     * @return its reason code.
     */
    public static int reasonCode(final int entry)
    {
        return (entry >>> 16) & 0xFF;
    }

    /** @return true while acknowledgements must be held: a session holds the publisher, or some are still queued. */
    public boolean holding()
    {
        return holds > 0 || size > 0;
    }

    /** @return sessions holding the publisher. */
    public int holds()
    {
        return holds;
    }

    /**
     * A backed-up session holds the publisher.
     *
     * @param holder the session.
     * @param epoch  the session's hold epoch, remembered to skip the next check for the same session.
     */
    public void hold(final Session holder, final long epoch)
    {
        holds++;
        lastHolder = holder;
        lastHolderEpoch = epoch;
    }

    /**
     * @param holder a session.
     * @param epoch  its current hold epoch.
     * @return true if that session is known to hold this publisher in that epoch (a fast check, false may be wrong).
     */
    public boolean heldBy(final Session holder, final long epoch)
    {
        return lastHolder == holder && lastHolderEpoch == epoch;
    }

    /**
     * A backed-up session on another node holds the publisher from one of its acknowledgements on.
     *
     * @param exempt the entries at the head that this hold does not cover ({@link #entriesBefore}).
     */
    public void holdForNode(final int exempt)
    {
        exemptFromNodeHolds = 0 == nodeHolds ? exempt : Math.min(exemptFromNodeHolds, exempt);
        nodeHolds++;
        holds++;
    }

    /**
     * A session on another node released the publisher.
     *
     * @return holds left.
     */
    public int releaseForNode()
    {
        if (nodeHolds > 0)
        {
            nodeHolds--;
            if (0 == nodeHolds)
            {
                exemptFromNodeHolds = 0;
            }
            holds--;
        }
        return holds;
    }

    /**
     * @param sequence a forward sequence.
     * @return the entries before the one whose message went out with that forward ({@link #size()} if none has).
     */
    public int entriesBefore(final long sequence)
    {
        for (int i = 0; i < size; i++)
        {
            final int at = (head + i) % entries.length;
            if (0 != nodes[at] && firstSequences[at] <= sequence && sequence <= sequences[at])
            {
                return i;
            }
        }
        return size;
    }

    /**
     * @return true if no hold covers the oldest entry: nobody holds the publisher, or only other nodes' sessions,
     * whose holds came after it.
     */
    public boolean headReleasable()
    {
        return 0 == holds || (holds == nodeHolds && exemptFromNodeHolds > 0);
    }

    /**
     * A session released the publisher.
     *
     * @return holds left.
     */
    public int release()
    {
        if (holds > 0)
        {
            holds--;
        }
        if (0 == holds)
        {
            lastHolder = null;
        }
        return holds;
    }

    /** @return acknowledgements held. */
    public int size()
    {
        return size;
    }

    /** @param entry a packed entry, appended; it waits for no forward. */
    public void add(final int entry)
    {
        add(entry, 0, 0, 0);
    }

    /**
     * @param entry         a packed entry, appended.
     * @param firstSequence the first forward sequence of its message, or 0.
     * @param sequence      the last forward sequence of its message, or 0.
     * @param nodes         the nodes its message was forwarded to, one bit per node id, or 0.
     */
    public void add(final int entry, final long firstSequence, final long sequence, final long nodes)
    {
        if (size == entries.length)
        {
            final int[] grown = new int[size * 2];
            final long[] grownSequences = new long[size * 2];
            final long[] grownFirstSequences = new long[size * 2];
            final long[] grownNodes = new long[size * 2];
            for (int i = 0; i < size; i++)
            {
                final int from = (head + i) % entries.length;
                grown[i] = entries[from];
                grownSequences[i] = sequences[from];
                grownFirstSequences[i] = firstSequences[from];
                grownNodes[i] = this.nodes[from];
            }
            entries = grown;
            sequences = grownSequences;
            firstSequences = grownFirstSequences;
            this.nodes = grownNodes;
            head = 0;
        }
        final int at = (head + size) % entries.length;
        entries[at] = entry;
        sequences[at] = sequence;
        firstSequences[at] = firstSequence;
        this.nodes[at] = nodes;
        size++;
    }

    /** @return the oldest entry's last forward sequence (0 for none); the caller checks {@link #size()} first. */
    public long headSequence()
    {
        return sequences[head];
    }

    /** @return the oldest entry's first forward sequence (0 for none); the caller checks {@link #size()} first. */
    public long headFirstSequence()
    {
        return firstSequences[head];
    }

    /** @return the nodes the oldest entry's message was forwarded to (0 for none). */
    public long headNodes()
    {
        return nodes[head];
    }

    /** @return whether the publisher is listed among those waiting for forwards. */
    public boolean awaitingForwards()
    {
        return awaitingForwards;
    }

    /** @param awaiting whether the publisher is listed among those waiting for forwards. */
    public void awaitingForwards(final boolean awaiting)
    {
        awaitingForwards = awaiting;
    }

    /** @return the oldest entry, removed; the caller checks {@link #size()} first. */
    public int poll()
    {
        final int entry = entries[head];
        head = (head + 1) % entries.length;
        size--;
        if (exemptFromNodeHolds > 0)
        {
            exemptFromNodeHolds--;
        }
        return entry;
    }

    /** Forget every entry and hold (the connection is gone). */
    public void clear()
    {
        head = 0;
        size = 0;
        holds = 0;
        nodeHolds = 0;
        exemptFromNodeHolds = 0;
        lastHolder = null;
    }
}
