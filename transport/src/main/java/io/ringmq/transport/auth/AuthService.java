package io.ringmq.transport.auth;

import io.ringmq.auth.AclEntry;
import io.ringmq.auth.AuthExchange;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.AuthStep;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import io.ringmq.auth.EnhancedAuthenticator;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.core.session.AuthOutcome;
import io.ringmq.core.status.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The broker's authentication chain and its bounded worker pool. Every CONNECT (and every AUTH of an MQTT 5
 * exchange) is decided here, off the routing thread and the event loops: password hashing, token signatures and HTTP
 * calls never delay routing. The event loop holds the connection's later packets until the decision, then hands the
 * CONNECT to the Router with the outcome (see {@code MqttConnectionHandler}), so the decision is in order with the
 * connection's other packets.
 * <p>
 * <b>Chain.</b> Authenticators are asked in order; the first ALLOW or DENY decides. A client every source ignores is
 * accepted only if it is anonymous (no user name, no password) and anonymous clients are allowed; a named client no
 * source knows is refused (0x86), unless no authenticator is configured at all (then user names are taken on trust,
 * as Mosquitto does with only an {@code acl_file}). A CONNECT naming an Authentication Method no enhanced
 * authenticator handles is refused with 0x8C.
 * <p>
 * <b>Permissions.</b> An ACL carried by the credential (JWT claim, HTTP answer) comes first, then each authorizer's
 * rules for the client; what none decides is denied. Without authorizers and without an ACL from the credential,
 * everything is allowed.
 * <p>
 * <b>Bounds.</b> The pool has {@code threads} threads and a queue of {@code queueCapacity}; a CONNECT that finds it
 * full is refused at once with 0x88 (Server unavailable), counted and logged, rather than queued without bound.
 * Refusals are slowed down per address and user name ({@link FailureThrottle}).
 */
