package io.ringmq.transport.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MQTT 5 properties decoded from a received packet, kept in arrival order with duplicates, so that tests can see
 * repeated identifiers such as Subscription Identifier or User Property.
 */
public final class RawProperties
{
    /** Payload Format Indicator. */
    public static final int PAYLOAD_FORMAT_INDICATOR = 0x01;
    /** Message Expiry Interval. */
    public static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    /** Content Type. */
    public static final int CONTENT_TYPE = 0x03;
    /** Response Topic. */
    public static final int RESPONSE_TOPIC = 0x08;
    /** Correlation Data. */
    public static final int CORRELATION_DATA = 0x09;
    /** Subscription Identifier. */
    public static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
    /** Session Expiry Interval. */
    public static final int SESSION_EXPIRY_INTERVAL = 0x11;
    /** Assigned Client Identifier. */
    public static final int ASSIGNED_CLIENT_IDENTIFIER = 0x12;
    /** Server Keep Alive. */
    public static final int SERVER_KEEP_ALIVE = 0x13;
    /** Request Problem Information. */
    public static final int REQUEST_PROBLEM_INFORMATION = 0x17;
    /** Will Delay Interval. */
    public static final int WILL_DELAY_INTERVAL = 0x18;
    /** Request Response Information. */
    public static final int REQUEST_RESPONSE_INFORMATION = 0x19;
    /** Response Information. */
    public static final int RESPONSE_INFORMATION = 0x1A;
    /** Reason String. */
    public static final int REASON_STRING = 0x1F;
    /** Receive Maximum. */
    public static final int RECEIVE_MAXIMUM = 0x21;
    /** Topic Alias Maximum. */
    public static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    /** Topic Alias. */
    public static final int TOPIC_ALIAS = 0x23;
    /** Maximum QoS. */
    public static final int MAXIMUM_QOS = 0x24;
    /** Retain Available. */
    public static final int RETAIN_AVAILABLE = 0x25;
    /** User Property. */
    public static final int USER_PROPERTY = 0x26;
    /** Maximum Packet Size. */
    public static final int MAXIMUM_PACKET_SIZE = 0x27;
    /** Wildcard Subscription Available. */
    public static final int WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28;
    /** Subscription Identifier Available. */
    public static final int SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29;
    /** Shared Subscription Available. */
    public static final int SHARED_SUBSCRIPTION_AVAILABLE = 0x2A;

    private final Map<Integer, List<Object>> values = new LinkedHashMap<>();

    /**
     * Decode a property list: its variable byte length and the properties.
     *
     * @param reader positioned at the property length; left after the list.
     * @return the properties.
     */
    static RawProperties read(final RawPacket.Reader reader)
    {
        final RawProperties properties = new RawProperties();
        final int length = reader.varInt();
        final int end = reader.position() + length;
        while (reader.position() < end)
        {
            final int id = reader.varInt();
            final Object value;
            switch (id)
            {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> value = (long)reader.u8();
                case 0x13, 0x21, 0x22, 0x23 -> value = (long)reader.u16();
                case 0x02, 0x11, 0x18, 0x27 -> value = reader.u32();
                case 0x0B -> value = (long)reader.varInt();
                case 0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F -> value = reader.utf8();
                case 0x09, 0x16 -> value = reader.binary();
                case 0x26 -> value = new String[]{ reader.utf8(), reader.utf8() };
                default -> throw new AssertionError("unknown property identifier 0x" + Integer.toHexString(id));
            }
            properties.values.computeIfAbsent(id, k -> new ArrayList<>()).add(value);
        }
        if (reader.position() != end)
        {
            throw new AssertionError("property list overran its length " + length);
        }
        return properties;
    }

    /**
     * @param id property identifier.
     * @return true if present at least once.
     */
    public boolean has(final int id)
    {
        return values.containsKey(id);
    }

    /**
     * @param id property identifier.
     * @return how many times it is present.
     */
    public int count(final int id)
    {
        final List<Object> list = values.get(id);
        return null == list ? 0 : list.size();
    }

    /**
     * @param id numeric property identifier.
     * @return the first value, or null if absent.
     */
    public Long number(final int id)
    {
        final List<Object> list = values.get(id);
        return null == list ? null : (Long)list.get(0);
    }

    /**
     * @param id numeric property identifier (e.g. Subscription Identifier).
     * @return every value in arrival order.
     */
    public List<Long> numbers(final int id)
    {
        final List<Long> result = new ArrayList<>();
        for (final Object value : values.getOrDefault(id, List.of()))
        {
            result.add((Long)value);
        }
        return result;
    }

    /**
     * @param id string property identifier.
     * @return the first value, or null if absent.
     */
    public String string(final int id)
    {
        final List<Object> list = values.get(id);
        return null == list ? null : (String)list.get(0);
    }

    /**
     * @param id binary property identifier.
     * @return the first value, or null if absent.
     */
    public byte[] binary(final int id)
    {
        final List<Object> list = values.get(id);
        return null == list ? null : (byte[])list.get(0);
    }

    /** @return user properties as "name=value", in order. */
    public List<String> userProperties()
    {
        final List<String> result = new ArrayList<>();
        for (final Object value : values.getOrDefault(USER_PROPERTY, List.of()))
        {
            final String[] pair = (String[])value;
            result.add(pair[0] + "=" + pair[1]);
        }
        return result;
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("{");
        for (final Map.Entry<Integer, List<Object>> e : values.entrySet())
        {
            for (final Object value : e.getValue())
            {
                sb.append(" 0x").append(Integer.toHexString(e.getKey())).append('=');
                if (value instanceof byte[])
                {
                    sb.append(new String((byte[])value, StandardCharsets.UTF_8));
                }
                else if (value instanceof String[])
                {
                    sb.append(String.join(":", (String[])value));
                }
                else
                {
                    sb.append(value);
                }
            }
        }
        return sb.append(" }").toString();
    }
}
