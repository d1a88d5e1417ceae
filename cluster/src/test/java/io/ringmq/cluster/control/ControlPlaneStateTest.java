package io.ringmq.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

class ControlPlaneStateTest
{
    private final List<String> events = new ArrayList<>();
    private final ControlPlaneState.Events recorder = new ControlPlaneState.Events()
    {
        @Override
        public void onNodeUp(final int node, final String dataEndpoint)
        {
            events.add("up " + node + " " + dataEndpoint);
        }

        @Override
        public void onNodeDown(final int node)
        {
            events.add("down " + node);
        }

        @Override
        public void onRouteAdded(final String filter, final int node)
        {
            events.add("+" + filter + " " + node);
        }

        @Override
        public void onRouteRemoved(final String filter, final int node)
        {
            events.add("-" + filter + " " + node);
        }

        @Override
        public void onSessionOwner(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
            events.add("owner " + clientId + " " + owner + " " + previousOwner + " " + epoch);
        }

        @Override
        public void onSessionHandoff(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
            events.add("handoff " + clientId + " " + owner + " " + previousOwner + " " + epoch);
        }

        @Override
        public void onSessionOwnerDown(final String clientId, final int claimant, final int owner)
        {
            events.add("owner-down " + clientId + " " + claimant + " " + owner);
        }

        @Override
        public void onSessionMoving(final String clientId, final int claimant, final int owner)
        {
            events.add("moving " + clientId + " " + claimant + " " + owner);
        }

        @Override
        public void onSessionCut(final String clientId, final int owner, final int previousOwner, final long epoch)
        {
            events.add("cut " + clientId + " " + owner + " " + previousOwner + " " + epoch);
        }

        @Override
        public void onSessionReleased(final String clientId, final int owner, final long epoch)
        {
            events.add("released " + clientId + " " + owner + " " + epoch);
        }

        @Override
        public void onSessionExpired(final String clientId, final int owner, final long epoch, final boolean kept)
        {
            events.add("expired " + clientId + " " + owner + " " + epoch + (kept ? "" : " not kept"));
        }

        @Override
        public void onClearNotKept(final String topic, final int node, final int kept)
        {
            events.add("clear-not-kept " + topic + " " + node + " " + kept);
        }

        @Override
        public void onRetained(final String topic, final int node, final ControlPlaneState.Retained message)
        {
            events.add("retained " + topic + " " + node + " " + message.message.length);
        }

        @Override
        public void onWillDue(final int publisher, final ControlPlaneState.Will will)
        {
            events.add("will " + will.clientId + " of " + will.node + " by " + publisher + " " + will.message.length);
        }
    };
    private static final long HOLD_UNTIL = 1_000;
    private final ControlPlaneState state = new ControlPlaneState(3, 2, recorder);

    @Test
    void shouldKeepRoutesAtNodeGranularityAndHoldADownNodesPlainRoutesUntilTheHoldEnds()
    {
        assertTrue(state.join(0, 100, true, "h0:1"));
        assertTrue(state.join(5, 105, false, "h5:1"));
        assertEquals(1, state.addRoute(0, "a/#"));
        assertEquals(0, state.addRoute(0, "a/#"), "a node's second subscriber changes nothing");
        assertEquals(1, state.addRoute(5, "a/#"));
        assertEquals(1, state.addRoute(5, "$share/g/b"));
        assertEquals(0b100001L, state.routes().get("a/#"));
        events.clear();

        state.sessionClosed(999, HOLD_UNTIL);
        assertTrue(events.isEmpty(), "an unknown session is no node");
        state.sessionClosed(105, HOLD_UNTIL);
        assertEquals(List.of("-$share/g/b 5", "down 5"), events, "a group's messages go to its live members");
        assertEquals(0b100001L, state.routes().get("a/#"), "held, so others keep what they forward to it");
        assertFalse(state.isUp(5));
        assertEquals(-1, state.nodeOfSession(105));
        assertEquals(HOLD_UNTIL, state.heldUntil(5));

        events.clear();
        assertEquals(HOLD_UNTIL, state.dropExpiredHolds(HOLD_UNTIL - 1), "not yet");
        assertTrue(events.isEmpty());
        assertEquals(Long.MAX_VALUE, state.dropExpiredHolds(HOLD_UNTIL));
        assertEquals(List.of("-a/# 5"), events);
        assertEquals(1L, state.routes().get("a/#"));
        assertEquals(0, state.heldUntil(5));
    }

