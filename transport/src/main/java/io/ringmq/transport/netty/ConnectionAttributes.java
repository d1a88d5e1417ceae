package io.ringmq.transport.netty;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What the pipeline learns about a connection before MQTT starts, kept as channel attributes so that every handler
 * (and the log lines about the connection) sees the same answer.
 * <p>
 * <b>Threading:</b> set and read on the channel's event loop.
 */
public final class ConnectionAttributes
{
    /**
     * The client's address as the PROXY protocol header gave it; absent when the listener reads no header or the
     * connection (optional mode) sent none, and then the socket's peer address is the client's.
     */
    public static final AttributeKey<InetSocketAddress> PROXIED_ADDRESS =
        AttributeKey.valueOf("ringmq.proxiedAddress");

    private ConnectionAttributes()
    {
    }

    /**
     * @param channel a connection.
     * @return the client's address: from the PROXY header when one was read, else the socket's peer.
     */
    public static SocketAddress clientAddress(final Channel channel)
    {
        final InetSocketAddress proxied = channel.attr(PROXIED_ADDRESS).get();
        return null != proxied ? proxied : channel.remoteAddress();
    }
}
