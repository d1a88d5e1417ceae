package io.ringmq.transport.admin;

import java.util.List;
import java.util.Map;

/**
 * What the admin API asks of the broker itself, beside the Router's state: answers are plain values (maps, lists,
 * strings, numbers) that serialise to JSON as they are.
 * <p>
 * <b>Threading:</b> called on the HTTP event loop; implementations read only thread-safe state.
 */
public interface BrokerControl
{
    /** @return version, start time, uptime, listeners, JVM figures. */
    Map<String, Object> info();

    /** @return the configuration, secrets masked. */
    Map<String, Object> configuration();

    /** @return the broker's figures by metric name ({@link BrokerMetrics#figures()}). */
    Map<String, Object> metrics();

    /** @return what a reload changed or refused, one line each. */
    List<String> reload();
}
