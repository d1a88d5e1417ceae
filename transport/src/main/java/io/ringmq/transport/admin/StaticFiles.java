package io.ringmq.transport.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's files and the OpenAPI document, served from the jar (no build step): read from the class path
 * once, on first request, and kept. Only the names in {@link #FILES} are served, so no request path ever reaches
 * the class loader (no traversal, no probing of other resources).
 * <p>
 * <b>Threading:</b> any thread (the cache is concurrent); in practice the HTTP event loop.
 */
final class StaticFiles
{
    /** Where the dashboard lives. */
    static final String DASHBOARD = "/dashboard/";
    private static final String ROOT = "/io/ringmq/transport/admin/";
    /** Request path to resource name under {@link #ROOT}. */
    private static final Map<String, String> FILES = Map.of(
        DASHBOARD, "dashboard/index.html",
        DASHBOARD + "index.html", "dashboard/index.html",
        DASHBOARD + "app.js", "dashboard/app.js",
        DASHBOARD + "style.css", "dashboard/style.css",
        DASHBOARD + "chart.js", "dashboard/chart.js",
        "/openapi.yaml", "openapi.yaml");

    private final Map<String, File> cache = new ConcurrentHashMap<>();

    /** A file's bytes and content type. */
    record File(byte[] bytes, String contentType)
    {
    }

    /**
     * @param path a request path.
     * @return the file, or null when the path names none.
     */
    File find(final String path)
    {
        final String name = FILES.get(path);
        return null == name ? null : cache.computeIfAbsent(name, StaticFiles::load);
    }

    private static File load(final String name)
    {
        try (InputStream in = StaticFiles.class.getResourceAsStream(ROOT + name))
        {
            if (null == in)
            {
                throw new IllegalStateException("missing from the jar: " + ROOT + name);
            }
            return new File(in.readAllBytes(), contentType(name));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static String contentType(final String name)
    {
        final String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".html"))
        {
            return "text/html; charset=utf-8";
        }
        if (lower.endsWith(".js"))
        {
            return "text/javascript; charset=utf-8";
        }
        if (lower.endsWith(".css"))
        {
            return "text/css; charset=utf-8";
        }
        return lower.endsWith(".yaml") ? "application/yaml; charset=utf-8" : "application/octet-stream";
    }
}
