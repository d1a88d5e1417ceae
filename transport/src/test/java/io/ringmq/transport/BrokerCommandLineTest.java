package io.ringmq.transport;

import io.ringmq.core.config.BrokerConfig;
import io.ringmq.core.config.SettingDeclaration;
import io.ringmq.transport.auth.password.MosquittoPasswords;
import io.ringmq.transport.auth.password.PasswdCommand;
import io.ringmq.transport.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker's command line as picocli builds it from the declarations of every option. */
@Timeout(30)
class BrokerCommandLineTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final AtomicReference<ServerConfig> started = new AtomicReference<>();
    private final AtomicReference<String[]> passwdArgs = new AtomicReference<>();

    @TempDir
    Path dir;

    private int execute(final String... args)
    {
        return new BrokerCommandLine((server) ->
        {
            started.set(server);
            return 0;
        }, (arguments) ->
        {
            passwdArgs.set(arguments);
            return PasswdCommand.run(arguments, new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        }).output(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    }

    private static List<SettingDeclaration> everyDeclaration()
    {
        final List<SettingDeclaration> all = new ArrayList<>(BrokerConfig.declarations());
        all.addAll(ServerConfig.declarations());
        return all;
    }

    @Test
    void shouldListEveryDeclaredOptionInTheHelp()
    {
        assertEquals(0, execute("--help"));
        final String help = out.toString();
        final String words = help.replaceAll("\\s+", " ");
        for (final SettingDeclaration declaration : everyDeclaration())
        {
            assertTrue(help.contains("--" + declaration.name() + (SettingDeclaration.Kind.FLAG == declaration.kind() ?
                "[=true|false]" : "=")), "help lists --" + declaration.name());
            assertTrue(words.contains(declaration.help().replaceAll("\\s+", " ")), "help of --" + declaration.name()
                + " as declared:\n" + help);
        }
        for (final String more : List.of("--config=<file>", "-h, --help", "-V, --version", "passwd",
            "generate-completion"))
        {
            assertTrue(help.contains(more), more + " in\n" + help);
        }
        assertNull(started.get(), "help starts nothing");
        assertEquals(help, Main.usage());
    }

    @Test
    void shouldExitWithStatus2AndOneLineOnAnUnknownOption()
    {
        assertEquals(2, execute("--no-such-option", "1"));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("ringmq: ") && err.toString().contains("--no-such-option") &&
            err.toString().strip().endsWith("(see --help)"), err.toString());
        assertNull(started.get());
    }

    @Test
    void shouldReportATypedConversionErrorAsAUsageError()
    {
        assertEquals(2, execute("--max-inflight", "many"));
        assertTrue(err.toString().contains("--max-inflight") && err.toString().contains("many"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void shouldReportRangesAndRulesBetweenSettingsAsUsageErrors()
    {
        assertEquals(2, execute("--max-inflight", "0"));
        assertTrue(err.toString().startsWith("ringmq: max-inflight: must be between 1 and 65535"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, execute("--log-segment-size", "1048576", "--max-packet-size", "1048576"));
        assertTrue(err.toString().startsWith("ringmq: log-segment-size (1048576) must be at least twice"),
            err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, execute("--mqtts-port", "8883"));
        assertTrue(err.toString().contains("--mqtts-port needs --certfile and --keyfile"), err.toString());
        assertNull(started.get());
    }

    @Test
    void shouldApplyTheFileThenTheCommandLineInOrder() throws Exception
    {
        final Path file = dir.resolve("ringmq.properties");
        Files.writeString(file, "max-inflight=7\nport=1999\n");
        assertEquals(0, execute("--max-inflight", "9", "--config", file.toString(), "--port", "1", "--port", "2",
            "--proxy-protocol", "--ws-port", "0"));
        final ServerConfig server = started.get();
        assertNotNull(server);
        assertEquals(9, server.broker().maxInflight(), "the command line wins over the file");
        assertEquals(2, server.broker().port(), "the last of a repeated option wins");
        assertEquals("REQUIRED", server.listeners().get(0).proxyProtocol().name(), "a flag alone means true");
        assertEquals(0, execute("--proxy-protocol", "false"));
        assertEquals("OFF", started.get().listeners().get(0).proxyProtocol().name());
    }

    @Test
    void shouldPrintTheVersion()
    {
        assertEquals(0, execute("--version"));
        assertTrue(out.toString().startsWith("ringmq "), out.toString());
    }

    @Test
    void shouldGenerateABashCompletionScriptWithEveryOption()
    {
        assertEquals(0, execute("generate-completion"));
        final String script = out.toString();
        assertTrue(script.contains("complete -F") && script.contains("ringmq"), script);
        for (final SettingDeclaration declaration : everyDeclaration())
        {
            assertTrue(script.contains("--" + declaration.name()), "completes --" + declaration.name());
        }
        assertTrue(script.contains("passwd"), "completes the subcommand");
    }

    @Test
    void shouldHandPasswdItsArgumentsAsTheyAre() throws Exception
    {
        final Path file = dir.resolve("passwd");
        assertEquals(0, execute("passwd", "-c", "-b", file.toString(), "alice", "secret"));
        assertEquals(MosquittoPasswords.Verification.MATCH, MosquittoPasswords.read(file)
            .verify("alice", "secret".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("--", "-b", "x"), List.of(execute("passwd", "--", "-b", "x") >= 0 ? passwdArgs.get() :
            new String[0]), "'--' reaches passwd");
        assertEquals(1, execute("passwd", "-c", "-D", file.toString(), "alice"), "passwd's own usage error status");
        assertEquals(0, execute("passwd", "-b", file.toString(), "bob", "@" + file), "an @ argument is a value");
        assertEquals(List.of("-b", file.toString(), "bob", "@" + file), List.of(passwdArgs.get()));
        assertEquals(0, execute("passwd", "--help"), "passwd's own help");
        assertEquals(List.of("--help"), List.of(passwdArgs.get()));
        assertNull(started.get(), "passwd starts no broker");
    }
}
