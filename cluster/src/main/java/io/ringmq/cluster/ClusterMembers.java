package io.ringmq.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The voting members of a RingMQ cluster as given by {@code --cluster-members HOST[:PORT],HOST[:PORT],...}: member
 * {@code i} of the list is node id {@code i}, and every node is given the same list.
 * <p>
 * Each member's {@code PORT} (default {@link #DEFAULT_BASE_PORT}) is a base from which its ports are derived, so
 * that three members on 127.0.0.1, .2 and .3 may all use the default, and members sharing one address need bases
 * at least {@link #PORTS_PER_NODE} apart:
 * <pre>
 *   base + 0  ingress        (UDP, cluster clients to the leader: every node's control-plane commands)
 *   base + 1  consensus      (UDP, Raft between voting members)
 *   base + 2  log            (UDP, the replicated log, leader to followers)
 *   base + 3  catch-up       (UDP, a follower catching up)
 *   base + 4  archive        (UDP, archive control for log replication)
 *   base + 5  data plane     (UDP, PUBLISH forwarding and hand-offs between nodes, no consensus)
 * </pre>
 * A node that joins with {@code --cluster-client} is not in this list; its own data-plane endpoint is its
 * {@code --cluster-data} address.
 */
public final class ClusterMembers
{
    /** Base port of a member given without one. */
    public static final int DEFAULT_BASE_PORT = 9100;
    /** Ports reserved per member from its base. */
    public static final int PORTS_PER_NODE = 6;
    /** Most nodes, voting or not, in one cluster (node ids 0..63; routes hold a node set in one {@code long}). */
    public static final int MAX_NODES = 64;

    static final int INGRESS_OFFSET = 0;
    static final int CONSENSUS_OFFSET = 1;
    static final int LOG_OFFSET = 2;
    static final int CATCHUP_OFFSET = 3;
    static final int ARCHIVE_OFFSET = 4;
    static final int DATA_OFFSET = 5;

    private final List<String> hosts;
    private final int[] basePorts;

    private ClusterMembers(final List<String> hosts, final int[] basePorts)
    {
        this.hosts = Collections.unmodifiableList(hosts);
        this.basePorts = basePorts;
    }

    /**
     * Parses {@code HOST[:PORT],HOST[:PORT],...}; an IPv6 host is written in brackets ({@code [::1]:9100}).
     *
     * @param value the option's value.
     * @return the members in node-id order.
     * @throws IllegalArgumentException saying what is wrong with which entry.
     */
    public static ClusterMembers parse(final String value)
    {
        if (null == value || value.isBlank())
        {
            throw new IllegalArgumentException("cluster-members is empty: give HOST[:PORT],HOST[:PORT],...");
        }
        final String[] entries = value.split(",", -1);
        if (entries.length > MAX_NODES)
        {
            throw new IllegalArgumentException(
                "cluster-members lists " + entries.length + " members, at most " + MAX_NODES + " are supported");
        }
        final List<String> hosts = new ArrayList<>(entries.length);
        final int[] ports = new int[entries.length];
        for (int i = 0; i < entries.length; i++)
        {
            final String entry = entries[i].trim();
            final String host;
            final String port;
            if (entry.startsWith("["))
            {
                final int close = entry.indexOf(']');
                if (close < 0)
                {
                    throw new IllegalArgumentException("cluster member " + i + " '" + entry + "': no closing ']'");
                }
                host = entry.substring(0, close + 1);
                port = close + 1 < entry.length() && entry.charAt(close + 1) == ':' ? entry.substring(close + 2) :
                    close + 1 == entry.length() ? null : "";
            }
            else
            {
                final int colon = entry.indexOf(':');
                host = colon < 0 ? entry : entry.substring(0, colon);
                port = colon < 0 ? null : entry.substring(colon + 1);
            }
            if (host.isEmpty() || host.indexOf(':') >= 0 && !host.startsWith("["))
            {
                throw new IllegalArgumentException("cluster member " + i + " '" + entry + "': expected HOST[:PORT]");
            }
            ports[i] = null == port ? DEFAULT_BASE_PORT : parsePort(i, entry, port);
            hosts.add(host);
        }
        checkNoOverlap(hosts, ports);
        return new ClusterMembers(hosts, ports);
    }

    private static int parsePort(final int index, final String entry, final String port)
    {
        final int value;
        try
        {
            value = Integer.parseInt(port);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("cluster member " + index + " '" + entry + "': port is not a number");
        }
        if (value < 1 || value > 65535 - PORTS_PER_NODE + 1)
        {
            throw new IllegalArgumentException("cluster member " + index + " '" + entry + "': base port must be " +
                "1.." + (65535 - PORTS_PER_NODE + 1) + " (" + PORTS_PER_NODE + " ports are derived from it)");
        }
        return value;
    }

    private static void checkNoOverlap(final List<String> hosts, final int[] ports)
    {
        for (int i = 0; i < ports.length; i++)
        {
            for (int j = i + 1; j < ports.length; j++)
            {
                if (hosts.get(i).equalsIgnoreCase(hosts.get(j)) && Math.abs(ports[i] - ports[j]) < PORTS_PER_NODE)
                {
                    throw new IllegalArgumentException("cluster members " + i + " and " + j + " share " +
                        hosts.get(i) + " with base ports less than " + PORTS_PER_NODE + " apart");
                }
            }
        }
    }

    /**
     * @return how many voting members there are.
     */
    public int size()
    {
        return hosts.size();
    }

    /**
     * @param nodeId a member's id.
     * @return its host as given.
     */
    public String host(final int nodeId)
    {
        return hosts.get(nodeId);
    }

    /**
     * @param nodeId a member's id.
     * @return its base port.
     */
    public int basePort(final int nodeId)
    {
        return basePorts[nodeId];
    }

    /**
     * @param nodeId a member's id.
     * @return the member's data-plane endpoint, {@code host:port}.
     */
    public String dataEndpoint(final int nodeId)
    {
        return endpoint(nodeId, DATA_OFFSET);
    }

    /**
     * @param nodeId a member's id.
     * @return the member's archive control endpoint.
     */
    public String archiveEndpoint(final int nodeId)
    {
        return endpoint(nodeId, ARCHIVE_OFFSET);
    }

    /**
     * @return Aeron's {@code clusterMembers} string: {@code id,ingress,consensus,log,catchup,archive|...}.
     */
    public String aeronClusterMembers()
    {
        final StringBuilder members = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++)
        {
            if (i > 0)
            {
                members.append('|');
            }
            members.append(i).append(',')
                .append(endpoint(i, INGRESS_OFFSET)).append(',')
                .append(endpoint(i, CONSENSUS_OFFSET)).append(',')
                .append(endpoint(i, LOG_OFFSET)).append(',')
                .append(endpoint(i, CATCHUP_OFFSET)).append(',')
                .append(endpoint(i, ARCHIVE_OFFSET));
        }
        return members.toString();
    }

    /**
     * @return the cluster client's {@code ingressEndpoints}: {@code id=host:port,...}.
     */
    public String ingressEndpoints()
    {
        final StringBuilder endpoints = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++)
        {
            if (i > 0)
            {
                endpoints.append(',');
            }
            endpoints.append(i).append('=').append(endpoint(i, INGRESS_OFFSET));
        }
        return endpoints.toString();
    }

    private String endpoint(final int nodeId, final int offset)
    {
        return hosts.get(nodeId) + ':' + (basePorts[nodeId] + offset);
    }

    @Override
    public String toString()
    {
        final StringBuilder value = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++)
        {
            value.append(i > 0 ? "," : "").append(hosts.get(i)).append(':').append(basePorts[i]);
        }
        return value.toString();
    }
}
