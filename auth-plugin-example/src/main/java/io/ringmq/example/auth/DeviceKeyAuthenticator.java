package io.ringmq.example.auth;

import io.ringmq.auth.AuthResult;
import io.ringmq.auth.Authenticator;
import io.ringmq.auth.ClientInfo;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Example plugin: devices whose client id starts with {@code device-} authenticate with a key derived from their
 * client id, {@code hex(HMAC-SHA256(fleet secret, client id))}, as a factory would flash it. The fleet secret comes
 * from the system property {@code ringmq.example.fleet-secret} (or the environment variable
 * {@code RINGMQ_EXAMPLE_FLEET_SECRET}); without one, the plugin ignores every client. Other clients are left to the
 * next source in the chain.
 */
public final class DeviceKeyAuthenticator implements Authenticator
{
    /** The name in the broker's chain. */
    public static final String NAME = "example-device-key";

    private final byte[] secret;

    /** Reads the fleet secret from the system property or the environment. */
    public DeviceKeyAuthenticator()
    {
        final String configured = System.getProperty("ringmq.example.fleet-secret",
            System.getenv("RINGMQ_EXAMPLE_FLEET_SECRET"));
        this.secret = null == configured ? null : configured.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public AuthResult authenticate(final ClientInfo client) throws Exception
    {
        if (null == secret || !client.clientId().startsWith("device-"))
        {
            return AuthResult.ignore();
        }
        final byte[] password = client.password();
        if (null == password)
        {
            return AuthResult.deny(AuthResult.BAD_USER_NAME_OR_PASSWORD, "device without a key");
        }
        final byte[] expected = keyFor(secret, client.clientId()).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, password) ? AuthResult.allow() :
            AuthResult.deny(AuthResult.BAD_USER_NAME_OR_PASSWORD, "wrong device key");
    }

    /**
     * @param secret   the fleet secret.
     * @param clientId the device's client id.
     * @return the device key, lower-case hex.
     * @throws Exception if HMAC-SHA256 is unavailable.
     */
    public static String keyFor(final byte[] secret, final String clientId) throws Exception
    {
        final Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(clientId.getBytes(StandardCharsets.UTF_8)));
    }
}
