package io.ringmq.jmh;

import io.ringmq.auth.Decision;
import io.ringmq.auth.TopicPermissions;
import io.ringmq.transport.auth.acl.AclCompiler;
import io.ringmq.transport.auth.acl.AclFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The ACL check the Router makes for every PUBLISH (and every delivery through a subscription that covers topics the
 * subscriber may not read): one client's compiled permissions from an ACL file of {@code users} users (10 rules
 * each, plus 10 patterns with {@code %c}/{@code %u}), matched over the topic's bytes. {@code users = 0} is the
 * allow-all baseline. Must allocate nothing ({@code gc.alloc.rate.norm} = 0).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {JvmArgs.ADD_EXPORTS, JvmArgs.NO_BOUNDS_CHECKS})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class AclCheckBenchmark
{
    @Param({"0", "10000"})
    int users;

    private TopicPermissions permissions;
    private final UnsafeBuffer allowed = topic("fleet/u7/site-3/telemetry");
    private final UnsafeBuffer denied = topic("fleet/u8/site-3/telemetry");
    private final UnsafeBuffer pattern = topic("clients/device-7/state");

    private static UnsafeBuffer topic(final String name)
    {
        return new UnsafeBuffer(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Compile the permissions of client {@code device-7}, user {@code u7}, from the generated file.
     *
     * @throws Exception if the file does not parse.
     */
    @Setup
    public void setUp() throws Exception
    {
        if (0 == users)
        {
            permissions = TopicPermissions.ALLOW_ALL;
            return;
        }
        final StringBuilder file = new StringBuilder(users * 200);
        for (int p = 0; p < 10; p++)
        {
            file.append("pattern readwrite clients/%c/").append(p == 0 ? "#" : "p" + p + "/#").append('\n');
        }
        for (int u = 0; u < users; u++)
        {
            file.append("user u").append(u).append('\n');
            for (int r = 0; r < 9; r++)
            {
                file.append("topic readwrite fleet/u").append(u).append("/site-").append(r).append("/#\n");
            }
            file.append("topic deny fleet/u").append(u).append("/site-9/secret\n");
        }
        permissions = AclCompiler.compile(AclFile.parse("bench", file.toString()), "device-7", "u7");
    }

    /** @return the decisions, so the checks are not eliminated. */
    @Benchmark
    public int publishChecks()
    {
        return ordinal(permissions.publish(allowed, 0, allowed.capacity())) +
            ordinal(permissions.publish(denied, 0, denied.capacity())) +
            ordinal(permissions.publish(pattern, 0, pattern.capacity()));
    }

    /** @return the decision of one read check, as made per delivery. */
    @Benchmark
    public int readCheck()
    {
        return ordinal(permissions.read(allowed, 0, allowed.capacity()));
    }

    private static int ordinal(final Decision decision)
    {
        return decision.ordinal();
    }
}
