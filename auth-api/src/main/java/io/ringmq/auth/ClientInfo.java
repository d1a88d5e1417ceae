package io.ringmq.auth;

import java.util.Arrays;

/**
 * What the broker knows about a client that asks to connect or to re-authenticate: the CONNECT's fields and what the
 * transport learned before it (listener, address, verified client certificate). Immutable; the password is copied
 * in and out, and never appears in {@link #toString()}.
 */
public final class ClientInfo
{
    private final String clientId;
    private final String username;
    private final byte[] password;
    private final int protocolVersion;
    private final String listener;
    private final String clientAddress;
    private final String certificateSubject;
    private final String certificateCn;

    /**
     * @param clientId           the client identifier (the one the broker assigned if the client sent none).
     * @param username           the user name, or null (from the certificate if the listener takes it from there).
     * @param password           the password bytes, or null.
     * @param protocolVersion    3 (MQTT 3.1), 4 (3.1.1) or 5.
     * @param listener           the name of the listener the client came in on.
     * @param clientAddress      the client's address as {@code host:port} (from the PROXY header when there is one).
     * @param certificateSubject subject DN of the verified client certificate, or null.
     * @param certificateCn      common name of that certificate, or null.
     */
    public ClientInfo(final String clientId, final String username, final byte[] password, final int protocolVersion,
        final String listener, final String clientAddress, final String certificateSubject,
        final String certificateCn)
    {
        this.clientId = clientId;
        this.username = username;
        this.password = null == password ? null : password.clone();
        this.protocolVersion = protocolVersion;
        this.listener = listener;
        this.clientAddress = clientAddress;
        this.certificateSubject = certificateSubject;
        this.certificateCn = certificateCn;
    }

    /** @return the client identifier. */
    public String clientId()
    {
        return clientId;
    }

    /** @return the user name, or null. */
    public String username()
    {
        return username;
    }

    /** @return a copy of the password, or null. */
    public byte[] password()
    {
        return null == password ? null : password.clone();
    }

    /** @return true if the CONNECT carried a password. */
    public boolean hasPassword()
    {
        return null != password;
    }

    /** @return true if the client gave neither a user name nor a password (Mosquitto's "anonymous"). */
    public boolean anonymous()
    {
        return null == username && null == password;
    }

    /** @return 3, 4 or 5. */
    public int protocolVersion()
    {
        return protocolVersion;
    }

    /** @return the listener's name. */
    public String listener()
    {
        return listener;
    }

    /** @return {@code host:port} of the client. */
    public String clientAddress()
    {
        return clientAddress;
    }

    /** @return the verified client certificate's subject DN, or null. */
    public String certificateSubject()
    {
        return certificateSubject;
    }

    /** @return the verified client certificate's common name, or null. */
    public String certificateCn()
    {
        return certificateCn;
    }

    /**
     * @param other the client id to use instead.
     * @return a copy with another client id (the broker assigns one to a client that sent none).
     */
    public ClientInfo withClientId(final String other)
    {
        return new ClientInfo(other, username, password, protocolVersion, listener, clientAddress,
            certificateSubject, certificateCn);
    }

    /**
     * @param other the user name authentication settled on.
     * @return a copy with that user name.
     */
    public ClientInfo withUsername(final String other)
    {
        return new ClientInfo(clientId, other, password, protocolVersion, listener, clientAddress,
            certificateSubject, certificateCn);
    }

    /** Never shows the password. */
    @Override
    public String toString()
    {
        return "ClientInfo{clientId=" + clientId + ", username=" + username + ", password=" +
            (null == password ? "none" : "***") + ", v" + protocolVersion + ", listener=" + listener +
            ", address=" + clientAddress + ", certificate=" + certificateSubject + "}";
    }

    /** Equality ignores nothing, the password compared by content. */
    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof ClientInfo))
        {
            return false;
        }
        final ClientInfo that = (ClientInfo)o;
        return protocolVersion == that.protocolVersion && java.util.Objects.equals(clientId, that.clientId) &&
            java.util.Objects.equals(username, that.username) && Arrays.equals(password, that.password) &&
            java.util.Objects.equals(listener, that.listener) &&
            java.util.Objects.equals(clientAddress, that.clientAddress) &&
            java.util.Objects.equals(certificateSubject, that.certificateSubject);
    }

    @Override
    public int hashCode()
    {
        return java.util.Objects.hash(clientId, username, listener, clientAddress);
    }
}
