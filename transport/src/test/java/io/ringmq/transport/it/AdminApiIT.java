package io.ringmq.transport.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin API of a running broker against real MQTT clients (HiveMQ client): every endpoint, and bad input for
 * each (unknown client, bad paging, bodies that are not JSON or carry unknown fields or values out of range, invalid
 * topics). Plain TCP only.
 */
@Timeout(60)
class AdminApiIT
{
    private static final String HOST = "127.0.0.1";
    private static final String TOKEN = "api-token-123";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();
    private RingMqBroker broker;

    @BeforeEach
    void start() throws IOException
    {
        Assumptions.assumeTrue(ItTransport.TCP == ItTransport.current(), "the admin API is checked over TCP only");
        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress(HOST).port(0).persistence("false")
            .sysIntervalSeconds(0));
        config.set("http-port", Integer.toString(AdminHttpIT.freePort()));
        config.set("http-token", TOKEN);
        broker = RingMqBroker.start(config);
    }

    @AfterEach
    void stop()
    {
        for (final Mqtt5BlockingClient client : clients)
        {
            if (client.getState().isConnected())
            {
                client.disconnect();
            }
        }
        if (null != broker)
        {
            broker.close();
        }
    }

    private Mqtt5BlockingClient connect(final String id, final boolean clean)
    {
        final Mqtt5BlockingClient client = Mqtt5Client.builder().identifier(id).serverHost(HOST)
            .serverPort(broker.port()).buildBlocking();
        client.connectWith().cleanStart(clean).sessionExpiryInterval(clean ? 0 : 600).send();
        clients.add(client);
        return client;
    }

    private HttpResponse<String> call(final String method, final String path, final String body)
        throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + broker.httpPort() +
            path))
            .timeout(Duration.ofSeconds(5))
            .header("Authorization", "Bearer " + TOKEN)
            .method(method, null == body ? HttpRequest.BodyPublishers.noBody() :
                HttpRequest.BodyPublishers.ofString(body))
            .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private JsonNode ok(final String method, final String path, final String body) throws Exception
    {
        final HttpResponse<String> response = call(method, path, body);
        assertEquals(200, response.statusCode(), method + " " + path + ": " + response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
        return JSON.readTree(response.body());
    }

    private JsonNode get(final String path) throws Exception
    {
        return ok("GET", path, null);
    }

    /** Assert a status and a JSON error naming what was wrong. */
    private void refused(final int status, final String method, final String path, final String body,
        final String mentions) throws Exception
    {
        final HttpResponse<String> response = call(method, path, body);
        assertEquals(status, response.statusCode(), method + " " + path + ": " + response.body());
        final String error = JSON.readTree(response.body()).path("error").asText();
        assertTrue(error.toLowerCase(Locale.ROOT).contains(mentions), "error '" + error + "' should mention " +
            mentions);
    }

    @Test
    void shouldListSearchAndPageClients() throws Exception
    {
        for (int i = 0; i < 12; i++)
        {
            connect(String.format(Locale.ROOT, "dev-%02d", i), true);
        }
        connect("gateway", true);

        final JsonNode first = get("/api/v1/clients?limit=5&search=dev-");
        assertEquals(12, first.path("total").asInt());
        assertEquals(5, first.path("items").size());
        assertEquals("dev-00", first.path("items").get(0).path("clientId").asText());
        final JsonNode item = first.path("items").get(0);
        assertEquals(5, item.path("protocolVersion").asInt());
        assertTrue(item.path("address").asText().startsWith(HOST + ":"), item.toString());
        assertEquals("mqtt", item.path("listener").asText());
        assertTrue(item.path("connectedAtMs").asLong() > 0);

        final List<String> seen = new ArrayList<>();
        String next = null;
        for (int page = 0; page < 5; page++)
        {
            final JsonNode body = get("/api/v1/clients?limit=5&search=dev-" + (null == next ? "" : "&after=" + next));
            body.path("items").forEach(c -> seen.add(c.path("clientId").asText()));
            next = body.path("next").isNull() ? null : body.path("next").asText();
            if (null == next)
            {
                break;
            }
        }
        assertEquals(12, seen.size());
        assertEquals("dev-11", seen.get(11));
        assertEquals(13, get("/api/v1/clients").path("total").asInt());

        refused(400, "GET", "/api/v1/clients?limit=0", null, "limit");
        refused(400, "GET", "/api/v1/clients?limit=1001", null, "limit");
        refused(400, "GET", "/api/v1/clients?limit=ten", null, "limit");
        refused(405, "PUT", "/api/v1/clients", "{}", "not allowed");
    }

    @Test
    void shouldShowOneClientAndDisconnectIt() throws Exception
    {
        final Mqtt5BlockingClient device = connect("device/with slash", false);
        device.subscribeWith().topicFilter("cmd/#").qos(MqttQos.AT_LEAST_ONCE).send();
        final CompletableFuture<Mqtt5DisconnectReasonCode> reason = new CompletableFuture<>();
        final Mqtt5BlockingClient watched = Mqtt5Client.builder().identifier("watched").serverHost(HOST)
            .serverPort(broker.port())
            .addDisconnectedListener(context -> reason.complete(
                context.getCause() instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException ex ?
                ex.getMqttMessage().getReasonCode() : null))
            .buildBlocking();
        watched.connect();

        final JsonNode detail = get("/api/v1/clients/device%2Fwith%20slash");
        assertEquals("device/with slash", detail.path("client").path("clientId").asText());
        assertEquals("cmd/#", detail.path("subscriptions").get(0).path("filter").asText());
        assertEquals(1, detail.path("subscriptions").get(0).path("qos").asInt());
        assertTrue(detail.path("session").path("connected").asBoolean());
        refused(404, "GET", "/api/v1/clients/nobody", null, "nobody");

        ok("POST", "/api/v1/clients/watched/disconnect", null);
        assertEquals(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION, reason.get(5, TimeUnit.SECONDS));
        refused(404, "POST", "/api/v1/clients/watched/disconnect", null, "not connected");

        ok("DELETE", "/api/v1/clients/device%2Fwith%20slash", null);
        awaitDisconnected(device);
        final JsonNode offline = get("/api/v1/sessions?connected=false");
        assertEquals("device/with slash", offline.path("items").get(0).path("clientId").asText(),
            "a persistent session outlives its disconnected client");
        assertEquals(0, get("/api/v1/clients").path("total").asInt());
    }

    @Test
    void shouldListAndDeleteSessions() throws Exception
    {
        connect("keeper", false).disconnect();
        connect("online", true);
        final JsonNode all = get("/api/v1/sessions");
        assertEquals(2, all.path("total").asInt());
        assertEquals(1, get("/api/v1/sessions?connected=true").path("total").asInt());
        final JsonNode kept = get("/api/v1/sessions/keeper");
        assertFalse(kept.path("connected").asBoolean());
        assertEquals(600, kept.path("expiryIntervalSeconds").asInt());
        assertTrue(kept.path("expiresInSeconds").asLong() > 590);
        refused(400, "GET", "/api/v1/sessions?connected=maybe", null, "connected");

        ok("DELETE", "/api/v1/sessions/keeper", null);
        refused(404, "GET", "/api/v1/sessions/keeper", null, "keeper");
        refused(404, "DELETE", "/api/v1/sessions/keeper", null, "keeper");
        assertEquals(1, get("/api/v1/sessions").path("total").asInt());
    }

    @Test
    void shouldAddAndRemoveSubscriptionsForAClient() throws Exception
    {
        // The publishes flow is registered before CONNECT: registered after, it raced with the message (the HiveMQ
        // client dropped it, "no publish flow registered", when the flow was not in place yet).
        final Mqtt5BlockingClient device = Mqtt5Client.builder().identifier("sub-device").serverHost(HOST)
            .serverPort(broker.port()).buildBlocking();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = device.publishes(
            com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL))
        {
            device.connectWith().cleanStart(true).send();
            clients.add(device);
            final JsonNode added = ok("POST", "/api/v1/clients/sub-device/subscriptions",
                "{\"filter\":\"alerts/+\",\"qos\":1}");
            assertEquals(1, added.path("reasonCode").asInt());
            assertEquals("alerts/+", get("/api/v1/clients/sub-device/subscriptions").get(0).path("filter").asText());
            final Mqtt5BlockingClient publisher = connect("publisher", true);
            publisher.publishWith().topic("alerts/fire").qos(MqttQos.AT_LEAST_ONCE)
                .payload("hot".getBytes(StandardCharsets.UTF_8)).send();
            final Optional<Mqtt5Publish> received = publishes.receive(5, TimeUnit.SECONDS);
            assertTrue(received.isPresent(), "the subscription the API added delivers");
            assertEquals("hot", new String(received.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
        }

        ok("DELETE", "/api/v1/clients/sub-device/subscriptions?filter=alerts%2F%2B", null);
        assertEquals(0, get("/api/v1/clients/sub-device/subscriptions").size());
        refused(404, "DELETE", "/api/v1/clients/sub-device/subscriptions?filter=alerts%2F%2B", null, "alerts/+");
        refused(400, "DELETE", "/api/v1/clients/sub-device/subscriptions", null, "filter");
        refused(400, "POST", "/api/v1/clients/sub-device/subscriptions", "not json", "not json");
        refused(400, "POST", "/api/v1/clients/sub-device/subscriptions", "[1]", "object");
        refused(400, "POST", "/api/v1/clients/sub-device/subscriptions", "{\"filter\":\"a\",\"qso\":1}", "qso");
        refused(400, "POST", "/api/v1/clients/sub-device/subscriptions", "{\"filter\":\"a\",\"qos\":3}", "qos");
        refused(400, "POST", "/api/v1/clients/sub-device/subscriptions", "{\"filter\":\"a/#/b\"}", "filter");
        refused(400, "POST", "/api/v1/clients/sub-device/subscriptions", "{\"qos\":1}", "filter");
        refused(404, "POST", "/api/v1/clients/nobody/subscriptions", "{\"filter\":\"a\"}", "nobody");
    }

    @Test
    void shouldPublishAndManageRetainedMessages() throws Exception
    {
        final Mqtt5BlockingClient listener = connect("listener", true);
        listener.subscribeWith().topicFilter("site/#").qos(MqttQos.AT_LEAST_ONCE).send();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = listener.publishes(
            com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL))
        {
            final JsonNode routed = ok("POST", "/api/v1/publish",
                "{\"topic\":\"site/a/temp\",\"payload\":\"21.5\",\"qos\":1,\"retain\":true}");
            assertEquals(1, routed.path("matched").asInt());
            assertEquals("routed", routed.path("outcome").asText());
            final Optional<Mqtt5Publish> received = publishes.receive(5, TimeUnit.SECONDS);
            assertTrue(received.isPresent());
            assertEquals("21.5", new String(received.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
            assertEquals(MqttQos.AT_LEAST_ONCE, received.get().getQos());
        }
        final byte[] binary = {0, (byte)0xFF, 7};
        ok("POST", "/api/v1/publish", "{\"topic\":\"site/b/raw\",\"payload\":\"" +
            Base64.getEncoder().encodeToString(binary) + "\",\"encoding\":\"base64\",\"retain\":true}");
        assertEquals("no-subscribers", ok("POST", "/api/v1/publish",
            "{\"topic\":\"elsewhere\",\"payload\":\"x\"}").path("outcome").asText());

        final JsonNode list = get("/api/v1/retained?filter=site%2F%23");
        assertEquals(2, list.path("total").asInt());
        assertEquals("site/a/temp", list.path("items").get(0).path("topic").asText());
        final JsonNode one = get("/api/v1/retained/site/a/temp");
        assertEquals("21.5", one.path("payloadText").asText());
        assertEquals(1, one.path("qos").asInt());
        final JsonNode raw = get("/api/v1/retained/site/b/raw");
        assertEquals(Base64.getEncoder().encodeToString(binary), raw.path("payload").asText());
        assertTrue(raw.path("payloadText").isMissingNode(), "no text for a payload that is not UTF-8");

        ok("DELETE", "/api/v1/retained/site/a/temp", null);
        refused(404, "GET", "/api/v1/retained/site/a/temp", null, "site/a/temp");
        refused(404, "DELETE", "/api/v1/retained/site/a/temp", null, "site/a/temp");
        assertEquals(1, get("/api/v1/retained").path("total").asInt());
        refused(400, "GET", "/api/v1/retained?filter=a%2F%23%2Fb", null, "filter");

        refused(400, "POST", "/api/v1/publish", "{\"topic\":\"a/+\",\"payload\":\"x\"}", "topic");
        refused(400, "POST", "/api/v1/publish", "{\"payload\":\"x\"}", "topic");
        refused(400, "POST", "/api/v1/publish", "{\"topic\":\"a\",\"payload\":\"x\",\"encoding\":\"hex\"}",
            "encoding");
        refused(400, "POST", "/api/v1/publish", "{\"topic\":\"a\",\"payload\":\"%%\",\"encoding\":\"base64\"}",
            "base64");
        refused(400, "POST", "/api/v1/publish", "{\"topic\":\"a\",\"qos\":\"1\"}", "qos");
        refused(400, "POST", "/api/v1/publish", "{\"topic\":\"a\",\"retain\":1}", "retain");
        refused(405, "GET", "/api/v1/publish", null, "not allowed");
    }

    @Test
    void shouldDescribeTheBrokerWithSecretsMasked() throws Exception
    {
        connect("one", true);
        final JsonNode info = get("/api/v1/broker");
        assertTrue(info.path("ready").asBoolean());
        assertEquals(broker.port(), info.path("listeners").get(0).path("port").asInt());
        assertEquals(1, info.path("listeners").get(0).path("connections").asInt());
        assertTrue(info.path("jvm").path("heapMaxBytes").asLong() > 0);

        final HttpResponse<String> config = call("GET", "/api/v1/config", null);
        assertEquals(200, config.statusCode());
        assertFalse(config.body().contains(TOKEN), "the token is never shown: " + config.body());
        final JsonNode configuration = JSON.readTree(config.body());
        assertEquals("****", configuration.path("given").path("http-token").asText());
        assertEquals("false", configuration.path("effective").path("persistence").asText());

        final JsonNode metrics = get("/api/v1/metrics");
        assertTrue(metrics.path("ringmq_clients_connected").isNumber(), metrics.toString());
        assertTrue(metrics.path("ringmq_messages_dropped").has("qos0"), metrics.toString());

        final JsonNode reload = ok("POST", "/api/v1/reload", null);
        assertTrue(reload.path("changes").isArray());
        refused(405, "GET", "/api/v1/reload", null, "not allowed");
    }

    @Test
    void shouldServeEveryOperationItsOpenApiDocumentNames() throws Exception
    {
        final HttpResponse<String> document = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://" + HOST + ":" + broker.httpPort() + "/openapi.yaml")).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, document.statusCode(), "the document is open, like the dashboard's files");
        final JsonNode paths = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(document.body()).path("paths");
        int operations = 0;
        for (final java.util.Iterator<String> it = paths.fieldNames(); it.hasNext(); )
        {
            final String template = it.next();
            final String path = "/api/v1" + template.replace("{clientId}", "nobody").replace("{topic}", "no/topic")
                .replace("{logger}", "io.ringmq.test.openapi");
            for (final java.util.Iterator<String> methods = paths.path(template).fieldNames(); methods.hasNext(); )
            {
                final String method = methods.next().toUpperCase(Locale.ROOT);
                if ("PARAMETERS".equals(method))
                {
                    continue;
                }
                operations++;
                final HttpResponse<String> response = call(method, path, "{}");
                final String error = response.statusCode() < 400 ? "" : JSON.readTree(response.body()).path("error")
                    .asText();
                assertFalse(405 == response.statusCode() || error.startsWith("not found: /"),
                    method + " " + path + " is documented but not served: " + response.statusCode() + " " + error);
            }
        }
        assertTrue(operations >= 18, "operations documented: " + operations);
    }

    @Test
    void shouldChangeLoggerLevelsAtRunTime() throws Exception
    {
        final String logger = "io.ringmq.core.routing.RouterAdmin";
        final org.slf4j.Logger slf4j = org.slf4j.LoggerFactory.getLogger(logger);
        final JsonNode before = get("/api/v1/logging");
        assertTrue(before.has("ROOT"), before.toString());
        final JsonNode changed = ok("PUT", "/api/v1/logging/" + logger, "{\"level\":\"debug\"}");
        assertEquals("DEBUG", changed.path("level").asText());
        assertTrue(slf4j.isDebugEnabled(), "the level is in force");
        assertEquals("DEBUG", get("/api/v1/logging").path(logger).asText());
        ok("PUT", "/api/v1/logging/" + logger, "{\"level\":\"" + changed.path("previous").asText() + "\"}");
        assertFalse(slf4j.isDebugEnabled(), "put back as it was");
        refused(400, "PUT", "/api/v1/logging/" + logger, "{\"level\":\"LOUD\"}", "level");
        refused(400, "PUT", "/api/v1/logging/" + logger, "{}", "level");
        refused(405, "GET", "/api/v1/logging/" + logger, null, "not allowed");
    }

    private static void awaitDisconnected(final Mqtt5BlockingClient client) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (client.getState().isConnected() && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        assertFalse(client.getState().isConnected(), "the client was disconnected");
    }
}
