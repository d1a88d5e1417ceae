package io.ringmq.transport.auth.acl;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;

import io.ringmq.auth.Decision;
import io.ringmq.auth.FilterAccess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Arbitrary ACL files, identities, topics and filters: parsing may only fail with {@link AclFileException}, and
 * checking never throws, never abstains, and agrees with the transcription of Mosquitto's check. Runs the saved
 * corpus in every build; fuzz for real with {@code JAZZER_FUZZ=1 mvn -pl transport test -Dtest=AclFuzzTest}.
 */
class AclFuzzTest
{
    @FuzzTest(maxDuration = "20s")
    void shouldOnlyEverThrowAclFileExceptions(final byte[] input)
    {
        try
        {
            AclFile.parse("fuzz", input);
        }
        catch (final AclFileException expected)
        {
            // a bad file, reported with its line
        }
    }

    @FuzzTest(maxDuration = "20s")
    void shouldCheckAnythingWithoutThrowing(final FuzzedDataProvider data)
    {
        final String text = data.consumeString(400);
        final String clientId = data.consumeString(20);
        final String username = data.consumeBoolean() ? null : data.consumeString(20);
        final AclFile file;
        try
        {
            file = AclFile.parse("fuzz", text);
        }
        catch (final AclFileException expected)
        {
            return;
        }
        final CompiledAcl acl = AclCompiler.compile(file, clientId, username);
        while (data.remainingBytes() > 0)
        {
            final String topic = data.consumeString(60);
            final byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            final Decision read = acl.read(buffer, 0, bytes.length);
            final Decision write = acl.publish(buffer, 0, bytes.length);
            final FilterAccess access = acl.subscribe(topic);
            assertNotNull(access);
            assertNotEquals(FilterAccess.IGNORE, access);
            if (!topic.isEmpty() && topic.indexOf('+') < 0 && topic.indexOf('#') < 0)
            {
                assertEquals(MosquittoAclModel.allowed(file, clientId, username, topic, false),
                    Decision.ALLOW == read, () -> "read " + topic);
                assertEquals(MosquittoAclModel.allowed(file, clientId, username, topic, true),
                    Decision.ALLOW == write, () -> "write " + topic);
            }
        }
    }
}
