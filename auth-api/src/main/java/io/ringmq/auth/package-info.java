/**
 * RingMQ's authentication and authorization API, version {@link io.ringmq.auth.AuthApi#VERSION}.
 * <p>
 * A plugin is a jar in the broker's plugins folder that lists its implementations of {@link
 * io.ringmq.auth.Authenticator}, {@link io.ringmq.auth.EnhancedAuthenticator} or {@link io.ringmq.auth.Authorizer} in
 * {@code META-INF/services}; the broker loads them with {@link java.util.ServiceLoader} and puts them in its chain
 * after the built-in sources, in the order of the {@code auth.chain} setting when it names them.
 * <p>
 * <b>Threads.</b> Authentication ({@code Authenticator}, {@code EnhancedAuthenticator}, {@code
 * Authorizer#permissions}) runs on the broker's bounded authentication pool: it may block for I/O or hash a password,
 * but every call should finish well within the listener's handshake timeout. {@link io.ringmq.auth.TopicPermissions}
 * runs on the routing thread for every PUBLISH and delivery it covers: it must not block, lock or allocate.
 * <p>
 * <b>Chain.</b> Each source answers {@link io.ringmq.auth.Decision#ALLOW}, {@code DENY} or {@code IGNORE}; the first
 * answer that is not {@code IGNORE} decides, and a client that every source ignores is refused unless it is anonymous
 * and anonymous clients are allowed.
 */
package io.ringmq.auth;
