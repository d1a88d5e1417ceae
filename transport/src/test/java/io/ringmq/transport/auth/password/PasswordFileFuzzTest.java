package io.ringmq.transport.auth.password;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;

/**
 * Feeds arbitrary text to the Mosquitto password file parser. The only acceptable outcome for bad input is a
 * {@link CredentialFileException}; anything else (index out of bounds, number format, NullPointerException) is a
 * parser bug. Runs the saved corpus in every build; fuzz for real with
 * {@code JAZZER_FUZZ=1 mvn -pl transport test -Dtest=PasswordFileFuzzTest}.
 */
class PasswordFileFuzzTest
{
    private static final byte[] PASSWORD = "pw".getBytes(StandardCharsets.UTF_8);

    @FuzzTest(maxDuration = "20s")
    void shouldOnlyEverThrowCredentialFileExceptions(final byte[] input)
    {
        final MosquittoPasswords passwords;
        try
        {
            passwords = MosquittoPasswords.parse(new String(input, StandardCharsets.UTF_8), "fuzz");
        }
        catch (final CredentialFileException expected)
        {
            return;
        }
        for (final String user : passwords.users())
        {
            // Verifying is as safe as parsing, but a high iteration count is slow by design: keep the fuzzer fast.
            if (passwords.entries().get(user).iterations() <= 1000)
            {
                passwords.verify(user, PASSWORD);
            }
        }
        passwords.format();
    }
}
