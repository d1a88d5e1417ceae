package io.ringmq.transport.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LogLevels} on a Logback context of its own (so the tests never change the levels other tests log at), and
 * once on the process's own logging, to prove that Logback is the broker's SLF4J provider.
 */
@Timeout(10)
class LogLevelsTest
{
    private static final String PACKAGE = "io.ringmq.sample";
    private static final String CLASS = PACKAGE + ".Handler";

    private final LoggerContext context = new LoggerContext();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private LogLevels levels;

    @BeforeEach
    void setUp()
    {
        appender.setContext(context);
        appender.start();
        final ch.qos.logback.classic.Logger root = context.getLogger(LogLevels.ROOT);
        root.setLevel(Level.INFO);
        root.addAppender(appender);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger(CLASS); // a logger without a level of its own
        levels = new LogLevels(context);
    }

    @Test
    void shouldListOnlyLoggersWithALevelOfTheirOwnRootFirst()
    {
        assertEquals(List.of("ROOT", "io.netty"), new ArrayList<>(levels.levels().keySet()));
        assertEquals(Map.of("ROOT", "INFO", "io.netty", "WARN"), levels.levels());
        assertEquals("INFO", levels.effectiveLevel(CLASS));
    }

    @Test
    void shouldChangeWhatALoggerWritesAtOnce()
    {
        final Logger logger = context.getLogger(CLASS);
        logger.debug("before");
        assertEquals(0, appender.list.size());

        assertEquals(LogLevels.INHERIT, levels.set(PACKAGE, "debug"));
        logger.debug("after");
        assertEquals(List.of("after"), messages(), "the package's level reaches the class's logger");
        assertEquals("DEBUG", levels.levels().get(PACKAGE));
        assertEquals("DEBUG", levels.effectiveLevel(CLASS));

        assertEquals("DEBUG", levels.set(PACKAGE, " Error "));
        logger.warn("dropped");
        assertEquals(List.of("after"), messages());
    }

    @Test
    void shouldUndoAChangeWithTheLevelItReturned()
    {
        final String before = levels.set(PACKAGE, "TRACE");
        assertEquals("TRACE", levels.set(PACKAGE, before));
        assertFalse(levels.levels().containsKey(PACKAGE), "INHERIT drops the logger's own level: " + levels.levels());
        assertEquals("INFO", levels.effectiveLevel(CLASS));

        final String nettyBefore = levels.set("io.netty", "OFF");
        assertEquals("WARN", nettyBefore);
        levels.set("io.netty", nettyBefore);
        assertEquals("WARN", levels.levels().get("io.netty"));
    }

    @Test
    void shouldSetTheRootLoggerByNameInAnyCase()
    {
        assertEquals("INFO", levels.set("root", "WARN"));
        assertEquals("WARN", levels.levels().get("ROOT"));
        assertEquals("WARN", levels.effectiveLevel(CLASS));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> levels.set("ROOT", "inherit"));
        assertTrue(ex.getMessage().contains("root logger has no parent"), ex.getMessage());
        assertEquals("WARN", levels.levels().get("ROOT"));
    }

    @Test
    void shouldRefuseAnUnknownLevelAndLeaveTheLoggerAsItWas()
    {
        for (final String bad : new String[] {"VERBOSE", "", "  ", "ALL", "FINE"})
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> levels.set("io.netty", bad));
            assertTrue(ex.getMessage().startsWith("unknown log level '" + bad + "'"), ex.getMessage());
            assertTrue(ex.getMessage().contains("TRACE, DEBUG, INFO, WARN, ERROR, OFF, INHERIT"), ex.getMessage());
        }
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> levels.set("io.netty", null));
        assertTrue(ex.getMessage().startsWith("unknown log level 'null'"), ex.getMessage());
        assertEquals("WARN", levels.levels().get("io.netty"));
    }

    @Test
    void shouldRefuseWhatIsNotALoggerName()
    {
        assertRefused(null, "a logger name is needed");
        assertRefused("", "a logger name is needed");
        assertRefused("io ringmq", "space or control character (U+0020) at index 2");
        assertRefused("io.ringmq\n", "(U+000A) at index 9");
        assertRefused(".io", "empty part between dots");
        assertRefused("io.", "empty part between dots");
        assertRefused("io..ringmq", "empty part between dots");
        assertRefused("a".repeat(LogLevels.MAX_NAME_LENGTH + 1), "longer than 512");
        assertEquals(Map.of("ROOT", "INFO", "io.netty", "WARN"), levels.levels(), "nothing was changed");
        assertEquals(LogLevels.INHERIT, levels.set("a".repeat(LogLevels.MAX_NAME_LENGTH), "DEBUG"));
    }

    @Test
    void shouldRefuseAnotherSlf4jProvider()
    {
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> new LogLevels(new NOPLoggerFactory()));
        assertTrue(ex.getMessage().contains("only with Logback"), ex.getMessage());
    }

    @Test
    void shouldWorkOnTheProcesssLogbackConfiguration()
    {
        final LogLevels process = new LogLevels();
        final String name = LogLevelsTest.class.getName() + ".process";
        final Logger logger = LoggerFactory.getLogger(name);
        assertTrue(process.levels().containsKey("ROOT"), process.levels().toString());
        assertFalse(logger.isTraceEnabled());
        final String before = process.set(name, "TRACE");
        try
        {
            assertTrue(logger.isTraceEnabled());
        }
        finally
        {
            process.set(name, before);
        }
        assertFalse(logger.isTraceEnabled());
    }

    private void assertRefused(final String name, final String expected)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> levels.set(name, "DEBUG"));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }

    private List<String> messages()
    {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
