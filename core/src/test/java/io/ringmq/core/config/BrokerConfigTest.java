package io.ringmq.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class BrokerConfigTest
{
    @Test
    void shouldPickTheWaitStrategyFromTheCoresUnlessOneIsSet()
    {
        final BrokerConfig auto = new BrokerConfig();
        assertEquals("auto", auto.waitStrategy());
        assertEquals(BrokerConfig.EVENT_LOOP, auto.effectiveWaitStrategy(2));
        assertEquals(BrokerConfig.EVENT_LOOP, auto.effectiveWaitStrategy(BrokerConfig.AUTO_EVENT_LOOP_MAX_CORES));
        assertEquals("phased", auto.effectiveWaitStrategy(BrokerConfig.AUTO_EVENT_LOOP_MAX_CORES + 1));
        assertEquals("blocking", new BrokerConfig().set("wait-strategy", "blocking").effectiveWaitStrategy(2));
        final BrokerConfig phased = new BrokerConfig().set("wait-strategy", "phased");
        assertEquals("phased", phased.effectiveWaitStrategy(2), "a strategy that is set is kept");
        assertThrows(IllegalArgumentException.class, () -> new BrokerConfig().set("wait-strategy", "sleepy"));
    }

    @Test
    void shouldUseOneEventLoopOnSmallMachinesUnlessSet()
    {
        assertEquals(1, BrokerConfig.defaultEventLoops(1));
        assertEquals(1, BrokerConfig.defaultEventLoops(BrokerConfig.SINGLE_LOOP_MAX_CORES));
        assertEquals(BrokerConfig.SINGLE_LOOP_MAX_CORES + 1,
            BrokerConfig.defaultEventLoops(BrokerConfig.SINGLE_LOOP_MAX_CORES + 1));
        assertEquals(8, BrokerConfig.defaultEventLoops(8));
        assertEquals(BrokerConfig.defaultEventLoops(Runtime.getRuntime().availableProcessors()),
            new BrokerConfig().eventLoops(), "unset: the machine's default");
        assertEquals(3, new BrokerConfig().set("event-loops", "3").eventLoops(), "set: kept");
    }

    @Test
    void shouldRefuseRecoveryCutsUnlessTheOptionAllowsThem()
    {
        final BrokerConfig config = new BrokerConfig();
        assertFalse(config.recoveryAllowCut(), "refusing is the default");
        assertTrue(config.set("recovery-allow-cut", " true ").recoveryAllowCut());
        assertFalse(config.set("recovery-allow-cut", "false").recoveryAllowCut());
        assertTrue(BrokerConfig.isSetting("recovery-allow-cut"));
        assertTrue(declared("recovery-allow-cut"), "declared for the command line and --help");
    }

    @Test
    void shouldNameTheOptionWhenRecoveryAllowCutIsNotABoolean()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new BrokerConfig().set("recovery-allow-cut", "yes"));
        assertTrue(ex.getMessage().startsWith("recovery-allow-cut: "), ex.getMessage());
    }

    @Test
    void shouldCheckTheRulesBetweenSettingsOnce()
    {
        new BrokerConfig().conclude();
        final IllegalArgumentException segment = assertThrows(IllegalArgumentException.class,
            () -> new BrokerConfig().logSegmentSize(1 << 20).maxPacketSize(1 << 20).conclude());
        assertTrue(segment.getMessage().startsWith("log-segment-size"), segment.getMessage());
        new BrokerConfig().logSegmentSize(1 << 20).maxPacketSize(1 << 20).persistence("false").conclude();
        final IllegalArgumentException outbound = assertThrows(IllegalArgumentException.class,
            () -> new BrokerConfig().persistence("false").maxPacketSize(4 << 20).conclude());
        assertTrue(outbound.getMessage().startsWith("outbound-queue-bytes"), outbound.getMessage());
        final IllegalArgumentException queued = assertThrows(IllegalArgumentException.class,
            () -> new BrokerConfig().maxQueuedBytes(4096).conclude());
        assertTrue(queued.getMessage().startsWith("max-queued-bytes"), queued.getMessage());
    }

    @Test
    void shouldHaveNoForceMarkerUnlessOneIsNamed()
    {
        final BrokerConfig config = new BrokerConfig();
        assertNull(config.forceMarker(), "off by default");
        assertEquals("/tmp/marker", config.set("force-marker", " /tmp/marker ").forceMarker());
        assertNull(config.set("force-marker", "").forceMarker());
        assertTrue(declared("force-marker"), "declared for the command line and --help");
    }

    private static boolean declared(final String name)
    {
        return BrokerConfig.declarations().stream().anyMatch((d) -> d.name().equals(name) && !d.help().isEmpty());
    }
}
