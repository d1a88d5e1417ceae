package io.ringmq.transport.auth.jwt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the {@code jwt} authentication source. Immutable; validated on construction.
 *
 * @param from             where the client puts the token: {@link TokenSource#PASSWORD} (default) or
 *                         {@link TokenSource#USERNAME}.
 * @param publicKeyFiles   PEM files of verification keys: {@code PUBLIC KEY} (RSA of at least 2048 bits, or EC
 *                         P-256) and/or X.509 {@code CERTIFICATE} blocks, several per file allowed; a PEM key
 *                         matches a token whatever its {@code kid}. Default empty.
 * @param jwksFile         a local JWKS file (RFC 7517 key set) of verification keys, or null (default); a token
 *                         with a {@code kid} is only checked with the JWKS key of that id. Keys of other types or
 *                         algorithms, and encryption keys, are skipped. At least one key source is required.
 * @param requireExpiry    refuse a token without {@code exp} (default true).
 * @param clockSkewSeconds allowance, in seconds, for clocks that differ when checking {@code exp} and {@code nbf}
 *                         (default {@value #DEFAULT_CLOCK_SKEW_SECONDS}, range 0..3600).
 * @param clientIdClaim    name of a claim that must equal the client id, or null (default: not checked).
 * @param usernameClaim    name of a claim that must equal the user name, or null (default: not checked); not
 *                         with {@link TokenSource#USERNAME}, where the user name is the token.
 * @param issuer           required {@code iss}, or null (default: not checked).
 * @param audience         a value {@code aud} must contain, or null (default: not checked).
 * @param aclClaim         name of the claim holding the client's ACL (read by
 *                         {@link io.ringmq.transport.auth.AclJson}), or null (default); a token without that claim
 *                         carries no ACL and the configured authorizers decide.
 * @param maxTokenLength   longest token accepted, in characters (default {@value #DEFAULT_MAX_TOKEN_LENGTH},
 *                         range 64..1048576); a longer JWT is refused before it is decoded.
 */
public record JwtConfig(
    TokenSource from,
    List<Path> publicKeyFiles,
    Path jwksFile,
    boolean requireExpiry,
    int clockSkewSeconds,
    String clientIdClaim,
    String usernameClaim,
    String issuer,
    String audience,
    String aclClaim,
    int maxTokenLength)
{
    /** Default {@link #clockSkewSeconds}. */
    public static final int DEFAULT_CLOCK_SKEW_SECONDS = 30;
    /** Default {@link #maxTokenLength}. */
    public static final int DEFAULT_MAX_TOKEN_LENGTH = 16 * 1024;

    /** Which CONNECT field carries the token. */
    public enum TokenSource
    {
        /** The password (the usual place, and the EMQX default). */
        PASSWORD,
        /** The user name. */
        USERNAME
    }

    /**
     * Validates the settings.
     *
     * @param from             where the token is.
     * @param publicKeyFiles   PEM key files.
     * @param jwksFile         JWKS file or null.
     * @param requireExpiry    refuse tokens without {@code exp}.
     * @param clockSkewSeconds clock skew allowance in seconds.
     * @param clientIdClaim    claim that must equal the client id, or null.
     * @param usernameClaim    claim that must equal the user name, or null.
     * @param issuer           required issuer, or null.
     * @param audience         required audience, or null.
     * @param aclClaim         claim holding the ACL, or null.
     * @param maxTokenLength   longest token in characters.
     */
    public JwtConfig
    {
        if (null == from)
        {
            throw new IllegalArgumentException("jwt: from must be password or username");
        }
        publicKeyFiles = null == publicKeyFiles ? List.of() : List.copyOf(publicKeyFiles);
        if (publicKeyFiles.isEmpty() && null == jwksFile)
        {
            throw new IllegalArgumentException("jwt: needs public-key files and/or a jwks file");
        }
        if (clockSkewSeconds < 0 || clockSkewSeconds > 3600)
        {
            throw new IllegalArgumentException("jwt: clock skew must be 0..3600 seconds: " + clockSkewSeconds);
        }
        if (maxTokenLength < 64 || maxTokenLength > 1 << 20)
        {
            throw new IllegalArgumentException("jwt: max token length must be 64..1048576: " + maxTokenLength);
        }
        requireNonEmptyOrNull("client-id-claim", clientIdClaim);
        requireNonEmptyOrNull("username-claim", usernameClaim);
        requireNonEmptyOrNull("issuer", issuer);
        requireNonEmptyOrNull("audience", audience);
        requireNonEmptyOrNull("acl-claim", aclClaim);
        if (null != usernameClaim && from == TokenSource.USERNAME)
        {
            throw new IllegalArgumentException("jwt: username-claim cannot be checked when the token is the user name");
        }
    }

    /**
     * @param publicKeyFiles PEM key files (may be empty if there is a JWKS file).
     * @param jwksFile       JWKS file, or null.
     * @return settings with every other field at its default: token in the password, {@code exp} required, 30 s
     * skew, no claim checks, no ACL claim.
     */
    public static JwtConfig withKeys(final List<Path> publicKeyFiles, final Path jwksFile)
    {
        return new JwtConfig(TokenSource.PASSWORD, publicKeyFiles, jwksFile, true, DEFAULT_CLOCK_SKEW_SECONDS,
            null, null, null, null, null, DEFAULT_MAX_TOKEN_LENGTH);
    }

    /** @return the key files to watch for {@link JwtAuthenticator#reload()}, PEM files first. */
    public List<Path> keyFiles()
    {
        if (null == jwksFile)
        {
            return publicKeyFiles;
        }
        final List<Path> all = new ArrayList<>(publicKeyFiles);
        all.add(jwksFile);
        return List.copyOf(all);
    }

    private static void requireNonEmptyOrNull(final String name, final String value)
    {
        if (null != value && value.isEmpty())
        {
            throw new IllegalArgumentException("jwt: " + name + " must not be empty (leave it out instead)");
        }
    }
}
