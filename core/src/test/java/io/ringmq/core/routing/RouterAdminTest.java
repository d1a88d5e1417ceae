package io.ringmq.core.routing;

import io.ringmq.core.admin.AdminView;
import io.ringmq.core.admin.ClientDetail;
import io.ringmq.core.admin.ClientSummary;
import io.ringmq.core.admin.Page;
import io.ringmq.core.admin.PageQuery;
import io.ringmq.core.admin.PublishRequest;
import io.ringmq.core.admin.PublishResult;
import io.ringmq.core.admin.RetainedSummary;
import io.ringmq.core.admin.SessionSummary;
import io.ringmq.core.admin.SubscriptionRequest;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.OutboundQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API's operations on the Router's state, run as ADMIN ring events. */
@Timeout(30)
class RouterAdminTest
{
    private final RouterHarness harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0));

    @Test
    void shouldPageConnectedClientsInClientIdOrder()
    {
        for (int i = 24; i >= 0; i--)   // connected in reverse: the order is the key's, not the map's or arrival's
        {
            harness.connect(100 + i, String.format(Locale.ROOT, "c%02d", i), MqttVersion.MQTT_5, true, 0);
        }
        harness.connect(200, "offline", MqttVersion.MQTT_5, false, 600);
        harness.closed(200);

        final List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do
        {
            final String start = after;
            final Page<ClientSummary> page = harness.admin(view -> view.clients(new PageQuery(start, 10, null)));
            assertEquals(25, page.total(), "offline sessions are not clients");
            page.items().forEach(client -> seen.add(client.clientId()));
            after = page.next();
            pages++;
        }
        while (null != after && pages < 10);
        assertEquals(3, pages);
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++)
        {
            expected.add(String.format(Locale.ROOT, "c%02d", i));
        }
        assertEquals(expected, seen);
    }

    @Test
    void shouldSearchClientsAndDescribeThem()
    {
        harness.connect(1, "sensor-1", MqttVersion.MQTT_5, true, 0);
        harness.connect(2, "sensor-2", MqttVersion.MQTT_3_1_1, true, 0);
        harness.connect(3, "valve-1", MqttVersion.MQTT_5, true, 0);
        final Page<ClientSummary> page = harness.admin(view -> view.clients(new PageQuery(null, 10, "sensor")));
        assertEquals(2, page.total());
        assertNull(page.next());
        final ClientSummary second = page.items().get(1);
        assertEquals("sensor-2", second.clientId());
        assertEquals(MqttVersion.MQTT_3_1_1, second.protocolVersion());
        assertEquals(60, second.keepAliveSeconds());
        assertTrue(second.connectedAtMs() > 0 && second.connectedAtMs() <= System.currentTimeMillis());
    }

    @Test
    void shouldShowAClientsSessionAndSubscriptions()
    {
        harness.connect(1, "dev", MqttVersion.MQTT_5, false, 600);
        harness.subscribe(1, MqttVersion.MQTT_5, 1, 7, new TopicSubscription("b/#", 1),
            new TopicSubscription("a/+", 0));
        final ClientDetail detail = harness.admin(view -> view.client("dev"));
        assertNotNull(detail.client());
        assertTrue(detail.session().connected());
        assertEquals(600, detail.session().expiryIntervalSeconds());
        assertEquals(2, detail.client().subscriptions());
        assertEquals(List.of("a/+", "b/#"), detail.subscriptions().stream().map(s -> s.filter()).toList());
        assertEquals(1, detail.subscriptions().get(1).qos());
        assertEquals(7, detail.subscriptions().get(1).subscriptionId());
        assertNull(harness.admin(view -> view.client("nobody")));
        assertNull(harness.admin(view -> view.subscriptions("nobody")));

        harness.closed(1);
        final ClientDetail offline = harness.admin(view -> view.client("dev"));
        assertNull(offline.client());
        assertFalse(offline.session().connected());
        assertTrue(offline.session().expiresInSeconds() > 590 && offline.session().expiresInSeconds() <= 600);
    }

    @Test
    void shouldDisconnectAClientWithAdministrativeActionAndKeepItsSession()
    {
        harness.connect(1, "dev", MqttVersion.MQTT_5, false, 600);
        harness.drain();
        assertTrue(ok(view -> view.disconnect("dev")));
        final List<RouterHarness.Out> out = harness.drain();
        final RouterHarness.Out disconnect = out.stream().filter(o -> o.type() == OutboundQueue.PACKET &&
            o.packetType() == PacketType.DISCONNECT).findFirst().orElseThrow();
        assertEquals(ReasonCode.ADMINISTRATIVE_ACTION, disconnect.body()[2] & 0xFF);
        assertTrue(out.stream().anyMatch(o -> o.type() == OutboundQueue.CLOSE && o.connectionId() == 1));
        assertEquals(1, harness.router.counters().adminDisconnects);

        final Page<SessionSummary> offline = harness.admin(view -> view.sessions(new PageQuery(null, 10, null),
            false));
        assertEquals(List.of("dev"), offline.items().stream().map(SessionSummary::clientId).toList());
        assertFalse(ok(view -> view.disconnect("dev")), "not connected any more");
        assertFalse(ok(view -> view.disconnect("nobody")));
    }

    @Test
    void shouldDeleteASessionConnectedOrNot()
    {
        harness.connect(1, "online", MqttVersion.MQTT_5, false, 600);
        harness.subscribe(1, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("x/#", 1));
        harness.connect(2, "offline", MqttVersion.MQTT_3_1_1, false, 0);
        harness.closed(2);
        assertEquals(2, harness.admin(view -> view.sessions(new PageQuery(null, 10, null), null)).total());

        assertTrue(ok(view -> view.deleteSession("offline")));
        assertTrue(ok(view -> view.deleteSession("online")));
        assertEquals(0, harness.admin(view -> view.sessions(new PageQuery(null, 10, null), null)).total());
        assertFalse(ok(view -> view.deleteSession("online")));

        // The subscription went with the session: a publish matches nobody.
        harness.connect(3, "pub", MqttVersion.MQTT_5, true, 0);
        final PublishResult result = harness.admin(view -> view.publish(new PublishRequest("x/y",
            new byte[] {1}, 0, false, -1)));
        assertEquals(0, result.matched());
        assertEquals("no-subscribers", result.outcome());
    }

    @Test
    void shouldSubscribeAndUnsubscribeForAClient()
    {
        harness.connect(1, "dev", MqttVersion.MQTT_5, true, 0);
        harness.drain();
        assertEquals(1, (int)harness.admin(view -> view.subscribe("dev", new SubscriptionRequest("cmd/#", 1,
            false, false, 0))));
        final PublishResult result = harness.admin(view -> view.publish(new PublishRequest("cmd/go",
            "now".getBytes(StandardCharsets.UTF_8), 1, false, -1)));
        assertEquals(new PublishResult(1, "routed"), result);
        final List<RouterHarness.Out> publishes = harness.drain(1, PacketType.PUBLISH);
        assertEquals(1, publishes.size());
        assertEquals(1, (publishes.get(0).flags() >> 1) & 3, "delivered at QoS 1");

        assertTrue(ok(view -> view.unsubscribe("dev", "cmd/#")));
        assertFalse(ok(view -> view.unsubscribe("dev", "cmd/#")));
        assertEquals(-1, (int)harness.admin(view -> view.subscribe("nobody", new SubscriptionRequest("a", 0,
            false, false, 0))));
        final CompletionException invalid = assertThrows(CompletionException.class, () -> harness.admin(view ->
            view.subscribe("dev", new SubscriptionRequest("a/#/b", 0, false, false, 0))));
        assertInstanceOf(IllegalArgumentException.class, invalid.getCause());
        assertEquals(0, harness.admin(view -> view.client("dev")).subscriptions().size());
    }

    @Test
    void shouldListGetAndDeleteRetainedMessages()
    {
        harness.connect(1, "pub", MqttVersion.MQTT_5, true, 0);
        for (int i = 0; i < 5; i++)
        {
            final int length = harness.encodePublishRetained(MqttVersion.MQTT_5, "r/" + i, "v" + i, 0, 0);
            harness.frame(1, harness.scratch, length);
        }
        harness.admin(view -> view.publish(new PublishRequest("other", new byte[] {9}, 0, true, 60)));

        final Page<RetainedSummary> page = harness.admin(view -> view.retained(new PageQuery(null, 3, null), "r/#"));
        assertEquals(5, page.total());
        assertEquals(List.of("r/0", "r/1", "r/2"), page.items().stream().map(RetainedSummary::topic).toList());
        assertEquals("r/2", page.next());
        assertNull(page.items().get(0).payload(), "listings carry no payload");
        assertEquals(6, harness.admin(view -> view.retained(new PageQuery(null, 10, null), "#")).total());

        final RetainedSummary one = harness.admin(view -> view.retainedMessage("r/3"));
        assertArrayEquals("v3".getBytes(StandardCharsets.UTF_8), one.payload());
        final RetainedSummary other = harness.admin(view -> view.retainedMessage("other"));
        assertTrue(other.expiresInSeconds() > 50 && other.expiresInSeconds() <= 60);

        assertTrue(ok(view -> view.deleteRetained("r/3")));
        assertFalse(ok(view -> view.deleteRetained("r/3")));
        assertNull(harness.admin(view -> view.retainedMessage("r/3")));
        assertEquals(4, harness.admin(view -> view.retained(new PageQuery(null, 10, null), "r/#")).total());
    }

    @Test
    void shouldTakeReloadedLimitsForTheNextMessage()
    {
        harness.connect(1, "pub", MqttVersion.MQTT_5, true, 0);
        harness.admin(view ->
        {
            view.reconfigure("max-retained-messages", "1");
            return null;
        });
        for (int i = 0; i < 3; i++)
        {
            final int length = harness.encodePublishRetained(MqttVersion.MQTT_5, "keep/" + i, "v", 0, 0);
            harness.frame(1, harness.scratch, length);
        }
        assertEquals(1, harness.admin(view -> view.retained(new PageQuery(null, 10, null), "#")).total());
        assertEquals(2, harness.router.counters().refusedRetainedFull, "past the reloaded limit");

        final CompletionException fixed = assertThrows(CompletionException.class, () -> harness.admin(view ->
        {
            view.reconfigure("ring-size", "1024");
            return null;
        }));
        assertInstanceOf(IllegalArgumentException.class, fixed.getCause(), "a setting fixed at start");
    }

    @Test
    void shouldRefuseAnInvalidTopicAndGoOnRouting()
    {
        harness.connect(1, "dev", MqttVersion.MQTT_5, true, 0);
        final CompletionException wildcard = assertThrows(CompletionException.class, () -> harness.admin(view ->
            view.publish(new PublishRequest("a/+", new byte[0], 0, false, -1))));
        assertNotNull(wildcard.getCause());
        assertEquals(0, harness.router.counters().routerErrors, "bad input is the operator's error, not the broker's");
        assertEquals(1, harness.admin(view -> view.clients(new PageQuery(null, 10, null))).total());
    }

    private boolean ok(final Function<AdminView, Boolean> operation)
    {
        return harness.admin(operation);
    }
}
