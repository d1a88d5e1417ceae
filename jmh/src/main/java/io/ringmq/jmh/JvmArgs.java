package io.ringmq.jmh;

/**
 * JVM arguments every benchmark fork runs with, as compile-time constants for {@code @Fork(jvmArgsAppend = ...)}:
 * the production tuning flags (STYLE section 9) and the export Agrona needs for {@code jdk.internal.misc.Unsafe}.
 */
final class JvmArgs
{
    /** Agrona reaches {@code jdk.internal.misc}; without this export it falls back or fails on JDK 17. */
    static final String ADD_EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Production tuning: Agrona buffer bounds checks off (they stay on in tests). */
    static final String NO_BOUNDS_CHECKS = "-Dagrona.disable.bounds.checks=true";
    /** Production tuning: Netty leak detection off. */
    static final String NO_LEAK_DETECTION = "-Dio.netty.leakDetection.level=disabled";

    private JvmArgs()
    {
    }
}
