package io.ringmq.transport.auth.scram;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ringmq.auth.AuthExchange;
import io.ringmq.auth.AuthStep;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import io.ringmq.transport.auth.password.CredentialFileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * Feeds arbitrary text to the SCRAM credentials parser and arbitrary client messages to a SCRAM exchange. The parser
 * may only throw {@link CredentialFileException}; the exchange may throw nothing at all and must finish (refuse) by
 * its third message. Runs the saved corpus in every build; fuzz for real with
 * {@code JAZZER_FUZZ=1 mvn -pl transport test -Dtest=ScramFuzzTest}.
 */
class ScramFuzzTest
{
    private static final ScramAuthenticator[] AUTHENTICATORS = authenticators();

    private static ScramAuthenticator[] authenticators()
    {
        try
        {
            final Path file = Files.createTempFile("scram-fuzz", ".txt");
            file.toFile().deleteOnExit();
            ScramCredentials credentials = ScramCredentials.empty();
            for (final ScramMechanism mechanism : ScramMechanism.values())
            {
                credentials = credentials.with("alice", ScramCredential.derive(mechanism, "pw", 64,
                    new SecureRandom()));
            }
            credentials.write(file);
            return new ScramAuthenticator[] {
                new ScramAuthenticator(file, ScramMechanism.SCRAM_SHA_256),
                new ScramAuthenticator(file, ScramMechanism.SCRAM_SHA_512),
            };
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void shouldOnlyEverThrowCredentialFileExceptions(final byte[] input)
    {
        try
        {
            final ScramCredentials credentials = ScramCredentials.parse(new String(input, StandardCharsets.UTF_8),
                "fuzz");
            credentials.format();
        }
        catch (final CredentialFileException expected)
        {
            // Bad input, reported with its line.
        }
    }

    @FuzzTest(maxDuration = "20s")
    void shouldRefuseOrAcceptAnyClientMessagesWithoutThrowing(final FuzzedDataProvider data) throws Exception
    {
        final ScramAuthenticator authenticator = AUTHENTICATORS[data.consumeBoolean() ? 1 : 0];
        final AuthExchange exchange = authenticator.start(new ClientInfo("c", data.consumeBoolean() ? "alice" : null,
            null, 5, "l", "a:1", null, null));
        if (data.consumeBoolean())
        {
            // Reach the second step with a well-formed start, so the fuzzer spends its time on the final message.
            if (!exchange.next("n,,n=alice,r=fuzz".getBytes(StandardCharsets.UTF_8)).isChallenge())
            {
                throw new AssertionError("a well-formed client-first-message must be challenged");
            }
        }
        for (int i = 0; i < 3; i++)
        {
            final AuthStep step = exchange.next(data.consumeBytes(512));
            if (!step.isChallenge())
            {
                if (step.result().decision() == Decision.IGNORE)
                {
                    throw new AssertionError("an exchange must decide");
                }
                return;
            }
        }
        throw new AssertionError("an exchange must finish by the third message");
    }
}