    @Test
    void shouldKeepTheRoutesOfANodesPreviousIncarnationWhenItJoinsAgainForItToWithdraw()
    {
        state.join(1, 10, true, "h1:1");
        state.addRoute(1, "x");
        state.sessionClosed(10, HOLD_UNTIL);
        events.clear();
        state.join(1, 11, true, "h1:2");
        assertEquals(List.of("up 1 h1:2"), events);
        assertEquals(0, state.heldUntil(1), "up: no longer held");
        assertEquals(Long.MAX_VALUE, state.dropExpiredHolds(HOLD_UNTIL), "a hold ended by a join drops nothing");
        assertEquals(2L, state.routes().get("x"));
        events.clear();
        state.join(1, 12, true, "h1:3");
        assertEquals(List.of("down 1", "up 1 h1:3"), events, "a join while up is a restart: routes stay");
        assertEquals(1, state.nodeOfSession(12));
        assertEquals(-1, state.nodeOfSession(11));
    }

    @Test
    void shouldHoldTheNodesASnapshotNamesInRoutesButNotUp()
    {
        state.join(0, 1, true, "h0");
        state.addRoute(0, "x");
        state.addRoute(3, "x");
        assertEquals(7L, state.holdAbsentNodes(7L));
        assertEquals(7L, state.heldUntil(3));
        assertEquals(0, state.heldUntil(0), "up");
    }

    @Test
    void shouldBoundTheRouteTableAndTheDirectory()
    {
        state.join(0, 1, true, "h");
        assertEquals(1, state.addRoute(0, "a"));
        assertEquals(1, state.addRoute(0, "b"));
        assertEquals(1, state.addRoute(0, "c"));
        assertEquals(-1, state.addRoute(0, "d"));
        assertEquals(1, state.claim(0, "one"));
        assertEquals(2, state.claim(0, "two"));
        assertEquals(-1, state.claim(0, "three"));
        assertEquals(3, state.claim(0, "two"), "a takeover of an existing entry is no new entry");
    }

    @Test
    void shouldMoveAResumedSessionFromALiveOwnerOnlyAndCutAndGiveBackUnderTheCurrentEpoch()
    {
        state.join(0, 1, true, "h0");
        state.join(1, 2, true, "h1");
        state.join(2, 3, true, "h2");
        assertEquals(1, state.claim(0, "s", true), "nobody had it: no hand-off");
        events.clear();
        assertEquals(2, state.claim(1, "s", true));
        assertFalse(state.cut(0, "s", 0, 2), "the cut comes from the new owner only");
        assertFalse(state.cut(1, "s", 0, 1), "under its epoch only");
        assertTrue(state.cut(1, "s", 0, 2));
        assertEquals(List.of("handoff s 1 0 2", "cut s 1 0 2"), events);

        events.clear();
        state.sessionClosed(2, HOLD_UNTIL);
        assertEquals(0, state.claim(2, "s", false) - 3, "a clean start takes it whoever had it");
        state.sessionClosed(3, HOLD_UNTIL);
        assertEquals(0, state.claim(0, "s", true), "resume from a node that is down: refused");
        assertEquals(List.of("down 1", "owner s 2 1 3", "down 2", "owner-down s 0 2"), events);
        assertEquals(2, state.ownerOf("s"), "the directory is unchanged");

        events.clear();
        state.join(2, 4, true, "h2");
        assertEquals(4, state.claim(0, "s", true));
        assertFalse(state.giveBack(0, "s", 2, 3), "an old epoch");
        assertTrue(state.giveBack(0, "s", 2, 4));
        assertEquals(2, state.ownerOf("s"));
        assertEquals(List.of("up 2 h2", "handoff s 0 2 4", "owner s 2 0 5"), events);
    }

    /**
     * Two resumes of one client id at once: the first moves the session; the second, while the new owner may not
     * have all of it yet, is refused (its client tries again) instead of starting a second hand-off from a node that
     * is still receiving the session. The move is over when the new owner says its resume completed, or after the
     * window.
     */
    @Test
    void shouldRefuseAResumeElsewhereWhileTheSessionIsMovingUntilTheNewOwnerCompletesOrTheWindowEnds()
    {
        state.join(0, 1, true, "h0");
        state.join(1, 2, true, "h1");
        state.join(2, 3, true, "h2");
        assertEquals(1, state.claim(0, "s", true, 3600, 100, 15));
        events.clear();
        assertEquals(2, state.claim(1, "s", true, 3600, 200, 15), "moves from node 0");
        assertEquals(0, state.claim(2, "s", true, 3600, 205, 15), "node 1 may not have it all yet");
        assertEquals(List.of("handoff s 1 0 2", "moving s 2 1"), events);
        assertEquals(1, state.ownerOf("s"), "the directory is unchanged");
        assertEquals(3, state.claim(0, "s", false, 3600, 206, 15), "a clean start is no move: it takes the id");

        events.clear();
        assertEquals(4, state.claim(1, "s", true, 3600, 300, 15));
        assertTrue(state.sessionExpiry(1, "s", 3600, false, 305), "node 1's resume completed");
        assertEquals(5, state.claim(2, "s", true, 3600, 306, 15), "the move was over: it moves again");
        assertEquals(0, state.claim(0, "s", true, 3600, 320, 15));
        assertEquals(6, state.claim(0, "s", true, 3600, 321, 15), "the window ended");
        assertEquals(List.of("handoff s 1 0 4", "handoff s 2 1 5", "moving s 0 2", "handoff s 0 2 6"), events);
    }

