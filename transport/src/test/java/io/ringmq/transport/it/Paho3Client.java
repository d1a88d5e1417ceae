package io.ringmq.transport.it;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A Paho MQTT 3.1.1 client whose received messages land in an {@link Inbox}.
 * <p>
 * <b>Threading:</b> Paho's callback thread adds to the inbox; the test thread uses everything else.
 */
public final class Paho3Client implements AutoCloseable
{
    /**
     * A received message.
     *
     * @param topic   topic name.
     * @param message message with QoS, retain and duplicate flags.
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
    private final AtomicReference<Throwable> connectionLost = new AtomicReference<>();

    Paho3Client(final String serverUri, final String clientId) throws MqttException
    {
        client = new MqttClient(serverUri, clientId, new MemoryPersistence());
        client.setCallback(new MqttCallback()
        {
            public void connectionLost(final Throwable cause)
            {
                connectionLost.set(cause);
            }

            public void messageArrived(final String topic, final MqttMessage message)
            {
                inbox.add(new Message(topic, message));
            }

            public void deliveryComplete(final IMqttDeliveryToken token)
            {
            }
        });
    }

    /**
     * @param cleanSession clean session flag.
     * @return this, connected.
     * @throws MqttException if the connection is refused.
     */
    public Paho3Client connect(final boolean cleanSession) throws MqttException
    {
        final MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        if (null != ItTransport.current().pahoSocketFactory())
        {
            options.setSocketFactory(ItTransport.current().pahoSocketFactory());
        }
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
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

    /** @return the cause given to connectionLost, or null. */
    public Throwable connectionLost()
    {
        return connectionLost.get();
    }

    @Override
    public void close()
    {
        try
        {
            if (client.isConnected())
            {
                client.disconnectForcibly(0, 200);
            }
            client.close(true);
        }
        catch (final MqttException ignore)
        {
            // best effort clean-up
        }
    }
}
