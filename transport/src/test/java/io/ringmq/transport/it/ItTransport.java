package io.ringmq.transport.it;

import com.hivemq.client.mqtt.MqttClientBuilderBase;
import io.ringmq.transport.config.ListenerConfig;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The transport the black-box suite runs over, chosen with the system property {@value #PROPERTY}: {@code tcp}
 * (the default), {@code tls} or {@code ws}. The build runs the protocol suite once per transport (failsafe
 * executions in transport/pom.xml), so every protocol behaviour is checked over every listener kind: the broker
 * under test gets one listener of that kind, and every client the fixture hands out (HiveMQ, Paho, the raw client,
 * mosquitto_pub/sub) speaks it.
 * <p>
 * <b>Threading:</b> the certificates are made once per test JVM, on first use, under the class lock.
 */
public enum ItTransport
{
    /** MQTT over TCP. */
    TCP,
    /** MQTT over TLS, with a server certificate of the test CA. */
    TLS,
    /** MQTT over WebSocket (path /mqtt, subprotocol mqtt). */
    WS;

    /** System property naming the transport. */
    public static final String PROPERTY = "ringmq.it.transport";
    private static final String WS_PATH = ListenerConfig.DEFAULT_WS_PATH;
    private static TestCertificates certificates;

    /** @return the transport of this test run. */
    public static ItTransport current()
    {
        return valueOf(System.getProperty(PROPERTY, "tcp").trim().toUpperCase(Locale.ROOT));
    }

    /** @return the test CA and server certificate, made on first use. */
    public static synchronized TestCertificates certificates()
    {
        if (null == certificates)
        {
            try
            {
                final Path dir = Files.createTempDirectory("ringmq-it-tls");
                dir.toFile().deleteOnExit();
                certificates = TestCertificates.create(dir);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return certificates;
    }

    /**
     * @return the broker's listener for this transport on an ephemeral port, or null for TCP (the broker's default
     *         listener).
     */
    public ListenerConfig listener()
    {
        return switch (this)
        {
            case TCP -> null;
            case TLS -> new ListenerConfig().name("it-tls").protocol(ListenerConfig.Protocol.MQTTS).port(0)
                .tls(certificates().serverTls());
            case WS -> new ListenerConfig().name("it-ws").protocol(ListenerConfig.Protocol.WS).port(0)
                .webSocketPath(WS_PATH);
        };
    }

    /**
     * @param builder a HiveMQ client builder aimed at the broker.
     * @param <B>     builder type.
     * @return the builder, speaking this transport.
     */
    public <B extends MqttClientBuilderBase<B>> B apply(final B builder)
    {
        return switch (this)
        {
            case TCP -> builder;
            case TLS -> builder.sslConfig(certificates().sslConfig().build());
            case WS -> builder.webSocketConfig().serverPath(WS_PATH.substring(1)).subprotocol("mqtt")
                .applyWebSocketConfig();
        };
    }

    /**
     * @param host host.
     * @param port port.
     * @return the Paho server URI for this transport.
     */
    public String pahoUri(final String host, final int port)
    {
        return switch (this)
        {
            case TCP -> "tcp://" + host + ":" + port;
            case TLS -> "ssl://" + host + ":" + port;
            case WS -> "ws://" + host + ":" + port + WS_PATH;
        };
    }

    /** @return the socket factory Paho must use (TLS), or null. */
    public SocketFactory pahoSocketFactory()
    {
        return this == TLS ? certificates().sslContext(null).getSocketFactory() : null;
    }

    /** @return extra arguments for mosquitto_pub/sub (they do not speak WebSocket: callers skip it). */
    public List<String> mosquittoArguments()
    {
        return this == TLS ? List.of("--cafile", certificates().caFile().toString()) : List.of();
    }

    /**
     * Streams of a raw connection over this transport.
     *
     * @param socket a connected TCP socket.
     * @param host   the host it is connected to.
     * @param port   the port.
     * @return input and output carrying the MQTT byte stream.
     * @throws IOException if the TLS handshake or the WebSocket upgrade fails.
     */
    public Streams open(final Socket socket, final String host, final int port) throws IOException
    {
        switch (this)
        {
            case TLS ->
            {
                final SSLSocket tls = (SSLSocket)certificates().sslContext(null).getSocketFactory()
                    .createSocket(socket, host, port, true);
                tls.startHandshake();
                return new Streams(tls, tls.getInputStream(), tls.getOutputStream());
            }
            case WS ->
            {
                final WebSocketClientStreams ws = WebSocketClientStreams.upgrade(socket, host + ":" + port, WS_PATH);
                return new Streams(socket, ws.input(), ws.output());
            }
            default ->
            {
                return new Streams(socket, socket.getInputStream(), socket.getOutputStream());
            }
        }
    }

    /**
     * A raw connection's streams.
     *
     * @param socket the socket to close and time out reads on (the TLS socket over TLS).
     * @param in     MQTT bytes from the broker.
     * @param out    MQTT bytes to the broker.
     */
    public record Streams(Socket socket, InputStream in, OutputStream out)
    {
    }
}
