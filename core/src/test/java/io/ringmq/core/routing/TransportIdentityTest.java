package io.ringmq.core.routing;

import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.security.Authorizer;
import io.ringmq.core.session.TransportIdentity;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the transport learned before CONNECT reaches the Router through the {@link io.ringmq.core.session
 * .ConnectionDirectory}: a username taken from a client certificate replaces the one in CONNECT, for every later
 * check; and the directory never keeps an entry past its connection.
 */
class TransportIdentityTest
{
    private static final long DEVICE = 7;
    private static final long OTHER = 8;

    private final List<String> usernames = new ArrayList<>();
    private final Authorizer recording = new Authorizer()
    {
        @Override
        public boolean canPublish(final String clientId, final String username, final DirectBuffer topic,
            final int offset, final int length)
        {
            return true;
        }

        @Override
        public boolean canSubscribe(final String clientId, final String username, final String filter)
        {
            usernames.add(clientId + "=" + username);
            return true;
        }
    };
    private final RouterHarness harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0),
        Journal.disabled(), recording, () -> {});

    @Test
    void shouldUseTheUsernameFromTheCertificateInsteadOfTheOneInConnect()
    {
        harness.router.connectionDirectory().put(DEVICE,
            new TransportIdentity("tls", "192.0.2.7:50000", "CN=device-1,O=Fleet", "device-1", "device-1"));
        harness.connect(DEVICE, "device", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(DEVICE, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t/#", 1));
        harness.connect(OTHER, "plain", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(OTHER, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t/#", 1));
        assertEquals(1, harness.drain(DEVICE, PacketType.SUBACK).size());
        assertEquals(List.of("device=device-1", "plain=null"), usernames);
        assertEquals(0, harness.router.connectionDirectory().size(), "taken at CONNECT");
    }

    @Test
    void shouldForgetTheIdentityOfAConnectionClosedBeforeConnect()
    {
        harness.router.connectionDirectory().put(DEVICE,
            new TransportIdentity("tls", "192.0.2.7:50000", "CN=device-1", "device-1", null));
        harness.closed(DEVICE);
        assertEquals(0, harness.router.connectionDirectory().size());
    }
}
