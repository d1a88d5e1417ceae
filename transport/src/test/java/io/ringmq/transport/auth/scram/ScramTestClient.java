package io.ringmq.transport.auth.scram;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A SCRAM client written from RFC 5802 section 3 with the JDK's own PBKDF2, sharing no code with the server, for
 * ASCII user names and passwords (for which SASLprep is the identity).
 */
public final class ScramTestClient
{
    private final String hash;
    private final String mac;
    private final String pbkdf2;
    private final int keyBits;
    private final String gs2Header;
    private final String clientFirstBare;
    private final String password;
    private String authMessage;
    private byte[] saltedPassword;

    public ScramTestClient(final String mechanism, final String user, final String password, final String clientNonce)
    {
        this(mechanism, "n,,", user, password, clientNonce);
    }

    ScramTestClient(final String mechanism, final String gs2Header, final String user, final String password,
        final String clientNonce)
    {
        final boolean sha256 = "SCRAM-SHA-256".equals(mechanism);
        this.hash = sha256 ? "SHA-256" : "SHA-512";
        this.mac = sha256 ? "HmacSHA256" : "HmacSHA512";
        this.pbkdf2 = sha256 ? "PBKDF2WithHmacSHA256" : "PBKDF2WithHmacSHA512";
        this.keyBits = sha256 ? 256 : 512;
        this.gs2Header = gs2Header;
        this.clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        this.password = password;
    }

    public byte[] clientFirst()
    {
        return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /** @return the client-final-message for this server-first-message. */
    public byte[] clientFinal(final byte[] serverFirstBytes) throws Exception
    {
        return clientFinal(serverFirstBytes, null);
    }

    /** @param nonceOverride a nonce to send instead of the server's (to tamper), or null. */
    byte[] clientFinal(final byte[] serverFirstBytes, final String nonceOverride) throws Exception
    {
        final String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        final String[] parts = serverFirst.split(",");
        final String nonce = parts[0].substring(2);
        final byte[] salt = Base64.getDecoder().decode(parts[1].substring(2));
        final int iterations = Integer.parseInt(parts[2].substring(2));
        saltedPassword = SecretKeyFactory.getInstance(pbkdf2)
            .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, keyBits)).getEncoded();
        final String withoutProof = "c=" +
            Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8)) + ",r=" +
            (null == nonceOverride ? nonce : nonceOverride);
        authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        final byte[] clientKey = hmac(saltedPassword, "Client Key");
        final byte[] storedKey = MessageDigest.getInstance(hash).digest(clientKey);
        final byte[] clientSignature = hmac(storedKey, authMessage);
        final byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        }
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** @return true if the server-final-message carries the right ServerSignature. */
    public boolean verifyServerFinal(final byte[] serverFinal) throws Exception
    {
        final byte[] serverKey = hmac(saltedPassword, "Server Key");
        final String expected = "v=" + Base64.getEncoder().encodeToString(hmac(serverKey, authMessage));
        return expected.equals(new String(serverFinal, StandardCharsets.UTF_8));
    }

    private byte[] hmac(final byte[] key, final String data) throws Exception
    {
        final Mac m = Mac.getInstance(mac);
        m.init(new SecretKeySpec(key, mac));
        return m.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }
}
