package io.ringmq.transport.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import io.ringmq.auth.AuthResult;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.ClientInfo;
import io.ringmq.core.config.BrokerConfig;
import io.ringmq.transport.RingMqBroker;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.config.ServerConfig;
import io.ringmq.transport.config.TlsConfig;
import io.ringmq.transport.netty.Listener;
import io.ringmq.transport.tls.TlsContextFactory;
import io.ringmq.transport.tls.TlsContextHolder;

/**
 * MQTT over TLS against a broker started in-process with one listener per TLS setup, driven by the HiveMQ client
 * and by plain JDK sockets: publish/subscribe over TLS 1.3 and 1.2 on the OpenSSL and JDK providers, handshakes that
 * must fail (untrusted CA, expired certificate, wrong host name, TLS 1.0/1.1 refused by the server), mutual TLS
 * (required, optional, wrong CA, revoked, certificate CN or subject as username), and live certificate rotation
 * under load (file watch and SIGHUP) without dropping a connection or a message.
 * <p>
 * Certificates come from {@link TestCertificates} at test time. Loopback only.
 */
@Timeout(60)
class TlsIT
{
    private static final String HOST = BrokerFixture.HOST;
    private static final long TIMEOUT_MS = BrokerFixture.TIMEOUT.toMillis();
    private static final Map<String, String> USERNAMES = new ConcurrentHashMap<>();
    /** Records the username each CONNECT reaches the authentication chain with, by client identifier. */
    private static final Authenticator RECORDING = new Authenticator()
    {
        @Override
        public String name()
        {
            return "recording";
        }

        @Override
        public AuthResult authenticate(final ClientInfo client)
        {
            USERNAMES.put(client.clientId(), String.valueOf(client.username()));
            return AuthResult.allow();
        }
    };

    @TempDir
    static Path shared;
    private static TestCertificates certificates;
    private static RingMqBroker broker;

    @TempDir
    Path work;
    private final Deque<AutoCloseable> perTest = new ArrayDeque<>();

    @BeforeAll
    static void startBroker()
    {
        certificates = TestCertificates.create(shared.resolve("certificates"));
        final ServerConfig config = new ServerConfig(brokerConfig(shared.resolve("data")));
        if (TlsContextFactory.openSslAvailable())
        {
            config.addListener(mqtts("openssl", certificates.serverTls().provider(TlsConfig.Provider.OPENSSL)));
        }
        config.addListener(mqtts("jdk", certificates.serverTls().provider(TlsConfig.Provider.JDK)));
        config.addListener(mqtts("expired", new TlsConfig().certFile(certificates.expiredServer().chain().toString())
            .keyFile(certificates.expiredServer().key().toString())));
        config.addListener(mqtts("wrong-host", new TlsConfig()
            .certFile(certificates.wrongHostServer().chain().toString())
            .keyFile(certificates.wrongHostServer().key().toString())));
        config.addListener(mqtts("require", clientAuth(TlsConfig.ClientAuth.REQUIRE)));
        config.addListener(mqtts("optional", clientAuth(TlsConfig.ClientAuth.OPTIONAL)));
        config.addListener(mqtts("identity", clientAuth(TlsConfig.ClientAuth.REQUIRE).useIdentityAsUsername(true)));
        config.addListener(mqtts("subject", clientAuth(TlsConfig.ClientAuth.REQUIRE).useSubjectAsUsername(true)));
        config.addListener(mqtts("crl", clientAuth(TlsConfig.ClientAuth.REQUIRE)
            .crlFile(certificates.crlFile().toString())));
        broker = RingMqBroker.start(config, List.of(RECORDING), List.of());
    }

    @AfterAll
    static void stopBroker()
    {
        if (null != broker)
        {
            broker.close();
        }
    }

    @AfterEach
    void closeTracked()
    {
        while (!perTest.isEmpty())
        {
            try
            {
                perTest.pop().close();
            }
            catch (final Exception ignore)
            {
                // best effort: the broker may have closed the connection already
            }
        }
    }

    private static BrokerConfig brokerConfig(final Path dataDir)
    {
        return new BrokerConfig().bindAddress(HOST).port(0).eventLoops(2).dataDir(dataDir.toString())
            .sysIntervalSeconds(1);
    }

