package io.ringmq.core.routing;

import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.codec.AuthEncoder;
import io.ringmq.core.codec.AuthPacket;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.session.AuthOutcome;
import io.ringmq.core.session.TransportIdentity;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Router applies each client's {@link TopicPermissions} (compiled by the authorizers off the routing thread):
 * PUBLISH, SUBSCRIBE with whole-filter and per-delivery read checks, retained messages, wills, and a re-authentication
 * that replaces the permissions.
 */
class RouterPermissionsTest
{
    private static final long PUB = 1;
    private static final long SUB = 2;

    private final RouterHarness harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0));

    /**
     * Test rules by prefix: nobody may publish under "secret/"; "t/private/..." is not readable, the rest of "t/" is;
     * a filter is judged by brute force over the prefixes it can reach.
     */
    private static final class PrefixPermissions implements TopicPermissions
    {
        private final String unreadable;

        PrefixPermissions(final String unreadable)
        {
            this.unreadable = unreadable;
        }

        @Override
        public Decision publish(final DirectBuffer topic, final int offset, final int length)
        {
            return topic.getStringWithoutLengthUtf8(offset, length).startsWith("secret/") ? Decision.DENY :
                Decision.ALLOW;
        }

        @Override
        public Decision read(final DirectBuffer topic, final int offset, final int length)
        {
            return topic.getStringWithoutLengthUtf8(offset, length).startsWith(unreadable) ? Decision.DENY :
                Decision.ALLOW;
        }

        @Override
        public FilterAccess subscribe(final String filter)
        {
            if (filter.startsWith(unreadable))
            {
                return FilterAccess.NONE;
            }
            return unreadable.startsWith(filter.replace("#", "")) ? FilterAccess.SOME : FilterAccess.ALL;
        }
    }

    private void connectAs(final long id, final String clientId, final int version, final TopicPermissions rules)
    {
        harness.router.connectionDirectory().put(id, new TransportIdentity("tcp", "192.0.2.1:1", null, null, null,
            AuthOutcome.accepted(rules, null, null, null)));
        harness.connect(id, clientId, version, true, 0);
    }

    @Test
    void shouldRefuseAPublishTheClientMayNotMake()
    {
        connectAs(PUB, "pub", MqttVersion.MQTT_5, new PrefixPermissions("t/private/"));
        connectAs(SUB, "sub", MqttVersion.MQTT_5, TopicPermissions.ALLOW_ALL);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("#", 1));
        harness.drain();

        harness.publish(PUB, MqttVersion.MQTT_5, "secret/x", "no", 1, 7);
        final List<RouterHarness.Out> puback = harness.drain(PUB, PacketType.PUBACK);
        assertEquals(ReasonCode.NOT_AUTHORIZED, puback.get(0).body()[4] & 0xFF);
        harness.publish(PUB, MqttVersion.MQTT_5, "open/x", "yes", 1, 8);
        assertEquals(1, harness.drain(SUB, PacketType.PUBLISH).size(), "only the allowed publish is routed");
        assertEquals(1, harness.router.counters().refusedNotAuthorized);
    }

    @Test
    void shouldAcknowledgeAndDropARefusedPublishOfAnMqtt311Client()
    {
        connectAs(PUB, "pub", MqttVersion.MQTT_3_1_1, new PrefixPermissions("t/private/"));
        connectAs(SUB, "sub", MqttVersion.MQTT_5, TopicPermissions.ALLOW_ALL);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("#", 1));
        harness.drain();

        harness.publish(PUB, MqttVersion.MQTT_3_1_1, "secret/x", "no", 1, 7);
        final List<RouterHarness.Out> out = harness.drain();
        assertEquals(1, out.stream().filter(o -> o.connectionId() == PUB &&
            o.packetType() == PacketType.PUBACK).count(), "3.1.1 has no refusal code: acknowledged");
        assertEquals(0, out.stream().filter(o -> o.connectionId() == SUB).count(), "and dropped");
        assertEquals(1, harness.router.counters().refusedNotAuthorized);
    }

    @Test
    void shouldRefuseASubscriptionThatCanReadNothing()
    {
        connectAs(SUB, "sub", MqttVersion.MQTT_5, new PrefixPermissions("t/private/"));
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t/private/#", 1),
            new TopicSubscription("t/#", 1));
        final byte[] suback = harness.drain(SUB, PacketType.SUBACK).get(0).body();
        assertEquals(ReasonCode.NOT_AUTHORIZED, suback[5] & 0xFF);
        assertEquals(1, suback[6] & 0xFF);

        connectAs(PUB, "old", MqttVersion.MQTT_3_1_1, new PrefixPermissions("t/private/"));
        harness.subscribe(PUB, MqttVersion.MQTT_3_1_1, 2, 0, new TopicSubscription("t/private/a", 0));
        assertEquals(0x80, harness.drain(PUB, PacketType.SUBACK).get(0).body()[4] & 0xFF);
    }

    @Test
    void shouldCheckEachDeliveryThroughAWildcardThatCoversUnreadableTopics()
    {
        connectAs(SUB, "sub", MqttVersion.MQTT_5, new PrefixPermissions("t/private/"));
        connectAs(PUB, "pub", MqttVersion.MQTT_5, TopicPermissions.ALLOW_ALL);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t/#", 0),
            new TopicSubscription("$share/g/t/#", 0));
        harness.drain();

        harness.publish(PUB, MqttVersion.MQTT_5, "t/private/a", "hidden", 0, 0);
        harness.publish(PUB, MqttVersion.MQTT_5, "t/public/a", "shown", 0, 0);
        final List<RouterHarness.Out> delivered = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(2, delivered.size(), "the readable topic, through the plain and the shared subscription");
        for (final RouterHarness.Out out : delivered)
        {
            assertEquals(true, new String(out.body(), StandardCharsets.UTF_8).contains("t/public/a"));
        }
        assertEquals(2, harness.router.counters().deliveriesNotAuthorized);
    }

    @Test
    void shouldNotSendARetainedMessageTheSubscriberMayNotRead()
    {
        connectAs(PUB, "pub", MqttVersion.MQTT_5, TopicPermissions.ALLOW_ALL);
        harness.frame(PUB, harness.scratch, harness.encodePublishRetained(MqttVersion.MQTT_5, "t/private/r", "x", 0,
            0));
        harness.frame(PUB, harness.scratch, harness.encodePublishRetained(MqttVersion.MQTT_5, "t/public/r", "y", 0,
            0));
        connectAs(SUB, "sub", MqttVersion.MQTT_5, new PrefixPermissions("t/private/"));
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t/#", 0));
        final List<RouterHarness.Out> delivered = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(1, delivered.size());
        assertEquals(true, new String(delivered.get(0).body(), StandardCharsets.UTF_8).contains("t/public/r"));
    }

    @Test
    void shouldRefuseAWillTheClientMayNotPublish()
    {
        harness.router.connectionDirectory().put(PUB, new TransportIdentity("tcp", "192.0.2.1:1", null, null, null,
            AuthOutcome.accepted(new PrefixPermissions("t/private/"), null, null, null)));
        harness.connectWithWill(PUB, "pub", MqttVersion.MQTT_5, "secret/will", "bye", 0);
        assertEquals(ReasonCode.NOT_AUTHORIZED, harness.drain(PUB, PacketType.CONNACK).get(0).body()[3] & 0xFF);
    }

    @Test
    void shouldReplaceThePermissionsOnReauthenticationAndDisconnectWhenItFails()
    {
        connectAs(SUB, "sub", MqttVersion.MQTT_5, new PrefixPermissions("t/private/"));
        connectAs(PUB, "pub", MqttVersion.MQTT_5, TopicPermissions.ALLOW_ALL);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t/#", 0));
        harness.drain();

        harness.router.connectionDirectory().put(SUB, new TransportIdentity("tcp", "192.0.2.1:1", null, null, null,
            AuthOutcome.accepted(new PrefixPermissions("t/public/"), null, "SCRAM-SHA-256",
            "v=final".getBytes(StandardCharsets.UTF_8))));
        sendAuth(SUB);
        final List<RouterHarness.Out> auth = harness.drain(SUB, PacketType.AUTH);
        assertEquals(1, auth.size(), "AUTH 0x00 ends the re-authentication");
        assertEquals(true, new String(auth.get(0).body(), StandardCharsets.UTF_8).contains("v=final"));

        harness.publish(PUB, MqttVersion.MQTT_5, "t/private/a", "now readable", 0, 0);
        harness.publish(PUB, MqttVersion.MQTT_5, "t/public/a", "now hidden", 0, 0);
        final List<RouterHarness.Out> delivered = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(1, delivered.size());
        assertEquals(true, new String(delivered.get(0).body(), StandardCharsets.UTF_8).contains("now readable"));

        harness.router.connectionDirectory().put(SUB, new TransportIdentity("tcp", "192.0.2.1:1", null, null, null,
            AuthOutcome.refused(ReasonCode.NOT_AUTHORIZED, "token expired")));
        sendAuth(SUB);
        final List<RouterHarness.Out> disconnect = harness.drain(SUB, PacketType.DISCONNECT);
        assertEquals(ReasonCode.NOT_AUTHORIZED, disconnect.get(0).body()[2] & 0xFF);
        assertEquals(1, harness.router.counters().reauthenticationFailed);
    }

    @Test
    void shouldTreatAnAuthWithoutADecisionAsAProtocolError()
    {
        connectAs(SUB, "sub", MqttVersion.MQTT_5, TopicPermissions.ALLOW_ALL);
        harness.drain();
        sendAuth(SUB);
        assertEquals(ReasonCode.PROTOCOL_ERROR, harness.drain(SUB, PacketType.DISCONNECT).get(0).body()[2] & 0xFF);
    }

    private void sendAuth(final long id)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final AuthPacket packet = new AuthPacket().reasonCode(ReasonCode.CONTINUE_AUTHENTICATION)
            .authenticationMethod("SCRAM-SHA-256").authenticationData(new byte[] {1, 2});
        final int length = AuthEncoder.encode(packet, buffer, 0);
        harness.frame(id, buffer, length);
    }
}
