package io.ringmq.transport.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A minimal W3C WebDriver client: starts {@code chromedriver} on a free loopback port as a child process, opens one
 * headless Chromium session and speaks the WebDriver HTTP protocol to it (navigate, execute a script, screenshot).
 * Just enough for {@link BrowserIT}, without Selenium.
 * <p>
 * {@link #close} deletes the session and ends the chromedriver process and its descendants (the browser), and
 * nothing else.
 * <p>
 * <b>Threading:</b> used from the JUnit test thread only.
 */
final class WebDriverSession implements AutoCloseable
{
    /** Debian's chromedriver (package chromium-driver). */
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Debian's Chromium (package chromium). */
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .version(HttpClient.Version.HTTP_1_1).build();
    private final Process driver;
    private final URI base;
    private String sessionId;

    private WebDriverSession(final Process driver, final int port)
    {
        this.driver = driver;
        this.base = URI.create("http://" + LOOPBACK + ":" + port + "/");
    }

    /**
     * Start chromedriver and open a headless Chromium session.
     *
     * @param chromiumArgs command-line arguments for Chromium.
     * @param logDir       directory for chromedriver's log ({@code chromedriver.log}) and output.
     * @param timeout      how long chromedriver may take to be ready.
     * @return the open session; close it.
     * @throws IOException if chromedriver cannot be started or does not answer.
     */
    static WebDriverSession start(final List<String> chromiumArgs, final Path logDir, final Duration timeout)
        throws IOException, InterruptedException
    {
        final int port = freePort();
        final Process process = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port,
            "--allowed-ips=" + LOOPBACK, "--log-path=" + logDir.resolve("chromedriver.log"))
            .redirectErrorStream(true).redirectOutput(logDir.resolve("chromedriver.out").toFile()).start();
        final WebDriverSession session = new WebDriverSession(process, port);
        try
        {
            session.awaitReady(timeout);
            session.open(chromiumArgs);
            return session;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            session.close();
            throw ex;
        }
    }

    /**
     * Load a page and wait for its load event (WebDriver's default page load strategy).
     *
     * @param url the page.
     * @throws IOException if the driver refuses.
     */
    void navigate(final String url) throws IOException, InterruptedException
    {
        final ObjectNode body = json.createObjectNode().put("url", url);
        call("POST", "session/" + sessionId + "/url", body);
    }

    /**
     * Run a synchronous script in the page.
     *
     * @param script body of a function; its {@code return} value comes back.
     * @return the value the script returned, as JSON.
     * @throws IOException if the driver refuses or the script throws.
     */
    JsonNode execute(final String script) throws IOException, InterruptedException
    {
        final ObjectNode body = json.createObjectNode().put("script", script);
        body.putArray("args");
        return call("POST", "session/" + sessionId + "/execute/sync", body);
    }

    /**
     * Take a screenshot of the current page.
     *
     * @return the PNG bytes.
     * @throws IOException if the driver refuses.
     */
    byte[] screenshot() throws IOException, InterruptedException
    {
        return Base64.getDecoder().decode(call("GET", "session/" + sessionId + "/screenshot", null).asText());
    }

    /** Delete the session (closes the browser), then end chromedriver and whatever it started. */
    @Override
    public void close()
    {
        try
        {
            if (null != sessionId)
            {
                call("DELETE", "session/" + sessionId, null);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // the processes are ended below in any case
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            sessionId = null;
            endDriver();
        }
    }

    private void endDriver()
    {
        // Children first: a browser left running would outlive its driver.
        driver.descendants().forEach(ProcessHandle::destroy);
        driver.destroy();
        try
        {
            if (!driver.waitFor(5, TimeUnit.SECONDS))
            {
                driver.descendants().forEach(ProcessHandle::destroyForcibly);
                driver.destroyForcibly();
            }
        }
        catch (final InterruptedException ex)
        {
            driver.descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady(final Duration timeout) throws IOException, InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            if (!driver.isAlive())
            {
                throw new IOException("chromedriver exited with " + driver.exitValue() + " (see its log)");
            }
            try
            {
                if (call("GET", "status", null).path("ready").asBoolean(false))
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IOException("chromedriver not ready within " + timeout, ex);
                }
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IOException("chromedriver not ready within " + timeout);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private void open(final List<String> chromiumArgs) throws IOException, InterruptedException
    {
        final ObjectNode body = json.createObjectNode();
        final ObjectNode alwaysMatch = body.putObject("capabilities").putObject("alwaysMatch");
        alwaysMatch.put("browserName", "chrome");
        final ObjectNode chromeOptions = alwaysMatch.putObject("goog:chromeOptions");
        chromeOptions.put("binary", CHROMIUM.toString());
        chromiumArgs.forEach(chromeOptions.putArray("args")::add);
        sessionId = call("POST", "session", body).path("sessionId").asText(null);
        if (null == sessionId)
        {
            throw new IOException("chromedriver returned no session id");
        }
    }

    /** One WebDriver command; returns the response's {@code value}, or throws with the driver's error message. */
    private JsonNode call(final String method, final String path, final JsonNode body)
        throws IOException, InterruptedException
    {
        final HttpRequest.BodyPublisher publisher = null == body ?
            HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body));
        final HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json; charset=utf-8").method(method, publisher).build();
        final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        final JsonNode value = json.readTree(response.body()).path("value");
        if (200 != response.statusCode())
        {
            throw new IOException(method + " /" + path + ": HTTP " + response.statusCode() + " " +
                value.path("error").asText() + ": " + value.path("message").asText());
        }
        return value;
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK)))
        {
            return socket.getLocalPort();
        }
    }
}
