package io.ringmq.core.routing;

import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.codec.TopicSubscription;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.journal.Journal;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault injection into the routing stage: whatever one event throws, the Router goes on with the next one; an
 * {@link Error} reaches the fatal handler instead of ending the routing thread.
 */
@Timeout(30)
class RouterFaultTest
{
    private static final long PUB = 1;
    private static final long SUB = 2;
    private static final BrokerConfig CONFIG = new BrokerConfig().sysIntervalSeconds(0);

    /** Throws what it is given when a client publishes to the topic "boom". */
    private static final class ThrowingPermissions implements TopicPermissions
    {
        private final RuntimeException exception;
        private final Error error;

        ThrowingPermissions(final RuntimeException exception, final Error error)
        {
            this.exception = exception;
            this.error = error;
        }

        @Override
        public Decision publish(final DirectBuffer topic, final int offset, final int length)
        {
            if ("boom".equals(topic.getStringWithoutLengthUtf8(offset, length)))
            {
                if (null != error)
                {
                    throw error;
                }
                throw exception;
            }
            return Decision.ALLOW;
        }

        @Override
        public Decision read(final DirectBuffer topic, final int offset, final int length)
        {
            return Decision.ALLOW;
        }

        @Override
        public FilterAccess subscribe(final String filter)
        {
            return FilterAccess.ALL;
        }
    }

    @Test
    void shouldCloseOnlyTheFailingConnectionWhenAnEventThrows()
    {
        final RouterHarness harness = new RouterHarness(CONFIG, Journal.disabled(),
            new ThrowingPermissions(new IllegalStateException("injected"), null), () -> {});
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("#", 0));
        harness.drain();

        harness.publish(PUB, MqttVersion.MQTT_5, "boom", "x", 0, 0);
        final List<RouterHarness.Out> out = harness.drain(PUB, PacketType.DISCONNECT);
        assertEquals(1, out.size(), "the connection whose event failed is closed");
        assertEquals(ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, out.get(0).body()[2] & 0xFF);
        assertEquals(1, harness.router.counters().routerErrors);

        final long other = 3;
        harness.connect(other, "other", MqttVersion.MQTT_5, true, 0);
        harness.publish(other, MqttVersion.MQTT_5, "fine", "y", 0, 0);
        assertEquals(1, harness.drain(SUB, PacketType.PUBLISH).size(), "routing goes on for everyone else");
    }

    @Test
    void shouldSkipANoopSlotWithoutErrorOrOutput()
    {
        final RouterHarness harness = new RouterHarness(CONFIG);
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.drain();

        harness.event.noop(System.nanoTime());   // a slot an event loop claimed but could not fill
        harness.router.onEvent(harness.event, harness.sequence++, true);
        assertEquals(0, harness.router.counters().routerErrors, "a no-op is not an unknown event type");
        assertEquals(0, harness.drain().size(), "nothing routed");

        harness.publish(PUB, MqttVersion.MQTT_5, "fine", "y", 1, 1);
        assertEquals(1, harness.drain(PUB, PacketType.PUBACK).size(), "the connection goes on");
    }

    @Test
    void shouldKeepRoutingWhenTheEndOfBatchThrows()
    {
        final int[] failures = {3};
        final RouterHarness harness = new RouterHarness(CONFIG, Journal.disabled(), TopicPermissions.ALLOW_ALL, () ->
        {
            if (failures[0]-- > 0)
            {
                throw new IllegalStateException("injected wake-up failure");
            }
        });
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("t", 1));
        for (int i = 1; i <= 5; i++)
        {
            harness.publish(PUB, MqttVersion.MQTT_5, "t", "m" + i, 1, i);
        }

        assertEquals(5, harness.drain(SUB, PacketType.PUBLISH).size(), "nothing routed before or after is lost");
        assertTrue(harness.router.counters().routerErrors >= 1, "each failure is counted");
    }

    @Test
    void shouldHandAnErrorToTheFatalHandlerAndGoOn()
    {
        final OutOfMemoryError injected = new OutOfMemoryError("injected");
        final RouterHarness harness = new RouterHarness(CONFIG, Journal.disabled(),
            new ThrowingPermissions(null, injected), () -> {});
        final List<Throwable> fatal = new ArrayList<>();
        final List<String> stages = new ArrayList<>();
        harness.router.fatalHandler((stage, cause) ->
        {
            stages.add(stage);
            fatal.add(cause);
        });
        harness.connect(PUB, "pub", MqttVersion.MQTT_5, true, 0);
        harness.connect(SUB, "sub", MqttVersion.MQTT_5, true, 0);
        harness.subscribe(SUB, MqttVersion.MQTT_5, 1, 0, new TopicSubscription("#", 0));
        harness.drain();

        harness.publish(PUB, MqttVersion.MQTT_5, "boom", "x", 0, 0);

        assertEquals(List.of("router"), stages);
        assertSame(injected, fatal.get(0));
        harness.publish(PUB, MqttVersion.MQTT_5, "after", "y", 0, 0);
        final List<RouterHarness.Out> delivered = harness.drain(SUB, PacketType.PUBLISH);
        assertEquals(1, delivered.size(), "the Router still runs, so a clean stop can disconnect everyone");
        assertTrue(new String(delivered.get(0).body(), StandardCharsets.UTF_8).contains("after"));
    }
}
