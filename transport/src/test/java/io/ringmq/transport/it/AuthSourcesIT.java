package io.ringmq.transport.it;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.ringmq.core.SuppressForbidden;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.auth.password.PasswdCommand;
import io.ringmq.transport.auth.scram.ScramTestClient;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in sources as an operator configures them, with real files and real clients: a Mosquitto password file
 * and ACL file (every rule form; PUBLISH, SUBSCRIBE, retained messages, wills; MQTT 5 reason codes and 3.1.1
 * behaviour; live reload of both files, and a broken file that keeps the old rules), SCRAM-SHA-256 through the AUTH
 * exchange against a client written from the RFC, a JWT with an ACL claim, and an HTTP hook (allow, deny, and a
 * service slower than its timeout), all in one chain.
 */
@Timeout(90)
@SuppressForbidden(reason = "com.sun.net.httpserver: the identity service of the HTTP hook, in the test")
class AuthSourcesIT
{
    private static final String HOST = BrokerFixture.HOST;
    private static final Duration TIMEOUT = BrokerFixture.TIMEOUT;
    private static final Duration ABSENT = Duration.ofMillis(400);
    private static final int V5 = PacketBuilder.MQTT_5;
    private static final int V3 = PacketBuilder.MQTT_3_1_1;
    private static final String ACL = String.join("\n",
        "# anonymous clients: nothing",
        "user root",
        "topic readwrite #",
        "user alice",
        "topic readwrite alice/#",
        "topic read public/#",
        "topic deny alice/secret/#",
        "user bob",
        "topic write public/#",
        "pattern readwrite clients/%c/#",
        "pattern read users/%u/inbox",
        "");

    @TempDir
    static Path dir;
    private static Path passwords;
    private static Path acl;
    private static KeyPair jwtKey;
    private static HttpServer hook;
    private static RingMqBroker broker;

