package io.ringmq.core.routing;

import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.status.RouterSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Router's per-tick snapshot: what other threads (metrics, readiness) read instead of its plain counters. */
@Timeout(30)
class RouterSnapshotTest
{
    private static final long PUB = 1;
    private static final long SUB = 2;

    private final RouterHarness harness = new RouterHarness(new BrokerConfig().sysIntervalSeconds(0));

    @Test
    void shouldBeEmptyBeforeTheFirstTick()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        assertSame(RouterSnapshot.EMPTY, harness.router.snapshot());
        assertEquals(0, harness.router.snapshot().clientsConnected());
    }

    @Test
    void shouldPublishTheCountersAndSizesOfTheTick()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, false, 600);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("a/#", 0));
        harness.publish(PUB, MqttVersion.MQTT_5, "a/b", "hello", 0, 0);
        harness.publish(PUB, MqttVersion.MQTT_5, "a/c", "hi", 0, 0);
        harness.drain();
        harness.tick();

        final RouterSnapshot snapshot = harness.router.snapshot();
        assertEquals(2, snapshot.publishReceived());
        assertEquals(2, snapshot.publishSent());
        assertEquals(7, snapshot.publishBytesReceived());
        assertEquals(2, snapshot.clientsConnected());
        assertEquals(2, snapshot.connectsAccepted());
        assertEquals(2, snapshot.sessions());
        assertEquals(1, snapshot.subscriptions());
        assertFalse(snapshot.journalEnabled());
        assertFalse(snapshot.journalFull());
        assertTrue(snapshot.tickNs() > 0);
    }

    @Test
    void shouldSumTheSessionQueuesWithoutWalkingTheSessions()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, false, 600);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("q/#", 1));
        harness.closed(SUB);
        for (int i = 1; i <= 3; i++)
        {
            harness.publish(PUB, MqttVersion.MQTT_5, "q/" + i, "12345", 1, i);
        }
        harness.tick();
        assertEquals(3, harness.router.snapshot().sessionTally().queuedMessages(), "queued for the offline session");
        assertEquals(3 * ("q/1".length() + 5), harness.router.snapshot().sessionTally().queuedBytes());

        harness.admin(view -> view.deleteSession("sub"));
        harness.tick();
        assertEquals(0, harness.router.snapshot().sessionTally().queuedMessages(), "gone with the session");
        assertEquals(0, harness.router.snapshot().sessionTally().queuedBytes());
    }

    @Test
    void shouldKeepTheFiguresOfItsTickWhileTheRouterCountsOn()
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.publish(PUB, MqttVersion.MQTT_5, "x", "1", 0, 0);
        harness.tick();
        final RouterSnapshot first = harness.router.snapshot();

        harness.publish(PUB, MqttVersion.MQTT_5, "x", "2", 0, 0);
        harness.publish(PUB, MqttVersion.MQTT_5, "x", "3", 0, 0);
        assertEquals(3, harness.router.counters().publishReceived);
        assertSame(first, harness.router.snapshot(), "published only on a tick");
        assertEquals(1, first.publishReceived(), "a snapshot is a copy, not a view of the live counters");

        harness.tick();
        assertNotSame(first, harness.router.snapshot());
        assertEquals(3, harness.router.snapshot().publishReceived());
    }

    @Test
    void shouldBeReadFromAnotherThreadAfterATick() throws InterruptedException
    {
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.tick();
        final AtomicReference<RouterSnapshot> seen = new AtomicReference<>();
        final Thread reader = new Thread(() -> seen.set(harness.router.snapshot()));
        reader.start();
        reader.join();
        assertEquals(1, seen.get().clientsConnected());
    }
}