    private static ListenerConfig mqtts(final String name, final TlsConfig tls)
    {
        return new ListenerConfig().name(name).protocol(ListenerConfig.Protocol.MQTTS).port(0).tls(tls);
    }

    private static TlsConfig clientAuth(final TlsConfig.ClientAuth mode)
    {
        return certificates.serverTls().caFile(certificates.caFile().toString()).clientAuth(mode);
    }

    private static Listener listener(final RingMqBroker on, final String name)
    {
        for (final Listener listener : on.listeners())
        {
            if (listener.name().equals(name))
            {
                return listener;
            }
        }
        throw new IllegalArgumentException("no listener " + name);
    }

    private static String uniqueId(final String name)
    {
        return name + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    }

    private Mqtt5BlockingClient connect(final int port, final String id, final MqttClientSslConfig ssl)
    {
        final Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost(HOST)
            .serverPort(port).sslConfig(ssl).buildBlocking();
        client.connect();
        perTest.push(client::disconnect);
        return client;
    }

    private void assertConnectFails(final int port, final MqttClientSslConfig ssl)
    {
        final Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(uniqueId("refused"))
            .serverHost(HOST).serverPort(port).sslConfig(ssl).buildBlocking();
        assertThrows(RuntimeException.class, client::connect);
    }

    private static void await(final BooleanSupplier condition, final String what)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static void assertHandshakeFailureCounted(final Listener listener, final long before)
    {
        await(() -> listener.tlsHandshakeFailures() > before, "listener " + listener.name() +
            " to count a TLS handshake failure");
    }

