package io.ringmq.transport.auth.acl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.DirectBuffer;

/**
 * One client's filters as a trie over topic levels, each node carrying bit masks of what the rules ending there
 * (or ending there with {@code /#}) grant or deny. Matching a topic walks its bytes once, level by level, following
 * the literal child and the {@code +} child, and ORs the masks it meets; the caller turns the mask into a decision.
 * <p>
 * Two stages share the trie ({@link #STAGE_1} bits and {@link #STAGE_2} bits) because Mosquitto checks a client's
 * {@code topic} rules first and its {@code pattern} rules only when none of those decided.
 * <p>
 * <b>Threading:</b> built by one thread, then read by one thread at a time ({@link #match} uses a scratch stack held
 * by the instance, so it allocates nothing).
 */
final class AclTrie
{
    /** A deny rule of the first stage matches. */
    static final int DENY_1 = 1;
    /** A read grant of the first stage matches. */
    static final int READ_1 = 2;
    /** A write grant of the first stage matches. */
    static final int WRITE_1 = 4;
    /** Shift from a first-stage bit to the same second-stage bit. */
    static final int STAGE_2 = 3;
    /** Shift of the first stage (none). */
    static final int STAGE_1 = 0;
    /** Exploring a subscription's filter stops after this many steps and answers "some" (always safe). */
    static final int MAX_SUBSCRIBE_STEPS = 100_000;
    /** Exploring stops below this depth (a client id full of {@code /} can make deep pattern filters). */
    static final int MAX_SUBSCRIBE_DEPTH = 512;

    /** Flag of {@link #explore}: some topic is allowed. */
    static final int ALLOWED_SEEN = 1;
    /** Flag of {@link #explore}: some topic is denied. */
    static final int DENIED_SEEN = 2;

    private static final Node[] NO_NODES = new Node[0];

    private final Node root = new Node();
    private int depth;
    private Node[] stackNodes = NO_NODES;
    private int[] stackPositions = new int[0];

    /**
     * @param filter a valid topic filter.
     * @param bits   the mask bits the rule sets where it matches.
     */
    void add(final String filter, final int bits)
    {
        Node node = root;
        int levels = 0;
        int start = 0;
        while (true)
        {
            final int slash = filter.indexOf('/', start);
            final int end = slash < 0 ? filter.length() : slash;
            final String level = filter.substring(start, end);
            levels++;
            if ("#".equals(level) && slash < 0)
            {
                node.hashMask |= bits;
                break;
            }
            node = "+".equals(level) ? node.plusChild() : node.literalChild(level.getBytes(StandardCharsets.UTF_8));
            if (slash < 0)
            {
                node.terminalMask |= bits;
                break;
            }
            start = slash + 1;
        }
        if (levels > depth)
        {
            depth = levels;
        }
        // Each popped node pushes at most two children, one level deeper: the stack never holds more than two per
        // level of the trie.
        final int capacity = 2 * (depth + 2);
        if (stackNodes.length < capacity)
        {
            stackNodes = new Node[capacity];
            stackPositions = new int[capacity];
        }
    }

    /** @return true if no rule was added. */
    boolean isEmpty()
    {
        return 0 == depth;
    }

    /**
     * @param topic  buffer holding a topic name.
     * @param offset where it starts.
     * @param length its length in bytes.
     * @return the OR of the masks of every rule that matches it (0 for an empty topic).
     */
    int match(final DirectBuffer topic, final int offset, final int length)
    {
        if (length <= 0 || 0 == depth)
        {
            return 0;
        }
        final int end = offset + length;
        // A filter starting with a wildcard does not match a topic starting with '$' (MQTT 4.7.2).
        final boolean dollar = '$' == topic.getByte(offset);
        int mask = dollar ? 0 : root.hashMask;
        final Node[] nodes = stackNodes;
        final int[] positions = stackPositions;
        int top = 0;
        nodes[top] = root;
        positions[top++] = offset;
        while (top > 0)
        {
            final Node node = nodes[--top];
            final int position = positions[top];
            nodes[top] = null;
            if (position > end)
            {
                mask |= node.terminalMask; // every level consumed: rules ending here match
                continue;
            }
            int levelEnd = position;
            while (levelEnd < end && '/' != topic.getByte(levelEnd))
            {
                levelEnd++;
            }
            final Node child = node.find(topic, position, levelEnd - position);
            final boolean wildcards = node != root || !dollar;
            if (null != child)
            {
                mask |= child.hashMask; // "a/#" matches "a" and everything below it
                nodes[top] = child;
                positions[top++] = levelEnd + 1;
            }
            if (null != node.plus && wildcards)
            {
                mask |= node.plus.hashMask;
                nodes[top] = node.plus;
                positions[top++] = levelEnd + 1;
            }
        }
        return mask;
    }