    @BeforeAll
    static void start() throws Exception
    {
        passwords = dir.resolve("passwd");
        passwd("-c", "-b", passwords.toString(), "root", "root-pw");
        passwd("-b", passwords.toString(), "alice", "alice-pw");
        passwd("-b", passwords.toString(), "bob", "bob-pw");
        final Path scram = dir.resolve("scram");
        passwd("--scram", "-c", "-b", scram.toString(), "sam", "pencil");
        acl = dir.resolve("acl");
        Files.writeString(acl, ACL);

        final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        jwtKey = generator.generateKeyPair();
        final Path publicKey = dir.resolve("jwt.pem");
        Files.writeString(publicKey, "-----BEGIN PUBLIC KEY-----\n" +
            Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(
            jwtKey.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");

        hook = HttpServer.create(new InetSocketAddress(HOST, 0), 0);
        hook.createContext("/auth", exchange ->
        {
            final String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (request.contains("\"username\":\"slow\""))
            {
                sleep(1_500);
            }
            // Users of the hook's own service: the rest are left to the next source (or the anonymous rule).
            final boolean known = request.contains("\"username\":\"hooked\"") ||
                request.contains("\"username\":\"slow\"");
            final String answer = !known ? "{\"result\":\"ignore\"}" :
                request.contains("\"password\":\"letmein\"") ? "{\"result\":\"allow\"}" : "{\"result\":\"deny\"}";
            final byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        hook.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        hook.start();

        final ServerConfig config = new ServerConfig(new BrokerConfig().bindAddress(HOST).port(0).eventLoops(2)
            .dataDir(dir.resolve("data").toString()).persistence("false").sysIntervalSeconds(0));
        config.set("password-file", passwords.toString());
        config.set("acl-file", acl.toString());
        config.set("scram-file", scram.toString());
        config.set("auth-watch-interval", "100");
        config.set("jwt-public-keys", publicKey.toString());
        config.set("jwt-client-id-claim", "sub");
        config.set("jwt-acl-claim", "acl");
        config.set("http-auth-url", "http://" + HOST + ":" + hook.getAddress().getPort() + "/auth");
        config.set("http-auth-timeout", "500");
        broker = RingMqBroker.start(config);
    }

    @AfterAll
    static void stop()
    {
        if (null != broker)
        {
            broker.close();
        }
        if (null != hook)
        {
            hook.stop(0);
        }
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void passwd(final String... args)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status = PasswdCommand.run(args, new ByteArrayInputStream(new byte[0]),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
    }

    private static RawMqttClient client(final int version, final String clientId, final String user,
        final String password, final int expectedReason) throws IOException
    {
        final RawMqttClient client = new RawMqttClient(HOST, broker.port());
        final RawPacket connack = client.connect(RawPackets.connect(version, clientId).credentials(user, password)
            .build());
        assertEquals(expectedReason, connack.reasonCode(), clientId + " as " + user);
        return client;
    }

    private static void subscribe(final RawMqttClient client, final int version, final String filter,
        final int expected) throws IOException
    {
        client.send(RawPackets.subscribe(version, 1, filter, 0, null));
        assertEquals(List.of(expected), client.expect(RawPackets.SUBACK).subAckCodes(version), filter);
    }

    private static void publish(final RawMqttClient client, final int version, final String topic,
        final int expectedPuback) throws IOException
    {
        client.send(RawPackets.publish(version, 1, topic, 9, "m:" + topic));
        final int reason = client.expect(RawPackets.PUBACK).reasonCode();
        // 0x10 (no matching subscribers) is a success too.
        assertEquals(expectedPuback, reason == 0x10 ? 0 : reason, "PUBACK for " + topic);
    }

    private static String received(final RawMqttClient client, final Duration wait) throws IOException
    {
        final RawPacket packet = client.poll(wait);
        return null == packet ? null : packet.publish(V5).topic();
    }

    @Test
    void shouldApplyPasswordsAndEveryAclRuleFormWithMqtt5ReasonCodes() throws Exception
    {
        client(V5, "x1", "alice", "wrong", 0x86).close();
        client(V5, "x2", "nobody", "x", 0x86).close();
        client(V5, "x3", null, null, 0x87).close();
        try (RawMqttClient root = client(V5, "root-1", "root", "root-pw", 0);
            RawMqttClient alice = client(V5, "alice-1", "alice", "alice-pw", 0);
            RawMqttClient bob = client(V5, "c9", "bob", "bob-pw", 0);
            RawMqttClient rootPublisher = client(V5, "root-1p", "root", "root-pw", 0))
        {
            subscribe(root, V5, "#", 0);
            publish(alice, V5, "alice/x", 0);
            assertEquals("alice/x", received(root, TIMEOUT));
            publish(alice, V5, "bob/x", 0x87);
            publish(alice, V5, "alice/secret/x", 0x87);     // deny overrides the readwrite alice/#
            publish(bob, V5, "public/news", 0);
            publish(bob, V5, "clients/c9/state", 0);          // pattern %c
            publish(bob, V5, "clients/c8/state", 0x87);
            assertEquals("public/news", received(root, TIMEOUT));
            assertEquals("clients/c9/state", received(root, TIMEOUT));
            assertNull(received(root, ABSENT), "nothing refused was routed");

            subscribe(alice, V5, "bob/#", 0x87);
            subscribe(bob, V5, "public/#", 0x87);            // write-only
            subscribe(bob, V5, "users/bob/inbox", 0);         // pattern %u
            subscribe(alice, V5, "alice/#", 0);               // covers the denied alice/secret: checked per delivery
            publish(rootPublisher, V5, "alice/secret/plan", 0);
            publish(rootPublisher, V5, "alice/open", 0);
            assertEquals("alice/open", received(alice, TIMEOUT));
            assertNull(received(alice, ABSENT), "alice/secret/plan is not delivered through alice/#");
        }
    }

    @Test
    void shouldDropRefusedPublishesOfMqtt311ClientsAndRefuseSubscriptionsWith0x80() throws Exception
    {
        client(V3, "y1", "alice", "wrong", 4).close();
        client(V3, "y2", null, null, 5).close();
        try (RawMqttClient root = client(V5, "root-2", "root", "root-pw", 0);
            RawMqttClient alice = client(V3, "alice-2", "alice", "alice-pw", 0))
        {
            subscribe(root, V5, "bob/#", 0);
            publish(alice, V3, "bob/x", 0);                   // acknowledged, as Mosquitto does, and dropped
            assertNull(received(root, ABSENT));
            subscribe(alice, V3, "bob/#", 0x80);
        }
    }

    @Test
    void shouldNeverSendARetainedMessageTheClientMayNotReadAndRefuseAForbiddenWill() throws Exception
    {
        try (RawMqttClient root = client(V5, "root-3", "root", "root-pw", 0))
        {
            root.send(RawPackets.publish(V5, 1, true, false, "alice/secret/retained", 3,
                "x".getBytes(StandardCharsets.UTF_8), null));
            root.expect(RawPackets.PUBACK);
            root.send(RawPackets.publish(V5, 1, true, false, "alice/open/retained", 4,
                "y".getBytes(StandardCharsets.UTF_8), null));
            root.expect(RawPackets.PUBACK);
        }
        try (RawMqttClient alice = client(V5, "alice-3", "alice", "alice-pw", 0))
        {
            subscribe(alice, V5, "alice/#", 0);
            assertEquals("alice/open/retained", received(alice, TIMEOUT));
            assertNull(received(alice, ABSENT), "the retained alice/secret message stays with the broker");
        }
        try (RawMqttClient will = new RawMqttClient(HOST, broker.port()))
        {
            final RawPacket connack = will.connect(RawPackets.connect(V5, "alice-will")
                .credentials("alice", "alice-pw").will("bob/will", "bye", 0, false, null).build());
            assertEquals(0x87, connack.reasonCode(), "a will on a topic alice may not publish");
        }
    }

    @Test
    void shouldFollowReloadedFilesAndKeepTheOldRulesWhenANewFileIsBroken() throws Exception
    {
        try (RawMqttClient alice = client(V5, "alice-4", "alice", "alice-pw", 0))
        {
            publish(alice, V5, "reload/x", 0x87);
            Files.writeString(acl, ACL + "user alice\ntopic write reload/#\n");
            awaitPuback(alice, "reload/x", 0);               // the connected client, at its next operation

            Files.writeString(acl, "topic nonsense-access x\nuser\n");
            final List<String> changes = broker.reload();   // what SIGHUP does, answered with what happened
            assertTrue(changes.stream().anyMatch(line -> line.startsWith("acl-file: refused")), changes.toString());
            publish(alice, V5, "reload/x", 0);                // refused file: the previous rules stay
            Files.writeString(acl, ACL);
            awaitPuback(alice, "reload/x", 0x87);
        }
        client(V5, "carol-1", "carol", "carol-pw", 0x86).close();
        passwd("-b", passwords.toString(), "carol", "carol-pw");
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int reason;
        do
        {
            sleep(100);
            try (RawMqttClient carol = new RawMqttClient(HOST, broker.port()))
            {
                reason = carol.connect(RawPackets.connect(V5, "carol-2").credentials("carol", "carol-pw").build())
                    .reasonCode();
            }
        }
        while (0 != reason && System.nanoTime() < deadline);
        assertEquals(0, reason, "a user added to the password file connects without a restart");
    }

    private static void awaitPuback(final RawMqttClient client, final String topic, final int expected)
        throws IOException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int reason;
        do
        {
            sleep(100);
            client.send(RawPackets.publish(V5, 1, topic, 9, "r"));
            final int code = client.expect(RawPackets.PUBACK).reasonCode();
            reason = code == 0x10 ? 0 : code;
        }
        while (reason != expected && System.nanoTime() < deadline);
        assertEquals(expected, reason, "PUBACK for " + topic + " after the reload");
    }

    @Test
    void shouldAuthenticateWithScramThroughTheAuthExchange() throws Exception
    {
        for (final String password : new String[] {"pencil", "pen"})
        {
            final ScramTestClient scram = new ScramTestClient("SCRAM-SHA-256", "sam", password, "fyko+d2lbbFgONRv9qkx");
            try (RawMqttClient client = new RawMqttClient(HOST, broker.port()))
            {
                client.send(RawPackets.connect(V5, "sam-1").properties(new PacketBuilder()
                    .stringProperty(0x15, "SCRAM-SHA-256").binaryProperty(0x16, scram.clientFirst())).build());
                final RawPacket challenge = client.expect(RawPackets.AUTH);
                assertEquals(0x18, challenge.reasonCode());
                final byte[] clientFinal = scram.clientFinal(challenge.properties().binary(0x16));
                client.send(new PacketBuilder().u8(0x18).properties(new PacketBuilder()
                    .stringProperty(0x15, "SCRAM-SHA-256").binaryProperty(0x16, clientFinal)).packet(0xF0));
                final RawPacket connack = client.expect(RawPackets.CONNACK);
                if ("pencil".equals(password))
                {
                    assertEquals(0, connack.reasonCode());
                    assertTrue(scram.verifyServerFinal(connack.properties().binary(0x16)), "server signature");
                    assertEquals("SCRAM-SHA-256", connack.properties().string(0x15));
                }
                else
                {
                    assertEquals(0x86, connack.reasonCode(), "wrong SCRAM password");
                }
            }
        }
    }

    @Test
    void shouldAuthenticateAJwtAndApplyItsAclClaim() throws Exception
    {
        final String good = token("dev-42", Date.from(java.time.Instant.now().plusSeconds(60)));
        try (RawMqttClient device = client(V5, "dev-42", "device", good, 0))
        {
            publish(device, V5, "jwt/dev-42/telemetry", 0);
            publish(device, V5, "jwt/dev-43/telemetry", 0x87);
        }
        client(V5, "dev-42", "device", token("dev-42", Date.from(java.time.Instant.now().minusSeconds(120))),
            0x86).close();
        client(V5, "dev-41", "device", good, 0x86).close();   // sub claim names another client
    }

    private static String token(final String subject, final Date expiry) throws Exception
    {
        final JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).expirationTime(expiry)
            .claim("acl", List.of(Map.of("permission", "allow", "action", "all", "topic", "jwt/%c/#"))).build();
        final SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        jwt.sign(new RSASSASigner((RSAPrivateKey)jwtKey.getPrivate()));
        return jwt.serialize();
    }

    @Test
    void shouldAskTheHttpHookForUsersNoFileKnowsAndFailClosedWhenItIsSlow() throws Exception
    {
        try (RawMqttClient hooked = client(V5, "h1", "hooked", "letmein", 0))
        {
            publish(hooked, V5, "clients/h1/x", 0);           // the ACL file's patterns apply to hook users too
            publish(hooked, V5, "alice/x", 0x87);
        }
        client(V5, "h2", "hooked", "nope", 0x86).close();
        client(V5, "h3", "slow", "letmein", 0x88).close();  // the service answered after the 500 ms timeout
    }
}
