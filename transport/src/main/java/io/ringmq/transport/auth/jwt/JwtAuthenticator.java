package io.ringmq.transport.auth.jwt;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.ringmq.auth.AclEntry;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.ClientInfo;
import io.ringmq.transport.auth.AclJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * The {@code jwt} authentication source: the client presents a signed JWT (RFC 7519) in its password (or user name),
 * checked against configured public keys.
 * <ul>
 * <li>A value that is not a JWT at all (not three dot-separated base64url parts, or a first part that is not a JSON
 * header) is {@link AuthResult#ignore() ignored}, so a password file further down the chain can decide.</li>
 * <li>Only RS256 and ES256 are accepted; {@code none} and the HMAC algorithms are refused by name, because a
 * verifier that took the public key as an HMAC secret would accept a token anyone can forge.</li>
 * <li>A JWT that fails (algorithm, key id, signature, {@code exp}, {@code nbf}, issuer, audience, client id or user
 * name claim, a bad ACL claim) is refused with {@link AuthResult#BAD_USER_NAME_OR_PASSWORD} and a reason naming the
 * failure, never the token.</li>
 * <li>A valid one is allowed, expiring at its {@code exp} and carrying the ACL of {@link JwtConfig#aclClaim()} when
 * the token has that claim.</li>
 * </ul>
 * <b>Threading:</b> thread-safe. The keys are one immutable {@link JwtKeys} generation in a volatile field;
 * {@link #reload()} builds a new generation and swaps it in, so a check in progress finishes with the keys it began
 * with.
 */
public final class JwtAuthenticator implements Authenticator
{
    /** The name in logs and in {@code auth.chain}. */
    public static final String NAME = "jwt";

    private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);
    private static final int MAX_HEADER_JSON_LENGTH = 4096;

    private final JwtConfig config;
    private final Clock clock;
    private volatile JwtKeys keys;

    /**
     * Reads the key files now.
     *
     * @param config the settings.
     * @throws IOException if a key file is missing or broken (the message names it).
     */
    public JwtAuthenticator(final JwtConfig config) throws IOException
    {
        this(config, Clock.systemUTC());
    }

    /**
     * @param config the settings.
     * @param clock  the time {@code exp} and {@code nbf} are checked against (tests move it).
     * @throws IOException if a key file is missing or broken (the message names it).
     */
    public JwtAuthenticator(final JwtConfig config, final Clock clock) throws IOException
    {
        this.config = config;
        this.clock = clock;
        this.keys = JwtKeys.load(config);
    }

    @Override
    public String name()
    {
        return NAME;
    }

    /** @return the number of verification keys in use. */
    public int keyCount()
    {
        return keys.size();
    }

    /**
     * Re-reads the key files if any changed (modification time, size or file key). A file that fails to read or
     * parse leaves the old keys in use and throws; the next call tries again.
     *
     * @return true if new keys are in use.
     * @throws IOException naming the broken file.
     */
    @Override
    public synchronized boolean reload() throws IOException
    {
        if (JwtKeys.stamp(config).equals(keys.stamp()))
        {
            return false;
        }
        final JwtKeys fresh = JwtKeys.load(config);
        keys = fresh;
        LOG.info("jwt: verification keys reloaded, {} in use", fresh.size());
        return true;
    }

    @Override
    public AuthResult authenticate(final ClientInfo client)
    {
        final String token = token(client);
        if (null == token || !looksLikeJwt(token))
        {
            return AuthResult.ignore();
        }
        if (token.length() > config.maxTokenLength())
        {
            return refuse("token longer than " + config.maxTokenLength() + " characters");
        }
        final Map<String, Object> header = header(token);
        if (null == header)
        {
            return AuthResult.ignore();
        }
        final Object alg = header.get("alg");
        if (!(alg instanceof String name))
        {
            return refuse("JWT header has no alg");
        }
        if (Algorithm.NONE.getName().equalsIgnoreCase(name))
        {
            return refuse("unsigned JWT (alg none) refused");
        }
        final JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
        if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm))
        {
            return refuse("HMAC algorithm " + clip(name) + " refused (only RS256 and ES256)");
        }
        if (!JWSAlgorithm.RS256.equals(algorithm) && !JWSAlgorithm.ES256.equals(algorithm))
        {
            return refuse("algorithm " + clip(name) + " not allowed (only RS256 and ES256)");
        }
        final SignedJWT jwt;
        try
        {
            jwt = SignedJWT.parse(token);
        }
        catch (final ParseException ex)
        {
            return refuse("malformed JWT");
        }
        final String failure = verifySignature(jwt, algorithm);
        if (null != failure)
        {
            return refuse(failure);
        }
        final JWTClaimsSet claims;
        try
        {
            claims = jwt.getJWTClaimsSet();
        }
        catch (final ParseException ex)
        {
            return refuse("malformed JWT claims");
        }
        return checkClaims(claims, client);
    }

    private String token(final ClientInfo client)
    {
        if (config.from() == JwtConfig.TokenSource.USERNAME)
        {
            return client.username();
        }
        final byte[] password = client.password();
        return null == password ? null : new String(password, StandardCharsets.UTF_8);
    }

    /**
     * @param token any string.
     * @return true if it is three dot-separated base64url parts, the first two non-empty (an unsigned JWT has an
     * empty third part, and is refused later by name).
     */
    static boolean looksLikeJwt(final String token)
    {
        int dots = 0;
        int partStart = 0;
        for (int i = 0; i < token.length(); i++)
        {
            final char c = token.charAt(i);
            if (c == '.')
            {
                if (i == partStart || ++dots > 2)
                {
                    return false;
                }
                partStart = i + 1;
            }
            else if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'))
            {
                return false;
            }
        }
        return 2 == dots;
    }

    private static Map<String, Object> header(final String token)
    {
        final String part = token.substring(0, token.indexOf('.'));
        if (part.length() > MAX_HEADER_JSON_LENGTH * 4 / 3 + 4)
        {
            return null;
        }
        try
        {
            return JSONObjectUtils.parse(new Base64URL(part).decodeToString(), MAX_HEADER_JSON_LENGTH);
        }
        catch (final ParseException | RuntimeException ex)
        {
            // Not a JSON object: a password that merely has the shape of a JWT.
            return null;
        }
    }

    private String verifySignature(final SignedJWT jwt, final JWSAlgorithm algorithm)
    {
        final String keyId = jwt.getHeader().getKeyID();
        final List<JwtKeys.VerificationKey> candidates = keys.select(algorithm, keyId);
        if (candidates.isEmpty())
        {
            return null == keyId ? "no " + algorithm + " key configured" : "unknown key id '" + clip(keyId) + "'";
        }
        for (final JwtKeys.VerificationKey candidate : candidates)
        {
            try
            {
                if (jwt.verify(candidate.verifier()))
                {
                    return null;
                }
            }
            catch (final JOSEException | IllegalStateException ex)
            {
                // A signature the verifier cannot even read: as bad as a wrong one.
            }
        }
        return "bad signature";
    }

    private AuthResult checkClaims(final JWTClaimsSet claims, final ClientInfo client)
    {
        final long nowMs = clock.millis();
        final long skewMs = config.clockSkewSeconds() * 1000L;
        final Date exp = claims.getExpirationTime();
        if (null == exp && config.requireExpiry())
        {
            return refuse("JWT has no exp claim");
        }
        if (null != exp && nowMs >= exp.getTime() + skewMs)
        {
            return refuse("JWT expired at " + exp.toInstant());
        }
        final Date nbf = claims.getNotBeforeTime();
        if (null != nbf && nowMs + skewMs < nbf.getTime())
        {
            return refuse("JWT not valid before " + nbf.toInstant());
        }
        if (null != config.issuer() && !config.issuer().equals(claims.getIssuer()))
        {
            return refuse("JWT issuer is not " + config.issuer());
        }
        if (null != config.audience() && !claims.getAudience().contains(config.audience()))
        {
            return refuse("JWT audience does not include " + config.audience());
        }
        if (null != config.clientIdClaim() && !matches(claims, config.clientIdClaim(), client.clientId()))
        {
            return refuse("JWT claim " + config.clientIdClaim() + " does not match the client id");
        }
        if (null != config.usernameClaim() && !matches(claims, config.usernameClaim(), client.username()))
        {
            return refuse("JWT claim " + config.usernameClaim() + " does not match the user name");
        }
        AuthResult result = AuthResult.allow();
        if (null != exp)
        {
            result = result.withExpiry(exp.getTime());
        }
        if (null != config.aclClaim())
        {
            final Object acl = claims.getClaim(config.aclClaim());
            if (null != acl)
            {
                final List<AclEntry> entries;
                try
                {
                    entries = AclJson.parseValue(acl, client);
                }
                catch (final IllegalArgumentException ex)
                {
                    return refuse("JWT claim " + config.aclClaim() + " is not a valid ACL: " + ex.getMessage());
                }
                result = result.withAcl(entries);
            }
        }
        return result;
    }

    private static boolean matches(final JWTClaimsSet claims, final String claim, final String expected)
    {
        final Object value = claims.getClaim(claim);
        return value instanceof String && value.equals(expected);
    }

    private static AuthResult refuse(final String reason)
    {
        return AuthResult.deny(AuthResult.BAD_USER_NAME_OR_PASSWORD, "jwt: " + reason);
    }

    /** Shortens a value taken from the token for the log, and keeps control characters out of it. */
    private static String clip(final String text)
    {
        final StringBuilder out = new StringBuilder(Math.min(text.length(), 32) + 3);
        for (int i = 0; i < text.length() && i < 32; i++)
        {
            final char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7F ? '?' : c);
        }
        return text.length() <= 32 ? out.toString() : out.append("...").toString();
    }
}
