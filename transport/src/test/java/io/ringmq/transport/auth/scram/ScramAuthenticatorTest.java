package io.ringmq.transport.auth.scram;

import io.ringmq.auth.AuthExchange;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.AuthStep;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScramAuthenticatorTest
{
    // RFC 7677 section 3.
    private static final String RFC_CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String RFC_SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String RFC_SERVER_FIRST =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String RFC_CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," +
        "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String RFC_SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    @TempDir
    Path dir;

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(final byte[] b)
    {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static ClientInfo client(final String user)
    {
        return new ClientInfo("c1", user, null, 5, "default", "127.0.0.1:1", null, null);
    }

    private Path file(final int iterations, final String... userPasswords) throws Exception
    {
        ScramCredentials credentials = ScramCredentials.empty();
        for (int i = 0; i < userPasswords.length; i += 2)
        {
            for (final ScramMechanism mechanism : ScramMechanism.values())
            {
                credentials = credentials.with(userPasswords[i],
                    ScramCredential.derive(mechanism, userPasswords[i + 1], iterations, new SecureRandom()));
            }
        }
        final Path file = dir.resolve("scram");
        credentials.write(file);
        return file;
    }

    @Test
    void shouldReproduceTheRfc7677TestVector() throws Exception
    {
        final ScramCredential credential = ScramCredential.derive(ScramMechanism.SCRAM_SHA_256, "pencil",
            Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        final Path file = dir.resolve("scram");
        ScramCredentials.empty().with("user", credential).write(file);
        final ScramAuthenticator authenticator =
            new ScramAuthenticator(file, ScramMechanism.SCRAM_SHA_256, () -> RFC_SERVER_NONCE);

        final AuthExchange exchange = authenticator.start(client(null));
        final AuthStep first = exchange.next(utf8(RFC_CLIENT_FIRST));
        assertTrue(first.isChallenge());
        assertEquals(RFC_SERVER_FIRST, text(first.challenge()));
        final AuthStep last = exchange.next(utf8(RFC_CLIENT_FINAL));
        assertFalse(last.isChallenge());
        assertEquals(Decision.ALLOW, last.result().decision());
        assertEquals(RFC_SERVER_FINAL, text(last.result().authData()));

        final AuthStep third = exchange.next(utf8(RFC_CLIENT_FINAL));
        assertEquals(Decision.DENY, third.result().decision(), "a third message ends in a refusal");
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void shouldAuthenticateAClientWithTheRightPassword(final ScramMechanism mechanism) throws Exception
    {
        final ScramAuthenticator authenticator =
            new ScramAuthenticator(file(4096, "alice", "correct horse", "a,b=c", "pw"), mechanism);
        assertEquals(mechanism.mechanismName(), authenticator.method());

        for (final String user : new String[] { "alice", "a,b=c" })
        {
            final String password = "alice".equals(user) ? "correct horse" : "pw";
            final ScramTestClient client = new ScramTestClient(mechanism.mechanismName(), user, password, "cn0nce");
            final AuthExchange exchange = authenticator.start(client(user));
            final AuthStep first = exchange.next(client.clientFirst());
            assertTrue(first.isChallenge());
            assertTrue(text(first.challenge()).startsWith("r=cn0nce"));
            assertTrue(text(first.challenge()).endsWith(",i=4096"));
            final AuthStep last = exchange.next(client.clientFinal(first.challenge()));
            assertEquals(Decision.ALLOW, last.result().decision(), last.result().toString());
            assertTrue(client.verifyServerFinal(last.result().authData()), "client verifies the server signature");
        }
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void shouldRefuseAWrongPassword(final ScramMechanism mechanism) throws Exception
    {
        final ScramAuthenticator authenticator = new ScramAuthenticator(file(4096, "alice", "right"), mechanism);
        final ScramTestClient client = new ScramTestClient(mechanism.mechanismName(), "alice", "wrong", "abc");
        final AuthExchange exchange = authenticator.start(client(null));
        final AuthStep last = exchange.next(client.clientFinal(exchange.next(client.clientFirst()).challenge()));
        assertEquals(Decision.DENY, last.result().decision());
        assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, last.result().reasonCode());
        assertNull(last.result().authData());
    }

    @ParameterizedTest
    @EnumSource(ScramMechanism.class)
    void shouldRefuseAnUnknownUserOnlyAtTheProofWithAStableSalt(final ScramMechanism mechanism) throws Exception
    {
        final ScramAuthenticator authenticator = new ScramAuthenticator(file(5000, "alice", "right"), mechanism);
        final ScramTestClient client = new ScramTestClient(mechanism.mechanismName(), "mallory", "right", "abc");
        final AuthExchange exchange = authenticator.start(client(null));
        final AuthStep first = exchange.next(client.clientFirst());
        assertTrue(first.isChallenge(), "an unknown user gets a challenge like anyone else");
        final String challenge = text(first.challenge());
        assertTrue(challenge.endsWith(",i=5000"), "the file's iteration count: " + challenge);
        final AuthStep last = exchange.next(client.clientFinal(first.challenge()));
        assertEquals(Decision.DENY, last.result().decision());
        assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, last.result().reasonCode());

        final String salt = challenge.split(",")[1];
        final String again = text(authenticator.start(client(null)).next(client.clientFirst()).challenge());
        assertEquals(salt, again.split(",")[1], "same fake salt for the same user");
        final String other = text(authenticator.start(client(null))
            .next(new ScramTestClient(mechanism.mechanismName(), "trudy", "x", "abc").clientFirst()).challenge());
        assertNotEquals(salt, other.split(",")[1], "another fake salt for another user");
        final String real = text(authenticator.start(client(null))
            .next(new ScramTestClient(mechanism.mechanismName(), "alice", "x", "abc").clientFirst()).challenge());
        assertEquals(salt.length(), real.split(",")[1].length(), "fake salt as long as a real one");
    }

    @Test
    void shouldRefuseATamperedNonce() throws Exception
    {
        final ScramAuthenticator authenticator =
            new ScramAuthenticator(file(4096, "alice", "right"), ScramMechanism.SCRAM_SHA_256);
        final ScramTestClient client = new ScramTestClient("SCRAM-SHA-256", "alice", "right", "abc");
        final AuthExchange exchange = authenticator.start(client(null));
        final byte[] challenge = exchange.next(client.clientFirst()).challenge();
        final String nonce = text(challenge).split(",")[0].substring(2);
        final AuthStep last = exchange.next(client.clientFinal(challenge, nonce.substring(0, nonce.length() - 1) +
            (nonce.endsWith("A") ? "B" : "A")));
        assertEquals(Decision.DENY, last.result().decision());
        assertEquals(AuthResult.NOT_AUTHORIZED, last.result().reasonCode());
    }

    @Test
    void shouldRefuseBadGs2HeadersChannelBindingAndMalformedMessages() throws Exception
    {
        final ScramAuthenticator authenticator =
            new ScramAuthenticator(file(4096, "alice", "right"), ScramMechanism.SCRAM_SHA_256);
        final String[] badFirsts = {
            "", "x,,n=alice,r=abc", "n,n=alice,r=abc", "p=tls-unique,,n=alice,r=abc", "n,,m=ext,n=alice,r=abc",
            "n,,n=alice", "n,,r=abc,n=alice", "n,,n=al=ice,r=abc", "n,,n=,r=abc", "n,,n=alice,r=",
            "n,,n=alice,r=a b", "n,a=bob,n=alice,r=abc", "n,x=bob,n=alice,r=abc", "n,,n=alice,r=abc,1",
            "n,,n=al\u0007ice,r=abc",
        };
        for (final String message : badFirsts)
        {
            final AuthStep step = authenticator.start(client(null)).next(utf8(message));
            assertFalse(step.isChallenge(), message);
            assertEquals(Decision.DENY, step.result().decision(), message);
        }
        assertFalse(authenticator.start(client(null)).next(new byte[] { 'n', ',', ',', (byte)0xFF }).isChallenge());

        // The channel-binding attribute must echo the header the client first sent.
        final ScramTestClient yClient = new ScramTestClient("SCRAM-SHA-256", "y,,", "alice", "right", "abc");
        final AuthExchange yExchange = authenticator.start(client(null));
        final AuthStep yFirst = yExchange.next(yClient.clientFirst());
        assertTrue(yFirst.isChallenge(), "'y' (client could bind, server does not offer it) is accepted");
        assertEquals(Decision.ALLOW, yExchange.next(yClient.clientFinal(yFirst.challenge())).result().decision());

        final ScramTestClient liar = new ScramTestClient("SCRAM-SHA-256", "n,,", "alice", "right", "abc");
        final AuthExchange exchange = authenticator.start(client(null));
        exchange.next(utf8("y,,n=alice,r=abc"));
        assertEquals(Decision.DENY, exchange.next(liar.clientFinal(utf8(
            "r=abc" + "zz,s=" + Base64.getEncoder().encodeToString(new byte[16]) + ",i=4096"))).result().decision());

        final String[] badFinals = { "", "c=biws", "r=x,c=biws,p=AAAA", "c=biws,r=x,p=!!!", "c=biws,r=x,p=AAAA",
            "c=biws,r=x,p=" };
        for (final String message : badFinals)
        {
            final AuthExchange e = authenticator.start(client(null));
            assertTrue(e.next(utf8("n,,n=alice,r=abc")).isChallenge());
            assertEquals(Decision.DENY, e.next(utf8(message)).result().decision(), message);
        }
    }

    @Test
    void shouldRequireAuthzidAndConnectUserNameToMatchTheScramUser() throws Exception
    {
        final ScramAuthenticator authenticator =
            new ScramAuthenticator(file(4096, "alice", "right"), ScramMechanism.SCRAM_SHA_512);
        final ScramTestClient withAuthzid = new ScramTestClient("SCRAM-SHA-512", "n,a=alice,", "alice", "right", "n");
        final AuthExchange exchange = authenticator.start(client("alice"));
        final AuthStep first = exchange.next(withAuthzid.clientFirst());
        assertEquals(Decision.ALLOW, exchange.next(withAuthzid.clientFinal(first.challenge())).result().decision());

        final AuthStep otherAuthzid = authenticator.start(client(null)).next(utf8("n,a=bob,n=alice,r=abc"));
        assertEquals(AuthResult.NOT_AUTHORIZED, otherAuthzid.result().reasonCode());
        final AuthStep otherConnectUser = authenticator.start(client("bob")).next(utf8("n,,n=alice,r=abc"));
        assertEquals(AuthResult.NOT_AUTHORIZED, otherConnectUser.result().reasonCode());
    }

    @Test
    void shouldReloadChangedCredentialsAndKeepThemOnError() throws Exception
    {
        final Path file = file(4096, "alice", "one");
        final ScramAuthenticator authenticator = new ScramAuthenticator(file, ScramMechanism.SCRAM_SHA_256);
        assertFalse(authenticator.reload());
        final Path next = dir.resolve("next");
        ScramCredentials.read(file).with("bob", ScramCredential.derive(ScramMechanism.SCRAM_SHA_256, "two", 4096,
            new SecureRandom())).write(next);
        Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(authenticator.reload());
        assertTrue(login(authenticator, "bob", "two"));

        Files.writeString(file, "bob:SCRAM-SHA-256:nope\n");
        assertThrows(io.ringmq.transport.auth.password.CredentialFileException.class, authenticator::reload);
        assertTrue(login(authenticator, "bob", "two"), "old credentials in force");
        assertTrue(login(authenticator, "alice", "one"));
    }

    private static boolean login(final ScramAuthenticator authenticator, final String user, final String password)
        throws Exception
    {
        final ScramTestClient client = new ScramTestClient(authenticator.method(), user, password, "xyz");
        final AuthExchange exchange = authenticator.start(client(null));
        final AuthStep last = exchange.next(client.clientFinal(exchange.next(client.clientFirst()).challenge()));
        return last.result().decision() == Decision.ALLOW && client.verifyServerFinal(last.result().authData());
    }

    @Test
    void shouldDeriveTheRfc7677KeysWithTheJdkPbkdf2() throws Exception
    {
        final byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        final byte[] salted = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
            .generateSecret(new javax.crypto.spec.PBEKeySpec("pencil".toCharArray(), salt, 4096, 256)).getEncoded();
        assertArrayEquals(salted, ScramMechanism.SCRAM_SHA_256.saltedPassword(utf8("pencil"), salt, 4096));
    }
}
