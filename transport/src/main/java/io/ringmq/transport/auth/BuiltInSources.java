package io.ringmq.transport.auth;

import io.ringmq.auth.Authenticator;
import io.ringmq.auth.Authorizer;
import io.ringmq.auth.EnhancedAuthenticator;
import io.ringmq.transport.config.AuthConfig;

import java.util.List;
import java.util.Map;

/** The sources the broker ships, created from the files the settings name. */
final class BuiltInSources
{
    private BuiltInSources()
    {
    }

    static void add(final AuthConfig config, final Map<String, Authenticator> authenticators,
        final List<EnhancedAuthenticator> enhanced, final List<Authorizer> authorizers)
    {
        if (null != config.passwordFile() || null != config.aclFile() || null != config.scramFile())
        {
            throw new IllegalArgumentException("password-file, acl-file and scram-file are not available in this " +
                "build");
        }
    }
}
