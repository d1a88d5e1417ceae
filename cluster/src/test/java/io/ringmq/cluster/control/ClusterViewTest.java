package io.ringmq.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ClusterViewTest
{
    private final List<String> changes = new ArrayList<>();
    private final ClusterView view = new ClusterView(new ClusterListener()
    {
        @Override
        public void onNodeUp(final int node, final String dataEndpoint)
        {
            changes.add("up " + node);
        }

        @Override
        public void onNodeDown(final int node)
        {
            changes.add("down " + node);
        }

        @Override
        public void onRouteChanged(final String filter, final long nodes)
        {
            changes.add(filter + "=" + nodes);
        }

        @Override
        public void onSessionOwner(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
        }

        @Override
        public void onSessionHandoff(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
        }

        @Override
        public void onSessionOwnerDown(final String clientId, final int owner, final boolean moving)
        {
        }

        @Override
        public void onSessionCut(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
        }

        @Override
        public void onSessionReleased(final String clientId, final long epoch)
        {
        }

        @Override
        public void onRefused(final int reason, final String about)
        {
        }

        @Override
        public void onRetained(final String topic, final DirectBuffer message, final int offset, final int length)
        {
            changes.add("retained " + topic + " " + length);
        }

        @Override
        public void onRetainedGone(final String topic)
        {
            changes.add("gone " + topic);
        }

        @Override
        public void onSynced()
        {
            changes.add("synced");
        }
    });

    @Test
    void shouldDropWhatASyncDidNotConfirmAndKeepWhatEventsChangedDuringIt()
    {
        view.onNodeUp(0, "h0");
        view.onNodeUp(1, "h1");
        view.onRouteAdded("stale", 1);
        view.onRouteAdded("kept", 0);
        view.onRouteAdded("kept", 1);
        changes.clear();

        view.onSyncBegin(77);
        view.onNodeUp(0, "h0");
        view.onRoute("kept", 0b01);
        view.onRouteAdded("during", 1);
        view.onRouteRemoved("kept", 0);
        assertFalse(view.onSyncEnd(76), "the end of another generation");
        assertTrue(view.onSyncEnd(77));

        assertEquals(List.of("kept=1", "during=2", "kept=0", "stale=0", "down 1", "synced"), changes);
        assertEquals(0, view.nodes("kept"));
        assertEquals(0, view.nodes("stale"));
        assertEquals(2, view.nodes("during"));
        assertEquals(1, view.liveNodes());
        assertEquals(1, view.routeCount());
    }

    @Test
    void shouldListTheFiltersThatNameANode()
    {
        view.onRouteAdded("a/#", 1);
        view.onRouteAdded("a/#", 2);
        view.onRouteAdded("b", 2);
        view.onRouteAdded("c", 1);
        view.onRouteRemoved("c", 1);
        assertEquals(Set.of("a/#", "b"), new HashSet<>(view.filtersOf(2)));
        assertEquals(List.of("a/#"), view.filtersOf(1));
        assertTrue(view.filtersOf(0).isEmpty());
    }

    @Test
    void shouldIgnoreNodeIdsOutsideTheRange()
    {
        view.onNodeUp(64, "x");
        view.onRouteAdded("f", -1);
        assertEquals(0, view.liveNodes());
        assertEquals(0, view.routeCount());
        assertTrue(changes.isEmpty());
    }

    @Test
    void shouldDropARetainedTopicASyncDidNotConfirm()
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
        view.onRetained("stale", false, message, 0, 8);
        view.onRetained("kept", false, message, 0, 8);
        view.onRetained("cleared", false, message, 0, 8);
        view.onRetained("cleared", true, message, 0, 4);
        changes.clear();

        view.onSyncBegin(5);
        view.onRetained("kept", false, message, 0, 8);
        assertTrue(view.onSyncEnd(5));
        assertEquals(List.of("retained kept 8", "gone stale", "synced"), changes,
            "a cleared topic is not told again; one the sync did not send is gone");
        assertEquals(1, view.retainedCount());
    }
}
