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
    void shouldRefuseRecoveryCutsUnlessTheOptionAllowsThem()
    {
        final BrokerConfig config = new BrokerConfig();
        assertFalse(config.recoveryAllowCut(), "refusing is the default");
        assertTrue(config.set("recovery-allow-cut", " true ").recoveryAllowCut());
        assertFalse(config.set("recovery-allow-cut", "false").recoveryAllowCut());
        assertTrue(BrokerConfig.isSetting("recovery-allow-cut"));
        assertTrue(BrokerConfig.helpText().contains("--recovery-allow-cut"));
    }

    @Test
    void shouldNameTheOptionWhenRecoveryAllowCutIsNotABoolean()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new BrokerConfig().set("recovery-allow-cut", "yes"));
        assertTrue(ex.getMessage().startsWith("recovery-allow-cut: "), ex.getMessage());
    }

    @Test
    void shouldHaveNoForceMarkerUnlessOneIsNamed()
    {
        final BrokerConfig config = new BrokerConfig();
        assertNull(config.forceMarker(), "off by default");
        assertEquals("/tmp/marker", config.set("force-marker", " /tmp/marker ").forceMarker());
        assertNull(config.set("force-marker", "").forceMarker());
        assertTrue(BrokerConfig.helpText().contains("--force-marker"));
    }
}
