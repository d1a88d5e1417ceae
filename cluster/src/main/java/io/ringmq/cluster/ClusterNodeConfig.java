package io.ringmq.cluster;

import java.io.File;
import java.util.concurrent.TimeUnit;

/**
 * A node's cluster settings: its id, the voting members, whether it votes, where its files go, and the control
 * plane's timeouts and bounds. Immutable; the {@code with*} methods return a copy.
 */
public final class ClusterNodeConfig
{
    /** Default lease: a node whose cluster session is silent this long is down (its routes are dropped). */
    public static final long DEFAULT_LEASE_NS = TimeUnit.SECONDS.toNanos(5);
    /** Default time without a leader heartbeat before the followers elect a new leader. */
    public static final long DEFAULT_LEADER_HEARTBEAT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(3);
    /** Default bound on distinct filters in the route table. */
    public static final int DEFAULT_MAX_FILTERS = 4_000_000;
    /** Default bound on session directory entries. */
    public static final int DEFAULT_MAX_SESSIONS = 16_000_000;
    /** Default bytes of commands a node may queue for the control plane. */
    public static final int DEFAULT_COMMAND_QUEUE_BYTES = 4 * 1024 * 1024;

    private final int nodeId;
    private final ClusterMembers members;
    private final boolean voting;
    private final String host;
    private final int dataPort;
    private final File clusterDir;
    private final long leaseNs;
    private final long leaderHeartbeatTimeoutNs;
    private final int maxFilters;
    private final int maxSessions;
    private final int commandQueueBytes;

    private ClusterNodeConfig(
        final int nodeId, final ClusterMembers members, final boolean voting, final String host, final int dataPort,
        final File clusterDir, final long leaseNs, final long leaderHeartbeatTimeoutNs, final int maxFilters,
        final int maxSessions, final int commandQueueBytes)
    {
        this.nodeId = nodeId;
        this.members = members;
        this.voting = voting;
        this.host = host;
        this.dataPort = dataPort;
        this.clusterDir = clusterDir;
        this.leaseNs = leaseNs;
        this.leaderHeartbeatTimeoutNs = leaderHeartbeatTimeoutNs;
        this.maxFilters = maxFilters;
        this.maxSessions = maxSessions;
        this.commandQueueBytes = commandQueueBytes;
    }

    /**
     * A voting member: its host and ports come from its entry in {@code members}.
     *
     * @param nodeId     its id, an index into {@code members}.
     * @param members    the voting members.
     * @param clusterDir where its Aeron files go.
     * @return the settings.
     */
    public static ClusterNodeConfig votingMember(final int nodeId, final ClusterMembers members, final File clusterDir)
    {
        if (nodeId < 0 || nodeId >= members.size())
        {
            throw new IllegalArgumentException("node-id " + nodeId + " is not a voting member: cluster-members lists " +
                members.size() + " (ids 0.." + (members.size() - 1) + "); use --cluster-client for another node");
        }
        return new ClusterNodeConfig(nodeId, members, true, members.host(nodeId),
            members.basePort(nodeId) + ClusterMembers.DATA_OFFSET, clusterDir, DEFAULT_LEASE_NS,
            DEFAULT_LEADER_HEARTBEAT_TIMEOUT_NS, DEFAULT_MAX_FILTERS, DEFAULT_MAX_SESSIONS,
            DEFAULT_COMMAND_QUEUE_BYTES);
    }

    /**
     * A node that joins as a cluster client only (no vote, no log).
     *
     * @param nodeId     its id: not a voting member's, at most {@link ClusterMembers#MAX_NODES} - 1.
     * @param members    the voting members.
     * @param host       the address the other nodes reach it on.
     * @param dataPort   its data-plane port.
     * @param clusterDir where its Aeron files go.
     * @return the settings.
     */
    public static ClusterNodeConfig clusterClient(
        final int nodeId, final ClusterMembers members, final String host, final int dataPort, final File clusterDir)
    {
        if (nodeId < members.size() || nodeId >= ClusterMembers.MAX_NODES)
        {
            throw new IllegalArgumentException("node-id " + nodeId + " of a cluster client must be " + members.size() +
                ".." + (ClusterMembers.MAX_NODES - 1) + " (0.." + (members.size() - 1) + " are the voting members)");
        }
        if (dataPort < 1 || dataPort > 65535)
        {
            throw new IllegalArgumentException("data-plane port must be 1..65535: " + dataPort);
        }
        return new ClusterNodeConfig(nodeId, members, false, host, dataPort, clusterDir, DEFAULT_LEASE_NS,
            DEFAULT_LEADER_HEARTBEAT_TIMEOUT_NS, DEFAULT_MAX_FILTERS, DEFAULT_MAX_SESSIONS,
            DEFAULT_COMMAND_QUEUE_BYTES);
    }

    /**
     * @param leaseNs          how long a silent node keeps its lease.
     * @param heartbeatTimeoutNs how long followers wait for the leader before an election.
     * @return a copy with these timeouts.
     */
    public ClusterNodeConfig withTimeouts(final long leaseNs, final long heartbeatTimeoutNs)
    {
        if (leaseNs <= 0 || heartbeatTimeoutNs <= 0)
        {
            throw new IllegalArgumentException("timeouts must be positive: " + leaseNs + ", " + heartbeatTimeoutNs);
        }
        return new ClusterNodeConfig(nodeId, members, voting, host, dataPort, clusterDir, leaseNs, heartbeatTimeoutNs,
            maxFilters, maxSessions, commandQueueBytes);
    }

    /**
     * @param filters  most distinct filters in the route table.
     * @param sessions most session directory entries.
     * @return a copy with these bounds.
     */
    public ClusterNodeConfig withBounds(final int filters, final int sessions)
    {
        return new ClusterNodeConfig(nodeId, members, voting, host, dataPort, clusterDir, leaseNs,
            leaderHeartbeatTimeoutNs, filters, sessions, commandQueueBytes);
    }

    /**
     * @return this node's id.
     */
    public int nodeId()
    {
        return nodeId;
    }

    /**
     * @return the voting members.
     */
    public ClusterMembers members()
    {
        return members;
    }

    /**
     * @return whether this node is a voting member.
     */
    public boolean voting()
    {
        return voting;
    }

    /**
     * @return the address other nodes reach this node on.
     */
    public String host()
    {
        return host;
    }

    /**
     * @return this node's data-plane endpoint, {@code host:port}.
     */
    public String dataEndpoint()
    {
        return host + ':' + dataPort;
    }

    /**
     * @return where this node's Aeron files go.
     */
    public File clusterDir()
    {
        return clusterDir;
    }

    /**
     * @return how long a silent node keeps its lease.
     */
    public long leaseNs()
    {
        return leaseNs;
    }

    /**
     * @return how long followers wait for the leader before an election.
     */
    public long leaderHeartbeatTimeoutNs()
    {
        return leaderHeartbeatTimeoutNs;
    }

    /**
     * @return most distinct filters in the route table.
     */
    public int maxFilters()
    {
        return maxFilters;
    }

    /**
     * @return most session directory entries.
     */
    public int maxSessions()
    {
        return maxSessions;
    }

    /**
     * @return bytes of commands this node may queue for the control plane.
     */
    public int commandQueueBytes()
    {
        return commandQueueBytes;
    }
}
