package io.ringmq.transport.auth.scram;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SaslPrepTest
{
    @Test
    void shouldFollowTheRfc4013Examples()
    {
        // RFC 4013 section 3.
        assertEquals("IX", SaslPrep.prepare("I\u00ADX"), "soft hyphen mapped to nothing");
        assertEquals("user", SaslPrep.prepare("user"));
        assertEquals("USER", SaslPrep.prepare("USER"), "no case folding");
        assertEquals("a", SaslPrep.prepare("\u00AA"), "NFKC");
        assertEquals("IX", SaslPrep.prepare("\u2168"), "NFKC");
        assertThrows(IllegalArgumentException.class, () -> SaslPrep.prepare("\u0007"), "prohibited");
        assertThrows(IllegalArgumentException.class, () -> SaslPrep.prepare("\u0627\u0031"), "bidi");
    }

    @Test
    void shouldLeavePrintableAsciiAlone()
    {
        final StringBuilder all = new StringBuilder();
        for (char c = 0x20; c < 0x7F; c++)
        {
            all.append(c);
        }
        assertEquals(all.toString(), SaslPrep.prepare(all.toString()));
    }

    @Test
    void shouldMapNonAsciiSpacesAndRefuseControlAndPrivateUse()
    {
        assertEquals("a b c", SaslPrep.prepare("a\u00A0b\u3000c"));
        assertEquals("ab", SaslPrep.prepare("a\uFE0F\u200Db"), "variation selector, zero-width joiner removed");
        // U+200B is in both C.1.2 and B.1; like PostgreSQL's SASLprep, the space mapping wins.
        assertEquals("a b", SaslPrep.prepare("a\u200Bb"));
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> SaslPrep.prepare("secret\u0085"));
        assertFalse(ex.getMessage().contains("secret"), "never echoes the input");
        assertThrows(IllegalArgumentException.class, () -> SaslPrep.prepare("\uE000"));
        assertThrows(IllegalArgumentException.class, () -> SaslPrep.prepare("\uFFFE"));
        assertThrows(IllegalArgumentException.class, () -> SaslPrep.prepare("a\u202Eb"));
        assertThrows(IllegalArgumentException.class, () -> SaslPrep.prepare("\uD800"), "lone surrogate");
        assertTrue(SaslPrep.prepare("\u0627\u0628").length() == 2, "right-to-left only is fine");
    }
}
