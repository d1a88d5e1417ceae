package io.ringmq.transport.netty;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.ringmq.core.session.TransportIdentity;
import io.ringmq.transport.config.TlsConfig;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Reads what the transport knows about a connection once its TLS handshake and PROXY header are behind it: the
 * client's address and the verified client certificate, and from the certificate the MQTT username when the
 * listener says so (Mosquitto's {@code use_identity_as_username}: the subject's CN; {@code use_subject_as_username}:
 * the whole subject).
 * <p>
 * <b>Threading:</b> stateless; called on the connection's event loop.
 */
final class IdentityReader
{
    private IdentityReader()
    {
    }

    /** The listener takes the username from the client certificate, and the client sent none. */
    static final class NoCertificateException extends Exception
    {
        private static final long serialVersionUID = 1L;

        NoCertificateException(final String message)
        {
            super(message, null, false, false);
        }
    }

    /**
     * @param channel  the connection, past its handshakes.
     * @param listener the listener it came in on.
     * @param always   make an identity even for a plain socket (the broker authenticates: sources see the address).
     * @return the identity, or null when there is nothing beyond a plain socket to say (and not {@code always}).
     * @throws NoCertificateException when the username must come from a certificate and there is none.
     */
    static TransportIdentity read(final Channel channel, final Listener listener, final boolean always)
        throws NoCertificateException
    {
        final boolean proxied = null != channel.attr(ConnectionAttributes.PROXIED_ADDRESS).get();
        final SslHandler ssl = null == listener.tls() ? null : channel.pipeline().get(SslHandler.class);
        X509Certificate certificate = null;
        if (null != ssl)
        {
            try
            {
                final Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate)
                {
                    certificate = (X509Certificate)chain[0];
                }
            }
            catch (final SSLPeerUnverifiedException ex)
            {
                certificate = null;  // no client certificate (client-auth none or optional)
            }
        }
        final TlsConfig tls = null == listener.tls() ? null : listener.tls().config();
        final boolean usernameFromCertificate = null != tls &&
            (tls.useIdentityAsUsername() || tls.useSubjectAsUsername());
        if (usernameFromCertificate && null == certificate)
        {
            throw new NoCertificateException("listener " + listener.name() + " takes the username from the client " +
                "certificate, and the client sent none");
        }
        if (!proxied && null == certificate && !always)
        {
            return null;
        }
        String subject = null;
        String cn = null;
        String username = null;
        if (null != certificate)
        {
            subject = certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
            cn = commonName(subject);
            if (tls.useIdentityAsUsername())
            {
                if (null == cn)
                {
                    throw new NoCertificateException("listener " + listener.name() + " takes the username from the " +
                        "certificate's CN, and the subject " + subject + " has none");
                }
                username = cn;
            }
            else if (tls.useSubjectAsUsername())
            {
                username = subject;
            }
        }
        return new TransportIdentity(listener.name(), format(ConnectionAttributes.clientAddress(channel)), subject,
            cn, username, null);
    }

    /**
     * @param subject an RFC 2253 distinguished name.
     * @return the value of its most specific CN, or null.
     */
    static String commonName(final String subject)
    {
        try
        {
            final LdapName name = new LdapName(subject);
            for (int i = name.size() - 1; i >= 0; i--)
            {
                final Rdn rdn = name.getRdn(i);
                if ("CN".equalsIgnoreCase(rdn.getType()))
                {
                    return String.valueOf(rdn.getValue());
                }
            }
            return null;
        }
        catch (final InvalidNameException ex)
        {
            return null;
        }
    }

    /**
     * @param address a socket address.
     * @return {@code host:port} ({@code [v6]:port} for IPv6), without a name lookup.
     */
    static String format(final SocketAddress address)
    {
        if (address instanceof InetSocketAddress)
        {
            final InetSocketAddress inet = (InetSocketAddress)address;
            final String host = null == inet.getAddress() ? inet.getHostString() : inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
