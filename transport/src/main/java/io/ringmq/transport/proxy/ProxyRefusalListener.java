package io.ringmq.transport.proxy;

import java.net.SocketAddress;

/**
 * Told of every connection {@link ProxyProtocolHandler} closes for its PROXY header: none where one is required,
 * or a malformed one. Implemented by {@link io.ringmq.transport.admission.ConnectionAdmission}, which counts the
 * refusal and writes a rate-limited log line.
 * <p>
 * <b>Threading:</b> called on the connection's event loop, by any of the listener's loops at once: implementations
 * are thread-safe and do not block.
 */
@FunctionalInterface
public interface ProxyRefusalListener
{
    /**
     * A connection is being closed for its PROXY header.
     *
     * @param socketAddress the socket's peer (the proxy, or whoever connected), may be null.
     * @param why           what was wrong, for the log.
     * @param nowNs         {@link System#nanoTime()} now.
     */
    void onProxyHeaderRefused(SocketAddress socketAddress, String why, long nowNs);
}
