package io.ringmq.transport.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The logger levels of the running broker, listed and changed while it runs (the admin API calls this). Logback is
 * the broker's one SLF4J provider; this works on its logger context, so a change applies at once to every logging
 * call, and lasts until the process ends (the configuration file is not rewritten).
 * <p>
 * Levels are plain strings: {@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR}, {@code OFF}, and
 * {@link #INHERIT} for a logger with no level of its own (it follows its parent). The root logger is {@code ROOT}.
 * <p>
 * <b>Threading:</b> any thread. Logback's loggers take a level change from any thread and publish it to every
 * thread that logs.
 */
public final class LogLevels
{
    /** The "level" of a logger that has none of its own; given to {@link #set}, it drops the logger's own level. */
    public static final String INHERIT = "INHERIT";
    /** Name of the root logger, the parent of all others. */
    public static final String ROOT = org.slf4j.Logger.ROOT_LOGGER_NAME;
    /** The levels {@link #set} takes (in any case). */
    public static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF", INHERIT);
    /** Longest logger name accepted: class names are far shorter, and every name set makes a logger that stays. */
    public static final int MAX_NAME_LENGTH = 512;
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LogLevels.class);

    private final LoggerContext context;

    /**
     * Levels of the process's logging, which must be Logback.
     *
     * @throws IllegalStateException if SLF4J's provider is not Logback.
     */
    public LogLevels()
    {
        this(LoggerFactory.getILoggerFactory());
    }

    /**
     * @param factory the logger factory to work on; must be Logback's {@link LoggerContext}.
     * @throws IllegalStateException if it is not.
     */
    LogLevels(final ILoggerFactory factory)
    {
        if (!(factory instanceof LoggerContext))
        {
            throw new IllegalStateException("logger levels can be changed only with Logback as the SLF4J provider," +
                " not with " + factory.getClass().getName());
        }
        this.context = (LoggerContext)factory;
    }

    /**
     * @return logger name to level of every logger that has a level of its own: those the configuration names and
     * those given one by {@link #set}; {@link #ROOT} first, then by name. A snapshot, not updated by later changes.
     */
    public Map<String, String> levels()
    {
        final Map<String, String> levels = new LinkedHashMap<>();
        for (final Logger logger : context.getLoggerList()) // root first, then sorted by name
        {
            final Level level = logger.getLevel();
            if (null != level)
            {
                levels.put(logger.getName(), level.levelStr);
            }
        }
        return Collections.unmodifiableMap(levels);
    }

    /**
     * @param logger logger name, or {@link #ROOT}.
     * @return the level the logger logs at: its own, or the nearest ancestor's.
     * @throws IllegalArgumentException if the name is not a valid logger name.
     */
    public String effectiveLevel(final String logger)
    {
        return context.getLogger(checkName(logger)).getEffectiveLevel().levelStr;
    }

    /**
     * Give a logger a level of its own, or drop it with {@link #INHERIT}.
     *
     * @param logger logger name (e.g. {@code io.ringmq.core.routing} for a whole package), or {@link #ROOT}.
     * @param level  one of {@link #LEVELS}, in any case.
     * @return the logger's own level before the change, or {@link #INHERIT} if it had none: passing it back to this
     * method undoes the change.
     * @throws IllegalArgumentException naming the bad value: an unknown level, a name that is not a logger name, or
     *                                  {@link #INHERIT} for the root logger (which has no parent).
     */
    public String set(final String logger, final String level)
    {
        final String name = checkName(logger);
        final String upper = null == level ? "" : level.strip().toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(upper))
        {
            throw new IllegalArgumentException("unknown log level '" + level + "': use one of " +
                String.join(", ", LEVELS));
        }
        final Logger target = context.getLogger(name);
        final boolean inherit = INHERIT.equals(upper);
        if (inherit && target == context.getLogger(ROOT))
        {
            throw new IllegalArgumentException("the root logger has no parent to inherit a level from: give it one of" +
                " " + String.join(", ", LEVELS.subList(0, LEVELS.size() - 1)));
        }
        final Level old = target.getLevel();
        target.setLevel(inherit ? null : Level.toLevel(upper));
        final String oldName = null == old ? INHERIT : old.levelStr;
        LOG.info("log level of {} set to {} (was {})", target.getName(), upper, oldName);
        return oldName;
    }

    private static String checkName(final String logger)
    {
        if (null == logger || logger.isEmpty())
        {
            throw new IllegalArgumentException("a logger name is needed (" + ROOT + " for the root logger)");
        }
        if (logger.length() > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("logger name longer than " + MAX_NAME_LENGTH + " characters");
        }
        for (int i = 0; i < logger.length(); i++)
        {
            final char c = logger.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c))
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "logger name with a space or control character (U+%04X) at index %d", (int)c, i));
            }
        }
        if (logger.startsWith(".") || logger.endsWith(".") || logger.contains(".."))
        {
            throw new IllegalArgumentException("logger name with an empty part between dots: '" + logger + "'");
        }
        return logger;
    }
}