    @Test
    void shouldSerialiseOwnershipWithIncreasingEpochs()
    {
        state.join(0, 1, true, "h0");
        state.join(1, 2, true, "h1");
        assertEquals(1, state.claim(0, "c"));
        assertEquals(2, state.claim(1, "c"));
        assertFalse(state.release(0, "c", 1), "the old owner's late release");
        assertFalse(state.release(1, "c", 1), "a release under another epoch");
        assertTrue(state.release(1, "c", 2));
        assertEquals(List.of("up 0 h0", "up 1 h1", "owner c 0 -1 1", "owner c 1 0 2", "released c 1 2"), events);
        state.sessionClosed(1, HOLD_UNTIL);
        assertEquals(3, state.claim(1, "d"));
        state.sessionClosed(2, HOLD_UNTIL);
        assertEquals(1, state.sessions().get("d").node, "a down node's sessions stay in the directory");
        assertFalse(state.release(0, "d", -1), "any epoch, but only by the owner");
        assertTrue(state.release(1, "d", -1), "a restarted owner releases without knowing the epoch");
        assertEquals(null, state.sessions().get("d"));
    }

    @Test
    void shouldPublishADownNodesWillsOnceWhenDueThroughTheLowestLiveNode()
    {
        state.join(1, 101, true, "h1:1");
        state.join(2, 102, true, "h2:1");
        assertTrue(state.setWill(2, "quick", new byte[10], 0));
        assertTrue(state.setWill(2, "slow", new byte[20], 50));
        assertTrue(state.setWill(2, "gone", new byte[30], 0));
        assertTrue(state.clearWill(2, "gone"), "a will its node published or dropped");
        assertTrue(state.setWill(1, "other", new byte[5], 0));
        assertEquals(3, state.willCount());
        assertEquals(Long.MAX_VALUE, state.publishDueWills(10), "nothing is due while its node is up");
        events.clear();

        state.sessionClosed(102, 100, HOLD_UNTIL);
        assertEquals(100, state.willsOf(2).get("quick").dueAt, "due its delay after the node went down");
        assertEquals(150, state.willsOf(2).get("slow").dueAt);
        assertEquals(150, state.publishDueWills(100));
        assertEquals(List.of("down 2", "will quick of 2 by 1 10"), events);
        events.clear();
        assertEquals(150, state.publishDueWills(149), "published once");
        assertTrue(events.isEmpty());
        assertEquals(Long.MAX_VALUE, state.publishDueWills(150));
        assertEquals(List.of("will slow of 2 by 1 20"), events);
        assertEquals(3, state.willCount(), "kept as published, for the node to learn when it is back");
        assertEquals(2 * ("quick".length() + "slow".length() + "other".length()) + 5, state.willBytes(),
            "without their messages");

        state.join(2, 202, true, "h2:1", 300);
        assertTrue(state.willsOf(2).get("quick").published(), "the node is told in its sync");
        assertTrue(state.clearWill(2, "quick"), "the node knows it now");
        assertTrue(state.setWill(2, "slow", new byte[7], 0), "its client connected here again");
        assertFalse(state.willsOf(2).get("slow").published());
        assertEquals(0, state.willsOf(2).get("slow").dueAt);
        state.sessionClosed(202, 400, HOLD_UNTIL);
        assertEquals(2, state.willCount(), "published wills are forgotten at the node's next down");
    }

