package io.ringmq.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class RemoteRoutesTest
{
    private final RemoteRoutes routes = new RemoteRoutes(3);

    private long match(final String topic)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
        return routes.match(buffer, 0, buffer.capacity());
    }

    @Test
    void shouldMatchEveryFilterFormToTheUnionOfItsNodes()
    {
        routes.apply("a/b", 0b0001);
        routes.apply("a/+", 0b0010);
        routes.apply("a/#", 0b0100);
        routes.apply("#", 1L << 63);
        assertEquals(0b0111L | 1L << 63, match("a/b"));
        assertEquals(0b0110L | 1L << 63, match("a/c"));
        assertEquals(0b0100L | 1L << 63, match("a"));
        assertEquals(0, match("$SYS/x"), "a leading wildcard does not match a $ topic");
        assertEquals(4, routes.filterCount());
    }

    @Test
    void shouldIgnoreItsOwnNodeAndFollowChangesOfANodeSet()
    {
        routes.apply("t", 0b1001);
        assertEquals(0b0001, match("t"), "node 3 is this node");
        routes.apply("t", 0b0110);
        assertEquals(0b0110, match("t"));
        routes.apply("t", 0b1000);
        assertEquals(0, match("t"));
        assertEquals(0, routes.filterCount(), "only this node left: nothing to forward");
    }
}
