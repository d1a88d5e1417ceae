package io.ringmq.core.protocol;

/**
 * MQTT protocol levels, as carried in the CONNECT variable header.
 * <p>
 * <b>Threading:</b> constants only, safe from any thread.
 */
public final class MqttVersion
{
    /** MQTT 3.1, protocol name "MQIsdp". */
    public static final int MQTT_3_1 = 3;
    /** MQTT 3.1.1, protocol name "MQTT". */
    public static final int MQTT_3_1_1 = 4;
    /** MQTT 5.0, protocol name "MQTT". */
    public static final int MQTT_5 = 5;

    private MqttVersion()
    {
    }

    /**
     * Is this one of the protocol levels RingMQ speaks.
     *
     * @param version protocol level.
     * @return true for 3, 4 and 5.
     */
    public static boolean isSupported(final int version)
    {
        return version >= MQTT_3_1 && version <= MQTT_5;
    }

    /**
     * Human readable name of a protocol level.
     *
     * @param version protocol level.
     * @return "3.1", "3.1.1", "5.0" or "unknown(n)".
     */
    public static String name(final int version)
    {
        switch (version)
        {
            case MQTT_3_1:
                return "3.1";
            case MQTT_3_1_1:
                return "3.1.1";
            case MQTT_5:
                return "5.0";
            default:
                return "unknown(" + version + ")";
        }
    }
}
