package io.ringmq.transport.netty;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.ringmq.auth.ClientInfo;
import io.ringmq.core.codec.AuthDecoder;
import io.ringmq.core.codec.AuthEncoder;
import io.ringmq.core.codec.AuthPacket;
import io.ringmq.core.codec.ConnectDecoder;
import io.ringmq.core.codec.ConnectPacket;
import io.ringmq.core.codec.MqttProtocolException;
import io.ringmq.core.protocol.MqttVersion;
import io.ringmq.core.protocol.PacketType;
import io.ringmq.core.protocol.ReasonCode;
import io.ringmq.core.ring.CloseReason;
import io.ringmq.core.ring.RingEvent;
import io.ringmq.core.routing.PolledRouter;
import io.ringmq.core.routing.Router;
import io.ringmq.core.session.TransportIdentity;
import io.ringmq.core.status.RateLimitedLog;
import io.ringmq.core.timer.OwnedTimers;
import io.ringmq.transport.admission.ConnectionAdmission;
import io.ringmq.transport.auth.AuthDecision;
import io.ringmq.transport.auth.AuthService;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One MQTT connection on its event loop: frames the byte stream, copies each complete packet once into a ring
 * slot's off-heap buffer and publishes it to the routing stage, and writes what the Router queued for it.
 * <p>
 * Framing validates the fixed header's Remaining Length (at most four bytes, MQTT-1.5.5-1) and rejects a packet
 * larger than the maximum packet size right after the fixed header, before its body is buffered. After a
 * violation, input is discarded until the Router closes the connection. A full ring is back-pressure: reading
 * stops (auto-read off) and framing resumes shortly, without blocking the loop. A frame larger than a ring slot
 * keeps goes in a buffer of the shared {@code FrameBufferPool}; when none is free, reading stops the same way until
 * the Router gives one back, so large frames never hold more direct memory than the pool.
 * <p>
 * <b>Closing with a reason.</b> When the broker ends a connection ({@link #closeByBroker}) its last packet is
 * usually the reason (CONNACK or DISCONNECT). Closing the socket while the client still sends would answer the
 * client's data with a reset, which can discard that reason before the client reads it. So the broker flushes, then
 * shuts down its output only (the client reads the reason, then end-of-stream), keeps reading and drops every byte
 * unread, unframed and uncumulated, and closes fully when the client closes or after {@link #CLOSE_LINGER_MS}.
 * The Router hears of the close once, when it starts; nothing of this connection enters the ring after that.
 * <p>
 * <b>Authentication</b> (when the broker has an authentication chain): the CONNECT is decoded here and decided
 * on the authentication pool while reading stops, so password hashing, token checks and HTTP calls never run on the
 * Router or this loop, and no later packet of the connection can overtake the decision. The CONNECT is held aside;
 * an MQTT 5 exchange's AUTH packets are answered here (AUTH 0x18) until the outcome; then the outcome goes into the
 * {@code ConnectionDirectory} and the CONNECT is put back at the head of the input and released into the ring, the
 * Router applying the outcome when it decodes it. A re-authentication (AUTH 0x19) works the same way, the AUTH that
 * concludes it carrying the outcome. A credential's expiry is enforced with the connection's other deadlines
 * ({@link ConnectionDeadlines}).
 * <p>
 * <b>Threading:</b> every field is owned by the channel's event-loop thread. ByteBuf ownership: each inbound
 * buffer becomes (or is merged into and released) the {@link #cumulation}, which this handler releases once it is
 * consumed or the channel goes; no ByteBuf is passed on. {@link #pending} is owned by this handler
 * until {@link #flushPending()} hands it to {@code channel.write}, which releases it.
 */
final class MqttConnectionHandler extends ChannelInboundHandlerAdapter implements ConnectionDeadlines.Subject
{
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnectionHandler.class);
    private static final AtomicLong CONNECTION_IDS = new AtomicLong();
    private static final byte[] KEEP_ALIVE_DISCONNECT = {(byte)0xE0, 0x01, (byte)ReasonCode.KEEP_ALIVE_TIMEOUT};
    private static final byte[] EXPIRED_DISCONNECT = {(byte)0xE0, 0x01, (byte)ReasonCode.NOT_AUTHORIZED};
    private static final int TOUCHED = 1;
    private static final int DISCARDING = 2;
    private static final int PAUSED = 4;
    private static final int CONNECTED = 8;
    private static final int CLOSING = 32;
    /** The Router asked to hear when the socket takes more (a WRITABLE ring event, for retained pacing). */
    private static final int WRITABLE_WANTED = 16;
    /** The transport's identity of the connection (TLS certificate, PROXY address) was handed to the Router. */
    private static final int IDENTIFIED = 64;
    /** Reading stopped while the authentication pool decides a CONNECT or AUTH. */
    private static final int AUTHENTICATING = 128;
    /** The frame at the head of the input was decided: let it into the ring (once) instead of intercepting it. */
    private static final int AUTH_RELEASE = 256;

    /** How much longer than the Router's longest deliberate CONNACK wait a CONNECT may go unanswered. */
    private static final long CONNACK_BACKSTOP_MARGIN_NS = TimeUnit.SECONDS.toNanos(5);
    /** How long a broker-closed connection waits for the peer to close before the broker closes it fully. */
    static final long CLOSE_LINGER_MS = 2_000;
    /** At most one line per interval for failures a client may cause at will; the rest are counted in it. */
    private static final long FAILURE_LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);
    private static final RateLimitedLog FAILURE_LOG = new RateLimitedLog(FAILURE_LOG_INTERVAL_NS);

    /**
     * After the last write of a broker-initiated close has gone to the socket: half-close, so the FIN follows the
     * reason. A channel that cannot half-close, or whose write failed, is closed at once.
     */
    private static final ChannelFutureListener SHUTDOWN_OUTPUT = future ->
    {
        final Channel channel = future.channel();
        if (future.isSuccess() && channel instanceof DuplexChannel)
        {
            ((DuplexChannel)channel).shutdownOutput().addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
        else
        {
            channel.close();
        }
    };

    // Fields are few and small on purpose: a large fleet holds one of these per idle device.
    private final long connectionId = CONNECTION_IDS.incrementAndGet();
    private final EventLoopContext loop;
    private final Listener listener;
    private ChannelHandlerContext ctx;
    /** Bytes of an incomplete frame (or frames waiting for ring space); owned here, released on removal. */
    private ByteBuf cumulation;
    /** Packets the Router queued, gathered during one drain; owned here until {@link #flushPending()}. */
    private ByteBuf pending;
    private int flags;
    /** Authentication state while the broker authenticates this connection (see {@link ConnectionAuth}), or null. */
    private ConnectionAuth auth;
    /** When the credential expires (epoch ms), 0 if never: the connection is closed then (v5: DISCONNECT 0x87). */
    private long credentialExpiresAtMs;
    private byte version;
    private int keepAliveMs;
    private long lastReadNs;
    private long openedNs;
    /**
     * When the first frame (the CONNECT, authenticated if the listener authenticates) went to the Router, 0 before:
     * from then on the Router answers it, possibly after a deliberate wait (a session resumed from another node of a
     * cluster), so the handshake timeout gives way to {@link Router#LONGEST_CONNACK_WAIT_NS} plus a margin, a
     * backstop only. Event loop only.
     */
    private long connectHandedNs;
    /** This connection's timer in its loop's {@link ConnectionDeadlines}, or none. Event loop only. */
    private long deadlineTimerId = OwnedTimers.NONE;
    /**
     * Closes the channel {@link #CLOSE_LINGER_MS} after {@link #closeByBroker} unless the peer closed first; set there
     * and cancelled in {@link #handlerRemoved}, both on the event loop. Null while the connection is not closing.
     */
    private ScheduledFuture<?> lingerTimer;

    /**
     * @param loop     the event loop's context.
     * @param listener the listener that accepted the connection.
     */
    MqttConnectionHandler(final EventLoopContext loop, final Listener listener)
    {
        this.loop = loop;
        this.listener = listener;
    }

    long connectionId()
    {
        return connectionId;
    }

    private boolean is(final int flag)
    {
        return (flags & flag) != 0;
    }

    private void set(final int flag, final boolean value)
    {
        flags = value ? flags | flag : flags & ~flag;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        openedNs = System.nanoTime();
        lastReadNs = openedNs;
        listener.onAccepted();
        loop.register(this);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        set(DISCARDING, true);
        releaseCumulation();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        set(DISCARDING, true);  // gone from the loop: no timeout check arms a timer for it again
        releaseCumulation();
        releasePending();
        if (null != lingerTimer)
        {
            lingerTimer.cancel(false);
            lingerTimer = null;
        }
        loop.unregister(this);
        loop.serverConnections().decrementAndGet();
        if (!is(CLOSING))
        {
            // A close the broker started was reported to the Router when it started (closeByBroker).
            loop.publishControl(RingEvent.CONNECTION_CLOSED, connectionId, CloseReason.PEER_CLOSED);
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (!(msg instanceof ByteBuf))
        {
            ctx.fireChannelRead(msg);
            return;
        }
        final ByteBuf in = (ByteBuf)msg;
        lastReadNs = System.nanoTime();
        if (!is(IDENTIFIED) && !is(DISCARDING))
        {
            identify();
        }
        if (is(DISCARDING))
        {
            in.release();
            return;
        }
        if (null == cumulation)
        {
            cumulation = in;
        }
        else
        {
            cumulation = cumulate(ctx, cumulation, in);
        }
        frameCumulation();
    }

    /**
     * First MQTT bytes: TLS and the PROXY header are behind us. Hand what the transport knows to the Router before
     * the first frame enters the ring; a listener that takes the username from a client certificate refuses a
     * client without one (the CONNECT is never read).
     */
    private void identify()
    {
        set(IDENTIFIED, true);
        try
        {
            final boolean authenticating = null != listener.auth();
            final TransportIdentity identity = IdentityReader.read(ctx.channel(), listener,
                authenticating || listener.recordAddresses());
            if (null != identity)
            {
                listener.directory().put(connectionId, identity);
            }
            if (authenticating)
            {
                auth = new ConnectionAuth(identity);
            }
        }
        catch (final IdentityReader.NoCertificateException ex)
        {
            final long failures = listener.onTlsHandshakeFailure();
            if (failures > 0)
            {
                LOG.info("connection from {} refused: {} ({} TLS refusal(s) on the listener since the last report)",
                    ConnectionAttributes.clientAddress(ctx.channel()), ex.getMessage(), failures);
            }
            set(DISCARDING, true);
            ctx.close();
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event)
    {
        if (event instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent)event).isSuccess())
        {
            // The SslHandler closes the connection; say why, rate-limited (any client can cause this at will).
            final long failures = listener.onTlsHandshakeFailure();
            if (failures > 0)
            {
                LOG.info("TLS handshake from {} on listener {} failed: {} ({} failure(s) since the last report)",
                    ConnectionAttributes.clientAddress(ctx.channel()), listener.name(),
                    rootCause(((SslHandshakeCompletionEvent)event).cause()), failures);
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    private static String rootCause(final Throwable ex)
    {
        Throwable cause = ex;
        while (null != cause.getCause() && cause.getCause() != cause)
        {
            cause = cause.getCause();
        }
        return String.valueOf(cause.getMessage());
    }

    /**
     * Append {@code in} to the cumulation, releasing {@code in}. The cumulation is usually the previous read's buffer
     * with a partial frame at its end: the partial frame moves to the front when that makes room (a few bytes), and
     * otherwise both go into one new buffer (of their size, or twice the kept part while a large frame builds up).
     * The cumulation is never grown in place: growing doubles the capacity past what Netty's adaptive allocator
     * pools, so every read of a flooding publisher allocated (and zeroed) fresh direct memory; measured at QoS 0
     * fan-in, 9% of the broker's CPU.
     */
    private static ByteBuf cumulate(final ChannelHandlerContext ctx, final ByteBuf cumulation, final ByteBuf in)
    {
        try
        {
            final int needed = in.readableBytes();
            if (cumulation.refCnt() == 1 && !cumulation.isReadOnly() &&
                cumulation.capacity() - cumulation.readableBytes() >= needed)
            {
                if (cumulation.writableBytes() < needed)
                {
                    cumulation.discardReadBytes();
                }
                cumulation.writeBytes(in);
                return cumulation;
            }
            // Exactly their size while the kept part is a small partial frame; at least twice the kept part while a
            // large frame builds up, so that its bytes are copied a bounded number of times, not once per read.
            final int kept = cumulation.readableBytes();
            final ByteBuf merged = ctx.alloc().directBuffer(Math.max(kept + needed, 2 * kept));
            merged.writeBytes(cumulation).writeBytes(in);
            cumulation.release();
            return merged;
        }
        finally
        {
            in.release();
        }
    }

    private void releaseCumulation()
    {
        if (null != cumulation)
        {
            cumulation.release();
            cumulation = null;
        }
    }

    /** Publish every complete frame of the cumulation; keep the rest for the next read. */
    private void frameCumulation()
    {
        final ByteBuf in = cumulation;
        while (null != in && in.isReadable() && !is(PAUSED) && !is(DISCARDING) && !is(AUTHENTICATING))
        {
            if (!frameBatch(in))
            {
                break;
            }
        }
        if (is(DISCARDING))
        {
            releaseCumulation();
        }
        else if (null != in && !in.isReadable())
        {
            releaseCumulation();
        }
        else if (null != in && in.readerIndex() > 0 && in.writableBytes() < 512)
        {
            in.discardSomeReadBytes();
        }
    }

    /**
     * Frame up to one claim's worth of complete frames from the start of {@code in}.
     *
     * @return true if frames were consumed and more may follow.
     */
    private boolean frameBatch(final ByteBuf in)
    {
        final int readable = in.readableBytes();
        final UnsafeBuffer view = loop.view();
        if (in.hasMemoryAddress())
        {
            view.wrap(in.memoryAddress() + in.readerIndex(), readable);
        }
        else
        {
            view.wrap(loop.heapCopy(in, readable), 0, readable);
        }
        final int[] frameStarts = loop.frameStarts();
        final int[] frameLengths = loop.frameLengths();
        final UnsafeBuffer[] largeBuffers = loop.largeBuffers();
        final int maxInlineLength = loop.maxInlineLength();
        boolean noLargeBuffer = false;
        boolean large = false;
        int position = 0;
        int frames = 0;
        while (frames < frameStarts.length && readable - position >= 2)
        {
            final long frameLength = frameLength(view, position, readable);
            if (frameLength < 0 || readable - position < frameLength)
            {
                break;
            }
            if (null != auth && intercepts(view.getByte(position), 0 == frames))
            {
                if (0 == frames)
                {
                    return onAuthFrame(in, view, (int)frameLength);
                }
                break;      // publish what precedes it first
            }
            UnsafeBuffer largeBuffer = null;
            if (frameLength > maxInlineLength)
            {
                largeBuffer = loop.largeFrames().tryAcquire();
                if (null == largeBuffer)
                {
                    noLargeBuffer = true;
                    break;
                }
                large = true;
            }
            largeBuffers[frames] = largeBuffer;
            frameStarts[frames] = position;
            frameLengths[frames] = (int)frameLength;
            frames++;
            position += (int)frameLength;
        }
        if (is(DISCARDING) || 0 == frames)
        {
            giveBackLargeBuffers(0, frames);
            if (noLargeBuffer && !is(DISCARDING))
            {
                pause();    // bounded memory: read no more until the Router gives a buffer back
            }
            return false;
        }
        final int published = !large && routeNow(view, frameStarts, frameLengths, frames) ?
            frames : publishFrames(view, frameStarts, frameLengths, frames);
        if (published > 0)
        {
            set(AUTH_RELEASE, false);   // a released frame is always the first of its batch
            if (0 == connectHandedNs)
            {
                connectHandedNs = System.nanoTime();
                loop.deadlineMoved(this);
            }
        }
        if (published < frames)
        {
            in.skipBytes(published > 0 ? frameStarts[published] : 0);
            pause();
            return false;
        }
        in.skipBytes(position);
        if (noLargeBuffer)
        {
            pause();
            return false;
        }
        return true;
    }

    /** Give back the pool buffers acquired for frames {@code from} (inclusive) to {@code to} and not handed over. */
    private void giveBackLargeBuffers(final int from, final int to)
    {
        final UnsafeBuffer[] largeBuffers = loop.largeBuffers();
        for (int i = from; i < to; i++)
        {
            final UnsafeBuffer buffer = largeBuffers[i];
            if (null != buffer)
            {
                largeBuffers[i] = null;
                loop.largeFrames().release(buffer);
            }
        }
    }

    /**
     * Length of the frame at {@code position}: fixed header plus Remaining Length.
     *
     * @return the length, or -1 if the Remaining Length is not complete yet (or a violation was raised).
     */
    private long frameLength(final UnsafeBuffer view, final int position, final int limit)
    {
        int remainingLength = 0;
        int multiplier = 1;
        int headerLength = 1;
        while (true)
        {
            if (headerLength > 4)
            {
                violation(ReasonCode.MALFORMED_PACKET);
                return -1;
            }
            if (position + headerLength >= limit)
            {
                return -1;
            }
            final int b = view.getByte(position + headerLength);
            remainingLength += (b & 0x7F) * multiplier;
            headerLength++;
            if ((b & 0x80) == 0)
            {
                break;
            }
            multiplier <<= 7;
        }
        final long frameLength = (long)headerLength + remainingLength;
        if (frameLength > loop.maxPacketSize())
        {
            violation(ReasonCode.PACKET_TOO_LARGE);
            return -1;
        }
        return frameLength;
    }

    /**
     * On the loop the Router is polled from, hand it the frames in place when it can take them now
     * ({@link PolledRouter#routeNow}); frames that needed pool buffers go through the ring, which owns those.
     *
     * @return true if routed; false if the caller must publish them to the ring.
     */
    private boolean routeNow(final UnsafeBuffer view, final int[] starts, final int[] lengths, final int frames)
    {
        final PolledRouter router = loop.directRouter();
        if (null == router ||
            !router.routeNow(connectionId, loop.loopIndex(), view, starts, lengths, frames, lastReadNs))
        {
            return false;
        }
        int bytes = 0;
        for (int i = 0; i < frames; i++)
        {
            bytes += lengths[i];
        }
        loop.onFrameBytes(bytes);  // one write of the loop's volatile counter per batch, not one per frame
        return true;
    }

    /**
     * Claim ring slots for the complete frames (all at once when they fit, else one by one), copy each frame
     * into its slot's off-heap buffer (or the pool buffer acquired for it) and publish. Every claimed sequence is
     * published, also when a copy throws: a claimed, unpublished sequence would stall the ring for every connection.
     * A slot whose copy failed, and every slot after it in the claim, is published as a {@link RingEvent#NOOP}; the
     * exception then closes this connection (exceptionCaught). Pool buffers of frames not published in a slot go back
     * to the pool.
     *
     * @return frames published; fewer than asked when the ring is full.
     */
    private int publishFrames(final UnsafeBuffer view, final int[] starts, final int[] lengths, final int frames)
    {
        final RingBuffer<RingEvent> ring = loop.ring();
        final long high;
        try
        {
            high = ring.tryNext(frames);
        }
        catch (final InsufficientCapacityException ex)
        {
            return publishOneByOne(ring, view, starts, lengths, frames);
        }
        final long low = high - frames + 1;
        int filled = 0;
        try
        {
            while (filled < frames)
            {
                copy(view, low + filled, filled, starts[filled], lengths[filled]);
                filled++;
            }
        }
        finally
        {
            for (int i = filled; i < frames; i++)
            {
                ring.get(low + i).noop(lastReadNs);
            }
            ring.publish(low, high);
            giveBackLargeBuffers(filled, frames);
        }
        return frames;
    }

    private int publishOneByOne(final RingBuffer<RingEvent> ring, final UnsafeBuffer view, final int[] starts,
        final int[] lengths, final int frames)
    {
        int published = 0;
        try
        {
            while (published < frames)
            {
                final long sequence;
                try
                {
                    sequence = ring.tryNext();
                }
                catch (final InsufficientCapacityException full)
                {
                    break;
                }
                boolean filled = false;
                try
                {
                    copy(view, sequence, published, starts[published], lengths[published]);
                    filled = true;
                }
                finally
                {
                    if (!filled)
                    {
                        ring.get(sequence).noop(lastReadNs);
                    }
                    ring.publish(sequence);
                }
                published++;
            }
        }
        finally
        {
            giveBackLargeBuffers(published, frames);
        }
        return published;
    }

    /** Copy frame {@code index} of the batch into the slot at {@code sequence}; its pool buffer, if any, goes too. */
    private void copy(final UnsafeBuffer view, final long sequence, final int index, final int start,
        final int length)
    {
        final RingEvent event = loop.ring().get(sequence);
        final UnsafeBuffer[] largeBuffers = loop.largeBuffers();
        final UnsafeBuffer largeBuffer = largeBuffers[index];
        final MutableDirectBuffer frame = null == largeBuffer ?
            event.frame(connectionId, loop.loopIndex(), length, lastReadNs) :
            event.largeFrame(connectionId, loop.loopIndex(), length, lastReadNs, loop.largeFrames(), largeBuffer);
        frame.putBytes(0, view, start, length);
        largeBuffers[index] = null;     // handed over with the slot once published (a failed copy detaches it)
        loop.onFrameBytes(length);
    }

    // ---------------------------------------------------------------- authentication (off the routing thread)

    /**
     * Whether the frame starting with {@code firstByte} is for the authentication pool rather than the ring: the
     * CONNECT, an AUTH of an exchange, and anything but AUTH while a CONNECT's exchange waits for the client's answer.
     * A frame the pool decided is released once ({@link #AUTH_RELEASE}).
     */
    private boolean intercepts(final byte firstByte, final boolean atHead)
    {
        if (atHead && is(AUTH_RELEASE))
        {
            return false;
        }
        final int type = (firstByte & 0xFF) >>> 4;
        return switch (auth.stage)
        {
            case ConnectionAuth.IDLE -> PacketType.CONNECT == type;
            case ConnectionAuth.CONNECTED_IDLE -> PacketType.AUTH == type;
            case ConnectionAuth.CONNECT_CHALLENGED -> true;
            case ConnectionAuth.REAUTH_CHALLENGED -> PacketType.AUTH == type;
            default -> false;
        };
    }

    /**
     * The frame at the head of the input goes to the authentication pool: reading stops until it answers, so the
     * connection's later packets stay behind it, in order.
     *
     * @return false: framing stops here.
     */
    private boolean onAuthFrame(final ByteBuf in, final UnsafeBuffer view, final int length)
    {
        final AuthService service = listener.auth();
        final int type = (view.getByte(0) & 0xFF) >>> 4;
        try
        {
            if (PacketType.CONNECT == type)
            {
                final ConnectPacket connect = ConnectDecoder.decode(view, 0, length);
                final byte[] frame = new byte[length];
                view.getBytes(0, frame);
                in.skipBytes(length);
                auth.connect = frame;
                startConnect(service, connect);
            }
            else if (PacketType.AUTH == type)
            {
                final AuthPacket packet = AuthDecoder.decode(view, 0, length, MqttVersion.MQTT_5);
                auth.headAuthLength = length;
                onAuthPacket(service, packet);
            }
            else
            {
                // MQTT-4.12.0-?: during a CONNECT's exchange only AUTH may come from the client.
                auth.headAuthLength = 0;
                holdForAuthentication();
                onDecisionFromPool(service.refuseNow(auth.client, ReasonCode.PROTOCOL_ERROR,
                    "packet type " + PacketType.name(type) + " during enhanced authentication"));
                return false;
            }
        }
        catch (final MqttProtocolException ex)
        {
            // Let the Router see the malformed packet and answer it with the right reason code.
            set(AUTH_RELEASE, true);
            if (auth.connectPhase())
            {
                auth = null;
            }
            return true;
        }
        return false;
    }

    private void startConnect(final AuthService service, final ConnectPacket connect)
    {
        final TransportIdentity identity = auth.identity;
        String clientId = connect.clientId();
        final int version = connect.protocolVersion();
        if (clientId.isEmpty() && (MqttVersion.MQTT_5 == version ||
            MqttVersion.MQTT_3_1_1 == version && connect.cleanStart()))
        {
            // Assigned here, not by the Router, so that %c rules and the sources see the id the client will have.
            clientId = "ringmq-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
            auth.assignedClientId = true;
        }
        final String username = null != identity && null != identity.username() ? identity.username() :
            connect.username();
        auth.client = new ClientInfo(clientId, username, connect.password(), version, listener.name(),
            null == identity ? null : identity.clientAddress(), null == identity ? null : identity.certificateSubject(),
            null == identity ? null : identity.certificateCn());
        auth.method = connect.authenticationMethod();
        auth.stage = ConnectionAuth.CONNECT_DECIDING;
        holdForAuthentication();
        if (null == auth.method)
        {
            service.authenticate(auth.client, auth.assignedClientId, this::onDecisionFromPool);
            return;
        }
        auth.exchange = service.startExchange(auth.method, auth.client, auth.assignedClientId);
        if (null == auth.exchange)
        {
            onDecisionFromPool(service.refuseNow(auth.client, ReasonCode.BAD_AUTHENTICATION_METHOD,
                "authentication method not supported: " + auth.method));
            return;
        }
        service.step(auth.exchange, orEmpty(connect.authenticationData()), this::onDecisionFromPool);
    }

    private void onAuthPacket(final AuthService service, final AuthPacket packet)
    {
        final boolean reauth = auth.stage == ConnectionAuth.CONNECTED_IDLE;
        auth.stage = reauth ? ConnectionAuth.REAUTH_DECIDING :
            auth.stage == ConnectionAuth.REAUTH_CHALLENGED ? ConnectionAuth.REAUTH_DECIDING :
            ConnectionAuth.CONNECT_DECIDING;
        holdForAuthentication();
        final int expected = reauth ? ReasonCode.RE_AUTHENTICATE : ReasonCode.CONTINUE_AUTHENTICATION;
        if (packet.reasonCode() != expected || !auth.method.equals(packet.authenticationMethod()))
        {
            // MQTT-4.12.0-5 / MQTT-4.12.1-1: the same method, with the reason code the exchange is at.
            onDecisionFromPool(service.refuseNow(auth.client, ReasonCode.PROTOCOL_ERROR, "AUTH with reason 0x" +
                Integer.toHexString(packet.reasonCode()) + " and method " + packet.authenticationMethod() +
                " in an exchange of " + auth.method));
            return;
        }
        if (reauth)
        {
            auth.exchange = service.startExchange(auth.method, auth.client, false);
        }
        service.step(auth.exchange, orEmpty(packet.authenticationData()), this::onDecisionFromPool);
    }

    private static byte[] orEmpty(final byte[] data)
    {
        return null == data ? new byte[0] : data;
    }

    private void holdForAuthentication()
    {
        set(AUTHENTICATING, true);
        ctx.channel().config().setAutoRead(false);
    }

    /**
     * Authentication pool thread (or the event loop, for a refusal decided at once): act on the decision on this
     * connection's event loop, after the current stack (framing is not re-entered), and after any delay for repeated
     * failures.
     */
    private void onDecisionFromPool(final AuthDecision decision)
    {
        try
        {
            if (decision.delayMs() > 0)
            {
                ctx.executor().schedule(() -> decided(decision), decision.delayMs(), TimeUnit.MILLISECONDS);
            }
            else
            {
                ctx.executor().execute(() -> decided(decision));
            }
        }
        catch (final RejectedExecutionException ex)
        {
            // The event loop is shutting down with the broker: the connection goes with it, nothing to hand over.
        }
    }

    /**
     * Event loop: the pool answered. A challenge goes to the client as AUTH 0x18; an outcome goes to the Router with
     * the packet that concluded the exchange (the CONNECT, put back at the head of the input, or the re-authenticating
     * AUTH), through the directory, so it is in order with everything else of this connection.
     */
    private void decided(final AuthDecision decision)
    {
        if (ctx.isRemoved() || !ctx.channel().isActive() || is(CLOSING) || null == auth)
        {
            return;     // the connection went while the pool decided; nothing was handed to the Router
        }
        try
        {
            set(AUTHENTICATING, false);
            final boolean connectPhase = auth.connectPhase();
            if (decision.isChallenge())
            {
                consumeHeadAuth();
                auth.stage = connectPhase ? ConnectionAuth.CONNECT_CHALLENGED : ConnectionAuth.REAUTH_CHALLENGED;
                writeAuth(ReasonCode.CONTINUE_AUTHENTICATION, decision.challenge());
            }
            else if (connectPhase)
            {
                consumeHeadAuth();
                listener.directory().put(connectionId, withOutcome(decision));
                putBackConnect();
                credentialExpiresAtMs = decision.expiresAtMs();
                loop.deadlineMoved(this);
                final boolean keep = decision.outcome().accepted() && null != auth.method;
                auth.stage = keep ? ConnectionAuth.CONNECTED_IDLE : ConnectionAuth.DONE;
                auth.connect = null;
                auth.exchange = null;
                auth = keep ? auth : null;
            }
            else
            {
                auth.headAuthLength = 0;    // the AUTH frame stays: it carries the outcome to the Router
                listener.directory().put(connectionId, withOutcome(decision));
                set(AUTH_RELEASE, true);
                if (decision.outcome().accepted())
                {
                    credentialExpiresAtMs = decision.expiresAtMs();
                    loop.deadlineMoved(this);
                }
                auth.stage = ConnectionAuth.CONNECTED_IDLE;
                auth.exchange = null;
            }
            ctx.channel().config().setAutoRead(!is(PAUSED));   // a ring-full pause keeps its own resume
            frameCumulation();
        }
        catch (final RuntimeException ex)
        {
            exceptionCaught(ctx, ex);
        }
    }

    private TransportIdentity withOutcome(final AuthDecision decision)
    {
        final TransportIdentity identity = null != auth.identity ? auth.identity :
            new TransportIdentity(listener.name(), null, null, null, null, null);
        return identity.withAuth(decision.outcome());
    }

    private void consumeHeadAuth()
    {
        if (auth.headAuthLength > 0 && null != cumulation)
        {
            cumulation.skipBytes(auth.headAuthLength);
        }
        auth.headAuthLength = 0;
    }

    /** The decided CONNECT goes back in front of whatever the client sent after it, released for the ring. */
    private void putBackConnect()
    {
        final byte[] connect = auth.connect;
        final int rest = null == cumulation ? 0 : cumulation.readableBytes();
        final ByteBuf merged = ctx.alloc().directBuffer(connect.length + rest);
        merged.writeBytes(connect);
        if (null != cumulation)
        {
            merged.writeBytes(cumulation);
            cumulation.release();
        }
        cumulation = merged;
        set(AUTH_RELEASE, true);
    }

    /** AUTH from the server during an exchange; the Router has no part in it yet (or, re-authenticating, no need). */
    private void writeAuth(final int reasonCode, final byte[] data)
    {
        final AuthPacket packet = new AuthPacket().reasonCode(reasonCode).authenticationMethod(auth.method)
            .authenticationData(data);
        final byte[] frame = new byte[AuthEncoder.encodedLength(packet)];
        AuthEncoder.encode(packet, new UnsafeBuffer(frame), 0);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(frame), ctx.voidPromise());
    }

    /** Stop reading for lack of room; the loop's waiter list {@link #resume()}s this connection shortly. */
    private void pause()
    {
        set(PAUSED, true);
        ctx.channel().config().setAutoRead(false);
        loop.waitForRoom(this);
    }

    /**
     * Called by the loop's waiter list: frame what was held back and read on, or pause again. Runs outside the
     * pipeline, so a failure is handled here as one in {@link #channelRead} would be: the connection closes.
     */
    void resume()
    {
        set(PAUSED, false);
        if (!ctx.channel().isActive())
        {
            return;
        }
        ctx.channel().config().setAutoRead(!is(AUTHENTICATING));
        try
        {
            frameCumulation();
        }
        catch (final RuntimeException ex)
        {
            exceptionCaught(ctx, ex);
        }
    }

    private void violation(final int reasonCode)
    {
        set(DISCARDING, true);
        loop.publishControl(RingEvent.PROTOCOL_VIOLATION, connectionId, reasonCode);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // I/O errors are expected on a broker: count nothing extra, no stack trace; the close reaches the Router
        // through handlerRemoved0.
        // A failed TLS handshake is counted and logged by userEventTriggered (SslHandshakeCompletionEvent); other
        // TLS failures (a bad record after the handshake) are logged here like any other.
        if (!(cause instanceof IOException) && !(cause.getCause() instanceof SSLHandshakeException))
        {
            final long failures = FAILURE_LOG.onEvent(System.nanoTime());
            if (failures > 0)
            {
                LOG.warn("connection {} failed: {} ({} failure(s) since the last report)", connectionId,
                    cause.toString(), failures);
            }
        }
        ctx.close();
    }

    // ---------------------------------------------------------------- outbound, called by EventLoopContext

    boolean isWritable()
    {
        return ctx.channel().isWritable();
    }

    boolean touched()
    {
        return is(TOUCHED);
    }

    void touched(final boolean touched)
    {
        set(TOUCHED, touched);
    }

    ByteBuf pendingBuffer(final int minCapacity)
    {
        if (null == pending)
        {
            pending = ctx.alloc().directBuffer(minCapacity);
        }
        return pending;
    }

    /**
     * Write what was appended since the last flush. Ownership of {@link #pending} passes to the channel.
     *
     * @return bytes written.
     */
    int flushPending()
    {
        set(TOUCHED, false);
        final ByteBuf buffer = pending;
        if (null == buffer)
        {
            return 0;
        }
        pending = null;
        final int bytes = buffer.readableBytes();
        ctx.writeAndFlush(buffer, ctx.voidPromise());
        notifyIfWritable();
        return bytes;
    }

    /**
     * The Router wants a WRITABLE event once this socket takes more. Answered after this drain's writes (the request
     * follows the data it paces), at once if the channel is writable then, else when it becomes writable.
     */
    void requestWritable()
    {
        set(WRITABLE_WANTED, true);
        if (!is(TOUCHED))
        {
            notifyIfWritable();
        }
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        notifyIfWritable();
        ctx.fireChannelWritabilityChanged();
    }

    private void notifyIfWritable()
    {
        if (is(WRITABLE_WANTED) && !is(CLOSING) && ctx.channel().isWritable())
        {
            set(WRITABLE_WANTED, false);
            loop.publishControl(RingEvent.WRITABLE, connectionId, 0);
        }
    }

    private void releasePending()
    {
        if (null != pending)
        {
            pending.release();
            pending = null;
        }
    }

    void onConnected(final int version, final int keepAliveMs)
    {
        set(CONNECTED, true);
        this.version = (byte)version;
        this.keepAliveMs = keepAliveMs;
        loop.deadlineMoved(this);
    }

    /**
     * Close on the broker's decision, after what was written for this connection (see the class comment). Reports
     * the close to the Router now, with {@code reason}, and leaves the loop's registry, so no later outbound record
     * or timeout check reaches this connection; later calls do nothing.
     *
     * @param reason a {@link CloseReason} constant.
     */
    void closeByBroker(final int reason)
    {
        if (!beginClose(reason))
        {
            return;
        }
        // Read on, and drop, until the peer's FIN: unread data at close would make the kernel send a reset.
        ctx.channel().config().setAutoRead(true);
        lingerTimer = ctx.executor().schedule(this::closeAfterLinger, CLOSE_LINGER_MS, TimeUnit.MILLISECONDS);
        ctx.pipeline().fireUserEventTriggered(BrokerCloseEvent.INSTANCE);  // WebSocket: a Close frame after the data
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(SHUTDOWN_OUTPUT);
    }

    /**
     * The Router closes the connection after the client's DISCONNECT: what was written goes out, then the channel
     * closes. No half-close and no linger: the client sends nothing more (MQTT-3.14.4-1), and Netty's
     * {@code shutdownOutput} costs an exception with its stack trace on every call.
     */
    void closeAfterClientDisconnect()
    {
        if (!beginClose(CloseReason.CLOSED_BY_BROKER))
        {
            return;
        }
        ctx.pipeline().fireUserEventTriggered(BrokerCloseEvent.INSTANCE);  // WebSocket: a Close frame after the data
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The broker closes the connection: from now on its input is dropped and it takes no more records; the Router
     * hears of the close once, now.
     *
     * @return false if the close had begun already.
     */
    private boolean beginClose(final int reason)
    {
        if (is(CLOSING))
        {
            return false;
        }
        set(CLOSING, true);
        set(DISCARDING, true);
        releaseCumulation();
        loop.unregister(this);
        loop.publishControl(RingEvent.CONNECTION_CLOSED, connectionId, reason);
        return true;
    }

    private void closeAfterLinger()
    {
        lingerTimer = null;
        ctx.close();
    }

    /**
     * @return a close reason if the connection is past a deadline, else -1.
     */
    int checkTimeouts(final long nowNs)
    {
        if (is(DISCARDING))
        {
            return -1;
        }
        if (!is(CONNECTED))
        {
            // The listener's handshake timeout covers TLS, the WebSocket upgrade and CONNECT together; a CONNECT the
            // Router has is the Router's to answer (0x88 after its own bounded wait), this is only a backstop then.
            final boolean late = 0 == connectHandedNs ? nowNs - openedNs > listener.handshakeTimeoutNs() :
                nowNs - connectHandedNs > Router.LONGEST_CONNACK_WAIT_NS + CONNACK_BACKSTOP_MARGIN_NS;
            return late ? CloseReason.CONNECT_TIMEOUT : -1;
        }
        if (0 != credentialExpiresAtMs && System.currentTimeMillis() >= credentialExpiresAtMs)
        {
            return CloseReason.CREDENTIAL_EXPIRED;
        }
        final long keepAliveNs = TimeUnit.MILLISECONDS.toNanos(keepAliveMs);
        if (keepAliveNs > 0 && nowNs - lastReadNs > keepAliveNs + (keepAliveNs >> 1))
        {
            return CloseReason.KEEP_ALIVE_TIMEOUT;
        }
        return -1;
    }

    @Override
    public long nextCheckNs(final long nowNs)
    {
        if (is(DISCARDING))
        {
            return Long.MAX_VALUE;
        }
        if (!is(CONNECTED))
        {
            return 1 + (0 == connectHandedNs ? openedNs + listener.handshakeTimeoutNs() :
                connectHandedNs + Router.LONGEST_CONNACK_WAIT_NS + CONNACK_BACKSTOP_MARGIN_NS);
        }
        long nextNs = Long.MAX_VALUE;
        if (0 != credentialExpiresAtMs)
        {
            nextNs = nowNs + TimeUnit.MILLISECONDS.toNanos(
                Math.max(0, credentialExpiresAtMs - System.currentTimeMillis()));
        }
        final long keepAliveNs = TimeUnit.MILLISECONDS.toNanos(keepAliveMs);
        if (keepAliveNs > 0)
        {
            nextNs = Math.min(nextNs, lastReadNs + keepAliveNs + (keepAliveNs >> 1) + 1);
        }
        return nextNs;
    }

    @Override
    public boolean check(final long nowNs)
    {
        if (is(DISCARDING))
        {
            return false;
        }
        final int reason = checkTimeouts(nowNs);
        if (reason < 0)
        {
            return true;
        }
        onTimeout(reason, nowNs);
        return false;
    }

    @Override
    public long deadlineTimerId()
    {
        return deadlineTimerId;
    }

    @Override
    public void deadlineTimerId(final long timerId)
    {
        deadlineTimerId = timerId;
    }

    /** Close a connection found late ({@link #checkTimeouts}), with what each kind of lateness sends first. */
    private void onTimeout(final int reason, final long nowNs)
    {
        if (CloseReason.CONNECT_TIMEOUT == reason)
        {
            // TLS, the WebSocket upgrade, the PROXY header and CONNECT did not finish in time: an admission refusal.
            listener.admission().onRefused(ConnectionAdmission.HANDSHAKE_TIMEOUT,
                ConnectionAttributes.clientAddress(ctx.channel()), nowNs);
        }
        if (CloseReason.KEEP_ALIVE_TIMEOUT == reason && MqttVersion.MQTT_5 == version)
        {
            flushPending();
            ctx.write(Unpooled.wrappedBuffer(KEEP_ALIVE_DISCONNECT), ctx.voidPromise());
        }
        if (CloseReason.CREDENTIAL_EXPIRED == reason)
        {
            listener.onCredentialExpired();
            if (MqttVersion.MQTT_5 == version)
            {
                flushPending();
                ctx.write(Unpooled.wrappedBuffer(EXPIRED_DISCONNECT), ctx.voidPromise());
            }
        }
        closeByBroker(reason);
    }
}
