package io.ringmq.transport.auth;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.ClientInfo;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds arbitrary text to {@link AclJson}, as a token issuer or a hook could. The only acceptable failure is an
 * {@link IllegalArgumentException}; an accepted list stays within the bounds. Runs the saved corpus in every build;
 * fuzz for real with {@code JAZZER_FUZZ=1 mvn -pl transport test -Dtest=AclJsonFuzzTest}.
 */
class AclJsonFuzzTest
{
    private static final ClientInfo CLIENT =
        new ClientInfo("dev+1", "al/ice", null, 5, "default", "127.0.0.1:5000", null, null);

    @FuzzTest(maxDuration = "20s")
    void shouldOnlyEverThrowIllegalArgument(final byte[] input)
    {
        final List<AclEntry> entries;
        try
        {
            entries = AclJson.parseText(new String(input, StandardCharsets.UTF_8), CLIENT);
        }
        catch (final IllegalArgumentException expected)
        {
            return;
        }
        assertTrue(entries.size() <= AclJson.MAX_ENTRIES);
        for (final AclEntry entry : entries)
        {
            assertTrue(entry.filter().length() <= AclJson.MAX_FILTER_LENGTH);
        }
    }
}
