package io.ringmq.transport.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Authentication and authorization settings: the files of the built-in sources, their order, the anonymous rule
 * and the authentication pool's bounds. Names are the same on the command line ({@code --password-file}) and in the
 * configuration file ({@code password-file:}). Mutable while the configuration is read; not shared across threads
 * after the broker starts.
 */
public final class AuthConfig
{
    /** Default worker threads of the authentication pool. */
    public static final int DEFAULT_THREADS = 4;
    /** Default decisions that may wait for a worker. */
    public static final int DEFAULT_QUEUE = 10_000;
    /** Default file watch interval (password, credentials, ACL and key files). */
    public static final int DEFAULT_WATCH_INTERVAL_MS = 1_000;

    private String passwordFile;
    private String aclFile;
    private String scramFile;
    private Boolean allowAnonymous;
    private final List<String> chain = new ArrayList<>();
    private String pluginsDir;
    private int threads = DEFAULT_THREADS;
    private int queue = DEFAULT_QUEUE;
    private int watchIntervalMs = DEFAULT_WATCH_INTERVAL_MS;
    /** Settings of the JWT source and the HTTP hook, by option name without their prefix (jwt-, http-auth-). */
    private final Map<String, String> jwt = new LinkedHashMap<>();
    private final Map<String, String> httpHook = new LinkedHashMap<>();

    /** @return Mosquitto password file, or null. */
    public String passwordFile()
    {
        return passwordFile;
    }

    /**
     * @param file Mosquitto password file ({@code $7$} PBKDF2-SHA512 or {@code $6$} SHA-512 entries).
     * @return this.
     */
    public AuthConfig passwordFile(final String file)
    {
        this.passwordFile = file;
        return this;
    }

    /** @return Mosquitto ACL file, or null. */
    public String aclFile()
    {
        return aclFile;
    }

    /**
     * @param file Mosquitto {@code acl_file}.
     * @return this.
     */
    public AuthConfig aclFile(final String file)
    {
        this.aclFile = file;
        return this;
    }

    /** @return SCRAM credentials file, or null. */
    public String scramFile()
    {
        return scramFile;
    }

    /**
     * @param file SCRAM-SHA-256/512 credentials (salted keys, written by {@code ringmq.jar passwd --scram}).
     * @return this.
     */
    public AuthConfig scramFile(final String file)
    {
        this.scramFile = file;
        return this;
    }

    /**
     * @param anySource true if any authentication source is configured.
     * @return whether clients with neither user name nor password are accepted: as set, else only when no source is
     *         configured (secure by default).
     */
    public boolean anonymousAllowed(final boolean anySource)
    {
        return null == allowAnonymous ? !anySource : allowAnonymous;
    }

    /**
     * @param allow accept anonymous clients.
     * @return this.
     */
    public AuthConfig allowAnonymous(final boolean allow)
    {
        this.allowAnonymous = allow;
        return this;
    }

    /** @return source names in the order the chain asks them (sources not named follow in the default order). */
    public List<String> chain()
    {
        return List.copyOf(chain);
    }

    /**
     * @param names source names ({@code certificate}, {@code password-file}, {@code jwt}, {@code http}, a plugin's
     *              name).
     * @return this.
     */
    public AuthConfig chain(final List<String> names)
    {
        chain.clear();
        for (final String name : names)
        {
            final String trimmed = name.trim();
            if (!trimmed.isEmpty())
            {
                chain.add(trimmed);
            }
        }
        return this;
    }

    /** @return folder of plugin jars, or null. */
    public String pluginsDir()
    {
        return pluginsDir;
    }

    /**
     * @param dir folder whose jars provide Authenticator/EnhancedAuthenticator/Authorizer services.
     * @return this.
     */
    public AuthConfig pluginsDir(final String dir)
    {
        this.pluginsDir = dir;
        return this;
    }

    /** @return worker threads. */
    public int threads()
    {
        return threads;
    }

    /**
     * @param threads worker threads of the authentication pool (1 or more).
     * @return this.
     */
    public AuthConfig threads(final int threads)
    {
        if (threads < 1 || threads > 256)
        {
            throw new IllegalArgumentException("auth-threads must be 1..256: " + threads);
        }
        this.threads = threads;
        return this;
    }

    /** @return queue capacity. */
    public int queue()
    {
        return queue;
    }

    /**
     * @param queue decisions that may wait for a worker; more are refused with 0x88.
     * @return this.
     */
    public AuthConfig queue(final int queue)
    {
        if (queue < 1)
        {
            throw new IllegalArgumentException("auth-queue must be at least 1: " + queue);
        }
        this.queue = queue;
        return this;
    }

    /**
     * @param name  a JWT setting without its {@code jwt-} prefix.
     * @param value its value.
     * @return this.
     */
    public AuthConfig jwt(final String name, final String value)
    {
        jwt.put(name, value);
        return this;
    }

    /** @return the JWT settings given (empty: no JWT source). */
    public Map<String, String> jwt()
    {
        return Map.copyOf(jwt);
    }

    /**
     * @param name  an HTTP hook setting without its {@code http-auth-} prefix.
     * @param value its value.
     * @return this.
     */
    public AuthConfig httpHook(final String name, final String value)
    {
        httpHook.put(name, value);
        return this;
    }

    /** @return the HTTP hook settings given (empty: no hook). */
    public Map<String, String> httpHook()
    {
        return Map.copyOf(httpHook);
    }

    /** @return file watch interval in ms, 0 for SIGHUP only. */
    public int watchIntervalMs()
    {
        return watchIntervalMs;
    }

    /**
     * @param ms how often the auth files are checked for changes, 0 for SIGHUP only.
     * @return this.
     */
    public AuthConfig watchIntervalMs(final int ms)
    {
        if (ms < 0)
        {
            throw new IllegalArgumentException("auth-watch-interval must not be negative: " + ms);
        }
        this.watchIntervalMs = ms;
        return this;
    }
}