    @Test
    void shouldForgetThePublishedWillsOfANodeDownPastItsHoldAndKeepNoneItPublishesAfter()
    {
        state.join(1, 101, true, "h1:1");
        state.join(2, 102, true, "h2:1");
        assertTrue(state.setWill(2, "now", new byte[10], 0));
        assertTrue(state.setWill(2, "later", new byte[20], 2 * HOLD_UNTIL));
        state.sessionClosed(102, 10, HOLD_UNTIL);
        assertEquals(2 * HOLD_UNTIL + 10, state.publishDueWills(10));
        assertTrue(state.willsOf(2).get("now").published(), "kept as published while the node may come back");
        assertFalse(state.isGone(2));

        assertEquals(Long.MAX_VALUE, state.dropExpiredHolds(HOLD_UNTIL));
        assertTrue(state.isGone(2), "down past its hold: gone");
        assertEquals(java.util.Set.of("later"), state.willsOf(2).keySet(), "its published will is not kept");
        events.clear();
        assertEquals(Long.MAX_VALUE, state.publishDueWills(2 * HOLD_UNTIL + 10));
        assertEquals(List.of("will later of 2 by 1 20"), events, "a will still due is published when due");
        assertEquals(0, state.willCount(), "and not kept either");
        assertEquals(0, state.willBytes());

        state.join(2, 202, true, "h2:1", 3 * HOLD_UNTIL);
        assertFalse(state.isGone(2), "back");
        assertTrue(state.setWill(2, "again", new byte[3], 0));
        state.sessionClosed(202, 3 * HOLD_UNTIL, 4 * HOLD_UNTIL);
        assertEquals(Long.MAX_VALUE, state.publishDueWills(3 * HOLD_UNTIL));
        assertTrue(state.willsOf(2).get("again").published(), "kept for its return again, within the hold");
        assertEquals(4 * HOLD_UNTIL, state.heldUntil(2), "held, without routes too");
    }

    @Test
    void shouldReleaseTheSessionsOfANodeDownPastItsHoldSoThatTheirClientsResumeElsewhere()
    {
        state.join(1, 101, true, "h1:1");
        state.join(2, 102, true, "h2:1");
        final long epoch = state.claim(2, "dev", true);
        assertTrue(state.claim(1, "here", true) > 0);
        state.sessionClosed(102, 10, HOLD_UNTIL);
        events.clear();
        assertEquals(0, state.claim(1, "dev", true), "its node is down: refused while it may come back");
        assertEquals(List.of("owner-down dev 1 2"), events);
        events.clear();

        state.dropExpiredHolds(HOLD_UNTIL);
        assertTrue(events.contains("released dev 2 " + epoch), events.toString());
        assertFalse(events.stream().anyMatch(e -> e.startsWith("released here")), "another node's session stays");
        events.clear();
        final long taken = state.claim(1, "dev", true);
        assertTrue(taken > epoch);
        assertEquals(List.of("owner dev 1 -1 " + taken), events, "a fresh session on node 1");
    }

    @Test
    void shouldEndADownNodesSessionsWhenTheyWouldHaveExpiredThereSoThatTheirClientsStartAfreshElsewhere()
    {
        final ControlPlaneState directory = new ControlPlaneState(3, 10, recorder);
        directory.join(1, 101, true, "h1:1");
        directory.join(2, 102, true, "h2:1");
        final long offline = directory.claim(2, "offline", false, 60);
        assertTrue(directory.sessionExpiry(2, "offline", 60, true, 100), "its connection ended at 100");
        final long online = directory.claim(2, "online", false, 50);
        directory.claim(2, "forever", false, Long.MAX_VALUE);
        directory.claim(2, "untold", true);
        directory.claim(1, "elsewhere", false, 10);
        assertFalse(directory.sessionExpiry(1, "online", 5, true, 100), "only its owner tells a session's expiry");
        assertEquals(Long.MAX_VALUE, directory.expireSessions(1_000_000), "nothing expires while its node is up");
        events.clear();

        directory.sessionClosed(102, 130, HOLD_UNTIL);
        assertEquals(2, directory.sessionsDue(), "the sessions whose expiry the node told, and that expire");
        assertEquals(160, directory.expireSessions(159), "offline since 100, 60 to go");
        assertEquals(0, directory.claim(1, "offline", true), "not yet: its node may come back with it");
        events.clear();
        assertEquals(180, directory.expireSessions(160), "connected until its node went down at 130, 50 to go");
        assertEquals(List.of("expired offline 2 " + offline), events);
        final long fresh = directory.claim(1, "offline", true);
        assertTrue(fresh > online, "a resume elsewhere now starts afresh");
        assertTrue(events.contains("owner offline 1 -1 " + fresh), events.toString());
        events.clear();
        assertEquals(Long.MAX_VALUE, directory.expireSessions(180));
        assertEquals(List.of("expired online 2 " + online), events);
        assertEquals(2, directory.ownerOf("forever"), "a session that never expires stays for the hold");
        assertEquals(2, directory.ownerOf("untold"), "as does one whose expiry its node did not tell");
        assertEquals(1, directory.ownerOf("elsewhere"));
        assertEquals(java.util.Set.of("offline", "online"), directory.expiredOf(2), "kept for node 2's syncs");
        assertTrue(directory.expiredSeen(2, "online"), "node 2, back, has seen it");
        assertFalse(directory.expiredSeen(2, "online"));
        assertFalse(directory.expiredSeen(1, "offline"), "only its own node's");
        assertEquals(1, directory.expiredCount());

        events.clear();
        directory.dropExpiredHolds(HOLD_UNTIL);
        assertEquals(null, directory.expiredOf(2), "gone: nobody to tell");
        assertEquals(0, directory.expiredCount());
        assertEquals(List.of("released forever 2 3", "released untold 2 4"),
            events.stream().filter(e -> e.startsWith("released")).sorted().toList());
        assertEquals(0, directory.sessionsDue());
    }