    /**
     * What a subscription can receive: explores every class of topics the filter matches that the rules tell apart
     * (each literal a rule has at a level the filter leaves open, and "any other" value) and reports the masks seen.
     *
     * @param filter   a valid topic filter.
     * @param decision turns a mask into allow (true) or deny (false).
     * @return {@link #ALLOWED_SEEN} if some matching topic is allowed, or'ed with {@link #DENIED_SEEN} if some is
     * denied; both when the exploration was too large to finish.
     */
    int explore(final String filter, final MaskPredicate decision)
    {
        final String[] levels = filter.split("/", -1);
        final byte[][] literals = new byte[levels.length][];
        for (int i = 0; i < levels.length; i++)
        {
            literals[i] = levels[i].getBytes(StandardCharsets.UTF_8);
        }
        final Explorer explorer = new Explorer(levels, literals, decision);
        try
        {
            explorer.explore(List.of(root), 0, 0, false);
        }
        catch (final BudgetExceeded ex)
        {
            return ALLOWED_SEEN | DENIED_SEEN;
        }
        return explorer.seen;
    }

    /** Turns a mask into a decision. */
    @FunctionalInterface
    interface MaskPredicate
    {
        /**
         * @param mask the OR of the matching rules' bits.
         * @return true if access is allowed.
         */
        boolean allows(int mask);
    }

