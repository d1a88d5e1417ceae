package io.ringmq.core.routing;

import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * Open-addressing (linear probing) hash map from one topic level, as its UTF-8 bytes, to a value. A level read from
 * a {@link DirectBuffer} is looked up by hashing and comparing the bytes in place, so matching a topic builds no
 * {@code String} and allocates nothing.
 * <p>
 * Removal uses backward-shift deletion (no tombstones, as Agrona's hash maps), and the table shrinks when it becomes
 * sparse so that memory returns after subscription churn.
 * <p>
 * <b>Threading:</b> not thread-safe: owned by the routing thread.
 *
 * @param <V> type of the value.
 */
final class LevelMap<V>
{
    static final int MIN_CAPACITY = 4;

    /** Running hash of an empty level: the FNV-1a offset basis. */
    static final int HASH_START = 0x811C9DC5;
    private static final int FNV_PRIME = 0x01000193;

    private byte[][] keys;
    private Object[] values;
    private int[] hashes;
    private int size;
    private int resizeThreshold;

    LevelMap()
    {
        allocate(MIN_CAPACITY);
    }

    /**
     * Hash of a level held in a buffer; equal to {@link #hash(byte[])} of the same bytes.
     *
     * @param buffer holding the level.
     * @param offset of the first byte of the level.
     * @param length of the level in bytes.
     * @return the hash.
     */
    static int hash(final DirectBuffer buffer, final int offset, final int length)
    {
        int hash = HASH_START;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            hash = hashStep(hash, buffer.getByte(i));
        }

        return hashEnd(hash);
    }

    /**
     * One byte into a level's running hash, begun at {@link #HASH_START} and finished by {@link #hashEnd}, for a
     * caller that hashes a level while scanning it anyway ({@link TopicTrie#match} splits a topic in one pass).
     *
     * @param hash running hash.
     * @param b    next byte of the level.
     * @return the running hash with the byte.
     */
    static int hashStep(final int hash, final byte b)
    {
        return (hash ^ (b & 0xFF)) * FNV_PRIME;
    }

    /**
     * @param hash running hash of a whole level.
     * @return the level's hash as {@link #hash(byte[])} gives it.
     */
    static int hashEnd(final int hash)
    {
        return hash ^ (hash >>> 16);
    }

    /**
     * Hash of a level held in an array; equal to {@link #hash(DirectBuffer, int, int)} of the same bytes.
     *
     * @param level bytes of the level.
     * @return the hash.
     */
    static int hash(final byte[] level)
    {
        int hash = HASH_START;
        for (final byte b : level)
        {
            hash = hashStep(hash, b);
        }

        return hashEnd(hash);
    }

    int size()
    {
        return size;
    }

    int capacity()
    {
        return keys.length;
    }

    /**
     * Value for a level held in a buffer, without allocating.
     *
     * @param buffer holding the level.
     * @param offset of the first byte of the level.
     * @param length of the level in bytes.
     * @return the value or null if the level is not present.
     */
    V get(final DirectBuffer buffer, final int offset, final int length)
    {
        return get(buffer, offset, length, hash(buffer, offset, length));
    }

    /**
     * Value for a level held in a buffer whose hash the caller has, without allocating.
     *
     * @param buffer holding the level.
     * @param offset of the first byte of the level.
     * @param length of the level in bytes.
     * @param hash   of the level, as {@link #hash(DirectBuffer, int, int)} gives it.
     * @return the value or null if the level is not present.
     */
    @SuppressWarnings("unchecked")
    V get(final DirectBuffer buffer, final int offset, final int length, final int hash)
    {
        final byte[][] keys = this.keys;
        final int[] hashes = this.hashes;
        final int mask = keys.length - 1;

        int index = hash & mask;
        byte[] key;
        while (null != (key = keys[index]))
        {
            if (hashes[index] == hash && equals(key, buffer, offset, length))
            {
                return (V)values[index];
            }
            index = (index + 1) & mask;
        }

        return null;
    }

    @SuppressWarnings("unchecked")
    V get(final byte[] level)
    {
        final int index = indexOf(level, hash(level));

        return index < 0 ? null : (V)values[index];
    }

    /**
     * Puts a value for a level; the map keeps a reference to the level array, which must not be changed afterwards.
     *
     * @param level bytes of the level.
     * @param value for the level, not null.
     * @return the previous value or null.
     */
    @SuppressWarnings("unchecked")
    V put(final byte[] level, final V value)
    {
        final int hash = hash(level);
        final int mask = keys.length - 1;

        int index = hash & mask;
        byte[] key;
        while (null != (key = keys[index]))
        {
            if (hashes[index] == hash && Arrays.equals(key, level))
            {
                final V previous = (V)values[index];
                values[index] = value;
                return previous;
            }
            index = (index + 1) & mask;
        }

        keys[index] = level;
        values[index] = value;
        hashes[index] = hash;

        if (++size > resizeThreshold)
        {
            rehash(keys.length << 1);
        }

        return null;
    }

    @SuppressWarnings("unchecked")
    V remove(final byte[] level)
    {
        final int index = indexOf(level, hash(level));
        if (index < 0)
        {
            return null;
        }

        final V previous = (V)values[index];
        keys[index] = null;
        values[index] = null;
        size--;
        compactChain(index);

        final int capacity = keys.length;
        if (capacity > MIN_CAPACITY && size <= (capacity >>> 3))
        {
            rehash(capacity >>> 1);
        }

        return previous;
    }

    private int indexOf(final byte[] level, final int hash)
    {
        final byte[][] keys = this.keys;
        final int mask = keys.length - 1;

        int index = hash & mask;
        byte[] key;
        while (null != (key = keys[index]))
        {
            if (hashes[index] == hash && Arrays.equals(key, level))
            {
                return index;
            }
            index = (index + 1) & mask;
        }

        return -1;
    }

    private static boolean equals(final byte[] key, final DirectBuffer buffer, final int offset, final int length)
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

    /**
     * Moves the entries after a freed slot back so that every remaining entry is reachable from its home slot
     * without tombstones (same algorithm as Agrona's {@code Object2ObjectHashMap.compactChain}).
     */
    private void compactChain(final int freedIndex)
    {
        final byte[][] keys = this.keys;
        final Object[] values = this.values;
        final int[] hashes = this.hashes;
        final int mask = keys.length - 1;

        int deleteIndex = freedIndex;
        int index = freedIndex;
        while (true)
        {
            index = (index + 1) & mask;
            if (null == keys[index])
            {
                break;
            }

            final int home = hashes[index] & mask;
            if ((index < home && (home <= deleteIndex || deleteIndex <= index)) ||
                (home <= deleteIndex && deleteIndex <= index))
            {
                keys[deleteIndex] = keys[index];
                values[deleteIndex] = values[index];
                hashes[deleteIndex] = hashes[index];
                keys[index] = null;
                values[index] = null;
                deleteIndex = index;
            }
        }
    }

    private void rehash(final int newCapacity)
    {
        final byte[][] oldKeys = keys;
        final Object[] oldValues = values;
        final int[] oldHashes = hashes;

        allocate(newCapacity);
        final int mask = newCapacity - 1;
        for (int i = 0; i < oldKeys.length; i++)
        {
            final byte[] key = oldKeys[i];
            if (null != key)
            {
                int index = oldHashes[i] & mask;
                while (null != keys[index])
                {
                    index = (index + 1) & mask;
                }
                keys[index] = key;
                values[index] = oldValues[i];
                hashes[index] = oldHashes[i];
            }
        }
    }

    private void allocate(final int capacity)
    {
        keys = new byte[capacity][];
        values = new Object[capacity];
        hashes = new int[capacity];
        resizeThreshold = (capacity * 2) / 3;
    }
}
