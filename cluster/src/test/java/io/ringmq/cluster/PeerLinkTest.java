package io.ringmq.cluster;

import io.aeron.Publication;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a forward that a peer's publication did not take waits in the queue, and when it is dropped. */
final class PeerLinkTest
{
    private static final long CREATED_NS = 1_000_000_000L;

    private final PeerLink link = new PeerLink(null, CREATED_NS);

    @Test
    void shouldWaitBehindBackPressureAtAnyAge()
    {
        final long later = CREATED_NS + 10 * PeerLink.CONNECT_GRACE_NS;
        assertTrue(link.shouldWait(Publication.BACK_PRESSURED, later));
        assertTrue(link.shouldWait(Publication.ADMIN_ACTION, later));
    }

    @Test
    void shouldWaitForANewLinkToConnectOnlyWithinTheGrace()
    {
        assertTrue(link.shouldWait(Publication.NOT_CONNECTED, CREATED_NS + 1),
            "a node just up: its publication connects in a moment");
        assertTrue(link.shouldWait(Publication.NOT_CONNECTED, CREATED_NS + PeerLink.CONNECT_GRACE_NS - 1));
        assertFalse(link.shouldWait(Publication.NOT_CONNECTED, CREATED_NS + PeerLink.CONNECT_GRACE_NS),
            "still not connected after the grace: dropped, not queued for ever");
    }

    @Test
    void shouldNeverWaitForAClosedPublicationOrAnOversizeMessage()
    {
        assertFalse(link.shouldWait(Publication.CLOSED, CREATED_NS + 1));
        assertFalse(link.shouldWait(Publication.MAX_POSITION_EXCEEDED, CREATED_NS + 1));
    }
}
