package io.ringmq.transport;

import io.ringmq.core.SuppressForbidden;
import sun.misc.Signal;

/**
 * Installs SIGTERM/SIGINT handlers so that a stop request runs the clean shutdown and the process exits with
 * status 0 (a plain JVM shutdown hook would exit with 143), and a SIGHUP handler that reloads what can be reloaded
 * (TLS files). Uses {@code sun.misc.Signal} from jdk.unsupported,
 * available on every HotSpot JDK 17+.
 */
@SuppressForbidden(reason = "sun.misc.Signal is the only way to handle SIGTERM/SIGINT/SIGHUP without exiting")
final class SignalHandlers
{
    private SignalHandlers()
    {
    }

    static void onTermination(final Runnable stop)
    {
        final Thread[] once = new Thread[1];
        final sun.misc.SignalHandler handler = signal ->
        {
            synchronized (once)
            {
                if (null == once[0])
                {
                    once[0] = new Thread(stop, "ringmq-shutdown");
                    once[0].start();
                }
            }
        };
        Signal.handle(new Signal("TERM"), handler);
        Signal.handle(new Signal("INT"), handler);
    }

    /**
     * SIGHUP runs {@code reload} on a thread of its own (the signal thread must not block on file reads).
     *
     * @param reload what a hangup asks for.
     */
    static void onHangup(final Runnable reload)
    {
        Signal.handle(new Signal("HUP"), signal ->
        {
            final Thread thread = new Thread(reload, "ringmq-reload");
            thread.setDaemon(true);
            thread.start();
        });
    }
}
