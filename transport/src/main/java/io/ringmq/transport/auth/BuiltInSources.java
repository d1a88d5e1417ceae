package io.ringmq.transport.auth;

import io.ringmq.auth.Authenticator;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.EnhancedAuthenticator;
import io.ringmq.transport.auth.acl.AclFileAuthorizer;
import io.ringmq.transport.auth.acl.AclFileException;
import io.ringmq.transport.auth.password.PasswordFileAuthenticator;
import io.ringmq.transport.auth.scram.ScramAuthenticator;
import io.ringmq.transport.auth.scram.ScramMechanism;
import io.ringmq.transport.auth.http.HttpAuthHook;
import io.ringmq.transport.auth.http.HttpHookConfig;
import io.ringmq.transport.auth.jwt.JwtAuthenticator;
import io.ringmq.transport.auth.jwt.JwtConfig;
import io.ringmq.transport.config.AuthConfig;
import io.ringmq.transport.config.ServerConfig;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sources the broker ships, created from the files the settings name. A file that cannot be read or parsed
 * stops the start with its name and line: a broker must not come up with less security than it was configured with.
 */
final class BuiltInSources
{
    private BuiltInSources()
    {
    }

    static void add(final AuthConfig config, final Map<String, Authenticator> authenticators,
        final List<EnhancedAuthenticator> enhanced, final List<Authorizer> authorizers)
    {
        try
        {
            if (null != config.passwordFile())
            {
                final Authenticator passwords = new PasswordFileAuthenticator(Path.of(config.passwordFile()));
                authenticators.put(passwords.name(), passwords);
            }
            if (!config.jwt().isEmpty())
            {
                final Authenticator jwt = new JwtAuthenticator(jwtConfig(config.jwt()));
                authenticators.put(jwt.name(), jwt);
            }
            if (!config.httpHook().isEmpty())
            {
                final Authenticator hook = new HttpAuthHook(httpConfig(config.httpHook()));
                authenticators.put(hook.name(), hook);
            }
            if (null != config.aclFile())
            {
                authorizers.add(new AclFileAuthorizer(Path.of(config.aclFile())));
            }
            if (null != config.scramFile())
            {
                for (final ScramMechanism mechanism : ScramMechanism.values())
                {
                    enhanced.add(new ScramAuthenticator(Path.of(config.scramFile()), mechanism));
                }
            }
        }
        catch (final IOException | AclFileException ex)
        {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
    }

    private static JwtConfig jwtConfig(final Map<String, String> settings)
    {
        final List<Path> keys = new ArrayList<>();
        for (final String key : settings.getOrDefault("public-keys", "").split(","))
        {
            if (!key.isBlank())
            {
                keys.add(Path.of(key.trim()));
            }
        }
        final String jwks = settings.get("jwks-file");
        return new JwtConfig(
            JwtConfig.TokenSource.valueOf(settings.getOrDefault("from", "password").trim().toUpperCase(Locale.ROOT)),
            keys, null == jwks ? null : Path.of(jwks),
            ServerConfig.bool(settings.getOrDefault("require-exp", "true")),
            Integer.parseInt(settings.getOrDefault("clock-skew", String.valueOf(JwtConfig.DEFAULT_CLOCK_SKEW_SECONDS))),
            settings.get("client-id-claim"), settings.get("username-claim"), settings.get("issuer"),
            settings.get("audience"), settings.get("acl-claim"), JwtConfig.DEFAULT_MAX_TOKEN_LENGTH);
    }

    private static HttpHookConfig httpConfig(final Map<String, String> settings)
    {
        final String url = settings.get("url");
        if (null == url)
        {
            throw new IllegalArgumentException("http-auth-url is needed for the HTTP hook");
        }
        final Map<String, String> headers = new LinkedHashMap<>();
        for (final String header : settings.getOrDefault("headers", "").split(";"))
        {
            if (header.isBlank())
            {
                continue;
            }
            final int colon = header.indexOf(':');
            if (colon <= 0)
            {
                throw new IllegalArgumentException("http-auth-headers: 'Name: value' expected, got " + header);
            }
            headers.put(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
        }
        return new HttpHookConfig(URI.create(url), headers,
            Long.parseLong(settings.getOrDefault("timeout", String.valueOf(HttpHookConfig.DEFAULT_REQUEST_TIMEOUT_MS))),
            HttpHookConfig.DEFAULT_CONNECT_TIMEOUT_MS,
            Integer.parseInt(settings.getOrDefault("cache-size", String.valueOf(HttpHookConfig.DEFAULT_CACHE_SIZE))),
            Long.parseLong(settings.getOrDefault("cache-ttl", String.valueOf(HttpHookConfig.DEFAULT_CACHE_TTL_MS))),
            ServerConfig.bool(settings.getOrDefault("fail-open", "false")), HttpHookConfig.DEFAULT_THREADS,
            HttpHookConfig.DEFAULT_MAX_RESPONSE_BYTES);
    }
}
