package dev.pixelflow.broker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.common.Uuid;

/**
 * This node's place in a multi-node KRaft cluster with a static quorum: every node runs broker and controller,
 * all of them are voters, and they share one cluster id (each formats its own log dir with it).
 *
 * @param nodeId    this node's {@code node.id}; must be one of the voters
 * @param voters    {@code controller.quorum.voters}: {@code id@host:port[,id@host:port...]}
 * @param clusterId the cluster id every node formats with (Kafka's base64 UUID, e.g. from {@link #newClusterId()})
 */
public record QuorumMembership(int nodeId, String voters, String clusterId) {
    private static final Pattern VOTER = Pattern.compile("(\\d+)@([^,@:\\s]+):(\\d{1,5})");

    public QuorumMembership {
        Objects.requireNonNull(voters, "voters");
        Objects.requireNonNull(clusterId, "clusterId");
        Map<Integer, Integer> ports = parse(voters);
        if (!ports.containsKey(nodeId)) {
            throw new IllegalArgumentException("node id " + nodeId + " is not among the quorum voters '" + voters + "'");
        }
        try {
            Uuid.fromString(clusterId);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster id must be a Kafka base64 UUID (22 characters), got '"
                    + clusterId + "'", e);
        }
    }

    /** A fresh id for a new cluster; hand the same one to every node. */
    public static String newClusterId() {
        return Uuid.randomUuid().toString();
    }

    /** {@code controller.quorum.voters} for nodes on 127.0.0.1, in the map's order (node id → controller port). */
    public static String localVoters(Map<Integer, Integer> controllerPortByNode) {
        return controllerPortByNode.entrySet().stream()
                .map(e -> e.getKey() + "@" + LocalPorts.HOST + ":" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** Number of voters, which is also the number of brokers: every node has both roles. */
    public int size() {
        return parse(voters).size();
    }

    /** The controller port the voters list gives this node. */
    public int controllerPort() {
        return parse(voters).get(nodeId);
    }

    private static Map<Integer, Integer> parse(String voters) {
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        for (String entry : voters.split(",", -1)) {
            Matcher m = VOTER.matcher(entry.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("quorum voters must be id@host:port[,id@host:port...], got '"
                        + voters + "'");
            }
            int port = Integer.parseInt(m.group(3));
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("voter '" + entry + "' has port " + port + " outside 1..65535");
            }
            if (ports.put(Integer.parseInt(m.group(1)), port) != null) {
                throw new IllegalArgumentException("node id " + m.group(1) + " appears twice in quorum voters '"
                        + voters + "'");
            }
        }
        return ports;
    }
}
