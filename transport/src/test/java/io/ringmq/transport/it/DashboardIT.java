package io.ringmq.transport.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The web dashboard in headless Chromium against a broker under load: a few HiveMQ clients subscribed to
 * {@code load/#} while one publishes at a steady rate. The test logs in with the admin token, checks that the
 * figures and tables the page shows match what the admin API answers at the same time, pages and searches the
 * clients table, disconnects a client with the row's button (through the confirm dialog) and checks that the MQTT
 * client really lost its connection (DISCONNECT 0x98, Administrative action) and that the API no longer lists it,
 * reads a client's detail, and views and deletes a retained message. A wrong token must bring back the login form.
 * A screenshot of the overview goes to {@code target/browser/DashboardIT.png}, chromedriver's log to
 * {@code target/browser/DashboardIT/}.
 * <p>
 * Without Chromium or chromedriver (Debian {@code chromium}, {@code chromium-driver}) the test is skipped, except
 * under CI ({@code CI=true}), where {@code .ci/run} installs them and it fails instead.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class DashboardIT
{
    private static final String HOST = "127.0.0.1";
    private static final String TOKEN = "dashboard-it-token";
    private static final Path OUTPUT = Path.of("target", "browser");
    private static final int SUBSCRIBERS = 12;
    /** A page size the dashboard offers that is smaller than the number of clients: two pages. */
    private static final int PAGE = 10;
    private static final String VICTIM = "dash-victim";
    private static final String PUBLISHER = "dash-publisher";
    /** A subscriber whose maximum packet size is below the load's messages: every delivery is dropped, too large. */
    private static final String SMALL = "dash-small";
    private static final int SMALL_MAXIMUM_PACKET = 60;
    /** A persistent session left offline with OFFLINE_FILTERS: sessions, subscriptions and clients all differ. */
    private static final String OFFLINE = "dash-offline";
    private static final List<String> OFFLINE_FILTERS = List.of("offline/a", "offline/b", "offline/c");
    private static final String LOAD_TOPIC = "load/data";
    private static final String RETAINED_TOPIC = "dash/status/line 1";
    private static final String RETAINED_PAYLOAD = "<b>running</b> & fine";
    /** The load: one message every PUBLISH_PERIOD_MS, at most LOAD_MESSAGES (bounded in count and time). */
    private static final long PUBLISH_PERIOD_MS = 20;
    private static final long LOAD_MESSAGES = 6_000;
    private static final Duration UI_TIMEOUT = Duration.ofSeconds(15);
    /** Polls the page makes before the screenshot, so that its charts have a history to show. */
    private static final int SCREENSHOT_TICKS = 10;

    @TempDir
    static Path dataDir;

    private static RingMqBroker broker;
    private static int httpPort;
    private static final List<Mqtt5BlockingClient> CLIENTS = new ArrayList<>();
    private static Mqtt5BlockingClient victim;
    private static final AtomicReference<Throwable> VICTIM_CAUSE = new AtomicReference<>();
    private static final AtomicReference<MqttDisconnectSource> VICTIM_SOURCE = new AtomicReference<>();
    private static ScheduledExecutorService load;
    private static final AtomicLong PUBLISHED = new AtomicLong();
    private static WebDriverSession browser;
    /** What start() opened, closed by stop() last first. */
    private static final Deque<AutoCloseable> OPENED = new ArrayDeque<>();
    /** Why the test is skipped (set by start()), or null. */
    private static String missing;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    static void start() throws Exception
    {
        if (ItTransport.TCP != ItTransport.current())
        {
            missing = "the dashboard is checked over TCP only";
            return;
        }
        missing = missingTool();
        if (null != missing)
        {
            if ("true".equals(System.getenv("CI")))
            {
                fail(missing + " (CI=true: .ci/run installs it)");
            }
            return;  // each test is skipped, in requireTools
        }
        httpPort = freePort();
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress(HOST).port(0)
            .dataDir(dataDir.toString()).sync("none").sysIntervalSeconds(0));
        config.set("http-port", Integer.toString(httpPort));
        config.set("http-token", TOKEN);
        broker = RingMqBroker.start(config);
        OPENED.push(broker::close);

        for (int i = 0; i < SUBSCRIBERS; i++)
        {
            subscriber(Mqtt5Client.builder().identifier("dash-sub-" + i));
        }
        victim = subscriber(Mqtt5Client.builder().identifier(VICTIM).addDisconnectedListener(context ->
        {
            VICTIM_SOURCE.compareAndSet(null, context.getSource());
            VICTIM_CAUSE.compareAndSet(null, context.getCause());
        }));
        final Mqtt5BlockingClient small = Mqtt5Client.builder().identifier(SMALL).serverHost(HOST)
            .serverPort(broker.port()).buildBlocking();
        small.connectWith().restrictions().maximumPacketSize(SMALL_MAXIMUM_PACKET).applyRestrictions().send();
        opened(small);
        small.toAsync().subscribeWith().topicFilter("load/#").qos(MqttQos.AT_LEAST_ONCE).callback(message ->
        {
        }).send().join();
        final Mqtt5BlockingClient offline = Mqtt5Client.builder().identifier(OFFLINE).serverHost(HOST)
            .serverPort(broker.port()).buildBlocking();
        offline.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
        for (final String filter : OFFLINE_FILTERS)
        {
            offline.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        }
        offline.disconnect();
        final Mqtt5BlockingClient publisher = Mqtt5Client.builder().identifier(PUBLISHER).serverHost(HOST)
            .serverPort(broker.port()).buildBlocking();
        publisher.connect();
        opened(publisher);
        publisher.publishWith().topic(RETAINED_TOPIC).payload(RETAINED_PAYLOAD.getBytes(StandardCharsets.UTF_8))
            .qos(MqttQos.AT_LEAST_ONCE).retain(true).send();
        load = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "dashboard-it-load");
            thread.setDaemon(true);
            return thread;
        });
        OPENED.push(load::shutdownNow);
        load.scheduleAtFixedRate(() ->
        {
            if (PUBLISHED.get() < LOAD_MESSAGES && publisher.getState().isConnected())
            {
                publisher.publishWith().topic(LOAD_TOPIC).payload(new byte[SMALL_MAXIMUM_PACKET])
                    .qos(MqttQos.AT_LEAST_ONCE).send();
                PUBLISHED.incrementAndGet();
            }
        }, 0, PUBLISH_PERIOD_MS, TimeUnit.MILLISECONDS);

        Files.createDirectories(OUTPUT.resolve("DashboardIT"));
        browser = WebDriverSession.start(List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--window-size=1280,1000"), OUTPUT.resolve("DashboardIT"),
            Duration.ofSeconds(15));
        OPENED.push(browser);
    }

    /** Remember a connected client, to disconnect it in stop() and to know how many the broker should show. */
    private static void opened(final Mqtt5BlockingClient client)
    {
        CLIENTS.add(client);
        OPENED.push(() ->
        {
            if (client.getState().isConnected())
            {
                client.disconnect();
            }
        });
    }

    private static Mqtt5BlockingClient subscriber(final Mqtt5ClientBuilder builder)
    {
        final Mqtt5BlockingClient client = builder.serverHost(HOST).serverPort(broker.port()).buildBlocking();
        client.connect();
        opened(client);
        client.toAsync().subscribeWith().topicFilter("load/#").qos(MqttQos.AT_MOST_ONCE).callback(message ->
        {
        }).send().join();
        return client;
    }

    @BeforeEach
    void requireTools()
    {
        // Assumed per test rather than in start(), so that the report lists each test as skipped, with the reason.
        Assumptions.assumeTrue(null == missing, missing);
    }

    @AfterAll
    static void stop() throws Exception
    {
        Exception failure = null;
        while (!OPENED.isEmpty())
        {
            try
            {
                OPENED.pop().close();
            }
            catch (final Exception ex)
            {
                if (null == failure)
                {
                    failure = ex;
                }
                else
                {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (null != failure)
        {
            throw failure;
        }
    }

    @Test
    void shouldShowTheBrokerUnderLoadAndDisconnectAClient() throws Exception
    {
        try
        {
            logIn(TOKEN);
            checkOverview(CLIENTS.size());
            checkRates();
            checkClientsTable();
            checkPaging();
            Files.write(OUTPUT.resolve("DashboardIT-clients.png"), browser.screenshot());
            disconnectVictimThroughTheUi();
            checkClientDetail(SMALL);
            Files.write(OUTPUT.resolve("DashboardIT-client.png"), browser.screenshot());
            checkRetained();
            checkOverview(CLIENTS.size() - 1);
            await("a history for the charts", () -> ticks() >= SCREENSHOT_TICKS ? null : "ticks " + ticks());
            assertEquals("[]", js("return JSON.stringify(window.ringmqDashboard.errors);").asText(),
                "script errors on the page");
        }
        finally
        {
            Files.write(OUTPUT.resolve("DashboardIT.png"), browser.screenshot());
        }
    }

    @Test
    void shouldBringBackTheLoginFormWhenTheTokenIsRefused() throws Exception
    {
        logIn("not-" + TOKEN);
        assertTrue(visible("login"), "the login form is back");
        assertFalse(visible("nav"), "the views stay hidden after a refused token");
        assertTrue(text("login-error").contains("refused"), "error shown: " + text("login-error"));
        assertEquals(0, js("return sessionStorage.length;").asInt(), "a refused token is not kept");
    }

    // ---------------------------------------------------------------- steps

    /** Open the dashboard afresh (no token kept) and submit the login form; a good token shows the overview. */
    private void logIn(final String token) throws Exception
    {
        browser.navigate("http://" + HOST + ":" + httpPort + "/dashboard/");
        js("sessionStorage.clear(); return true;");
        browser.navigate("http://" + HOST + ":" + httpPort + "/dashboard/");
        await("the login form", () -> visible("login") && !visible("nav") ? null : "not shown");
        js("document.getElementById('token').value = " + quote(token) + ";" +
            "document.getElementById('login-form').requestSubmit(); return true;");
        if (TOKEN.equals(token))
        {
            await("the overview after logging in", () -> visible("view-overview") && ticks() >= 1 ? null :
                "login visible " + visible("login") + ", error " + text("login-error") + ", ticks " + ticks());
        }
        else
        {
            await("the refusal", () -> visible("login-error") ? null : "no error shown");
        }
    }

    /** The tiles match the API's metrics and broker info, and the number of clients the test has connected. */
    private void checkOverview(final int connected) throws Exception
    {
        show("#/overview");
        final Map<String, String> tiles = new TreeMap<>(Map.of(
            "figure-clients", "ringmq_clients_connected",
            "figure-sessions", "ringmq_sessions",
            "figure-subscriptions", "ringmq_subscriptions",
            "figure-retained", "ringmq_retained_messages"));
        await("the tiles to match the API", () ->
        {
            final JsonNode metrics = api("metrics");
            final StringBuilder mismatch = new StringBuilder();
            for (final Map.Entry<String, String> tile : tiles.entrySet())
            {
                final String shown = text(tile.getKey()).replace(",", "");
                final long expected = metrics.path(tile.getValue()).asLong(-1);
                if (!Long.toString(expected).equals(shown))
                {
                    mismatch.append(tile.getKey()).append(" shows ").append(shown).append(", API ").append(expected)
                        .append("; ");
                }
            }
            if (metrics.path("ringmq_clients_connected").asLong() != connected)
            {
                mismatch.append("API ringmq_clients_connected ").append(metrics.path("ringmq_clients_connected"))
                    .append(", connected by the test ").append(connected);
            }
            return mismatch.length() == 0 ? null : mismatch.toString();
        });
        assertEquals(api("broker").path("version").asText(), text("figure-version"));
        assertTrue(text("figure-uptime").endsWith("s"), "uptime: " + text("figure-uptime"));
    }

    /** The message rates the page computes from the counters follow the load. */
    private void checkRates() throws Exception
    {
        final double publishRate = 1000.0 / PUBLISH_PERIOD_MS;
        final int receivers = SUBSCRIBERS + 1;
        await("message rates from the load", () ->
        {
            final double in = legendValue("legend-rates", "in");
            final double out = legendValue("legend-rates", "out");
            // Two polls 2 s apart: the rate is the load's, give or take the scheduler's jitter.
            final boolean inOk = in > publishRate / 3 && in < publishRate * 3;
            final boolean outOk = out > in * receivers / 3 && out < in * receivers * 3;
            return inOk && outOk ? null : "in " + in + "/s, out " + out + "/s, publishing " + publishRate + "/s to " +
                receivers + " subscribers";
        });
        await("drops from the small client", () ->
        {
            final double tooLarge = legendValue("legend-drops", "too-large");
            return tooLarge > publishRate / 3 && tooLarge < publishRate * 3 ? null : "too-large " + tooLarge + "/s";
        });
        assertTrue(legendValue("legend-connections", "connected") > 0, "connections chart has no value");
        assertTrue(legendValue("legend-journal", "used") >= 0, "journal chart has no value");
    }

    /** The table lists the same clients, and the same total, as the API. */
    private void checkClientsTable() throws Exception
    {
        show("#/clients");
        final JsonNode page = api("clients?limit=25");
        final List<String> expected = ids(page.path("items"));
        final TreeSet<String> connectedByTest = new TreeSet<>();
        CLIENTS.forEach(c -> connectedByTest.add(c.getConfig().getClientIdentifier().get().toString()));
        assertEquals(new ArrayList<>(connectedByTest), expected, "the API lists the clients the test connected");
        await("the clients table", () -> rowIds().equals(expected) ? null : "rows " + rowIds() + ", API " + expected);
        assertEquals(page.path("total").asText(), js("return document.getElementById('clients-total')" +
            ".dataset.total;").asText());
    }

    /** Pages of {@link #PAGE}: the first and the second page (through 'next') are the API's. */
    private void checkPaging() throws Exception
    {
        setClientsLimit(PAGE);
        final JsonNode first = api("clients?limit=" + PAGE);
        await("the first page", () -> rowIds().equals(ids(first.path("items"))) ? null : "rows " + rowIds());
        assertEquals(PAGE, first.path("items").size(), "a full first page: " + first);
        assertTrue(first.path("next").isTextual(), "the API has a next page: " + first);
        js("document.getElementById('clients-next').click(); return true;");
        final String after = URLEncoder.encode(first.path("next").asText(), StandardCharsets.UTF_8);
        final JsonNode second = api("clients?limit=" + PAGE + "&after=" + after);
        await("the second page", () -> rowIds().equals(ids(second.path("items"))) ? null : "rows " + rowIds() +
            ", API " + ids(second.path("items")));
        assertTrue(text("clients-total").contains("page 2"), text("clients-total"));
        setClientsLimit(25);
    }

    private void setClientsLimit(final int limit) throws Exception
    {
        final JsonNode chosen = js("const s = document.getElementById('clients-limit'); s.value = '" + limit + "';" +
            "s.dispatchEvent(new Event('change')); return s.value;");
        assertEquals(Integer.toString(limit), chosen.asText(), "the page sizes offered include " + limit);
    }

    /** Search for the victim, press its Disconnect button, confirm: the MQTT client is disconnected by the broker. */
    private void disconnectVictimThroughTheUi() throws Exception
    {
        js("document.getElementById('clients-search').value = 'victim';" +
            "document.getElementById('clients-form').requestSubmit(); return true;");
        final List<String> found = ids(api("clients?search=victim").path("items"));
        assertEquals(List.of(VICTIM), found, "the API finds the victim");
        await("the search result", () -> rowIds().equals(found) ? null : "rows " + rowIds());

        js("document.querySelector('button.disconnect[data-client-id=" + quote(VICTIM) + "]').click(); return true;");
        await("the confirm dialog", () -> js("return document.getElementById('confirm-dialog').open;")
            .asBoolean() ? null : "not open");
        assertTrue(victim.getState().isConnected(), "nothing happens before the confirmation");
        js("document.getElementById('confirm-yes').click(); return true;");

        await("the victim's MQTT connection to close", () -> victim.getState().isConnected() ? "still connected" :
            null);
        assertEquals(MqttDisconnectSource.SERVER, VICTIM_SOURCE.get(), "closed by " + VICTIM_SOURCE.get());
        final Mqtt5DisconnectException cause = assertInstanceOf(Mqtt5DisconnectException.class, VICTIM_CAUSE.get());
        assertEquals(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION, cause.getMqttMessage().getReasonCode());
        await("the API to forget the victim", () ->
        {
            final long total = api("clients?search=victim").path("total").asLong(-1);
            return 0 == total ? null : total + " clients match";
        });
        await("the table to drop the victim's row", () -> rowIds().isEmpty() ? null : "rows " + rowIds());
        assertTrue(text("status").contains("Disconnected client " + VICTIM), "status: " + text("status"));
        assertEquals(CLIENTS.size() - 1, api("clients").path("total").asInt(), "the other clients stay");
    }

    /**
     * A client's page shows its subscriptions and its drops by reason as the API has them: each drop count lies
     * between the API's before and after the page read it (the load keeps adding to them).
     */
    private void checkClientDetail(final String clientId) throws Exception
    {
        final JsonNode before = api("clients/" + clientId);
        show("#/clients/" + URLEncoder.encode(clientId, StandardCharsets.UTF_8));
        final List<String> filters = new ArrayList<>();
        before.path("subscriptions").forEach(s -> filters.add(s.path("filter").asText()));
        assertEquals(List.of("load/#"), filters, "the API's subscriptions of " + clientId);
        final String readFilters = "return Array.from(document.querySelectorAll('#client-subscriptions tbody tr'))" +
            ".map(r => r.dataset.filter);";
        await("the subscriptions of " + clientId, () -> filters.equals(strings(js(readFilters))) ? null :
            "shown " + js(readFilters));
        assertTrue(text("client-title").contains(clientId), text("client-title"));
        final JsonNode shown = js("const drops = {}; document.querySelectorAll('#client-drops tbody tr')" +
            ".forEach(r => drops[r.dataset.reason] = r.cells[1].textContent.replace(/,/g, '')); return drops;");
        final JsonNode after = api("clients/" + clientId);
        final JsonNode dropsBefore = before.path("session").path("drops");
        final JsonNode dropsAfter = after.path("session").path("drops");
        final List<String> reasons = new ArrayList<>();
        dropsAfter.fieldNames().forEachRemaining(reasons::add);
        assertEquals(new TreeSet<>(reasons), new TreeSet<>(strings(fieldNames(shown))), "drop reasons shown");
        for (final String reason : reasons)
        {
            final long value = Long.parseLong(shown.path(reason).asText());
            assertTrue(dropsBefore.path(reason).asLong() <= value && value <= dropsAfter.path(reason).asLong(),
                reason + " shown " + value + ", API before " + dropsBefore + ", after " + dropsAfter);
        }
        assertTrue(dropsAfter.path("tooLarge").asLong() > 0, "deliveries too large for " + clientId + ": " +
            dropsAfter);
    }

    private JsonNode fieldNames(final JsonNode object)
    {
        final ArrayNode names = json.createArrayNode();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The retained view lists the retained message, shows its payload as text, and deletes it. */
    private void checkRetained() throws Exception
    {
        show("#/retained");
        final String readTopics = "return Array.from(document.querySelectorAll('#retained-rows tr[data-topic]'))" +
            ".map(r => r.dataset.topic);";
        await("the retained list", () -> List.of(RETAINED_TOPIC).equals(strings(js(readTopics))) ? null :
            "shown " + js(readTopics));
        js("document.querySelector('#retained-rows tr[data-topic] button.view-retained').click(); return true;");
        await("the retained message", () -> visible("retained-message") &&
            RETAINED_PAYLOAD.equals(text("retained-message-payload")) ? null :
            "payload shown: " + text("retained-message-payload"));
        js("document.querySelector('#retained-rows tr[data-topic] button.delete-retained').click(); return true;");
        await("the confirm dialog", () -> js("return document.getElementById('confirm-dialog').open;")
            .asBoolean() ? null : "not open");
        js("document.getElementById('confirm-yes').click(); return true;");
        await("the retained message to go", () -> 404 == apiStatus("retained/" +
            URLEncoder.encode(RETAINED_TOPIC, StandardCharsets.UTF_8).replace("+", "%20")) ? null : "still there");
        await("the list to empty", () -> strings(js(readTopics)).isEmpty() ? null : "shown " + js(readTopics));
    }

    // ---------------------------------------------------------------- page access

    private void show(final String hash) throws Exception
    {
        js("location.hash = " + quote(hash) + "; return true;");
    }

    private JsonNode js(final String script) throws Exception
    {
        return browser.execute(script);
    }

    private String text(final String id) throws Exception
    {
        return js("const e = document.getElementById(" + quote(id) + "); return e ? e.textContent : null;")
            .asText("");
    }

    private boolean visible(final String id) throws Exception
    {
        return js("const e = document.getElementById(" + quote(id) + ");" +
            "return !!e && !e.hidden && !e.closest('[hidden]');").asBoolean();
    }

    private int ticks() throws Exception
    {
        return js("return window.ringmqDashboard ? window.ringmqDashboard.ticks : 0;").asInt();
    }

    /** The newest value of a chart's series, as its legend holds it, or NaN. */
    private double legendValue(final String legend, final String series) throws Exception
    {
        final JsonNode value = js("const v = document.querySelector('#" + legend + " li[data-series=" +
            quote(series) + "] .value'); return v ? v.dataset.value : null;");
        return value.isTextual() && !value.asText().isEmpty() ? Double.parseDouble(value.asText()) : Double.NaN;
    }

    private List<String> rowIds() throws Exception
    {
        return strings(js("return Array.from(document.querySelectorAll('#clients-rows tr[data-client-id]'))" +
            ".map(r => r.dataset.clientId);"));
    }

    private String quote(final String value) throws IOException
    {
        return json.writeValueAsString(value);
    }

    private static List<String> strings(final JsonNode array)
    {
        final List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static List<String> ids(final JsonNode items)
    {
        final List<String> ids = new ArrayList<>();
        items.forEach(item -> ids.add(item.path("clientId").asText()));
        return ids;
    }

    // ---------------------------------------------------------------- API and helpers

    private HttpResponse<String> apiResponse(final String path) throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort +
            "/api/v1/" + path)).timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + TOKEN).GET()
            .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private JsonNode api(final String path) throws IOException, InterruptedException
    {
        final HttpResponse<String> response = apiResponse(path);
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return json.readTree(response.body());
    }

    private int apiStatus(final String path) throws IOException, InterruptedException
    {
        return apiResponse(path).statusCode();
    }

    /** What a condition found wrong, or null when it holds. */
    @FunctionalInterface
    private interface Condition
    {
        String mismatch() throws Exception;
    }

    /** Poll until the condition holds; fail with its last mismatch after {@link #UI_TIMEOUT}. */
    private static void await(final String what, final Condition condition) throws Exception
    {
        final long deadlineNs = System.nanoTime() + UI_TIMEOUT.toNanos();
        String mismatch;
        while (null != (mismatch = condition.mismatch()))
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail(what + ": not within " + UI_TIMEOUT + ": " + mismatch);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Why the test cannot run here, or null if Chromium and chromedriver are there. */
    private static String missingTool()
    {
        if (!Files.isExecutable(WebDriverSession.CHROMIUM))
        {
            return "chromium not installed";
        }
        return Files.isExecutable(WebDriverSession.CHROMEDRIVER) ? null : "chromedriver not installed";
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST)))
        {
            return socket.getLocalPort();
        }
    }
}
