package io.ringmq.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;

import org.junit.jupiter.api.Test;

class ClusterMembersTest
{
    @Test
    void shouldDeriveEveryMembersPortsFromItsBase()
    {
        final ClusterMembers members = ClusterMembers.parse("127.0.0.1,127.0.0.2:9200, [::1]:9300");
        assertEquals(3, members.size());
        assertEquals(ClusterMembers.DEFAULT_BASE_PORT, members.basePort(0));
        assertEquals("[::1]", members.host(2));
        assertEquals("127.0.0.2:9205", members.dataEndpoint(1));
        assertEquals("0,127.0.0.1:9100,127.0.0.1:9101,127.0.0.1:9102,127.0.0.1:9103,127.0.0.1:9104|" +
            "1,127.0.0.2:9200,127.0.0.2:9201,127.0.0.2:9202,127.0.0.2:9203,127.0.0.2:9204|" +
            "2,[::1]:9300,[::1]:9301,[::1]:9302,[::1]:9303,[::1]:9304", members.aeronClusterMembers());
        assertEquals("0=127.0.0.1:9100,1=127.0.0.2:9200,2=[::1]:9300", members.ingressEndpoints());
        assertEquals("127.0.0.1:9100,127.0.0.2:9200,[::1]:9300", members.toString());
    }

    @Test
    void shouldSayWhatIsWrongWithAnEntry()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterMembers.parse(""))
            .getMessage().contains("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterMembers.parse("a:x"))
            .getMessage().contains("member 0 'a:x': port is not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterMembers.parse("a,,b"))
            .getMessage().contains("member 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterMembers.parse("a:65535"))
            .getMessage().contains("base port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterMembers.parse("[::1:9100"))
            .getMessage().contains("no closing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterMembers.parse("h:9100,h:9103"))
            .getMessage().contains("members 0 and 1 share h"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterMembers.parse("a,".repeat(64) + "a"))
            .getMessage().contains("at most 64"));
    }

    @Test
    void shouldAllowMembersSharingAnAddressWithBasesFarEnoughApart()
    {
        assertEquals(9106, ClusterMembers.parse("h:9100,h:9106").basePort(1));
    }

    @Test
    void shouldCheckNodeIdsForMembersAndClients()
    {
        final ClusterMembers members = ClusterMembers.parse("127.0.0.1,127.0.0.2,127.0.0.3");
        final File dir = new File("unused");
        assertEquals("127.0.0.3:9105", ClusterNodeConfig.votingMember(2, members, dir).dataEndpoint());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterNodeConfig.votingMember(3, members, dir))
            .getMessage().contains("--cluster-client"));
        assertEquals("127.0.0.4:9105", ClusterNodeConfig.clusterClient(3, members, "127.0.0.4", 9105, dir)
            .dataEndpoint());
        assertThrows(IllegalArgumentException.class, () -> ClusterNodeConfig.clusterClient(1, members, "h", 1, dir));
        assertThrows(IllegalArgumentException.class, () -> ClusterNodeConfig.clusterClient(64, members, "h", 1, dir));
    }
}
