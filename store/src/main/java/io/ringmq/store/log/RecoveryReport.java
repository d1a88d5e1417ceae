package io.ringmq.store.log;

import java.nio.file.Path;

/**
 * What {@link MessageLog#recover} found.
 *
 * @param fromPosition     where the scan started.
 * @param endPosition      where the valid log ends and appending continues; the cut position when something was
 *                         cut.
 * @param records          valid records passed to the handler (padding excluded).
 * @param bytesScanned     bytes of valid records and padding.
 * @param truncatedBytes   bytes cut: from {@code endPosition} to the end of the written data (the last non-zero
 *                         byte or the end of the last valid record after it, whichever is later), later segments
 *                         included; 0 after a clean stop.
 * @param truncatedRecords valid records (padding excluded) found after the damage and cut with it; 0 for a torn
 *                         tail. Only non-zero when the cut was allowed.
 * @param segmentsDropped  segments after the truncation point that held bytes and were deleted (segments created
 *                         ahead of time and never written are deleted without being counted).
 * @param quarantineFile   file holding a copy of the {@code truncatedBytes} cut bytes (its name starts with
 *                         {@code endPosition}), or null if nothing was cut.
 * @param nanos            time the scan took.
 */
public record RecoveryReport(
    long fromPosition,
    long endPosition,
    long records,
    long bytesScanned,
    long truncatedBytes,
    long truncatedRecords,
    int segmentsDropped,
    Path quarantineFile,
    long nanos)
{
}
