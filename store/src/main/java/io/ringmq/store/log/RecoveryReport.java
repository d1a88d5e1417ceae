package io.ringmq.store.log;

/**
 * What {@link MessageLog#recover} found.
 *
 * @param fromPosition     where the scan started.
 * @param endPosition      where the valid log ends and appending continues.
 * @param records          valid records passed to the handler (padding excluded).
 * @param bytesScanned     bytes of valid records and padding.
 * @param truncatedBytes   bytes from the first invalid record to the end of its segment that were discarded
 *                         because they were torn or corrupt (0 after a clean stop).
 * @param segmentsDropped  segments after the truncation point that held bytes and were deleted (segments created
 *                         ahead of time and never written are deleted without being counted).
 * @param nanos            time the scan took.
 */
public record RecoveryReport(
    long fromPosition,
    long endPosition,
    long records,
    long bytesScanned,
    long truncatedBytes,
    int segmentsDropped,
    long nanos)
{
}
