package io.ringmq.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.ringmq.transport.config.ListenerConfig;
import io.ringmq.transport.netty.BrokerCloseEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole WebSocket part of a listener's pipeline, driven with the bytes a real client sends: a hand-written
 * upgrade request, then frames masked by Netty's client encoder. What the server writes is decoded by Netty's client
 * decoder. The channel's tail stands where the MQTT handler goes: whatever reaches it must be a ByteBuf.
 */
@Timeout(10)
class WebSocketPipelineTest
{
    private static final int MAX_PACKET_SIZE = 64;
    /** Key and accept value of RFC 6455 section 1.3. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    private static final byte[] PUBLISH = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'};
    private static final byte[] PINGREQ = {(byte)0xC0, 0x00};

    /** Every buffer the test made that went into the server or came out of it: all must end released. */
    private final List<ByteBuf> buffers = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final EmbeddedChannel clientEncoder = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
    private final EmbeddedChannel clientDecoder = new EmbeddedChannel(new WebSocket13FrameDecoder(
        WebSocketDecoderConfig.newBuilder().expectMaskedFrames(false).maxFramePayloadLength(1 << 16).build()));

    @BeforeEach
    void setUp()
    {
        final ListenerConfig listener = new ListenerConfig().protocol(ListenerConfig.Protocol.WS).conclude("127.0.0.1");
        WebSocketPipeline.addTo(channel.pipeline(), listener, MAX_PACKET_SIZE);
    }

    @AfterEach
    void tearDown()
    {
        channel.finishAndReleaseAll();
        clientEncoder.finishAndReleaseAll();
        clientDecoder.finishAndReleaseAll();
        for (final ByteBuf buffer : buffers)
        {
            assertEquals(0, buffer.refCnt(), "every buffer released");
        }
    }

