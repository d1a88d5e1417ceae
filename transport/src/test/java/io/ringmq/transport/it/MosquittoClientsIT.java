package io.ringmq.transport.it;

import static io.ringmq.transport.it.BrokerFixture.TIMEOUT;
import static io.ringmq.transport.it.BrokerFixture.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;

/**
 * Interoperability with the command-line clients {@code mosquitto_pub} and {@code mosquitto_sub}, run as processes
 * with bounded waits. Skipped when the binaries are not installed.
 */
@Timeout(30)
final class MosquittoClientsIT
{
    @RegisterExtension
    static final BrokerFixture FIXTURE = new BrokerFixture();

    private static final Path PUB = Path.of("/usr/bin/mosquitto_pub");
    private static final Path SUB = Path.of("/usr/bin/mosquitto_sub");
    /** Line-buffers mosquitto_sub's stdout (a pipe would be block-buffered), so its SUBACK line is seen at once. */
    private static final Path STDBUF = Path.of("/usr/bin/stdbuf");
    private static final String MESSAGE_PREFIX = "MSG|";

    @BeforeAll
    static void requireBinaries()
    {
        Assumptions.assumeTrue(Files.isExecutable(PUB) && Files.isExecutable(SUB), "mosquitto clients not installed");
        Assumptions.assumeTrue(Files.isExecutable(STDBUF), "coreutils stdbuf not installed");
        Assumptions.assumeTrue(FIXTURE.transport() != ItTransport.WS, "mosquitto_pub/sub do not speak WebSocket");
    }