    @Test
    void shouldKeepTheTopicsClearedWhileANodeWasDownUntilItHasHadASync()
    {
        final ControlPlaneState topics = new ControlPlaneState(3, 10, 2, 1 << 20, recorder);
        topics.join(1, 101, true, "h1:1");
        topics.join(2, 102, true, "h2:1");
        assertTrue(topics.retain(1, "a", new byte[10], false, Long.MAX_VALUE));
        assertTrue(topics.retain(1, "b", new byte[10], false, Long.MAX_VALUE));
        topics.sessionClosed(102, 10, HOLD_UNTIL);
        assertTrue(topics.retain(1, "a", new byte[0], true, Long.MAX_VALUE));
        assertTrue(topics.retain(1, "c", new byte[0], true, Long.MAX_VALUE), "node 2 may hold one (its own, lost)");
        assertEquals(java.util.Set.of("a", "c"), topics.clearedWhileDown(2), "kept for node 2's syncs");
        assertEquals(null, topics.clearedWhileDown(1), "node 1 is up: it hears each clear");
        assertTrue(topics.retain(1, "c", new byte[10], false, Long.MAX_VALUE));
        assertEquals(java.util.Set.of("a"), topics.clearedWhileDown(2), "set again: node 2 is sent the message");

        events.clear();
        assertTrue(topics.retain(1, "d", new byte[0], true, Long.MAX_VALUE));
        assertTrue(topics.retain(1, "e", new byte[0], true, Long.MAX_VALUE), "the clear itself is never refused");
        assertEquals(List.of("clear-not-kept e 2 2"), events.stream().filter(e -> e.startsWith("clear-")).toList(),
            "past the bound (the retained messages'): counted");
        topics.join(2, 202, true, "h2:1", 100);
        assertEquals(java.util.Set.of("a", "d"), topics.clearedWhileDown(2), "kept until its sync is done");
        topics.synced(2);
        assertEquals(null, topics.clearedWhileDown(2));
        assertEquals(0, topics.clearedWhileDownCount());
        topics.sessionClosed(202, 200, HOLD_UNTIL);
        topics.retain(1, "b", new byte[0], true, Long.MAX_VALUE);
        topics.dropExpiredHolds(HOLD_UNTIL);
        assertEquals(null, topics.clearedWhileDown(2), "gone: nobody to tell");
        assertEquals(0, topics.clearedWhileDownCount());
    }

    @Test
    void shouldKeepWhichNodeEachEpochTookTheIdFromForANodeThatAsks()
    {
        state.join(1, 101, true, "h1:1");
        state.join(2, 102, true, "h2:1");
        state.claim(1, "a");
        assertEquals(-1, state.owner("a").previous);
        state.claim(2, "a");
        assertEquals(1, state.owner("a").previous);
        assertFalse(state.owner("a").handedOver, "a clean start");
        state.claim(1, "a", true);
        assertEquals(2, state.owner("a").previous);
        assertTrue(state.owner("a").handedOver, "a resume moves the session");
        assertTrue(state.giveBack(1, "a", 2, state.owner("a").epoch));
        assertEquals(2, state.owner("a").node);
        assertEquals(1, state.owner("a").previous, "given back: from the node that returned it");
        assertFalse(state.owner("a").handedOver);
    }

    @Test
    void shouldTellANodeBackThatItsSessionExpiredWhenItClaimsTheIdBeforeItsSyncDoes()
    {
        final ControlPlaneState directory = new ControlPlaneState(3, 10, recorder);
        directory.join(2, 102, true, "h2:1");
        directory.claim(2, "dev", false, 10);
        directory.sessionClosed(102, 100, HOLD_UNTIL);
        directory.expireSessions(110);
        directory.join(2, 202, true, "h2:1", 120);
        events.clear();
        final long epoch = directory.claim(2, "dev", true);
        assertEquals(List.of("owner dev 2 " + io.ringmq.core.cluster.ClusterLink.PREVIOUS_EXPIRED + " " + epoch),
            events, "its copy from the journal is stale");
        assertEquals(0, directory.expiredCount(), "told: its sync need not name it");
        assertTrue(directory.release(2, "dev", epoch));
        events.clear();
        final long again = directory.claim(2, "dev", true);
        assertEquals(List.of("owner dev 2 -1 " + again), events, "told once");
    }

