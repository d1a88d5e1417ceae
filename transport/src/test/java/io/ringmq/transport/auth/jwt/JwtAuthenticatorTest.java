package io.ringmq.transport.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.ringmq.auth.Access;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.ClientInfo;
import io.ringmq.auth.Decision;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class JwtAuthenticatorTest
{
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final long NOW_S = NOW.getEpochSecond();

    private static KeyPair rsa;
    private static KeyPair ec;
    private static KeyPair otherRsa;

    @TempDir
    Path dir;

    @BeforeAll
    static void generateKeys() throws GeneralSecurityException
    {
        final KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(2048);
        rsa = rsaGenerator.generateKeyPair();
        otherRsa = rsaGenerator.generateKeyPair();
        final KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        ec = ecGenerator.generateKeyPair();
    }

    @Test
    void shouldAllowValidRs256AndEs256TokensWithTheirExpiry() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final long exp = NOW_S + 600;

        final AuthResult rs = jwt.authenticate(client(rs256(claims().expirationTime(date(exp)).build(), null)));
        final AuthResult es = jwt.authenticate(client(es256(claims().expirationTime(date(exp)).build(), null)));

        assertEquals(Decision.ALLOW, rs.decision(), rs::toString);
        assertEquals(exp * 1000, rs.expiresAtMillis());
        assertNull(rs.acl());
        assertEquals(Decision.ALLOW, es.decision(), es::toString);
        assertEquals(exp * 1000, es.expiresAtMillis());
    }

    @Test
    void shouldRefuseExpiredTokenBeyondTheSkew() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final long skew = JwtConfig.DEFAULT_CLOCK_SKEW_SECONDS;

        assertDenied(jwt.authenticate(client(rs256(claims().expirationTime(date(NOW_S - skew)).build(), null))),
            "expired");
        assertEquals(Decision.ALLOW, jwt.authenticate(
            client(rs256(claims().expirationTime(date(NOW_S - skew + 1)).build(), null))).decision());
    }

    @Test
    void shouldRefuseTokenNotYetValidBeyondTheSkew() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final long skew = JwtConfig.DEFAULT_CLOCK_SKEW_SECONDS;

        assertDenied(jwt.authenticate(client(rs256(validClaims().notBeforeTime(date(NOW_S + skew + 1)).build(),
            null))), "not valid before");
        assertEquals(Decision.ALLOW, jwt.authenticate(
            client(rs256(validClaims().notBeforeTime(date(NOW_S + skew)).build(), null))).decision());
    }

    @Test
    void shouldRefuseTokenSignedWithAnotherKey() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final String forged = sign(new RSASSASigner(otherRsa.getPrivate()), JWSAlgorithm.RS256, null,
            validClaims().build());

        assertDenied(jwt.authenticate(client(forged)), "bad signature");
    }

    @Test
    void shouldRefuseTamperedPayload() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final String token = rs256(validClaims().build(), null);
        final String[] parts = token.split("\\.");
        final String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(
            validClaims().subject("admin").build().toString().getBytes(StandardCharsets.UTF_8));

        assertDenied(jwt.authenticate(client(parts[0] + "." + payload + "." + parts[2])), "bad signature");
    }

    @Test
    void shouldRefuseAlgNone() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final String unsigned = new PlainJWT(validClaims().build()).serialize();

        assertDenied(jwt.authenticate(client(unsigned)), "alg none");
    }

    @Test
    void shouldRefuseHs256WithThePublicKeyAsSecret() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final String confused = sign(new MACSigner(rsa.getPublic().getEncoded()), JWSAlgorithm.HS256, null,
            validClaims().build());

        assertDenied(jwt.authenticate(client(confused)), "HMAC algorithm HS256 refused");
    }

    @Test
    void shouldRefuseOtherAsymmetricAlgorithms() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final String rs512 = sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS512, null,
            validClaims().build());

        assertDenied(jwt.authenticate(client(rs512)), "algorithm RS512 not allowed");
    }

    @Test
    void shouldCheckClientIdAndUsernameClaims() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> new JwtConfig(config.from(), config.publicKeyFiles(),
            null, true, 30, "cid", "user", null, null, null, JwtConfig.DEFAULT_MAX_TOKEN_LENGTH));
        final String token = rs256(validClaims().claim("cid", "dev1").claim("user", "alice").build(), null);

        assertEquals(Decision.ALLOW, jwt.authenticate(client("dev1", "alice", token)).decision());
        assertDenied(jwt.authenticate(client("dev2", "alice", token)), "cid does not match the client id");
        assertDenied(jwt.authenticate(client("dev1", "bob", token)), "user does not match the user name");
        assertDenied(jwt.authenticate(client("dev1", null, token)), "user does not match the user name");
        final String noClaims = rs256(validClaims().build(), null);
        assertDenied(jwt.authenticate(client("dev1", "alice", noClaims)), "cid does not match");
    }

    @Test
    void shouldRefuseMissingExpUnlessNotRequired() throws Exception
    {
        final String token = rs256(claims().build(), null);

        assertDenied(pemAuthenticator(config -> config).authenticate(client(token)), "no exp");
        final AuthResult lenient = pemAuthenticator(config -> new JwtConfig(config.from(), config.publicKeyFiles(),
            null, false, 30, null, null, null, null, null, 1024)).authenticate(client(token));
        assertEquals(Decision.ALLOW, lenient.decision());
        assertEquals(0, lenient.expiresAtMillis());
    }

    @Test
    void shouldCheckIssuerAndAudience() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> new JwtConfig(config.from(), config.publicKeyFiles(),
            null, true, 30, null, null, "https://idp.example", "ringmq", null, 4096));

        assertEquals(Decision.ALLOW, jwt.authenticate(client(rs256(validClaims().issuer("https://idp.example")
            .audience(List.of("other", "ringmq")).build(), null))).decision());
        assertDenied(jwt.authenticate(client(rs256(validClaims().issuer("https://evil.example")
            .audience("ringmq").build(), null))), "issuer");
        assertDenied(jwt.authenticate(client(rs256(validClaims().issuer("https://idp.example")
            .audience("other").build(), null))), "audience");
        assertDenied(jwt.authenticate(client(rs256(validClaims().audience("ringmq").build(), null))), "issuer");
    }

    @Test
    void shouldIgnoreValuesThatAreNotJwts() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final String header = Base64.getUrlEncoder().withoutPadding().encodeToString("plain".getBytes(
            StandardCharsets.UTF_8));

        for (final String password : new String[]{"", "secret", "a.b", "a.b.c.d", "a..c", "a b.c.d", "abc.def.ghi",
            header + ".eyJ9.sig", "eyJhbGciOiJSUzI1NiJ9.e30.sig.x"})
        {
            assertSame(AuthResult.ignore(), jwt.authenticate(client(password)), password);
        }
        assertSame(AuthResult.ignore(), jwt.authenticate(new ClientInfo("dev1", "alice", null, 5, "l", "h:1",
            null, null)));
    }

    @Test
    void shouldTakeTheTokenFromTheUsernameWhenConfigured() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> new JwtConfig(JwtConfig.TokenSource.USERNAME,
            config.publicKeyFiles(), null, true, 30, null, null, null, null, null, 4096));
        final String token = es256(validClaims().build(), null);

        assertEquals(Decision.ALLOW, jwt.authenticate(client("dev1", token, "not a token")).decision());
        assertSame(AuthResult.ignore(), jwt.authenticate(client("dev1", "alice", token)));
    }

    @Test
    void shouldSelectJwksKeyByKeyId() throws Exception
    {
        final Path jwks = dir.resolve("keys.jwks");
        writeJwks(jwks, new RSAKey.Builder((RSAPublicKey)rsa.getPublic()).keyID("r1").build(),
            new RSAKey.Builder((RSAPublicKey)otherRsa.getPublic()).keyID("r2").build(),
            new ECKey.Builder(Curve.P_256, (ECPublicKey)ec.getPublic()).keyID("e1").build());
        final JwtAuthenticator jwt = new JwtAuthenticator(JwtConfig.withKeys(List.of(), jwks), CLOCK);

        assertEquals(3, jwt.keyCount());
        assertEquals(Decision.ALLOW, jwt.authenticate(client(rs256(validClaims().build(), "r1"))).decision());
        assertEquals(Decision.ALLOW, jwt.authenticate(client(sign(new RSASSASigner(otherRsa.getPrivate()),
            JWSAlgorithm.RS256, "r2", validClaims().build()))).decision());
        assertEquals(Decision.ALLOW, jwt.authenticate(client(es256(validClaims().build(), "e1"))).decision());
        assertDenied(jwt.authenticate(client(rs256(validClaims().build(), "r2"))), "bad signature");
        assertDenied(jwt.authenticate(client(rs256(validClaims().build(), "r9"))), "unknown key id 'r9'");
        assertEquals(Decision.ALLOW, jwt.authenticate(client(rs256(validClaims().build(), null))).decision());
    }

    @Test
    void shouldReloadRotatedJwksAndKeepOldKeysWhenBroken() throws Exception
    {
        final Path jwks = dir.resolve("keys.jwks");
        writeJwks(jwks, new RSAKey.Builder((RSAPublicKey)rsa.getPublic()).keyID("old").build());
        final JwtAuthenticator jwt = new JwtAuthenticator(JwtConfig.withKeys(List.of(), jwks), CLOCK);
        final String oldToken = rs256(validClaims().build(), "old");
        final String newToken = sign(new RSASSASigner(otherRsa.getPrivate()), JWSAlgorithm.RS256, "new",
            validClaims().build());
        assertFalse(jwt.reload());

        writeJwks(jwks, new RSAKey.Builder((RSAPublicKey)otherRsa.getPublic()).keyID("new").build());
        assertTrue(jwt.reload());
        assertEquals(Decision.ALLOW, jwt.authenticate(client(newToken)).decision());
        assertDenied(jwt.authenticate(client(oldToken)), "unknown key id 'old'");

        replace(jwks, "{\"keys\": [ broken");
        final IOException ex = assertThrows(IOException.class, jwt::reload);
        assertTrue(ex.getMessage().contains(jwks.toString()), ex.getMessage());
        assertEquals(Decision.ALLOW, jwt.authenticate(client(newToken)).decision());
        assertThrows(IOException.class, jwt::reload);
    }

    @Test
    void shouldRefuseBrokenKeyFilesAtStart() throws Exception
    {
        final Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "no key here");
        final Path hmacOnly = dir.resolve("hmac.jwks");
        Files.writeString(hmacOnly, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"}]}");
        final Path small = dir.resolve("small.pem");
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        Files.writeString(small, pem("PUBLIC KEY", generator.generateKeyPair().getPublic().getEncoded()));

        assertThrows(IOException.class, () -> new JwtAuthenticator(JwtConfig.withKeys(List.of(empty), null)));
        assertThrows(IOException.class, () -> new JwtAuthenticator(JwtConfig.withKeys(List.of(), hmacOnly)));
        assertThrows(IOException.class, () -> new JwtAuthenticator(JwtConfig.withKeys(List.of(small), null)));
        assertThrows(IOException.class, () -> new JwtAuthenticator(
            JwtConfig.withKeys(List.of(dir.resolve("missing.pem")), null)));
    }

    @Test
    void shouldVerifyWithKeyOfAnX509Certificate() throws Exception
    {
        final Path key = dir.resolve("cert.key");
        final Path cert = dir.resolve("cert.pem");
        final Process process;
        try
        {
            process = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-subj",
                "/CN=jwt-test", "-days", "1").redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log")
                .toFile()).start();
        }
        catch (final IOException ex)
        {
            assumeTrue(false, "openssl not available: " + ex.getMessage());
            return;
        }
        assumeTrue(process.waitFor(30, TimeUnit.SECONDS) && 0 == process.exitValue(), "openssl failed");
        final String keyPem = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        final PrivateKey privateKey = KeyFactory.getInstance("EC").generatePrivate(
            new PKCS8EncodedKeySpec(Base64.getDecoder().decode(keyPem)));
        final JwtAuthenticator jwt = new JwtAuthenticator(JwtConfig.withKeys(List.of(cert), null), CLOCK);

        assertEquals(Decision.ALLOW, jwt.authenticate(client(sign(new ECDSASigner((ECPrivateKey)privateKey),
            JWSAlgorithm.ES256, null, validClaims().build()))).decision());
        assertDenied(jwt.authenticate(client(es256(validClaims().build(), null))), "bad signature");
    }

    @Test
    void shouldParseTheAclClaim() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> new JwtConfig(config.from(), config.publicKeyFiles(),
            null, true, 30, null, null, null, null, "acl", 8192));
        final String token = rs256(validClaims().claim("acl", List.of(
            Map.of("permission", "allow", "action", "publish", "topic", "dev/%c/up"),
            Map.of("permission", "deny", "action", "subscribe", "topics", List.of("secret/#")))).build(), null);

        final AuthResult result = jwt.authenticate(client(token));

        assertEquals(Decision.ALLOW, result.decision(), result::toString);
        assertEquals(List.of(new AclEntry(Access.WRITE, "dev/dev1/up"), new AclEntry(Access.DENY, "secret/#")),
            result.acl());
        final String objectForm = rs256(validClaims().claim("acl", Map.of("sub", List.of("s/#"))).build(), null);
        assertEquals(List.of(new AclEntry(Access.READ, "s/#")), jwt.authenticate(client(objectForm)).acl());
        assertNull(jwt.authenticate(client(rs256(validClaims().build(), null))).acl());
        final String bad = rs256(validClaims().claim("acl", Map.of("pub", List.of("a/#/b"))).build(), null);
        assertDenied(jwt.authenticate(client(bad)), "not a valid ACL");
    }

    @Test
    void shouldRefuseOverlongToken() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> new JwtConfig(config.from(), config.publicKeyFiles(),
            null, true, 30, null, null, null, null, null, 1024));
        final String token = rs256(validClaims().claim("pad", "x".repeat(1024)).build(), null);

        assertDenied(jwt.authenticate(client(token)), "longer than 1024");
    }

    @Test
    void shouldNeverPutTheTokenIntoTheReason() throws Exception
    {
        final JwtAuthenticator jwt = pemAuthenticator(config -> config);
        final String token = sign(new RSASSASigner(otherRsa.getPrivate()), JWSAlgorithm.RS256, null,
            validClaims().build());

        final AuthResult result = jwt.authenticate(client(token));

        assertEquals(Decision.DENY, result.decision());
        for (final String part : token.split("\\."))
        {
            assertFalse(result.reason().contains(part), result.reason());
        }
    }

    private JwtAuthenticator pemAuthenticator(final java.util.function.UnaryOperator<JwtConfig> adjust)
        throws IOException
    {
        final Path rsaPem = dir.resolve("rsa.pem");
        final Path ecPem = dir.resolve("ec.pem");
        Files.writeString(rsaPem, pem("PUBLIC KEY", rsa.getPublic().getEncoded()));
        Files.writeString(ecPem, pem("PUBLIC KEY", ec.getPublic().getEncoded()));
        return new JwtAuthenticator(adjust.apply(JwtConfig.withKeys(List.of(rsaPem, ecPem), null)), CLOCK);
    }

    private static String pem(final String type, final byte[] der)
    {
        return "-----BEGIN " + type + "-----\n" +
            Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) +
            "\n-----END " + type + "-----\n";
    }

    private static void writeJwks(final Path file, final JWK... keys) throws IOException
    {
        replace(file, new JWKSet(List.of(keys)).toString());
    }

    /** Write beside and move over, as a secret rotation does: a new file key, whatever the size and time. */
    private static void replace(final Path file, final String content) throws IOException
    {
        final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, content);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static JWTClaimsSet.Builder claims()
    {
        return new JWTClaimsSet.Builder().subject("dev1").issueTime(date(NOW_S));
    }

    private static JWTClaimsSet.Builder validClaims()
    {
        return claims().expirationTime(date(NOW_S + 3600));
    }

    private static Date date(final long epochSecond)
    {
        return Date.from(Instant.ofEpochSecond(epochSecond));
    }

    private static String rs256(final JWTClaimsSet claims, final String keyId) throws JOSEException
    {
        return sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, keyId, claims);
    }

    private static String es256(final JWTClaimsSet claims, final String keyId) throws JOSEException
    {
        return sign(new ECDSASigner((ECPrivateKey)ec.getPrivate()), JWSAlgorithm.ES256, keyId, claims);
    }

    private static String sign(final JWSSigner signer, final JWSAlgorithm algorithm, final String keyId,
        final JWTClaimsSet claims) throws JOSEException
    {
        final SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static ClientInfo client(final String password)
    {
        return client("dev1", "alice", password);
    }

    private static ClientInfo client(final String clientId, final String username, final String password)
    {
        return new ClientInfo(clientId, username, password.getBytes(StandardCharsets.UTF_8), 5, "default",
            "127.0.0.1:50000", null, null);
    }

    private static void assertDenied(final AuthResult result, final String reasonPart)
    {
        assertEquals(Decision.DENY, result.decision(), result::toString);
        assertEquals(AuthResult.BAD_USER_NAME_OR_PASSWORD, result.reasonCode());
        assertTrue(result.reason().contains(reasonPart), result.reason());
    }
}
