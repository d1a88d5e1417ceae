package io.ringmq.transport.auth;

import io.ringmq.auth.AclEntry;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.EnhancedAuthenticator;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.transport.config.AuthConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the broker's {@link AuthService} from its settings: the built-in sources the files name, the plugins, and
 * sources an embedding application passes in; in the order {@code auth-chain} gives (the rest follow in the default
 * order: certificate, password-file, jwt, http, plugins, embedded).
 */
public final class AuthFactory
{
    /**
     * Sources an embedding application (or a test) passes in, asked after the configured ones.
     *
     * @param authenticators authentication sources.
     * @param enhanced       enhanced authentication methods.
     * @param authorizers    authorizers.
     */
    public record Embedded(List<Authenticator> authenticators, List<EnhancedAuthenticator> enhanced,
        List<Authorizer> authorizers)
    {
        /** Nothing embedded. */
        public static final Embedded NONE = new Embedded(List.of(), List.of(), List.of());
    }

    private AuthFactory()
    {
    }

    /**
     * @param config      the settings.
     * @param embedded    sources given by the embedding application (tests, an application embedding the broker),
     *                    after the configured ones.
     * @param aclCompiler compiles an ACL carried by a credential.
     * @return the service, or null when nothing is configured (the broker then lets every client in, as before).
     * @throws IllegalArgumentException if a file or plugin cannot be used, or the chain names an unknown source.
     */
    public static AuthService create(final AuthConfig config, final Embedded embedded,
        final Function<List<AclEntry>, TopicPermissions> aclCompiler)
    {
        final Map<String, Authenticator> byName = new LinkedHashMap<>();
        final List<EnhancedAuthenticator> enhanced = new ArrayList<>();
        final List<Authorizer> allAuthorizers = new ArrayList<>();
        if (config.chain().contains(CertificateAuthenticator.NAME))
        {
            add(byName, new CertificateAuthenticator());
        }
        BuiltInSources.add(config, byName, enhanced, allAuthorizers);
        if (null != config.pluginsDir())
        {
            final PluginLoader.Plugins plugins = PluginLoader.load(Path.of(config.pluginsDir()));
            plugins.authenticators().forEach(a -> add(byName, a));
            enhanced.addAll(plugins.enhanced());
            allAuthorizers.addAll(plugins.authorizers());
        }
        embedded.authenticators().forEach(a -> add(byName, a));
        enhanced.addAll(embedded.enhanced());
        allAuthorizers.addAll(embedded.authorizers());
        if (byName.isEmpty() && enhanced.isEmpty() && allAuthorizers.isEmpty())
        {
            return null;
        }
        final List<Authenticator> ordered = new ArrayList<>();
        for (final String name : config.chain())
        {
            final Authenticator named = byName.remove(name);
            if (null == named)
            {
                throw new IllegalArgumentException("auth-chain names " + name + ", which is not configured (known: " +
                    names(ordered, byName) + ")");
            }
            ordered.add(named);
        }
        ordered.addAll(byName.values());
        final boolean anySource = !ordered.isEmpty() || !enhanced.isEmpty();
        return new AuthService(ordered, enhanced, allAuthorizers, config.anonymousAllowed(anySource), aclCompiler,
            config.threads(), config.queue());
    }

    private static void add(final Map<String, Authenticator> byName, final Authenticator authenticator)
    {
        if (null != byName.putIfAbsent(authenticator.name(), authenticator))
        {
            throw new IllegalArgumentException("two authentication sources are named " + authenticator.name());
        }
    }

    private static List<String> names(final List<Authenticator> ordered, final Map<String, Authenticator> rest)
    {
        final List<String> names = new ArrayList<>();
        ordered.forEach(a -> names.add(a.name()));
        names.addAll(rest.keySet());
        return names;
    }
}
