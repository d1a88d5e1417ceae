package io.ringmq.transport.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.config.TlsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * MQTT.js (the npm {@code mqtt} package) in headless Chromium against the broker's WebSocket listeners, ws and wss.
 * The page {@code src/test/browser/mqtt-test.html} opens one MQTT.js client per protocol version (5 and 3.1.1), each
 * subscribes to {@code <topic>/#} and publishes a message of its own at QoS 1; once the page reports every client
 * subscribed, a HiveMQ client on the plain TCP listener publishes one more. The test passes when, over ws and over
 * wss, every browser client received its own message and the other client's. A screenshot of the page goes to
 * {@code target/browser/BrowserIT-ws.png} and {@code -wss.png}, chromedriver's log beside them.
 * <p>
 * The wss certificate is made at test time with {@code keytool}; Chromium trusts exactly its key, through
 * {@code --ignore-certificate-errors-spki-list}. Chromedriver and Chromium (Debian packages {@code chromium-driver}
 * and {@code chromium}) are driven over the W3C WebDriver HTTP protocol ({@link WebDriverSession}).
 * <p>
 * Without Chromium, chromedriver or the page's {@code node_modules} (run {@code npm ci} in {@code src/test/browser})
 * the test is skipped, except under CI ({@code CI=true}), where {@code .ci/run} installs them and it fails instead.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
final class BrowserIT
{
    private static final String LOOPBACK = "127.0.0.1";
    private static final Path PAGE_DIR = Path.of("src", "test", "browser");
    private static final Path MQTT_JS = PAGE_DIR.resolve(Path.of("node_modules", "mqtt", "dist", "mqtt.min.js"));
    private static final Path OUTPUT = Path.of("target", "browser");
    /** The other client's message: the page looks for exactly this on {@code <topic>/other}. */
    private static final String OTHER_PAYLOAD = "hello from the other client";
    private static final String KEYSTORE_PASSWORD = "secret";
    private static final String KEY_ALIAS = "server";
    /** The page gives up after this; the test waits a little longer for its verdict. */
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RESULT_TIMEOUT = PAGE_TIMEOUT.plusSeconds(5);
    private static final String READ_RESULT =
        "return window.ringmqResult ? JSON.stringify(window.ringmqResult) : null;";

    @TempDir
    static Path dir;

    private static RingMqBroker broker;
    private static Mqtt5BlockingClient other;
    private static WebDriverSession browser;
    /** Why the test is skipped (set by start()), or null. */
    private static String missing;

    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    static void start() throws Exception
    {
        missing = missingTool();
        if (null != missing)
        {
            if ("true".equals(System.getenv("CI")))
            {
                fail(missing + " (CI=true: .ci/run installs it)");
            }
            return;  // each test is skipped, in requireTools
        }

        final Path keystore = dir.resolve("server.p12");
        generateKeystore(keystore);
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress(LOOPBACK).persistence("false")
            .sysIntervalSeconds(0));
        config.addListener(new ListenerConfig().name("mqtt").port(0));
        config.addListener(new ListenerConfig().name("ws").protocol(ListenerConfig.Protocol.WS).port(0));
        config.addListener(new ListenerConfig().name("wss").protocol(ListenerConfig.Protocol.WSS).port(0)
            .tls(new TlsConfig().keystore(keystore.toString()).keystorePassword(KEYSTORE_PASSWORD)));
        broker = RingMqBroker.start(config);
        other = MqttClient.builder().useMqttVersion5().identifier("browser-it-other").serverHost(LOOPBACK)
            .serverPort(broker.port("mqtt")).buildBlocking();
        other.connect();

        Files.createDirectories(OUTPUT);
        browser = WebDriverSession.start(List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--window-size=1100,700",
            "--ignore-certificate-errors-spki-list=" + spkiSha256(keystore)), OUTPUT, Duration.ofSeconds(15));
    }

    @BeforeEach
    void requireTools()
    {
        // Assumed per test rather than in start(), so that the report lists each test as skipped, with the reason.
        Assumptions.assumeTrue(null == missing, missing);
    }

    @AfterAll
    static void stop()
    {
        try
        {
            if (null != browser)
            {
                browser.close();
            }
            if (null != other && other.getState().isConnected())
            {
                other.disconnect();
            }
        }
        finally
        {
            if (null != broker)
            {
                broker.close();
            }
        }
    }

    @Test
    void shouldExchangeMessagesWithMqttJsInChromiumOverWebSocket() throws Exception
    {
        exchange("ws", "ws://" + LOOPBACK + ":" + broker.port("ws") + "/mqtt");
    }

    @Test
    void shouldExchangeMessagesWithMqttJsInChromiumOverSecureWebSocket() throws Exception
    {
        exchange("wss", "wss://" + LOOPBACK + ":" + broker.port("wss") + "/mqtt");
    }

    /** Open the page against {@code brokerUrl}, publish the other client's message once it is subscribed, check. */
    private void exchange(final String name, final String brokerUrl) throws Exception
    {
        final String topic = "browser/" + name + "-" + System.nanoTime();
        final String page = PAGE_DIR.resolve("mqtt-test.html").toAbsolutePath().toUri() +
            "?url=" + URLEncoder.encode(brokerUrl, StandardCharsets.UTF_8) +
            "&topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8) +
            "&versions=5,4&timeout=" + PAGE_TIMEOUT.toMillis();
        browser.navigate(page);
        final long deadlineNs = System.nanoTime() + RESULT_TIMEOUT.toNanos();
        JsonNode result = awaitState(Set.of("subscribed", "done", "failed"), deadlineNs);
        if ("subscribed".equals(result.path("state").asText()))
        {
            other.publishWith().topic(topic + "/other").payload(OTHER_PAYLOAD.getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).send();
            result = awaitState(Set.of("done", "failed"), deadlineNs);
        }
        final Path screenshot = OUTPUT.resolve("BrowserIT-" + name + ".png");
        Files.write(screenshot, browser.screenshot());

        final String why = name + " (" + brokerUrl + "): " + result.path("error").asText("no error reported") +
            "; screenshot " + screenshot.toAbsolutePath() + "; page result " + result;
        assertEquals("done", result.path("state").asText(), why);
        final JsonNode clients = result.path("clients");
        assertEquals(2, clients.size(), "one client per protocol version: " + why);
        for (final JsonNode client : clients)
        {
            final String id = client.path("clientId").asText() + " (MQTT " + client.path("protocolVersion") + ")";
            assertTrue(client.path("ownReceived").asBoolean(), id + " received its own message: " + why);
            assertTrue(client.path("otherReceived").asBoolean(), id + " received the other client's message: " + why);
        }
    }

    /** Poll the page until its state is one of {@code states} or the deadline passes; return its last result. */
    private JsonNode awaitState(final Set<String> states, final long deadlineNs) throws Exception
    {
        while (true)
        {
            final JsonNode value = browser.execute(READ_RESULT);
            final JsonNode result = value.isTextual() ? json.readTree(value.asText()) : json.createObjectNode()
                .put("state", "not loaded").put("error", "window.ringmqResult not set");
            if (states.contains(result.path("state").asText()) || System.nanoTime() - deadlineNs > 0)
            {
                return result;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Why the test cannot run here, or null if Chromium, chromedriver and MQTT.js are all there. */
    private static String missingTool()
    {
        if (!Files.isExecutable(WebDriverSession.CHROMIUM))
        {
            return "chromium not installed";
        }
        if (!Files.isExecutable(WebDriverSession.CHROMEDRIVER))
        {
            return "chromedriver not installed";
        }
        if (!Files.isRegularFile(MQTT_JS))
        {
            return "MQTT.js missing: run npm ci --prefix transport/src/test/browser";
        }
        return null;
    }

    /** A fresh EC key and self-signed certificate for localhost and 127.0.0.1, valid two days. */
    private static void generateKeystore(final Path keystore) throws IOException, InterruptedException
    {
        final Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        final Path log = dir.resolve("keytool.log");
        final Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-keyalg", "EC",
            "-groupname", "secp256r1", "-alias", KEY_ALIAS, "-dname", "CN=localhost",
            "-ext", "SAN=dns:localhost,ip:" + LOOPBACK, "-validity", "2", "-storetype", "PKCS12",
            "-keystore", keystore.toString(), "-storepass", KEYSTORE_PASSWORD)
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail("keytool did not finish within 30 s");
        }
        if (0 != process.exitValue())
        {
            fail("keytool failed (" + process.exitValue() + "): " + Files.readString(log));
        }
    }

    /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's SPKI list takes it. */
    private static String spkiSha256(final Path keystore) throws IOException, GeneralSecurityException
    {
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore))
        {
            store.load(in, KEYSTORE_PASSWORD.toCharArray());
        }
        final Certificate certificate = store.getCertificate(KEY_ALIAS);
        final byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
        return Base64.getEncoder().encodeToString(digest);
    }
}
