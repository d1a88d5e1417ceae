package io.ringmq.core.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * An UNSUBSCRIBE packet, decoded by {@link UnsubscribeDecoder} on the server and built for
 * {@link UnsubscribeEncoder} by clients. Mutable holder, accessors without get/set.
 * <p>
 * <b>Threading:</b> not thread-safe; hand it to another thread only through a happens-before edge (the ring).
 */
public final class UnsubscribePacket
{
    private int packetId;
    private final List<String> filters = new ArrayList<>();
    private final List<String[]> userProperties = new ArrayList<>();

    /**
     * Packet Identifier.
     *
     * @return 1 to 65535.
     */
    public int packetId()
    {
        return packetId;
    }

    /**
     * Set the Packet Identifier.
     *
     * @param packetId 1 to 65535.
     * @return this.
     */
    public UnsubscribePacket packetId(final int packetId)
    {
        this.packetId = packetId;
        return this;
    }

    /**
     * Topic Filters, in packet order.
     *
     * @return the mutable list.
     */
    public List<String> filters()
    {
        return filters;
    }

    /**
     * Append a Topic Filter.
     *
     * @param filter to append.
     * @return this.
     */
    public UnsubscribePacket addFilter(final String filter)
    {
        filters.add(filter);
        return this;
    }

    /**
     * User Properties (MQTT 5) as name/value pairs, in order.
     *
     * @return the mutable list.
     */
    public List<String[]> userProperties()
    {
        return userProperties;
    }

    /**
     * Append a User Property.
     *
     * @param name  property name.
     * @param value property value.
     * @return this.
     */
    public UnsubscribePacket addUserProperty(final String name, final String value)
    {
        userProperties.add(new String[]{ name, value });
        return this;
    }
}