public final class AuthService implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);
    private static final long LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);

    private final List<Authenticator> authenticators;
    private final Map<String, EnhancedAuthenticator> enhanced = new LinkedHashMap<>();
    private final List<Authorizer> authorizers;
    private final boolean allowAnonymous;
    private final Function<List<AclEntry>, TopicPermissions> aclCompiler;
    private final ThreadPoolExecutor pool;
    private final FailureThrottle throttle = new FailureThrottle(100_000);
    private final RateLimitedLog refusalLog = new RateLimitedLog(LOG_INTERVAL_NS);
    private final RateLimitedLog errorLog = new RateLimitedLog(LOG_INTERVAL_NS);
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong poolFull = new AtomicLong();
    private final AtomicLong sourceErrors = new AtomicLong();
    private volatile Runnable onPermissionsReloaded = AuthService::noAction;
    private ScheduledExecutorService watcher;
    /** Per source, the refusal last logged: a broken file is retried every watch but logged once. Under this. */
    private final Map<String, String> lastRefusal = new java.util.HashMap<>();

    private static void noAction()
    {
    }

    /**
     * One client's enhanced-authentication conversation, owned by its connection: one step at a time, each on a pool
     * thread, handed over through the pool's and the event loop's queues (which order the steps' memory effects).
     */
    public static final class Exchange
    {
        private final String method;
        private final EnhancedAuthenticator authenticator;
        private final ClientInfo client;
        private final boolean assignedClientId;
        /** Started on the pool at the first step (a plugin's start() may do work that must not run on a loop). */
        private AuthExchange exchange;

        private Exchange(final String method, final EnhancedAuthenticator authenticator, final ClientInfo client,
            final boolean assignedClientId)
        {
            this.method = method;
            this.authenticator = authenticator;
            this.client = client;
            this.assignedClientId = assignedClientId;
        }

        /** @return the Authentication Method. */
        public String method()
        {
            return method;
        }
    }

    /**
     * @param authenticators sources in chain order.
     * @param enhanced       enhanced authenticators (one per method).
     * @param authorizers    authorizers in chain order.
     * @param allowAnonymous accept clients with neither user name nor password that every source ignores.
     * @param aclCompiler    compiles an ACL carried by a credential into permissions.
     * @param threads        worker threads.
     * @param queueCapacity  decisions that may wait for a thread; more are refused with 0x88.
     */
    public AuthService(final List<Authenticator> authenticators, final List<EnhancedAuthenticator> enhanced,
        final List<Authorizer> authorizers, final boolean allowAnonymous,
        final Function<List<AclEntry>, TopicPermissions> aclCompiler, final int threads, final int queueCapacity)
    {
        if (threads < 1 || queueCapacity < 1)
        {
            throw new IllegalArgumentException("auth threads and queue must be at least 1: " + threads + ", " +
                queueCapacity);
        }
        this.authenticators = List.copyOf(authenticators);
        for (final EnhancedAuthenticator e : enhanced)
        {
            if (null != this.enhanced.put(e.method(), e))
            {
                throw new IllegalArgumentException("two enhanced authenticators for method " + e.method());
            }
        }
        this.authorizers = List.copyOf(authorizers);
        this.allowAnonymous = allowAnonymous;
        this.aclCompiler = aclCompiler;
        final AtomicInteger index = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queueCapacity), runnable ->
            {
                final Thread thread = new Thread(runnable, "ringmq-auth-" + index.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** @param action what to run after the authorizers reloaded their rules (the Router re-judges subscriptions). */
    public void onPermissionsReloaded(final Runnable action)
    {
        this.onPermissionsReloaded = action;
    }

    /**
     * Check the sources' files every {@code intervalMs} on a daemon thread of its own (never an event loop or the
     * Router) and reload what changed.
     *
     * @param intervalMs the interval; 0 leaves reloading to SIGHUP and the admin API.
     */
    public synchronized void watch(final long intervalMs)
    {
        if (intervalMs <= 0 || null != watcher)
        {
            return;
        }
        watcher = Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "ringmq-auth-reload");
            thread.setDaemon(true);
            return thread;
        });
        watcher.scheduleWithFixedDelay(() ->
        {
            try
            {
                reload();
            }
            catch (final RuntimeException ex)
            {
                // A scheduled task that throws is never run again: keep watching.
                logError("file watch", ex);
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** @return the names of the sources, in chain order, for the start-up log. */
    public List<String> describe()
    {
        final List<String> names = new ArrayList<>();
        authenticators.forEach(a -> names.add(a.name()));
        enhanced.keySet().forEach(m -> names.add("enhanced " + m));
        authorizers.forEach(a -> names.add("authorizer " + a.name()));
        names.add(allowAnonymous ? "anonymous allowed" : "anonymous refused");
        return names;
    }

    /**
     * Event loop: decide a CONNECT without an Authentication Method.
     *
     * @param client           the client.
     * @param assignedClientId true if the transport assigned the client id (the client sent an empty one).
     * @param onDone           called once with the decision, on a pool thread (or at once if the pool is full).
     */
    public void authenticate(final ClientInfo client, final boolean assignedClientId,
        final Consumer<AuthDecision> onDone)
    {
        submit(client, onDone, () -> chain(client, assignedClientId));
    }

    /**
     * Event loop: start an enhanced authentication.
     *
     * @param method           the CONNECT's (or re-authentication's) Authentication Method.
     * @param client           the client.
     * @param assignedClientId true if the transport assigned the client id.
     * @return the exchange, or null if no enhanced authenticator handles the method (refuse with 0x8C).
     */
    public Exchange startExchange(final String method, final ClientInfo client, final boolean assignedClientId)
    {
        final EnhancedAuthenticator authenticator = enhanced.get(method);
        return null == authenticator ? null : new Exchange(method, authenticator, client, assignedClientId);
    }

    /**
     * Event loop: feed the client's authentication data to an exchange.
     *
     * @param exchange the exchange.
     * @param data     the CONNECT's or AUTH's Authentication Data (empty if none).
     * @param onDone   called once with a challenge or the outcome, on a pool thread.
     */
    public void step(final Exchange exchange, final byte[] data, final Consumer<AuthDecision> onDone)
    {
        submit(exchange.client, onDone, () ->
        {
            final AuthStep step;
            try
            {
                if (null == exchange.exchange)
                {
                    exchange.exchange = exchange.authenticator.start(exchange.client);
                }
                step = exchange.exchange.next(data);
            }
            catch (final Exception ex)
            {
                return refuse(exchange.client, AuthResult.NOT_AUTHORIZED, exchange.method + ": " + ex.getMessage());
            }
            if (step.isChallenge())
            {
                return AuthDecision.challenge(step.challenge());
            }
            final AuthResult result = step.result();
            return Decision.ALLOW == result.decision() ?
                accept(exchange.client, result, exchange.assignedClientId, exchange.method) :
                refuse(exchange.client, Decision.DENY == result.decision() ? result.reasonCode() :
                AuthResult.NOT_AUTHORIZED, exchange.method + ": " + result.reason());
        });
    }

    /**
     * A refusal decided on the event loop (unknown method, protocol error in the exchange): counted, logged and
     * slowed down like the others.
     *
     * @param client     the client.
     * @param reasonCode the MQTT 5 reason code.
     * @param reason     why.
     * @return the decision.
     */
    public AuthDecision refuseNow(final ClientInfo client, final int reasonCode, final String reason)
    {
        return refuse(client, reasonCode, reason);
    }

    private void submit(final ClientInfo client, final Consumer<AuthDecision> onDone,
        final java.util.concurrent.Callable<AuthDecision> work)
    {
        try
        {
            pool.execute(() ->
            {
                AuthDecision decision;
                try
                {
                    decision = work.call();
                }
                catch (final Exception | LinkageError ex)
                {
                    // The pool's error boundary: a source that throws refuses its client, never kills the thread.
                    sourceErrors.incrementAndGet();
                    decision = refuse(client, AuthResult.SERVER_UNAVAILABLE, "authentication failed: " + ex);
                }
                onDone.accept(decision);
            });
        }
        catch (final RejectedExecutionException ex)
        {
            poolFull.incrementAndGet();
            onDone.accept(refuse(client, AuthResult.SERVER_UNAVAILABLE, "authentication queue full"));
        }
    }

    private AuthDecision chain(final ClientInfo client, final boolean assignedClientId)
    {
        for (final Authenticator authenticator : authenticators)
        {
            final AuthResult result;
            try
            {
                result = authenticator.authenticate(client);
            }
            catch (final Exception ex)
            {
                sourceErrors.incrementAndGet();
                logError(authenticator.name(), ex);
                return refuse(client, AuthResult.SERVER_UNAVAILABLE, authenticator.name() + " failed: " + ex);
            }
            if (null == result || Decision.IGNORE == result.decision())
            {
                continue;
            }
            if (Decision.DENY == result.decision())
            {
                return refuse(client, result.reasonCode(), authenticator.name() + ": " + result.reason());
            }
            return accept(client, result, assignedClientId, null);
        }
        if (client.anonymous())
        {
            return allowAnonymous ? accept(client, AuthResult.allow(), assignedClientId, null) :
                refuse(client, AuthResult.NOT_AUTHORIZED, "anonymous clients are not allowed");
        }
        if (authenticators.isEmpty())
        {
            return accept(client, AuthResult.allow(), assignedClientId, null);
        }
        return refuse(client, AuthResult.BAD_USER_NAME_OR_PASSWORD, "no source knows user " + client.username());
    }

    private AuthDecision accept(final ClientInfo client, final AuthResult result, final boolean assignedClientId,
        final String method)
    {
        final TopicPermissions permissions;
        try
        {
            permissions = permissionsFor(null == result.username() ? client : client.withUsername(
                result.username()), result);
        }
        catch (final Exception ex)
        {
            sourceErrors.incrementAndGet();
            logError("authorizer", ex);
            return refuse(client, AuthResult.SERVER_UNAVAILABLE, "permissions failed: " + ex);
        }
        throttle.onSuccess(host(client.clientAddress()), client.username());
        accepted.incrementAndGet();
        return new AuthDecision(null, AuthOutcome.accepted(permissions, assignedClientId ? client.clientId() : null,
            method, result.authData()), result.expiresAtMillis(), 0);
    }

    /**
     * @param client the authenticated client.
     * @param result what authentication said (may carry an ACL), or null.
     * @return its permissions.
     * @throws Exception if an authorizer failed.
     */
    TopicPermissions permissionsFor(final ClientInfo client, final AuthResult result) throws Exception
    {
        final List<TopicPermissions> parts = new ArrayList<>(authorizers.size() + 1);
        if (null != result && null != result.acl())
        {
            parts.add(aclCompiler.apply(result.acl()));
        }
        for (final Authorizer authorizer : authorizers)
        {
            final TopicPermissions part = authorizer.permissions(client);
            if (null != part && TopicPermissions.ABSTAIN != part)
            {
                parts.add(part);
            }
        }
        if (parts.isEmpty())
        {
            return authorizers.isEmpty() ? TopicPermissions.ALLOW_ALL : ChainedPermissions.DENY_ALL;
        }
        // One part answers on its own: the routing thread treats IGNORE as a refusal anyway.
        return 1 == parts.size() ? parts.get(0) : new ChainedPermissions(parts.toArray(new TopicPermissions[0]));
    }

    private AuthDecision refuse(final ClientInfo client, final int reasonCode, final String reason)
    {
        refused.incrementAndGet();
        final long nowNs = System.nanoTime();
        final long delayMs = throttle.onFailure(host(client.clientAddress()), client.username(), nowNs);
        // The Router logs each refusal with its connection (rate-limited); here only what it cannot know: that
        // answers are being held back after repeated failures. Never the password or the token.
        if (delayMs > 0)
        {
            final long count = refusalLog.onEvent(nowNs);
            if (count > 0)
            {
                LOG.warn("repeated authentication failures: {} refusal(s) held back since the last report, latest " +
                    "client '{}' (user {}, from {} on {}) by {} ms: {}", count, client.clientId(), client.username(),
                    client.clientAddress(), client.listener(), delayMs, reason);
            }
        }
        return new AuthDecision(null, AuthOutcome.refused(reasonCode, reason), 0, delayMs);
    }

    private void logError(final String source, final Exception ex)
    {
        final long count = errorLog.onEvent(System.nanoTime());
        if (count > 0)
        {
            LOG.warn("authentication source {} failed: {} ({} failure(s) since the last report)", source,
                ex.toString(), count);
        }
    }

    static String host(final String address)
    {
        if (null == address)
        {
            return null;
        }
        final int colon = address.lastIndexOf(':');
        return colon > 0 ? address.substring(0, colon) : address;
    }

    /**
     * Re-read every source's files (SIGHUP, the file watch, the admin API). A source whose new files fail keeps its
     * old rules; the answer says so.
     *
     * @return one line per source that changed or refused its new files; empty if nothing changed.
     */
    public synchronized List<String> reload()
    {
        final List<String> changes = new ArrayList<>();
        for (final Authenticator authenticator : authenticators)
        {
            reloadOne(authenticator.name(), authenticator::reload, changes);
        }
        for (final EnhancedAuthenticator authenticator : enhanced.values())
        {
            reloadOne(authenticator.method(), authenticator::reload, changes);
        }
        boolean permissionsChanged = false;
        for (final Authorizer authorizer : authorizers)
        {
            permissionsChanged |= reloadOne(authorizer.name(), authorizer::reload, changes);
        }
        if (permissionsChanged)
        {
            onPermissionsReloaded.run();
        }
        return changes;
    }

    @FunctionalInterface
    private interface Reload
    {
        boolean reload() throws Exception;
    }

    private boolean reloadOne(final String name, final Reload reload, final List<String> changes)
    {
        try
        {
            final boolean changed = reload.reload();
            lastRefusal.remove(name);
            if (changed)
            {
                changes.add(name + ": reloaded");
                LOG.info("{}: reloaded; new connections use it now, connected clients at their next operation",
                    name);
                return true;
            }
        }
        catch (final Exception ex)
        {
            changes.add(name + ": refused, the previous rules stay: " + ex.getMessage());
            if (!String.valueOf(ex.getMessage()).equals(lastRefusal.put(name, String.valueOf(ex.getMessage()))))
            {
                LOG.warn("{}: the new file was refused, the previous rules stay: {}", name, ex.getMessage());
            }
        }
        return false;
    }

    /** @return clients accepted. */
    public long accepted()
    {
        return accepted.get();
    }

    /** @return clients refused (any source, any reason). */
    public long refused()
    {
        return refused.get();
    }

    /** @return decisions refused because the pool's queue was full. */
    public long poolFull()
    {
        return poolFull.get();
    }

    /** @return sources that threw. */
    public long sourceErrors()
    {
        return sourceErrors.get();
    }

    /** @return times the failure table started over. */
    public long throttleResets()
    {
        return throttle.resets();
    }

    @Override
    public void close()
    {
        synchronized (this)
        {
            if (null != watcher)
            {
                watcher.shutdownNow();
            }
        }
        pool.shutdownNow();
        authenticators.forEach(AuthService::closeQuietly);
        authorizers.forEach(a -> closeQuietly(a::close));
    }

    private static void closeQuietly(final Authenticator authenticator)
    {
        closeQuietly(authenticator::close);
    }

    private static void closeQuietly(final Runnable close)
    {
        try
        {
            close.run();
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("closing an authentication source failed: {}", ex.toString());
        }
    }
}