    @ParameterizedTest
    @ValueSource(strings = { "mqttv31", "mqttv311", "mqttv5" })
    void shouldRoundTripBetweenMosquittoClients(final String version) throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Subscriber sub = subscribe(version, topic, 1, "%q|%r|%t|%p");
        publish(version, "-t", topic, "-q", "1", "-m", "hello");
        assertEquals(MESSAGE_PREFIX + "1|0|" + topic + "|hello", sub.nextMessage());
    }

    @Test
    void shouldSendRetainedMessageToMosquittoSub() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        try
        {
            publish("mqttv311", "-t", topic, "-q", "1", "-r", "-m", "kept");
            final Subscriber sub = subscribe("mqttv5", topic, 1, "%r|%p");
            assertEquals(MESSAGE_PREFIX + "1|kept", sub.nextMessage());
        }
        finally
        {
            publish("mqttv311", "-t", topic, "-q", "1", "-r", "-n");
        }
    }

    @Test
    void shouldPassMqtt5PropertiesBetweenMosquittoClients() throws Exception
    {
        final String topic = FIXTURE.topic("t");
        final Subscriber sub = subscribe("mqttv5", topic, 1, "%P|%C|%R|%p");
        publish("mqttv5", "-t", topic, "-q", "1", "-m", "body",
            "-D", "publish", "user-property", "k", "v",
            "-D", "publish", "content-type", "text/plain",
            "-D", "publish", "response-topic", "reply/here");
        assertEquals(MESSAGE_PREFIX + "k:v|text/plain|reply/here|body", sub.nextMessage());
    }

    @Test
    void shouldInteroperateWithJavaClients() throws Exception
    {
        final String toCli = FIXTURE.topic("to-cli");
        final String fromCli = FIXTURE.topic("from-cli");
        final Subscriber cliSub = subscribe("mqttv311", toCli, 2, "%q|%p");
        final Paho3Client paho = FIXTURE.paho3("paho").connect(true);
        paho.client().subscribe(fromCli, 2);

        final Mqtt5BlockingClient hive = FIXTURE.mqtt5("hive");
        hive.connect();
        hive.publishWith().topic(toCli).qos(MqttQos.EXACTLY_ONCE).payload(utf8("from java")).send();
        assertEquals(MESSAGE_PREFIX + "2|from java", cliSub.nextMessage());

        publish("mqttv5", "-t", fromCli, "-q", "2", "-m", "from cli");
        final Paho3Client.Message message = paho.inbox().take(TIMEOUT);
        assertEquals("from cli", message.text());
        assertEquals(2, message.message().getQos());
    }

    @Test
    void shouldPublishWillWhenMosquittoSubIsKilled() throws Exception
    {
        final String willTopic = FIXTURE.topic("will");
        final Mqtt5BlockingClient observer = FIXTURE.mqtt5("observer");
        observer.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes wills = observer.publishes(MqttGlobalPublishFilter.ALL))
        {
            observer.subscribeWith().topicFilter(willTopic).qos(MqttQos.AT_LEAST_ONCE).send();
            final Subscriber sub = subscribe("mqttv5", FIXTURE.topic("t"), 0, "%p",
                "--will-topic", willTopic, "--will-payload", "killed", "--will-qos", "1");
            sub.process.destroyForcibly(); // SIGKILL: no DISCONNECT is sent
            assertTrue(sub.process.waitFor(5, TimeUnit.SECONDS));
            assertEquals("killed",
                new String(BrokerFixture.receive(wills, TIMEOUT).getPayloadAsBytes(), StandardCharsets.UTF_8));
        }
    }

    private static Subscriber subscribe(
        final String version, final String topic, final int qos, final String format, final String... extra)
        throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(STDBUF.toString(), "-oL", SUB.toString(),
            "-h", BrokerFixture.HOST,
            "-p", Integer.toString(FIXTURE.port()), "-V", version, "-i", shortId("s"), "-t", topic,
            "-q", Integer.toString(qos), "-d", "-W", "20", "-F", MESSAGE_PREFIX + format));
        command.addAll(FIXTURE.transport().mosquittoArguments());
        command.addAll(List.of(extra));
        final Subscriber subscriber = new Subscriber(new ProcessBuilder(command).redirectErrorStream(true).start());
        FIXTURE.track(subscriber);
        subscriber.awaitLine("SUBACK");
        return subscriber;
    }

    private static void publish(final String version, final String... args) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(PUB.toString(), "-h", BrokerFixture.HOST,
            "-p", Integer.toString(FIXTURE.port()), "-V", version, "-i", shortId("p")));
        command.addAll(FIXTURE.transport().mosquittoArguments());
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            assertTrue(process.waitFor(10, TimeUnit.SECONDS), "mosquitto_pub did not finish");
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), "mosquitto_pub failed: " + output);
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    /** MQTT 3.1 allows at most 23 characters in a client identifier. */
    private static String shortId(final String role)
    {
        return "mc" + role + Long.toHexString(System.nanoTime());
    }

    /** A running mosquitto_sub whose output lines are collected by a reader thread. */
    private static final class Subscriber implements AutoCloseable
    {
        private final Process process;
        private final Inbox<String> lines = new Inbox<>();
        private final List<String> seen = new ArrayList<>();

        Subscriber(final Process process)
        {
            this.process = process;
            final Thread reader = new Thread(() ->
            {
                try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while (null != (line = in.readLine()))
                    {
                        lines.add(line);
                    }
                }
                catch (final IOException ignore)
                {
                    // the process was killed
                }
            }, "mosquitto_sub-reader");
            reader.setDaemon(true);
            reader.start();
        }

        void awaitLine(final String fragment)
        {
            final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadlineNs)
            {
                final String line = lines.poll(Duration.ofMillis(100));
                if (null != line)
                {
                    seen.add(line);
                    if (line.contains(fragment))
                    {
                        return;
                    }
                }
            }
            throw new AssertionError("mosquitto_sub never printed " + fragment + ": " + seen);
        }

        String nextMessage()
        {
            final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadlineNs)
            {
                final String line = lines.poll(Duration.ofMillis(100));
                if (null != line)
                {
                    seen.add(line);
                    if (line.startsWith(MESSAGE_PREFIX))
                    {
                        return line;
                    }
                }
            }
            throw new AssertionError("mosquitto_sub printed no message: " + seen);
        }

        @Override
        public void close()
        {
            process.destroyForcibly();
        }
    }
}
