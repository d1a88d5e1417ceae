package io.ringmq.cluster.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The session directory's per-node lists always hold exactly the entries the map gives each node. */
class SessionDirectoryTest
{
    private static final int NODES = 5;

    @Test
    void shouldKeepEachNodesListEqualToItsEntriesThroughPutsReplacementsAndRemovals()
    {
        final SessionDirectory directory = new SessionDirectory();
        final Map<String, Integer> model = new HashMap<>();
        final Random random = new Random(42);
        long epoch = 0;
        for (int step = 0; step < 20_000; step++)
        {
            final String clientId = "c" + random.nextInt(300);
            final int action = random.nextInt(10);
            if (action < 6)
            {
                final int node = random.nextInt(NODES);
                final ControlPlaneState.Owner replaced =
                    directory.put(new ControlPlaneState.Owner(clientId, node, ++epoch));
                assertEquals(model.put(clientId, node), null == replaced ? null : replaced.node);
            }
            else if (action < 9)
            {
                final ControlPlaneState.Owner removed = directory.remove(clientId);
                assertEquals(model.remove(clientId), null == removed ? null : removed.node);
            }
            else
            {
                // What a node's hold ending does: every entry of one node removed while its list is walked.
                final int node = random.nextInt(NODES);
                directory.forEachOf(node, owner -> directory.remove(owner.clientId));
                model.values().removeIf(n -> n == node);
            }
            if (0 == step % 500)
            {
                assertMatches(model, directory);
            }
        }
        assertMatches(model, directory);
    }

    @Test
    void shouldWalkOnlyTheNodesOwnEntriesNewestFirst()
    {
        final SessionDirectory directory = new SessionDirectory();
        directory.put(new ControlPlaneState.Owner("a", 1, 1));
        directory.put(new ControlPlaneState.Owner("b", 2, 2));
        directory.put(new ControlPlaneState.Owner("c", 1, 3));
        directory.put(new ControlPlaneState.Owner("a", 2, 4));     // moved from node 1 to node 2

        assertEquals(List.of("c"), idsOf(directory, 1));
        assertEquals(List.of("a", "b"), idsOf(directory, 2));
        assertEquals(List.of(), idsOf(directory, 0));
        assertEquals(List.of(), idsOf(directory, -1), "a node id out of range has no list");
        assertEquals(3, directory.size());
    }

    @Test
    void shouldGiveARemovedOrReplacedEntryBackAndARemovalOfNothingNull()
    {
        final SessionDirectory directory = new SessionDirectory();
        final ControlPlaneState.Owner first = new ControlPlaneState.Owner("a", 1, 1);
        assertNull(directory.put(first));
        assertSame(first, directory.put(new ControlPlaneState.Owner("a", 1, 2)));
        assertNull(directory.remove("nobody"));
        assertEquals(2, directory.remove("a").epoch);
        assertEquals(List.of(), idsOf(directory, 1));
        assertThrows(UnsupportedOperationException.class, () -> directory.view().clear(), "read-only view");
    }

    private static void assertMatches(final Map<String, Integer> model, final SessionDirectory directory)
    {
        assertEquals(model.size(), directory.size());
        for (int node = 0; node < NODES; node++)
        {
            final Set<String> expected = new HashSet<>();
            for (final Map.Entry<String, Integer> entry : model.entrySet())
            {
                if (entry.getValue() == node)
                {
                    expected.add(entry.getKey());
                }
            }
            final List<String> listed = idsOf(directory, node);
            assertEquals(expected, new HashSet<>(listed), "node " + node);
            assertEquals(expected.size(), listed.size(), "node " + node + ": no entry listed twice");
        }
    }

    private static List<String> idsOf(final SessionDirectory directory, final int node)
    {
        final List<String> ids = new ArrayList<>();
        directory.forEachOf(node, owner -> ids.add(owner.clientId));
        return ids;
    }
}
