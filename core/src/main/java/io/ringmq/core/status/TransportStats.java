package io.ringmq.core.status;

/**
 * Figures only the transport knows, read by the routing stage for $SYS topics. Implementations must be safe to
 * read from the Router thread while event loops update them.
 */
public interface TransportStats
{
    /** No transport figures (tests of the routing stage alone). */
    TransportStats NONE = new TransportStats()
    {
        @Override
        public long bytesReceived()
        {
            return 0;
        }

        @Override
        public long bytesSent()
        {
            return 0;
        }

        @Override
        public long droppedNotWritable()
        {
            return 0;
        }

        @Override
        public long connectionsRefused()
        {
            return 0;
        }
    };

    /** @return bytes read from sockets. */
    long bytesReceived();

    /** @return bytes written to sockets. */
    long bytesSent();

    /** @return QoS 0 publishes dropped because the client's channel was not writable. */
    long droppedNotWritable();

    /** @return connections closed at accept because the broker already had max-connections. */
    long connectionsRefused();
}
