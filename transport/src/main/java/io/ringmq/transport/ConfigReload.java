package io.ringmq.transport;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.admin.AdminGateway;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.netty.Listener;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The configuration part of a reload: build the configuration again from its source (the file re-read, the same
 * command line), compare it with the running one, apply what can change while the broker runs, and say what needs
 * a restart. Applied: the {@link BrokerConfig#isReloadable reloadable} broker settings (set on the Router thread
 * through an admin ring event) and each listener's admission limits (max-connections, connect-rate,
 * connect-rate-per-address). Everything else that changed is reported as needing a restart, on every reload until
 * it is done. A configuration that does not parse is refused as a whole and the running one stays.
 * <p>
 * <b>Threading:</b> the reloading thread (SIGHUP's, or the HTTP loop's for the admin API); one reload at a time
 * ({@link RingMqBroker#reload} is synchronized).
 */
final class ConfigReload
{
    private static final long APPLY_TIMEOUT_SECONDS = 5;

    private ConfigReload()
    {
    }

    /**
     * @param running   the configuration the broker runs with; the applied settings are noted in it.
     * @param listeners the broker's listeners.
     * @param admin     the way to the Router.
     * @return one line per change: applied, needing a restart, or refused.
     */
    static List<String> apply(final ServerConfig running, final List<Listener> listeners, final AdminGateway admin)
    {
        final Supplier<ServerConfig> source = running.source();
        if (null == source)
        {
            return List.of("configuration: made in code, nothing to re-read");
        }
        final ServerConfig fresh;
        try
        {
            fresh = source.get();
        }
        catch (final RuntimeException ex)
        {
            return List.of("configuration refused, the running one stays: " + ex.getMessage());
        }
        final List<String> lines = new ArrayList<>();
        final Map<String, String[]> changes = running.changes(fresh);
        final String refusal = refusal(running, changes);
        changes.forEach((name, values) ->
            lines.add(null != refusal && BrokerConfig.isReloadable(name) && null != values[1] ?
            name + ": " + values[0] + " -> " + values[1] + " (refused: " + refusal + ")" :
            setting(running, admin, name, values[0], values[1], fresh)));
        listeners(listeners, fresh, lines);
        if (lines.isEmpty())
        {
            lines.add("configuration: no setting changed");
        }
        return lines;
    }

    /** @return why the reloadable changes break a rule between settings with those that stay, or null. */
    private static String refusal(final ServerConfig running, final Map<String, String[]> changes)
    {
        final Map<String, String> reloadable = new HashMap<>();
        changes.forEach((name, values) ->
        {
            if (BrokerConfig.isReloadable(name) && null != values[1])
            {
                reloadable.put(name, values[1]);
            }
        });
        try
        {
            running.checkBrokerSettings(reloadable);
            return null;
        }
        catch (final IllegalArgumentException ex)
        {
            return ex.getMessage();
        }
    }

    private static String setting(final ServerConfig running, final AdminGateway admin, final String name,
        final String before, final String after, final ServerConfig fresh)
    {
        final String change = name + ": " + before + " -> " + after;
        if (!BrokerConfig.isReloadable(name) || null == after)
        {
            return change + " (needs a restart)";
        }
        try
        {
            admin.submit(view ->
            {
                view.reconfigure(name, after);
                return Boolean.TRUE;
            }).get(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            running.noteReloaded(name, fresh);
            return change + " (applied)";
        }
        catch (final ExecutionException ex)
        {
            return change + " (refused: " + ex.getCause().getMessage() + ")";
        }
        catch (final TimeoutException ex)
        {
            return change + " (not applied: the broker did not answer in time)";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return change + " (not applied: interrupted)";
        }
    }

    private static void listeners(final List<Listener> listeners, final ServerConfig fresh, final List<String> lines)
    {
        final List<ListenerConfig> declared;
        try
        {
            declared = fresh.listeners();
        }
        catch (final IllegalArgumentException ex)
        {
            lines.add("listeners refused, the running ones stay: " + ex.getMessage());
            return;
        }
        final Map<String, ListenerConfig> byName = new HashMap<>();
        declared.forEach(config -> byName.put(config.name(), config));
        final long nowNs = System.nanoTime();
        for (final Listener listener : listeners)
        {
            final ListenerConfig next = byName.remove(listener.name());
            if (null == next)
            {
                lines.add("listener " + listener.name() + ": removed (needs a restart)");
                continue;
            }
            final ListenerConfig now = listener.config();
            if (now.protocol() != next.protocol() || !Objects.equals(now.bind(), next.bind()) ||
                (0 != now.port() && now.port() != next.port()) ||
                !Objects.equals(now.webSocketPath(), next.webSocketPath()) ||
                now.proxyProtocol() != next.proxyProtocol() || now.handshakeTimeoutMs() != next.handshakeTimeoutMs())
            {
                lines.add("listener " + listener.name() + ": address, protocol or timeouts changed (needs a restart)");
            }
            for (final String change : listener.admission().reconfigure(next, nowNs))
            {
                lines.add("listener " + listener.name() + ": " + change + " (applied)");
            }
        }
        byName.keySet().forEach(name -> lines.add("listener " + name + ": added (needs a restart)"));
    }
}
