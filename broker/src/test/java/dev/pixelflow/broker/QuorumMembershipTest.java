package dev.pixelflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Options and arguments for one node of a multi-node cluster; the single-node defaults stay as they were. */
class QuorumMembershipTest {
    private static final Path DIR = Path.of("target", "some-node");
    private static final String ID = QuorumMembership.newClusterId();
    private static final String VOTERS = "1@127.0.0.1:19093,2@127.0.0.1:29093,3@127.0.0.1:39093";

    @Test
    void votersNameEveryNodeAndFixTheControllerPort() {
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        ports.put(1, 19093);
        ports.put(2, 29093);
        ports.put(3, 39093);
        assertThat(QuorumMembership.localVoters(ports)).isEqualTo(VOTERS);

        QuorumMembership node2 = new QuorumMembership(2, VOTERS, ID);
        assertThat(node2.size()).isEqualTo(3);
        assertThat(node2.controllerPort()).isEqualTo(29093);
        BrokerOptions options = BrokerOptions.builder(DIR).port(29092).quorum(node2).build();
        assertThat(options.controllerPort()).isEqualTo(29093);
        assertThat(options.nodeId()).isEqualTo(2);
    }

    @Test
    void clusterSettingsUseStaticVotersAndReplicateThreeTimes() {
        QuorumMembership node3 = new QuorumMembership(3, VOTERS, ID);
        assertThat(KafkaServerSettings.of(39092, 39093, DIR, node3, Map.of("broker.session.timeout.ms", "3000")))
                .containsEntry("node.id", "3")
                .containsEntry("controller.quorum.voters", VOTERS)
                .doesNotContainKey("controller.quorum.bootstrap.servers")
                .containsEntry("default.replication.factor", "3")
                .containsEntry("min.insync.replicas", "2")
                .containsEntry("offsets.topic.replication.factor", "3")
                .containsEntry("transaction.state.log.replication.factor", "3")
                .containsEntry("transaction.state.log.min.isr", "2")
                .containsEntry("broker.session.timeout.ms", "3000");
        assertThat(KafkaServerSettings.of(9092, 9093, DIR, Map.of()))
                .containsEntry("node.id", "1")
                .containsEntry("default.replication.factor", "1")
                .doesNotContainKey("controller.quorum.voters");
    }

    @Test
    void badMembershipIsRejectedWithItsReason() {
        assertThatThrownBy(() -> new QuorumMembership(4, VOTERS, ID))
                .hasMessage("node id 4 is not among the quorum voters '" + VOTERS + "'");
        assertThatThrownBy(() -> new QuorumMembership(1, "1@127.0.0.1", ID))
                .hasMessageContaining("quorum voters must be id@host:port");
        assertThatThrownBy(() -> new QuorumMembership(1, "1@h:1,1@h:2", ID))
                .hasMessageContaining("node id 1 appears twice");
        assertThatThrownBy(() -> new QuorumMembership(1, VOTERS, "not-a-uuid"))
                .hasMessageContaining("cluster id must be a Kafka base64 UUID");
        QuorumMembership node1 = new QuorumMembership(1, VOTERS, ID);
        assertThatThrownBy(() -> BrokerOptions.builder(DIR).controllerPort(5555).quorum(node1).build())
                .hasMessageContaining("controllerPort 5555 differs from node 1's port 19093");
    }

    @Test
    void commandLineTakesNodeVotersClusterIdAndSettings() {
        BrokerArguments arguments = BrokerArguments.parse(List.of("--port", "19092", "--node-id", "1",
                "--quorum-voters", VOTERS, "--cluster-id", ID, "--set", "replica.lag.time.max.ms=5000",
                "--set=broker.heartbeat.interval.ms=500"));

        assertThat(arguments.quorum()).isEqualTo(new QuorumMembership(1, VOTERS, ID));
        assertThat(arguments.controllerPort()).isEqualTo(19093);
        assertThat(arguments.serverConfig()).containsOnly(Map.entry("replica.lag.time.max.ms", "5000"),
                Map.entry("broker.heartbeat.interval.ms", "500"));
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--node-id", "1")))
                .hasMessage("--node-id, --quorum-voters and --cluster-id go together");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--set", "novalue")))
                .hasMessageContaining("--set").hasMessageContaining("KEY=VALUE");
        assertThatThrownBy(() -> BrokerArguments.parse(List.of("--node-id", "-1")))
                .hasMessage("--node-id must be a non-negative integer, got '-1'");
    }
}