    /** Thrown (without a stack trace) to stop an exploration that is too large. */
    private static final class BudgetExceeded extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        BudgetExceeded()
        {
            super("subscription exploration too large", null, false, false);
        }
    }

    /** One exploration of a subscription filter; see {@link #explore}. */
    private final class Explorer
    {
        private final String[] levels;
        private final byte[][] literals;
        private final MaskPredicate decision;
        private int steps;
        private int seen;

        Explorer(final String[] levels, final byte[][] literals, final MaskPredicate decision)
        {
            this.levels = levels;
            this.literals = literals;
            this.decision = decision;
        }

        /**
         * @param active     the nodes reached by the topic so far (before the next level).
         * @param acc        the masks collected so far ({@code #} rules passed).
         * @param index      the filter level the next topic level must match.
         * @param firstEmpty the topic so far is one empty level (ending there would be the empty, invalid topic).
         */
        void explore(final List<Node> active, final int acc, final int index, final boolean firstEmpty)
        {
            count(index);
            if (ALLOWED_SEEN + DENIED_SEEN == seen)
            {
                return;
            }
            if (index == levels.length)
            {
                if (!(1 == index && firstEmpty))
                {
                    end(active, acc);
                }
                return;
            }
            if (active.isEmpty() && index > 0)
            {
                // Nothing further can change the mask, and the rest of the filter matches at least one topic.
                record(acc);
                return;
            }
            final String level = levels[index];
            if ("#".equals(level) && index + 1 == levels.length)
            {
                if (index > 0 && !(1 == index && firstEmpty))
                {
                    end(active, acc); // "a/#" matches "a"
                }
                free(active, acc, index);
            }
            else if ("+".equals(level))
            {
                for (final byte[] value : candidates(active, 0 == index))
                {
                    final List<Node> next = nextNodes(active, value, 0 == index);
                    explore(next, step(acc, value, 0 == index, next), index + 1,
                        0 == index ? null != value && 0 == value.length : firstEmpty);
                }
            }
            else
            {
                final byte[] value = literals[index];
                final List<Node> next = nextNodes(active, value, 0 == index);
                explore(next, step(acc, value, 0 == index, next), index + 1,
                    0 == index ? 0 == value.length : firstEmpty);
            }
        }

        /** Topics going on past a filter's {@code #}: one or more levels of any value. */
        private void free(final List<Node> active, final int acc, final int depthSoFar)
        {
            count(depthSoFar);
            for (final byte[] value : candidates(active, 0 == depthSoFar))
            {
                if (ALLOWED_SEEN + DENIED_SEEN == seen)
                {
                    return;
                }
                final List<Node> next = nextNodes(active, value, 0 == depthSoFar);
                final int nextAcc = step(acc, value, 0 == depthSoFar, next);
                final boolean emptyTopic = 0 == depthSoFar && null != value && 0 == value.length;
                if (next.isEmpty())
                {
                    record(nextAcc); // this topic, and every longer one, has this mask
                }
                else
                {
                    if (!emptyTopic)
                    {
                        end(next, nextAcc);
                    }
                    free(next, nextAcc, depthSoFar + 1);
                }
            }
        }

        private int step(final int acc, final byte[] value, final boolean first, final List<Node> next)
        {
            int mask = acc;
            final boolean dollar = first && null != value && value.length > 0 && '$' == value[0];
            if (first && !dollar)
            {
                mask |= root.hashMask;
            }
            for (final Node n : next)
            {
                mask |= n.hashMask;
            }
            return mask;
        }

        private List<Node> nextNodes(final List<Node> active, final byte[] value, final boolean first)
        {
            final boolean dollar = first && null != value && value.length > 0 && '$' == value[0];
            final List<Node> next = new ArrayList<>(active.size() + 1);
            for (final Node n : active)
            {
                if (null != value)
                {
                    final Node child = n.find(value);
                    if (null != child)
                    {
                        next.add(child);
                    }
                }
                if (null != n.plus && !(dollar && n == root))
                {
                    next.add(n.plus);
                }
            }
            return next;
        }

        /**
         * @return the values worth trying at a wildcard level: each literal child of an active node (not those
         * starting with '$' at the first level, which a wildcard does not match) and null for "any other value".
         */
        private List<byte[]> candidates(final List<Node> active, final boolean first)
        {
            final List<byte[]> values = new ArrayList<>();
            for (final Node n : active)
            {
                for (final byte[] key : n.keys)
                {
                    if (null == key || (first && key.length > 0 && '$' == key[0]))
                    {
                        continue;
                    }
                    boolean known = false;
                    for (final byte[] v : values)
                    {
                        if (Arrays.equals(v, key))
                        {
                            known = true;
                            break;
                        }
                    }
                    if (!known)
                    {
                        values.add(key);
                    }
                }
            }
            values.add(null);
            return values;
        }

        private void end(final List<Node> active, final int acc)
        {
            int mask = acc;
            for (final Node n : active)
            {
                mask |= n.terminalMask | n.hashMask;
            }
            record(mask);
        }

        private void record(final int mask)
        {
            seen |= decision.allows(mask) ? ALLOWED_SEEN : DENIED_SEEN;
        }

        private void count(final int level)
        {
            if (++steps > MAX_SUBSCRIBE_STEPS || level > MAX_SUBSCRIBE_DEPTH)
            {
                throw new BudgetExceeded();
            }
        }
    }

    /** A trie node: its literal children in an open-addressing table keyed by the level's bytes. */
    private static final class Node
    {
        private byte[][] keys = new byte[2][];
        private Node[] children = new Node[2];
        private int[] hashes = new int[2];
        private int size;
        private Node plus;
        private int terminalMask;
        private int hashMask;

        Node plusChild()
        {
            if (null == plus)
            {
                plus = new Node();
            }
            return plus;
        }

        Node literalChild(final byte[] key)
        {
            final Node existing = find(key);
            if (null != existing)
            {
                return existing;
            }
            if (2 * (size + 1) > keys.length)
            {
                grow();
            }
            final Node child = new Node();
            insert(key, hash(key), child);
            size++;
            return child;
        }

        private void grow()
        {
            final byte[][] oldKeys = keys;
            final Node[] oldChildren = children;
            final int[] oldHashes = hashes;
            keys = new byte[oldKeys.length * 2][];
            children = new Node[oldKeys.length * 2];
            hashes = new int[oldKeys.length * 2];
            for (int i = 0; i < oldKeys.length; i++)
            {
                if (null != oldKeys[i])
                {
                    insert(oldKeys[i], oldHashes[i], oldChildren[i]);
                }
            }
        }

        private void insert(final byte[] key, final int hash, final Node child)
        {
            final int mask = keys.length - 1;
            int i = hash & mask;
            while (null != keys[i])
            {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            hashes[i] = hash;
            children[i] = child;
        }

        Node find(final byte[] key)
        {
            final int hash = hash(key);
            final int mask = keys.length - 1;
            int i = hash & mask;
            while (null != keys[i])
            {
                if (hashes[i] == hash && Arrays.equals(keys[i], key))
                {
                    return children[i];
                }
                i = (i + 1) & mask;
            }
            return null;
        }

        Node find(final DirectBuffer buffer, final int offset, final int length)
        {
            if (0 == size)
            {
                return null;
            }
            int h = 0;
            for (int i = 0; i < length; i++)
            {
                h = 31 * h + buffer.getByte(offset + i);
            }
            final int hash = mix(h);
            final int mask = keys.length - 1;
            int i = hash & mask;
            while (null != keys[i])
            {
                if (hashes[i] == hash && equal(keys[i], buffer, offset, length))
                {
                    return children[i];
                }
                i = (i + 1) & mask;
            }
            return null;
        }

        private static boolean equal(final byte[] key, final DirectBuffer buffer, final int offset, final int length)
        {
            if (key.length != length)
            {
                return false;
            }
            for (int i = 0; i < length; i++)
            {
                if (key[i] != buffer.getByte(offset + i))
                {
                    return false;
                }
            }
            return true;
        }

        private static int hash(final byte[] key)
        {
            int h = 0;
            for (final byte b : key)
            {
                h = 31 * h + b;
            }
            return mix(h);
        }

        private static int mix(final int h)
        {
            return h ^ (h >>> 16);
        }
    }
}
