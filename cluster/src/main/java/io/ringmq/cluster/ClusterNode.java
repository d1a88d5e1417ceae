package io.ringmq.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusterControl;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.ClusterEvent;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.ringmq.cluster.control.ClusterListener;
import io.ringmq.cluster.control.ControlPlaneClient;
import io.ringmq.cluster.control.ControlPlaneService;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RingMQ node's part of the cluster, started from a {@link ClusterNodeConfig}: its Aeron media driver, and for a
 * voting member the archive, the consensus module and the {@link ControlPlaneService}; and on every node the
 * {@link ControlPlaneClient} through which the broker joins the control plane.
 * <p>
 * Everything Aeron keeps on disk is under the node's cluster directory ({@code <data-dir>/cluster}): {@code aeron}
 * (the driver's buffers; deleted at start and stop), {@code archive} (the recorded log) and {@code consensus}
 * (the cluster's mark file, recording log and snapshots).
 * <p>
 * Idle: no thread spins or yields. A thread whose duty cycle found no work sleeps: on the message path (the media
 * driver, shared mode, and the data-plane receiver) first for {@link #DATA_PATH_MIN_PARK_NS}, doubling with each
 * idle cycle up to {@link #DATA_PATH_MAX_PARK_NS}, so a thread that just had work looks again soon (a cross-node
 * QoS 1 acknowledgement crosses these threads four times: measured here, 52-75k msg/s across nodes against
 * 30-32k/s with a flat 1 ms sleep, at 14-17% of a core per idle node against 11-13%); on the control plane's
 * (archive, consensus module, clustered service, control-plane client) for {@link #CONTROL_PATH_MAX_PARK_NS}, a
 * small cost next to the cluster's heartbeats (200 ms) and leases (seconds). (A backoff strategy that spins and
 * yields before it parks cost twice the CPU of an idle node here: the driver's timers find a little work every few
 * milliseconds, and each time the backoff starts over.) So several nodes on a small machine do not spin one
 * another off the CPU; a dedicated server can trade CPU for latency (tuning.md).
 */
public final class ClusterNode implements AutoCloseable
{
    /** Longest sleep of an idle thread on the message path: what an idle node adds to a forward's latency. */
    public static final long DATA_PATH_MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** First sleep of a thread on the message path that just ran out of work; each idle cycle doubles it. */
    public static final long DATA_PATH_MIN_PARK_NS = TimeUnit.MICROSECONDS.toNanos(10);
    /** Sleep of an idle control-plane thread. */
    public static final long CONTROL_PATH_MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(10);
    /**
     * {@code -Dringmq.cluster.dedicated=true}: for a server with cores to spare, the driver and the archive run
     * dedicated threads and every cluster thread backs off (spin, yield, then park up to 1 ms) instead of sleeping,
     * for lower latency at a higher idle cost. Default false.
     */
    public static final boolean DEDICATED = Boolean.getBoolean("ringmq.cluster.dedicated");
    /**
     * How long the node's Aeron clients (its consensus module's, archive's, service's and the broker's) and its media
     * driver may go without hearing from one another: a whole process frozen longer than Aeron's default, 10 s (a
     * long GC pause, a stalled VM, SIGSTOP), finds on waking that each timed out the other and closes them, and the
     * node never rejoins. All of them live in this one process, so a client that dies dies with the driver: the
     * longer timeout keeps nothing alive that is gone. The node's lease (seconds) still takes its routes away from
     * the others meanwhile. {@code -Daeron.driver.timeout} (milliseconds) overrides it.
     */
    public static final long FREEZE_TOLERANCE_NS = TimeUnit.SECONDS.toNanos(60);

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    private final ClusterNodeConfig config;
    private final MediaDriver driver;
    private final ClusteredMediaDriver clusteredDriver;
    private final ClusteredServiceContainer container;
    private final ControlPlaneService service;
    private final Aeron aeron;
    private final ControlPlaneClient client;
    private final AgentRunner clientRunner;
    /** Held for the node's life: no other process uses its files (see {@link #lockDirectory}). */
    private final FileChannel lock;

    private ClusterNode(final ClusterNodeConfig config, final ClusterListener listener, final FileChannel lock)
    {
        this.config = config;
        this.lock = lock;
        final File dir = config.clusterDir();
        final String aeronDir = new File(dir, "aeron").getAbsolutePath();
        final ErrorHandler errors = ex -> onError(config.nodeId(), ex);
        if (null == System.getProperty(Aeron.Context.DRIVER_TIMEOUT_PROP_NAME))
        {
            // Read by every Aeron client this process makes, the ones Aeron's components make for themselves too.
            System.setProperty(Aeron.Context.DRIVER_TIMEOUT_PROP_NAME,
                Long.toString(TimeUnit.NANOSECONDS.toMillis(FREEZE_TOLERANCE_NS)));
        }
        final long clientTimeoutNs = TimeUnit.MILLISECONDS.toNanos(Long.getLong(Aeron.Context.DRIVER_TIMEOUT_PROP_NAME,
            TimeUnit.NANOSECONDS.toMillis(FREEZE_TOLERANCE_NS)));
        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .clientLivenessTimeoutNs(clientTimeoutNs)
            .publicationUnblockTimeoutNs(clientTimeoutNs + TimeUnit.SECONDS.toNanos(5))
            .threadingMode(DEDICATED ? ThreadingMode.DEDICATED : ThreadingMode.SHARED)
            .sharedIdleStrategy(dataPathIdle())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .errorHandler(errors);
        if (config.voting())
        {
            final ClusterMembers members = config.members();
            final int id = config.nodeId();
            final String host = members.host(id);
            final Archive.Context archive = new Archive.Context()
                .aeronDirectoryName(aeronDir)
                .archiveDir(new File(dir, "archive"))
                .archiveId(id)
                .controlChannel("aeron:udp?endpoint=" + members.archiveEndpoint(id))
                .localControlChannel("aeron:ipc?term-length=64k")
                .replicationChannel("aeron:udp?endpoint=" + host + ":0")
                .recordingEventsEnabled(false)
                .threadingMode(DEDICATED ? ArchiveThreadingMode.DEDICATED : ArchiveThreadingMode.SHARED)
                .idleStrategySupplier(ClusterNode::idle)
                .errorHandler(errors);
            final AeronArchive.Context archiveClient = new AeronArchive.Context()
                .controlRequestChannel(archive.localControlChannel())
                .controlResponseChannel(archive.localControlChannel())
                .aeronDirectoryName(aeronDir);
            final ConsensusModule.Context consensus = new ConsensusModule.Context()
                .clusterMemberId(id)
                .clusterMembers(members.aeronClusterMembers())
                .clusterDir(new File(dir, "consensus"))
                .ingressChannel("aeron:udp")
                .replicationChannel("aeron:udp?endpoint=" + host + ":0")
                .archiveContext(archiveClient.clone())
                .serviceCount(1)
                .sessionTimeoutNs(config.leaseNs())
                .leaderHeartbeatTimeoutNs(config.leaderHeartbeatTimeoutNs())
                .idleStrategySupplier(ClusterNode::idle)
                .errorHandler(errors);
            this.service = new ControlPlaneService(config.maxFilters(), config.maxSessions());
            this.clusteredDriver = ClusteredMediaDriver.launch(driverContext, archive, consensus);
            this.driver = null;
            this.container = ClusteredServiceContainer.launch(new ClusteredServiceContainer.Context()
                .aeronDirectoryName(aeronDir)
                .archiveContext(archiveClient.clone())
                .clusterDir(new File(dir, "consensus"))
                .clusteredService(service)
                .idleStrategySupplier(ClusterNode::idle)
                .errorHandler(errors));
        }
        else
        {
            this.service = null;
            this.clusteredDriver = null;
            this.container = null;
            this.driver = MediaDriver.launch(driverContext);
        }
        this.aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir).errorHandler(errors));
        final AeronCluster.Context clientContext = new AeronCluster.Context()
            .aeron(aeron)
            .ownsAeronClient(false)
            .ingressChannel("aeron:udp")
            .ingressEndpoints(config.members().ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=" + config.host() + ":0")
            .messageTimeoutNs(TimeUnit.SECONDS.toNanos(5))
            .errorHandler(errors);
        this.client = new ControlPlaneClient(clientContext, config.nodeId(), config.voting(), config.dataEndpoint(),
            listener, config.commandQueueBytes());
        this.clientRunner = new AgentRunner(idle(), errors, null, client);
        AgentRunner.startOnThread(clientRunner);
    }

    /**
     * Starts this node's part of the cluster.
     *
     * @param config   the node's cluster settings.
     * @param listener told what the node learns from the control plane, on the client's thread.
     * @return the running node.
     */
    public static ClusterNode launch(final ClusterNodeConfig config, final ClusterListener listener)
    {
        LOG.info("cluster: starting node {} as a {} ({} voting members: {}), data plane {}", config.nodeId(),
            config.voting() ? "voting member" : "cluster client", config.members().size(), config.members(),
            config.dataEndpoint());
        final FileChannel lock = lockDirectory(config.clusterDir());
        try
        {
            return new ClusterNode(config, listener, lock);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(lock);
            throw ex;
        }
    }

    /**
     * Lock the node's Aeron files for this process, and remove the mark files a process that ended without stopping
     * (kill -9, a crash, power loss) left behind. Aeron refuses to start beside a mark file updated within its
     * liveness timeout (about 10 s), as if another process still ran there: a node restarted at once after a kill
     * would fail. The lock proves no other process uses the directory, so those files are stale. They describe a
     * running process only; what must survive a restart lives elsewhere (the archive's catalog and recordings, the
     * consensus module's recording log and node state, with its Raft term and vote).
     *
     * @param dir the node's cluster directory.
     * @return the locked channel, held until {@link #close()}.
     */
    static FileChannel lockDirectory(final File dir)
    {
        try
        {
            Files.createDirectories(dir.toPath());
            final FileChannel channel = FileChannel.open(dir.toPath().resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
            final FileLock held;
            try
            {
                held = channel.tryLock();
            }
            catch (final IOException | OverlappingFileLockException ex)
            {
                channel.close();
                throw new IllegalStateException("cannot lock " + dir + ": " + ex, ex);
            }
            if (null == held)
            {
                channel.close();
                throw new IllegalStateException("another process is using " + dir);
            }
            removeStaleMarkFiles(new File(dir, "archive"), "archive-mark");
            removeStaleMarkFiles(new File(dir, "consensus"), "cluster-mark");
            return channel;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot lock " + dir, ex);
        }
    }

    private static void removeStaleMarkFiles(final File dir, final String prefix) throws IOException
    {
        final File[] files = dir.listFiles((parent, name) -> name.startsWith(prefix) && name.endsWith(".dat"));
        if (null == files)
        {
            return;
        }
        for (final File file : files)
        {
            Files.delete(file.toPath());
            LOG.info("cluster: removed {} left by the previous process", file);
        }
    }

    private static void onError(final int nodeId, final Throwable ex)
    {
        if (ex instanceof ClusterEvent)
        {
            // Aeron reports elections and timeouts this way: news, not failures.
            LOG.warn("cluster: node {}: {}", nodeId, ex.getMessage());
        }
        else
        {
            LOG.error("cluster: node {}: Aeron error", nodeId, ex);
        }
    }

    /**
     * @return the idle strategy of a thread on the message path (a new instance: each thread has its own).
     */
    public static IdleStrategy dataPathIdle()
    {
        return DEDICATED ? new BackoffIdleStrategy() :
            new BackoffIdleStrategy(0, 0, DATA_PATH_MIN_PARK_NS, DATA_PATH_MAX_PARK_NS);
    }

    private static IdleStrategy idle()
    {
        return DEDICATED ? new BackoffIdleStrategy() : new SleepingIdleStrategy(CONTROL_PATH_MAX_PARK_NS);
    }

    /**
     * @return this node's Aeron client (for the data plane's publications and subscription).
     */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * @return this node's connection to the control plane.
     */
    public ControlPlaneClient client()
    {
        return client;
    }

    /**
     * @return the control plane this member runs, or null on a cluster client.
     */
    public ControlPlaneService service()
    {
        return service;
    }

    /**
     * Asks this member's consensus module for a snapshot of the control plane (it must be the leader; the
     * followers take theirs at the same log position).
     *
     * @return false on a cluster client, or if the toggle was busy with another request.
     */
    public boolean requestSnapshot()
    {
        if (null == clusteredDriver)
        {
            return false;
        }
        final AtomicCounter toggle = ClusterControl.findControlToggle(aeron.countersReader(),
            clusteredDriver.consensusModule().context().clusterId());
        return null != toggle && ClusterControl.ToggleState.SNAPSHOT.toggle(toggle);
    }

    /**
     * @return snapshots this member's consensus module has taken since it started, or 0 on a cluster client.
     */
    public long snapshotCount()
    {
        return null == clusteredDriver ? 0 : clusteredDriver.consensusModule().context().snapshotCounter().get();
    }

    /**
     * @return this node's settings.
     */
    public ClusterNodeConfig config()
    {
        return config;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(clientRunner, aeron, container, clusteredDriver, driver, lock);
    }
}
