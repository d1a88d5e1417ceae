package io.ringmq.transport.auth.jwt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Feeds arbitrary tokens to {@link JwtAuthenticator#authenticate}: it must answer (allow, deny or ignore) and never
 * throw, and a refusal never quotes the token. The first input byte picks how the rest becomes a token: as text, as
 * three base64url-encoded parts (to reach the header and claims parsers), or as the payload of a token correctly
 * signed with the configured key (to reach the claim checks and the ACL claim). Runs the saved corpus in every
 * build; fuzz for real with {@code JAZZER_FUZZ=1 mvn -pl transport test -Dtest=JwtAuthenticatorFuzzTest}.
 */
class JwtAuthenticatorFuzzTest
{
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final KeyPair KEYS;
    private static final JwtAuthenticator JWT;

    static
    {
        try
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KEYS = generator.generateKeyPair();
            final Path pem = Files.createTempFile("jwt-fuzz", ".pem");
            pem.toFile().deleteOnExit();
            Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n" +
                Base64.getMimeEncoder().encodeToString(KEYS.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
            JWT = new JwtAuthenticator(new JwtConfig(JwtConfig.TokenSource.PASSWORD, List.of(pem), null, true, 30,
                "cid", null, "iss", "aud", "acl", 4096));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void shouldAlwaysAnswerAndNeverQuoteTheToken(final byte[] input) throws JOSEException
    {
        if (input.length < 1)
        {
            return;
        }
        final byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        final String token = switch (input[0] & 0x03)
        {
            case 0 -> new String(rest, StandardCharsets.UTF_8);
            case 1 -> threeParts(rest);
            default -> signed(rest);
        };
        final AuthResult result = JWT.authenticate(new ClientInfo("dev1", "alice",
            token.getBytes(StandardCharsets.UTF_8), 5, "default", "127.0.0.1:1", null, null));

        assertNotNull(result);
        if (Decision.DENY == result.decision() && token.length() > 40)
        {
            assertFalse(result.reason().contains(token), result.reason());
        }
    }

    private static String threeParts(final byte[] rest)
    {
        final int first = rest.length / 3;
        final int second = 2 * rest.length / 3;
        return BASE64URL.encodeToString(Arrays.copyOfRange(rest, 0, first)) + "." +
            BASE64URL.encodeToString(Arrays.copyOfRange(rest, first, second)) + "." +
            BASE64URL.encodeToString(Arrays.copyOfRange(rest, second, rest.length));
    }

    private static String signed(final byte[] payload) throws JOSEException
    {
        final JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.ES256), new Payload(payload));
        jws.sign(new ECDSASigner((ECPrivateKey)KEYS.getPrivate()));
        return jws.serialize();
    }
}
