package io.ringmq.transport;

import io.ringmq.core.SuppressForbidden;
import sun.misc.Signal;

/**
 * Installs SIGTERM/SIGINT handlers so that a stop request runs the clean shutdown and the process exits with
 * status 0 (a plain JVM shutdown hook would exit with 143). Uses {@code sun.misc.Signal} from jdk.unsupported,
 * available on every HotSpot JDK 17+.
 */
@SuppressForbidden(reason = "sun.misc.Signal is the only way to handle SIGTERM/SIGINT without exit status 143")
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
}
