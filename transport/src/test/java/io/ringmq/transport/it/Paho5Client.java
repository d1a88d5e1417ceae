package io.ringmq.transport.it;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A Paho MQTT 5 client whose received messages land in an {@link Inbox}.
 * <p>
 * <b>Threading:</b> Paho's callback thread adds to the inbox; the test thread uses everything else.
 */
public final class Paho5Client implements AutoCloseable
{
    /**
     * A received message.
     *
     * @param topic   topic name.
     * @param message message with QoS, retain flag and properties.
     */
    public record Message(String topic, MqttMessage message)
    {
        /** @return payload as text. */
        public String text()
        {
            return new String(message.getPayload(), StandardCharsets.UTF_8);
        }
    }

    private final MqttClient client;
    private final Inbox<Message> inbox = new Inbox<>();
    private final AtomicReference<MqttDisconnectResponse> disconnected = new AtomicReference<>();

    Paho5Client(final String serverUri, final String clientId) throws MqttException
    {
        client = new MqttClient(serverUri, clientId, new MemoryPersistence());
        client.setCallback(new MqttCallback()
        {
            public void disconnected(final MqttDisconnectResponse response)
            {
                disconnected.set(response);
            }

            public void mqttErrorOccurred(final MqttException exception)
            {
            }

            public void messageArrived(final String topic, final MqttMessage message)
            {
                inbox.add(new Message(topic, message));
            }

            public void deliveryComplete(final IMqttToken token)
            {
            }

            public void connectComplete(final boolean reconnect, final String serverUri)
            {
            }

            public void authPacketArrived(final int reasonCode, final MqttProperties properties)
            {
            }
        });
    }

    /**
     * @param cleanStart            clean start flag.
     * @param sessionExpirySeconds  session expiry interval.
     * @return this, connected.
     * @throws MqttException if the connection is refused.
     */
    public Paho5Client connect(final boolean cleanStart, final long sessionExpirySeconds) throws MqttException
    {
        final MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(cleanStart);
        options.setSessionExpiryInterval(sessionExpirySeconds);
        options.setAutomaticReconnect(false);
        if (null != ItTransport.current().pahoSocketFactory())
        {
            options.setSocketFactory(ItTransport.current().pahoSocketFactory());
        }
        options.setConnectionTimeout(5);
        client.connect(options);
        return this;
    }

    /** @return the underlying client. */
    public MqttClient client()
    {
        return client;
    }

    /** @return messages received. */
    public Inbox<Message> inbox()
    {
        return inbox;
    }

    /** @return the server's DISCONNECT or connection loss as Paho reported it, or null. */
    public MqttDisconnectResponse disconnected()
    {
        return disconnected.get();
    }

    @Override
    public void close()
    {
        try
        {
            if (client.isConnected())
            {
                client.disconnectForcibly(0, 200, false);
            }
            client.close(true);
        }
        catch (final MqttException ignore)
        {
            // best effort clean-up
        }
    }
}