    /**
     * A JDK handshake, returning the certificate the server presented.
     */
    private static X509Certificate handshake(final int port, final SSLContext context, final String protocol,
        final boolean verifyHostName) throws IOException
    {
        try (SSLSocket socket = (SSLSocket)context.getSocketFactory().createSocket())
        {
            socket.connect(new InetSocketAddress(HOST, port), (int)TIMEOUT_MS);
            socket.setSoTimeout((int)TIMEOUT_MS);
            final SSLParameters parameters = socket.getSSLParameters();
            if (null != protocol)
            {
                parameters.setProtocols(new String[] {protocol});
            }
            if (verifyHostName)
            {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            if (null != protocol)
            {
                assertEquals(protocol, socket.getSession().getProtocol());
            }
            return (X509Certificate)socket.getSession().getPeerCertificates()[0];
        }
    }

    private static BigInteger serialSeenOn(final int port) throws IOException
    {
        return handshake(port, certificates.sslContext(null), null, false).getSerialNumber();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Publish/subscribe over TLS
    // ---------------------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"openssl, TLSv1.3", "openssl, TLSv1.2", "jdk, TLSv1.3", "jdk, TLSv1.2"})
    void shouldPublishAndSubscribeOverTls(final String provider, final String protocol) throws Exception
    {
        Assumptions.assumeTrue(!"openssl".equals(provider) || TlsContextFactory.openSslAvailable(),
            "netty-tcnative does not load here");
        final int port = broker.port(provider);
        assertEquals(certificates.server().serial(),
            handshake(port, certificates.sslContext(null), protocol, true).getSerialNumber(),
            "the JDK client negotiates " + protocol + " and verifies the host name");

        final MqttClientSslConfig ssl = certificates.sslConfig().protocols(List.of(protocol)).build();
        final String topic = "tls/" + uniqueId(provider + "-" + protocol);
        final Mqtt5BlockingClient subscriber = connect(port, uniqueId("sub"), ssl);
        final Mqtt5BlockingClient publisher = connect(port, uniqueId("pub"), ssl);
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL))
        {
            subscriber.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 10; i++)
            {
                publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("m" + i).getBytes(StandardCharsets.UTF_8)).send();
            }
            for (int i = 0; i < 10; i++)
            {
                final Mqtt5Publish received = publishes.receive(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .orElseThrow(() -> new AssertionError("message missing over " + protocol));
                assertEquals("m" + i, new String(received.getPayloadAsBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Handshakes that must fail
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldFailWhenClientDoesNotTrustTheServersCa()
    {
        final Listener jdk = listener(broker, "jdk");
        final long before = jdk.tlsHandshakeFailures();
        assertConnectFails(jdk.port(), MqttClientSslConfig.builder()
            .trustManagerFactory(TestCertificates.trustManagerFactory(certificates.otherCaFile())).build());
        assertHandshakeFailureCounted(jdk, before);
    }

    @Test
    void shouldFailWithExpiredServerCertificate()
    {
        final Listener expired = listener(broker, "expired");
        final long before = expired.tlsHandshakeFailures();
        assertConnectFails(expired.port(), certificates.sslConfig().build());
        assertHandshakeFailureCounted(expired, before);
    }

    @Test
    void shouldFailWithWrongHostNameWhenClientVerifiesIt() throws IOException
    {
        final Listener wrongHost = listener(broker, "wrong-host");
        assertConnectFails(wrongHost.port(), certificates.sslConfig().build());
        assertThrows(IOException.class, () -> handshake(wrongHost.port(), certificates.sslContext(null), null, true));

        // Trust alone is fine: the same certificate passes when the client skips the name check.
        // (The HiveMQ client cannot show this: on Netty 4.2 its SslContext verifies the host name whatever the
        // hostnameVerifier says.)
        assertEquals(certificates.wrongHostServer().serial(),
            handshake(wrongHost.port(), certificates.sslContext(null), null, false).getSerialNumber());
    }

    @ParameterizedTest(name = "{0} client on {1}")
    @CsvSource({"TLSv1, jdk", "TLSv1.1, jdk", "TLSv1, openssl", "TLSv1.1, openssl"})
    void shouldRefuseTls10And11Clients(final String version, final String provider) throws IOException
    {
        Assumptions.assumeTrue(!"openssl".equals(provider) || TlsContextFactory.openSslAvailable(),
            "netty-tcnative does not load here");
        final Listener listener = listener(broker, provider);
        final long before = listener.tlsHandshakeFailures();
        // A hand-made ClientHello offering only the old version, so that no client-side policy can refuse first:
        // the answer must be the server's fatal alert.
        final int minor = "TLSv1".equals(version) ? 1 : 2;
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(HOST, listener.port()), (int)TIMEOUT_MS);
            socket.setSoTimeout((int)TIMEOUT_MS);
            final OutputStream out = socket.getOutputStream();
            out.write(clientHello(minor));
            out.flush();
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final int contentType = in.readUnsignedByte();
            in.readUnsignedShort();  // record version
            final int length = in.readUnsignedShort();
            assertEquals(21, contentType, "a TLS alert record, not a ServerHello");
            assertTrue(length >= 2);
            final int level = in.readUnsignedByte();
            final int description = in.readUnsignedByte();
            assertEquals(2, level, "fatal");
            assertTrue(70 == description || 40 == description,
                "protocol_version (70) or handshake_failure (40): " + description);
            System.out.println("TlsIT: " + version + " ClientHello to the " + provider + " listener: fatal alert " +
                description);
        }
        assertHandshakeFailureCounted(listener, before);
    }

    /** A TLS 1.0 or 1.1 ClientHello with RSA and ECDHE-RSA CBC suites, no extensions. */
    private static byte[] clientHello(final int minor)
    {
        final int[] suites = {0xC013, 0xC014, 0x002F, 0x0035};
        final int bodyLength = 2 + 32 + 1 + 2 + suites.length * 2 + 2;
        final int handshakeLength = 4 + bodyLength;
        final byte[] hello = new byte[5 + handshakeLength];
        int i = 0;
        hello[i++] = 22;  // handshake
        hello[i++] = 3;
        hello[i++] = 1;
        hello[i++] = (byte)(handshakeLength >> 8);
        hello[i++] = (byte)handshakeLength;
        hello[i++] = 1;  // ClientHello
        hello[i++] = 0;
        hello[i++] = (byte)(bodyLength >> 8);
        hello[i++] = (byte)bodyLength;
        hello[i++] = 3;
        hello[i++] = (byte)minor;
        final byte[] random = new byte[32];
        ThreadLocalRandom.current().nextBytes(random);
        System.arraycopy(random, 0, hello, i, random.length);
        i += random.length;
        hello[i++] = 0;  // no session id
        hello[i++] = 0;
        hello[i++] = (byte)(suites.length * 2);
        for (final int suite : suites)
        {
            hello[i++] = (byte)(suite >> 8);
            hello[i++] = (byte)suite;
        }
        hello[i++] = 1;  // one compression method: null
        hello[i] = 0;
        return hello;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Mutual TLS
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldRequireClientCertificateFromTheRightCa()
    {
        final Listener require = listener(broker, "require");
        final long before = require.tlsHandshakeFailures();
        assertConnectFails(require.port(), certificates.sslConfig().build());
        assertHandshakeFailureCounted(require, before);

        final long beforeOtherCa = require.tlsHandshakeFailures();
        assertConnectFails(require.port(), certificates.sslConfig().keyManagerFactory(
            TestCertificates.keyManagerFactoryIgnoringIssuers(certificates.otherCaClient())).build());
        assertHandshakeFailureCounted(require, beforeOtherCa);

        connect(require.port(), uniqueId("device"), certificates.sslConfig(certificates.client()).build());
    }

    @Test
    void shouldAcceptClientsWithAndWithoutCertificateWhenOptional()
    {
        final int port = broker.port("optional");
        connect(port, uniqueId("anonymous"), certificates.sslConfig().build());
        connect(port, uniqueId("device"), certificates.sslConfig(certificates.client()).build());
        // A certificate that is given is still checked. (A plain client would not even send it: its issuer is not
        // among the CAs the server asks for.)
        connect(port, uniqueId("other-ca-not-sent"), certificates.sslConfig().keyManagerFactory(
            TestCertificates.keyManagerFactory(certificates.otherCaClient())).build());
        assertConnectFails(port, certificates.sslConfig().keyManagerFactory(
            TestCertificates.keyManagerFactoryIgnoringIssuers(certificates.otherCaClient())).build());
    }

    @Test
    void shouldGiveTheAuthenticatorTheCertificateCnAsUsername()
    {
        final String id = uniqueId("identity");
        final Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost(HOST)
            .serverPort(broker.port("identity")).sslConfig(certificates.sslConfig(certificates.client()).build())
            .buildBlocking();
        client.connectWith().simpleAuth().username("spoofed").password(new byte[] {1}).applySimpleAuth().send();
        perTest.push(client::disconnect);
        assertEquals("device-1", USERNAMES.get(id), "the CN replaces the CONNECT username");
    }

    @Test
    void shouldGiveTheAuthenticatorTheCertificateSubjectAsUsername()
    {
        final String id = uniqueId("subject");
        final Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost(HOST)
            .serverPort(broker.port("subject")).sslConfig(certificates.sslConfig(certificates.client2()).build())
            .buildBlocking();
        client.connect();
        perTest.push(client::disconnect);
        assertEquals("CN=device-2,O=" + TestCertificates.ORGANISATION, USERNAMES.get(id));
        assertEquals(certificates.client2().subject(), USERNAMES.get(id));
    }

    @Test
    void shouldRefuseRevokedClientCertificate()
    {
        final Listener crl = listener(broker, "crl");
        final long before = crl.tlsHandshakeFailures();
        assertConnectFails(crl.port(), certificates.sslConfig(certificates.revokedClient()).build());
        assertHandshakeFailureCounted(crl, before);

        connect(crl.port(), uniqueId("not-revoked"), certificates.sslConfig(certificates.client2()).build());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Live reload
    // ---------------------------------------------------------------------------------------------------------------

    private RingMqBroker startLiveBroker(final Path certFile, final Path keyFile, final int watchIntervalMs)
        throws IOException
    {
        Files.copy(certificates.server().chain(), certFile);
        Files.copy(certificates.server().key(), keyFile);
        final ServerConfig config = new ServerConfig(brokerConfig(work.resolve("data")));
        config.addListener(mqtts("live", new TlsConfig().certFile(certFile.toString()).keyFile(keyFile.toString())
            .watchIntervalMs(watchIntervalMs)));
        final RingMqBroker live = RingMqBroker.start(config);
        perTest.addLast(live);  // closed after the clients
        return live;
    }

    @Test
    @Timeout(90)
    void shouldRotateCertificateUnderLoadWithoutDroppingConnections() throws Exception
    {
        final Path certFile = work.resolve("chain.pem");
        final Path keyFile = work.resolve("key.pem");
        final TestCertificates.Issued first = certificates.issueServer("rotation-1");
        final TestCertificates.Issued second = certificates.issueServer("rotation-2");
        final RingMqBroker live = startLiveBroker(certFile, keyFile, 100);
        final int port = live.port("live");
        final TlsContextHolder holder = listener(live, "live").tls();

        try (Traffic traffic = new Traffic(port, 40))
        {
            traffic.start();
            await(() -> traffic.rounds() >= 5, "traffic to flow");

            // 1. key then certificate, each moved into place atomically, one right after the other.
            final long reloadsBefore = holder.reloads();
            TestCertificates.replaceAtomically(first.key(), keyFile);
            TestCertificates.replaceAtomically(first.chain(), certFile);
            await(() -> first.serial().equals(holder.certificate().getSerialNumber()), "the first rotation");
            assertTrue(holder.reloads() > reloadsBefore);
            int newHandshakes = 0;
            for (int i = 0; i < 10; i++)
            {
                newHandshakes += first.serial().equals(serialSeenOn(port)) ? 1 : 0;
            }
            assertEquals(10, newHandshakes, "new handshakes present the new certificate");
            connect(port, uniqueId("after-rotation"), certificates.sslConfig().build());

            // 2. certificate first, key second: refused while they do not match, taken once they do.
            final long failuresBefore = holder.reloadFailures();
            TestCertificates.replaceAtomically(second.chain(), certFile);
            await(() -> holder.reloadFailures() > failuresBefore, "the mismatched pair to be refused");
            assertEquals(first.serial(), serialSeenOn(port), "the good material stays in use");
            TestCertificates.replaceAtomically(second.key(), keyFile);
            await(() -> second.serial().equals(holder.certificate().getSerialNumber()), "the second rotation");
            assertEquals(second.serial(), serialSeenOn(port));

            // 3. a broken key: refused, counted, the previous good certificate stays.
            final long failuresBeforeBroken = holder.reloadFailures();
            final Path broken = work.resolve("broken.key");
            Files.writeString(broken, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
            TestCertificates.replaceAtomically(broken, keyFile);
            await(() -> holder.reloadFailures() > failuresBeforeBroken, "the broken key to be refused");
            assertEquals(second.serial(), serialSeenOn(port));
            assertEquals(second.serial(), holder.certificate().getSerialNumber());

            final long roundsAfterRotations = traffic.rounds();
            await(() -> traffic.rounds() >= roundsAfterRotations + 5, "traffic after the rotations");
            traffic.stopAndAwait();

            System.out.println("TlsIT rotation: " + traffic.connectedCount() + "/" + traffic.clients() +
                " connections kept through 2 rotations and 1 refused reload, " + traffic.disconnects() +
                " disconnects; " + traffic.acknowledged() + " QoS 1 messages acknowledged, " + traffic.received() +
                " received; " + newHandshakes + "/10 new handshakes with the new certificate; holder reloads " +
                holder.reloads() + ", refused " + holder.reloadFailures());
            assertEquals(0, traffic.disconnects(), "no client was disconnected");
            assertEquals(traffic.clients(), traffic.connectedCount());
            assertEquals(traffic.acknowledged(), traffic.received(), "every acknowledged message arrived");
            assertTrue(traffic.acknowledged() > 0);
        }
    }

    @Test
    void shouldReloadOnRequestOnlyWhenWatchIsOff() throws IOException
    {
        final Path certFile = work.resolve("chain.pem");
        final Path keyFile = work.resolve("key.pem");
        final TestCertificates.Issued next = certificates.issueServer("sighup");
        final RingMqBroker live = startLiveBroker(certFile, keyFile, 0);
        final int port = live.port("live");
        final TlsContextHolder holder = listener(live, "live").tls();

        TestCertificates.replaceAtomically(next.key(), keyFile);
        TestCertificates.replaceAtomically(next.chain(), certFile);
        assertEquals(certificates.server().serial(), serialSeenOn(port), "no file watch: nothing changes by itself");

        live.reloadTls();  // what SIGHUP calls
        assertEquals(1, holder.reloads());
        assertEquals(next.serial(), serialSeenOn(port));

        Files.writeString(keyFile, "garbage\n", StandardCharsets.US_ASCII);
        live.reloadTls();
        assertEquals(1, holder.reloadFailures());
        assertEquals(next.serial(), serialSeenOn(port), "the previous good certificate stays");
    }

    /**
     * N TLS clients each publishing QoS 1 to its own topic and receiving it back, in rounds (every client one
     * message, then all acknowledgements awaited), on one thread, bounded in rounds and time.
     */
    private final class Traffic implements AutoCloseable
    {
        private static final int MAX_ROUNDS = 3_000;
        private static final long MAX_DURATION_MS = 45_000;

        private final List<Mqtt5AsyncClient> clients = new ArrayList<>();
        private final AtomicLong disconnects = new AtomicLong();
        private final AtomicLong received = new AtomicLong();
        private final AtomicLong acknowledged = new AtomicLong();
        private final AtomicLong rounds = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final ExecutorService executor = Executors.newSingleThreadExecutor();
        private final MqttClientSslConfig ssl = certificates.sslConfig().build();
        private final int port;
        private final int count;
        private Future<?> loop;

        Traffic(final int port, final int count)
        {
            this.port = port;
            this.count = count;
        }

        void start() throws Exception
        {
            final String run = uniqueId("rot");
            final List<CompletableFuture<?>> ready = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                final Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(run + "-" + i)
                    .serverHost(HOST).serverPort(port).sslConfig(ssl)
                    .addDisconnectedListener(context -> disconnects.incrementAndGet()).buildAsync();
                clients.add(client);
                final String topic = "rotation/" + run + "/" + i;
                ready.add(client.connect().thenCompose(ack -> client.subscribeWith().topicFilter(topic)
                    .qos(MqttQos.AT_LEAST_ONCE).callback(publish -> received.incrementAndGet()).send()));
            }
            CompletableFuture.allOf(ready.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            loop = executor.submit(() -> run(run));
        }

        private Void run(final String run) throws Exception
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_DURATION_MS);
            final byte[] payload = new byte[64];
            final List<CompletableFuture<?>> acks = new ArrayList<>(count);
            for (int round = 0; round < MAX_ROUNDS && !stop.get() && System.nanoTime() - deadlineNs < 0; round++)
            {
                acks.clear();
                for (int i = 0; i < count; i++)
                {
                    acks.add(clients.get(i).publishWith().topic("rotation/" + run + "/" + i)
                        .qos(MqttQos.AT_LEAST_ONCE).payload(payload).send());
                }
                for (final CompletableFuture<?> ack : acks)
                {
                    ack.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    acknowledged.incrementAndGet();
                }
                rounds.incrementAndGet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            return null;
        }

        long rounds()
        {
            return rounds.get();
        }

        void stopAndAwait() throws Exception
        {
            stop.set(true);
            loop.get(30, TimeUnit.SECONDS);
            await(() -> received.get() >= acknowledged.get(), "every acknowledged message to arrive");
        }

        int clients()
        {
            return count;
        }

        long connectedCount()
        {
            long connected = 0;
            for (final Mqtt5AsyncClient client : clients)
            {
                connected += client.getState().isConnected() ? 1 : 0;
            }
            return connected;
        }

        long disconnects()
        {
            return disconnects.get();
        }

        long received()
        {
            return received.get();
        }

        long acknowledged()
        {
            return acknowledged.get();
        }

        @Override
        public void close()
        {
            stop.set(true);
            executor.shutdownNow();
            final List<CompletableFuture<?>> closing = new ArrayList<>();
            for (final Mqtt5AsyncClient client : clients)
            {
                if (client.getState().isConnected())
                {
                    closing.add(client.disconnect());
                }
            }
            try
            {
                executor.awaitTermination(10, TimeUnit.SECONDS);
                CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            catch (final ExecutionException | TimeoutException ex)
            {
                // best effort: the test has its verdict already
            }
        }
    }
}
