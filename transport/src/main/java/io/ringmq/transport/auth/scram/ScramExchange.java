package io.ringmq.transport.auth.scram;

import io.ringmq.auth.AuthExchange;
import io.ringmq.auth.AuthResult;
import io.ringmq.auth.AuthStep;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * One client's SCRAM conversation (RFC 5802 section 5). Not thread-safe: the broker calls {@link #next} once per
 * client message, never concurrently. Never throws: malformed input, a third message or a failed proof all end the
 * exchange with a refusal ({@link AuthResult#NOT_AUTHORIZED} for a protocol error,
 * {@link AuthResult#BAD_USER_NAME_OR_PASSWORD} for a wrong or unknown credential).
 */
final class ScramExchange implements AuthExchange
{
    private static final int EXPECT_CLIENT_FIRST = 0;
    private static final int EXPECT_CLIENT_FINAL = 1;
    private static final int FINISHED = 2;

    private final ScramAuthenticator authenticator;
    private final ScramAuthenticator.Snapshot snapshot;
    private final String connectUsername;
    private int state = EXPECT_CLIENT_FIRST;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private String username;
    private ScramCredential credential;
    private boolean knownUser;

    ScramExchange(final ScramAuthenticator authenticator, final ScramAuthenticator.Snapshot snapshot,
        final String connectUsername)
    {
        this.authenticator = authenticator;
        this.snapshot = snapshot;
        this.connectUsername = connectUsername;
    }

    @Override
    public AuthStep next(final byte[] clientData)
    {
        final int current = state;
        state = FINISHED;
        final String message = utf8(clientData);
        if (null == message)
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM message is not valid UTF-8");
        }
        return switch (current)
        {
            case EXPECT_CLIENT_FIRST -> clientFirst(message);
            case EXPECT_CLIENT_FINAL -> clientFinal(message);
            default -> refuse(AuthResult.NOT_AUTHORIZED, "SCRAM message after the exchange finished");
        };
    }

    private AuthStep clientFirst(final String message)
    {
        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        if (message.startsWith("p="))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM channel binding (p=) is not supported");
        }
        if (!message.startsWith("n,") && !message.startsWith("y,"))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM client-first-message: bad gs2 header");
        }
        final int headerEnd = message.indexOf(',', 2);
        if (headerEnd < 0)
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM client-first-message: bad gs2 header");
        }
        final String authzid = message.substring(2, headerEnd);
        if (!authzid.isEmpty() && !authzid.startsWith("a="))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM client-first-message: bad authzid");
        }
        gs2Header = message.substring(0, headerEnd + 1);
        clientFirstBare = message.substring(headerEnd + 1);
        final String[] attributes = clientFirstBare.split(",", -1);
        if (attributes[0].startsWith("m="))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM mandatory extension (m=) is not supported");
        }
        if (attributes.length < 2 || !attributes[0].startsWith("n=") || !attributes[1].startsWith("r="))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM client-first-message: expected n=user,r=nonce");
        }
        final String rawUser = unescape(attributes[0].substring(2));
        final String clientNonce = attributes[1].substring(2);
        if (null == rawUser || rawUser.isEmpty() || !isPrintable(clientNonce) || !extensionsOk(attributes, 2))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM client-first-message: malformed user name, nonce or " +
                "extension");
        }
        if (!authzid.isEmpty() && !rawUser.equals(unescape(authzid.substring(2))))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM authorization identity differs from user " + rawUser);
        }
        try
        {
            username = SaslPrep.prepare(rawUser);
        }
        catch (final IllegalArgumentException ex)
        {
            return refuse(AuthResult.BAD_USER_NAME_OR_PASSWORD, "SCRAM user name: " + ex.getMessage());
        }
        if (null != connectUsername && !connectUsername.equals(rawUser) && !connectUsername.equals(username))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "CONNECT user name " + connectUsername +
                " differs from SCRAM user " + username);
        }
        credential = snapshot.credentials().lookup(username, authenticator.mechanism());
        knownUser = null != credential;
        if (!knownUser)
        {
            credential = authenticator.fakeCredential(username, snapshot.fakeIterations());
        }
        nonce = clientNonce + authenticator.nextNonce();
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i=" +
            credential.iterations();
        state = EXPECT_CLIENT_FINAL;
        return AuthStep.challenge(serverFirst.getBytes(StandardCharsets.UTF_8));
    }

    private AuthStep clientFinal(final String message)
    {
        // client-final-message = channel-binding "," nonce ["," extensions] "," proof
        final String[] attributes = message.split(",", -1);
        final int proofAt = message.lastIndexOf(",p=");
        if (attributes.length < 3 || !attributes[0].startsWith("c=") || !attributes[1].startsWith("r=") ||
            !attributes[attributes.length - 1].startsWith("p=") || !extensionsOk(attributes, 2, attributes.length - 1))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM client-final-message: expected c=...,r=...,p=...");
        }
        final byte[] channelBinding = base64(attributes[0].substring(2));
        if (null == channelBinding ||
            !MessageDigest.isEqual(channelBinding, gs2Header.getBytes(StandardCharsets.UTF_8)))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM channel binding does not echo the gs2 header");
        }
        if (!MessageDigest.isEqual(attributes[1].substring(2).getBytes(StandardCharsets.UTF_8),
            nonce.getBytes(StandardCharsets.UTF_8)))
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM nonce does not match for user " + username);
        }
        final byte[] proof = base64(attributes[attributes.length - 1].substring(2));
        final ScramMechanism mechanism = credential.mechanism();
        if (null == proof || proof.length != mechanism.hashLength())
        {
            return refuse(AuthResult.NOT_AUTHORIZED, "SCRAM proof is not a " + mechanism.hashLength() +
                "-byte base64 value");
        }
        final byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + message.substring(0, proofAt))
            .getBytes(StandardCharsets.UTF_8);
        final byte[] storedKey = credential.storedKey();
        final byte[] clientKey = mechanism.hmac(storedKey, authMessage);
        for (int i = 0; i < clientKey.length; i++)
        {
            clientKey[i] ^= proof[i];
        }
        final boolean proven = MessageDigest.isEqual(mechanism.hash(clientKey), storedKey);
        final byte[] serverSignature = mechanism.hmac(credential.serverKey(), authMessage);
        if (!proven || !knownUser)
        {
            return refuse(AuthResult.BAD_USER_NAME_OR_PASSWORD, knownUser ?
                "wrong SCRAM proof for user " + username : "unknown SCRAM user " + username);
        }
        final String serverFinal = "v=" + Base64.getEncoder().encodeToString(serverSignature);
        return AuthStep.done(AuthResult.allow().withAuthData(serverFinal.getBytes(StandardCharsets.UTF_8))
            .withUsername(username));
    }

    private static AuthStep refuse(final int reasonCode, final String reason)
    {
        return AuthStep.done(AuthResult.deny(reasonCode, reason));
    }

    private static String utf8(final byte[] data)
    {
        try
        {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(data))
                .toString();
        }
        catch (final CharacterCodingException ex)
        {
            return null;
        }
    }

    private static byte[] base64(final String text)
    {
        try
        {
            return Base64.getDecoder().decode(text);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    /** RFC 5802 saslname: "=2C" is ',', "=3D" is '=', any other '=' is an error (null). */
    private static String unescape(final String saslName)
    {
        if (saslName.indexOf('=') < 0)
        {
            return saslName;
        }
        final StringBuilder out = new StringBuilder(saslName.length());
        for (int i = 0; i < saslName.length(); i++)
        {
            final char c = saslName.charAt(i);
            if ('=' != c)
            {
                out.append(c);
            }
            else if (saslName.startsWith("=2C", i))
            {
                out.append(',');
                i += 2;
            }
            else if (saslName.startsWith("=3D", i))
            {
                out.append('=');
                i += 2;
            }
            else
            {
                return null;
            }
        }
        return out.toString();
    }

    /** RFC 5802 printable: %x21-2B / %x2D-7E, at least one. */
    private static boolean isPrintable(final String nonce)
    {
        if (nonce.isEmpty())
        {
            return false;
        }
        for (int i = 0; i < nonce.length(); i++)
        {
            final char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',')
            {
                return false;
            }
        }
        return true;
    }

    private static boolean extensionsOk(final String[] attributes, final int from)
    {
        return extensionsOk(attributes, from, attributes.length);
    }

    /** attr-val = ALPHA "=" value: an optional extension this server ignores. */
    private static boolean extensionsOk(final String[] attributes, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            final String a = attributes[i];
            if (a.length() < 2 || a.charAt(1) != '=' || !((a.charAt(0) >= 'a' && a.charAt(0) <= 'z') ||
                (a.charAt(0) >= 'A' && a.charAt(0) <= 'Z')))
            {
                return false;
            }
        }
        return true;
    }
}
