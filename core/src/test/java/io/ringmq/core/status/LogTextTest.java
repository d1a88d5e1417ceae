package io.ringmq.core.status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class LogTextTest
{
    @Test
    void shouldReturnPrintableTextAsItIs()
    {
        final String text = "sensor-42/äöü 温度 😀 ok";
        assertSame(text, LogText.escape(text));
    }

    @Test
    void shouldWriteNullAsNull()
    {
        assertEquals("null", LogText.escape(null));
    }

    @Test
    void shouldEscapeLineBreaksSoAClientCannotForgeALogLine()
    {
        final String forged = "x\n2026-12-03 INFO io.ringmq.core.routing.Router - admin logged in\r";
        final String escaped = LogText.escape(forged);
        assertEquals("x\\n2026-12-03 INFO io.ringmq.core.routing.Router - admin logged in\\r", escaped);
        assertTrue(escaped.chars().noneMatch(c -> c == '\n' || c == '\r'));
    }

    @Test
    void shouldEscapeBackslashSoEscapesCannotBeForged()
    {
        assertEquals("a\\\\nb", LogText.escape("a\\nb"));
        assertEquals("tab\\tend", LogText.escape("tab\tend"));
    }

    @Test
    void shouldEscapeControlAndFormatCharacters()
    {
        assertEquals("\\u0000\\u001b[31m\\u007f\\u0085", LogText.escape("\u0000\u001b[31m\u007f\u0085"));
        // Bidirectional override (trojan-source style), zero-width space, BOM, line and paragraph separators.
        assertEquals("a\\u202eb\\u200bc\\ufeffd\\u2028e\\u2029", LogText.escape("a\u202eb\u200bc\ufeffd\u2028e\u2029"));
    }

    @Test
    void shouldEscapeUnpairedSurrogatesAndPrivateUse()
    {
        assertEquals("\\ud800x\\udc00\\ue000", LogText.escape("\ud800x\udc00\ue000"));
    }

    @Test
    void shouldCutLongTextAndSayHowMuchWasCut()
    {
        final String text = "a".repeat(300);
        assertEquals("a".repeat(LogText.MAX_LENGTH) + "...(+172 chars)", LogText.escape(text));
        assertEquals("abc...(+2 chars)", LogText.escape("abcde", 3));
        assertEquals("...(+5 chars)", LogText.escape("abcde", 0));
    }

    @Test
    void shouldCutOnlyInputNotTheEscapes()
    {
        assertEquals("\\n\\n...(+1 chars)", LogText.escape("\n\n\n", 2));
    }

    @Test
    void shouldNotSplitASurrogatePairWhenCutting()
    {
        final String text = "ab😀cd";
        assertEquals("ab...(+4 chars)", LogText.escape(text, 3));
        assertEquals("ab😀...(+2 chars)", LogText.escape(text, 4));
    }

    @Test
    void shouldRejectANegativeLength()
    {
        assertThrows(IllegalArgumentException.class, () -> LogText.escape("x", -1));
    }
}