    @Test
    void shouldKeepTheSessionsThatExpiredWhileTheirNodeWasDownWithinTheDirectorysBound()
    {
        final ControlPlaneState directory = new ControlPlaneState(3, 2, recorder);
        directory.join(2, 102, true, "h2:1");
        directory.claim(2, "a", false, 10);
        directory.claim(2, "b", false, 10);
        directory.sessionClosed(102, 100, HOLD_UNTIL);
        directory.expireSessions(110);
        directory.join(2, 202, true, "h2:1", 120);
        directory.claim(2, "c", false, 10);
        directory.sessionClosed(202, 130, HOLD_UNTIL);
        events.clear();
        directory.expireSessions(140);
        assertEquals(List.of("expired c 2 3 not kept"), events, "past the bound (the directory's): counted");
        assertEquals(java.util.Set.of("a", "b"), directory.expiredOf(2));
        assertEquals(2, directory.expiredCount());
    }

    @Test
    void shouldStopASessionsExpiryWhenItsNodeIsBackOrItsEntryChangesAndPublishItsWillWhenItEnds()
    {
        final ControlPlaneState directory = new ControlPlaneState(3, 10, recorder);
        directory.join(1, 101, true, "h1:1");
        directory.join(2, 102, true, "h2:1");
        directory.claim(2, "back", false, 60);
        directory.sessionExpiry(2, "back", 60, true, 100);
        directory.claim(2, "taken", false, 60);
        directory.claim(2, "willed", false, 60);
        directory.sessionExpiry(2, "willed", 60, true, 100);
        assertTrue(directory.setWill(2, "willed", new byte[4], 500), "a will due later than the session ends");
        directory.sessionClosed(102, 110, HOLD_UNTIL);
        assertEquals(3, directory.sessionsDue());
        assertEquals(0, directory.claim(1, "taken", true), "a resume waits for its node");
        assertTrue(directory.claim(1, "taken", false) > 0, "a clean start takes the id at once");
        assertEquals(2, directory.sessionsDue(), "the entry it replaced no longer expires");
        events.clear();
        assertEquals(160, directory.expireSessions(159));
        assertEquals(Long.MAX_VALUE, directory.expireSessions(160));
        assertTrue(events.contains("expired willed 2 3") && events.contains("expired back 2 1"), events.toString());
        assertFalse(events.stream().anyMatch(e -> e.contains("taken")), events.toString());
        events.clear();
        assertEquals(Long.MAX_VALUE, directory.publishDueWills(160));
        assertEquals(List.of("will willed of 2 by 1 4"), events, "published when its session ended, not at 610");

        directory.claim(1, "moved", false, 60);
        directory.join(2, 202, true, "h2:1", 200);
        directory.claim(2, "again", false, 60);
        directory.sessionExpiry(2, "again", 60, true, 210);
        directory.sessionClosed(101, 220, HOLD_UNTIL);
        directory.join(1, 201, true, "h1:1", 230);
        assertEquals(0, directory.sessionsDue(), "node 1 is back before its session expired");
        assertTrue(directory.sessionExpiry(1, "moved", 60, true, 240));
        directory.join(1, 301, true, "h1:1", 400);
        assertEquals(0, directory.sessionsDue(), "a node that joins again on a new session is up");
        assertEquals(Long.MAX_VALUE, directory.expireSessions(1_000));
        directory.sessionClosed(301, 420, HOLD_UNTIL);
        assertEquals(460, directory.expireSessions(420),
            "offline since 240, but counted from its node's return at 400, as on a node restarted from its journal");
    }

    @Test
    void shouldForgetANodesWillsOnResetButNotThoseTakenOver()
    {
        state.join(1, 101, true, "h1:1");
        state.join(2, 102, true, "h2:1");
        assertTrue(state.setWill(2, "taken", new byte[3], 100));
        state.join(2, 202, true, "h2:1", 10);
        assertTrue(state.setWill(2, "stale", new byte[3], 0), "its clear will be lost with a leader");
        assertTrue(state.setWill(1, "other", new byte[3], 0));
        assertEquals(1, state.resetWills(2));
        assertEquals(java.util.Set.of("taken"), state.willsOf(2).keySet(), "taken over: the control plane's");
        assertEquals(2, state.willCount());
        assertEquals(2 * ("taken".length() + "other".length()) + 6, state.willBytes());
    }

