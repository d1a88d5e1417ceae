package io.ringmq.transport.auth;

import io.ringmq.auth.Authenticator;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.EnhancedAuthenticator;
import io.ringmq.transport.auth.acl.AclFileAuthorizer;
import io.ringmq.transport.auth.acl.AclFileException;
import io.ringmq.transport.auth.password.PasswordFileAuthenticator;
import io.ringmq.transport.auth.scram.ScramAuthenticator;
import io.ringmq.transport.auth.scram.ScramMechanism;
import io.ringmq.transport.config.AuthConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The sources the broker ships, created from the files the settings name. A file that cannot be read or parsed
 * stops the start with its name and line: a broker must not come up with less security than it was configured with.
 */
final class BuiltInSources
{
    private BuiltInSources()
    {
    }

    static void add(final AuthConfig config, final Map<String, Authenticator> authenticators,
        final List<EnhancedAuthenticator> enhanced, final List<Authorizer> authorizers)
    {
        try
        {
            if (null != config.passwordFile())
            {
                final Authenticator passwords = new PasswordFileAuthenticator(Path.of(config.passwordFile()));
                authenticators.put(passwords.name(), passwords);
            }
            if (null != config.aclFile())
            {
                authorizers.add(new AclFileAuthorizer(Path.of(config.aclFile())));
            }
            if (null != config.scramFile())
            {
                for (final ScramMechanism mechanism : ScramMechanism.values())
                {
                    enhanced.add(new ScramAuthenticator(Path.of(config.scramFile()), mechanism));
                }
            }
        }
        catch (final IOException | AclFileException ex)
        {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
    }
}
