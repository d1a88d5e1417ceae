package io.ringmq.core.routing;

import java.util.Arrays;

/**
 * Members of one shared subscription {@code $share/{name}/{filter}}: a message matching the filter goes to one member
 * of the group, chosen round robin.
 * <p>
 * Members are kept in an array in subscription order; removing a member shifts the later members down and moves the
 * round-robin cursor with them, so the member that would have been next is still next.
 * <p>
 * <b>Threading:</b> not thread-safe: owned by the routing thread, like the {@link TopicTrie} that creates it.
 *
 * @param <T> type of the subscriber.
 */
public final class SharedGroup<T>
{
    private static final Object[] EMPTY = new Object[0];

    private final String name;
    private final String filter;
    private Object[] members = EMPTY;
    private int size;
    private int cursor;

    SharedGroup(final String name, final String filter)
    {
        this.name = name;
        this.filter = filter;
    }

    /**
     * Share name of the group, the {@code {name}} in {@code $share/{name}/{filter}}.
     *
     * @return share name of the group.
     */
    public String name()
    {
        return name;
    }

    /**
     * Topic filter of the group without the {@code $share/{name}/} prefix.
     *
     * @return topic filter of the group.
     */
    public String filter()
    {
        return filter;
    }

    /**
     * Number of members.
     *
     * @return number of members.
     */
    public int size()
    {
        return size;
    }

    /**
     * Member at an index in subscription order.
     *
     * @param index in the range {@code [0, size())}.
     * @return the member at the index.
     * @throws IndexOutOfBoundsException if the index is out of range.
     */
    @SuppressWarnings("unchecked")
    public T member(final int index)
    {
        if (index < 0 || index >= size)
        {
            throw new IndexOutOfBoundsException("index=" + index + " size=" + size);
        }

        return (T)members[index];
    }

    /**
     * Index of the member whose turn it is, and advances the round-robin cursor past it. The router tries
     * {@code member(index)}, then {@code (index + 1) % size()} and so on, skipping members it cannot deliver to.
     *
     * @return index of the member whose turn it is, or -1 if the group is empty.
     */
    public int nextIndex()
    {
        if (0 == size)
        {
            return -1;
        }

        final int index = cursor;
        cursor = index + 1 >= size ? 0 : index + 1;

        return index;
    }

    boolean add(final T member)
    {
        if (indexOf(member) >= 0)
        {
            return false;
        }

        if (size == members.length)
        {
            members = Arrays.copyOf(members, Math.max(4, size << 1));
        }
        members[size++] = member;

        return true;
    }

    boolean remove(final T member)
    {
        final int index = indexOf(member);
        if (index < 0)
        {
            return false;
        }

        final int newSize = size - 1;
        System.arraycopy(members, index + 1, members, index, newSize - index);
        members[newSize] = null;
        size = newSize;

        if (index < cursor)
        {
            cursor--;
        }
        if (cursor >= newSize)
        {
            cursor = 0;
        }
        if (0 == newSize)
        {
            members = EMPTY;
        }

        return true;
    }

    private int indexOf(final T member)
    {
        final Object[] members = this.members;
        for (int i = 0, size = this.size; i < size; i++)
        {
            if (members[i] == member)
            {
                return i;
            }
        }

        return -1;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "SharedGroup{name=" + name + ", filter=" + filter + ", size=" + size + ", cursor=" + cursor + '}';
    }
}
