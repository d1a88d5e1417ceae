package io.ringmq.auth;

/**
 * One client's enhanced-authentication conversation. The broker calls {@link #next} once per message from the client
 * (the CONNECT's or AUTH's Authentication Data), never concurrently for the same exchange, on the authentication
 * pool.
 */
public interface AuthExchange
{
    /**
     * @param clientData the client's Authentication Data (empty if it sent none).
     * @return a challenge for the client (AUTH, reason 0x18 Continue authentication), or the final result; an
     * {@link AuthResult#allow()} may carry the server's last message ({@link AuthResult#withAuthData}).
     * @throws Exception on a malformed message; the broker refuses the client (0x87) and logs it.
     */
    AuthStep next(byte[] clientData) throws Exception;
}
