package io.ringmq.transport;

import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.advanced.interceptor.qos2.Mqtt5OutgoingQos2Interceptor;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubcomp.Mqtt5PubComp;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRec;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrel.Mqtt5PubRel;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrel.Mqtt5PubRelBuilder;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sees the PUBRECs and PUBCOMPs of a QoS 2 publisher: remembers which payloads the broker took over (successful
 * PUBREC) and which PUBCOMPs had an error reason code. The PUBREL carries the payload as a user property (the
 * public client API names no packet identifiers), so the PUBCOMP that answers it can be told apart even when
 * PUBRELs are resent after a reconnection.
 * <p>
 * <b>Threading:</b> called on the client's event loop, read by whoever completes the publish future after it.
 */
final class Qos2Tracker implements Mqtt5OutgoingQos2Interceptor
{
    private static final String PAYLOAD_PROPERTY = "payload";

    /** Payloads the broker answered with a successful PUBREC. */
    final Set<String> pubRecs = ConcurrentHashMap.newKeySet();
    /** Payloads whose PUBCOMP had an error reason code, to that code. */
    final Map<String, String> errors = new ConcurrentHashMap<>();

    @Override
    public void onPubRec(
        final Mqtt5ClientConfig config,
        final Mqtt5Publish publish,
        final Mqtt5PubRec pubRec,
        final Mqtt5PubRelBuilder pubRelBuilder)
    {
        final String payload = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
        pubRecs.add(payload);
        pubRelBuilder.userProperties().add(PAYLOAD_PROPERTY, payload).applyUserProperties();
    }

    @Override
    public void onPubRecError(final Mqtt5ClientConfig config, final Mqtt5Publish publish, final Mqtt5PubRec pubRec)
    {
        // the publish future fails with this PUBREC: nothing to remember
    }

    @Override
    public void onPubComp(final Mqtt5ClientConfig config, final Mqtt5PubRel pubRel, final Mqtt5PubComp pubComp)
    {
        if (pubComp.getReasonCode().isError())
        {
            for (final Mqtt5UserProperty property : pubRel.getUserProperties().asList())
            {
                if (PAYLOAD_PROPERTY.equals(property.getName().toString()))
                {
                    errors.put(property.getValue().toString(), pubComp.getReasonCode().toString());
                }
            }
        }
    }
}
