package io.ringmq.transport.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.BrokerStartException;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.ringmq.transport.it.PacketBuilder.MQTT_5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP endpoint of a running broker: health checks, Prometheus metrics that move with MQTT traffic, 404/405/401,
 * a bind failure, and answers while MQTT traffic runs. Plain TCP only (the endpoint is the same whatever the MQTT
 * listener).
 */
@Timeout(60)
class AdminHttpIT
{
    private static final String HOST = "127.0.0.1";
    private static final String TOKEN = "s3cret-token";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    @TempDir
    Path dataDir;
    private RingMqBroker broker;
    private int httpPort;

    @BeforeEach
    void start() throws IOException
    {
        Assumptions.assumeTrue(ItTransport.TCP == ItTransport.current(), "the HTTP endpoint is checked over TCP only");
        httpPort = freePort();
        broker = RingMqBroker.start(serverConfig(httpPort));
    }

    @AfterEach
    void stop()
    {
        if (null != broker)
        {
            broker.close();
        }
    }

    private static ServerConfig serverConfig(final int httpPort)
    {
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress(HOST).port(0).persistence("false")
            .sysIntervalSeconds(0));
        config.set("http-port", Integer.toString(httpPort));
        config.set("http-token", TOKEN);
        return config;
    }

    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> request(final String method, final String path, final String... headers)
        throws IOException, InterruptedException
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort + path))
            .timeout(Duration.ofSeconds(2))
            .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2)
        {
            builder.header(headers[i], headers[i + 1]);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(final String path) throws IOException, InterruptedException
    {
        return request("GET", path);
    }

    /** @return the value of a sample without labels, or of one whose labels are given as they are written. */
    private static double sample(final String metrics, final String series)
    {
        final Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertTrue(matcher.find(), "no " + series + " in\n" + metrics);
        return Double.parseDouble(matcher.group(1));
    }

    private static Mqtt5BlockingClient client(final String id, final int port)
    {
        final Mqtt5BlockingClient client = Mqtt5Client.builder().identifier(id).serverHost(HOST).serverPort(port)
            .buildBlocking();
        client.connect();
        return client;
    }

    @Test
    void shouldAnswerLivenessAndReadiness() throws Exception
    {
        assertEquals(httpPort, broker.httpPort());
        final HttpResponse<String> live = get("/health/live");
        assertEquals(200, live.statusCode());
        assertTrue(live.body().contains("live"), live.body());
        assertEquals("application/json", live.headers().firstValue("content-type").orElse(""));

        final HttpResponse<String> ready = get("/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"ready\""), ready.body());
        assertTrue(broker.isReady());

        final HttpResponse<String> head = request("HEAD", "/health/ready");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void shouldMoveTheCountersWithMqttTraffic() throws Exception
    {
        final AtomicLong delivered = new AtomicLong();
        final String before = get("/metrics").body();
        assertEquals(0, sample(before, "ringmq_messages_received_total"));
        assertEquals(0, sample(before, "ringmq_clients_connected"));

        final Mqtt5BlockingClient subscriber = client("sub", broker.port());
        subscriber.toAsync().subscribeWith().topicFilter("metrics/#").qos(MqttQos.AT_LEAST_ONCE)
            .callback(publish -> delivered.incrementAndGet()).send().join();
        final Mqtt5BlockingClient publisher = client("pub", broker.port());
        try
        {
            for (int i = 0; i < 20; i++)
            {
                publisher.publishWith().topic("metrics/" + i).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new byte[100]).send();
            }
            publisher.publishWith().topic("metrics/retained").retain(true).payload(new byte[1]).send();

            // The Router publishes its figures each tick (100 ms): wait for the tick after the traffic.
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String after = get("/metrics").body();
            while (sample(after, "ringmq_messages_received_total") < 21 && System.nanoTime() - deadlineNs < 0)
            {
                Thread.sleep(50);
                after = get("/metrics").body();
            }
            assertEquals(21, sample(after, "ringmq_messages_received_total"), after);
            assertEquals(21, sample(after, "ringmq_messages_sent_total"), after);
            assertEquals(2001, sample(after, "ringmq_message_payload_received_bytes_total"), after);
            assertEquals(2, sample(after, "ringmq_clients_connected"), after);
            assertEquals(2, sample(after, "ringmq_connects_accepted_total"), after);
            assertEquals(1, sample(after, "ringmq_subscriptions"), after);
            assertEquals(1, sample(after, "ringmq_retained_messages"), after);
            assertEquals(2, sample(after, "ringmq_listener_connections{listener=\"mqtt\"}"), after);
            assertTrue(sample(after, "ringmq_received_bytes_total") > 2001, after);
            assertTrue(sample(after, "ringmq_sent_bytes_total") > 2001, after);
            assertEquals(0, sample(after, "ringmq_messages_dropped_total{reason=\"queue-full\"}"), after);
            assertTrue(after.contains("\njvm_threads_current "), "JVM metrics are scraped too");
            while (delivered.get() < 21 && System.nanoTime() - deadlineNs < 0)
            {
                Thread.sleep(10);
            }
            assertEquals(21, delivered.get(), "what the metrics count as sent reached the subscriber");
        }
        finally
        {
            publisher.disconnect();
            subscriber.disconnect();
        }
    }

    /**
     * The Prometheus client's own parsers (the Python client, Debian's python3-prometheus-client, installed by
     * .ci/run) read both formats: every family, with the value our counters had.
     */
    @Test
    void shouldParseWithThePrometheusClientsOwnParsers(@TempDir final Path scratch) throws Exception
    {
        final Path python = Path.of("/usr/bin/python3");
        final boolean available = java.nio.file.Files.isExecutable(python) &&
            0 == run(scratch, python.toString(), "-c", "import prometheus_client");
        Assumptions.assumeTrue(available || "true".equals(System.getenv("CI")),
            "python3-prometheus-client not installed (.ci/run installs it)");
        final Mqtt5BlockingClient publisher = client("parsed", broker.port());
        try
        {
            for (int i = 0; i < 7; i++)
            {
                publisher.publishWith().topic("parsed/" + i).payload(new byte[10]).send();
            }
        }
        finally
        {
            publisher.disconnect();
        }
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String text = get("/metrics").body();
        while (sample(text, "ringmq_messages_received_total") < 7 && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(50);
            text = get("/metrics").body();
        }
        final String openMetrics = request("GET", "/metrics", "Accept",
            "application/openmetrics-text; version=1.0.0").body();
        java.nio.file.Files.writeString(scratch.resolve("metrics.txt"), text);
        java.nio.file.Files.writeString(scratch.resolve("metrics.om"), openMetrics);
        java.nio.file.Files.writeString(scratch.resolve("parse.py"), String.join("\n",
            "import sys",
            "from prometheus_client.parser import text_string_to_metric_families as text",
            "from prometheus_client.openmetrics.parser import text_string_to_metric_families as om",
            "families = list(text(open(sys.argv[1]).read()))",
            "strict = list(om(open(sys.argv[2]).read()))",
            "value = [s.value for f in families for s in f.samples if s.name == 'ringmq_messages_received_total']",
            "print(len(families), len(strict), int(value[0]))", ""));
        final Path out = scratch.resolve("out.txt");
        assertEquals(0, run(scratch, python.toString(), scratch.resolve("parse.py").toString(),
            scratch.resolve("metrics.txt").toString(), scratch.resolve("metrics.om").toString()),
            "the parsers refused the scrape: " + java.nio.file.Files.readString(out));
        final String[] parsed = java.nio.file.Files.readString(out).trim().split(" ");
        // Each scrape against its own families: a labelled family appears with its first sample (the disconnect
        // above is counted within a Router tick), so the two scrapes, a moment apart, may differ by one (CI: 88, 89).
        assertEquals(text.lines().filter(line -> line.startsWith("# TYPE ")).count(), Long.parseLong(parsed[0]),
            "every family of the text format");
        assertEquals(openMetrics.lines().filter(line -> line.startsWith("# TYPE ")).count(),
            Long.parseLong(parsed[1]), "every family of OpenMetrics");
        assertEquals((long)sample(text, "ringmq_messages_received_total"), Long.parseLong(parsed[2]));
        assertTrue(Long.parseLong(parsed[2]) >= 7);
    }

    /** Run a command with its output in {@code dir/out.txt}; bounded in time. */
    private static int run(final Path dir, final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.txt").toFile()).start();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    @Test
    void shouldAnswerOpenMetricsWhenAskedFor() throws Exception
    {
        final HttpResponse<String> response = request("GET", "/metrics", "Accept",
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(response.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
    }

    @Test
    void shouldServeTheDashboardWithHeadersThatKeepItToItself() throws Exception
    {
        final HttpResponse<String> root = get("/");
        assertEquals(302, root.statusCode());
        assertEquals("/dashboard/", root.headers().firstValue("location").orElse(""));
        final HttpResponse<String> page = get("/dashboard/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("app.js"), "the dashboard's page");
        assertEquals("default-src 'self'; frame-ancestors 'none'",
            page.headers().firstValue("content-security-policy").orElse(""));
        assertEquals("nosniff", page.headers().firstValue("x-content-type-options").orElse(""));
        assertEquals(200, get("/dashboard/app.js").statusCode());
        assertEquals(404, get("/dashboard/%2e%2e/openapi.yaml").statusCode(), "only the files it names");
        assertEquals(404, get("/dashboard/secret.txt").statusCode());
        assertEquals(405, request("POST", "/dashboard/").statusCode());
    }

    @Test
    void shouldStopEveryPartEvenWhenOneFailsToClose() throws Exception
    {
        final io.ringmq.auth.Authorizer breaksOnClose = new io.ringmq.auth.Authorizer()
        {
            @Override
            public String name()
            {
                return "breaks-on-close";
            }

            @Override
            public io.ringmq.auth.TopicPermissions permissions(final io.ringmq.auth.ClientInfo client)
            {
                return io.ringmq.auth.TopicPermissions.ALLOW_ALL;
            }

            @Override
            public void close()
            {
                throw new LinkageError("a class that can no longer be loaded");
            }
        };
        final int port = freePort();
        final RingMqBroker failing = RingMqBroker.start(serverConfig(port), List.of(), List.of(breaksOnClose));
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + port + "/health/live"))
            .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        failing.close();
        assertTrue(failing.awaitStopped(5_000), "stopped counted down although a step failed");
        assertThrows(IOException.class, () -> new Socket(HOST, port).close(),
            "the HTTP endpoint, closed after the failing step, is closed too");
    }

    @Test
    void shouldRefuseUnknownPathsAndMethods() throws Exception
    {
        assertEquals(404, get("/nope").statusCode());
        assertEquals(404, get("/health").statusCode());
        final HttpResponse<String> post = request("POST", "/metrics");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""));
        assertEquals(405, request("DELETE", "/health/live").statusCode());
        assertEquals(405, request("PUT", "/health/ready").statusCode());
        // The endpoint is still fine after them.
        assertEquals(200, get("/health/live").statusCode());
    }

    @Test
    void shouldServeHttpsWithTheConfiguredCertificate(@TempDir final Path certificatesDir) throws Exception
    {
        final TestCertificates certificates = TestCertificates.create(certificatesDir);
        final int port = freePort();
        final ServerConfig config = serverConfig(port);
        config.set("http-certfile", certificates.server().chain().toString());
        config.set("http-keyfile", certificates.server().key().toString());
        try (RingMqBroker secure = RingMqBroker.start(config))
        {
            assertEquals(port, secure.httpPort());
            final HttpClient https = HttpClient.newBuilder().sslContext(certificates.sslContext(null))
                .connectTimeout(Duration.ofSeconds(2)).build();
            final HttpResponse<String> ready = https.send(HttpRequest.newBuilder(URI.create("https://localhost:" +
                port + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
            final HttpResponse<String> api = https.send(HttpRequest.newBuilder(URI.create("https://localhost:" +
                port + "/api/v1/clients")).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, api.statusCode(), api.body());
            assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" +
                port + "/health/live")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()),
                "plain HTTP is not served beside HTTPS");
        }
        final ServerConfig half = serverConfig(freePort());
        half.set("http-certfile", certificates.server().chain().toString());
        assertThrows(BrokerStartException.class, () -> RingMqBroker.start(half), "a certificate without its key");
    }

    @Test
    void shouldGuardTheAdminApiWithTheBearerToken() throws Exception
    {
        assertEquals(401, get("/api/v1/clients").statusCode());
        final HttpResponse<String> wrong = request("GET", "/api/v1/clients", "Authorization", "Bearer nope");
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"));
        // With the token the request passes the guard, as a bearer token or as the password of basic auth.
        assertEquals(200, request("GET", "/api/v1/clients", "Authorization", "Bearer " + TOKEN).statusCode());
        assertEquals(404, request("GET", "/api/v1/nope", "Authorization", "Bearer " + TOKEN).statusCode());
        final String basic = java.util.Base64.getEncoder().encodeToString(("ops:" + TOKEN).getBytes(
            StandardCharsets.UTF_8));
        assertEquals(200, request("GET", "/api/v1/clients", "Authorization", "Basic " + basic).statusCode());
        final String wrongBasic = java.util.Base64.getEncoder().encodeToString("ops:nope".getBytes(
            StandardCharsets.UTF_8));
        assertEquals(401, request("GET", "/api/v1/clients", "Authorization", "Basic " + wrongBasic).statusCode());
        assertEquals(401, request("GET", "/api/v1/clients", "Authorization", "Basic %%%").statusCode());
    }

    @Test
    void shouldKeepAnsweringWhileMqttTrafficRuns() throws Exception
    {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong published = new AtomicLong();
        final AtomicReference<Throwable> publishFailure = new AtomicReference<>();
        final AtomicReference<Mqtt5Publish> drained = new AtomicReference<>();
        final Mqtt5BlockingClient publisher = client("load", broker.port());
        final Mqtt5BlockingClient subscriber = client("drain", broker.port());
        subscriber.toAsync().subscribeWith().topicFilter("load/#").callback(drained::set).send().join();
        final Thread load = new Thread(() ->
        {
            try
            {
                while (running.get())
                {
                    publisher.publishWith().topic("load/x").payload(new byte[256]).send();
                    published.incrementAndGet();
                }
            }
            catch (final RuntimeException ex)
            {
                publishFailure.set(ex);
            }
        }, "admin-it-load");
        load.start();
        try
        {
            for (int i = 0; i < 30; i++)
            {
                final long startNs = System.nanoTime();
                assertEquals(200, get("/health/ready").statusCode());
                final HttpResponse<String> metrics = get("/metrics");
                assertEquals(200, metrics.statusCode());
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs) < 2_000,
                    "a scrape under MQTT load took more than 2 s");
                Thread.sleep(20);
            }
        }
        finally
        {
            running.set(false);
            load.join(5_000);
            publisher.disconnect();
            subscriber.disconnect();
        }
        assertNull(publishFailure.get());
        assertTrue(published.get() > 0, "the MQTT traffic ran");
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sample(get("/metrics").body(), "ringmq_messages_received_total") < published.get() &&
            System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(50);
        }
        assertEquals(published.get(), sample(get("/metrics").body(), "ringmq_messages_received_total"));
    }

    @Test
    void shouldCloseTheEndpointWithTheBroker() throws Exception
    {
        assertEquals(200, get("/health/live").statusCode());
        broker.close();
        assertFalse(broker.isReady(), "a stopped broker is not ready");
        // A new connection is refused: nothing listens any more (a raw socket, not the client's keep-alive pool).
        assertThrows(ConnectException.class, () -> new Socket(HOST, httpPort).close());
        broker = null;
    }

    @Test
    void shouldRefuseToStartWhenTheHttpPortIsTaken() throws Exception
    {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(HOST)))
        {
            final BrokerStartException refused = assertThrows(BrokerStartException.class,
                () -> RingMqBroker.start(serverConfig(taken.getLocalPort())));
            assertTrue(refused.getMessage().contains("HTTP endpoint") &&
                refused.getMessage().contains(Integer.toString(taken.getLocalPort())), refused.getMessage());
        }
        // The failed start released what it had opened: the running broker is untouched and a new one starts.
        assertEquals(200, get("/health/ready").statusCode());
        try (RingMqBroker other = RingMqBroker.start(serverConfig(freePort())))
        {
            assertTrue(other.isReady());
        }
    }

    @Test
    void shouldHaveNoEndpointUnlessAsked()
    {
        // A broker made in code (every test) opens no HTTP port: 8080 is the default of the command line only.
        try (RingMqBroker embedded = RingMqBroker.start(new ServerConfig(new BrokerConfig().bindAddress(HOST).port(0)
            .persistence("false"))))
        {
            assertEquals(-1, embedded.httpPort());
            assertEquals(List.of("mqtt"), embedded.listeners().stream().map(l -> l.name()).toList());
        }
    }

    @Test
    void shouldNotBeReadyWhileTheJournalIsFull() throws Exception
    {
        broker.close();
        httpPort = freePort();
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress(HOST).port(0).sysIntervalSeconds(0)
            .dataDir(dataDir.toString()).storeMaxBytes(4L * 1024 * 1024).logSegmentSize(1024 * 1024)
            .maxPacketSize(262_144).maxQueuedMessages(100_000));
        config.set("http-port", Integer.toString(httpPort));
        broker = RingMqBroker.start(config);
        assertEquals(200, get("/health/ready").statusCode());

        // An offline persistent session keeps every message in the journal until it is full (as in StoreFullIT).
        final PacketBuilder expiry = new PacketBuilder().intProperty(RawProperties.SESSION_EXPIRY_INTERVAL, 3600);
        try (RawMqttClient sub = new RawMqttClient(HOST, broker.port()))
        {
            sub.connect(RawPackets.connect(MQTT_5, "keeper").properties(expiry).build());
            sub.send(RawPackets.subscribe(MQTT_5, 1, "fill", 1, null));
            sub.expect(RawPackets.SUBACK);
        }
        try (RawMqttClient pub = new RawMqttClient(HOST, broker.port()))
        {
            pub.connect(RawPackets.connect(MQTT_5, "filler").build());
            final byte[] payload = new byte[16 * 1024];
            int packetId = 0;
            while (true)
            {
                packetId = packetId % 65535 + 1;
                pub.send(RawPackets.publish(MQTT_5, 1, false, false, "fill", packetId, payload, null));
                if (0x97 == pub.expect(RawPackets.PUBACK).reasonCode())
                {
                    break;
                }
                assertTrue(packetId < 2000, "the store never filled");
            }
        }

        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        HttpResponse<String> ready = get("/health/ready");
        while (200 == ready.statusCode() && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(50);
            ready = get("/health/ready");
        }
        assertEquals(503, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("journal full"), ready.body());
        assertFalse(broker.isReady());
        // The figures are those of the Router's last tick, which may predate the refused publish by up to 100 ms.
        final String refused = "ringmq_messages_refused_total{reason=\"journal-full\"}";
        String metrics = get("/metrics").body();
        while (sample(metrics, refused) < 1 && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(50);
            metrics = get("/metrics").body();
        }
        assertTrue(sample(metrics, refused) >= 1, metrics);
        assertEquals(1, sample(metrics, "ringmq_journal_full"), metrics);
        assertTrue(sample(metrics, "ringmq_journal_records_refused_total") >= 1, metrics);
        assertTrue(sample(metrics, "ringmq_journal_disk_bytes") > 0, metrics);
        assertEquals(200, get("/health/live").statusCode(), "a full store is not a dead process");
    }

    @Test
    void shouldAnswerBadRequestsWithinItsOwnBoundary() throws Exception
    {
        try (Socket socket = new Socket(HOST, httpPort))
        {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            final String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 400", answer);
        }
        // A body over the aggregator's limit is refused before it is buffered.
        final HttpResponse<String> large = http.send(HttpRequest.newBuilder(
            URI.create("http://" + HOST + ":" + httpPort + "/metrics")).timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[128 * 1024])).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(413, large.statusCode());
        // Neither the endpoint nor MQTT traffic noticed.
        assertEquals(200, get("/health/ready").statusCode());
        final Mqtt5BlockingClient client = client("after-bad-http", broker.port());
        client.publishWith().topic("still/fine").qos(MqttQos.AT_LEAST_ONCE).send();
        client.disconnect();
    }
}