    @Test
    void shouldKeepDueWillsUntilANodeIsUpAndBoundTheWills()
    {
        final ControlPlaneState bounded = new ControlPlaneState(3, 2, 2, 100, 2, 40, recorder);
        bounded.join(3, 103, true, "h3:1");
        assertTrue(bounded.setWill(3, "a", new byte[10], 0));
        assertFalse(bounded.setWill(3, "b", new byte[40], 0), "past the bytes");
        assertTrue(bounded.setWill(3, "b", new byte[10], 0));
        assertFalse(bounded.setWill(3, "c", new byte[1], 0), "past the count");
        assertFalse(bounded.setWill(3, "a", new byte[60], 0), "a larger will past the bytes...");
        assertEquals(1, bounded.willCount(), "... replaces the old one, which is gone too");
        events.clear();

        bounded.sessionClosed(103, 10, HOLD_UNTIL);
        assertEquals(Long.MAX_VALUE, bounded.publishDueWills(20), "no node is up to publish it: it waits for one");
        assertEquals(List.of("down 3"), events);
        bounded.join(4, 104, true, "h4:1", 30);
        assertEquals(Long.MAX_VALUE, bounded.publishDueWills(30));
        assertEquals(List.of("down 3", "up 4 h4:1", "will b of 3 by 4 10"), events);
    }

    @Test
    void shouldTakeOverTheWillsOfANodeThatJoinsAgainBeforeItsLeaseEnded()
    {
        state.join(1, 101, true, "h1:1");
        state.join(2, 102, true, "h2:1");
        assertTrue(state.setWill(2, "c", new byte[3], 5));
        events.clear();
        state.join(2, 202, true, "h2:1", 70);
        assertEquals(75, state.willsOf(2).get("c").dueAt, "restarted: its connections are gone");
        assertEquals(Long.MAX_VALUE, state.publishDueWills(75));
        assertEquals(List.of("down 2", "up 2 h2:1", "will c of 2 by 1 3"), events);

        assertTrue(state.setWill(2, "d", new byte[3], 10));
        assertTrue(state.setWill(2, "e", new byte[3], 10));
        assertTrue(state.setWill(2, "f", new byte[3], 10, 190), "its connection ended at 180: its delay runs");
        assertTrue(state.setWill(2, "g", new byte[3], 10, 230), "ended at 220");
        state.sessionClosed(202, 200, HOLD_UNTIL);
        state.join(2, 302, true, "h2:1", 205);
        assertTrue(state.clearWill(2, "d"), "a clear the node sends once it is back (it published it, cut off)");
        assertTrue(state.setWill(2, "e", new byte[3], 10), "its client connected to it again");
        assertEquals(200, state.willsOf(2).get("f").dueAt, "its delay ended before the node went down: due at once");
        assertEquals(230, state.willsOf(2).get("g").dueAt, "due when its delay ends, not 10 after the node's down");
        events.clear();
        assertEquals(Long.MAX_VALUE, state.publishDueWills(300), "d and e are due no more");
        assertEquals(List.of("will f of 2 by 1 3", "will g of 2 by 1 3"), events);
    }

    @Test
    void shouldApplyEachNumberedCommandOnceAndStartANodesNumberingAgainAtItsJoin()
    {
        final ControlPlaneState state = new ControlPlaneState(16, 16, recorder);
        assertTrue(state.join(1, 100, true, "e1", 0, 7));
        assertFalse(state.admitCommand(1, 7), "the join's own number");
        assertTrue(state.admitCommand(1, 8));
        assertTrue(state.admitCommand(1, 9));
        // After a leader change the node sends 8, 9 and 10 again: 8 and 9 were applied, 10 was lost.
        assertFalse(state.admitCommand(1, 8));
        assertFalse(state.admitCommand(1, 9));
        assertTrue(state.admitCommand(1, 10));
        assertEquals(10, state.lastCommand(1));
        assertTrue(state.admitCommand(1, 0), "unnumbered: a route sent again, a sync request");
        assertTrue(state.admitCommand(1, 0));
        assertEquals(10, state.lastCommand(1), "not moved by an unnumbered command");

        // Its join sent again after a leader change (its sync had not come): nothing changes.
        assertTrue(state.setWill(1, "w", new byte[3], 0));
        events.clear();
        assertFalse(state.join(1, 100, true, "e1", 50, 7), "a repeat on the same session");
        assertTrue(events.isEmpty(), "not taken down and up: " + events);
        assertEquals(0, state.willsOf(1).get("w").dueAt, "its wills are not taken over");
        assertEquals(10, state.lastCommand(1), "its numbering goes on");
        assertFalse(state.admitCommand(1, 9));

        // The node restarted: its new process numbers from 1 again, after its join.
        assertTrue(state.join(1, 101, true, "e1", 60, 0));
        assertEquals(60, state.willsOf(1).get("w").dueAt, "restarted: taken over");
        assertTrue(state.admitCommand(1, 1));
        assertEquals(0, state.lastCommand(2), "each node has its own numbering");
        assertTrue(state.admitCommand(2, 1));
    }

