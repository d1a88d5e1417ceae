package io.ringmq.core.codec;

import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.ReasonCode;

/**
 * Packet Identifier rule shared by the decoders: SUBSCRIBE, UNSUBSCRIBE, PUBLISH with QoS &gt; 0 and the
 * acknowledgements carry a non-zero identifier (MQTT-2.2.1-3 in MQTT 5, MQTT-2.3.1-1 in 3.1.1).
 * <p>
 * <b>Threading:</b> stateless.
 */
final class PacketIds
{
    private PacketIds()
    {
    }

    static int read(final WireReader reader)
    {
        final int packetId = reader.u16("Packet Identifier");
        if (packetId == 0)
        {
            throw reader.version() == MqttVersion.MQTT_5 ?
                new MqttProtocolException(ReasonCode.PROTOCOL_ERROR, "MQTT-2.2.1-3: Packet Identifier 0",
                    reader.version()) :
                new MqttProtocolException(ReasonCode.MALFORMED_PACKET, "MQTT-2.3.1-1: Packet Identifier 0",
                    reader.version());
        }
        return packetId;
    }
}
