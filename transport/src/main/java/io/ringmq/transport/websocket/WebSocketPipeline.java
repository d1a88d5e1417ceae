package io.ringmq.transport.websocket;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.ringmq.transport.config.ListenerConfig;

/**
 * The handlers that carry MQTT over WebSocket (MQTT 5 and 3.1.1, section 6): an HTTP codec that only has to read the
 * upgrade request, a check of that request ({@link UpgradeRequestHandler}: path, version, the {@code mqtt}
 * subprotocol), Netty's WebSocket protocol handler (handshake, masking, Ping/Pong, the close handshake, frame size)
 * and {@link WebSocketFrameHandler}, which turns binary frames into the plain {@code ByteBuf} byte stream the MQTT
 * handler reads and the {@code ByteBuf}s it writes into binary frames. So after these handlers a WebSocket connection
 * looks like a TCP one and there is one MQTT code path.
 * <p>
 * Pipeline after {@link #addTo}, from the socket (or the {@code SslHandler} of a wss listener) inwards:
 * <pre>
 *   ws-http-codec        HttpServerCodec          removed by the handshake
 *   ws-http-aggregator   HttpObjectAggregator     removed by the handshake
 *   ws-upgrade-check     UpgradeRequestHandler    removes itself when it lets an upgrade request through
 *   (Netty's handshake handler, added by the protocol handler; removes itself)
 *   ws-protocol          WebSocketServerProtocolHandler
 *   ws-frames            WebSocketFrameHandler
 *   ... then the MQTT handler, added by the caller
 * </pre>
 * <p>
 * <b>Threading:</b> stateless; {@link #addTo} runs wherever the channel initialiser runs (the channel's event loop).
 */
public final class WebSocketPipeline
{
    /**
     * Subprotocols accepted, as Netty's handshaker takes them. MQTT 5 and 3.1.1 section 6.0: the client offers
     * {@code mqtt}; MQTT.js and Paho offer {@code mqttv3.1} for MQTT 3.1. The first the client offers that is here
     * is selected (Netty compares tokens exactly, case included).
     */
    public static final String SUBPROTOCOLS = "mqtt,mqttv3.1,mqttv3.1.1";
    /**
     * Bytes a frame's payload may hold beyond the maximum packet size: a client may join a few small packets to a
     * packet of the maximum size in one frame (the MQTT handler still checks each packet against the maximum).
     */
    public static final int FRAME_PAYLOAD_SLACK = 1024;
    /** Longest HTTP request line read: the path must match exactly, so this only has to hold the method and path. */
    public static final int MAX_INITIAL_LINE_LENGTH = 2048;
    /** Most bytes of HTTP headers read: browsers send cookies with the upgrade request. */
    public static final int MAX_HEADER_SIZE = 8192;
    /** Most bytes of an HTTP body read: the upgrade request has none. */
    public static final int MAX_HTTP_CONTENT_LENGTH = 8192;
    /**
     * Time a Close frame has to be written once one was sent, before Netty's protocol handler closes the channel
     * anyway (a client that stops reading cannot hold the connection).
     */
    public static final long CLOSE_FRAME_TIMEOUT_MS = 10_000;

    /** Name of the HTTP codec in the pipeline. */
    public static final String HTTP_CODEC_NAME = "ws-http-codec";
    /** Name of the HTTP aggregator in the pipeline. */
    public static final String HTTP_AGGREGATOR_NAME = "ws-http-aggregator";
    /** Name of the upgrade request check in the pipeline. */
    public static final String UPGRADE_CHECK_NAME = "ws-upgrade-check";
    /** Name of Netty's WebSocket protocol handler in the pipeline. */
    public static final String PROTOCOL_NAME = "ws-protocol";
    /** Name of the frame handler in the pipeline: the MQTT handler goes after it. */
    public static final String FRAMES_NAME = "ws-frames";

    private WebSocketPipeline()
    {
    }

    /**
     * Append the HTTP and WebSocket handlers for a WebSocket listener. The caller then appends the MQTT handler,
     * which sees only {@code ByteBuf}s in both directions.
     *
     * @param pipeline      pipeline of a new connection, after the socket or the {@code SslHandler} (wss).
     * @param listener      the listener: its {@link ListenerConfig#webSocketPath()} and
     *                      {@link ListenerConfig#handshakeTimeoutMs()} are used.
     * @param maxPacketSize largest MQTT packet accepted; a frame's payload may be {@link #FRAME_PAYLOAD_SLACK} more.
     * @throws IllegalArgumentException if the path does not start with / or the maximum is not positive.
     */
    public static void addTo(final ChannelPipeline pipeline, final ListenerConfig listener, final int maxPacketSize)
    {
        final String path = listener.webSocketPath();
        if (null == path || !path.startsWith("/"))
        {
            throw new IllegalArgumentException("webSocketPath must start with /: " + path);
        }
        if (maxPacketSize <= 0)
        {
            throw new IllegalArgumentException("maxPacketSize must be positive: " + maxPacketSize);
        }
        final int maxFramePayload = (int)Math.min(Integer.MAX_VALUE, (long)maxPacketSize + FRAME_PAYLOAD_SLACK);

        final WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(path)
            .subprotocols(SUBPROTOCOLS)
            .checkStartsWith(false)
            .handshakeTimeoutMillis(listener.handshakeTimeoutMs())
            // Only WebSocketFrameHandler sends a normal Close (on BrokerCloseEvent, after the broker's last packet);
            // Netty's default would also write one on every channel close, even before the upgrade, into HTTP.
            .sendCloseFrame(null)
            .forceCloseTimeoutMillis(CLOSE_FRAME_TIMEOUT_MS)
            .handleCloseFrames(true)
            .dropPongFrames(true)
            .maxFramePayloadLength(maxFramePayload)
            .expectMaskedFrames(true)
            .allowMaskMismatch(false)
            .allowExtensions(false)
            .closeOnProtocolViolation(true)
            // Text frames are refused whole (close 1003), so their UTF-8 needs no check.
            .withUTF8Validator(false)
            .build();

        final HttpDecoderConfig httpConfig = new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_INITIAL_LINE_LENGTH)
            .setMaxHeaderSize(MAX_HEADER_SIZE)
            .setMaxChunkSize(MAX_HTTP_CONTENT_LENGTH);

        pipeline.addLast(HTTP_CODEC_NAME, new HttpServerCodec(httpConfig));
        pipeline.addLast(HTTP_AGGREGATOR_NAME, new HttpObjectAggregator(MAX_HTTP_CONTENT_LENGTH));
        pipeline.addLast(UPGRADE_CHECK_NAME, new UpgradeRequestHandler(path));
        pipeline.addLast(PROTOCOL_NAME, new WebSocketServerProtocolHandler(config));
        pipeline.addLast(FRAMES_NAME, new WebSocketFrameHandler());
    }
}
