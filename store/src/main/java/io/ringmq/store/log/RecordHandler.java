package io.ringmq.store.log;

/** Receives the records of a log scan in order. */
@FunctionalInterface
public interface RecordHandler
{
    /**
     * @param record the record; valid only during the call.
     */
    void onRecord(LogRecord record);
}
