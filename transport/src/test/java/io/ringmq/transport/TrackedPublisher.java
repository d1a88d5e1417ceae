package io.ringmq.transport;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult.Mqtt5Qos1Result;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult.Mqtt5Qos2Result;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Publishes prefix-n to root/prefix/n, n = 0, 1, 2, ..., with at most {@link #MAX_IN_FLIGHT} unanswered, and
 * records n once the broker acknowledged it without an error reason code, for the crash tests. With retained messages
 * on, every {@link #RETAINED_EVERY}th n is also published retained as r-n to root/retained/(n / 50 % 5).
 * <p>
 * <b>Threading:</b> publishes from a thread of its own; HiveMQ's threads complete the publishes; the test thread reads
 * the results.
 */
final class TrackedPublisher implements Runnable
{
    /** Publishes unanswered at most. */
    static final int MAX_IN_FLIGHT = 32;
    /** Every this many messages, one is also published retained. */
    static final int RETAINED_EVERY = 50;
    /** Retained topics the retained messages rotate over. */
    static final int RETAINED_KEYS = 5;
    /** Payload prefix of the retained messages. */
    static final String RETAINED = "r";

    private final Mqtt5AsyncClient client;
    private final String root;
    private final int maxMessages;
    final String prefix;
    private final MqttQos qos;
    private final boolean withRetained;
    private final Semaphore window = new Semaphore(MAX_IN_FLIGHT);
    /** Every n below this was handed to the client (published or about to be). */
    final AtomicInteger sent = new AtomicInteger();
    final Set<Integer> acked = ConcurrentHashMap.newKeySet();
    final Map<Integer, Integer> lastAckedRetained = new ConcurrentHashMap<>();
    final AtomicInteger retainedAcked = new AtomicInteger();
    final Map<String, Integer> failures = new ConcurrentSkipListMap<>();
    final Qos2Tracker tracker;
    final Thread thread;
    volatile boolean running = true;

    /**
     * @param client       connected (or reconnecting) client that publishes.
     * @param root         first topic level.
     * @param prefix       payload prefix and second topic level.
     * @param qos          1 or 2.
     * @param withRetained also publish retained messages.
     * @param tracker      the client's QoS 2 interceptor, or null for QoS 1.
     * @param maxMessages  stop after this many.
     */
    TrackedPublisher(
        final Mqtt5AsyncClient client,
        final String root,
        final String prefix,
        final MqttQos qos,
        final boolean withRetained,
        final Qos2Tracker tracker,
        final int maxMessages)
    {
        this.client = client;
        this.root = root;
        this.maxMessages = maxMessages;
        this.tracker = tracker;
        this.prefix = prefix;
        this.qos = qos;
        this.withRetained = withRetained;
        thread = new Thread(this, root + "-publisher-" + prefix);
        thread.setDaemon(true);
    }

    @Override
    public void run()
    {
        int n = 0;
        try
        {
            while (running && n < maxMessages)
            {
                final boolean retain = withRetained && 0 == n % RETAINED_EVERY;
                if (window.tryAcquire(retain ? 2 : 1, 20, TimeUnit.MILLISECONDS))
                {
                    sent.set(n + 1);
                    send(n, root + "/" + prefix + "/" + n, prefix + "-" + n, false);
                    if (retain)
                    {
                        send(n, root + "/retained/" + (n / RETAINED_EVERY) % RETAINED_KEYS, RETAINED + "-" + n, true);
                    }
                    n++;
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void send(final int n, final String topic, final String payload, final boolean retain)
    {
        final Mqtt5Publish publish = Mqtt5Publish.builder().topic(topic).qos(qos)
            .payload(payload.getBytes(StandardCharsets.UTF_8)).retain(retain).build();
        client.publish(publish).whenComplete((result, error) ->
        {
            try
            {
                final String failure = failure(result, error, payload);
                if (null != failure)
                {
                    failures.merge(failure, 1, Integer::sum);
                }
                else if (retain)
                {
                    lastAckedRetained.merge((n / RETAINED_EVERY) % RETAINED_KEYS, n, Integer::max);
                    retainedAcked.incrementAndGet();
                }
                else
                {
                    acked.add(n);
                }
            }
            finally
            {
                window.release();
            }
        });
    }

    /**
     * HiveMQ completes a QoS 2 publish when the PUBCOMP arrives, with a result that shows the PUBREC only: the
     * PUBCOMP's reason code comes from the {@link Qos2Tracker}, which saw it just before.
     *
     * @return null when acknowledged without error, else what went wrong.
     */
    private String failure(final Mqtt5PublishResult result, final Throwable error, final String payload)
    {
        if (null != error)
        {
            return error.getClass().getSimpleName();
        }
        if (result.getError().isPresent())
        {
            return result.getError().get().getClass().getSimpleName();
        }
        if (result instanceof Mqtt5Qos1Result)
        {
            final Mqtt5Qos1Result qos1 = (Mqtt5Qos1Result)result;
            return qos1.getPubAck().getReasonCode().isError() ? "PUBACK " + qos1.getPubAck().getReasonCode() : null;
        }
        if (result instanceof Mqtt5Qos2Result)
        {
            final Mqtt5Qos2Result qos2 = (Mqtt5Qos2Result)result;
            if (qos2.getPubRec().getReasonCode().isError())
            {
                return "PUBREC " + qos2.getPubRec().getReasonCode();
            }
            final String pubCompError = null == tracker ? "no PUBCOMP tracker" : tracker.errors.get(payload);
            return null == pubCompError ? null : "PUBCOMP " + pubCompError;
        }
        return "no acknowledgement (" + result.getClass().getSimpleName() + ")";
    }

    /** Stop publishing and wait for the thread; what is in flight still completes. */
    void stop() throws InterruptedException
    {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(!thread.isAlive(), "publisher " + prefix + " did not stop");
    }

    /** @return true if every publish was answered. */
    boolean settled()
    {
        return 0 == unanswered();
    }

    /** @return publishes not answered yet. */
    int unanswered()
    {
        return MAX_IN_FLIGHT - window.availablePermits();
    }
}