    @Test
    void shouldUpgradeWithMqttSubprotocol()
    {
        sendHttp(upgradeRequest("/mqtt", "Sec-WebSocket-Protocol: mqtt"));

        final String response = readHttp();
        assertTrue(response.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), response);
        assertTrue(hasHeader(response, "sec-websocket-protocol: mqtt"), response);
        assertTrue(hasHeader(response, "sec-websocket-accept: " + ACCEPT), response);
        assertTrue(channel.isOpen());
        assertNull(channel.pipeline().get(WebSocketPipeline.HTTP_CODEC_NAME), "HTTP codec gone after the upgrade");
        assertNull(channel.pipeline().get(WebSocketPipeline.HTTP_AGGREGATOR_NAME));
        assertNull(channel.pipeline().get(WebSocketPipeline.UPGRADE_CHECK_NAME));
        assertNull(channel.readInbound(), "nothing of the HTTP request reaches the MQTT handler");
    }

    @Test
    void shouldSelectFirstMqttSubprotocolOffered()
    {
        sendHttp(upgradeRequest("/mqtt", "Sec-WebSocket-Protocol: chat, mqttv3.1, mqtt"));

        final String response = readHttp();
        assertTrue(response.startsWith("HTTP/1.1 101 "), response);
        assertTrue(hasHeader(response, "sec-websocket-protocol: mqttv3.1"), response);
    }

    @Test
    void shouldRefuseWrongPathWith404()
    {
        sendHttp(upgradeRequest("/other", "Sec-WebSocket-Protocol: mqtt"));

        assertRefused("404");
    }

    @Test
    void shouldRefuseUpgradeWithoutSubprotocol()
    {
        sendHttp(upgradeRequest("/mqtt"));

        assertRefused("400");
    }

    @Test
    void shouldRefuseUpgradeWithOtherSubprotocols()
    {
        sendHttp(upgradeRequest("/mqtt", "Sec-WebSocket-Protocol: chat, MQTT"));

        assertRefused("400");
    }

    @Test
    void shouldRefusePlainGetWith400()
    {
        sendHttp("GET /mqtt HTTP/1.1\r\nHost: broker\r\n\r\n");

        assertRefused("400");
    }

    @Test
    void shouldRefuseOtherMethodWith405()
    {
        sendHttp("POST /mqtt HTTP/1.1\r\nHost: broker\r\nContent-Length: 0\r\n\r\n");

        assertRefused("405");
    }

    @Test
    void shouldRefuseOtherWebSocketVersionWith426()
    {
        sendHttp("GET /mqtt HTTP/1.1\r\nHost: broker\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");

        final String response = assertRefused("426");
        assertTrue(hasHeader(response, "sec-websocket-version: 13"), response);
    }

    @Test
    void shouldPassPacketFragmentedAcrossFramesAsSameBytes()
    {
        upgrade();

        sendFrame(new BinaryWebSocketFrame(false, 0, content(PUBLISH, 0, 4)));
        sendFrame(new ContinuationWebSocketFrame(true, 0, content(PUBLISH, 4, PUBLISH.length - 4)));

        assertArrayEquals(PUBLISH, receivedBytes());
    }

    @Test
    void shouldPassPacketSplitAcrossTwoBinaryFramesAsSameBytes()
    {
        upgrade();

        sendFrame(new BinaryWebSocketFrame(content(PUBLISH, 0, 1)));
        sendFrame(new BinaryWebSocketFrame(content(PUBLISH, 1, PUBLISH.length - 1)));

        assertArrayEquals(PUBLISH, receivedBytes());
    }

    @Test
    void shouldPassTwoPacketsInOneFrameJoined()
    {
        upgrade();
        final byte[] joined = new byte[PUBLISH.length + PINGREQ.length];
        System.arraycopy(PUBLISH, 0, joined, 0, PUBLISH.length);
        System.arraycopy(PINGREQ, 0, joined, PUBLISH.length, PINGREQ.length);

        sendFrame(new BinaryWebSocketFrame(content(joined, 0, joined.length)));

        assertArrayEquals(joined, receivedBytes());
    }

    @Test
    void shouldCloseWith1003OnTextFrame()
    {
        upgrade();

        sendFrame(new TextWebSocketFrame(track(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8))));

        final List<WebSocketFrame> frames = serverFrames();
        assertEquals(1, frames.size(), frames.toString());
        final CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, frames.get(0));
        assertEquals(1003, close.statusCode());
        release(frames);
        assertFalse(channel.isOpen(), "MQTT-6.0.0-1: the connection closes on a frame that is not binary");
        assertNull(channel.readInbound(), "nothing of the text frame reaches the MQTT handler");
    }

    @Test
    void shouldWriteByteBufAsOneBinaryFrame()
    {
        upgrade();
        final ByteBuf packet = track(Unpooled.directBuffer(PUBLISH.length).writeBytes(PUBLISH));

        channel.writeOutbound(packet);

        final List<WebSocketFrame> frames = serverFrames();
        assertEquals(1, frames.size(), frames.toString());
        final BinaryWebSocketFrame frame = assertInstanceOf(BinaryWebSocketFrame.class, frames.get(0));
        assertTrue(frame.isFinalFragment());
        assertArrayEquals(PUBLISH, ByteBufUtil.getBytes(frame.content()));
        release(frames);
    }

    @Test
    void shouldSendNormalCloseAfterDataOnBrokerCloseEvent()
    {
        upgrade();
        channel.write(track(Unpooled.directBuffer(PUBLISH.length).writeBytes(PUBLISH)));

        // What MqttConnectionHandler.closeByBroker does: the event from the head, then an empty write and flush.
        channel.pipeline().fireUserEventTriggered(BrokerCloseEvent.INSTANCE);
        final ChannelFuture lastWrite = channel.writeAndFlush(Unpooled.EMPTY_BUFFER);

        assertTrue(lastWrite.isSuccess(), "the empty write completes with the Close frame: " + lastWrite.cause());
        final List<WebSocketFrame> frames = serverFrames();
        assertEquals(2, frames.size(), frames.toString());
        assertArrayEquals(PUBLISH, ByteBufUtil.getBytes(assertInstanceOf(BinaryWebSocketFrame.class,
            frames.get(0)).content()));
        assertEquals(1000, assertInstanceOf(CloseWebSocketFrame.class, frames.get(1)).statusCode());
        release(frames);

        final ChannelFuture late = channel.writeAndFlush(track(Unpooled.directBuffer(2).writeBytes(PINGREQ)));
        assertFalse(late.isSuccess(), "no data frame after a Close frame");
        assertTrue(serverFrames().isEmpty());
    }

    @Test
    void shouldSendNoCloseFrameOnBrokerCloseEventBeforeUpgrade()
    {
        channel.pipeline().fireUserEventTriggered(BrokerCloseEvent.INSTANCE);
        final ChannelFuture lastWrite = channel.writeAndFlush(Unpooled.EMPTY_BUFFER);

        assertTrue(lastWrite.isSuccess(), String.valueOf(lastWrite.cause()));
        assertEquals("", readHttp(), "nothing but HTTP goes out before the upgrade");
    }

    @Test
    void shouldRefuseFrameLargerThanMaximumWith1009()
    {
        upgrade();
        final int tooLong = MAX_PACKET_SIZE + WebSocketPipeline.FRAME_PAYLOAD_SLACK + 1;

        sendFrame(new BinaryWebSocketFrame(track(Unpooled.directBuffer(tooLong).writeZero(tooLong))));

        final List<WebSocketFrame> frames = serverFrames();
        assertEquals(1, frames.size(), frames.toString());
        assertEquals(1009, assertInstanceOf(CloseWebSocketFrame.class, frames.get(0)).statusCode());
        release(frames);
        assertFalse(channel.isOpen());
        assertNull(channel.readInbound());
    }

    @Test
    void shouldPassFrameOfLargestPayload()
    {
        upgrade();
        final int longest = MAX_PACKET_SIZE + WebSocketPipeline.FRAME_PAYLOAD_SLACK;

        sendFrame(new BinaryWebSocketFrame(track(Unpooled.directBuffer(longest).writeZero(longest))));

        assertEquals(longest, receivedBytes().length);
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldAnswerPingWithPongAndPassNothingOn()
    {
        upgrade();

        sendFrame(new PingWebSocketFrame(content(PINGREQ, 0, PINGREQ.length)));

        final List<WebSocketFrame> frames = serverFrames();
        assertEquals(1, frames.size(), frames.toString());
        assertArrayEquals(PINGREQ, ByteBufUtil.getBytes(assertInstanceOf(PongWebSocketFrame.class,
            frames.get(0)).content()));
        release(frames);
        assertNull(channel.readInbound());
    }

    @Test
    void shouldAnswerClientCloseAndClose()
    {
        upgrade();

        sendFrame(new CloseWebSocketFrame(1000, "bye"));

        final List<WebSocketFrame> frames = serverFrames();
        assertEquals(1, frames.size(), frames.toString());
        assertEquals(1000, assertInstanceOf(CloseWebSocketFrame.class, frames.get(0)).statusCode());
        release(frames);
        assertFalse(channel.isOpen());
        assertNull(channel.readInbound());
    }

    private static String upgradeRequest(final String path, final String... extraHeaders)
    {
        final StringBuilder request = new StringBuilder()
            .append("GET ").append(path).append(" HTTP/1.1\r\n")
            .append("Host: broker:8083\r\n")
            .append("Upgrade: websocket\r\n")
            .append("Connection: Upgrade\r\n")
            .append("Sec-WebSocket-Key: ").append(KEY).append("\r\n")
            .append("Sec-WebSocket-Version: 13\r\n");
        for (final String header : extraHeaders)
        {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    private void upgrade()
    {
        sendHttp(upgradeRequest("/mqtt", "Sec-WebSocket-Protocol: mqtt"));
        final String response = readHttp();
        assertTrue(response.startsWith("HTTP/1.1 101 "), response);
    }

    private String assertRefused(final String status)
    {
        final String response = readHttp();
        assertTrue(response.startsWith("HTTP/1.1 " + status + " "), response);
        assertFalse(channel.isOpen(), "closed after the refusal");
        assertNull(channel.readInbound(), "nothing of a refused request reaches the MQTT handler");
        return response;
    }

    private void sendHttp(final String request)
    {
        channel.writeInbound(track(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII)));
    }

    /** Header names compared in any case, the value as it is. */
    private static boolean hasHeader(final String response, final String header)
    {
        final int colon = header.indexOf(':');
        for (final String line : response.split("\r\n"))
        {
            if (line.length() == header.length() &&
                line.regionMatches(true, 0, header, 0, colon) && line.endsWith(header.substring(colon)))
            {
                return true;
            }
        }
        return false;
    }

    /** @return the bytes the server wrote, as text. */
    private String readHttp()
    {
        final StringBuilder text = new StringBuilder();
        for (ByteBuf out = channel.readOutbound(); null != out; out = channel.readOutbound())
        {
            text.append(out.toString(StandardCharsets.US_ASCII));
            out.release();
        }
        return text.toString();
    }

    private ByteBuf content(final byte[] bytes, final int offset, final int length)
    {
        return track(Unpooled.directBuffer(length).writeBytes(bytes, offset, length));
    }

    /** Encode a frame as a client does (masked) and hand the bytes to the server. */
    private void sendFrame(final WebSocketFrame frame)
    {
        track(frame.content());
        clientEncoder.writeOutbound(frame);
        for (ByteBuf bytes = clientEncoder.readOutbound(); null != bytes; bytes = clientEncoder.readOutbound())
        {
            channel.writeInbound(track(bytes));
        }
    }

    /** @return what reached the MQTT handler's place, joined; each message must be a ByteBuf. */
    private byte[] receivedBytes()
    {
        final ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (Object in = channel.readInbound(); null != in; in = channel.readInbound())
        {
            final ByteBuf buf = assertInstanceOf(ByteBuf.class, in);
            joined.writeBytes(ByteBufUtil.getBytes(buf));
            buf.release();
        }
        return joined.toByteArray();
    }

    /** @return the frames the server wrote, decoded as a client does; the caller releases them. */
    private List<WebSocketFrame> serverFrames()
    {
        for (ByteBuf out = channel.readOutbound(); null != out; out = channel.readOutbound())
        {
            clientDecoder.writeInbound(track(out));
        }
        final List<WebSocketFrame> frames = new ArrayList<>();
        for (WebSocketFrame frame = clientDecoder.readInbound(); null != frame; frame = clientDecoder.readInbound())
        {
            frames.add(frame);
        }
        return frames;
    }

    private static void release(final List<WebSocketFrame> frames)
    {
        for (final WebSocketFrame frame : frames)
        {
            frame.release();
        }
    }

    private ByteBuf track(final ByteBuf buf)
    {
        buffers.add(buf);
        return buf;
    }
}
