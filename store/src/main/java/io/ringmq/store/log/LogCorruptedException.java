package io.ringmq.store.log;

/**
 * Thrown by {@link MessageLog#recover} when the log is damaged and valid records follow the damage: cutting the log
 * there would delete records that were written whole (and may have been acknowledged), so recovery refuses unless
 * it was told that the cut is accepted. Nothing on disk has changed when this is thrown.
 */
public final class LogCorruptedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final long damagePosition;
    private final long followingRecords;
    private final long cutBytes;

    /**
     * @param directory        the log folder.
     * @param damagePosition   position of the first record that does not verify: where the log would be cut.
     * @param followingRecords valid records found after the damage.
     * @param cutBytes         bytes from {@code damagePosition} to the end of the written data that a cut removes.
     * @param quarantine       folder the cut bytes would be copied to.
     */
    public LogCorruptedException(
        final String directory,
        final long damagePosition,
        final long followingRecords,
        final long cutBytes,
        final String quarantine)
    {
        super("message log " + directory + " is damaged at position " + damagePosition + " and " + followingRecords +
            " valid records follow the damage (" + cutBytes + " bytes from there to the end of the written data); " +
            "recovery refuses to cut them: restore the log from a backup, or recover again allowing the cut " +
            "(the " + cutBytes + " bytes are first copied to a file in " + quarantine + ")");
        this.damagePosition = damagePosition;
        this.followingRecords = followingRecords;
        this.cutBytes = cutBytes;
    }

    /** @return position of the first record that does not verify. */
    public long damagePosition()
    {
        return damagePosition;
    }

    /** @return valid records (padding excluded) after the damage that a cut would delete. */
    public long followingRecords()
    {
        return followingRecords;
    }

    /** @return bytes a cut would remove, from {@link #damagePosition()} to the end of the written data. */
    public long cutBytes()
    {
        return cutBytes;
    }
}
