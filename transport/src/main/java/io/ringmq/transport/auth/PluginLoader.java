package io.ringmq.transport.auth;

import io.ringmq.auth.AuthApi;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.EnhancedAuthenticator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * Loads authentication plugins: every {@code *.jar} in the plugins folder, each in its own class loader whose parent
 * is the broker's (so the plugin sees the {@code io.ringmq.auth} API and nothing it must not depend on changes under
 * it), and its {@link Authenticator}, {@link EnhancedAuthenticator} and {@link Authorizer} services. A jar whose
 * manifest asks for a newer API ({@code RingMQ-Auth-Api-Version} above {@link AuthApi#VERSION}) or whose services
 * fail to load stops the start with a message naming the jar: a broker must not run with half its security.
 */
public final class PluginLoader
{
    /** Manifest attribute naming the API version a plugin was built against. */
    public static final String API_VERSION_ATTRIBUTE = "RingMQ-Auth-Api-Version";

    private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);

    /** What the plugins provide. */
    public record Plugins(List<Authenticator> authenticators, List<EnhancedAuthenticator> enhanced,
        List<Authorizer> authorizers)
    {
        /** @return true if no plugin provided anything. */
        public boolean isEmpty()
        {
            return authenticators.isEmpty() && enhanced.isEmpty() && authorizers.isEmpty();
        }
    }

    private PluginLoader()
    {
    }

    /**
     * @param dir the plugins folder.
     * @return the services of its jars, jar by jar in name order.
     * @throws IllegalArgumentException if the folder cannot be read or a plugin cannot be used.
     */
    public static Plugins load(final Path dir)
    {
        final List<Authenticator> authenticators = new ArrayList<>();
        final List<EnhancedAuthenticator> enhanced = new ArrayList<>();
        final List<Authorizer> authorizers = new ArrayList<>();
        final List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar"))
        {
            stream.forEach(jars::add);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read plugins-dir " + dir + ": " + ex.getMessage(), ex);
        }
        jars.sort(null);
        for (final Path jar : jars)
        {
            checkVersion(jar);
            final ClassLoader loader = classLoader(jar);
            try
            {
                final int before = authenticators.size() + enhanced.size() + authorizers.size();
                ServiceLoader.load(Authenticator.class, loader).forEach(authenticators::add);
                ServiceLoader.load(EnhancedAuthenticator.class, loader).forEach(enhanced::add);
                ServiceLoader.load(Authorizer.class, loader).forEach(authorizers::add);
                final int provided = authenticators.size() + enhanced.size() + authorizers.size() - before;
                LOG.info("plugin {}: {} service(s)", jar.getFileName(), provided);
                if (0 == provided)
                {
                    LOG.warn("plugin {} provides no Authenticator, EnhancedAuthenticator or Authorizer (is its " +
                        "META-INF/services listing missing?)", jar.getFileName());
                }
            }
            catch (final ServiceConfigurationError | LinkageError ex)
            {
                throw new IllegalArgumentException("plugin " + jar + " cannot be loaded: " + ex, ex);
            }
        }
        return new Plugins(authenticators, enhanced, authorizers);
    }

    private static void checkVersion(final Path jar)
    {
        try (JarFile file = new JarFile(jar.toFile()))
        {
            final String version = null == file.getManifest() ? null :
                file.getManifest().getMainAttributes().getValue(new Attributes.Name(API_VERSION_ATTRIBUTE));
            if (null != version && Integer.parseInt(version.trim()) > AuthApi.VERSION)
            {
                throw new IllegalArgumentException("plugin " + jar + " needs auth API version " + version.trim() +
                    ", this broker has " + AuthApi.VERSION);
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            throw new IllegalArgumentException("plugin " + jar + " cannot be read: " + ex.getMessage(), ex);
        }
    }

    @SuppressWarnings("resource")   // lives as long as the plugin's services, i.e. the process
    private static ClassLoader classLoader(final Path jar)
    {
        try
        {
            return new URLClassLoader("plugin " + jar.getFileName(), new URL[] {jar.toUri().toURL()},
                PluginLoader.class.getClassLoader());
        }
        catch (final MalformedURLException ex)
        {
            throw new IllegalArgumentException("plugin " + jar + ": " + ex.getMessage(), ex);
        }
    }
}