    @Test
    void shouldEncodeAndDecodeEveryField()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(ControlMessageDescriptor.MAX_MESSAGE_LENGTH);
        final int length = new ControlMessageEncoder().encode(buffer, 8, ControlMessageDescriptor.SESSION_OWNER, 7,
            -1, 1L << 40, "dévice/ü");
        final ControlMessageDecoder decoder = new ControlMessageDecoder();
        assertTrue(decoder.wrap(buffer, 8, length));
        assertEquals(ControlMessageDescriptor.SESSION_OWNER, decoder.type());
        assertEquals(7, decoder.node());
        assertEquals(-1, decoder.other());
        assertEquals(1L << 40, decoder.value());
        assertEquals("dévice/ü", decoder.text());
        assertEquals(0, decoder.sequence(), "not numbered");
        buffer.putLong(8 + ControlMessageDescriptor.SEQUENCE_OFFSET, -5);
        ControlMessageEncoder.sequence(buffer, 8, 41);
        assertEquals(41, decoder.sequence());
        assertEquals("dévice/ü", decoder.text());
        assertFalse(decoder.wrap(buffer, 8, length - 1), "a text that does not fill the message");
        assertFalse(decoder.wrap(buffer, 8, ControlMessageDescriptor.HEADER_LENGTH - 1), "a short header");
    }

    @Test
    void shouldKeepRetainedMessagesWithinTheirBoundsAndSweepExpiredOnes()
    {
        final ControlPlaneState bounded = new ControlPlaneState(3, 2, 2, 100, recorder);
        assertTrue(bounded.retain(0, "a", new byte[10], false, Long.MAX_VALUE));
        assertTrue(bounded.retain(1, "b", new byte[10], false, 50));
        assertFalse(bounded.retain(0, "c", new byte[1], false, Long.MAX_VALUE), "a third topic: past the count");
        assertTrue(bounded.retain(2, "a", new byte[20], false, Long.MAX_VALUE), "a larger message within the bytes");
        assertEquals(34, bounded.retainedBytes());
        assertFalse(bounded.retain(2, "a", new byte[90], false, Long.MAX_VALUE), "past the bytes");
        assertTrue(bounded.retain(0, "a", new byte[0], true, Long.MAX_VALUE), "a clear is always allowed");
        assertEquals(List.of("b"), List.copyOf(bounded.retained().keySet()));
        assertEquals(12, bounded.retainedBytes());
        assertTrue(bounded.retain(0, "c", new byte[1], false, 70), "room again after the clear");
        assertEquals(List.of("retained a 0 10", "retained b 1 10", "retained a 2 20", "retained a 0 0",
            "retained c 0 1"), events);

        assertEquals("b", bounded.sweepExpired(null, 60, 1), "a slice of one topic, resumed after it");
        assertEquals(List.of("c"), List.copyOf(bounded.retained().keySet()), "b expired at 50");
        assertEquals(null, bounded.sweepExpired("b", 60, 10), "the walk reached the end");
        assertEquals(1, bounded.retained().size(), "c expires at 70");
        bounded.sweepExpired(null, 71, 10);
        assertTrue(bounded.retained().isEmpty());
        assertEquals(0, bounded.retainedBytes());
    }

    @Test
    void shouldCarryABodyAfterTheText()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(ControlMessageDescriptor.MAX_MESSAGE_LENGTH);
        final ExpandableArrayBuffer body = new ExpandableArrayBuffer(16);
        body.putStringWithoutLengthAscii(3, "payload");
        final int length = new ControlMessageEncoder().encode(buffer, 0, ControlMessageDescriptor.RETAIN, 2, 0, 9,
            "t/1", body, 3, 7);
        final ControlMessageDecoder decoder = new ControlMessageDecoder();
        assertTrue(decoder.wrap(buffer, 0, length));
        assertEquals("t/1", decoder.text());
        assertEquals(7, decoder.bodyLength());
        assertEquals("payload", decoder.buffer().getStringWithoutLengthAscii(decoder.bodyOffset(), 7));
        assertTrue(decoder.wrap(buffer, 0, length - 7));
        assertEquals(0, decoder.bodyLength(), "no body");
    }
}
