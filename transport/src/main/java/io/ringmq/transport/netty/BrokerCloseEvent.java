package io.ringmq.transport.netty;

/**
 * User event fired from the head of the pipeline when the broker closes a connection
 * ({@code MqttConnectionHandler.closeByBroker}), before its last write and the half-close: a framing layer between
 * the socket and MQTT (WebSocket) answers it by writing its own close (a Close frame), so the client sees an orderly
 * end of that layer too. Handlers that do not care pass it on.
 */
public final class BrokerCloseEvent
{
    /** The only instance. */
    public static final BrokerCloseEvent INSTANCE = new BrokerCloseEvent();

    private BrokerCloseEvent()
    {
    }

    @Override
    public String toString()
    {
        return "BrokerCloseEvent";
    }
}
