package io.ringmq.transport.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads the {@code --config} file. YAML ({@code .yaml}, {@code .yml}): every broker setting by its command-line
 * name at the top level, and a {@code listeners:} list, each listener a map of its settings with an optional
 * {@code tls:} map (see {@code config/ringmq.example.yaml}). Any other file is read as Java properties
 * ({@code name=value} lines), which cannot declare listeners. Unknown keys are refused with their path, so that a
 * typo never silently leaves a setting at its default.
 * <p>
 * <b>Threading:</b> stateless; the starting thread.
 */
public final class ConfigFile
{
    private ConfigFile()
    {
    }

    /**
     * @param file   the configuration file.
     * @param config where its settings go.
     * @throws IllegalArgumentException naming the file, the key and the problem.
     */
    public static void read(final Path file, final ServerConfig config)
    {
        final String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml"))
        {
            readYaml(file, config);
        }
        else
        {
            readProperties(file, config);
        }
    }

    private static void readProperties(final Path file, final ServerConfig config)
    {
        final Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file);
            Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8))
        {
            properties.load(reader);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + ex.getMessage(), ex);
        }
        for (final String key : properties.stringPropertyNames())
        {
            config.set(key, properties.getProperty(key));
        }
    }

    private static void readYaml(final Path file, final ServerConfig config)
    {
        final JsonNode root;
        try (InputStream in = Files.newInputStream(file))
        {
            root = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        catch (final JacksonException ex)
        {
            throw new IllegalArgumentException("config file " + file + " is not valid YAML: " +
                ex.getOriginalMessage() + (null == ex.getLocation() ? "" : " at line " + ex.getLocation().getLineNr()),
                ex);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + ex.getMessage(), ex);
        }
        if (null == root || root.isMissingNode() || root.isNull())
        {
            return;  // an empty file: the defaults
        }
        if (!root.isObject())
        {
            throw new IllegalArgumentException("config file " + file + ": the top level must be a map of settings");
        }
        for (final Map.Entry<String, JsonNode> field : root.properties())
        {
            final String key = field.getKey();
            try
            {
                if ("listeners".equals(key))
                {
                    readListeners(field.getValue(), config);
                }
                else if (ServerConfig.isOption(key) || io.ringmq.core.config.BrokerConfig.isSetting(key))
                {
                    config.set(key, scalar(key, field.getValue()));
                }
                else
                {
                    throw new IllegalArgumentException("unknown setting " + key);
                }
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("config file " + file + ": " + ex.getMessage(), ex);
            }
        }
    }

    private static void readListeners(final JsonNode list, final ServerConfig config)
    {
        if (!list.isArray())
        {
            throw new IllegalArgumentException("listeners must be a list");
        }
        for (int i = 0; i < list.size(); i++)
        {
            final JsonNode node = list.get(i);
            final String where = "listeners[" + i + "]";
            if (!node.isObject())
            {
                throw new IllegalArgumentException(where + " must be a map of settings");
            }
            config.addListener(listener(where, node));
        }
    }

    private static ListenerConfig listener(final String where, final JsonNode node)
    {
        final ListenerConfig listener = new ListenerConfig();
        double rate = 0;
        int burst = 0;
        double addressRate = 0;
        int addressBurst = 0;
        for (final Map.Entry<String, JsonNode> field : node.properties())
        {
            final String key = field.getKey();
            final String path = where + "." + key;
            try
            {
                if ("tls".equals(key))
                {
                    listener.tls(tls(path, field.getValue()));
                    continue;
                }
                final String value = scalar(path, field.getValue());
                switch (key)
                {
                    case "name" -> listener.name(value);
                    case "protocol" -> listener.protocol(ListenerConfig.Protocol.parse(value));
                    case "bind" -> listener.bind(value);
                    case "port" -> listener.port(toInt(value));
                    case "path" -> listener.webSocketPath(value);
                    case "proxy-protocol" -> listener.proxyProtocol(ListenerConfig.ProxyMode.parse(value));
                    case "max-connections" -> listener.maxConnections(toInt(value));
                    case "connect-rate" -> rate = toDouble(value);
                    case "connect-burst" -> burst = toInt(value);
                    case "connect-rate-per-address" -> addressRate = toDouble(value);
                    case "connect-burst-per-address" -> addressBurst = toInt(value);
                    case "handshake-timeout" -> listener.handshakeTimeoutMs(toInt(value));
                    default -> throw new IllegalArgumentException("unknown setting");
                }
            }
            catch (final IllegalArgumentException ex)
            {
                throw located(path, ex);
            }
        }
        listener.connectRate(rate, burst);
        listener.connectRatePerAddress(addressRate, addressBurst);
        return listener;
    }

    private static TlsConfig tls(final String where, final JsonNode node)
    {
        if (!node.isObject())
        {
            throw new IllegalArgumentException("must be a map of TLS settings");
        }
        final TlsConfig tls = new TlsConfig();
        for (final Map.Entry<String, JsonNode> field : node.properties())
        {
            final String key = field.getKey();
            final String path = where + "." + key;
            try
            {
                final JsonNode value = field.getValue();
                switch (key)
                {
                    case "cert-file" -> tls.certFile(scalar(path, value));
                    case "key-file" -> tls.keyFile(scalar(path, value));
                    case "key-password" -> tls.keyPassword(scalar(path, value));
                    case "keystore" -> tls.keystore(scalar(path, value));
                    case "keystore-password" -> tls.keystorePassword(scalar(path, value));
                    case "keystore-type" -> tls.keystoreType(scalar(path, value));
                    case "ca-file" -> tls.caFile(scalar(path, value));
                    case "crl-file" -> tls.crlFile(scalar(path, value));
                    case "client-auth" -> tls.clientAuth(TlsConfig.ClientAuth.parse(scalar(path, value)));
                    case "protocols" -> tls.protocols(list(value));
                    case "ciphers" -> tls.ciphers(list(value));
                    case "alpn" -> tls.alpn(list(value));
                    case "use-identity-as-username" -> tls.useIdentityAsUsername(
                        ServerConfig.bool(scalar(path, value)));
                    case "use-subject-as-username" -> tls.useSubjectAsUsername(ServerConfig.bool(scalar(path, value)));
                    case "provider" -> tls.provider(TlsConfig.Provider.parse(scalar(path, value)));
                    case "watch-interval" -> tls.watchIntervalMs(toInt(scalar(path, value)));
                    default -> throw new IllegalArgumentException("unknown setting");
                }
            }
            catch (final IllegalArgumentException ex)
            {
                throw located(path, ex);
            }
        }
        return tls;
    }

    /** A problem already named by the path of its key: outer levels pass it on as it is. */
    private static final class LocatedException extends IllegalArgumentException
    {
        private static final long serialVersionUID = 1L;

        LocatedException(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }

    private static IllegalArgumentException located(final String path, final IllegalArgumentException ex)
    {
        return ex instanceof LocatedException ? ex : new LocatedException(path + ": " + ex.getMessage(), ex);
    }

    private static String scalar(final String path, final JsonNode node)
    {
        if (!node.isValueNode() || node.isNull())
        {
            throw new LocatedException(path + ": must be a single value", null);
        }
        return node.asText();
    }

    /** A YAML list, or one string of comma-separated items. */
    private static List<String> list(final JsonNode node)
    {
        final List<String> items = new ArrayList<>();
        if (node.isArray())
        {
            for (final JsonNode item : node)
            {
                items.add(item.asText().trim());
            }
        }
        else
        {
            for (final String item : node.asText().split(","))
            {
                if (!item.isBlank())
                {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }

    private static int toInt(final String value)
    {
        try
        {
            return Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not a whole number: " + value, ex);
        }
    }

    private static double toDouble(final String value)
    {
        try
        {
            return Double.parseDouble(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not a number: " + value, ex);
        }
    }
}
