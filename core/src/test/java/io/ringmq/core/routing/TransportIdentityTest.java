package io.ringmq.core.routing;

import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.AuthOutcome;
import io.ringmq.core.session.TransportIdentity;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the transport learned before CONNECT reaches the Router through the {@link io.ringmq.core.session
 * .ConnectionDirectory}, with what authentication decided: the Router applies the decision and the directory never
 * keeps an entry past its connection.
 */
class TransportIdentityTest
{
    private static final long DEVICE = 7;
    private static final long OTHER = 8;

    private final RouterHarness harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0));

    @Test
    void shouldRefuseWithTheReasonCodeAuthenticationDecided()
    {
        harness.router.connectionDirectory().put(DEVICE, new TransportIdentity("tls", "192.0.2.7:50000",
            "CN=device-1,O=Fleet", "device-1", "device-1",
            AuthOutcome.refused(ReasonCode.BAD_USER_NAME_OR_PASSWORD, "wrong password")));
        harness.connect(DEVICE, "device", MqttVersion.MQTT_5, true, 0);
        final var connack = harness.drain(DEVICE, PacketType.CONNACK);
        assertEquals(1, connack.size());
        assertEquals(ReasonCode.BAD_USER_NAME_OR_PASSWORD, connack.get(0).body()[3] & 0xFF);
        assertEquals(0, harness.router.connectionDirectory().size(), "taken at CONNECT");
        assertEquals(1, harness.router.counters().authenticationRefused);
    }

    @Test
    void shouldMapARefusalToTheReturnCodeOfAnMqtt311Client()
    {
        harness.router.connectionDirectory().put(DEVICE, new TransportIdentity("tcp", "192.0.2.7:50000", null,
            null, null, AuthOutcome.refused(ReasonCode.BAD_USER_NAME_OR_PASSWORD, "unknown user")));
        harness.connect(DEVICE, "device", MqttVersion.MQTT_3_1_1, true, 0);
        final var connack = harness.drain(DEVICE, PacketType.CONNACK);
        assertEquals(4, connack.get(0).body()[3] & 0xFF, "3.1.1 return code 4: bad user name or password");
    }

    @Test
    void shouldRefuseAConnectWithoutAnOutcomeWhenAuthenticationIsRequired()
    {
        harness.router.requireAuthentication();
        harness.connect(DEVICE, "device", MqttVersion.MQTT_5, true, 0);
        assertEquals(ReasonCode.NOT_AUTHORIZED, harness.drain(DEVICE, PacketType.CONNACK).get(0).body()[3] & 0xFF);

        harness.router.connectionDirectory().put(OTHER, new TransportIdentity("tcp", "192.0.2.8:1", null, null,
            null, AuthOutcome.accepted(TopicPermissions.ALLOW_ALL, null, null, null)));
        harness.connect(OTHER, "other", MqttVersion.MQTT_5, true, 0);
        assertEquals(ReasonCode.SUCCESS, harness.drain(OTHER, PacketType.CONNACK).get(0).body()[3] & 0xFF);
    }

    @Test
    void shouldRefuseAnAuthenticationMethodNobodyDecided()
    {
        harness.raw(DEVICE, connectWithMethod("SCRAM-SHA-1"));
        assertEquals(ReasonCode.BAD_AUTHENTICATION_METHOD,
            harness.drain(DEVICE, PacketType.CONNACK).get(0).body()[3] & 0xFF);
    }

    @Test
    void shouldForgetTheIdentityOfAConnectionClosedBeforeConnect()
    {
        harness.router.connectionDirectory().put(DEVICE,
            new TransportIdentity("tls", "192.0.2.7:50000", "CN=device-1", "device-1", null, null));
        harness.closed(DEVICE);
        assertEquals(0, harness.router.connectionDirectory().size());
    }

    /** A v5 CONNECT "c" with only the Authentication Method property (0x15). */
    private static int[] connectWithMethod(final String method)
    {
        final byte[] m = method.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final int propertiesLength = 3 + m.length;
        final int remaining = 10 + 1 + propertiesLength + 3;
        final int[] frame = new int[2 + remaining];
        int i = 0;
        frame[i++] = 0x10;
        frame[i++] = remaining;
        for (final int b : new int[] {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60})
        {
            frame[i++] = b;
        }
        frame[i++] = propertiesLength;
        frame[i++] = 0x15;
        frame[i++] = 0;
        frame[i++] = m.length;
        for (final byte b : m)
        {
            frame[i++] = b;
        }
        frame[i++] = 0;
        frame[i++] = 1;
        frame[i] = 'c';
        return frame;
    }
}
